# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Saving the configuration and keeping an HA pair in sync (/mgmt/tm/sys/config, /mgmt/tm/cm).

Two steps around a run's writes:

* ``preflight`` (read only, before anything is written): asks every unit of the pair which device
  it is and its failover state, finds the sync-failover device group that holds them, and refuses
  when a unit does not answer, is not in the group, no unit (or more than one) is active, or the
  group is not "In Sync" (a change pending on a peer would be overwritten, or would overwrite ours).
  Returns the active unit: the only one the run writes to.
* ``commit`` (after a change): ``save sys config`` on the unit written to, then ``config-sync
  to-group`` (unless the group syncs automatically) and a bounded wait for "In Sync".

Private to the collection; never imports Ansible.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import (
    DeviceError,
    KubeEdgeError,
    Problems,
    ValidationError,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import client as client_lib

RESULT = "config_sync"
DEVICE_WIDE = True  # acts on the whole device: no name, partition or state options (_f5/module.py)
# The module's options besides the provider (see plugins/modules/f5_config_sync.py).
OPTIONS = dict(
    step=dict(type="str", default="commit", choices=["preflight", "commit"]),
    units=dict(type="list", elements="str", default=[]),
    device_group=dict(type="str"),
    save=dict(type="bool", default=True),
    sync=dict(type="bool", default=True),
    sync_timeout=dict(type="int", default=120),
)
GROUP_RE = re.compile(r"^(/Common/)?[A-Za-z0-9_.][A-Za-z0-9_.\-]{0,62}$")
HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,252}$")
UNIT_RE = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^\[\]:/\s]+))(?::(?P<port>\d{1,5}))?$")
IN_SYNC = "In Sync"
# Statuses a wait cannot end well from: say so at once rather than at the timeout.
SYNC_BROKEN = ("Sync Failed", "Disconnected", "Not All Devices Synced")
POLL_SECONDS = 1.0


def parse_unit(value, default_port):
    """'host', 'host:port' or '[v6]:port' -> (host, port); None when it is none of these."""
    match = UNIT_RE.match(str(value).strip())
    if not match:
        return None
    host = match.group("v6") or match.group("host")
    if match.group("host") and not HOST_RE.match(host):
        return None
    port = int(match.group("port") or default_port)
    if not 1 <= port <= 65535:
        return None
    return host, port


def unit_label(host, port):
    return "%s:%d" % ("[%s]" % host if ":" in host else host, port)


def client_port(client):
    return int(client.base.rsplit(":", 1)[1])


def validate(params, default_port):
    problems = Problems()
    units = []
    for index, value in enumerate(params.get("units") or []):
        unit = parse_unit(value, default_port)
        if unit is None:
            problems.add("units[%d]" % index, value, "must be a management address: host, host:port or [IPv6]:port")
        elif unit in units:
            problems.add("units[%d]" % index, value, "names the same unit twice")
        else:
            units.append(unit)
    group = params.get("device_group")
    if group is not None and not GROUP_RE.match(group):
        problems.add("device_group", group, "must be a device group name (letters, digits, _ . -; at most 63)")
    timeout = params.get("sync_timeout")
    if timeout is None:
        timeout = 120
    elif isinstance(timeout, bool) or not 1 <= timeout <= 3600:
        problems.add("sync_timeout", timeout, "must be a number of seconds between 1 and 3600")
    problems.raise_if_any()
    return units, (group.rsplit("/", 1)[-1] if group else None), timeout


def unit_client(client, host, port):
    """A session to another unit with the same credentials and TLS settings as ``client``."""
    verify = client.verify
    return client_lib.F5Client(
        server=host,
        server_port=port,
        user=client.user,
        password=client._password,
        validate_certs=verify is not False,
        ca_path=verify if isinstance(verify, str) else None,
        auth=client.auth,
        login_provider=client.login_provider,
        timeout=client.timeout,
        retries=client.retries,
        backoff=client.backoff,
        sleep=client._sleep,
    )


def self_device(client):
    """(name, failoverState) of the unit ``client`` talks to (the device with selfDevice true)."""
    data = client.get("/mgmt/tm/cm/device", params={"$select": "name,failoverState,selfDevice"})
    for item in data.get("items") or []:
        if str(item.get("selfDevice")).lower() == "true":
            return item.get("name"), item.get("failoverState")
    raise DeviceError("BIG-IP %s lists no device with selfDevice true under /mgmt/tm/cm/device." % client.base)


def group_url(name):
    return "/mgmt/tm/cm/device-group/~Common~%s" % quote(name, safe="")


def sync_failover_groups(client):
    """{name: autoSync enabled?} of the sync-failover device groups the unit knows."""
    data = client.get("/mgmt/tm/cm/device-group", params={"$select": "name,type,autoSync"})
    return dict(
        (item.get("name"), item.get("autoSync") == "enabled")
        for item in data.get("items") or []
        if item.get("type") == "sync-failover"
    )


def group_members(client, name):
    data = client.get(group_url(name) + "/devices", params={"$select": "name"})
    return [item.get("name") for item in data.get("items") or []]


def sync_status(client):
    """(status, summary) of /mgmt/tm/cm/sync-status: entries.<link>.nestedStats.entries.{status, summary}."""
    data = client.get("/mgmt/tm/cm/sync-status")
    for entry in (data.get("entries") or {}).values():
        stats = (entry.get("nestedStats") or {}).get("entries") or {}
        status = (stats.get("status") or {}).get("description")
        if status:
            return status, " ".join(str((stats.get("summary") or {}).get("description") or "").split())
    raise DeviceError("BIG-IP %s answered /mgmt/tm/cm/sync-status without a status." % client.base)


