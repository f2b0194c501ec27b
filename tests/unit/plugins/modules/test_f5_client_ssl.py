# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.f5_client_ssl through AnsibleModule: no key material in any output."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain
from ansible_collections.kube_edge.lb.plugins.modules import f5_client_ssl
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import Pki, key_pem, new_key, pem
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module


@pytest.fixture(scope="module")
def pki():
    return Pki("F5 module")


@pytest.fixture(autouse=True)
def trusted_root(pki, monkeypatch):
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])


def pair(pki, key=None):
    cert, key = pki.leaf(sans=("*.example.com",), key=key)
    return pem(cert, pki.intermediate), key_pem(key)


def test_client_ssl_lifecycle_without_secrets(emulator, capsys, pki):
    emulator.reset()
    cert, key = pair(pki)
    params = {"provider": emulator.provider(), "name": "star", "certificate": cert, "private_key": key}
    outputs = []
    for check_mode in (True, False, False):
        result = run_module(f5_client_ssl.main, capsys, params, check_mode=check_mode, diff=True)
        outputs.append(result["raw_output"])
        assert not result.get("failed"), result
    assert [o.count('"changed": true') for o in outputs] == [1, 1, 0]
    secret_line = key.splitlines()[1]
    assert not any(secret_line in output or "PRIVATE KEY" in output for output in outputs)


def test_mismatch_refused_before_any_request(emulator, capsys, pki):
    emulator.reset()
    cert, dummy = pair(pki)
    params = {"provider": emulator.provider(), "name": "star", "certificate": cert,
              "private_key": key_pem(new_key(cache=False))}
    result = run_module(f5_client_ssl.main, capsys, params)
    assert result["failed"] and "private_key does not match certificate" in result["msg"]
    assert not emulator.requests()


def test_present_requires_the_pair(emulator, capsys):
    result = run_module(f5_client_ssl.main, capsys, {"provider": emulator.provider(), "name": "star"})
    assert result["failed"] and result["msg"] == ("2 problems found: (1) state=present needs certificate (or "
                                                  "certificate_path). (2) state=present needs private_key (or "
                                                  "private_key_path).")
