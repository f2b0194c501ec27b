# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one certificate library: a matrix of good and bad bundles, all generated at test time."""

from __future__ import annotations

import base64

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import bundle as tls
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain, pem as pem_lib
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import (
    Pki, der, key_pem, make_cert, new_key, pem)

HOSTS = ["foo.bar.com", "api.bar.com"]
SYSTEM_ANCHORS = chain.system_anchors  # the real one; tests replace it with the test root


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture(scope="module")
def good(pki):
    cert, key = pki.leaf()
    return cert, key


@pytest.fixture(autouse=True)
def trusted_root(pki, monkeypatch):
    """The test root stands in for the system trust store (the host's store is not the tests' business)."""
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])


def check(cert, key, **kwargs):
    kwargs.setdefault("hosts", HOSTS)
    return tls.check_bundle(cert, key, **kwargs)


def problems_of(excinfo):
    return excinfo.value.problems


# -- host coverage ---------------------------------------------------------------------------------

@pytest.mark.parametrize("host, sans, covered", [
    ("api.example.com", ["*.example.com"], True),
    ("API.Example.COM", ["*.example.com"], True),
    ("api.example.com.", ["*.example.com"], True),
    ("qa1.api.example.com", ["*.example.com"], False),   # a wildcard covers exactly one label
    ("example.com", ["*.example.com"], False),           # ...and not the apex
    ("example.com", ["example.com", "*.example.com"], True),
    ("foo.com", ["*.com"], False),                       # no wildcard right under a top-level label
    ("foo.example.com", ["f*.example.com"], False),      # no partial wildcards (RFC 9525)
    ("a.b.example.com", ["*.*.example.com"], False),
    ("*.bar.com", ["*.bar.com"], True),                  # wildcard Ingress host needs the same wildcard SAN
    ("*.bar.com", ["foo.bar.com"], False),
    ("foo.bar.com", [], False),
])
def test_host_covered(host, sans, covered):
    assert chain.host_covered(host, sans) is covered


# -- good inputs -----------------------------------------------------------------------------------

def test_good_chain_in_cert_and_info(pki, good):
    cert, key = good
    bundle = check(pem(cert, pki.intermediate), key_pem(key), hosts=["foo.bar.com", "x.bar.com", "*.bar.com"])
    assert bundle.leaf == cert
    assert bundle.intermediates == [pki.intermediate]
    assert bundle.tls_crt() == pem(cert, pki.intermediate).encode()
    info = bundle.info()
    assert info["subject"] == "CN=foo.bar.com"
    assert info["sans"] == ["foo.bar.com", "*.bar.com"]
    assert info["issuer"] == "CN=Test Intermediate CA"
    assert 88 <= info["days_left"] <= 90
    assert info["fingerprint_sha256"] == pem_lib.fingerprint(cert)
    assert info["key_type"] == "ECDSA P-256"
    assert info["chain"] == ["CN=Test Intermediate CA"]


def test_separate_chain_and_ca(pki, good):
    cert, key = good
    bundle = check(pem(cert), key_pem(key), chain=pem(pki.intermediate), ca=pem(pki.root))
    assert bundle.ca_crt() == pem(pki.root).encode()
    assert bundle.tls_crt() == pem(cert, pki.intermediate).encode()


def test_root_in_chain_is_dropped_with_warning(pki, good):
    cert, key = good
    bundle = check(pem(cert, pki.intermediate, pki.root), key_pem(key))
    assert bundle.intermediates == [pki.intermediate]
    assert any("root" in w for w in bundle.warnings)


@pytest.mark.parametrize("kind", ["rsa", "ed25519", "ec"])
def test_key_types_match(pki, kind):
    key = new_key(kind)
    cert = pki.leaf(key=key)[0]
    info = check(pem(cert, pki.intermediate), key_pem(key, fmt="pkcs8")).info()
    assert info["key_type"].split()[0] in ("RSA", "Ed25519", "ECDSA")


def test_traditional_rsa_key_and_encrypted_key_with_passphrase(pki):
    key = new_key("rsa")
    cert = pki.leaf(key=key)[0]
    check(pem(cert, pki.intermediate), key_pem(key, fmt="traditional"))
    bundle = check(pem(cert, pki.intermediate), key_pem(key, passphrase="s3cret"), private_key_passphrase="s3cret")
    assert b"ENCRYPTED" not in bundle.tls_key()  # the Secret gets a key the controller can use


def test_der_input_bytes_and_base64(pki, good):
    cert, key = good
    from cryptography.hazmat.primitives import serialization
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    bundle = check(der(cert), key_der, chain=pem(pki.intermediate))
    assert bundle.tls_crt().startswith(b"-----BEGIN CERTIFICATE-----")
    check(base64.b64encode(der(cert)).decode(), base64.b64encode(key_der).decode(), chain=pem(pki.intermediate))


