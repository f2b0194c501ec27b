# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Migration from the v0.12 ConfigMap: a strict parser to the model (the configmaptocrs field mapping).

Private to the collection. ``configmap_to_model(text)`` refuses unknown keys as MetalLB's
UnmarshalStrict does (the key sets come from the field table); ``model_to_params(model)`` gives
the ``migrated`` result with passwords redacted.
"""

from __future__ import annotations

import copy

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import (
    KubeEdgeError,
    Problems,
    ValidationError,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import REDACTED, V012_KEYS
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import node_selector

try:
    import yaml

    HAS_YAML = True
except ImportError:  # ansible-core depends on PyYAML; kept guarded for the sanity import test
    HAS_YAML = False


def k8s_name(name):
    """configmaptocrs: lowercase, '_' -> '-', at most 63 characters."""
    return str(name).lower().replace("_", "-")[:63]


def configmap_to_model(text, where="ConfigMap metallb-system/config"):
    """Parse a v0.12 config strictly (unknown keys fail, as MetalLB's UnmarshalStrict does)."""
    if not HAS_YAML:
        raise KubeEdgeError("PyYAML is required to read the v0.12 ConfigMap")
    try:
        data = yaml.safe_load(text or "") or {}
    except yaml.YAMLError as exc:
        raise ValidationError("%s: data.config is not valid YAML: %s" % (where, str(exc).replace("\n", " "))) from None
    problems = Problems()

    def strict(entry, allowed, field):
        if not isinstance(entry, dict):
            problems.add("%s %s" % (where, field), entry, "must be a mapping")
            return {}
        for key in entry:
            if key not in allowed:
                problems.add(
                    "%s %s" % (where, field), key, "is not a key MetalLB v0.12 knows (it rejects the whole config)"
                )
        return entry

    data = strict(data, V012_KEYS["top"], "config")
    model = {"address_pools": [], "peers": [], "communities": [], "bfd_profiles": []}
    for index, peer in enumerate(data.get("peers") or []):
        peer = strict(peer, V012_KEYS["peer"], "peers[%d]" % index)
        selectors = [
            node_selector(strict(s, V012_KEYS["selector"], "peers[%d].node-selectors" % index))
            for s in peer.get("node-selectors") or []
        ]
        model["peers"].append(
            {
                "name": "peer%d" % (index + 1),
                "peer_address": peer.get("peer-address"),
                "peer_asn": peer.get("peer-asn"),
                "my_asn": peer.get("my-asn"),
                "peer_port": peer.get("peer-port", 179),
                "hold_time": peer.get("hold-time", "90s"),
                "keepalive_time": peer.get("keepalive-time"),
                "router_id": peer.get("router-id"),
                "source_address": peer.get("source-address"),
                "password": peer.get("password"),
                "password_secret": None,
                "node_selectors": selectors,
                "bfd_profile": peer.get("bfd-profile"),
                "ebgp_multihop": peer.get("ebgp-multihop"),
            }
        )
    for name, value in sorted((data.get("bgp-communities") or {}).items()):
        model["communities"].append({"name": str(name), "value": str(value)})
    for index, profile in enumerate(data.get("bfd-profiles") or []):
        profile = strict(profile, V012_KEYS["bfd"], "bfd-profiles[%d]" % index)
        entry = dict((k.replace("-", "_"), v) for k, v in profile.items())
        entry["name"] = k8s_name(profile.get("name"))
        model["bfd_profiles"].append(entry)
    for index, pool in enumerate(data.get("address-pools") or []):
        pool = strict(pool, V012_KEYS["pool"], "address-pools[%d]" % index)
        advertisements = []
        for position, adv in enumerate(pool.get("bgp-advertisements") or []):
            adv = strict(adv, V012_KEYS["adv"], "address-pools[%d].bgp-advertisements[%d]" % (index, position))
            advertisements.append(
                {
                    "aggregation_length": adv.get("aggregation-length", 32),
                    "aggregation_length_v6": adv.get("aggregation-length-v6", 128),
                    "localpref": adv.get("localpref"),
                    "communities": list(adv.get("communities") or []),
                    "peers": [],
                }
            )
        model["address_pools"].append(
            {
                "name": k8s_name(pool.get("name")),
                "protocol": pool.get("protocol"),
                "addresses": [str(a) for a in pool.get("addresses") or []],
                "auto_assign": pool.get("auto-assign", True),
                "avoid_buggy_ips": pool.get("avoid-buggy-ips", False),
                "bgp_advertisements": advertisements,
                "l2_interfaces": [],
                "node_selectors": [],
            }
        )
        if pool.get("protocol") not in ("layer2", "bgp"):
            problems.add(
                "%s address-pools[%d].protocol" % (where, index), pool.get("protocol"), "must be layer2 or bgp"
            )
    problems.raise_if_any()
    return model


def model_to_params(model):
    """The model as module options (the ``migrated`` result: paste it into your variables)."""
    result = copy.deepcopy(model)
    for peer in result["peers"]:
        if peer.get("password"):
            peer["password"] = REDACTED
    return dict((k, v) for k, v in result.items() if v)
