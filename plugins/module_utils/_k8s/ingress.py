# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ingress_tls area: its options, every check of them, and one run against a ``KubeClient``.

Private to the collection: may change at any time. The area contract (``_common/module.py``):
``OPTIONS``/``SPEC_KWARGS``, ``LIBRARIES``, ``check_params()`` (the options and every shape and
cross-field check of them, all problems at once, are in ``ingress_params.py``) and
``run(client, params, check_mode)``, which reads (one LIST of Ingresses across namespaces, one GET
of the Secret), checks everything and writes only what differs. The objects themselves are in
``ingress_objects.py``, the certificate checks in ``_tls``.
"""

from __future__ import annotations

import copy

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import (
    DeviceError,
    KubeEdgeError,
    Problems,
    ValidationError,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.ingress_objects import (
    INGRESS_API,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    SECRET_TYPE,
    find_conflicts,
    ingress_class_of,
    ingress_summary,
    merge_rules,
    merge_tls,
    render_rules,
    render_secret,
    rule_hosts,
    same_content,
    secret_patch,
    secret_summary,
    unb64,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.ingress_params import OPTIONS, check_params
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import lab
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import options as tls_options
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.bundle import (
    DEFAULT_MIN_DAYS_VALID,
    DEFAULT_MIN_RSA_BITS,
    check_bundle,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import HAS_CRYPTOGRAPHY, pem_of

__all__ = ("LIBRARIES", "OPTIONS", "SPEC_KWARGS", "IngressTls", "check_params", "run")

SPEC_KWARGS = dict(mutually_exclusive=tls_options.MUTUALLY_EXCLUSIVE)
LIBRARIES = [("cryptography", HAS_CRYPTOGRAPHY)]


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
        self.material = None

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
            self.warnings.append(
                "Cannot list Ingresses in all namespaces (HTTP %s); the host-hijack guard only "
                "checked namespace %s." % (error.status, self.namespace)
            )
            items = self.client.list(INGRESS_API, "ingresses", namespace=self.namespace)
        ours = None
        if self.params.get("ingress"):
            for item in items:
                metadata = item.get("metadata") or {}
                if (
                    metadata.get("namespace", self.namespace) == self.namespace
                    and metadata.get("name") == self.params["ingress"]
                ):
                    ours = item
        return ours, items

    # -- plan ------------------------------------------------------------------------------------

    def desired_ingress(self, live):
        params = self.params
        name = params["ingress"]
        rules = render_rules(params.get("rules"))
        if live is None:
            if not rules:
                raise ValidationError(
                    "ingress=%r does not exist in namespace %r; give rules to create it." % (name, self.namespace)
                )
            body = {
                "apiVersion": INGRESS_API,
                "kind": "Ingress",
                "metadata": {"name": name, "namespace": self.namespace, "labels": {MANAGED_BY_LABEL: MANAGED_BY}},
                "spec": {"rules": rules},
            }
            if params.get("annotations"):
                body["metadata"]["annotations"] = dict(params["annotations"])
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
            annotations.update(params["annotations"])
        return body

    def hosts_for(self, ingress_body):
        hosts = self.params.get("hosts") or rule_hosts((ingress_body or {}).get("spec"))
        if not hosts:
            raise ValidationError(
                "hosts is empty and the Ingress has no rule hosts; name the hosts the certificate serves."
            )
        return hosts

    def bundle(self, hosts, live_secret):
        """The checked bundle for ``hosts``: from the options, or (labs) generated and kept while it passes."""
        params = self.params
        generate = params.get("generate") or "none"
        if generate == "none":
            return tls_options.check(params, self.material, hosts=hosts, now=self.now)
        ca_cert = ca_key = None
        if generate == "local_ca":
            ca_cert, ca_key = lab.local_ca(params["local_ca_dir"], create=not self.check_mode)
        options = dict(
            hosts=hosts,
            now=self.now,
            allow_self_signed=generate == "self_signed",
            chain=None,
            ca=pem_of(ca_cert) if ca_cert is not None else None,
            private_key_passphrase=None,
        )
        data = (live_secret or {}).get("data") or {}
        if live_secret is not None and (live_secret.get("type") == SECRET_TYPE) and data.get("tls.crt"):
            try:
                return check_bundle(
                    unb64(data.get("tls.crt")), unb64(data.get("tls.key")), **dict(self.settings(), **options)
                )
            except KubeEdgeError:
                pass  # reissue below
        cert_pem, key_pem = lab.issue_certificate(
            hosts, days=params.get("generate_days") or 90, ca_cert=ca_cert, ca_key=ca_key
        )
        return check_bundle(cert_pem, key_pem, **dict(self.settings(), **options))

    def settings(self):
        params = self.params
        return dict(
            min_days_valid=params.get("min_days_valid", DEFAULT_MIN_DAYS_VALID),
            min_rsa_bits=params.get("min_rsa_bits", DEFAULT_MIN_RSA_BITS),
            reorder_chain=params.get("reorder_chain", False),
        )

    # -- run -------------------------------------------------------------------------------------

    def run(self):
        self.material = check_params(self.params, now=self.now)
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
            tls_entries, tls_problems = merge_tls(
                (ingress_body.get("spec") or {}).get("tls"), self.name, hosts, force=params.get("force", False)
            )
            for message in tls_problems:
                problems.add_message("Ingress %s/%s: %s" % (self.namespace, params["ingress"], message))
            ingress_body["spec"]["tls"] = tls_entries
        secret_action = self.plan_secret(live_secret, bundle, problems)
        guard = params.get("hijack_guard", "fail")
        if guard != "ignore" and ingress_body is not None:  # a Secret alone serves no host yet
            spec = ingress_body.get("spec") or {}
            our_class = params.get("ingress_class") or ingress_class_of(ingress_body)
            conflicts = find_conflicts(
                self.namespace, params.get("ingress"), our_class, spec, self.name, hosts, all_ingresses
            )
            if guard == "fail":
                for message in conflicts:
                    problems.add_message("Host-hijack guard: %s" % message)
            else:
                self.warnings.extend("Host-hijack guard: %s" % message for message in conflicts)
        problems.raise_if_any()
        self.warnings.extend(self.material.warnings)
        self.warnings.extend(bundle.warnings)
        self.result["certificate"] = bundle.info(now=self.now)

        # Writes: the Secret first, so that the Ingress never points at a missing Secret.
        desired_secret = secret_action[1]
        self.apply_secret(live_secret, *secret_action)
        if ingress_body is not None:
            self.apply_ingress(live_ingress, ingress_body)
        self.result["secret"] = {
            "name": self.name,
            "namespace": self.namespace,
            "summary": secret_summary(desired_secret),
        }
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
                problems.add_message(
                    "%s has type %s; the type is immutable, set force=true to delete and recreate it "
                    "as %s." % (where, live_type, SECRET_TYPE)
                )
            return ("recreate", desired, None)
        if (live.get("metadata") or {}).get("immutable") or live.get("immutable"):
            if not same_content(live, desired):
                if not force:
                    problems.add_message("%s is immutable; set force=true to delete and recreate it." % where)
                return ("recreate", desired, None)
        managed = ((live.get("metadata") or {}).get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY
        if not managed and not same_content(live, desired) and not force:
            problems.add_message(
                "%s exists and is not managed by %s; set force=true to overwrite it." % (where, MANAGED_BY)
            )
        if not managed and same_content(live, desired) and not force:
            self.warnings.append(
                "%s already holds this certificate but is not managed by %s; left as it is." % (where, MANAGED_BY)
            )
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
        self.result["ingress"] = {
            "name": self.params["ingress"],
            "namespace": self.namespace,
            "tls": desired["spec"].get("tls"),
        }
        if live is None:
            self.client.create(INGRESS_API, "ingresses", desired, namespace=self.namespace)
            return
        patch = {}
        if live.get("spec") != desired.get("spec"):
            patch["spec"] = dict((k, v) for k, v in desired["spec"].items() if (live.get("spec") or {}).get(k) != v)
        live_annotations = (live.get("metadata") or {}).get("annotations") or {}
        changed_annotations = dict(
            (k, v)
            for k, v in ((desired.get("metadata") or {}).get("annotations") or {}).items()
            if live_annotations.get(k) != v
        )
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
                raise ValidationError(
                    "Secret %s/%s is not managed by %s; set force=true to delete it."
                    % (self.namespace, self.name, MANAGED_BY)
                )
        if live is not None:
            entries = (live.get("spec") or {}).get("tls") or []
            kept = [entry for entry in entries if entry.get("secretName") != self.name]
            if kept != entries:
                desired = copy.deepcopy(live)
                desired["spec"]["tls"] = kept
                if not kept:
                    desired["spec"].pop("tls")
                self.tracker.record(
                    "ingress %s/%s" % (self.namespace, params["ingress"]),
                    ingress_summary(live),
                    ingress_summary(desired),
                )
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


def run(client, params, check_mode=False, now=None):
    """The area's entry point (see ``_k8s/module.py``): the result dict, or a KubeEdgeError."""
    return IngressTls(client, params, check_mode=check_mode, now=now).run()
