# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kubernetes API (``K8S``) as every Kubernetes area shares it: the auth options and the client.

Private to the collection. The module files (``K8S.run_module(ingress)``) and the controller action
plugins (``plugins/action/metallb_config.py``, ``ingress_tls.py``: the ``kubernetes`` package is then
imported once per playbook instead of once per task) run an area (``_k8s/ingress.py``,
``_k8s/metallb/area.py``) through ``_common/module.py``'s ``execute``.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import Api
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.auth import AUTH_ARGSPEC
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import HAS_KUBERNETES, KubeClient
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import area as metallb_area


def argument_spec(area):
    """The full spec of one Kubernetes module: the authentication options, then the area's options."""
    return dict(AUTH_ARGSPEC, **area.OPTIONS)


def _make_client(params, check_mode, module=None):
    return KubeClient.from_params(params, check_mode=check_mode)


K8S = Api(
    "Kubernetes API",
    argument_spec=argument_spec,
    make_client=_make_client,
    libraries=[("kubernetes", HAS_KUBERNETES)],
)

# The names other code has always imported (_common/module.py has the path).
execute = K8S.execute
METALLB_SPEC_KWARGS = K8S.spec_kwargs(metallb_area)


def metallb_argument_spec():
    return argument_spec(metallb_area)


def metallb_execute(params, check_mode=False, diff=False):
    """Converge MetalLB's configuration; returns the result dict (failed/msg on failure), never raises."""
    return execute(metallb_area, params, check_mode, diff)
