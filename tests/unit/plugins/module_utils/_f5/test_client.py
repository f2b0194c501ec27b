# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared iControl REST client: auth, token lifecycle, retries, transactions, error sentences."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import (
    F5Client, Write, describe_path, error_sentence, object_url,
)


def paths(emulator):
    return ["%s %s" % (entry["method"], entry["path"]) for entry in emulator.requests()]


def test_token_login_once_and_released(emulator):
    with emulator.client() as client:
        client.get("/mgmt/tm/ltm/pool")
        client.get("/mgmt/tm/ltm/virtual")
        assert client.version == "16.1.3"
    log = paths(emulator)
    assert log[0] == "POST /mgmt/shared/authn/login"
    assert log[-1].startswith("DELETE /mgmt/shared/authz/tokens/")
    assert len(log) == 4
    assert not emulator.device.tokens


def test_basic_auth_needs_no_login(emulator):
    with emulator.client(auth="basic") as client:
        client.get("/mgmt/tm/ltm/pool")
    assert paths(emulator) == ["GET /mgmt/tm/ltm/pool"]


def test_expired_token_relogs_in_once(emulator):
    with emulator.client() as client:
        client.get("/mgmt/tm/ltm/pool")
        emulator.faults(expire_tokens=True)
        client.get("/mgmt/tm/ltm/pool")
    log = emulator.requests()
    assert [e["status"] for e in log if e["path"] == "/mgmt/tm/ltm/pool"] == [200, 401, 200]
    assert sum(1 for e in log if e["path"] == "/mgmt/shared/authn/login") == 2


def test_transient_errors_are_retried_with_backoff(emulator):
    sleeps = []
    emulator.faults(unavailable=2, mcpd_lost=1)
    with emulator.client(backoff=0.5, sleep=sleeps.append) as client:
        client.get("/mgmt/tm/ltm/pool")
    assert sleeps == [0.5, 1.0, 2.0]


def test_persistent_503_is_one_sentence(emulator):
    with emulator.client(retries=2, sleep=lambda s: None) as client:
        client.get("/mgmt/tm/ltm/pool")
        emulator.faults(unavailable=10)
        with pytest.raises(DeviceError) as excinfo:
            client.get("/mgmt/tm/ltm/pool/~Common~web")
    message = str(excinfo.value)
    assert message.startswith("BIG-IP refused GET pool /Common/web: Configuration Utility restarting")
    assert "<" not in message and "[HTTP 503]" in message


def test_bad_password_is_a_clear_sentence(emulator):
    client = F5Client("127.0.0.1", "admin", "wrong", server_port=emulator.port, validate_certs=False)
    with pytest.raises(DeviceError) as excinfo:
        with client:
            client.get("/mgmt/tm/ltm/pool")
    message = str(excinfo.value)
    assert message.startswith("BIG-IP refused the login to https://127.0.0.1:%d as user 'admin': Authentication failed" % emulator.port)
    assert "wrong" not in message


def test_self_signed_certificate_is_refused_when_validating(emulator):
    client = F5Client("127.0.0.1", "admin", "admin", server_port=emulator.port, validate_certs=True)
    with pytest.raises(DeviceError, match="validate_certs"):
        with client:
            client.get("/mgmt/tm/ltm/pool")


def test_transaction_failure_leaves_device_unchanged(emulator):
    before = emulator.state()
    writes = [Write("POST", "/mgmt/tm/ltm/pool", {"name": "a"}), Write("POST", "/mgmt/tm/ltm/pool", {"name": "b", "monitor": "nosuch"})]
    with pytest.raises(DeviceError) as excinfo:
        with emulator.client() as client:
            client.apply(writes)
    assert emulator.state() == before
    assert "The requested monitor (/Common/nosuch) was not found (mcpd 01020036: not found)" in str(excinfo.value)


def test_single_write_goes_without_transaction(emulator):
    with emulator.client() as client:
        client.apply([Write("POST", "/mgmt/tm/ltm/pool", {"name": "a"})])
    assert not any("/transaction" in path for path in paths(emulator))


def test_injected_fault_mid_transaction_discards_the_queue(emulator):
    before = emulator.state()
    emulator.faults(fail_write=3)  # transaction POST, first command, then the second command fails
    writes = [Write("POST", "/mgmt/tm/ltm/pool", {"name": "a"}), Write("POST", "/mgmt/tm/ltm/pool", {"name": "b"})]
    with pytest.raises(DeviceError, match="injected fault"):
        with emulator.client() as client:
            client.apply(writes)
    assert emulator.state() == before
    assert paths(emulator)[-2].startswith("DELETE /mgmt/tm/transaction/")


@pytest.mark.parametrize("status,message,expected", [
    (404, "01020036:3: The requested Pool (/Common/x) was not found.", "The requested Pool (/Common/x) was not found (mcpd 01020036: not found)"),
    (409, "01020066:3: The requested Pool (/Common/x) already exists in partition Common.", "mcpd 01020066: already exists"),
    (400, "0107003a:3: Pool member node (/Common/1.2.3.4) and existing node (/Common/n) cannot use the same IP Address.",
     "mcpd 0107003a: the node IP address is already used by another node"),
    (400, "01070734:3: Configuration error: Found disallowed profile", "mcpd 01070734: configuration conflict"),
    (400, "01070712:3: Values (/Common/p) specified for virtual server pool", "mcpd 01070712: it references an object that does not exist"),
    (400, "transaction failed:01070110:3: Node address '/Common/n' is referenced", "mcpd 01070110: the node is still used by a pool member"),
])
def test_error_sentences_name_object_and_meaning(status, message, expected):
    sentence = error_sentence("PATCH", "/mgmt/tm/ltm/pool/~Common~x", status, {"code": status, "message": message})
    assert sentence.startswith("BIG-IP refused PATCH pool /Common/x: ")
    assert expected in sentence
    assert sentence.endswith("[HTTP %d]." % status)


def test_paths_and_descriptions():
    assert object_url("ltm/virtual", "Common", "vs%2") == "/mgmt/tm/ltm/virtual/~Common~vs%252"
    assert describe_path("/mgmt/tm/ltm/pool/~Common~web/members/~Common~10.0.0.1:80") == "pool /Common/web member /Common/10.0.0.1:80"
    assert describe_path(object_url("ltm/profile/client-ssl", "Common", "star")) == "client-ssl profile /Common/star"
