# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LTM pools with their members: model, validation, device normalisation, diff and plan.

One GET reads the pool with its members (``expandSubcollections``); one POST or PATCH writes the
whole change, members included. Private to the collection.
"""

from __future__ import annotations

import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import Write, object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import (
    BUILTIN_MONITORS,
    check_address,
    check_name,
    check_port,
    check_reference,
    full_path,
    join_address_port,
    normalise_address,
    object_identity,
    parse_address,
    split_address_port,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.objects import converge_result
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.references import find_by_kind, outcome

LB_METHODS = (
    "dynamic-ratio-member",
    "dynamic-ratio-node",
    "fastest-app-response",
    "fastest-node",
    "least-connections-member",
    "least-connections-node",
    "least-sessions",
    "observed-member",
    "observed-node",
    "predictive-member",
    "predictive-node",
    "ratio-least-connections-member",
    "ratio-least-connections-node",
    "ratio-member",
    "ratio-node",
    "ratio-session",
    "round-robin",
    "weighted-least-connections-member",
    "weighted-least-connections-node",
)
MEMBER_STATES = ("enabled", "disabled", "forced_offline")
# Admin state -> what must be written (state, session). Writing "up" is refused by the device.
STATE_TO_DEVICE = {
    "enabled": ("user-up", "user-enabled"),
    "disabled": ("user-up", "user-disabled"),
    "forced_offline": ("user-down", "user-disabled"),
}
MONITOR_KINDS = ("http", "https", "tcp", "tcp-half-open", "icmp", "gateway-icmp", "udp", "inband", "external")
MEMBER_DEFAULTS = {"ratio": 1, "priority_group": 0, "connection_limit": 0}
# The module's options besides name, partition, state and provider (see _f5/module.py).
OPTIONS = dict(
    description=dict(type="str"),
    lb_method=dict(type="str", choices=list(LB_METHODS)),
    monitors=dict(type="list", elements="str"),
    monitor_quorum=dict(type="int"),
    members=dict(
        type="list",
        elements="dict",
        options=dict(
            address=dict(type="str", required=True),
            port=dict(type="int", required=True),
            name=dict(type="str"),
            state=dict(type="str", default="enabled", choices=list(MEMBER_STATES)),
            ratio=dict(type="int", default=1),
            priority_group=dict(type="int", default=0),
            connection_limit=dict(type="int", default=0),
            description=dict(type="str"),
        ),
    ),
    members_mode=dict(type="str", default="exclusive", choices=["exclusive", "additive"]),
    node_partition=dict(type="str"),
    any_port=dict(type="bool", default=False),
)


# ---- reading the device ---------------------------------------------------------------------------
def parse_monitor(value):
    """Device monitor string -> (sorted monitor paths, quorum or None). Order and trailing spaces ignored."""
    value = (value or "").strip()
    if not value or value in ("none", "/Common/none"):
        return [], None
    match = re.match(r"^min\s+(\d+)\s+of\s+\{(.*)\}$", value)
    if match:
        return sorted(match.group(2).split()), int(match.group(1))
    return sorted(part.strip() for part in value.split(" and ") if part.strip()), None


def monitor_string(monitors, quorum):
    if not monitors:
        return "none"
    if quorum:
        return "min %d of { %s }" % (quorum, " ".join(monitors))
    return " and ".join(monitors)


def member_state(state, session):
    """Device (state, session) as read back -> enabled | disabled | forced_offline."""
    if session == "user-disabled":
        return "forced_offline" if state == "user-down" else "disabled"
    return "enabled"


def normalise_member(item):
    partition = item.get("partition") or "Common"
    node_name, port = split_address_port(item["name"])
    return {
        "name": node_name,
        "address": item.get("address") or node_name,
        "port": port,
        "partition": partition,
        "state": member_state(item.get("state"), item.get("session")),
        "ratio": int(item.get("ratio", 1)),
        "priority_group": int(item.get("priorityGroup", 0)),
        "connection_limit": int(item.get("connectionLimit", 0)),
        "description": item.get("description") if item.get("description") not in (None, "", "none") else None,
    }


def normalise_pool(data):
    """A device pool (with expanded members) -> the module's model."""
    if data is None:
        return None
    monitors, quorum = parse_monitor(data.get("monitor"))
    items = (data.get("membersReference") or {}).get("items") or []
    return {
        "name": data["name"],
        "partition": data.get("partition", "Common"),
        "full_path": data.get("fullPath"),
        "description": data.get("description") if data.get("description") not in ("", "none") else None,
        "lb_method": data.get("loadBalancingMode", "round-robin"),
        "monitors": monitors,
        "monitor_quorum": quorum,
        "members": sort_members([normalise_member(item) for item in items]),
    }


