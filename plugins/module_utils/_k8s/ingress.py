# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS Secrets on Ingresses: rendering, content-idempotence, spec.tls merging and the host-hijack guard.

Private to the collection: may change at any time. The functions at the top are pure (dicts in,
dicts out). ``IngressTls`` at the bottom runs one module call against a ``KubeClient``:
read (LIST Ingresses once, GET the Secret), check everything, then write only what differs.
Secret values never leave this file except base64-encoded inside the request body: diffs and
results carry fingerprints and dates.
"""

from __future__ import annotations

import base64
import copy
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import (
    DeviceError, KubeEdgeError, Problems, ValidationError)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import tls

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
# Input validation (mirrors the API server where it matters, so errors come before any write)
# ----------------------------------------------------------------------------------------------

def valid_host(host):
    """An Ingress host: DNS-1123 subdomain, wildcard only as the whole left-most label, not an IP."""
    if not host or IPV4.match(host) or ":" in host:
        return False
    name = host[2:] if host.startswith("*.") else host
    return bool(DNS_SUBDOMAIN.match(name)) and "*" not in name


def validate_params(params, problems):
    """Shape checks on the module options that the argspec cannot express."""
    if params.get("name") and not DNS_SUBDOMAIN.match(params["name"]):
        problems.add("name", params["name"], "is not a valid Secret name (lowercase DNS-1123 subdomain)")
    if params.get("namespace") and not DNS_LABEL.match(params["namespace"]):
        problems.add("namespace", params["namespace"], "is not a valid namespace name (lowercase DNS-1123 label)")
    if params.get("ingress") and not DNS_SUBDOMAIN.match(params["ingress"]):
        problems.add("ingress", params["ingress"], "is not a valid Ingress name (lowercase DNS-1123 subdomain)")
    if params.get("ingress_class") and not DNS_SUBDOMAIN.match(params["ingress_class"]):
        problems.add("ingress_class", params["ingress_class"], "is not a valid IngressClass name")
    for index, host in enumerate(params.get("hosts") or []):
        if not valid_host(host):
            problems.add("hosts[%d]" % index, host,
                         "is not a valid Ingress host (lowercase DNS name, wildcard only as '*.' prefix, no IP)")
    for index, rule in enumerate(params.get("rules") or []):
        where = "rules[%d]" % index
        if rule.get("host") and not valid_host(rule["host"]):
            problems.add(where + ".host", rule["host"], "is not a valid Ingress host")
        if not rule.get("paths"):
            problems.add(where + ".paths", rule.get("paths"), "must list at least one path")
        for path_index, path in enumerate(rule.get("paths") or []):
            pwhere = "%s.paths[%d]" % (where, path_index)
            value = path.get("path") or "/"
            if path.get("path_type", "Prefix") in ("Exact", "Prefix"):
                if not value.startswith("/") or any(part in value for part in BAD_PATH_PARTS) \
                        or value.endswith("/..") or value.endswith("/."):
                    problems.add(pwhere + ".path", value, "must be an absolute path without '//', '/./', '/../' or "
                                                          "'%2f' for path_type Exact or Prefix")
            if not path.get("service") or not DNS_LABEL.match(path["service"]):
                problems.add(pwhere + ".service", path.get("service"), "is not a valid Service name")
            port = path.get("port")
            if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
                if not 1 <= int(port) <= 65535:
                    problems.add(pwhere + ".port", port, "must be between 1 and 65535")
            elif not isinstance(port, str) or not PORT_NAME.match(port):
                problems.add(pwhere + ".port", port, "must be a port number or a Service port name")


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
            "annotations": {FINGERPRINT_ANNOTATION: info["fingerprint_sha256"].replace(":", ""),
                            NOT_AFTER_ANNOTATION: info["not_after"]},
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
    facts = tls.existing_secret_facts(unb64(data.get("tls.crt")), unb64(data.get("tls.key")))
    if facts["leaf"] is not None:
        info = tls.certificate_info(facts["leaf"])
        summary["tls.crt"] = dict((key, info[key]) for key in (
            "subject", "sans", "issuer", "not_after", "fingerprint_sha256"))
        summary["tls.crt"]["chain_sha256"] = facts["chain"]
    elif "tls.crt" in data:
        summary["tls.crt"] = "(not a PEM certificate chain)"
    if facts["key"] is not None:
        summary["tls.key"] = {"public_key_sha256": facts["key"]}
    elif "tls.key" in data:
        summary["tls.key"] = "(present, not a usable private key)"
    if "ca.crt" in data:
        ca_facts = tls.existing_secret_facts(unb64(data.get("ca.crt")), None)
        summary["ca.crt"] = ca_facts["chain"] or "(not a PEM bundle)"
    return summary


def same_content(live, desired):
    """True when ``live`` already holds the desired chain, key and CA (by fingerprint, not bytes)."""
    live_data = (live or {}).get("data") or {}
    desired_data = desired["data"]
    if set(live_data) & {"tls.crt", "tls.key", "ca.crt"} != set(desired_data):
        return False
    live_facts = tls.existing_secret_facts(unb64(live_data.get("tls.crt")), unb64(live_data.get("tls.key")))
    want_facts = tls.existing_secret_facts(unb64(desired_data["tls.crt"]), unb64(desired_data["tls.key"]))
    if live_facts["chain"] is None or live_facts["chain"] != want_facts["chain"] or live_facts["key"] != want_facts["key"]:
        return False
    if "ca.crt" in desired_data:
        live_ca = tls.existing_secret_facts(unb64(live_data.get("ca.crt")), None)["chain"]
        want_ca = tls.existing_secret_facts(unb64(desired_data["ca.crt"]), None)["chain"]
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
            paths.append({
                "path": path.get("path") or "/",
                "pathType": path.get("path_type") or "Prefix",
                "backend": {"service": {"name": path["service"], "port": port}},
            })
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
            problems.append("spec.tls already serves %s with Secret %r; set force=true to move %s to Secret %r." % (
                ", ".join(repr(h) for h in clash), entry.get("secretName"), "it" if len(clash) == 1 else "them",
                secret_name))
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


def find_conflicts(namespace, name, ingress_class, spec, secret_name, tls_hosts, others):
    """Other Ingresses (same class or possibly the same controller) that claim our host+path or hold a
    TLS section for one of our hosts with a different Secret. Returns readable sentences."""
    ours = set(claims(spec))
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
        for host, path in claims(other.get("spec")):
            if (host, path) in ours:
                messages.append("host %r path %r is already claimed by %s." % (host, path, where))
        for entry in (other.get("spec") or {}).get("tls") or []:
            if other_ns == namespace and entry.get("secretName") == secret_name:
                continue
            for host in entry.get("hosts") or []:
                if host.lower() in wanted:
                    messages.append("host %r already has a TLS section in %s with Secret %s/%s." % (
                        host, where, other_ns, entry.get("secretName")))
    return messages


def annotation_values(annotations):
    """Annotation values are strings for the API; YAML's true/80 become "true"/"80", not "True"."""
    values = {}
    for key, value in annotations.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        values[key] = value if isinstance(value, str) else str(value)
    return values


