# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""f5_server_ssl logic: verification against a CA, the opt-out warned, the CA bundle installed once."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import server_ssl
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import make_pair, server_ssl_params


def converge(emulator, check_mode=False, **params):
    with emulator.client() as client:
        result = server_ssl.run(client, server_ssl_params(**params), check_mode)
    result["requests"] = client.request_count
    return result


def test_verified_against_the_device_bundle(emulator):
    created = converge(emulator, ca_file="ca-bundle.crt", authenticate_name="*.Example.com", server_name="app.example.com")
    assert created["writes"] == ["POST /mgmt/tm/ltm/profile/server-ssl"] and not created["warnings"]
    status, body = emulator.get("/mgmt/tm/ltm/profile/server-ssl/~Common~nodes_tls")
    assert (body["peerCertMode"], body["caFile"], body["authenticateName"], body["serverName"]) == (
        "require", "/Common/ca-bundle.crt", "*.example.com", "app.example.com")
    assert body["untrustedCertResponseControl"] == "drop" and body["defaultsFrom"] == "/Common/serverssl"
    noop = converge(emulator, ca_file="ca-bundle.crt", authenticate_name="*.example.com", server_name="app.example.com")
    assert not noop["changed"] and noop["requests"] == 3
    assert converge(emulator, state="absent")["writes"] == ["DELETE /mgmt/tm/ltm/profile/server-ssl/~Common~nodes_tls"]
    assert emulator.get("/mgmt/tm/sys/file/ssl-cert/~Common~ca-bundle.crt")[0] == 200  # not ours: stays


def test_verify_needs_a_ca(emulator):
    with pytest.raises(ValidationError, match="verify=true needs ca_file"):
        converge(emulator)
    assert not emulator.writes()


def test_opt_out_is_warned_every_run(emulator):
    created = converge(emulator, verify=False)
    assert created["changed"] and "does not check the nodes' certificates" in created["warnings"][0]
    again = converge(emulator, verify=False)
    assert not again["changed"] and again["warnings"] == created["warnings"]


def test_local_ca_bundle_installed_with_the_profile_in_one_transaction(emulator, tmp_path):
    cert, _key, _pem = make_pair(tmp_path, "Lab CA", prefix="ca")
    created = converge(emulator, ca_certificate=cert, authenticate_name="app.example.com")
    assert created["writes"] == ["POST /mgmt/tm/sys/file/ssl-cert", "POST /mgmt/tm/ltm/profile/server-ssl"]
    assert [e["path"] for e in emulator.writes()][:2] == ["/mgmt/shared/file-transfer/uploads/kube_edge_nodes_tls_ca.crt",
                                                          "/mgmt/tm/transaction"]
    status, body = emulator.get("/mgmt/tm/ltm/profile/server-ssl/~Common~nodes_tls")
    assert body["caFile"] == "/Common/nodes_tls_ca.crt"
    noop = converge(emulator, ca_certificate=cert, authenticate_name="app.example.com")
    assert not noop["changed"] and noop["requests"] == 4  # + the CA file's checksum
    rotated, _key, _pem = make_pair(tmp_path, "Lab CA 2", prefix="ca2")
    replaced = converge(emulator, ca_certificate=rotated, authenticate_name="app.example.com")
    assert replaced["writes"] == ["PATCH /mgmt/tm/sys/file/ssl-cert/~Common~nodes_tls_ca.crt"]
    assert list(replaced["diff"]["after"]) == ["CA certificate /Common/nodes_tls_ca.crt"]
    assert replaced["changed"] and replaced["profile"] == noop["profile"]
    removed = converge(emulator, state="absent")
    assert removed["writes"] == ["DELETE /mgmt/tm/ltm/profile/server-ssl/~Common~nodes_tls",
                                 "DELETE /mgmt/tm/sys/file/ssl-cert/~Common~nodes_tls_ca.crt"]
    assert emulator.get("/mgmt/tm/sys/file/ssl-cert/~Common~nodes_tls_ca.crt")[0] == 404


def test_a_key_is_not_a_ca_bundle(emulator, tmp_path):
    _cert, key, _pem = make_pair(tmp_path, "x")
    with pytest.raises(ValidationError, match="is not a PEM certificate bundle"):
        converge(emulator, ca_certificate=key)
    assert not emulator.writes()


def test_bad_names_and_missing_ca_file(emulator):
    with pytest.raises(ValidationError) as excinfo:
        converge(emulator, ca_file="ca#x", server_name="*.example.com", authenticate_name="bad name")
    assert len(excinfo.value.problems) == 3
    with pytest.raises(ValidationError, match="the certificate file /Common/nosuch.crt does not exist"):
        converge(emulator, ca_file="nosuch.crt")


def test_refused_commit_leaves_the_device_as_it_was(emulator, tmp_path):
    cert, _key, _pem = make_pair(tmp_path, "Lab CA", prefix="ca")
    state = emulator.state()
    emulator.faults(fail_write=5)  # upload, transaction, 2 queued writes; the commit is the 5th write
    with pytest.raises(Exception, match="BIG-IP refused the transaction"):
        converge(emulator, ca_certificate=cert)
    assert emulator.state() == state
    assert emulator.writes()[-1]["path"] == "/mgmt/tm/util/unix-rm"  # the uploaded copy is removed anyway
    assert converge(emulator, ca_certificate=cert)["changed"]