def test_reorder_when_asked(pki, good):
    cert, key = good
    bundle_text = pem(pki.intermediate, cert)  # leaf not first
    with pytest.raises(ValidationError) as excinfo:
        check(bundle_text, key_pem(key))
    assert "reorder_chain=true" in str(excinfo.value)
    bundle = check(bundle_text, key_pem(key), reorder_chain=True)
    assert bundle.tls_crt() == pem(cert, pki.intermediate).encode()


def test_self_signed_allowed_only_when_asked():
    key = new_key("ec")
    cert = make_cert("foo.bar.com", key, sans=["foo.bar.com"])
    with pytest.raises(ValidationError, match="self-signed"):
        check(pem(cert), key_pem(key), hosts=["foo.bar.com"])
    check(pem(cert), key_pem(key), hosts=["foo.bar.com"], allow_self_signed=True)


# -- bad inputs: one clear sentence each -----------------------------------------------------------

def test_mismatched_key(pki, good):
    cert = good[0]
    with pytest.raises(ValidationError, match="private_key does not match certificate CN=foo.bar.com"):
        check(pem(cert, pki.intermediate), key_pem(new_key("ec", cache=False)))


def test_expired(pki):
    cert, key = pki.leaf(start_days=-100, days=-1)
    with pytest.raises(ValidationError, match="has expired: notAfter was"):
        check(pem(cert, pki.intermediate), key_pem(key))


def test_not_yet_valid(pki):
    cert, key = pki.leaf(start_days=2, days=100)
    with pytest.raises(ValidationError, match="is not valid yet: notBefore is"):
        check(pem(cert, pki.intermediate), key_pem(key))


def test_expires_within_min_days_valid(pki):
    cert, key = pki.leaf(days=5)
    with pytest.raises(ValidationError, match="fewer than min_days_valid=14"):
        check(pem(cert, pki.intermediate), key_pem(key))
    check(pem(cert, pki.intermediate), key_pem(key), min_days_valid=2)


def test_reversed_chain(pki, good):
    cert, key = good
    deeper_key = new_key("ec", cache=False)
    deeper = make_cert("Issuing CA 2", deeper_key, issuer=pki.intermediate, issuer_key=pki.int_key, ca=True)
    leaf = make_cert("foo.bar.com", key, issuer=deeper, issuer_key=deeper_key, sans=["foo.bar.com", "api.bar.com"])
    with pytest.raises(ValidationError, match="chain is in reverse order"):
        check(pem(leaf), key_pem(key), chain=pem(pki.intermediate, deeper))
    bundle = check(pem(leaf), key_pem(key), chain=pem(pki.intermediate, deeper), reorder_chain=True)
    assert bundle.intermediates == [deeper, pki.intermediate]


def test_missing_intermediate(pki, good):
    cert, key = good
    with pytest.raises(ValidationError, match="missing intermediate"):
        check(pem(cert, pki.root), key_pem(key))
    with pytest.raises(ValidationError, match="chain does not lead to a trusted root: CN=foo.bar.com"):
        check(pem(cert), key_pem(key), ca=pem(pki.root))


def test_rsa_1024(pki):
    key = new_key("rsa", bits=1024)
    cert = pki.leaf(key=key)[0]
    with pytest.raises(ValidationError, match="weak RSA 1024-bit key; at least min_rsa_bits=2048"):
        check(pem(cert, pki.intermediate), key_pem(key))


@pytest.mark.parametrize("hash_alg, label", [("sha1", "SHA-1"), ("md5", "MD5")])
def test_weak_signature(hash_alg, label):
    root_key = new_key("rsa")
    root = make_cert("Old Root", root_key, ca=True, days=1000)
    key = new_key("ec")
    cert = make_cert("foo.bar.com", key, issuer=root, issuer_key=root_key, sans=HOSTS, hash_alg=hash_alg)
    with pytest.raises(ValidationError, match="signed with %s" % label):
        check(pem(cert), key_pem(key), ca=pem(root))


def test_cn_only(pki):
    cert, key = pki.leaf(sans=None)
    with pytest.raises(ValidationError, match="no subjectAltName extension; clients ignore the CN"):
        check(pem(cert, pki.intermediate), key_pem(key))


def test_nested_wildcard_host_not_covered(pki, good):
    cert, key = good
    with pytest.raises(ValidationError) as excinfo:
        check(pem(cert, pki.intermediate), key_pem(key), hosts=["qa1.api.bar.com", "bar.com"])
    assert len(problems_of(excinfo)) == 2
    assert "host 'qa1.api.bar.com' is not covered" in str(excinfo.value)