def ingress_summary(ingress):
    if ingress is None:
        return None
    metadata = ingress.get("metadata") or {}
    summary = {"spec": copy.deepcopy(ingress.get("spec") or {})}
    if metadata.get("annotations"):
        summary["annotations"] = dict((k, v) for k, v in metadata["annotations"].items()
                                      if k != "kubectl.kubernetes.io/last-applied-configuration")
    return summary


# ----------------------------------------------------------------------------------------------
# One module run
# ----------------------------------------------------------------------------------------------

class IngressTls:
    """Reads, checks and writes for one Secret (+ optional Ingress). ``run()`` returns the result dict."""

    def __init__(self, client, params, check_mode=False, now=None):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.now = now
        self.namespace = params.get("namespace") or "default"
        self.name = params["name"]
        self.tracker = ChangeTracker()
        self.warnings = []
        self.result = {}

    # -- reads -----------------------------------------------------------------------------------

    def read_ingresses(self):
        """One LIST of all Ingresses serves both the guard and our own Ingress; fall back to our
        namespace when RBAC forbids the cluster-wide list (the guard then says so)."""
        if self.params.get("hijack_guard") == "ignore":
            if not self.params.get("ingress"):
                return None, []
            return self.client.get(INGRESS_API, "ingresses", self.params["ingress"], self.namespace), []
        try:
            items = self.client.list(INGRESS_API, "ingresses")
        except DeviceError as error:
            if error.status not in (401, 403):
                raise
            self.warnings.append("Cannot list Ingresses in all namespaces (HTTP %s); the host-hijack guard only "
                                 "checked namespace %s." % (error.status, self.namespace))
            items = self.client.list(INGRESS_API, "ingresses", namespace=self.namespace)
        ours = None
        if self.params.get("ingress"):
            for item in items:
                metadata = item.get("metadata") or {}
                if metadata.get("namespace", self.namespace) == self.namespace and metadata.get("name") == self.params["ingress"]:
                    ours = item
        return ours, items

    # -- plan ------------------------------------------------------------------------------------

    def desired_ingress(self, live):
        params = self.params
        name = params["ingress"]
        rules = render_rules(params.get("rules"))
        if live is None:
            if not rules:
                raise ValidationError("ingress=%r does not exist in namespace %r; give rules to create it." % (
                    name, self.namespace))
            body = {
                "apiVersion": INGRESS_API,
                "kind": "Ingress",
                "metadata": {"name": name, "namespace": self.namespace, "labels": {MANAGED_BY_LABEL: MANAGED_BY}},
                "spec": {"rules": rules},
            }
            if params.get("annotations"):
                body["metadata"]["annotations"] = annotation_values(params["annotations"])
            if params.get("ingress_class"):
                body["spec"]["ingressClassName"] = params["ingress_class"]
            return body
        body = copy.deepcopy(live)
        spec = body.setdefault("spec", {})
        if rules:
            spec["rules"] = merge_rules(spec.get("rules"), rules)
        if params.get("ingress_class") and ingress_class_of(live) != params["ingress_class"]:
            spec["ingressClassName"] = params["ingress_class"]
        if params.get("annotations"):
            annotations = body.setdefault("metadata", {}).setdefault("annotations", {})
            annotations.update(annotation_values(params["annotations"]))
        return body

    def hosts_for(self, ingress_body):
        hosts = self.params.get("hosts") or rule_hosts((ingress_body or {}).get("spec"))
        if not hosts:
            raise ValidationError("hosts is empty and the Ingress has no rule hosts; name the hosts the certificate serves.")
        return hosts

    def bundle(self, hosts, live_secret):
        params = self.params
        options = dict(hosts=hosts, min_days_valid=params.get("min_days_valid", tls.DEFAULT_MIN_DAYS_VALID),
                       min_rsa_bits=params.get("min_rsa_bits", tls.DEFAULT_MIN_RSA_BITS),
                       allow_self_signed=params.get("allow_self_signed", False),
                       reorder_chain=params.get("reorder_chain", False), now=self.now)
        generate = params.get("generate") or "none"
        if generate == "none":
            return tls.check_bundle(params.get("cert"), params.get("key"), chain=params.get("chain"), ca=params.get("ca"),
                                    key_passphrase=params.get("key_passphrase"), **options)
        # Labs: keep what the Secret holds while it still passes every check, else issue anew.
        ca_cert = ca_key = None
        if generate == "local_ca":
            ca_cert, ca_key = tls.local_ca(params["local_ca_dir"], create=not self.check_mode)
            options["allow_self_signed"] = False
        else:
            options["allow_self_signed"] = True
        data = (live_secret or {}).get("data") or {}
        if live_secret is not None and (live_secret.get("type") == SECRET_TYPE) and data.get("tls.crt"):
            try:
                return tls.check_bundle(unb64(data.get("tls.crt")), unb64(data.get("tls.key")),
                                        ca=tls.pem_of(ca_cert) if ca_cert is not None else None, **options)
            except KubeEdgeError:
                pass
        cert_pem, key_pem = tls.issue_certificate(hosts, days=params.get("generate_days") or 90,
                                                  ca_cert=ca_cert, ca_key=ca_key)
        return tls.check_bundle(cert_pem, key_pem, ca=tls.pem_of(ca_cert) if ca_cert is not None else None,
                                **options)

    # -- run -------------------------------------------------------------------------------------

    def run(self):
        problems = Problems()
        validate_params(self.params, problems)
        problems.raise_if_any()
        if self.params.get("state") == "absent":
            return self.run_absent()
        return self.run_present()

    def run_present(self):
        params = self.params
        live_ingress, all_ingresses = (None, [])
        ingress_body = None
        if params.get("ingress"):
            live_ingress, all_ingresses = self.read_ingresses()
            ingress_body = self.desired_ingress(live_ingress)
        hosts = self.hosts_for(ingress_body)
        live_secret = self.client.get("v1", "secrets", self.name, self.namespace)

        # Every check before any write.
        problems = Problems()
        try:
            bundle = self.bundle(hosts, live_secret)
        except ValidationError as error:
            problems.messages.extend(error.problems)
            bundle = None
        if ingress_body is not None:
            tls_entries, tls_problems = merge_tls((ingress_body.get("spec") or {}).get("tls"), self.name, hosts,
                                                  force=params.get("force", False))
            for message in tls_problems:
                problems.add_message("Ingress %s/%s: %s" % (self.namespace, params["ingress"], message))
            ingress_body["spec"]["tls"] = tls_entries
        secret_action = self.plan_secret(live_secret, bundle, problems)
        guard = params.get("hijack_guard", "fail")
        if guard != "ignore" and ingress_body is not None:  # a Secret alone serves no host yet
            spec = (ingress_body or {}).get("spec") or {}
            our_class = params.get("ingress_class") or (ingress_class_of(ingress_body) if ingress_body else None)
            conflicts = find_conflicts(self.namespace, params.get("ingress"), our_class, spec, self.name, hosts,
                                       all_ingresses)
            if guard == "fail":
                for message in conflicts:
                    problems.add_message("Host-hijack guard: %s" % message)
            else:
                self.warnings.extend("Host-hijack guard: %s" % message for message in conflicts)
        problems.raise_if_any()
        if bundle is not None:
            self.warnings.extend(bundle.warnings)
            self.result["certificate"] = bundle.info(now=self.now)

        # Writes: the Secret first, so that the Ingress never points at a missing Secret.
        desired_secret = secret_action[1]
        self.apply_secret(live_secret, *secret_action)
        if ingress_body is not None:
            self.apply_ingress(live_ingress, ingress_body)
        self.result["secret"] = {"name": self.name, "namespace": self.namespace,
                                 "summary": secret_summary(desired_secret)}
        self.result["hosts"] = hosts
        return self.finish()

    def plan_secret(self, live, bundle, problems):
        """('create'|'patch'|'recreate'|'none', desired body, patch); type/ownership problems are added."""
        if bundle is None:
            return ("none", None, None)
        desired = render_secret(self.name, self.namespace, bundle, now=self.now)
        if live is None:
            return ("create", desired, None)
        force = self.params.get("force", False)
        where = "Secret %s/%s" % (self.namespace, self.name)
        live_type = live.get("type", "Opaque")
        if live_type != SECRET_TYPE:
            if not force:
                problems.add_message("%s has type %s; the type is immutable, set force=true to delete and recreate it "
                                     "as %s." % (where, live_type, SECRET_TYPE))
            return ("recreate", desired, None)
        if (live.get("metadata") or {}).get("immutable") or live.get("immutable"):
            if not same_content(live, desired):
                if not force:
                    problems.add_message("%s is immutable; set force=true to delete and recreate it." % where)
                return ("recreate", desired, None)
        managed = ((live.get("metadata") or {}).get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY
        if not managed and not same_content(live, desired) and not force:
            problems.add_message("%s exists and is not managed by %s; set force=true to overwrite it." % (where, MANAGED_BY))
        if not managed and same_content(live, desired) and not force:
            self.warnings.append("%s already holds this certificate but is not managed by %s; left as it is." % (
                where, MANAGED_BY))
            return ("none", live, None)
        patch = secret_patch(live, desired)
        return ("patch", desired, patch) if patch else ("none", desired, None)

    def apply_secret(self, live, action, desired, patch):
        key = "secret %s/%s" % (self.namespace, self.name)
        self.tracker.record(key, secret_summary(live), secret_summary(desired if action != "none" else live))
        if action == "create":
            self.client.create("v1", "secrets", desired, namespace=self.namespace)
        elif action == "patch":
            self.client.patch("v1", "secrets", self.name, patch, namespace=self.namespace)
        elif action == "recreate":
            if self.check_mode:
                return  # a dry-run DELETE followed by a dry-run POST would report AlreadyExists
            self.client.delete("v1", "secrets", self.name, namespace=self.namespace)
            self.client.create("v1", "secrets", desired, namespace=self.namespace)

    def apply_ingress(self, live, desired):
        key = "ingress %s/%s" % (self.namespace, self.params["ingress"])
        self.tracker.record(key, ingress_summary(live), ingress_summary(desired))
        self.result["ingress"] = {"name": self.params["ingress"], "namespace": self.namespace,
                                  "tls": desired["spec"].get("tls")}
        if live is None:
            self.client.create(INGRESS_API, "ingresses", desired, namespace=self.namespace)
            return
        patch = {}
        if live.get("spec") != desired.get("spec"):
            patch["spec"] = dict((k, v) for k, v in desired["spec"].items() if (live.get("spec") or {}).get(k) != v)
        live_annotations = (live.get("metadata") or {}).get("annotations") or {}
        changed_annotations = dict((k, v) for k, v in ((desired.get("metadata") or {}).get("annotations") or {}).items()
                                   if live_annotations.get(k) != v)
        if changed_annotations:
            patch["metadata"] = {"annotations": changed_annotations}
        if not patch:
            return
        version = (live.get("metadata") or {}).get("resourceVersion")
        if version:  # optimistic locking: spec.tls and rules are lists, replaced whole by a merge patch
            patch.setdefault("metadata", {})["resourceVersion"] = version
        self.client.patch(INGRESS_API, "ingresses", self.params["ingress"], patch, namespace=self.namespace)

    def run_absent(self):
        """Drop our spec.tls entry from the Ingress and delete the Secret (ours, or any with force)."""
        params = self.params
        live = None
        if params.get("ingress"):
            live = self.client.get(INGRESS_API, "ingresses", params["ingress"], self.namespace)
        live_secret = self.client.get("v1", "secrets", self.name, self.namespace)
        if live_secret is not None:
            managed = ((live_secret.get("metadata") or {}).get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY
            if not managed and not params.get("force"):
                raise ValidationError("Secret %s/%s is not managed by %s; set force=true to delete it." % (
                    self.namespace, self.name, MANAGED_BY))
        if live is not None:
            entries = (live.get("spec") or {}).get("tls") or []
            kept = [entry for entry in entries if entry.get("secretName") != self.name]
            if kept != entries:
                desired = copy.deepcopy(live)
                desired["spec"]["tls"] = kept
                if not kept:
                    desired["spec"].pop("tls")
                self.tracker.record("ingress %s/%s" % (self.namespace, params["ingress"]),
                                    ingress_summary(live), ingress_summary(desired))
                patch = {"spec": {"tls": kept or None}}
                version = (live.get("metadata") or {}).get("resourceVersion")
                if version:
                    patch["metadata"] = {"resourceVersion": version}
                self.client.patch(INGRESS_API, "ingresses", params["ingress"], patch, namespace=self.namespace)
        if live_secret is not None:
            self.tracker.record("secret %s/%s" % (self.namespace, self.name), secret_summary(live_secret), None)
            self.client.delete("v1", "secrets", self.name, namespace=self.namespace)
        return self.finish()

    def finish(self):
        self.result["changed"] = self.tracker.changed
        self.result["diff"] = self.tracker.diff()
        self.result["warnings"] = self.warnings
        return self.result
