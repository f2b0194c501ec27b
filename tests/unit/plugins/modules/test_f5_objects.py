# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.f5_monitor_http, f5_http_profile, f5_server_ssl through AnsibleModule: check, diff, idempotence, failures."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import server_ssl
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import execute
from ansible_collections.kube_edge.lb.plugins.modules import f5_http_profile, f5_monitor_http, f5_server_ssl
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module

CASES = [
    (f5_monitor_http, {"name": "healthz_80", "send": "GET /healthz HTTP/1.0\r\n\r\n", "receive": "200", "port": 80}, "monitor"),
    (f5_http_profile, {"name": "http_xff", "insert_x_forwarded_for": True}, "profile"),
    (f5_server_ssl, {"name": "nodes", "ca_file": "ca-bundle.crt", "server_name": "app.example.com"}, "profile"),
]


@pytest.mark.parametrize("module,params,key", CASES, ids=[case[0].__name__.rsplit(".", 1)[-1] for case in CASES])
def test_check_diff_converge_idempotent(emulator, capsys, module, params, key):
    args = dict(params, provider=emulator.provider())
    check = run_module(module.main, capsys, args, check_mode=True, diff=True)
    assert check["changed"] and check["diff"]["after"] and not emulator.writes()
    real = run_module(module.main, capsys, args, diff=True)
    references = 1 if module is f5_server_ssl else 0  # the CA file the profile newly names is checked
    assert real["changed"] and real[key] == check[key] and real["requests"] == 4 + references
    again = run_module(module.main, capsys, args)
    assert not again["changed"] and again["requests"] == 3 and "diff" not in again
    gone = run_module(module.main, capsys, dict(args, state="absent"))
    assert gone["changed"] and gone[key] is None


def test_bad_input_is_one_message_before_any_request(emulator, capsys):
    result = run_module(f5_monitor_http.main, capsys, {"provider": emulator.provider(), "name": "m", "port": 70000,
                                                       "send": "GET / HTTP/1.1\\r\\n\\r\\n"})
    assert result["failed"] and result["requests"] == 0 and result["msg"].startswith("2 problems found: (1) send=")
    assert not emulator.requests()


def test_not_verified_is_a_warning(emulator):
    # execute() is what main() and the action plugin hand to Ansible (exit_module turns these into module.warn).
    result = execute(server_ssl, {"provider": emulator.provider(), "name": "plain", "verify": False, "partition": "Common",
                                  "state": "present", "parent": "serverssl"})
    assert result["changed"] and "does not check the nodes' certificates" in result["warnings"][0]
