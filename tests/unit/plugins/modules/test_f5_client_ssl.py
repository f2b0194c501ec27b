# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.f5_client_ssl through AnsibleModule: no key material in any output."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.modules import f5_client_ssl
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import make_pair
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module


def test_client_ssl_lifecycle_without_secrets(emulator, capsys, tmp_path):
    emulator.reset()
    cert, key, key_pem = make_pair(tmp_path)
    params = {"provider": emulator.provider(), "name": "star", "certificate": cert, "private_key": key}
    outputs = []
    for check_mode in (True, False, False):
        result = run_module(f5_client_ssl.main, capsys, params, check_mode=check_mode, diff=True)
        outputs.append(result["raw_output"])
        assert not result.get("failed"), result
    assert [o.count('"changed": true') for o in outputs] == [1, 1, 0]
    secret_line = key_pem.decode().splitlines()[1]
    assert not any(secret_line in output or "PRIVATE KEY" in output for output in outputs)


def test_mismatch_refused_before_any_request(emulator, capsys, tmp_path):
    emulator.reset()
    cert, _key, _pem = make_pair(tmp_path, prefix="a")
    _cert, key, _pem = make_pair(tmp_path, prefix="b")
    params = {"provider": emulator.provider(), "name": "star", "certificate": cert, "private_key": key}
    result = run_module(f5_client_ssl.main, capsys, params)
    assert result["failed"] and "does not belong to certificate=" in result["msg"]
    assert not emulator.requests()


def test_present_requires_files(emulator, capsys):
    result = run_module(f5_client_ssl.main, capsys, {"provider": emulator.provider(), "name": "star"})
    assert result["failed"] and "certificate" in result["msg"]
