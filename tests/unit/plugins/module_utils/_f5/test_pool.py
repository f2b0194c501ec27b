# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""f5_pool logic: pure model/diff tests plus converges against the emulator with request counts."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import pool
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import members, pool_params


def converge(emulator, check_mode=False, **params):
    with emulator.client() as client:
        result = pool.run(client, pool_params(**params), check_mode)
    result["requests"] = client.request_count
    return result


@pytest.mark.parametrize("value,expected", [
    ("/Common/http and /Common/https ", (["/Common/http", "/Common/https"], None)),
    ("/Common/tcp and /Common/http", (["/Common/http", "/Common/tcp"], None)),
    ("min 1 of { /Common/http /Common/inband }", (["/Common/http", "/Common/inband"], 1)),
    ("", ([], None)),
    (None, ([], None)),
])
def test_monitor_strings_compare_order_insensitively(value, expected):
    assert pool.parse_monitor(value) == expected


@pytest.mark.parametrize("state,session,expected", [
    ("up", "monitor-enabled", "enabled"), ("unchecked", "user-enabled", "enabled"), ("down", "user-disabled", "disabled"),
    ("user-down", "user-disabled", "forced_offline"), ("up", "user-disabled", "disabled"),
])
def test_member_state_read_back(state, session, expected):
    assert pool.member_state(state, session) == expected


def test_all_bad_input_reported_at_once():
    bad = members(3)
    bad[0]["address"] = "10.0.0.300"
    bad[1]["port"] = 0
    bad[2]["port"] = 70000
    with pytest.raises(ValidationError) as excinfo:
        pool.desired_pool(pool_params(members=bad, monitors=["http"], monitor_quorum=2, name="bad name"))
    text = str(excinfo.value)
    assert len(excinfo.value.problems) == 5
    for expected in ("name='bad name'", "members[0].address='10.0.0.300'", "members[1].port=0", "members[2].port=70000",
                     "monitor_quorum=2 must be between 1 and the number of monitors (1)"):
        assert expected in text


def test_duplicate_members_refused():
    with pytest.raises(ValidationError, match=r"members\[1\]='10.0.0.1:80' duplicates members\[0\]"):
        pool.desired_pool(pool_params(members=members(1) + members(1)))


def test_create_body_carries_state_session_pairs():
    wanted = members(3)
    wanted[1]["state"] = "disabled"
    wanted[2]["state"] = "forced_offline"
    after, writes = pool.plan(pool.desired_pool(pool_params(members=wanted)), None)
    assert [w.summary() for w in writes] == ["POST /mgmt/tm/ltm/pool"]
    pairs = [(m["state"], m["session"]) for m in writes[0].body["members"]]
    assert pairs == [("user-up", "user-enabled"), ("user-up", "user-disabled"), ("user-down", "user-disabled")]
    assert writes[0].body["monitor"] == "/Common/http"


def test_create_noop_change_delete(emulator):
    created = converge(emulator, members=members(10))
    assert created["changed"] and created["writes"] == ["POST /mgmt/tm/ltm/pool"]
    assert created["requests"] == 4  # login, GET, POST, logout
    noop = converge(emulator, members=members(10))
    assert not noop["changed"] and noop["requests"] == 3 and not noop["diff"]["before"]
    changed_members = members(10)
    changed_members[3]["state"] = "forced_offline"
    changed = converge(emulator, members=changed_members, monitors=["tcp", "http"], monitor_quorum=1)
    assert changed["writes"] == ["PATCH /mgmt/tm/ltm/pool/~Common~web_80"] and changed["requests"] == 4
    before = changed["diff"]["before"]["pool /Common/web_80"]
    after = changed["diff"]["after"]["pool /Common/web_80"]
    assert before["members"][3]["state"] == "enabled" and after["members"][3]["state"] == "forced_offline"
    status, body = emulator.get("/mgmt/tm/ltm/pool/~Common~web_80?expandSubcollections=true")
    assert body["monitor"] == "min 1 of { /Common/http /Common/tcp }"
    member = [m for m in body["membersReference"]["items"] if m["name"] == "10.0.0.4:80"][0]
    assert (member["state"], member["session"]) == ("user-down", "user-disabled")
    assert not converge(emulator, members=changed_members, monitors=["http", "tcp"], monitor_quorum=1)["changed"]
    gone = converge(emulator, state="absent")
    assert gone["changed"] and gone["pool"] is None
    assert not converge(emulator, state="absent")["changed"]


def test_check_mode_predicts_and_writes_nothing(emulator):
    before = emulator.state()
    predicted = converge(emulator, check_mode=True, members=members(5))
    assert predicted["changed"] and emulator.state() == before
    assert predicted["writes"] == ["POST /mgmt/tm/ltm/pool"]
    real = converge(emulator, members=members(5))
    assert real["pool"] == predicted["pool"]


def test_additive_mode_keeps_other_members(emulator):
    converge(emulator, members=members(3))
    extra = members(1, base="10.9")
    result = converge(emulator, members=extra, members_mode="additive")
    assert len(result["pool"]["members"]) == 4
    assert not converge(emulator, members=extra, members_mode="additive")["changed"]


def test_unknown_monitor_fails_before_any_write(emulator):
    result = None
    with pytest.raises(ValidationError, match=r"/Common/nosuch not found on the device"):
        result = converge(emulator, monitors=["nosuch"], members=members(2))
    assert result is None and not emulator.writes()


def test_unknown_monitor_is_a_warning_in_check_mode(emulator):
    # A first --check run of a play that creates the monitor in an earlier task.
    predicted = converge(emulator, check_mode=True, monitors=["healthz"], members=members(1))
    assert predicted["changed"] and "/Common/healthz not found on the device" in predicted["warnings"][0]
    assert not emulator.writes()


def test_custom_monitor_is_found(emulator):
    with emulator.client() as client:
        client.request("POST", "/mgmt/tm/ltm/monitor/https", body={"name": "healthz", "send": "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"})
    assert converge(emulator, monitors=["healthz"], members=members(1))["changed"]


def test_node_ip_conflict_is_readable(emulator):
    with emulator.client() as client:
        client.request("POST", "/mgmt/tm/ltm/node", body={"name": "worker1", "address": "10.0.0.1"})
    with pytest.raises(DeviceError) as excinfo:
        converge(emulator, members=members(1))
    assert "the creation of pool /Common/web_80" in str(excinfo.value)
    assert "mcpd 0107003a: the node IP address is already used by another node" in str(excinfo.value)
    named = members(1, name="worker1")
    assert converge(emulator, members=named)["changed"]
    assert not converge(emulator, members=named)["changed"]


def test_cross_partition_nodes(emulator):
    result = converge(emulator, partition="Tenant", node_partition="Common", members=members(2))
    assert result["writes"] == ["POST /mgmt/tm/ltm/pool"]
    assert emulator.get("/mgmt/tm/ltm/node/~Common~10.0.0.1")[0] == 200
    assert not converge(emulator, partition="Tenant", node_partition="Common", members=members(2))["changed"]


def test_request_count_independent_of_member_count(emulator):
    assert converge(emulator, members=members(500))["requests"] == 4
    assert converge(emulator, members=members(500))["requests"] == 3
    bigger = members(500)
    bigger[250]["ratio"] = 5
    assert converge(emulator, members=bigger)["requests"] == 4
