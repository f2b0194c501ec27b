# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""f5_client_ssl logic: the shared certificate checks, checksum idempotency, transactions, no key material out."""

from __future__ import annotations

import json

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import ssl
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import (
    Pki, key_pem, make_cert, new_key, pem)


class NoDevice:
    """A client that must not be used: proves a refusal happens before any request."""

    def __getattr__(self, name):
        raise AssertionError("the device was contacted (%s)" % name)


@pytest.fixture(scope="module")
def pki():
    return Pki("F5")


@pytest.fixture(autouse=True)
def trusted_root(pki, monkeypatch):
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])


def write_pair(directory, pki, prefix="site", sans=("*.example.com", "example.com"), passphrase=None, **kwargs):
    """<prefix>.crt (the leaf), <prefix>-chain.crt (the intermediate), <prefix>.key; returns the paths and key PEM."""
    cert, key = pki.leaf(sans=sans, **kwargs)
    paths = {"cert": directory / (prefix + ".crt"), "chain": directory / (prefix + "-chain.crt"),
             "key": directory / (prefix + ".key")}
    paths["cert"].write_text(pem(cert))
    paths["chain"].write_text(pem(pki.intermediate))
    paths["key"].write_text(key_pem(key, passphrase=passphrase))
    return dict((name, str(path)) for name, path in paths.items()), key_pem(key)


def ssl_params(files, **overrides):
    params = dict((name, spec.get("default")) for name, spec in ssl.OPTIONS.items())
    params.update(name="star", partition="Common", state="present", certificate_path=files["cert"],
                  private_key_path=files["key"], chain_path=files["chain"])
    params.update(overrides)
    return params


def converge(emulator, params, check_mode=False):
    with emulator.client() as client:
        result = ssl.run(client, params, check_mode)
    result["requests"] = client.request_count
    return result


def test_mismatched_key_refused_before_any_request(tmp_path, pki):
    files, dummy = write_pair(tmp_path, pki, prefix="a")
    other, dummy = write_pair(tmp_path, pki, prefix="b")
    with pytest.raises(ValidationError, match="private_key_path=.*b.key' does not match certificate_path="):
        ssl.run(NoDevice(), ssl_params(files, private_key_path=other["key"]))


@pytest.mark.parametrize("case, message", [
    ("expired", "has expired: notAfter was"),
    ("rsa-1024", "weak RSA 1024-bit key; at least min_rsa_bits=2048"),
    ("sha-1", "is signed with SHA-1, which clients reject"),
    ("no-intermediate", "does not lead to a trusted root"),
])
def test_what_ingress_tls_refuses_is_refused_before_any_request(tmp_path, pki, case, message):
    """Before: the F5 path only checked that the key matched, so all of these were uploaded."""
    if case == "expired":
        files, dummy = write_pair(tmp_path, pki, start_days=-100, days=-1)
    elif case == "rsa-1024":
        files, dummy = write_pair(tmp_path, pki, key=new_key("rsa", bits=1024))
    elif case == "sha-1":
        root_key = new_key("rsa")
        root = make_cert("Old Root", root_key, ca=True, days=1000)
        key = new_key("ec", cache=False)
        leaf = make_cert("*.example.com", key, issuer=root, issuer_key=root_key, sans=["*.example.com"], hash_alg="sha1")
        (tmp_path / "sha1.crt").write_text(pem(leaf))
        (tmp_path / "sha1.key").write_text(key_pem(key))
        files = {"cert": str(tmp_path / "sha1.crt"), "key": str(tmp_path / "sha1.key"), "chain": None}
        params = ssl_params(files, ca=pem(root))
        with pytest.raises(ValidationError, match=message):
            ssl.run(NoDevice(), params)
        return
    else:
        files, dummy = write_pair(tmp_path, pki)
        files["chain"] = None
    with pytest.raises(ValidationError, match=message):
        ssl.run(NoDevice(), ssl_params(files))


def test_unreadable_and_garbage_files(tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ValidationError) as excinfo:
        ssl.run(NoDevice(), ssl_params({"cert": str(garbage), "key": str(tmp_path / "missing.key"), "chain": None}))
    assert len(excinfo.value.problems) == 1 and "private_key_path=" in excinfo.value.problems[0]
    (tmp_path / "garbage.key").write_text("not a key")
    with pytest.raises(ValidationError) as excinfo:
        ssl.run(NoDevice(), ssl_params({"cert": str(garbage), "key": str(tmp_path / "garbage.key"), "chain": None}))
    assert len(excinfo.value.problems) == 2


