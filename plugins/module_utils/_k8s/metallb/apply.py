# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Applying one desired MetalLB configuration: read each kind once, write only what differs, all or nothing.

Private to the collection. ``MetallbConfig(client, ...).run(model)`` detects the era, plans the
writes (``plan.py``) and sends them; when a write is refused, every write this run made is undone
in reverse order and the run fails with ``changed: false``; when an undo is refused too, it fails
with ``changed: true`` and the list of writes still in effect (``PartialWrite``).
"""

from __future__ import annotations

import time

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.merge import merge_patch
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import (
    ADVERTISEMENTS,
    KINDS,
    MANAGED_LABEL,
    MANAGED_SELECTOR,
    MANAGED_VALUE,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.migration import (
    HAS_YAML,
    configmap_to_model,
    model_to_params,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import merge_models
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.plan import (
    CREATE_ORDER,
    plan_crds,
    recreate_body,
    staying_pools,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.render_configmap import (
    configmap_before_after,
    render_configmap,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.render_crds import render_crds
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.validate import validate
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.writes import JournaledWrites

if HAS_YAML:
    import yaml


class MetallbConfig(JournaledWrites):
    """Plans and applies one desired MetalLB configuration with the fewest API requests."""

    def __init__(
        self,
        client,
        namespace="metallb-system",
        fmt="auto",
        backend="frr",
        prune=False,
        state="present",
        node_networks=None,
        migrate=False,
        configmap_name="config",
        webhook_timeout=60,
        sleep=time.sleep,
    ):
        self.client = client
        self.namespace = namespace
        self.fmt = fmt
        self.backend = "native" if backend == "native" else "frr"
        self.prune = prune
        self.state = state
        self.node_networks = node_networks or []
        self.migrate = migrate
        self.configmap_name = configmap_name
        self.webhook_timeout = webhook_timeout
        self.sleep = sleep
        self.tracker = ChangeTracker()
        self.actions = []
        self.warnings = []
        self.live = {}
        self.predict_only = False
        self.journal = []  # (action, kind, name, undo): writes that reached the API, with how to revert each

    # -- reading --

    def list_kind(self, kind):
        if self.predict_only:
            return self.live.setdefault(kind, {})
        api_version, plural = KINDS[kind][:2]
        selector = MANAGED_SELECTOR if kind == "Secret" else None
        items = self.client.list(api_version, plural, namespace=self.namespace, label_selector=selector)
        for item in items:
            item["kind"] = kind
        self.live[kind] = dict((item["metadata"]["name"], item) for item in items)
        return self.live[kind]

    def detect_format(self):
        """One LIST of IPAddressPools answers both questions: are the CRDs there, and what pools exist."""
        try:
            self.list_kind("IPAddressPool")
            return "crds"
        except DeviceError as error:
            if error.status == 404:
                return "configmap"
            raise

    # -- the two eras --

    def run(self, model):
        try:
            return self._run(model)
        except Exception as error:  # any failure after a write, a bug of ours included, undoes the writes
            if not self.journal:
                raise
            if not isinstance(error, KubeEdgeError):
                error = KubeEdgeError("unexpected error: %s: %s" % (error.__class__.__name__, error))
            raise self._undo(error) from None

    def _run(self, model):
        fmt = self.fmt
        if self.state == "present" and fmt != "configmap":
            validate(
                model, fmt="crds" if fmt == "auto" else fmt, backend=self.backend, node_networks=self.node_networks
            )
        if fmt == "auto":
            fmt = self.detect_format()
        elif fmt == "crds":
            try:
                self.list_kind("IPAddressPool")
            except DeviceError as error:
                if error.status != 404:
                    raise
                if not self.client.check_mode:
                    raise KubeEdgeError(
                        "format=crds but the metallb.io CRDs are not installed (IPAddressPool is unknown to the API "
                        "server): install MetalLB >= 0.13 first, or use format=configmap for v0.12"
                    ) from None
                # check mode right after a (dry-run) install: nothing to dry-run against, so predict creations
                self.predict_only = True
                self.live = dict((kind, {}) for kind in KINDS)
                self.warnings.append(
                    "check mode: the metallb.io CRDs are not installed yet, so every object is predicted "
                    "as created without a server-side dry run"
                )
        result = {"format": fmt}
        if fmt == "configmap":
            if self.migrate:
                raise KubeEdgeError(
                    "migrate=true needs the metallb.io CRDs (MetalLB >= 0.13) installed; the cluster has none"
                )
            validate(model, fmt="configmap", backend=self.backend, node_networks=self.node_networks)
            self.run_configmap(model)
        else:
            configmap = None
            if self.migrate:
                configmap = self.client.get("v1", "configmaps", self.configmap_name, namespace=self.namespace)
                if configmap is not None:
                    migrated = configmap_to_model(
                        (configmap.get("data") or {}).get("config"),
                        "ConfigMap %s/%s" % (self.namespace, self.configmap_name),
                    )
                    model = merge_models(migrated, model)
                    result["migrated"] = model_to_params(migrated)
            self.run_crds(model)
            if configmap is not None:
                self.tracker.record(
                    "ConfigMap/%s" % self.configmap_name,
                    {
                        "data": configmap_before_after(
                            yaml.safe_load(configmap["data"].get("config") or "") or {}, None
                        )[0]
                    },
                    None,
                )
                # only after every custom resource was accepted; refused, it undoes them too
                self._send(
                    "delete",
                    "v1",
                    "configmaps",
                    self.configmap_name,
                    kind="ConfigMap",
                    undo=("create", recreate_body(dict(configmap, kind="ConfigMap", apiVersion="v1"))),
                )
        result.update(changed=self.tracker.changed, diff=self.tracker.diff(), actions=self.actions)
        if self.tracker.changed and fmt == "crds" and not self.client.check_mode and self.state == "present":
            result["configuration_state"] = self.check_configuration_state()
        return result

    def run_configmap(self, model):
        live = self.client.get("v1", "configmaps", self.configmap_name, namespace=self.namespace)
        live_config = None
        if live is not None:
            try:
                live_config = yaml.safe_load((live.get("data") or {}).get("config") or "") or {}
            except yaml.YAMLError:
                live_config = {"unparsable": True}
        key = "ConfigMap/%s" % self.configmap_name
        if self.state == "absent":
            if live is not None:
                self.tracker.record(key, {"data": configmap_before_after(live_config, None)[0]}, None)
                self._send(
                    "delete",
                    "v1",
                    "configmaps",
                    self.configmap_name,
                    kind="ConfigMap",
                    undo=("create", recreate_body(live)),
                )
            return
        desired = render_configmap(model)
        before, after = configmap_before_after(live_config, desired)
        self.tracker.record(key, None if live is None else {"data": before}, {"data": after})
        text = yaml.safe_dump(desired, sort_keys=False, default_flow_style=False)
        labels = {MANAGED_LABEL: MANAGED_VALUE}
        if live is None:
            self._send(
                "create",
                "v1",
                "configmaps",
                self.configmap_name,
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": self.configmap_name, "namespace": self.namespace, "labels": labels},
                    "data": {"config": text},
                },
                undo=("delete", None),
                kind="ConfigMap",
            )
        elif live_config != desired or (live["metadata"].get("labels") or {}).get(MANAGED_LABEL) != MANAGED_VALUE:
            live_labels = live["metadata"].get("labels") or {}
            restore = {
                "data": {"config": (live.get("data") or {}).get("config")},
                "metadata": {"labels": merge_patch(dict(live_labels, **labels), live_labels)},
            }
            self._send(
                "update",
                "v1",
                "configmaps",
                self.configmap_name,
                {
                    "metadata": {"labels": labels, "resourceVersion": live["metadata"].get("resourceVersion")},
                    "data": {"config": text},
                },
                undo=("update", restore),
                kind="ConfigMap",
            )

    def run_crds(self, model):
        desired = render_crds(model, self.namespace) if self.state == "present" else []
        kinds_needed = set(obj["kind"] for obj in desired)
        if self.prune or self.state == "absent":
            kinds_needed.update(KINDS)
        if self.state == "present" and any(peer.get("password_secret") for peer in model["peers"]):
            kinds_needed.add("Secret")
        if self.state == "present" and model["address_pools"]:
            # a declared pool's advertisements are ours even without prune (a pool moved from layer2 to bgp)
            kinds_needed.update(ADVERTISEMENTS)
        for kind in CREATE_ORDER:
            if kind in kinds_needed and kind not in self.live:
                self.list_kind(kind)
        self._check_secret_refs(model)
        desired_keys = set("%s/%s" % (obj["kind"], obj["metadata"]["name"]) for obj in desired)
        staying = staying_pools(self.live.get("IPAddressPool"), desired_keys, self.prune, self.state)
        if staying and self.state == "present":
            validate(model, fmt="crds", backend=self.backend, node_networks=self.node_networks, existing_pools=staying)
        steps, warnings = plan_crds(
            desired, self.live, [pool["name"] for pool in model["address_pools"]], self.prune, self.state, self.tracker
        )
        self.warnings.extend(warnings)
        for step in steps:
            self._write(step)

    def _check_secret_refs(self, model):
        problems = Problems()
        secrets = self.live.get("Secret")
        for index, peer in enumerate(model["peers"]):
            name = peer.get("password_secret")
            if not name or secrets is None:
                continue
            secret = (
                self.client.get("v1", "secrets", name, namespace=self.namespace)
                if name not in secrets
                else secrets[name]
            )
            if secret is None:
                problems.add(
                    "peers[%d].password_secret" % index, name, "is not a Secret in namespace %s" % self.namespace
                )
            elif secret.get("type") != "kubernetes.io/basic-auth" or "password" not in (secret.get("data") or {}):
                problems.add(
                    "peers[%d].password_secret" % index,
                    name,
                    'must be a Secret of type kubernetes.io/basic-auth with a "password" key (MetalLB refuses others)',
                )
        problems.raise_if_any()

    def check_configuration_state(self):
        """MetalLB >= 0.15.3 reports whether controller and speakers accepted the config."""
        try:
            states = self.client.list("metallb.io/v1beta1", "configurationstates", namespace=self.namespace)
        except DeviceError as error:
            if error.status == 404:
                return None
            raise
        summary = []
        for state in states:
            status = state.get("status") or {}
            summary.append(
                {
                    "name": state["metadata"]["name"],
                    "result": status.get("result"),
                    "error_summary": status.get("errorSummary"),
                }
            )
            if status.get("result") == "Invalid":
                raise KubeEdgeError(
                    "MetalLB reports its configuration as Invalid in ConfigurationState %s/%s: %s"
                    % (self.namespace, state["metadata"]["name"], status.get("errorSummary") or "no summary")
                )
        return summary
