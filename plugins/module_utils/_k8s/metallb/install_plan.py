# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB's installation as data (pure; private to the collection).

- ``desired_objects(params)``: the release manifests (and the namespace with its labels) as the ordered
  list of objects to apply, each with where the API serves it; bad documents are refused, all at once;
- ``read_plan(objects)``: the fewest reads that show every object's live state (a GET for a kind with
  one object, a LIST per kind and namespace otherwise);
- ``up_to_date(obj, live)``: whether a server-side apply of ``obj`` would leave ``live`` as it is,
  judged without a request: the applied-manifest digest annotation (fields an earlier release set and
  this one dropped are only removed by an apply) and every declared field at its declared value;
- ``strict_arp(configmap)``: what kube-proxy's configuration says about IPVS strictARP.
"""

from __future__ import annotations

import copy
import hashlib
import json

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.kinds import resource_of

try:
    import yaml

    HAS_YAML = True
except ImportError:  # the module reports it with missing_required_lib()
    HAS_YAML = False

FIELD_MANAGER = "kube_edge.lb.metallb"
DIGEST_ANNOTATION = "kube-edge.lb/applied-manifest-sha256"


class Desired:
    """One object to apply and where the API serves it."""

    __slots__ = ("api_version", "body", "kind", "name", "namespace", "plural")

    def __init__(self, api_version, kind, plural, namespace, name, body):
        self.api_version, self.kind, self.plural = api_version, kind, plural
        self.namespace, self.name, self.body = namespace, name, body

    @property
    def label(self):
        return "%s %s" % (self.kind, "%s/%s" % (self.namespace, self.name) if self.namespace else self.name)

    def action(self, verb):
        entry = {"action": verb, "kind": self.kind, "name": self.name}
        if self.namespace:
            entry["namespace"] = self.namespace
        return entry


def with_digest(body):
    """``body`` with the digest of its own canonical JSON in an annotation (what the apply sends)."""
    body = copy.deepcopy(body)
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    metadata = body.setdefault("metadata", {})
    annotations = dict(metadata.get("annotations") or {})
    annotations[DIGEST_ANNOTATION] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    metadata["annotations"] = annotations
    return body


def desired_objects(params):
    """The namespace, then the manifests' objects in their order (skip_kinds and Namespace documents left out)."""
    namespace = params.get("namespace") or "metallb-system"
    labels = params.get("namespace_labels") or {}
    skip = set(params.get("skip_kinds") or ()) | {"Namespace"}
    problems = Problems()
    for key, value in labels.items():
        if not isinstance(value, str):
            problems.add("namespace_labels[%r]" % key, value, "must be a string (quote it)")
    ns_body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": dict(labels)}}
    objects = [Desired("v1", "Namespace", "namespaces", None, namespace, with_digest(ns_body))]
    seen = {("Namespace", None, namespace)}
    for index, document in enumerate(params.get("manifests") or ()):
        field = "manifests[%d]" % index
        if not isinstance(document, dict):
            problems.add(field, document, "must be a Kubernetes object (a mapping)")
            continue
        api_version, kind = document.get("apiVersion"), document.get("kind")
        metadata = document.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if not isinstance(api_version, str) or not isinstance(kind, str) or not isinstance(name, str) or not name:
            problems.add(field, "%s/%s" % (api_version, kind), "needs apiVersion, kind and metadata.name")
            continue
        if kind in skip:
            continue
        resource = resource_of(api_version, kind)
        if resource is None:
            problems.add(
                "%s.kind" % field,
                "%s %s" % (api_version, kind),
                "is not a kind this module applies (the built-in kinds of MetalLB's manifests); "
                "add it to skip_kinds to leave it out",
            )
            continue
        plural, namespaced = resource
        if metadata.get("namespace") is not None and not isinstance(metadata["namespace"], str):
            problems.add("%s.metadata.namespace" % field, metadata["namespace"], "must be a string")
            continue
        object_namespace = (metadata.get("namespace") or namespace) if namespaced else None
        key = (kind, object_namespace, name)
        if key in seen:
            problems.add("%s.metadata.name" % field, name, "appears twice for kind %s" % kind)
            continue
        seen.add(key)
        body = copy.deepcopy(document)
        if namespaced:
            body["metadata"]["namespace"] = object_namespace
        elif "namespace" in body["metadata"]:
            del body["metadata"]["namespace"]
        objects.append(Desired(api_version, kind, plural, object_namespace, name, with_digest(body)))
    problems.raise_if_any()
    return objects


def read_plan(objects):
    """[(api_version, plural, namespace, names)] in first-seen order: one read per kind and namespace."""
    groups = {}
    for obj in objects:
        groups.setdefault((obj.api_version, obj.plural, obj.namespace), []).append(obj.name)
    return [(api_version, plural, namespace, names) for (api_version, plural, namespace), names in groups.items()]


def contains(live, wanted):
    """Whether every field of ``wanted`` is in ``live`` with the same value (lists item by item).

    A null field states no value (server-side apply drops it; manifests carry ``creationTimestamp: null``)."""
    if isinstance(wanted, dict):
        return isinstance(live, dict) and all(
            value is None or (key in live and contains(live[key], value)) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(live, list)
            and len(live) == len(wanted)
            and all(contains(item, want) for item, want in zip(live, wanted))
        )
    return live == wanted


def up_to_date(obj, live):
    """True when applying ``obj`` would change nothing in ``live`` (None: absent)."""
    if live is None:
        return False
    annotations = (live.get("metadata") or {}).get("annotations") or {}
    digest = obj.body["metadata"]["annotations"][DIGEST_ANNOTATION]
    return annotations.get(DIGEST_ANNOTATION) == digest and contains(live, obj.body)


def _truthy(value):
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"))


def strict_arp(configmap):
    """For ConfigMap kube-system/kube-proxy (None: absent): the text of ``config.conf`` with
    ``ipvs.strictARP: true`` when kube-proxy runs in IPVS mode without it, else None."""
    if configmap is None:
        return None
    text = (configmap.get("data") or {}).get("config.conf")
    config = yaml.safe_load(text) if text else {}
    if not isinstance(config, dict) or config.get("mode") != "ipvs":
        return None
    ipvs = config.get("ipvs") if isinstance(config.get("ipvs"), dict) else {}
    if _truthy(ipvs.get("strictARP")):
        return None
    config["ipvs"] = dict(ipvs, strictARP=True)
    return yaml.safe_dump(config, default_flow_style=False, indent=2)