def test_upload_install_noop_rotate_remove(emulator, tmp_path, pki):
    files, secret = write_pair(tmp_path, pki)
    params = ssl_params(files, chain_path=None, certificate_path=None,
                        certificate=open(files["cert"]).read() + open(files["chain"]).read())  # content, leaf + chain
    predicted = converge(emulator, params, check_mode=True)
    assert predicted["changed"] and not emulator.writes()
    created = converge(emulator, params)
    assert created["writes"] == ["POST /mgmt/tm/sys/file/ssl-cert", "POST /mgmt/tm/sys/file/ssl-key",
                                 "POST /mgmt/tm/sys/file/ssl-cert", "POST /mgmt/tm/ltm/profile/client-ssl"]
    assert created["profile"]["chain"] == "/Common/star-chain.crt"
    assert any(e["path"].startswith("/mgmt/tm/transaction") for e in emulator.writes())
    assert not emulator.device.uploads  # the uploaded copies were removed
    noop = converge(emulator, params)
    assert not noop["changed"] and noop["requests"] == 4
    status, profile = emulator.get("/mgmt/tm/ltm/profile/client-ssl/~Common~star")
    assert profile["certKeyChain"][0]["cert"] == "/Common/star.crt" and profile["certKeyChain"][0]["key"] == "/Common/star.key"
    rotated_files, rotated_secret = write_pair(tmp_path, pki, prefix="rotated")
    rotated = converge(emulator, ssl_params(rotated_files))
    assert rotated["writes"] == ["PATCH /mgmt/tm/sys/file/ssl-cert/~Common~star.crt", "PATCH /mgmt/tm/sys/file/ssl-key/~Common~star.key"]
    after = rotated["diff"]["after"]["client-ssl profile /Common/star"]
    assert after["key"] == {"name": "/Common/star.key", "replaced": True}
    assert not converge(emulator, ssl_params(rotated_files))["changed"]
    everything = json.dumps([predicted, created, noop, rotated]) + json.dumps(emulator.requests())
    for text in (secret, rotated_secret):
        assert "PRIVATE KEY" not in everything and text.splitlines()[1] not in everything
    removed = converge(emulator, ssl_params(rotated_files, state="absent"))
    assert len(removed["writes"]) == 4 and emulator.get("/mgmt/tm/sys/file/ssl-key/~Common~star.key")[0] == 404


def test_encrypted_key_is_uploaded_usable(emulator, tmp_path, pki):
    """Before: the encrypted PEM was uploaded without its passphrase, a key the device cannot load."""
    files, secret = write_pair(tmp_path, pki, passphrase="s3cret")
    result = converge(emulator, ssl_params(files, private_key_passphrase="s3cret"))
    assert result["changed"]
    stored = emulator.device.store["sys/file/ssl-key"]["/Common/star.key"]["_content"]
    assert b"ENCRYPTED" not in stored and stored == secret.encode()
    assert not converge(emulator, ssl_params(files, private_key_passphrase="s3cret"))["changed"]
    with pytest.raises(ValidationError, match="private_key_path=.* is encrypted and private_key_passphrase is not set"):
        ssl.run(NoDevice(), ssl_params(files))


def test_files_as_given_keep_their_checksums(emulator, tmp_path, pki):
    """A leaf and a key given as files are uploaded byte for byte, so earlier uploads stay no-ops."""
    files, secret = write_pair(tmp_path, pki)
    converge(emulator, ssl_params(files))
    certs = emulator.device.store["sys/file/ssl-cert"]
    assert certs["/Common/star.crt"]["_content"] == open(files["cert"], "rb").read()
    assert certs["/Common/star-chain.crt"]["_content"] == open(files["chain"], "rb").read()


def test_paths_in_the_old_options_still_work_with_a_warning(emulator, tmp_path, pki):
    files, dummy = write_pair(tmp_path, pki)
    result = converge(emulator, ssl_params(files, certificate_path=None, private_key_path=None, chain_path=None,
                                           certificate=files["cert"], private_key=files["key"], chain=files["chain"]))
    assert result["changed"] and len(result["warnings"]) == 3
    assert "certificate=%r is a file path; give it as certificate_path" % files["cert"] in result["warnings"][0]


def test_server_name_must_be_covered(tmp_path, pki):
    files, dummy = write_pair(tmp_path, pki)
    with pytest.raises(ValidationError, match="host 'shop.example.org' is not covered"):
        ssl.run(NoDevice(), ssl_params(files, server_name="shop.example.org"))


def test_failed_commit_leaves_device_unchanged(emulator, tmp_path, pki):
    files, dummy = write_pair(tmp_path, pki)
    converge(emulator, ssl_params(files))
    before = emulator.state()
    rotated, dummy = write_pair(tmp_path, pki, prefix="rotated")
    emulator.faults(fail_write=6)  # 2 uploads, transaction, 2 queued writes, then the commit fails
    with pytest.raises(Exception, match="injected fault"):
        converge(emulator, ssl_params(rotated))
    assert emulator.state() == before
