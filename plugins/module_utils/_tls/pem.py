# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading certificates and keys (PEM bundles, DER, base64 DER) and naming them in messages.

Private to the collection: may change at any time. Pure functions over bytes; no Ansible here.
Problems go into a ``Problems`` collector, one sentence each naming the field; no message ever holds
any part of a key.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re

try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    from cryptography.x509.oid import NameOID
except ImportError:  # the modules report missing_required_lib('cryptography')
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True

PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
KEY_BLOCK_TYPES = (
    b"PRIVATE KEY",
    b"RSA PRIVATE KEY",
    b"EC PRIVATE KEY",
    b"ENCRYPTED PRIVATE KEY",
    b"DSA PRIVATE KEY",
    b"OPENSSH PRIVATE KEY",
)
IGNORED_BLOCK_TYPES = (b"EC PARAMETERS",)
STRONG_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def to_bytes(data):
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    return data.encode("utf-8", "surrogateescape")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def not_before(cert):
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def not_after(cert):
    value = getattr(cert, "not_valid_after_utc", None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fingerprint(cert):
    """SHA-256 over the DER certificate, lowercase hex with colons (as browsers show it)."""
    return cert.fingerprint(hashes.SHA256()).hex(":")


def public_key_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_fingerprint(public_key):
    """SHA-256 of the SubjectPublicKeyInfo: identifies a private key without revealing it."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(public_key_der(public_key))
    return digest.finalize().hex(":")


def subject_text(cert):
    return cert.subject.rfc4514_string() or "(empty subject)"


def issuer_text(cert):
    return cert.issuer.rfc4514_string() or "(empty issuer)"


def describe(cert):
    """A short name for messages: the subject plus the start of the fingerprint."""
    return "%s [sha256 %s]" % (subject_text(cert), fingerprint(cert)[:23])


def key_description(public_key):
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA %d" % public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "ECDSA %s" % STRONG_CURVES.get(public_key.curve.name, public_key.curve.name)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA %d" % public_key.key_size
    return type(public_key).__name__


def dns_sans(cert):
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    return extension.value.get_values_for_type(x509.DNSName)


def common_names(cert):
    return [attribute.value for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def pem_of(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def unencrypted_pem(key):
    """PKCS#8 PEM without encryption: what HAProxy, Ingress controllers and the BIG-IP upload need."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _der_candidates(data):
    """Binary DER as read from a file, or DER that was base64-encoded into a text option."""
    yield data
    text = re.sub(rb"\s+", b"", data)
    if text and re.match(rb"^[A-Za-z0-9+/=]+$", text):
        try:
            yield base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            pass


def parse_certificates(field, data, problems, allow_empty=False):
    """Every certificate in ``data`` (a PEM bundle, or one DER certificate), in the given order."""
    data = to_bytes(data)
    if data is None or not data.strip():
        if not allow_empty:
            problems.add_message("%s is empty: give at least one PEM certificate." % field)
        return []
    blocks = PEM_BLOCK.findall(data)
    if not blocks:
        for candidate in _der_candidates(data):
            try:
                return [x509.load_der_x509_certificate(candidate)]
            except ValueError:
                continue
        problems.add_message("%s is neither a PEM certificate bundle nor a DER certificate." % field)
        return []
    certs = []
    for index, (block_type, body) in enumerate(blocks):
        if block_type in KEY_BLOCK_TYPES:
            problems.add_message(
                "%s contains a private key (PEM block %d); keys belong in the private key option only."
                % (field, index + 1)
            )
            continue
        if block_type in IGNORED_BLOCK_TYPES:
            continue
        if block_type != b"CERTIFICATE":
            problems.add_message(
                "%s PEM block %d has type %r; only CERTIFICATE blocks are allowed."
                % (field, index + 1, block_type.decode("ascii", "replace"))
            )
            continue
        pem = b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"
        try:
            certs.append(x509.load_pem_x509_certificate(pem))
        except ValueError:
            problems.add_message(
                "%s PEM block %d is not a valid X.509 certificate (damaged base64 or DER)." % (field, index + 1)
            )
    return certs


def key_is_encrypted(data):
    """True when ``data`` holds an encrypted PEM key (PKCS#8 or OpenSSL's Proc-Type form)."""
    data = to_bytes(data) or b""
    return b"ENCRYPTED PRIVATE KEY" in data or b"Proc-Type: 4,ENCRYPTED" in data


def parse_private_key(field, data, passphrase, problems, passphrase_field="private_key_passphrase"):
    """The private key in ``data`` (PEM in any common form, or DER); ``None`` after a problem.

    Never puts any part of ``data`` into a message.
    """
    data = to_bytes(data)
    password = to_bytes(passphrase) if passphrase else None
    if data is None or not data.strip():
        problems.add_message("%s is empty: give the private key of the certificate." % field)
        return None
    blocks = PEM_BLOCK.findall(data)
    if blocks:
        key_blocks = [(block_type, body) for block_type, body in blocks if block_type in KEY_BLOCK_TYPES]
        if not key_blocks:
            problems.add_message("%s contains no PEM private key block." % field)
            return None
        if len(key_blocks) > 1:
            problems.add_message("%s contains %d private keys; give exactly one." % (field, len(key_blocks)))
            return None
        block_type, body = key_blocks[0]
        if block_type == b"OPENSSH PRIVATE KEY":
            problems.add_message("%s is an OpenSSH key; TLS needs a PKCS#8, PKCS#1 or SEC1 PEM key." % field)
            return None
        pem = b"-----BEGIN " + block_type + b"-----\n" + body + b"-----END " + block_type + b"-----\n"
        loaders = [lambda pw: serialization.load_pem_private_key(pem, pw)]
    else:
        loaders = [lambda pw, der=der: serialization.load_der_private_key(der, pw) for der in _der_candidates(data)]
    encrypted = False
    for loader in loaders:
        try:
            return loader(password)
        except TypeError:
            if password is None:
                encrypted = True  # "Password was not given but private key is encrypted"
                continue
            try:  # a passphrase was given for a key that is not encrypted: fine
                return loader(None)
            except (TypeError, ValueError, UnsupportedAlgorithm):
                continue
        except ValueError as error:
            text = str(error).lower()
            if password is not None and ("password" in text or "decrypt" in text):
                problems.add_message(
                    "%s could not be decrypted with %s (wrong passphrase?)." % (field, passphrase_field)
                )
                return None
            continue
        except UnsupportedAlgorithm:
            continue
    if encrypted:
        problems.add_message("%s is encrypted and %s is not set." % (field, passphrase_field))
    elif blocks:
        problems.add_message("%s is not a valid private key (damaged PEM or unsupported key type)." % field)
    else:
        problems.add_message("%s is neither a PEM nor a DER private key." % field)
    return None
