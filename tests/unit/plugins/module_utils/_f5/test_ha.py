# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Save, config-sync and the HA pair (_f5/ha.py) against two in-process BIG-IP emulators forming a pair."""

from __future__ import annotations

import json
import socket

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import ha
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import F5Client
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import execute
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import load_emulator

EMULATOR = load_emulator()
GROUP = "kube_edge_failover"


class Unit:
    """One emulator of a pair, in this process."""

    def __init__(self, port, **ha_config):
        self.server = EMULATOR.start_in_thread(port=port, ha=ha_config)
        self.port = self.server.server_address[1]
        self.device = self.server.device
        self.address = "127.0.0.1:%d" % self.port

    def log(self):
        with self.server.lock:
            return json.loads(json.dumps(self.device.log))

    def writes(self):
        return [(e["method"], e["path"]) for e in self.log() if e["method"] != "GET" and "/shared/" not in e["path"]]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def pair_servers():
    port_a, port_b = free_port(), free_port()
    a = Unit(port_a, device_name="bigip-a", peer_name="bigip-b", peer_port=port_b, device_group=GROUP)
    b = Unit(port_b, device_name="bigip-b", peer_name="bigip-a", peer_port=port_a, device_group=GROUP,
             failover_state="standby")
    lone = Unit(0, device_name="bigip-lone", failover_state="standby")
    yield a, b, lone
    for unit in (a, b, lone):
        unit.stop()


@pytest.fixture()
def pair(pair_servers):
    for unit in pair_servers:
        with unit.server.lock:
            unit.device.ha_config["auto_sync"] = False
            unit.device.reset()
    return pair_servers


def provider(unit):
    return {"server": "127.0.0.1", "server_port": unit.port, "user": "admin", "password": "admin",
            "validate_certs": False}


def params(unit, **extra):
    result = dict(step="commit", units=[], device_group=None, save=True, sync=True, sync_timeout=5,
                  provider=provider(unit))
    result.update(extra)
    return result


def make_change(unit):
    """A pool created on ``unit`` the way any F5 module would (the change to save and sync)."""
    with F5Client("127.0.0.1", "admin", "admin", server_port=unit.port, validate_certs=False, backoff=0) as client:
        client.request("POST", "/mgmt/tm/ltm/pool", body={"name": "web_80", "partition": "Common"})


def test_preflight_finds_the_active_unit_from_either_unit(pair):
    a, b, _lone = pair
    result = execute(ha, params(b, step="preflight", units=[b.address, a.address]))
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["active_unit"] == {"server": "127.0.0.1", "server_port": a.port}
    assert result["active_device"] == "bigip-a"
    assert result["device_group"] == GROUP and result["auto_sync"] is False
    assert result["sync_status"] == "In Sync"
    assert [u["failover_state"] for u in result["units"]] == ["standby", "active"]
    assert a.writes() == [] and b.writes() == []
    # b: login, device, logout; a: login, device, device-group, devices, sync-status, logout
    assert result["requests"] == 9


@pytest.mark.parametrize("fault, status", [
    ({"changes_pending": True}, "Changes Pending"),
    ({"awaiting_initial_sync": True}, "Awaiting Initial Sync"),
    ({"disconnected": True}, "Disconnected"),
])
def test_preflight_refuses_a_group_out_of_sync_before_anything_is_written(pair, fault, status):
    a, b, _lone = pair
    b.device.faults.update(fault)  # the peer has a change of its own, or the link is down
    result = execute(ha, params(a, step="preflight", units=[a.address, b.address]))
    assert result["failed"]
    assert "device group %s is %r before the run" % (GROUP, status) in result["msg"]
    assert "nothing was written" in result["msg"]
    assert a.writes() == [] and b.writes() == []


def test_preflight_refuses_an_unreachable_unit(pair):
    a, _b, _lone = pair
    gone = "127.0.0.1:%d" % free_port()
    result = execute(ha, params(a, step="preflight", units=[a.address, gone]))
    assert result["failed"]
    assert result["msg"].startswith("units[1]=%r does not answer" % gone)
    assert "nothing is written while a unit of the pair is unreachable" in result["msg"]


