# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The MetalLB installation area (module ``metallb_install``): strictARP, namespace, manifests, readiness.

Private to the collection. ``run(client, params, check_mode)``:

1. strictARP (``strict_arp``: ignore | check | fix): one GET of ConfigMap kube-system/kube-proxy; in
   IPVS mode without ``ipvs.strictARP`` it refuses (check) or sets it with one merge patch guarded by
   the read resourceVersion and restarts the kube-proxy DaemonSet (what ``kubectl rollout restart``
   writes), so the setting takes effect;
2. install: the namespace with its labels, then the manifests' objects in their order
   (``install_plan.desired_objects``); one read per kind and namespace; a server-side apply
   (field manager ``kube_edge.lb.metallb``, conflicts forced) only for objects that are not up to
   date; in check mode the applies are server-side dry runs (objects of a namespace that does not
   exist yet are reported as created without a request);
3. readiness (``wait``, not in check mode): the controller Deployment Available at its current
   generation (the read or apply answer counts as the first poll), then ready addresses on the
   webhook Service's Endpoints, each polled every ``wait_sleep`` seconds up to ``wait_timeout``.

A refused write or a timeout fails with ``changed`` and ``actions`` saying what this run wrote.
"""

from __future__ import annotations

import datetime
import time

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import (
    DeviceError,
    KubeEdgeError,
    Problems,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.merge import strip_noise
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.checks import check_request_names
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.install_plan import (
    FIELD_MANAGER,
    HAS_YAML,
    desired_objects,
    read_plan,
    strict_arp,
    up_to_date,
)

__all__ = ("LIBRARIES", "OPTIONS", "check_params", "run")

LIBRARIES = (("PyYAML", HAS_YAML),)

OPTIONS = dict(
    install=dict(type="bool", default=True),
    namespace=dict(type="str", default="metallb-system"),
    namespace_labels=dict(type="dict", default={}),
    manifests=dict(type="list", elements="raw", default=[]),
    skip_kinds=dict(type="list", elements="str", default=[]),
    strict_arp=dict(type="str", choices=["ignore", "check", "fix"], default="check"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
    wait_sleep=dict(type="int", default=5),
)

KUBE_PROXY = ("kube-system", "kube-proxy")
CONTROLLER = ("Deployment", "controller")
WEBHOOK_SERVICE = ("Service", "metallb-webhook-service")
STRICT_ARP_REFUSAL = (
    "kube-proxy runs in IPVS mode without ipvs.strictARP: every node would answer ARP for the service "
    "addresses. Set ipvs.strictARP=true in ConfigMap kube-system/kube-proxy, or set strict_arp=fix "
    "(role: metallb_strict_arp_fix=true)."
)


class InstallFailed(KubeEdgeError):
    """A failure after writes: the sentence, plus what this run wrote."""

    def __init__(self, message, actions):
        super().__init__(message)
        self.actions = actions


def check_params(params):
    """Bad input, all at once, before a client is made: -> the objects to apply."""
    problems = Problems()
    check_request_names(params, problems)
    if (params.get("wait_timeout") or 0) < 0:
        problems.add("wait_timeout", params.get("wait_timeout"), "must be 0 or more seconds")
    if params.get("wait_sleep") is not None and params["wait_sleep"] < 1:
        problems.add("wait_sleep", params["wait_sleep"], "must be at least 1 second")
    problems.raise_if_any()
    return desired_objects(params) if params.get("install", True) else []


def run(client, params, check_mode=False):
    objects = check_params(params)
    installer = Installer(client, check_mode, params)
    try:
        result = installer.run(objects)
    except InstallFailed as error:
        return {
            "failed": True,
            "changed": bool(error.actions),
            "msg": str(error),
            "actions": error.actions,
            "warnings": installer.warnings,
        }
    result["warnings"] = installer.warnings
    return result


class Installer:
    def __init__(self, client, check_mode, params):
        self.client = client
        self.check_mode = check_mode
        self.strict_arp_mode = params.get("strict_arp") or "check"
        self.wait = params.get("wait", True) and not check_mode
        self.timeout = params.get("wait_timeout") if params.get("wait_timeout") is not None else 300
        self.sleep = params.get("wait_sleep") or 5
        self.actions = []
        self.warnings = []
        self.before = {}
        self.after = {}

    def run(self, objects):
        self.converge_strict_arp()
        latest = self.apply(objects) if objects else {}
        if self.wait and objects:
            self.wait_ready(objects, latest)
        result = {
            "changed": bool(self.actions),
            "actions": self.actions,
            "diff": {"before": self.before, "after": self.after},
        }
        return result

    # -- strictARP ----------------------------------------------------------------------------------

    def converge_strict_arp(self):
        if self.strict_arp_mode == "ignore":
            return
        namespace, name = KUBE_PROXY
        configmap = self.client.get("v1", "configmaps", name, namespace)
        try:
            text = strict_arp(configmap)
        except Exception as error:  # yaml.YAMLError: the sentence names the object
            raise KubeEdgeError(
                "ConfigMap kube-system/kube-proxy: data.config.conf is not YAML kube-proxy can read: %s" % error
            ) from error
        if text is None:
            return
        if self.strict_arp_mode == "check":
            raise KubeEdgeError(STRICT_ARP_REFUSAL)
        patch = {
            "metadata": {"resourceVersion": configmap["metadata"]["resourceVersion"]},
            "data": {"config.conf": text},
        }
        self.write(lambda: self.client.patch("v1", "configmaps", name, patch, namespace))
        self.actions.append({"action": "patch", "kind": "ConfigMap", "namespace": namespace, "name": name})
        label = "ConfigMap %s/%s" % KUBE_PROXY
        self.before[label] = {"data": {"config.conf": configmap["data"]["config.conf"]}}
        self.after[label] = {"data": {"config.conf": text}}
        restarted = datetime.datetime.now(datetime.timezone.utc).isoformat()
        restart = {
            "spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": restarted}}}}
        }
        try:
            self.client.patch("apps/v1", "daemonsets", name, restart, namespace, patch_type="strategic")
        except DeviceError as error:
            if error.status != 404:
                raise InstallFailed(
                    "%s (strictARP was set in ConfigMap kube-system/kube-proxy)" % error, self.actions
                ) from error
            self.warnings.append(
                "strictARP was set in ConfigMap kube-system/kube-proxy, but there is no DaemonSet "
                "kube-system/kube-proxy to restart: restart kube-proxy so that it reads the setting."
            )
            return
        self.actions.append({"action": "restart", "kind": "DaemonSet", "namespace": namespace, "name": name})

    # -- manifests ----------------------------------------------------------------------------------

    def write(self, call):
        try:
            return call()
        except DeviceError as error:
            if not self.actions:
                raise
            raise InstallFailed(
                "%s Written before the failure: %s."
                % (error, ", ".join("%s %s" % (a["kind"], a["name"]) for a in self.actions)),
                self.actions,
            ) from error

    def read(self, objects):
        """{(plural, namespace, name): live object or None}, one request per kind and namespace
        (the namespace comes first in ``objects``)."""
        live = {}
        missing_namespaces = set()  # nothing is read in a namespace that does not exist (a first install)
        for api_version, plural, namespace, names in read_plan(objects):
            if namespace in missing_namespaces:
                found = {}
            elif len(names) == 1:
                found = {names[0]: self.client.get(api_version, plural, names[0], namespace)}
            else:
                found = {item["metadata"]["name"]: item for item in self.client.list(api_version, plural, namespace)}
            for name in names:
                live[(plural, namespace, name)] = found.get(name)
                if plural == "namespaces" and found.get(name) is None:
                    missing_namespaces.add(name)
        return live

    def apply(self, objects):
        live = self.read(objects)
        latest = dict(live)
        created_namespaces = set()
        for obj in objects:
            key = (obj.plural, obj.namespace, obj.name)
            before = live[key]
            if up_to_date(obj, before):
                continue
            if self.check_mode and obj.namespace in created_namespaces:
                # a dry run in a namespace that does not exist yet is refused; it would be created
                after = obj.body
            else:
                after = self.write(
                    lambda obj=obj: self.client.patch(
                        obj.api_version,
                        obj.plural,
                        obj.name,
                        obj.body,
                        obj.namespace,
                        patch_type="apply",
                        field_manager=FIELD_MANAGER,
                        force=True,
                    )
                )
            latest[key] = after
            if before is None:
                if obj.kind == "Namespace":
                    created_namespaces.add(obj.name)
            elif self.check_mode:
                if strip_noise(before) == strip_noise(after):
                    continue
            elif (before.get("metadata") or {}).get("resourceVersion") == (after.get("metadata") or {}).get(
                "resourceVersion"
            ):
                continue  # the server stored nothing new
            self.actions.append(obj.action("create" if before is None else "apply"))
            self.before[obj.label] = strip_noise(before)
            self.after[obj.label] = strip_noise(after)
        return latest

    # -- readiness ----------------------------------------------------------------------------------

    def wait_ready(self, objects, latest):
        deadline = time.monotonic() + self.timeout
        for obj in objects:
            if (obj.kind, obj.name) == CONTROLLER:
                self.poll(
                    lambda current, obj=obj: (
                        current or self.client.get(obj.api_version, obj.plural, obj.name, obj.namespace)
                    ),
                    available,
                    latest.get((obj.plural, obj.namespace, obj.name)),
                    deadline,
                    "Deployment %s/%s is not Available" % (obj.namespace, obj.name),
                )
        for obj in objects:
            if (obj.kind, obj.name) == WEBHOOK_SERVICE:
                self.poll(
                    lambda current, obj=obj: self.client.get("v1", "endpoints", obj.name, obj.namespace),
                    has_ready_address,
                    None,
                    deadline,
                    "Service %s/%s (MetalLB's webhook) has no ready endpoint" % (obj.namespace, obj.name),
                )

    def poll(self, fetch, ready, current, deadline, what):
        while True:
            current = fetch(current)
            if ready(current):
                return
            if time.monotonic() + self.sleep > deadline:
                raise InstallFailed(
                    "%s after %s s (wait_timeout); this run %s."
                    % (
                        what,
                        self.timeout,
                        "wrote " + ", ".join("%s %s" % (a["kind"], a["name"]) for a in self.actions)
                        if self.actions
                        else "wrote nothing",
                    ),
                    self.actions,
                )
            time.sleep(self.sleep)
            current = None


def available(deployment):
    """Available=True for the Deployment's current generation (an older rollout's status does not count)."""
    if not deployment:
        return False
    status = deployment.get("status") or {}
    if status.get("observedGeneration", 0) < (deployment.get("metadata") or {}).get("generation", 0):
        return False
    return any(c.get("type") == "Available" and c.get("status") == "True" for c in status.get("conditions") or ())


def has_ready_address(endpoints):
    return bool(endpoints) and any(subset.get("addresses") for subset in endpoints.get("subsets") or ())
