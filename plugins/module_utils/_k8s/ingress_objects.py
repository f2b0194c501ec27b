# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kubernetes objects ingress_tls manages, as pure functions: the TLS Secret (rendering,
content-idempotence, the merge patch), Ingress rules and spec.tls merging, and the host-hijack guard.

Private to the collection: may change at any time. Dicts in, dicts out; no client and no Ansible here.
Secret values never leave this file except base64-encoded inside the Secret body: summaries carry
fingerprints and dates.
"""

from __future__ import annotations

import base64
import copy
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._tls.bundle import certificate_info, existing_facts
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.chain import host_covered

SECRET_TYPE = "kubernetes.io/tls"
INGRESS_API = "networking.k8s.io/v1"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "kube_edge.lb.ingress_tls"
FINGERPRINT_ANNOTATION = "kube-edge.lb/certificate-sha256"
NOT_AFTER_ANNOTATION = "kube-edge.lb/not-after"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
PORT_NAME = re.compile(r"^(?=.{1,15}$)[a-z0-9]+(-[a-z0-9]+)*$")
IPV4 = re.compile(r"^\d+(\.\d+){3}$")
BAD_PATH_PARTS = ("//", "/./", "/../", "%2f", "%2F")


# ----------------------------------------------------------------------------------------------
# Secret
# ----------------------------------------------------------------------------------------------


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(value):
    try:
        return base64.b64decode(value or "", validate=True)
    except (ValueError, TypeError):
        return None


def render_secret(name, namespace, bundle, now=None):
    """The kubernetes.io/tls Secret for a checked bundle: full chain in tls.crt, optional ca.crt."""
    info = bundle.info(now=now)
    data = {"tls.crt": b64(bundle.tls_crt()), "tls.key": b64(bundle.tls_key())}
    ca = bundle.ca_crt()
    if ca:
        data["ca.crt"] = b64(ca)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {MANAGED_BY_LABEL: MANAGED_BY},
            "annotations": {
                FINGERPRINT_ANNOTATION: info["fingerprint_sha256"].replace(":", ""),
                NOT_AFTER_ANNOTATION: info["not_after"],
            },
        },
        "type": SECRET_TYPE,
        "data": data,
    }


def secret_summary(secret):
    """What a diff may show of a Secret: type, ownership and certificate facts, never key bytes."""
    if secret is None:
        return None
    data = secret.get("data") or {}
    metadata = secret.get("metadata") or {}
    summary = {
        "type": secret.get("type", "Opaque"),
        "managed_by": (metadata.get("labels") or {}).get(MANAGED_BY_LABEL),
        "keys": sorted(data),
    }
    facts = existing_facts(unb64(data.get("tls.crt")), unb64(data.get("tls.key")))
    if facts["leaf"] is not None:
        info = certificate_info(facts["leaf"])
        summary["tls.crt"] = dict(
            (key, info[key]) for key in ("subject", "sans", "issuer", "not_after", "fingerprint_sha256")
        )
        summary["tls.crt"]["chain_sha256"] = facts["chain"]
    elif "tls.crt" in data:
        summary["tls.crt"] = "(not a PEM certificate chain)"
    if facts["key"] is not None:
        summary["tls.key"] = {"public_key_sha256": facts["key"]}
    elif "tls.key" in data:
        summary["tls.key"] = "(present, not a usable private key)"
    if "ca.crt" in data:
        ca_facts = existing_facts(unb64(data.get("ca.crt")), None)
        summary["ca.crt"] = ca_facts["chain"] or "(not a PEM bundle)"
    return summary


def same_content(live, desired):
    """True when ``live`` already holds the desired chain, key and CA (by fingerprint, not bytes)."""
    live_data = (live or {}).get("data") or {}
    desired_data = desired["data"]
    if set(live_data) & {"tls.crt", "tls.key", "ca.crt"} != set(desired_data):
        return False
    live_facts = existing_facts(unb64(live_data.get("tls.crt")), unb64(live_data.get("tls.key")))
    want_facts = existing_facts(unb64(desired_data["tls.crt"]), unb64(desired_data["tls.key"]))
    if (
        live_facts["chain"] is None
        or live_facts["chain"] != want_facts["chain"]
        or live_facts["key"] != want_facts["key"]
    ):
        return False
    if "ca.crt" in desired_data:
        live_ca = existing_facts(unb64(live_data.get("ca.crt")), None)["chain"]
        want_ca = existing_facts(unb64(desired_data["ca.crt"]), None)["chain"]
        return live_ca == want_ca
    return True


def secret_patch(live, desired):
    """The merge patch that turns ``live`` (same type) into ``desired``; {} when nothing differs.

    Labels and annotations of others are kept; data is compared by content, so a Secret written by
    kubectl with the same certificate and key is not rewritten for a different PEM encoding.
    """
    patch = {}
    metadata = {}
    for field in ("labels", "annotations"):
        live_map = (live.get("metadata") or {}).get(field) or {}
        changes = dict((k, v) for k, v in desired["metadata"][field].items() if live_map.get(k) != v)
        if changes:
            metadata[field] = changes
    if metadata:
        patch["metadata"] = metadata
    if not same_content(live, desired):
        data = dict(desired["data"])
        if "ca.crt" not in data and "ca.crt" in (live.get("data") or {}):
            data["ca.crt"] = None
        patch["data"] = data
    return patch


# ----------------------------------------------------------------------------------------------
# Ingress
# ----------------------------------------------------------------------------------------------


def ingress_class_of(ingress):
    spec = ingress.get("spec") or {}
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    return spec.get("ingressClassName") or annotations.get(CLASS_ANNOTATION)


def classes_overlap(ours, theirs):
    """Two Ingresses may be served by the same controller: same class, or either has none (an
    Ingress without a class goes to the cluster's default class, which may be ours)."""
    return ours is None or theirs is None or ours == theirs


def rule_hosts(spec):
    hosts = []
    for rule in (spec or {}).get("rules") or []:
        host = rule.get("host")
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def render_rules(rules):
    """Module-style rules ({host, paths: [{path, path_type, service, port}]}) to Ingress v1 rules."""
    rendered = []
    for rule in rules or []:
        paths = []
        for path in rule.get("paths") or []:
            port = path["port"]
            port = {"number": int(port)} if isinstance(port, int) or str(port).isdigit() else {"name": port}
            paths.append(
                {
                    "path": path.get("path") or "/",
                    "pathType": path.get("path_type") or "Prefix",
                    "backend": {"service": {"name": path["service"], "port": port}},
                }
            )
        entry = {"http": {"paths": paths}}
        if rule.get("host"):
            entry = {"host": rule["host"], "http": {"paths": paths}}
        rendered.append(entry)
    return rendered


def merge_rules(live_rules, wanted_rules):
    """Add wanted hosts and paths to the live rules; a wanted host+path replaces that path only.

    Rules and paths that are not mentioned are kept as they are, in their order.
    """
    rules = copy.deepcopy(live_rules or [])
    for wanted in wanted_rules:
        host = (wanted.get("host") or "").lower()
        target = next((r for r in rules if (r.get("host") or "").lower() == host), None)
        if target is None:
            rules.append(copy.deepcopy(wanted))
            continue
        paths = target.setdefault("http", {}).setdefault("paths", [])
        for wanted_path in wanted["http"]["paths"]:
            index = next((i for i, p in enumerate(paths) if p.get("path", "") == wanted_path["path"]), None)
            if index is None:
                paths.append(copy.deepcopy(wanted_path))
            else:
                paths[index] = copy.deepcopy(wanted_path)
    return rules


def merge_tls(live_tls, secret_name, hosts, force=False):
    """spec.tls with exactly one entry ``{hosts, secretName}`` for our Secret; others untouched.

    Another entry (another Secret) that lists one of our hosts is a conflict: only ``force`` moves
    the host over (an entry emptied that way is removed). Returns (entries, problems).
    """
    entries = copy.deepcopy(live_tls or [])
    wanted = set(host.lower() for host in hosts)
    problems = []
    result = []
    ours_done = False
    for entry in entries:
        if entry.get("secretName") == secret_name:
            if not ours_done:
                result.append({"hosts": list(hosts), "secretName": secret_name})
                ours_done = True
            continue
        clash = [host for host in entry.get("hosts") or [] if host.lower() in wanted]
        if clash and not force:
            problems.append(
                "spec.tls already serves %s with Secret %r; set force=true to move %s to Secret %r."
                % (
                    ", ".join(repr(h) for h in clash),
                    entry.get("secretName"),
                    "it" if len(clash) == 1 else "them",
                    secret_name,
                )
            )
        if clash and force:
            entry["hosts"] = [host for host in entry["hosts"] if host.lower() not in wanted]
            if not entry["hosts"]:
                continue
        result.append(entry)
    if not ours_done:
        result.append({"hosts": list(hosts), "secretName": secret_name})
    return result, problems


def claims(spec):
    """(host, path) pairs an Ingress routes; an empty host is the catch-all '_' as ingress-nginx names it."""
    pairs = []
    for rule in (spec or {}).get("rules") or []:
        host = (rule.get("host") or "_").lower()
        for path in (rule.get("http") or {}).get("paths") or []:
            pairs.append((host, path.get("path") or "/"))
    return pairs


def served_hosts(spec):
    """Every host an Ingress serves: its rule hosts and its TLS hosts, lowercase, in order."""
    hosts = []
    for host in rule_hosts(spec) + [h for entry in (spec or {}).get("tls") or [] for h in entry.get("hosts") or []]:
        host = (host or "").lower()
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def takes_host(theirs, ours):
    """An Ingress serving ``theirs`` takes traffic for one of ``ours``: the same name, or an exact name
    under one of our wildcards (controllers prefer the exact name). Their wildcard above our exact
    name does not (ours is preferred)."""
    return theirs in ours or host_covered(theirs, [host for host in ours if host.startswith("*.")])


def find_conflicts(namespace, name, ingress_class, spec, secret_name, tls_hosts, others):
    """Sentences for every other Ingress that the same controller may serve (same class, or no class) and that

    - in another namespace, serves one of our hosts, whatever the path (a tenant cannot share a host), or
    - in our namespace, claims one of our host+path pairs or has a TLS section for one of our hosts
      with another Secret.
    """
    ours = set(claims(spec))
    our_hosts = set(host.lower() for host in tls_hosts) | set(host for host, dummy in ours if host != "_")
    wanted = set(host.lower() for host in tls_hosts)
    messages = []
    for other in others:
        metadata = other.get("metadata") or {}
        other_ns, other_name = metadata.get("namespace"), metadata.get("name")
        if (other_ns, other_name) == (namespace, name):
            continue
        if not classes_overlap(ingress_class, ingress_class_of(other)):
            continue
        where = "Ingress %s/%s" % (other_ns, other_name)
        if other_ns != namespace:
            for host in served_hosts(other.get("spec")):
                if takes_host(host, our_hosts):
                    messages.append(
                        "host %r is already served by %s, in another namespace (any path there counts)." % (host, where)
                    )
            continue
        for host, path in claims(other.get("spec")):
            if (host, path) in ours:
                messages.append("host %r path %r is already claimed by %s." % (host, path, where))
        for entry in (other.get("spec") or {}).get("tls") or []:
            if entry.get("secretName") == secret_name:
                continue
            for host in entry.get("hosts") or []:
                if host.lower() in wanted:
                    messages.append(
                        "host %r already has a TLS section in %s with Secret %s/%s."
                        % (host, where, other_ns, entry.get("secretName"))
                    )
    return messages


QUALIFIED_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


def check_annotations(annotations, problems):
    """Annotation keys are qualified names ([prefix/]name) and values strings, as the API server requires:
    YAML's unquoted true, 80, null or [1] is refused rather than sent as "True", "80", "None" or "[1]"."""
    for key, value in (annotations or {}).items():
        prefix, dummy, short = key.rpartition("/")
        if not QUALIFIED_NAME.match(short) or (prefix and not DNS_SUBDOMAIN.match(prefix)) or "/" in prefix:
            problems.add(
                "annotations[%r]" % key,
                value if isinstance(value, str) else repr(value),
                "has a key that is not a qualified name ([DNS-subdomain prefix/]name of at most 63 characters)",
            )
        if not isinstance(value, str):
            problems.add(
                "annotations[%r]" % key,
                value,
                "must be a string; quote it in YAML%s"
                % (' ("%s")' % ("true" if value else "false") if isinstance(value, bool) else ""),
            )


def ingress_summary(ingress):
    if ingress is None:
        return None
    metadata = ingress.get("metadata") or {}
    summary = {"spec": copy.deepcopy(ingress.get("spec") or {})}
    if metadata.get("annotations"):
        summary["annotations"] = dict(
            (k, v)
            for k, v in metadata["annotations"].items()
            if k != "kubectl.kubernetes.io/last-applied-configuration"
        )
    return summary
