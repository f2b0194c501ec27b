# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``keepalived`` role's input, checked and turned into the one model its template reads.

Private to the collection: may change at any time. ``check(variables)`` types every role variable
with the kinds the haproxy role already uses (``_haproxy.role_types``, walked by
``_haproxy.role_input.walk``), then the rules between them: VRRP router ids from 1 to 255 and unique per
interface, priorities from 1 to 254 (255 belongs to the address owner), one VIP in one instance only,
unicast source and peers distinct and never a VIP, a password VRRPv2 carries whole (1 to 8 characters),
``nopreempt`` only with the initial state BACKUP. Returns ``{"problems", "message", "warnings",
"config"}``; ``config`` (the ``keepalived_`` prefix dropped) is only built without problems.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_types as t
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.role_input import walk

# Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', no whitespace, not "." or "..";
# narrowed to the characters keepalived's parser reads as one word.
INTERFACE = t.Text(
    re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9_.:@-]{1,15}$"),
    "a network interface name (1 to 15 of letters, digits, '_', '.', ':', '@', '-')",
)
# keepalived reads instance and script names as one word.
NAME = t.Text(t.IDENTIFIER_RE, "a name (letters, digits, '.', '_', '-'; at most 63)")
ROUTER_ID = t.Integer(1, 255, "a VRRP router id from 1 to 255")
PRIORITY = t.Integer(1, 254, "a VRRP priority from 1 to 254 (255 is reserved for the address owner)")
# VRRPv2 (the version with authentication) carries IPv4 only.
IPV4 = t.Text(
    re.compile(
        r"^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$"
    ),
    "an IPv4 address (VRRPv2 with authentication carries IPv4 only)",
)
# PASS authentication sends at most 8 characters and silently cuts the rest: refuse what would be cut.
# keepalived reads '!' and '#' as comments, quotes and braces as syntax: those are refused too.
AUTH_PASS = t.Text(
    re.compile(r"^[A-Za-z0-9._~@%+=:,/^*-]{1,8}$"),
    "1 to 8 of letters, digits and ._~@%+=:,/^*- (keepalived reads ! and # as comments)",
)
# One argument of the track command: what keepalived's "script" line reads as one word.
ARGUMENT = t.Text(re.compile(r"^[A-Za-z0-9_./:=@+,%-]{1,255}$"), "a command argument (no spaces or quotes)")

INSTANCE = t.Record(
    {
        "name": NAME,
        "virtual_router_id": ROUTER_ID,
        "address": IPV4,
        "prefix": t.Integer(1, 32, "a prefix length from 1 to 32"),
        "interface": INTERFACE,
        "priority": PRIORITY,
    },
    required=("name", "virtual_router_id", "address"),
)

ROLE_VARIABLES = {
    "keepalived_instances": t.ListOf(INSTANCE, min_items=1),
    "keepalived_interface": INTERFACE,
    "keepalived_priority": PRIORITY,
    "keepalived_state": t.OneOf("BACKUP", "MASTER"),
    "keepalived_preempt": t.Boolean(),
    "keepalived_preempt_delay": t.Integer(0, 1000, "a number of seconds from 0 to 1000"),
    "keepalived_advert_int": t.Integer(1, 255, "a number of seconds from 1 to 255"),
    "keepalived_unicast_source": IPV4,
    "keepalived_unicast_peers": t.ListOf(IPV4, min_items=1),
    "keepalived_auth_pass": AUTH_PASS,
    "keepalived_track_command": t.ListOf(ARGUMENT, min_items=1),
    "keepalived_track_interval": t.Integer(1, 60, "a number of seconds from 1 to 60"),
    "keepalived_track_fall": t.Integer(1, 10, "a count from 1 to 10"),
    "keepalived_track_rise": t.Integer(1, 10, "a count from 1 to 10"),
    "keepalived_nonlocal_bind": t.Boolean(),
    "keepalived_config_path": t.FilePath(),
    "keepalived_notify_path": t.FilePath(),
}
SECRET_VARIABLES = frozenset(("keepalived_auth_pass",))


def _type_check(variables, problems):
    values = {}
    for name, kind in ROLE_VARIABLES.items():
        if variables.get(name) is None:
            problems.add(name, None, "is required")
            values[name] = None
            continue
        values[name] = walk(kind, variables[name], name, problems, secret=name in SECRET_VARIABLES)
    return values


def _cross_check(values, problems, warnings):
    instances = [item for item in values["keepalived_instances"] or [] if item]
    source = values["keepalived_unicast_source"]
    peers = values["keepalived_unicast_peers"] or []
    seen_names, seen_ids, seen_addresses = {}, {}, {}
    for index, instance in enumerate(instances):
        path = "keepalived_instances[%d]" % index
        interface = instance["interface"] or values["keepalived_interface"]
        if instance["name"] is not None:
            if instance["name"] in seen_names:
                problems.add(path + ".name", instance["name"], "is also the name of %s" % seen_names[instance["name"]])
            seen_names.setdefault(instance["name"], path)
        if instance["virtual_router_id"] is not None:
            key = (interface, instance["virtual_router_id"])
            if key in seen_ids:
                problems.add(
                    path + ".virtual_router_id",
                    instance["virtual_router_id"],
                    "is also the router id of %s on interface %s (one router id per interface)"
                    % (seen_ids[key], interface),
                )
            seen_ids.setdefault(key, path)
        address = instance["address"]
        if address is None:
            continue
        if address in seen_addresses:
            problems.add(
                path + ".address",
                address,
                "is also the VIP of %s (one VIP belongs to one VRRP instance, or both would claim it)"
                % seen_addresses[address],
            )
        seen_addresses.setdefault(address, path)
        if address == source or address in peers:
            problems.add(path + ".address", address, "is a unicast address of a peer, not a floating one")
        prefix = instance["prefix"] or 32
        if (
            prefix < 32
            and source
            and ipaddress.ip_address(source) not in ipaddress.ip_network("%s/%d" % (address, prefix), strict=False)
        ):
            warnings.append(
                "%s.address %s/%d does not contain keepalived_unicast_source %s: the VIP is not on the pair's subnet."
                % (path, address, prefix, source)
            )
    for index, peer in enumerate(peers):
        if peer is not None and peer == source:
            problems.add("keepalived_unicast_peers[%d]" % index, peer, "is keepalived_unicast_source, this host itself")
    if len(set(peers)) != len(peers):
        problems.add("keepalived_unicast_peers", peers, "lists an address twice")
    if values["keepalived_state"] == "MASTER" and values["keepalived_preempt"] is False:
        problems.add(
            "keepalived_state",
            "MASTER",
            "cannot start as MASTER with keepalived_preempt false (nopreempt needs the initial state BACKUP)",
        )
    if values["keepalived_preempt_delay"] and values["keepalived_preempt"] is False:
        warnings.append("keepalived_preempt_delay is ignored: keepalived_preempt is false (nopreempt).")


def _model(values):
    config = {name[len("keepalived_") :]: value for name, value in values.items()}
    for instance in config["instances"]:
        instance["interface"] = instance["interface"] or config["interface"]
        instance["priority"] = instance["priority"] or config["priority"]
        instance["prefix"] = instance["prefix"] or 32
    config["track_script"] = " ".join(config["track_command"])
    return config


def check(variables):
    """Every problem of the role's input, the warnings, and (without problems) the template's model."""
    problems = Problems()
    warnings = []
    values = _type_check(variables, problems)
    _cross_check(values, problems, warnings)
    return problems.checked_input(warnings, lambda: _model(values))
