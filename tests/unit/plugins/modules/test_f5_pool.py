# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.f5_pool: argspec, check/diff mode and failures through AnsibleModule."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.modules import f5_pool
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module


def args(emulator, **extra):
    base = {"provider": emulator.provider(), "name": "web_80", "monitors": ["http"],
            "members": [{"address": "10.1.0.%d" % i, "port": 80} for i in range(1, 4)]}
    base.update(extra)
    return base


def test_check_diff_converge_idempotent(emulator, capsys):
    emulator.reset()
    check = run_module(f5_pool.main, capsys, args(emulator), check_mode=True, diff=True)
    assert check["changed"] and "diff" in check and not emulator.writes()
    real = run_module(f5_pool.main, capsys, args(emulator), diff=True)
    assert real["changed"] and real["pool"] == check["pool"] and real["requests"] == 4
    again = run_module(f5_pool.main, capsys, args(emulator))
    assert not again["changed"] and again["requests"] == 3
    assert "admin" not in again["raw_output"].replace('"user": "admin"', "")  # the password never shows


def test_bad_input_fails_before_any_request(emulator, capsys):
    emulator.reset()
    result = run_module(f5_pool.main, capsys, args(emulator, members=[{"address": "10.1.0.999", "port": 70000}]))
    assert result["failed"] and result["requests"] == 0
    assert result["msg"] == ("2 problems found: (1) members[0].address='10.1.0.999' is not an IPv4 or IPv6 address "
                             "(optionally with %<route domain>). (2) members[0].port=70000 must be a port number between 1 and 65535.")
    assert not emulator.requests()


def test_env_fallbacks(emulator, capsys, monkeypatch):
    emulator.reset()
    for key, value in (("F5_SERVER", "127.0.0.1"), ("F5_SERVER_PORT", str(emulator.port)), ("F5_USER", "admin"),
                       ("F5_PASSWORD", "admin"), ("F5_VALIDATE_CERTS", "false")):
        monkeypatch.setenv(key, value)
    result = run_module(f5_pool.main, capsys, {"name": "env_pool", "monitors": ["http"]})
    assert result["changed"], result


def test_unreachable_device_is_one_sentence(capsys):
    provider = {"server": "127.0.0.1", "server_port": 1, "password": "x", "validate_certs": False}
    result = run_module(f5_pool.main, capsys, {"name": "p", "provider": provider})
    assert result["failed"] and result["msg"].startswith("cannot reach BIG-IP https://127.0.0.1:1")
