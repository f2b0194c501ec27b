# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The v0.12 ``config`` ConfigMap document a model stands for (strict keys, from the field table).

Private to the collection. ``render_configmap(model)`` gives the document as a dict;
``configmap_before_after(live, desired)`` the two documents as the diff shows them, with BGP
passwords replaced by markers that say whether they changed and carry no digest.
"""

from __future__ import annotations

import copy

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import secret_markers
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import v012_fields
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import format_duration, node_selector_v012

EMPTY: tuple = (None, [], {})


def v012_entry(kind, entry, **derived):
    """The v0.12 keys of ``kind`` for a model ``entry``; empty values and v0.12's own defaults left out."""
    result = {}
    for field in v012_fields(kind):
        option = field.option or field.crd
        if field.v012 in derived:
            value = derived[field.v012]
        else:
            value = entry.get(option)
            if field.form == "duration" and value is not None:
                value = format_duration(value)
            elif field.form == "selectors":
                value = [node_selector_v012(selector) for selector in value or []]
            elif isinstance(value, list):
                value = list(value)
        if value not in EMPTY and value != field.v012_default:
            result[field.v012] = value
    return result


def render_configmap(model):
    """The v0.12 ``config`` document (a dict; strict keys only)."""
    config = {}
    peers = [v012_entry("BGPPeer", peer) for peer in model["peers"]]
    if peers:
        config["peers"] = peers
    if model["communities"]:
        config["bgp-communities"] = dict((c["name"], c["value"]) for c in model["communities"])
    if model["bfd_profiles"]:
        config["bfd-profiles"] = [
            dict({"name": profile["name"]}, **v012_entry("BFDProfile", profile)) for profile in model["bfd_profiles"]
        ]
    pools = []
    for pool in model["address_pools"]:
        entry = {"name": pool["name"], "protocol": pool["protocol"]}
        entry.update(v012_entry("IPAddressPool", pool))
        entry["addresses"] = list(pool["addresses"])  # required even when empty: v0.12 says what is missing
        if pool["bgp_advertisements"]:
            entry["bgp-advertisements"] = [v012_entry("BGPAdvertisement", adv) for adv in pool["bgp_advertisements"]]
        pools.append(entry)
    if pools:
        config["address-pools"] = pools
    return config


def configmap_before_after(live, desired):
    """(before, after) ``config`` documents for the diff; peers' passwords as markers, paired by position."""
    before, after = copy.deepcopy(live), copy.deepcopy(desired)
    before_peers, after_peers = [_peers(document) for document in (before, after)]
    for index in range(max(len(before_peers), len(after_peers))):
        old = before_peers[index] if index < len(before_peers) and isinstance(before_peers[index], dict) else None
        new = after_peers[index] if index < len(after_peers) and isinstance(after_peers[index], dict) else None
        markers = secret_markers((old or {}).get("password"), (new or {}).get("password"))
        for peer, marker in zip((old, new), markers):
            if peer is not None and marker is not None:
                peer["password"] = marker
    return before, after


def _peers(document):
    """The ``peers`` list of a config document; [] when a hand-written one has none or garbage there."""
    peers = document.get("peers") if isinstance(document, dict) else None
    return peers if isinstance(peers, list) else []
