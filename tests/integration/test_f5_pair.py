# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The f5_ltm role on an HA pair of BIG-IP emulators (two processes, free 127.0.0.1 ports).

A pair out of sync before the run (a change pending on the standby), a standby that does not
answer, and a unit that is not in the group are refused before anything is written; a check-mode
run saves nothing; a failover between runs moves the writes to the new active unit; a write that fails
half-way still leaves the units alike (what was written is saved and synced).
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _load_harness():
    spec = importlib.util.spec_from_file_location("bigip_harness", os.path.join(ROOT, "tests", "emulators", "bigip_harness.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _load_harness()
PLAY = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: kube_edge.lb.f5_ltm
      vars:
        f5_ltm_units: %s
        f5_ltm_device_group: %s
        f5_ltm_clusters: [{name: npd, vip: 192.0.2.10, mode: tcp, nodes: [{name: node01, address: 10.10.0.1}]}]
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    units = harness.start_pair(str(tmp_path_factory.mktemp("pair")))
    yield units
    for unit in units:
        unit.stop()


@pytest.fixture()
def fresh(pair):
    for unit in pair:
        unit.reset()
    return pair


def writes(unit, since=0):
    return [(e["method"], e["path"]) for e in unit.log()[since:]
            if e["method"] != "GET" and not e["path"].startswith("/mgmt/shared/auth")]


def play(tmp_path, units, group="kube_edge_failover"):
    path = tmp_path / "pair.yml"
    path.write_text(PLAY % (json.dumps(units), group))
    return path


def test_refusals_before_any_write(fresh, tmp_path):
    active, standby = fresh
    standby.faults(changes_pending=True)  # someone changed the standby by hand
    result = harness.run_playbook(standby.port, play(tmp_path, [active.address, standby.address]))
    assert result.returncode != 0
    assert "device group kube_edge_failover is 'Changes Pending' before the run" in result.stdout
    assert writes(active) == [] and writes(standby) == []

    standby.reset()
    gone = "127.0.0.1:%d" % harness.free_port()
    result = harness.run_playbook(active.port, play(tmp_path, [active.address, gone]))
    assert result.returncode != 0 and "units[1]=%r does not answer" % gone in result.stdout
    assert writes(active) == []


def test_check_mode_then_converge_then_failover(fresh, tmp_path):
    active, standby = fresh
    path = play(tmp_path, [active.address, standby.address])
    result = harness.run_playbook(standby.port, path, "--check")
    assert result.returncode == 0, result.stdout[-3000:]
    assert writes(active) == [] and writes(standby) == []

    result = harness.run_playbook(standby.port, path)
    assert result.returncode == 0, result.stdout[-3000:]
    saved = writes(active)
    assert saved.count(("POST", "/mgmt/tm/sys/config")) == 1 and saved.count(("POST", "/mgmt/tm/cm")) == 1
    assert writes(standby) == []
    assert "/Common/npd_80" in [item["fullPath"] for item in standby.get("/mgmt/tm/ltm/pool")["items"]]

    # The pair fails over between runs: the next change goes to bigip-b, saved and synced from there.
    active.faults(failover_after=1)
    active.get("/mgmt/tm/sys/provision")
    marks = len(active.log()), len(standby.log())
    path.write_text(path.read_text().replace("10.10.0.1}", "10.10.0.1}, {name: node02, address: 10.10.0.2}"))
    result = harness.run_playbook(active.port, path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert writes(active, marks[0]) == []
    moved = writes(standby, marks[1])
    assert ("POST", "/mgmt/tm/sys/config") in moved and ("POST", "/mgmt/tm/cm") in moved
    members = active.get("/mgmt/tm/ltm/pool/~Common~npd_80/members")["items"]
    assert sorted(member["address"] for member in members) == ["10.10.0.1", "10.10.0.2"]


def test_a_write_failing_half_way_still_saves_and_syncs_what_was_written(fresh, tmp_path):
    active, standby = fresh
    path = play(tmp_path, [active.address, standby.address])
    active.faults(fail_write=3, fail_status=400, fail_message="01070734:3: Configuration error: injected")
    result = harness.run_playbook(standby.port, path)
    assert result.returncode != 0 and "injected" in result.stdout
    saved = writes(active)
    assert saved.count(("POST", "/mgmt/tm/sys/config")) == 1 and saved.count(("POST", "/mgmt/tm/cm")) == 1
    # The monitor and the port-80 pool were written before the third write failed; the standby has them.
    assert saved[:3] == [("POST", "/mgmt/tm/ltm/monitor/http"), ("POST", "/mgmt/tm/ltm/pool"), ("POST", "/mgmt/tm/ltm/pool")]
    assert [item["fullPath"] for item in standby.get("/mgmt/tm/ltm/pool")["items"]] == ["/Common/npd_80"]

    # The cause is gone: the next run finds the group In Sync, completes, and saves and syncs once more.
    marks = len(active.log())
    result = harness.run_playbook(standby.port, path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert writes(active, marks).count(("POST", "/mgmt/tm/cm")) == 1
    assert "/Common/npd_80" in [item["fullPath"] for item in standby.get("/mgmt/tm/ltm/pool")["items"]]
