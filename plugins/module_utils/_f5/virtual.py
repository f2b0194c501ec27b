# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LTM virtual servers: model, validation, device normalisation, diff and plan.

The GUI's "type" is not a device field: it follows from the profiles, and the profiles' kinds
follow from their ``nameReference`` links, so one GET with ``expandSubcollections`` is enough.
Private to the collection.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import Write, object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import (
    BUILTIN_PROFILES,
    check_address,
    check_name,
    check_port,
    check_reference,
    full_path,
    join_address_port,
    normalise_address,
    object_identity,
    profile_kind_from_link,
    split_address_port,
    split_full_path,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.objects import converge_result
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.references import exists, find_by_kind, outcome

TYPES = ("performance-l4", "performance-http", "standard")
# The profile kinds a type needs, and the built-in profile used when none of that kind is listed.
TYPE_KINDS = {
    "performance-l4": (("fastl4", "/Common/fastL4"),),
    "performance-http": (("fasthttp", "/Common/fasthttp"),),
    "standard": (("tcp", "/Common/tcp"), ("http", "/Common/http")),
}
BUILTIN_KINDS = {
    "/Common/fastL4": "fastl4",
    "/Common/fasthttp": "fasthttp",
    "/Common/tcp": "tcp",
    "/Common/tcp-lan-optimized": "tcp",
    "/Common/tcp-wan-optimized": "tcp",
    "/Common/f5-tcp-progressive": "tcp",
    "/Common/f5-tcp-lan": "tcp",
    "/Common/f5-tcp-wan": "tcp",
    "/Common/http": "http",
    "/Common/clientssl": "client-ssl",
    "/Common/serverssl": "server-ssl",
    "/Common/udp": "udp",
    "/Common/oneconnect": "one-connect",
}
# Kinds searched (in this order) for a profile named by the user that is not attached yet.
LOOKUP_KINDS = (
    "http",
    "tcp",
    "client-ssl",
    "server-ssl",
    "one-connect",
    "http-compression",
    "web-acceleration",
    "fastl4",
    "fasthttp",
    "udp",
    "websocket",
    "request-log",
    "analytics",
)
CONTEXTS = {"client-ssl": "clientside", "server-ssl": "serverside"}
FAST_KINDS = ("fastl4", "fasthttp")
# Kinds that cannot sit next to a fastL4/fasthttp profile (mcpd 01070734).
NOT_WITH_FAST = ("tcp", "http", "udp", "client-ssl", "server-ssl", "fastl4", "fasthttp", "one-connect")
# The module's options besides name, partition, state and provider (see _f5/module.py).
OPTIONS = dict(
    destination=dict(type="str"),
    port=dict(type="int"),
    type=dict(type="str", choices=list(TYPES)),
    pool=dict(type="str"),
    profiles=dict(type="list", elements="str"),
    client_ssl_profile=dict(type="str"),
    snat=dict(type="str"),
    enabled=dict(type="bool", default=True),
    vlans=dict(type="list", elements="str"),
    irules=dict(type="list", elements="str"),
    description=dict(type="str"),
    any_port=dict(type="bool", default=False),
)


def type_of(kinds):
    if "fastl4" in kinds:
        return "performance-l4"
    if "fasthttp" in kinds:
        return "performance-http"
    return "standard"


def snat_of(data):
    translation = data.get("sourceAddressTranslation") or {}
    kind = translation.get("type") or "none"
    if kind == "snat":
        return translation.get("pool")
    return kind


def normalise_virtual(data):
    """A device virtual server (profiles expanded) -> (model, {profile path: kind})."""
    if data is None:
        return None, {}
    dummy, dest = split_full_path(data.get("destination") or "/Common/0.0.0.0:0")
    address, port = split_address_port(dest)
    items = (data.get("profilesReference") or {}).get("items") or []
    kinds = dict(
        (item["fullPath"], profile_kind_from_link((item.get("nameReference") or {}).get("link"))) for item in items
    )
    client_ssl = [
        item["fullPath"]
        for item in items
        if kinds[item["fullPath"]] == "client-ssl" and item.get("context") == "clientside"
    ]
    vtype = type_of(kinds.values())
    extras = sorted(
        path for path in kinds if path not in client_ssl[:1] and not _is_type_default(path, kinds[path], vtype)
    )
    model = {
        "name": data["name"],
        "partition": data.get("partition", "Common"),
        "full_path": data.get("fullPath"),
        "destination": address,
        "port": port,
        "type": vtype,
        "pool": data.get("pool"),
        "client_ssl_profile": client_ssl[0] if client_ssl else None,
        "profiles": extras,
        "snat": snat_of(data),
        "enabled": not data.get("disabled", False),
        "vlans": sorted(data.get("vlans") or []) if data.get("vlansEnabled") else [],
        "irules": list(data.get("rules") or []),
        "description": data.get("description") if data.get("description") not in ("", "none") else None,
    }
    return model, kinds


def _is_type_default(path, kind, vtype):
    return any(path == default and kind == need for need, default in TYPE_KINDS[vtype])


def desired_virtual(params):
    problems = Problems()
    partition = params.get("partition") or "Common"
    check_name(problems, "partition", partition)
    check_name(problems, "name", params.get("name"), partition)
    destination = params.get("destination")
    if destination is not None and check_address(problems, "destination", destination):
        destination = normalise_address(destination)
    if params.get("port") is not None:
        check_port(problems, "port", params.get("port"), bool(params.get("any_port")))
    vtype = params.get("type")
    if vtype is not None and vtype not in TYPES:
        problems.add("type", vtype, "must be one of %s" % ", ".join(TYPES))
    client_ssl = params.get("client_ssl_profile")
    if client_ssl and vtype in FAST_KINDS + ("performance-l4", "performance-http"):
        problems.add(
            "client_ssl_profile", client_ssl, "needs type=standard (a %s virtual server cannot terminate TLS)" % vtype
        )
    if client_ssl:
        check_reference(problems, "client_ssl_profile", client_ssl, partition)
    profiles = params.get("profiles")
    if profiles is not None:
        profiles = sorted(set(full_path(p, partition, BUILTIN_PROFILES) for p in profiles if str(p).strip()))
        for index, name in enumerate(params.get("profiles") or []):
            if str(name).strip():
                check_reference(problems, "profiles[%d]" % index, name, partition)
    pool = params.get("pool")
    if pool:
        check_reference(problems, "pool", pool, partition)
    snat = params.get("snat")
    if snat not in (None, "automap", "none"):
        check_reference(problems, "snat", snat, partition)
    for key in ("vlans", "irules"):
        for index, name in enumerate(params.get(key) or []):
            check_reference(problems, "%s[%d]" % (key, index), name, partition)
    state = params.get("state") or "present"
    problems.raise_if_any()
    return {
        **object_identity(params, partition),
        "state": state,
        "destination": destination,
        "port": params.get("port"),
        "type": vtype,
        "pool": full_path(pool, partition) if pool else ("" if pool == "" else None),
        "client_ssl_profile": full_path(client_ssl, partition, BUILTIN_PROFILES)
        if client_ssl
        else ("" if client_ssl == "" else None),
        "profiles": profiles,
        "snat": snat if snat in (None, "automap", "none") else full_path(snat, partition),
        "enabled": params.get("enabled"),
        "vlans": sorted(full_path(v, "Common") for v in params["vlans"]) if params.get("vlans") is not None else None,
        "irules": [full_path(r, partition) for r in params["irules"]] if params.get("irules") is not None else None,
        "description": params.get("description"),
    }


def after_state(desired, current):
    base = current or {
        "name": desired["name"],
        "partition": desired["partition"],
        "full_path": desired["full_path"],
        "destination": None,
        "port": None,
        "type": "performance-l4",
        "pool": None,
        "client_ssl_profile": None,
        "profiles": [],
        "snat": "none",
        "enabled": True,
        "vlans": [],
        "irules": [],
        "description": None,
    }
    after = dict(base)
    for key in ("destination", "port", "type", "profiles", "snat", "enabled", "vlans", "irules"):
        if desired[key] is not None:
            after[key] = desired[key]
    if desired["description"] is not None:
        after["description"] = desired["description"] or None  # "" removes it; the device reads back none
    for key in ("pool", "client_ssl_profile"):
        if desired[key] is not None:
            after[key] = desired[key] or None
    # A listed profile that the type adds anyway (http on a standard server) is not an extra.
    after["profiles"] = [p for p in after["profiles"] if not _is_type_default(p, BUILTIN_KINDS.get(p), after["type"])]
    return after


def profile_list(after, kinds):
    """The full profile list for the device: extras + client-ssl + a default for each kind the type needs."""
    listed = list(after["profiles"])
    if after["client_ssl_profile"]:
        listed.append(after["client_ssl_profile"])
    present = set(kinds.get(path) for path in listed)
    for need, default in TYPE_KINDS[after["type"]]:
        if need not in present:
            listed.append(default)
            kinds.setdefault(default, need)
    return [{"name": path, "context": CONTEXTS.get(kinds.get(path), "all")} for path in sorted(set(listed))]


def check_combination(after, kinds):
    problems = Problems()
    for path in after["profiles"]:
        kind = kinds.get(path)
        if after["type"] in ("performance-l4", "performance-http") and kind in NOT_WITH_FAST:
            problems.add(
                "profiles", path, "is a %s profile, which a %s virtual server cannot have" % (kind, after["type"])
            )
        if after["type"] == "standard" and kind in FAST_KINDS:
            problems.add(
                "profiles",
                path,
                "is a %s profile, which needs type=%s"
                % (kind, "performance-l4" if kind == "fastl4" else "performance-http"),
            )
    if after["client_ssl_profile"] and after["type"] != "standard":
        problems.add("client_ssl_profile", after["client_ssl_profile"], "needs type=standard")
    problems.raise_if_any()


def destination_string(after):
    return "/%s/%s" % (after["partition"], join_address_port(after["destination"], after["port"]))


def snat_body(snat):
    if snat in ("automap", "none"):
        return {"type": snat}
    return {"type": "snat", "pool": snat}


def plan(desired, current, kinds):
    path = object_url("ltm/virtual", desired["partition"], desired["name"])
    label = "virtual server " + desired["full_path"]
    if desired["state"] == "absent":
        return None, ([Write("DELETE", path, label=label)] if current else [])
    after = after_state(desired, current)
    if current is None:
        body = {
            "name": desired["name"],
            "partition": desired["partition"],
            "destination": destination_string(after),
            "ipProtocol": "tcp",
            "profiles": profile_list(after, kinds),
            "sourceAddressTranslation": snat_body(after["snat"]),
        }
        if after["pool"]:
            body["pool"] = after["pool"]
        if not after["enabled"]:
            body["disabled"] = True
        if after["vlans"]:
            body.update(vlansEnabled=True, vlans=after["vlans"])
        if after["irules"]:
            body["rules"] = after["irules"]
        if after["description"]:
            body["description"] = after["description"]
        return after, [Write("POST", "/mgmt/tm/ltm/virtual", body, label=label)]
    body = {}
    if (after["destination"], after["port"]) != (current["destination"], current["port"]):
        body["destination"] = destination_string(after)
    if (after["type"], after["profiles"], after["client_ssl_profile"]) != (
        current["type"],
        current["profiles"],
        current["client_ssl_profile"],
    ):
        body["profiles"] = profile_list(after, kinds)
    if after["pool"] != current["pool"]:
        body["pool"] = after["pool"] or ""
    if after["snat"] != current["snat"]:
        body["sourceAddressTranslation"] = snat_body(after["snat"])
    if after["enabled"] != current["enabled"]:
        body["enabled" if after["enabled"] else "disabled"] = True
    if after["vlans"] != current["vlans"]:
        body.update(
            {"vlansEnabled": True, "vlans": after["vlans"]} if after["vlans"] else {"vlansDisabled": True, "vlans": []}
        )
    if after["irules"] != current["irules"]:
        body["rules"] = after["irules"]
    if after["description"] != current["description"]:
        body["description"] = after["description"] or ""
    return after, ([Write("PATCH", path, body, label=label)] if body else [])


def resolve_references(client, desired, current, kinds, check_mode):
    """Check that the objects the change would newly reference exist; reads only what is new.

    In check mode a missing reference is a warning (an earlier task of the same play may create it).
    """
    problems = []
    after = after_state(desired, current)
    new_profiles = [p for p in after["profiles"] if p not in kinds and p not in BUILTIN_KINDS]
    for path in after["profiles"]:
        if path in BUILTIN_KINDS:
            kinds.setdefault(path, BUILTIN_KINDS[path])
    ssl = after["client_ssl_profile"]
    if ssl and ssl not in kinds:
        if ssl in BUILTIN_KINDS or exists(client, "ltm/profile/client-ssl", ssl):
            kinds[ssl] = "client-ssl"
        else:
            problems.append(
                "client_ssl_profile=%r: the client-ssl profile %s does not exist on the device."
                % (desired["client_ssl_profile"], ssl)
            )
            kinds[ssl] = "client-ssl"
    if new_profiles:
        found, missing = find_by_kind(client, "ltm/profile", LOOKUP_KINDS, new_profiles)
        kinds.update(found)
        for path in missing:
            problems.append(
                "profiles: the profile %s does not exist on the device (looked in the %s profile types)."
                % (path, ", ".join(LOOKUP_KINDS))
            )
    if after["pool"] and (current is None or current["pool"] != after["pool"]):
        if not exists(client, "ltm/pool", after["pool"]):
            problems.append(
                "pool=%r: the pool %s does not exist on the device; create it first (kube_edge.lb.f5_pool)."
                % (desired["pool"], after["pool"])
            )
    return outcome(problems, check_mode)


def run(client, params, check_mode=False):
    desired = desired_virtual(params)
    data = client.get(
        object_url("ltm/virtual", desired["partition"], desired["name"]),
        params={"expandSubcollections": "true"},
        missing_ok=True,
    )
    current, kinds = normalise_virtual(data)
    warnings = []
    if desired["state"] == "present":
        if current is None and (desired["destination"] is None or desired["port"] is None):
            raise ValidationError(
                ["destination and port are required to create the virtual server %s." % desired["full_path"]]
            )
        after = after_state(desired, current)
        if after != current:
            warnings = resolve_references(client, desired, current, kinds, check_mode)
            check_combination(after, kinds)
    after, writes = plan(desired, current, kinds)
    if writes and not check_mode:
        client.apply(writes)
    return converge_result("virtual", "virtual " + desired["full_path"], current, after, writes, warnings)
