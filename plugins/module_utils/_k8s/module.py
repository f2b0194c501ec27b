# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Glue between Ansible and the Kubernetes logic: argument specs and ``execute``.

``execute(area, params, check_mode, diff)`` runs an area that follows the F5 areas' contract
(``LIBRARIES``, ``run(client, params, check_mode)``; ingress_tls: ``_k8s/ingress.py``).

Shared by the module files (AnsibleModule, when a module runs as a process) and by the controller
action plugins (``plugins/action/metallb_config.py`` and ``ingress_tls.py``, which run the same
logic in Ansible's worker: the ``kubernetes`` package is then imported once per playbook instead of
once per task). Private to the collection.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import (
    finish,
    missing_library,
    unexpected_failure,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import AUTH_ARGSPEC, HAS_KUBERNETES, KubeClient
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import area as metallb_area

METALLB_SPEC_KWARGS: dict = {}


def metallb_argument_spec():
    return dict(AUTH_ARGSPEC, **metallb_area.OPTIONS)


def metallb_execute(params, check_mode=False, diff=False):
    """Converge MetalLB's configuration; returns the result dict (failed/msg on failure), never raises."""
    return execute(metallb_area, params, check_mode, diff)


def execute(area, params, check_mode=False, diff=False):
    """Build the client, run ``area.run(client, params, check_mode)``; the result dict, never raises.

    On success: the area's result (+ diff when asked) and ``requests``; on failure failed/msg
    (+ ``requests`` once the client exists, ``status`` for an API refusal), as ``_f5/module.py`` does.
    """
    missing = missing_library(list(getattr(area, "LIBRARIES", ())) + [("kubernetes", HAS_KUBERNETES)])
    if missing:
        return {"failed": True, "msg": missing}
    client = None
    try:
        if hasattr(area, "check_params"):
            area.check_params(params)  # bad input fails before a client is made
        client = KubeClient.from_params(params, check_mode=check_mode)
        result = area.run(client, params, check_mode)
    except KubeEdgeError as error:
        failure = {"failed": True, "msg": str(error)}
        if client is not None:
            failure["requests"] = client.request_count
        status = getattr(error, "status", None)
        if status:
            failure["status"] = status
        return failure
    except Exception as error:  # a bug of ours
        return unexpected_failure(error)
    return finish(result, diff, requests=client.request_count)
