# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The metallb.io custom resources (v0.13 and later) a model stands for, and what of them is compared.

Private to the collection. ``render_crds(model, namespace)`` builds every spec from the field table
(``fields.KINDS``); ``comparable(obj)`` keeps exactly the table's fields, so whatever the renderer
emits takes part in change detection, with secrets replaced by markers that carry no digest.
"""

from __future__ import annotations

import base64
import copy

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import secret_markers
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import (
    COMMUNITY_OBJECT,
    KINDS,
    MANAGED_LABEL,
    MANAGED_VALUE,
    owned_fields,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import format_duration

EMPTY: tuple = (None, [], {})
DEFAULT_BGP_ADVERTISEMENT: dict = {
    "aggregation_length": 32,
    "aggregation_length_v6": 128,
    "localpref": None,
    "communities": [],
    "peers": [],
}


def password_secret_name(peer_name):
    return "%s-bgp-password" % peer_name


def object_key(obj):
    """'Kind/name': how objects are named in the diff and the actions."""
    return "%s/%s" % (obj["kind"], obj["metadata"]["name"])


def render_value(form, value):
    if form == "duration" and value is not None:
        return format_duration(value)
    if isinstance(value, list):
        return list(value)
    return value


def spec_of(kind, entry, **derived):
    """The spec of ``kind`` from a model ``entry`` (and ``derived`` values), field by field from the table."""
    unknown = set(derived) - set(owned_fields(kind))
    if unknown:  # a field outside the table would never be compared: refuse it here, not in production
        raise ValueError("%s fields %s are not in the field table" % (kind, sorted(unknown)))
    spec = {}
    for field in KINDS[kind].fields:
        if field.crd in derived:
            value = derived[field.crd]
        elif field.option is not None:
            value = render_value(field.form, entry.get(field.option))
        else:
            continue
        if field.always or value not in EMPTY:
            spec[field.crd] = value
    return spec


def new_object(kind, name, namespace, spec=None, **top):
    obj = {
        "apiVersion": KINDS[kind].api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": {MANAGED_LABEL: MANAGED_VALUE}},
    }
    if spec is not None:
        obj["spec"] = spec
    obj.update(top)
    return obj


def render_crds(model, namespace):
    """The custom resources (and password Secrets) the model stands for, in creation order."""
    objects = []
    for peer in model["peers"]:
        if peer.get("password"):
            objects.append(
                new_object(
                    "Secret",
                    password_secret_name(peer["name"]),
                    namespace,
                    type="kubernetes.io/basic-auth",
                    data={"password": base64.b64encode(peer["password"].encode("utf-8")).decode("ascii")},
                )
            )
    for profile in model["bfd_profiles"]:
        objects.append(new_object("BFDProfile", profile["name"], namespace, spec_of("BFDProfile", profile)))
    if model["communities"]:
        communities = [
            {"name": c["name"], "value": c["value"]} for c in sorted(model["communities"], key=lambda c: c["name"])
        ]
        objects.append(
            new_object("Community", COMMUNITY_OBJECT, namespace, spec_of("Community", {}, communities=communities))
        )
    for pool in model["address_pools"]:
        objects.append(new_object("IPAddressPool", pool["name"], namespace, spec_of("IPAddressPool", pool)))
    for pool in model["address_pools"]:
        if pool["protocol"] == "layer2":
            objects.append(
                new_object(
                    "L2Advertisement",
                    pool["name"],
                    namespace,
                    spec_of("L2Advertisement", pool, ipAddressPools=[pool["name"]]),
                )
            )
            continue
        for position, adv in enumerate(pool["bgp_advertisements"] or [DEFAULT_BGP_ADVERTISEMENT]):
            name = pool["name"] if position == 0 else "%s-%d" % (pool["name"], position + 1)
            objects.append(
                new_object(
                    "BGPAdvertisement",
                    name,
                    namespace,
                    spec_of(
                        "BGPAdvertisement", adv, ipAddressPools=[pool["name"]], nodeSelectors=pool["node_selectors"]
                    ),
                )
            )
    for peer in model["peers"]:
        secret = password_secret_name(peer["name"]) if peer.get("password") else peer.get("password_secret")
        objects.append(
            new_object(
                "BGPPeer",
                peer["name"],
                namespace,
                spec_of("BGPPeer", peer, passwordSecret={"name": secret, "namespace": namespace} if secret else None),
            )
        )
    return objects


def owned_part(obj):
    """The fields of ``obj`` this module owns (a Secret's are top-level), secrets still in clear."""
    if obj is None:
        return None
    owned = owned_fields(obj["kind"])
    source = obj if obj["kind"] == "Secret" else (obj.get("spec") or {})
    part = dict((k, copy.deepcopy(v)) for k, v in source.items() if k in owned)
    labels = (obj["metadata"].get("labels") or {}).get(MANAGED_LABEL)
    return dict(part, labels=labels) if obj["kind"] == "Secret" else {"spec": part, "labels": labels}


def before_after(live, desired):
    """What change detection compares for one object: (before, after), ``None`` for absent.

    Exactly the owned fields and the managed label; each secret value (Secret data, an inline BGPPeer
    password) is replaced by a marker that says whether it changed and carries no digest of it.
    """
    before, after = owned_part(live), owned_part(desired)
    for path in _secret_paths(before) | _secret_paths(after):
        markers = secret_markers(_get(before, path), _get(after, path))
        for state, marker in zip((before, after), markers):
            if state is not None and marker is not None:
                _get(state, path[:-1])[path[-1]] = marker
    return before, after


def _secret_paths(state):
    if state is None:
        return set()
    if "spec" not in state:  # a Secret
        return set(("data", key) for key in state.get("data") or {})
    return set([("spec", "password")]) if state["spec"].get("password") else set()


def _get(state, path):
    for key in path:
        if state is None:
            return None
        state = state.get(key)
    return state
