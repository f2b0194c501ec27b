# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB validation of the ``address_pools`` section: pools, their BGP advertisements, overlaps.

Private to the collection. Overlaps are found by sorting the address spans once (O(n log n)),
not by comparing every pair: 5,000 pools are checked well under a second.
"""

from __future__ import annotations

import bisect
from collections import namedtuple

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.checks import check_name, check_range
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import MAX_ASN
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import parse_address, parse_community

# One pool entry: its addresses as networks, where it was declared, and whether it is ours (declared
# in this run) or a pool already in the cluster that stays.
Span = namedtuple("Span", "version networks field pool entry ours")


def validate_pools(problems, pools, fmt, native, node_networks, existing_pools, community_names, peer_names):
    """Adds the problems of ``pools`` (and their overlaps with ``existing_pools``) to ``problems``."""
    pool_names = set()
    spans = []
    for name, addresses in sorted((existing_pools or {}).items()):
        for entry in addresses:
            try:
                version, networks, _widest = parse_address(entry)
            except ValueError:
                continue
            spans.append(Span(version, networks, "already in the cluster", name, entry, False))
    for index, pool in enumerate(pools):
        field = "address_pools[%d]" % index
        check_name(problems, field + ".name", pool.get("name"), pool_names)
        if not pool["addresses"]:
            problems.add(field + ".addresses", pool["addresses"], "must list at least one CIDR or range")
        pool_prefix = {4: 32, 6: 128}
        versions = set()
        for position, entry in enumerate(pool["addresses"]):
            try:
                version, networks, widest = parse_address(entry)
            except ValueError as exc:
                problems.add("%s.addresses[%d]" % (field, position), entry, str(exc))
                continue
            versions.add(version)
            pool_prefix[version] = min(pool_prefix[version], widest)
            spans.append(Span(version, networks, "%s.addresses[%d]" % (field, position), pool.get("name"), entry, True))
            if node_networks and pool["protocol"] == "layer2":
                inside = any(
                    all(n.version == net.version and n.subnet_of(net) for n in networks) for net in node_networks
                )
                if not inside:
                    problems.add(
                        "%s.addresses[%d]" % (field, position),
                        entry,
                        "is not inside node_networks (%s): layer 2 can only announce addresses of the nodes' own networks"
                        % ", ".join(str(n) for n in node_networks),
                    )
        if pool["protocol"] == "layer2":
            if pool["bgp_advertisements"]:
                problems.add(
                    field + ".bgp_advertisements",
                    "%d entries" % len(pool["bgp_advertisements"]),
                    "is only valid for protocol bgp (this pool is layer2)",
                )
        else:
            if pool["l2_interfaces"]:
                problems.add(
                    field + ".l2_interfaces",
                    pool["l2_interfaces"],
                    "is only valid for protocol layer2 (this pool is bgp)",
                )
            if native and 6 in versions:
                problems.add(
                    field + ".addresses",
                    pool["addresses"],
                    "has IPv6 addresses, which the native BGP backend cannot announce",
                )
        if fmt == "configmap":
            if pool["l2_interfaces"]:
                problems.add(field + ".l2_interfaces", pool["l2_interfaces"], "needs the CRD format (MetalLB >= 0.13)")
            if pool["node_selectors"]:
                problems.add(
                    field + ".node_selectors", pool["node_selectors"], "needs the CRD format (MetalLB >= 0.13)"
                )
        validate_bgp_advertisements(
            problems, field, pool, fmt, native, versions, pool_prefix, community_names, peer_names
        )
    check_overlaps(problems, spans)


def check_overlaps(problems, spans):
    """Report each of our entries that overlaps an entry declared before it, once, naming one such entry.

    The same answer as comparing every pair, in O(n log n): with the spans sorted by start, an earlier
    span overlaps span i either because it starts no later and ends at or after i's start (the
    largest end among earlier-declared spans inserted so far, a prefix-maximum tree over declaration
    order), or because it starts inside i (the smallest declaration index among the spans whose start
    falls in i, a range-minimum table). Returns the indexes reported.
    """
    reported = set()
    for version in sorted(set(span.version for span in spans)):
        members = [index for index, span in enumerate(spans) if span.version == version]
        bounds = dict(
            (index, (int(spans[index].networks[0].network_address), int(spans[index].networks[-1].broadcast_address)))
            for index in members
        )
        ordered = sorted(members, key=lambda index: (bounds[index][0], index))
        starts = [bounds[index][0] for index in ordered]
        earliest = RangeMinimum(ordered)
        ends = PrefixMaximum(len(spans))
        for position, index in enumerate(ordered):
            start, end = bounds[index]
            best_end, other = ends.query(index)  # earlier-declared spans that start no later than this one
            if best_end is None or best_end < start:
                other = None
                # spans that start inside this one (after its start, up to its end)
                last = bisect.bisect_right(starts, end, lo=position + 1)
                if last > position + 1:
                    first_declared = earliest.query(position + 1, last)
                    if first_declared < index:
                        other = first_declared
            ends.insert(index, end)
            if other is not None and spans[index].ours:
                reported.add(index)
                problems.add(
                    spans[index].field,
                    spans[index].entry,
                    "overlaps %s (%s) of pool %s" % (spans[other].entry, spans[other].field, spans[other].pool),
                )
    return reported


class PrefixMaximum:
    """Fenwick tree over positions 0..size-1: insert (position, value); query the largest value at positions < limit."""

    def __init__(self, size):
        self.tree = [(None, None)] * (size + 1)

    def insert(self, position, value):
        node = position + 1
        while node < len(self.tree):
            if self.tree[node][0] is None or value > self.tree[node][0]:
                self.tree[node] = (value, position)
            node += node & -node

    def query(self, limit):
        """-> (largest value, its position) among positions < ``limit``; (None, None) when none."""
        best = (None, None)
        while limit > 0:
            if self.tree[limit][0] is not None and (best[0] is None or self.tree[limit][0] > best[0]):
                best = self.tree[limit]
            limit -= limit & -limit
        return best


class RangeMinimum:
    """Sparse table: the smallest value of ``values[first:last]`` in O(1) after an O(n log n) build."""

    def __init__(self, values):
        self.levels = [list(values)]
        width = 1
        while width * 2 <= len(values):
            previous = self.levels[-1]
            self.levels.append([min(previous[i], previous[i + width]) for i in range(len(previous) - width)])
            width *= 2

    def query(self, first, last):
        level = (last - first).bit_length() - 1
        row = self.levels[level]
        return min(row[first], row[last - (1 << level)])


def validate_bgp_advertisements(problems, field, pool, fmt, native, versions, pool_prefix, community_names, peer_names):
    """The ``bgp_advertisements`` of one pool."""
    seen_adv = {}
    for position, adv in enumerate(pool["bgp_advertisements"]):
        afield = "%s.bgp_advertisements[%d]" % (field, position)
        check_range(problems, afield + ".aggregation_length", adv["aggregation_length"], 0, 32)
        check_range(problems, afield + ".aggregation_length_v6", adv["aggregation_length_v6"], 0, 128)
        check_range(problems, afield + ".localpref", adv["localpref"], 0, MAX_ASN)
        if 4 in versions and isinstance(adv["aggregation_length"], int) and adv["aggregation_length"] < pool_prefix[4]:
            problems.add(
                afield + ".aggregation_length",
                adv["aggregation_length"],
                "is shorter than the pool prefix /%d: the pool is more specific than the aggregation" % pool_prefix[4],
            )
        if (
            6 in versions
            and isinstance(adv["aggregation_length_v6"], int)
            and adv["aggregation_length_v6"] < pool_prefix[6]
        ):
            problems.add(
                afield + ".aggregation_length_v6",
                adv["aggregation_length_v6"],
                "is shorter than the pool prefix /%d: the pool is more specific than the aggregation" % pool_prefix[6],
            )
        for cindex, community in enumerate(adv["communities"]):
            try:
                kind = parse_community(community)
            except ValueError as exc:
                problems.add("%s.communities[%d]" % (afield, cindex), community, str(exc))
                continue
            if kind is None and community not in community_names:
                problems.add("%s.communities[%d]" % (afield, cindex), community, "is not defined in communities")
            if kind == "large" and native:
                problems.add(
                    "%s.communities[%d]" % (afield, cindex),
                    community,
                    "is a large community, which the native BGP backend does not support",
                )
        if len(set(adv["communities"])) != len(adv["communities"]):
            problems.add(afield + ".communities", adv["communities"], "lists a community twice")
        for pindex, peer in enumerate(adv["peers"]):
            if fmt == "configmap":
                problems.add("%s.peers[%d]" % (afield, pindex), peer, "needs the CRD format (MetalLB >= 0.13)")
            elif peer not in peer_names:
                problems.add("%s.peers[%d]" % (afield, pindex), peer, "is not the name of a peer in peers")
        key = (adv["aggregation_length"], adv["aggregation_length_v6"], tuple(sorted(adv["peers"])))
        if key in seen_adv:
            other_index, other = seen_adv[key]
            if other["localpref"] != adv["localpref"]:
                problems.add(
                    afield + ".localpref",
                    adv["localpref"],
                    "differs from bgp_advertisements[%d] for the same aggregation and peers" % other_index,
                )
            elif sorted(other["communities"]) == sorted(adv["communities"]):
                problems.add(afield, adv, "duplicates bgp_advertisements[%d]" % other_index)
        else:
            seen_adv[key] = (position, adv)
