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
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import metallb, tls
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
    selectors = dict(type="list", elements="dict", default=[])
    return dict(
        AUTH_ARGSPEC,
        address_pools=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            protocol=dict(type="str", choices=["layer2", "bgp"], default="layer2"),
            addresses=dict(type="list", elements="str", required=True),
            auto_assign=dict(type="bool", default=True),
            avoid_buggy_ips=dict(type="bool", default=False),
            bgp_advertisements=dict(type="list", elements="dict", default=[], options=dict(
                aggregation_length=dict(type="int", default=32),
                aggregation_length_v6=dict(type="int", default=128),
                localpref=dict(type="int"),
                communities=dict(type="list", elements="str", default=[]),
                peers=dict(type="list", elements="str", default=[]),
            )),
            l2_interfaces=dict(type="list", elements="str", default=[]),
            node_selectors=selectors,
        )),
        peers=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            peer_address=dict(type="str", required=True),
            peer_asn=dict(type="int", required=True),
            my_asn=dict(type="int", required=True),
            peer_port=dict(type="int", default=179),
            hold_time=dict(type="str"),
            keepalive_time=dict(type="str"),
            router_id=dict(type="str"),
            source_address=dict(type="str"),
            password=dict(type="str", no_log=True),
            password_secret=dict(type="str", no_log=False),
            node_selectors=selectors,
            bfd_profile=dict(type="str"),
            ebgp_multihop=dict(type="bool"),
        )),
        communities=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            value=dict(type="str", required=True),
        )),
        bfd_profiles=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            receive_interval=dict(type="int"),
            transmit_interval=dict(type="int"),
            detect_multiplier=dict(type="int"),
            echo_interval=dict(type="int"),
            echo_mode=dict(type="bool"),
            passive_mode=dict(type="bool"),
            minimum_ttl=dict(type="int"),
        )),
        namespace=dict(type="str", default="metallb-system"),
        format=dict(type="str", choices=["auto", "configmap", "crds"], default="auto"),
        bgp_backend=dict(type="str", choices=["native", "frr", "frr-k8s"], default="frr-k8s"),
        prune=dict(type="bool", default=False),
        node_networks=dict(type="list", elements="str", default=[]),
        migrate=dict(type="bool", default=False),
        configmap_name=dict(type="str", default="config"),
        webhook_timeout=dict(type="int", default=60),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def metallb_execute(params, check_mode=False, diff=False):
    """Converge MetalLB's configuration; returns the result dict (failed/msg on failure), never raises."""
    missing = missing_library([("kubernetes", HAS_KUBERNETES), ("PyYAML", metallb.HAS_YAML)])
    if missing:
        return {"failed": True, "msg": missing}
    client = None
    try:
        node_networks = metallb.parse_node_networks(params["node_networks"])
        model = metallb.normalize(params)
        client = KubeClient.from_params(params, check_mode=check_mode)
        runner = metallb.MetallbConfig(
            client, namespace=params["namespace"], fmt=params["format"], backend=params["bgp_backend"],
            prune=params["prune"], state=params["state"], node_networks=node_networks, migrate=params["migrate"],
            configmap_name=params["configmap_name"], webhook_timeout=params["webhook_timeout"])
        result = runner.run(model)
    except KubeEdgeError as error:
        return {"failed": True, "msg": str(error), "requests": client.requests if client else 0}
    except Exception as error:  # a bug of ours
        return unexpected_failure(error)
    return finish(result, diff, warnings=list(runner.warnings), requests=client.requests)


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