def find_group(client, wanted, device_names):
    """(group, autoSync) holding ``device_names``; (None, False) for a unit in no sync-failover group."""
    groups = sync_failover_groups(client)
    if wanted:
        if wanted not in groups:
            raise ValidationError(
                "device_group=%r is not a sync-failover device group on %s (it has: %s)."
                % (wanted, client.base, ", ".join(sorted(groups)) or "none")
            )
        candidates = [wanted]
    else:
        candidates = sorted(groups)
    holding = []
    for name in candidates:
        members = group_members(client, name)
        missing = [device for device in device_names if device not in members]
        if not missing:
            holding.append(name)
        elif wanted:
            raise ValidationError(
                "device %s is not in device group %s (its devices: %s): name the pair's units in units."
                % (", ".join(missing), wanted, ", ".join(members) or "none")
            )
    if len(holding) > 1:
        raise ValidationError(
            "devices %s are in several sync-failover device groups (%s): set device_group."
            % (", ".join(device_names), ", ".join(holding))
        )
    if not holding:
        return None, False
    return holding[0], groups[holding[0]]


def preflight(client, params):
    port = client_port(client)
    units, wanted, _timeout = validate(params, port)
    units = units or [(client.server, port)]
    sessions = {}  # (host, port) -> its session, kept open until the end (the active's is used again)
    try:
        found, problems = [], []
        for index, (host, unit_port) in enumerate(units):
            session = client if (host, unit_port) == (client.server, port) else unit_client(client, host, unit_port)
            sessions[(host, unit_port)] = session
            try:
                name, state = self_device(session)
                found.append({"server": host, "server_port": unit_port, "device": name, "failover_state": state})
            except KubeEdgeError as error:
                problems.append(
                    "units[%d]=%r does not answer (%s): nothing is written while a unit of the pair is unreachable."
                    % (index, unit_label(host, unit_port), str(error).rstrip("."))
                )
        if problems:
            raise ValidationError(problems)
        active = [unit for unit in found if unit["failover_state"] == "active"]
        if len(active) != 1:
            raise ValidationError(
                "%s of the units is active (%s): nothing is written until exactly one unit of the pair is active."
                % (
                    "none" if not active else "more than one",
                    ", ".join("%(device)s %(failover_state)s" % unit for unit in found),
                )
            )
        active = active[0]
        session = sessions[(active["server"], active["server_port"])]
        group, auto_sync = find_group(session, wanted, [unit["device"] for unit in found])
        if group is None and len(found) > 1:
            raise ValidationError(
                "units name %d units, but devices %s share no sync-failover device group."
                % (len(found), ", ".join(unit["device"] for unit in found))
            )
        status = None
        if group is not None:
            status, summary = sync_status(session)
            if status != IN_SYNC:
                raise ValidationError(
                    "device group %s is %r before the run (%s): sync or resolve it on the BIG-IP first; "
                    "nothing was written." % (group, status, summary or "no summary")
                )
    finally:
        for session in sessions.values():
            if session is not client:
                session.close()
                client.request_count += session.request_count
    return {
        "changed": False,
        "active_unit": {"server": active["server"], "server_port": active["server_port"]},
        "active_device": active["device"],
        "device_group": group,
        "auto_sync": auto_sync,
        "units": found,
        "sync_status": status,
    }


def commit(client, params, check_mode, sleep=time.sleep, clock=time.monotonic):
    _units, wanted, timeout = validate(params, client_port(client))
    name, state = self_device(client)
    warnings = []
    if state != "active":
        warnings.append(
            "device %s is %s now (a failover during the run): its changes are synced to the group from it."
            % (name, state)
        )
    group, auto_sync = (None, False)
    if params.get("sync", True):
        group, auto_sync = find_group(client, wanted, [name])
    result = {
        "changed": True,
        "device": name,
        "device_group": group,
        "saved": bool(params.get("save", True)),
        "synced": "auto" if group and auto_sync else bool(group),
        "sync_status": None,
    }
    if check_mode:
        result["warnings"] = warnings
        return result
    if params.get("save", True):
        client.request("POST", "/mgmt/tm/sys/config", body={"command": "save"}, action="save sys config")
    if group:
        if not auto_sync:
            args = "config-sync to-group %s" % group
            client.request("POST", "/mgmt/tm/cm", body={"command": "run", "utilCmdArgs": args}, action="run cm " + args)
        result["sync_status"] = wait_in_sync(client, group, name, timeout, sleep, clock)
    result["warnings"] = warnings
    return result


def wait_in_sync(client, group, device, timeout, sleep, clock):
    deadline = clock() + timeout
    while True:
        status, summary = sync_status(client)
        if status == IN_SYNC:
            return status
        if status in SYNC_BROKEN or clock() >= deadline:
            raise DeviceError(
                "device group %s is %r (%s)%s: the change is saved on %s but not on its peer; fix the sync on the "
                "BIG-IP and run again."
                % (
                    group,
                    status,
                    summary or "no summary",
                    "" if status in SYNC_BROKEN else " after %d seconds" % timeout,
                    device,
                )
            )
        sleep(POLL_SECONDS)


def run(client, params, check_mode=False):
    if params.get("step") == "preflight":
        return preflight(client, params)
    return commit(client, params, check_mode)
