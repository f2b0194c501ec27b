# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""f5_client_ssl logic: checksum idempotency, mismatch refusal, transactions, no key material out."""

from __future__ import annotations

import json

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import ssl
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import make_pair, ssl_params


class NoDevice:
    """A client that must not be used: proves a refusal happens before any request."""

    def __getattr__(self, name):
        raise AssertionError("the device was contacted (%s)" % name)


def converge(emulator, params, check_mode=False):
    with emulator.client() as client:
        result = ssl.run(client, params, check_mode)
    result["requests"] = client.request_count
    return result


def test_mismatched_key_refused_before_any_request(tmp_path):
    cert, _key, _pem = make_pair(tmp_path, prefix="a")
    _cert, other_key, _pem = make_pair(tmp_path, prefix="b")
    with pytest.raises(ValidationError, match="does not belong to certificate="):
        ssl.run(NoDevice(), ssl_params(cert, other_key))


def test_unreadable_and_garbage_files(tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ValidationError) as excinfo:
        ssl.run(NoDevice(), ssl_params(str(garbage), str(tmp_path / "missing.key")))
    assert len(excinfo.value.problems) == 2


def test_upload_install_noop_rotate_remove(emulator, tmp_path):
    cert, key, key_pem = make_pair(tmp_path)
    params = ssl_params(cert, key)
    predicted = converge(emulator, params, check_mode=True)
    assert predicted["changed"] and not emulator.writes()
    created = converge(emulator, params)
    assert created["writes"] == ["POST /mgmt/tm/sys/file/ssl-cert", "POST /mgmt/tm/sys/file/ssl-key",
                                 "POST /mgmt/tm/ltm/profile/client-ssl"]
    assert any(e["path"].startswith("/mgmt/tm/transaction") for e in emulator.writes())
    assert not emulator.device.uploads  # the uploaded copies were removed
    noop = converge(emulator, params)
    assert not noop["changed"] and noop["requests"] == 4
    status, profile = emulator.get("/mgmt/tm/ltm/profile/client-ssl/~Common~star")
    assert profile["certKeyChain"][0]["cert"] == "/Common/star.crt" and profile["certKeyChain"][0]["key"] == "/Common/star.key"
    make_pair(tmp_path, common_name="rotated.example.com")  # same paths, new pair
    rotated = converge(emulator, params)
    assert rotated["writes"] == ["PATCH /mgmt/tm/sys/file/ssl-cert/~Common~star.crt", "PATCH /mgmt/tm/sys/file/ssl-key/~Common~star.key"]
    after = rotated["diff"]["after"]["client-ssl profile /Common/star"]
    assert after["key"] == {"name": "/Common/star.key", "replaced": True}
    assert not converge(emulator, params)["changed"]
    everything = json.dumps([predicted, created, noop, rotated]) + json.dumps(emulator.requests())
    assert "PRIVATE KEY" not in everything and key_pem.decode().splitlines()[1] not in everything
    removed = converge(emulator, ssl_params(cert, key, state="absent"))
    assert len(removed["writes"]) == 3 and emulator.get("/mgmt/tm/sys/file/ssl-key/~Common~star.key")[0] == 404


def test_failed_commit_leaves_device_unchanged(emulator, tmp_path):
    cert, key, _pem = make_pair(tmp_path)
    converge(emulator, ssl_params(cert, key))
    before = emulator.state()
    make_pair(tmp_path, common_name="rotated.example.com")
    emulator.faults(fail_write=6)  # 2 uploads, transaction, 2 queued writes, then the commit fails
    with pytest.raises(Exception, match="injected fault"):
        converge(emulator, ssl_params(cert, key))
    assert emulator.state() == before


def test_chain_is_uploaded_and_referenced(emulator, tmp_path):
    cert, key, _pem = make_pair(tmp_path)
    chain, _k, _p = make_pair(tmp_path, common_name="Intermediate", prefix="chain")
    result = converge(emulator, ssl_params(cert, key, chain=chain))
    assert result["profile"]["chain"] == "/Common/star-chain.crt"
    assert not converge(emulator, ssl_params(cert, key, chain=chain))["changed"]