def test_preflight_refuses_a_unit_that_is_not_in_the_group(pair):
    a, _b, lone = pair
    result = execute(ha, params(a, step="preflight", units=[a.address, lone.address], device_group=GROUP))
    assert result["failed"]
    assert result["msg"] == ("device bigip-lone is not in device group %s (its devices: bigip-a, bigip-b): "
                             "name the pair's units in units." % GROUP)


def test_preflight_refuses_an_unknown_group_and_two_actives(pair):
    a, b, _lone = pair
    result = execute(ha, params(a, step="preflight", units=[a.address], device_group="nope"))
    assert result["failed"] and result["msg"].startswith("device_group='nope' is not a sync-failover device group")
    b.device.failover_state = "active"
    result = execute(ha, params(a, step="preflight", units=[a.address, b.address]))
    assert result["failed"] and result["msg"].startswith("more than one of the units is active")


def test_bad_input_is_one_sentence_before_any_request(pair):
    a, _b, _lone = pair
    result = execute(ha, params(a, step="preflight", units=["bad host", "127.0.0.1:99999"], sync_timeout=0,
                                device_group="a/b"))
    assert result["failed"]
    assert "units[0]='bad host' must be a management address" in result["msg"]
    assert "units[1]='127.0.0.1:99999'" in result["msg"]
    assert "sync_timeout=0" in result["msg"] and "device_group='a/b'" in result["msg"]
    assert a.writes() == []


def test_commit_saves_once_syncs_once_and_the_peer_has_the_change(pair):
    a, b, _lone = pair
    make_change(a)
    result = execute(ha, params(a, device_group=GROUP))
    assert not result.get("failed"), result
    assert result["changed"] and result["saved"] and result["synced"] is True
    assert result["sync_status"] == "In Sync"
    assert a.writes()[-2:] == [("POST", "/mgmt/tm/sys/config"), ("POST", "/mgmt/tm/cm")]
    sync = [e for e in a.log() if e["path"] == "/mgmt/tm/cm"][0]
    assert sync["body"] == {"command": "run", "utilCmdArgs": "config-sync to-group %s" % GROUP}
    assert "/Common/web_80" in b.device.store["ltm/pool"]


def test_commit_in_check_mode_sends_nothing(pair):
    a, b, _lone = pair
    make_change(a)
    before = a.writes()
    result = execute(ha, params(a), check_mode=True)
    assert result["changed"] and result["sync_status"] is None
    assert a.writes() == before and b.writes() == []
    assert "/Common/web_80" not in b.device.store["ltm/pool"]


def test_commit_with_auto_sync_sends_no_sync_command(pair):
    a, b, _lone = pair
    a.device.ha_config["auto_sync"] = True
    make_change(a)  # copied at once by the group
    result = execute(ha, params(a))
    assert not result.get("failed"), result
    assert result["synced"] == "auto"
    assert ("POST", "/mgmt/tm/cm") not in a.writes()
    assert "/Common/web_80" in b.device.store["ltm/pool"]


def test_a_failed_sync_says_what_was_saved(pair):
    a, _b, _lone = pair
    make_change(a)
    a.device.faults["sync_fail"] = True
    result = execute(ha, params(a))
    assert result["failed"]
    assert result["msg"].startswith("device group %s is 'Sync Failed'" % GROUP)
    assert "the change is saved on bigip-a but not on its peer" in result["msg"]


def test_a_failover_during_the_run_is_a_warning_and_the_change_still_syncs(pair):
    a, b, _lone = pair
    make_change(a)
    a.device.faults["failover_after"] = 1  # a goes standby just before the commit's first request
    result = execute(ha, params(a))
    assert not result.get("failed"), result
    assert any("is standby now" in warning for warning in result["warnings"])
    assert b.device.failover_state == "active"
    assert "/Common/web_80" in b.device.store["ltm/pool"]


def test_a_standalone_device_is_only_saved(pair):
    _a, _b, lone = pair
    result = execute(ha, params(lone))
    assert not result.get("failed"), result
    assert result["device_group"] is None and result["synced"] is False
    assert lone.writes() == [("POST", "/mgmt/tm/sys/config")]