def member_key(member):
    return (member["partition"], member["name"], member["port"])


def _display_order(member):
    try:
        address, _route_domain = parse_address(member["address"])
        numeric = (address.version, int(address))
    except ValueError:
        numeric = (9, 0)
    return (member["partition"], numeric, member["port"], member["name"])


def sort_members(members):
    """Members in address order (10.0.0.2 before 10.0.0.10), so diffs read naturally."""
    return sorted(members, key=_display_order)


# ---- the desired state --------------------------------------------------------------------------
def desired_pool(params):
    """Validate the module parameters (every problem at once) and return the desired model.

    Unmanaged options stay ``None`` so that the device's value is kept.
    """
    problems = Problems()
    partition = params.get("partition") or "Common"
    check_name(problems, "partition", partition)
    check_name(problems, "name", params.get("name"), partition)
    node_partition = params.get("node_partition") or partition
    check_name(problems, "node_partition", node_partition)
    any_port = bool(params.get("any_port"))
    lb_method = params.get("lb_method")
    if lb_method is not None and lb_method not in LB_METHODS:
        problems.add("lb_method", lb_method, "is not a BIG-IP load balancing method")
    monitors = params.get("monitors")
    quorum = params.get("monitor_quorum")
    if monitors is not None:
        monitors = sorted(set(full_path(m, partition, BUILTIN_MONITORS) for m in monitors if str(m).strip()))
        monitors = [m for m in monitors if m != "/Common/none"]
        for index, monitor in enumerate(params.get("monitors") or []):
            if str(monitor).strip():
                check_reference(problems, "monitors[%d]" % index, monitor, partition)
    if quorum is not None:
        if monitors is None:
            problems.add("monitor_quorum", quorum, "needs monitors")
        elif not 1 <= quorum <= len(monitors):
            problems.add("monitor_quorum", quorum, "must be between 1 and the number of monitors (%d)" % len(monitors))
    members = None
    if params.get("members") is not None:
        members = []
        seen = {}
        for index, raw in enumerate(params["members"]):
            field = "members[%d]" % index
            address_ok = check_address(problems, field + ".address", raw.get("address"))
            port_ok = check_port(problems, field + ".port", raw.get("port"), any_port)
            if not (address_ok and port_ok):
                continue
            address = normalise_address(raw["address"])
            name = raw.get("name") or address  # an address (route domain included) is a valid node name
            if raw.get("name"):
                check_name(problems, field + ".name", name, node_partition)
            state = raw.get("state") or "enabled"
            if state not in MEMBER_STATES:
                problems.add(field + ".state", state, "must be one of %s" % ", ".join(MEMBER_STATES))
            member = {
                "name": name,
                "address": address,
                "port": raw["port"],
                "partition": node_partition,
                "state": state,
                "description": raw.get("description"),
            }
            for key, default in MEMBER_DEFAULTS.items():
                value = raw.get(key)
                member[key] = default if value is None else value
            if not 1 <= member["ratio"] <= 65535:
                problems.add(field + ".ratio", member["ratio"], "must be between 1 and 65535")
            if member["priority_group"] < 0:
                problems.add(field + ".priority_group", member["priority_group"], "must not be negative")
            if member["connection_limit"] < 0:
                problems.add(field + ".connection_limit", member["connection_limit"], "must not be negative")
            key = member_key(member)
            if key in seen:
                problems.add(field, "%s:%s" % (address, raw["port"]), "duplicates members[%d]" % seen[key])
            seen[key] = index
            members.append(member)
    problems.raise_if_any()
    return {
        **object_identity(params, partition),
        "description": params.get("description"),
        "any_port": any_port,
        "lb_method": lb_method,
        "monitors": monitors,
        "monitor_quorum": quorum if monitors is not None else None,
        "members": sort_members(members) if members is not None else None,
        "members_mode": params.get("members_mode") or "exclusive",
    }