def test_client_auth_only_eku(pki):
    cert, key = pki.leaf(eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    with pytest.raises(ValidationError, match="without serverAuth"):
        check(pem(cert, pki.intermediate), key_pem(key))


def test_encrypted_key_without_or_with_wrong_passphrase(pki, good):
    cert, key = good
    encrypted = key_pem(key, passphrase="right")
    with pytest.raises(ValidationError, match="private_key is encrypted and private_key_passphrase is not set"):
        check(pem(cert, pki.intermediate), encrypted)
    with pytest.raises(ValidationError, match="wrong passphrase"):
        check(pem(cert, pki.intermediate), encrypted, private_key_passphrase="wrong")


@pytest.mark.parametrize("cert_text, message", [
    ("hello world", "certificate is neither a PEM certificate bundle nor a DER certificate"),
    ("", "certificate is empty"),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a valid X.509 certificate"),
])
def test_garbage_cert(good, cert_text, message):
    key = good[1]
    with pytest.raises(ValidationError, match=message):
        check(cert_text, key_pem(key))


def test_garbage_key(pki, good):
    cert = good[0]
    with pytest.raises(ValidationError, match="private_key is neither a PEM nor a DER private key"):
        check(pem(cert, pki.intermediate), "not a key")
    with pytest.raises(ValidationError, match="private_key contains no PEM private key block"):
        check(pem(cert, pki.intermediate), pem(cert))


def test_key_pasted_into_cert_is_refused_without_echo(pki, good):
    cert, key = good
    with pytest.raises(ValidationError) as excinfo:
        check(pem(cert, pki.intermediate) + key_pem(key), key_pem(key))
    assert "contains a private key" in str(excinfo.value)
    assert "PRIVATE KEY-----" not in str(excinfo.value)


def test_all_problems_in_one_message_and_no_key_material(pki):
    key = new_key("rsa", bits=1024)
    cert = pki.leaf(key=key, days=3, eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))[0]
    other = key_pem(new_key("ec", cache=False))
    with pytest.raises(ValidationError) as excinfo:
        check(pem(cert), other, hosts=["qa1.api.bar.com"], ca=pem(pki.root))
    message = str(excinfo.value)
    assert message.startswith("%d problems found" % len(problems_of(excinfo)))
    assert len(problems_of(excinfo)) >= 5
    for fragment in ("private_key does not match", "not covered", "without serverAuth", "min_days_valid", "weak RSA",
                     "chain does not lead to a trusted root"):
        assert fragment in message
    body = "".join(other.splitlines()[1:-1])
    assert body[:40] not in message and "PRIVATE" not in message


def test_existing_secret_facts(pki, good):
    cert, key = good
    facts = tls.existing_facts(pem(cert, pki.intermediate).encode(), key_pem(key, fmt="pkcs8").encode())
    assert facts["chain"] == [pem_lib.fingerprint(cert), pem_lib.fingerprint(pki.intermediate)]
    assert facts["key"] == pem_lib.public_key_fingerprint(key.public_key())
    assert tls.existing_facts(b"junk", b"junk") == {"chain": None, "leaf": None, "key": None}


# -- trust: the chain must lead to a root in ca or the system store (issue 11) ------------------------

def test_leaf_without_its_intermediate_is_refused(pki, good, monkeypatch):
    cert, key = good
    monkeypatch.setattr(chain, "system_anchors", lambda: [])
    with pytest.raises(ValidationError) as excinfo:
        check(pem(cert), key_pem(key))
    assert str(excinfo.value).startswith("chain does not lead to a trusted root: CN=foo.bar.com")
    assert "give the missing intermediate in chain" in str(excinfo.value)
    check(pem(cert), key_pem(key), chain=pem(pki.intermediate), ca=pem(pki.root))


def test_untrusted_root_given_in_the_bundle_is_refused(pki, good, monkeypatch):
    cert, key = good
    monkeypatch.setattr(chain, "system_anchors", lambda: [])
    with pytest.raises(ValidationError, match="chain ends at the root CN=Test Root CA .* give that root in ca"):
        check(pem(cert, pki.intermediate, pki.root), key_pem(key))
    assert check(pem(cert, pki.intermediate, pki.root), key_pem(key), ca=pem(pki.root)).anchor == pki.root


def test_labels_name_the_option_used(pki, good):
    cert, key = good
    with pytest.raises(ValidationError, match=r"^private_key_path='/k.pem' does not match certificate_path='/c.pem'"):
        check(pem(cert, pki.intermediate), key_pem(new_key("ec", cache=False)), hosts=[],
              labels={"private_key": "private_key_path='/k.pem'", "certificate": "certificate_path='/c.pem'"})


def test_system_store_is_read_when_present():
    chain._SYSTEM_ANCHORS.clear()
    files = chain.system_anchor_files()
    if not files:
        pytest.skip("this host has no system CA bundle")
    assert len(SYSTEM_ANCHORS()) > 10
    assert SYSTEM_ANCHORS() is SYSTEM_ANCHORS()  # parsed once per process
