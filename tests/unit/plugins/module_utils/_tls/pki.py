# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-time PKI factory: good and deliberately bad certificates, generated fresh (no key is committed)."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)
_KEY_CACHE = {}


def new_key(kind="ec", bits=2048, cache=True):
    """RSA generation is slow; tests reuse one key per kind unless they need a distinct one."""
    cache_key = (kind, bits)
    if cache and cache_key in _KEY_CACHE:
        return _KEY_CACHE[cache_key]
    if kind == "rsa":
        key = rsa.generate_private_key(65537, bits)
    elif kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    if cache:
        _KEY_CACHE[cache_key] = key
    return key


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_cert(subject, key, issuer=None, issuer_key=None, sans=None, ca=False, days=90, start_days=-1,
              eku=(ExtendedKeyUsageOID.SERVER_AUTH,), hash_alg="sha256", path_length=None):
    """A certificate for ``key`` signed by ``issuer_key`` (self-signed when no issuer is given)."""
    issuer_name = issuer.subject if issuer is not None else name(subject)
    signer = issuer_key if issuer_key is not None else key
    builder = (x509.CertificateBuilder()
               .subject_name(name(subject))
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW + datetime.timedelta(days=start_days))
               .not_valid_after(NOW + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer_key is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
    if eku and not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    cert = builder.sign(signer, algorithm)
    if hash_alg != "sha256":
        cert = resign_rsa(cert, signer, hash_alg)
    return cert


# DER of the AlgorithmIdentifier OIDs: sha256WithRSAEncryption and its weak siblings (same length).
_RSA_SHA256_OID = bytes.fromhex("06092a864886f70d01010b")
_WEAK_OIDS = {"sha1": bytes.fromhex("06092a864886f70d010105"), "md5": bytes.fromhex("06092a864886f70d010104")}


def resign_rsa(cert, rsa_key, hash_alg):
    """Rewrite a SHA-256/RSA certificate as SHA-1 or MD5 signed (cryptography refuses to sign those now).

    The OIDs have the same length, so only bytes change: the OID in TBS and outer AlgorithmIdentifier,
    then the signature (same size for the same RSA key) over the new TBS. MD5 can no longer be signed at
    all, so its signature is left invalid: the checks under test only read the algorithm.
    """
    from cryptography.hazmat.primitives.asymmetric import padding

    if not isinstance(rsa_key, rsa.RSAPrivateKey):
        raise ValueError("weak signatures are made with an RSA issuer key")
    data = cert.public_bytes(serialization.Encoding.DER).replace(_RSA_SHA256_OID, _WEAK_OIDS[hash_alg])
    tbs = cert.tbs_certificate_bytes.replace(_RSA_SHA256_OID, _WEAK_OIDS[hash_alg])
    size = rsa_key.key_size // 8
    if hash_alg == "sha1":
        signature = rsa_key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    else:
        signature = bytes(size)
    data = data[:-size] + signature
    return x509.load_der_x509_certificate(data)


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs).decode()


def key_pem(key, passphrase=None, fmt="pkcs8"):
    encryption = serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    formats = {"pkcs8": serialization.PrivateFormat.PKCS8, "traditional": serialization.PrivateFormat.TraditionalOpenSSL}
    return key.private_bytes(serialization.Encoding.PEM, formats[fmt], encryption).decode()


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


class Pki:
    """root -> intermediate -> leaf(s), ECDSA unless asked otherwise."""

    def __init__(self, prefix="Test"):
        self.root_key = new_key("ec", cache=False)
        self.root = make_cert("%s Root CA" % prefix, self.root_key, ca=True, days=3650)
        self.int_key = new_key("ec", cache=False)
        self.intermediate = make_cert("%s Intermediate CA" % prefix, self.int_key, issuer=self.root,
                                      issuer_key=self.root_key, ca=True, days=1825)

    def leaf(self, sans=("foo.bar.com", "*.bar.com"), key=None, **kwargs):
        key = key if key is not None else new_key("ec", cache=False)
        cert = make_cert(sans[0] if sans else "cn-only.bar.com", key, issuer=self.intermediate,
                         issuer_key=self.int_key, sans=sans, **kwargs)
        return cert, key
