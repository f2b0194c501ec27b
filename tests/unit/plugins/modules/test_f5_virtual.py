# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.f5_virtual through AnsibleModule: check mode, diff, idempotency, missing pool."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.modules import f5_pool, f5_virtual
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module


def test_virtual_lifecycle(emulator, capsys):
    emulator.reset()
    vs = {"provider": emulator.provider(), "name": "web_vs_80", "destination": "192.0.2.20", "port": 80,
          "type": "performance-http", "pool": "web_80", "snat": "automap"}
    missing = run_module(f5_virtual.main, capsys, vs)
    assert missing["failed"] and "the pool /Common/web_80 does not exist" in missing["msg"] and not emulator.writes()
    run_module(f5_pool.main, capsys, {"provider": emulator.provider(), "name": "web_80", "monitors": ["http"]})
    check = run_module(f5_virtual.main, capsys, vs, check_mode=True, diff=True)
    assert check["changed"] and check["diff"]["after"]["virtual /Common/web_vs_80"]["type"] == "performance-http"
    created = run_module(f5_virtual.main, capsys, vs, diff=True)
    assert created["changed"] and created["virtual"] == check["virtual"]
    again = run_module(f5_virtual.main, capsys, vs)
    assert not again["changed"] and again["requests"] == 3


def test_absent_needs_no_destination(emulator, capsys):
    emulator.reset()
    result = run_module(f5_virtual.main, capsys, {"provider": emulator.provider(), "name": "nothing", "state": "absent"})
    assert not result["changed"] and result["virtual"] is None