# ---- diff and plan ------------------------------------------------------------------------------
def merged_members(desired, current_members):
    """The member list after the change (exclusive: exactly the desired ones; additive: current + desired)."""
    if desired["members"] is None:
        return current_members
    wanted = dict((member_key(m), dict(m)) for m in desired["members"])
    current = dict((member_key(m), m) for m in current_members)
    for key, member in wanted.items():
        if member.get("description") is None and key in current:
            member["description"] = current[key].get("description")  # unmanaged: keep the device's text
        elif member.get("description") == "":
            member["description"] = None  # "" removes it; the device reads back none
    if desired["members_mode"] == "additive":
        result = dict(current)
        result.update(wanted)
        return sort_members(result.values())
    return sort_members(wanted.values())


def after_state(desired, current):
    """The pool as it will be once the plan is applied (unmanaged values stay as on the device)."""
    base = current or {
        "name": desired["name"],
        "partition": desired["partition"],
        "full_path": desired["full_path"],
        "description": None,
        "lb_method": "round-robin",
        "monitors": [],
        "monitor_quorum": None,
        "members": [],
    }
    after = dict(base)
    if desired["description"] is not None:
        after["description"] = desired["description"] or None  # "" removes it; the device reads back none
    if desired["lb_method"] is not None:
        after["lb_method"] = desired["lb_method"]
    if desired["monitors"] is not None:
        after["monitors"], after["monitor_quorum"] = desired["monitors"], desired["monitor_quorum"]
    after["members"] = merged_members(desired, base["members"])
    return after


def member_payload(member):
    state, session = STATE_TO_DEVICE[member["state"]]
    body = {
        "name": "/%s/%s" % (member["partition"], join_address_port(member["name"], member["port"])),
        "address": member["address"],
        "state": state,
        "session": session,
        "ratio": member["ratio"],
        "priorityGroup": member["priority_group"],
        "connectionLimit": member["connection_limit"],
    }
    if member.get("description"):
        body["description"] = member["description"]
    return body


def plan(desired, current):
    """-> (after model or None, list of Write). Pure."""
    path = object_url("ltm/pool", desired["partition"], desired["name"])
    label = "pool " + desired["full_path"]
    if desired["state"] == "absent":
        return None, ([Write("DELETE", path, label=label)] if current else [])
    after = after_state(desired, current)
    if current is None:
        body = {"name": desired["name"], "partition": desired["partition"]}
        if desired["lb_method"]:
            body["loadBalancingMode"] = desired["lb_method"]
        if after["monitors"]:
            body["monitor"] = monitor_string(after["monitors"], after["monitor_quorum"])
        if desired["description"]:
            body["description"] = desired["description"]
        body["members"] = [member_payload(m) for m in after["members"]]
        return after, [Write("POST", "/mgmt/tm/ltm/pool", body, label=label)]
    body = {}
    if after["lb_method"] != current["lb_method"]:
        body["loadBalancingMode"] = after["lb_method"]
    if (after["monitors"], after["monitor_quorum"]) != (current["monitors"], current["monitor_quorum"]):
        body["monitor"] = monitor_string(after["monitors"], after["monitor_quorum"])
    if after["description"] != current["description"]:
        body["description"] = after["description"] or ""
    if after["members"] != current["members"]:
        body["members"] = [member_payload(m) for m in after["members"]]  # the list replaces the device's
    return after, ([Write("PATCH", path, body, label=label)] if body else [])


def unknown_monitors(client, desired, current):
    """Monitors the change would add that do not exist on the device (reads only when needed)."""
    if not desired["monitors"]:
        return []
    attached = set(current["monitors"]) if current else set()
    to_check = [
        m
        for m in desired["monitors"]
        if m not in attached and not (m.startswith("/Common/") and m[len("/Common/") :] in BUILTIN_MONITORS)
    ]
    return find_by_kind(client, "ltm/monitor", MONITOR_KINDS, to_check)[1]


def run(client, params, check_mode=False):
    """Converge one pool. Returns the result dict (changed, pool, diff, writes)."""
    desired = desired_pool(params)
    data = client.get(
        object_url("ltm/pool", desired["partition"], desired["name"]),
        params={"expandSubcollections": "true"},
        missing_ok=True,
    )
    current = normalise_pool(data)
    after, writes = plan(desired, current)
    warnings = []
    if writes and desired["state"] == "present":
        missing = unknown_monitors(client, desired, current)
        if missing:
            problem = "monitors=%r: %s not found on the device (looked in the %s monitor types)." % (
                params.get("monitors"),
                ", ".join(missing),
                ", ".join(MONITOR_KINDS),
            )
            warnings = outcome([problem], check_mode)
    if writes and not check_mode:
        client.apply(writes)
    return converge_result("pool", "pool " + desired["full_path"], current, after, writes, warnings)
