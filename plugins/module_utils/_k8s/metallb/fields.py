# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one MetalLB field table: which option becomes which CRD field and which v0.12 ConfigMap key.

Private to the collection. Everything that knows a field's name reads it from here: the CRD
renderer (``render_crds``), change detection (``owned_fields``: only fields listed here are
compared and patched, so a rendered field is always detected), the ConfigMap renderer
(``render_configmap``) and the strict v0.12 parser (``migration``). Adding a CRD field means a
row here, its option in ``OPTIONS``, the module documentation and a test.
"""

from __future__ import annotations

from collections import namedtuple

MANAGED_LABEL = "app.kubernetes.io/managed-by"
MANAGED_VALUE = "kube_edge.lb.metallb_config"
MANAGED_SELECTOR = "%s=%s" % (MANAGED_LABEL, MANAGED_VALUE)
COMMUNITY_OBJECT = "communities"
POOL_ANNOTATION = "metallb.io/address-pool"
MAX_ASN = 4294967295
REDACTED = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

# One CRD field:
# - crd: the field's name in the object's spec (or top level for a Secret);
# - option: the model/option key it comes from, None when the renderer derives it (pool references, Secret data);
# - always: rendered even when empty (required by the CRD, or a default worth stating);
# - form: how the value is written: 'plain', 'duration' (Go duration), 'selectors' (node selectors);
# - v012: the key in the v0.12 ConfigMap entry, None when v0.12 has no such field;
# - v012_default: a v0.12 value that is left out (v0.12 fills it in itself).
Field = namedtuple("Field", "crd option always form v012 v012_default")


def field(crd, option=None, always=False, form="plain", v012=None, v012_default=None):
    return Field(crd, option, always, form, v012, v012_default)


Kind = namedtuple("Kind", "api_version plural fields")

KINDS = {
    "Secret": Kind("v1", "secrets", (field("type"), field("data"))),
    "BFDProfile": Kind(
        "metallb.io/v1beta1",
        "bfdprofiles",
        (
            field("receiveInterval", "receive_interval", v012="receive-interval"),
            field("transmitInterval", "transmit_interval", v012="transmit-interval"),
            field("detectMultiplier", "detect_multiplier", v012="detect-multiplier"),
            field("echoInterval", "echo_interval", v012="echo-interval"),
            field("echoMode", "echo_mode", v012="echo-mode"),
            field("passiveMode", "passive_mode", v012="passive-mode"),
            field("minimumTtl", "minimum_ttl", v012="minimum-ttl"),
        ),
    ),
    "Community": Kind("metallb.io/v1beta1", "communities", (field("communities", always=True),)),
    "IPAddressPool": Kind(
        "metallb.io/v1beta1",
        "ipaddresspools",
        (
            field("addresses", "addresses", always=True, v012="addresses"),
            field("autoAssign", "auto_assign", always=True, v012="auto-assign", v012_default=True),
            field("avoidBuggyIPs", "avoid_buggy_ips", always=True, v012="avoid-buggy-ips", v012_default=False),
        ),
    ),
    "L2Advertisement": Kind(
        "metallb.io/v1beta1",
        "l2advertisements",
        (
            field("ipAddressPools", always=True),
            field("interfaces", "l2_interfaces"),
            field("nodeSelectors", "node_selectors", form="selectors"),
        ),
    ),
    "BGPAdvertisement": Kind(
        "metallb.io/v1beta1",
        "bgpadvertisements",
        (
            field("ipAddressPools", always=True),
            field("aggregationLength", "aggregation_length", always=True, v012="aggregation-length", v012_default=32),
            field(
                "aggregationLengthV6",
                "aggregation_length_v6",
                always=True,
                v012="aggregation-length-v6",
                v012_default=128,
            ),
            field("localPref", "localpref", v012="localpref"),
            field("communities", "communities", v012="communities"),
            field("peers", "peers"),
            field("nodeSelectors", "node_selectors", form="selectors"),
        ),
    ),
    "BGPPeer": Kind(
        "metallb.io/v1beta2",
        "bgppeers",
        (
            field("myASN", "my_asn", always=True, v012="my-asn"),
            field("peerASN", "peer_asn", always=True, v012="peer-asn"),
            field("peerAddress", "peer_address", always=True, v012="peer-address"),
            field("peerPort", "peer_port", always=True, v012="peer-port", v012_default=179),
            field("holdTime", "hold_time", form="duration", v012="hold-time"),
            field("keepaliveTime", "keepalive_time", form="duration", v012="keepalive-time"),
            field("routerID", "router_id", v012="router-id"),
            field("sourceAddress", "source_address", v012="source-address"),
            # Inline passwords are never rendered (the Secret holds it) but owned, so a stray one is removed;
            # the v0.12 ConfigMap has no Secrets and takes the password itself.
            field("password", None, v012="password"),
            field("passwordSecret"),
            field("nodeSelectors", "node_selectors", form="selectors", v012="node-selectors"),
            field("bfdProfile", "bfd_profile", v012="bfd-profile"),
            field("ebgpMultiHop", "ebgp_multihop", v012="ebgp-multihop"),
        ),
    ),
}
CREATE_ORDER = ("Secret", "BFDProfile", "Community", "IPAddressPool", "L2Advertisement", "BGPAdvertisement", "BGPPeer")
ADVERTISEMENTS = ("L2Advertisement", "BGPAdvertisement")


def owned_fields(kind):
    """The fields of ``kind`` this module renders and compares; other fields are left alone."""
    return tuple(entry.crd for entry in KINDS[kind].fields)


def v012_fields(kind):
    return tuple(entry for entry in KINDS[kind].fields if entry.v012)


# v0.12 keys per ConfigMap entry (MetalLB's UnmarshalStrict refuses any other key).
V012_KEYS = {
    "top": {"peers", "address-pools", "bgp-communities", "bfd-profiles"},
    "peer": set(entry.v012 for entry in v012_fields("BGPPeer")),
    "pool": {"name", "protocol", "bgp-advertisements"} | set(entry.v012 for entry in v012_fields("IPAddressPool")),
    "adv": set(entry.v012 for entry in v012_fields("BGPAdvertisement")),
    "bfd": {"name"} | set(entry.v012 for entry in v012_fields("BFDProfile")),
    "selector": {"match-labels", "match-expressions"},
}

_SELECTORS = dict(type="list", elements="dict", default=[])

# The module's options besides the Kubernetes auth options (see _k8s/module.py).
OPTIONS = dict(
    address_pools=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            name=dict(type="str", required=True),
            protocol=dict(type="str", choices=["layer2", "bgp"], default="layer2"),
            addresses=dict(type="list", elements="str", required=True),
            auto_assign=dict(type="bool", default=True),
            avoid_buggy_ips=dict(type="bool", default=False),
            bgp_advertisements=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    aggregation_length=dict(type="int", default=32),
                    aggregation_length_v6=dict(type="int", default=128),
                    localpref=dict(type="int"),
                    communities=dict(type="list", elements="str", default=[]),
                    peers=dict(type="list", elements="str", default=[]),
                ),
            ),
            l2_interfaces=dict(type="list", elements="str", default=[]),
            node_selectors=_SELECTORS,
        ),
    ),
    peers=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
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
            node_selectors=_SELECTORS,
            bfd_profile=dict(type="str"),
            ebgp_multihop=dict(type="bool"),
        ),
    ),
    communities=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            name=dict(type="str", required=True),
            value=dict(type="str", required=True),
        ),
    ),
    bfd_profiles=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            [("name", dict(type="str", required=True))]
            + [
                (entry.option, dict(type="bool" if entry.option.endswith("_mode") else "int"))
                for entry in KINDS["BFDProfile"].fields
            ]
        ),
    ),
    namespace=dict(type="str", default="metallb-system"),
    format=dict(type="str", choices=["auto", "configmap", "crds"], default="auto"),
    bgp_backend=dict(type="str", choices=["native", "frr", "frr-k8s"], default="frr-k8s"),
    prune=dict(type="bool", default=False),
    node_networks=dict(type="list", elements="str", default=[]),
    migrate=dict(type="bool", default=False),
    configmap_name=dict(type="str", default="config"),
    webhook_timeout=dict(type="int", default=60),
    post_check=dict(type="bool", default=False),
    post_check_timeout=dict(type="int", default=60),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)
