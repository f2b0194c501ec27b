# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Glue between Ansible and the Kubernetes logic: argument specs and ``execute`` of each module.

Shared by the module files (AnsibleModule, when a module runs as a process) and by the controller
action plugins (``plugins/action/metallb_config.py`` and ``ingress_tls.py``, which run the same
logic in Ansible's worker: the ``kubernetes`` package is then imported once per playbook instead of
once per task). Private to the collection.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import finish, missing_library, unexpected_failure
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import tls
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import area as metallb_area
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import AUTH_ARGSPEC, HAS_KUBERNETES, KubeClient
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.ingress import IngressTls

# The material options of ingress_tls that can also be given as a file (<option>_path).
PATH_OPTIONS = ("cert", "key", "chain", "ca")
METALLB_SPEC_KWARGS = {}
INGRESS_TLS_SPEC_KWARGS = dict(
    mutually_exclusive=[(option, option + "_path") for option in PATH_OPTIONS],
    required_if=[("generate", "local_ca", ["local_ca_dir"])],
)


def metallb_argument_spec():
    return dict(AUTH_ARGSPEC, **metallb_area.OPTIONS)


def metallb_execute(params, check_mode=False, diff=False):
    """Converge MetalLB's configuration; returns the result dict (failed/msg on failure), never raises."""
    missing = missing_library([("kubernetes", HAS_KUBERNETES)] + list(metallb_area.LIBRARIES))
    if missing:
        return {"failed": True, "msg": missing}
    client = None
    try:
        metallb_area.check_params(params)  # bad input fails before a client is made
        client = KubeClient.from_params(params, check_mode=check_mode)
        result = metallb_area.run(client, params, check_mode)
    except KubeEdgeError as error:
        return {"failed": True, "msg": str(error), "requests": client.requests if client else 0}
    except Exception as error:  # a bug of ours
        return unexpected_failure(error)
    return finish(result, diff, requests=client.requests)


def ingress_tls_argument_spec():
    path_spec = dict(type="path")
    return dict(
        AUTH_ARGSPEC,
        name=dict(type="str", required=True),
        namespace=dict(type="str", default="default"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cert=dict(type="str"),
        cert_path=path_spec,
        key=dict(type="str", no_log=True),
        key_path=dict(type="path", no_log=False),
        key_passphrase=dict(type="str", no_log=True),
        chain=dict(type="str"),
        chain_path=path_spec,
        ca=dict(type="str"),
        ca_path=path_spec,
        reorder_chain=dict(type="bool", default=False),
        generate=dict(type="str", choices=["none", "self_signed", "local_ca"], default="none"),
        generate_days=dict(type="int", default=90),
        local_ca_dir=dict(type="path"),
        ingress=dict(type="str"),
        hosts=dict(type="list", elements="str"),
        ingress_class=dict(type="str"),
        rules=dict(type="list", elements="dict", options=dict(
            host=dict(type="str"),
            paths=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="str", default="/"),
                path_type=dict(type="str", choices=["Prefix", "Exact", "ImplementationSpecific"], default="Prefix"),
                service=dict(type="str", required=True),
                port=dict(type="raw", required=True),
            )),
        )),
        annotations=dict(type="dict"),
        force=dict(type="bool", default=False),
        hijack_guard=dict(type="str", choices=["fail", "warn", "ignore"], default="fail"),
        min_days_valid=dict(type="int", default=14),
        min_rsa_bits=dict(type="int", default=2048),
        allow_self_signed=dict(type="bool", default=False),
    )


def ingress_tls_execute(params, check_mode=False, diff=False):
    """Check the certificate, write the Secret, attach it; returns the result dict, never raises."""
    missing = missing_library([("cryptography", tls.HAS_CRYPTOGRAPHY), ("kubernetes", HAS_KUBERNETES)])
    if missing:
        return {"failed": True, "msg": missing}
    params = dict(params)
    for option in PATH_OPTIONS:
        path = params.pop(option + "_path")
        if path:
            try:
                with open(path, "rb") as handle:
                    params[option] = handle.read()
            except OSError as error:
                return {"failed": True, "msg": "%s_path=%r cannot be read: %s." % (option, path, error.strerror)}
    if params["state"] == "present" and params["generate"] == "none" and not (params.get("cert") and params.get("key")):
        return {"failed": True, "msg": "state=present needs cert (or cert_path) and key (or key_path), or generate=self_signed|local_ca."}
    if params["generate"] != "none" and (params.get("cert") or params.get("key")):
        return {"failed": True, "msg": "generate=%s issues its own certificate; do not give cert or key." % params["generate"]}
    try:
        client = KubeClient.from_params(params, check_mode=check_mode)
        result = IngressTls(client, params, check_mode=check_mode).run()
    except KubeEdgeError as error:
        return {"failed": True, "msg": str(error)}
    except Exception as error:  # a bug of ours
        return unexpected_failure(error)
    return finish(result, diff)
