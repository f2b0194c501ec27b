# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB's own rules that can be checked offline (the v0.12 parser and the v0.13+ webhooks).

Private to the collection. ``validate(model, fmt, backend, node_networks, existing_pools)`` checks
every section (communities and BFD profiles here, peers in ``validate_peers``, pools, their
advertisements and overlaps in ``validate_pools``) and raises one ``ValidationError`` with every
problem, at most ``MAX_PROBLEMS`` of them spelled out. Every check is at most O(n log n).
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.checks import (
    check_name,
    check_range,
    raise_bounded,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import parse_community
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.validate_peers import validate_peers
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.validate_pools import validate_pools

BFD_RANGES = (
    ("receive_interval", 10, 60000),
    ("transmit_interval", 10, 60000),
    ("echo_interval", 10, 60000),
    ("detect_multiplier", 2, 255),
    ("minimum_ttl", 1, 254),
)


def validate_communities(problems, communities, native):
    """-> the set of community alias names."""
    names = set()
    for index, community in enumerate(communities):
        field = "communities[%d]" % index
        if not community.get("name") or ":" in community["name"]:
            problems.add(field + ".name", community.get("name"), 'must be a non-empty alias without ":"')
        elif community["name"] in names:
            problems.add(field + ".name", community["name"], "is used twice")
        names.add(community.get("name"))
        try:
            kind = parse_community(community["value"])
            if kind is None:
                problems.add(field + ".value", community["value"], 'must be "A:B" or "large:A:B:C"')
            elif kind == "large" and native:
                problems.add(
                    field + ".value",
                    community["value"],
                    "is a large community, which the native BGP backend does not support",
                )
        except ValueError as exc:
            problems.add(field + ".value", community["value"], str(exc))
    return names


def validate_bfd_profiles(problems, profiles, native):
    """-> the set of BFD profile names."""
    names = set()
    seen = set()
    for index, profile in enumerate(profiles):
        field = "bfd_profiles[%d]" % index
        check_name(problems, field + ".name", profile.get("name"), seen)
        names.add(profile.get("name"))
        for key, low, high in BFD_RANGES:
            check_range(problems, "%s.%s" % (field, key), profile.get(key), low, high)
        if native:
            problems.add(
                field + ".name",
                profile.get("name"),
                "is a BFD profile, which the native BGP backend does not support (use frr or frr-k8s)",
            )
    return names


def validate(model, fmt="crds", backend="frr", node_networks=None, existing_pools=None):
    """Every MetalLB rule that can be checked offline; raises ValidationError listing the problems.

    ``existing_pools``: {name: [addresses]} of pools already in the cluster that stay (overlaps).
    """
    problems = Problems()
    native = backend == "native"
    community_names = validate_communities(problems, model["communities"], native)
    bfd_names = validate_bfd_profiles(problems, model["bfd_profiles"], native)
    peer_names = validate_peers(problems, model["peers"], fmt, native, bfd_names)
    validate_pools(
        problems, model["address_pools"], fmt, native, node_networks, existing_pools, community_names, peer_names
    )
    raise_bounded(problems)
