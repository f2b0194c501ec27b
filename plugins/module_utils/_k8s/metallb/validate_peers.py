# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB validation of the ``peers`` section (BGPPeer webhook rules and FRR's one-router-per-node rule).

Private to the collection.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.checks import check_ip, check_name, check_range
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import MAX_ASN
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import parse_duration


def validate_peers(problems, peers, fmt, native, bfd_names):
    """Adds the problems of ``peers`` to ``problems``; -> the set of peer names."""
    peer_names = set()
    seen = set()
    endpoints = {}
    for index, peer in enumerate(peers):
        field = "peers[%d]" % index
        if fmt == "crds" or peer.get("name") is not None:
            check_name(problems, field + ".name", peer.get("name"), seen)
        peer_names.add(peer.get("name"))
        address = check_ip(problems, field + ".peer_address", peer.get("peer_address"))
        if peer.get("peer_address") in (None, ""):
            problems.add(field + ".peer_address", peer.get("peer_address"), "is required")
        for key in ("my_asn", "peer_asn"):
            if peer.get(key) is None:
                problems.add("%s.%s" % (field, key), None, "is required")
            else:
                check_range(problems, "%s.%s" % (field, key), peer[key], 1, MAX_ASN)
        check_range(problems, field + ".peer_port", peer.get("peer_port"), 1, 16384)
        hold = keepalive = None
        if peer.get("hold_time") is not None:
            hold = parse_duration(peer["hold_time"])
            if hold is None:
                problems.add(field + ".hold_time", peer["hold_time"], 'is not a duration such as "90s" or "1m30s"')
            elif 0 < hold < 3:
                problems.add(field + ".hold_time", peer["hold_time"], "must be 0 or at least 3s")
        if peer.get("keepalive_time") is not None:
            keepalive = parse_duration(peer["keepalive_time"])
            if keepalive is None:
                problems.add(field + ".keepalive_time", peer["keepalive_time"], 'is not a duration such as "30s"')
            elif native:
                problems.add(
                    field + ".keepalive_time",
                    peer["keepalive_time"],
                    "is not supported by the native BGP backend (use frr or frr-k8s)",
                )
            elif keepalive > (hold if hold is not None else 90):
                problems.add(
                    field + ".keepalive_time",
                    peer["keepalive_time"],
                    "must not be longer than the hold time (%s)" % (peer.get("hold_time") or "90s"),
                )
        check_ip(problems, field + ".router_id", peer.get("router_id"))
        check_ip(problems, field + ".source_address", peer.get("source_address"))
        if peer.get("password") and peer.get("password_secret"):
            problems.add(field + ".password_secret", peer["password_secret"], "cannot be used together with password")
        if peer.get("password_secret") and fmt == "configmap":
            problems.add(
                field + ".password_secret",
                peer["password_secret"],
                "needs the CRD format: the v0.12 ConfigMap only takes password",
            )
        if (
            peer.get("ebgp_multihop")
            and peer.get("peer_asn") is not None
            and peer.get("peer_asn") == peer.get("my_asn")
        ):
            problems.add(field + ".ebgp_multihop", True, "is only valid for eBGP peers (peer_asn equals my_asn here)")
        if peer.get("bfd_profile"):
            if native:
                problems.add(
                    field + ".bfd_profile",
                    peer["bfd_profile"],
                    "is not supported by the native BGP backend (use frr or frr-k8s)",
                )
            elif peer["bfd_profile"] not in bfd_names:
                problems.add(field + ".bfd_profile", peer["bfd_profile"], "is not defined in bfd_profiles")
        if address is not None:
            key = (str(address), peer.get("peer_port"))
            if key in endpoints:
                problems.add(
                    field + ".peer_address",
                    peer["peer_address"],
                    "is already used by %s with the same port (duplicate BGP sessions flap)" % endpoints[key],
                )
            endpoints[key] = field
    if not native:
        # FRR runs one BGP router per node: peers that land on the same nodes share router id and ASN.
        groups = {}
        for index, peer in enumerate(peers):
            groups.setdefault(repr(peer.get("node_selectors")), []).append((index, peer))
        for members in groups.values():
            first_index, first = members[0]
            for index, peer in members[1:]:
                for key in ("my_asn", "router_id"):
                    if peer.get(key) != first.get(key):
                        problems.add(
                            "peers[%d].%s" % (index, key),
                            peer.get(key),
                            "differs from peers[%d] (%r): with FRR, peers on the same nodes must share my_asn and router_id"
                            % (first_index, first.get(key)),
                        )

    return peer_names
