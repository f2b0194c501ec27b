# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The MetalLB area as the module sees it: its options, the libraries it needs and ``run()``.

Private to the collection. ``run(client, params, check_mode)`` validates, applies all or nothing
(``apply.py``), runs the opt-in post-check and returns the result: on success changed/format/
actions/diff (+ migrated, configuration_state, post_check) and ``warnings``; a failed write comes
back as ``failed`` with ``changed`` saying whether anything this run wrote is still in effect.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.apply import MetallbConfig
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.checks import (
    check_request_names,
    parse_node_networks,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import OPTIONS
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.migration import HAS_YAML
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import normalize
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.post_check import run_post_check
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.writes import PartialWrite

__all__ = ("LIBRARIES", "OPTIONS", "check_params", "run")

LIBRARIES = (("PyYAML", HAS_YAML),)


def check_params(params):
    """What can be checked before a client exists: -> (model, node_networks); ValidationError otherwise."""
    problems = Problems()
    check_request_names(params, problems, object_names=("configmap_name",))
    problems.raise_if_any()
    return normalize(params), parse_node_networks(params.get("node_networks"))


def run(client, params, check_mode=False):
    """Converge MetalLB's configuration, then (post_check=true) prove each declared pool assigns addresses."""
    model, node_networks = check_params(params)
    runner = MetallbConfig(
        client,
        namespace=params.get("namespace") or "metallb-system",
        fmt=params.get("format") or "auto",
        backend=params.get("bgp_backend") or "frr-k8s",
        prune=bool(params.get("prune")),
        state=params.get("state") or "present",
        node_networks=node_networks,
        migrate=bool(params.get("migrate")),
        configmap_name=params.get("configmap_name") or "config",
        webhook_timeout=params.get("webhook_timeout") if params.get("webhook_timeout") is not None else 60,
    )
    try:
        result = runner.run(model)
    except PartialWrite as error:
        return {
            "failed": True,
            "changed": True,
            "msg": str(error),
            "actions": error.written,
            "warnings": runner.warnings,
        }
    result["warnings"] = runner.warnings
    if params.get("post_check") and runner.state == "present":
        if check_mode:
            result["warnings"].append("post_check skipped in check mode: it creates temporary Services")
        elif model["address_pools"]:
            timeout = params.get("post_check_timeout") if params.get("post_check_timeout") is not None else 60
            try:
                result["post_check"] = run_post_check(
                    client, runner.namespace, model["address_pools"], timeout, fmt=result["format"]
                )
            except KubeEdgeError as error:  # the configuration was written: say so with the failure
                result.update(
                    failed=True,
                    msg="%s The configuration itself was applied (changed=%s)." % (str(error), result["changed"]),
                )
    return result
