# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate and key checks for TLS Secrets (the checks neither kubectl nor the API server do).

Private to the collection: may change at any time. Pure functions over bytes, no Ansible and no
Kubernetes here. ``check_bundle()`` collects every problem and raises one ``ValidationError``.
Messages name the field and the certificate (subject, fingerprint) and never contain key material.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import os
import re

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # the module reports missing_required_lib('cryptography')
    HAS_CRYPTOGRAPHY = False
else:
    HAS_CRYPTOGRAPHY = True

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems

PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
KEY_BLOCK_TYPES = (b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY", b"ENCRYPTED PRIVATE KEY",
                   b"DSA PRIVATE KEY", b"OPENSSH PRIVATE KEY")
IGNORED_BLOCK_TYPES = (b"EC PARAMETERS",)
WEAK_HASHES = ("md5", "sha1")
STRONG_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
DEFAULT_MIN_DAYS_VALID = 14
DEFAULT_MIN_RSA_BITS = 2048


# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------

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


def is_self_issued(cert):
    """Issuer equals subject and the certificate verifies with its own key (a root or a lab cert)."""
    if cert.issuer != cert.subject:
        return False
    return issued_by(cert, cert)


def issued_by(cert, issuer):
    """``issuer`` signed ``cert``. A signature the library refuses to check (MD5/SHA-1) links by name
    only, so the chain is still understood and the weak signature is reported as what it is."""
    try:
        _verify_directly_issued_by(cert, issuer)
    except (ValueError, UnsupportedAlgorithm):
        return cert.issuer == issuer.subject and _weak_hash(cert)
    except (TypeError, InvalidSignature):
        return False
    return True


def _verify_directly_issued_by(cert, issuer):
    """``cert.verify_directly_issued_by(issuer)``, also on cryptography < 40 (Debian 12 ships 38,
    and haproxy_certificate runs on the target): same name check, same signature check, same
    exceptions (ValueError, TypeError, InvalidSignature)."""
    verify = getattr(cert, "verify_directly_issued_by", None)
    if verify is not None:
        verify(issuer)
        return
    if cert.issuer != issuer.subject:
        raise ValueError("the issuer's subject does not match the certificate's issuer")
    public_key = issuer.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    elif isinstance(public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes)
    else:
        raise TypeError("unsupported issuer key type")


def _weak_hash(cert):
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return False
    return algorithm is not None and algorithm.name in WEAK_HASHES


def pem_of(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


# ----------------------------------------------------------------------------------------------
# Host name coverage (RFC 6125 / RFC 9525)
# ----------------------------------------------------------------------------------------------

def host_covered(host, sans):
    """True if one of the dNSName ``sans`` covers ``host``.

    A wildcard SAN is only valid as the whole left-most label and covers exactly one label:
    ``*.example.com`` covers ``api.example.com`` but neither ``example.com`` nor
    ``qa1.api.example.com``. Partial wildcards (``f*.example.com``) and wildcards directly under a
    top-level label (``*.com``) cover nothing. A wildcard Ingress host (``*.bar.com``) is only
    covered by the same wildcard SAN. Comparison is case-insensitive and ignores a trailing dot.
    """
    host = host.strip().lower().rstrip(".")
    for san in sans or ():
        san = san.strip().lower().rstrip(".")
        if not san:
            continue
        if host == san:
            return True
        if san.startswith("*.") and "*" not in san[2:] and not host.startswith("*"):
            suffix = san[1:]
            if suffix.count(".") < 2:
                continue
            if host.endswith(suffix):
                label = host[:-len(suffix)]
                if label and "." not in label:
                    return True
    return False


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------

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
                "%s contains a private key (PEM block %d); keys belong in the key option only." % (field, index + 1))
            continue
        if block_type in IGNORED_BLOCK_TYPES:
            continue
        if block_type != b"CERTIFICATE":
            problems.add_message("%s PEM block %d has type %r; only CERTIFICATE blocks are allowed." % (
                field, index + 1, block_type.decode("ascii", "replace")))
            continue
        pem = b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"
        try:
            certs.append(x509.load_pem_x509_certificate(pem))
        except ValueError:
            problems.add_message("%s PEM block %d is not a valid X.509 certificate (damaged base64 or DER)." % (
                field, index + 1))
    return certs


def parse_private_key(field, data, passphrase, problems):
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
                problems.add_message("%s could not be decrypted with key_passphrase (wrong passphrase?)." % field)
                return None
            continue
        except UnsupportedAlgorithm:
            continue
    if encrypted:
        problems.add_message("%s is encrypted and key_passphrase is not set." % field)
    elif blocks:
        problems.add_message("%s is not a valid private key (damaged PEM or unsupported key type)." % field)
    else:
        problems.add_message("%s is neither a PEM nor a DER private key." % field)
    return None


# ----------------------------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------------------------

class CheckedBundle:
    """A certificate bundle that passed every check, ready to be written into a Secret."""

    def __init__(self, leaf, intermediates, ca_certs, key, warnings):
        self.leaf = leaf
        self.intermediates = intermediates
        self.ca_certs = ca_certs
        self.key = key
        self.warnings = warnings

    @property
    def chain(self):
        return [self.leaf] + list(self.intermediates)

    def tls_crt(self):
        """Leaf first, then the intermediates: the full chain that ``tls.crt`` must hold."""
        return b"".join(pem_of(cert) for cert in self.chain)

    def tls_key(self):
        """Unencrypted PKCS#8 PEM (an Ingress controller cannot use an encrypted key)."""
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def ca_crt(self):
        if not self.ca_certs:
            return None
        return b"".join(pem_of(cert) for cert in self.ca_certs)

    def info(self, now=None):
        return certificate_info(self.leaf, self.intermediates, self.key.public_key(), now=now)


def certificate_info(leaf, intermediates=(), public_key=None, now=None):
    """What the module returns and shows in diffs: identifying facts, never key material."""
    now = now or utcnow()
    expires = not_after(leaf)
    public_key = public_key if public_key is not None else leaf.public_key()
    return {
        "subject": subject_text(leaf),
        "issuer": issuer_text(leaf),
        "sans": dns_sans(leaf) or [],
        "serial_number": "%x" % leaf.serial_number,
        "not_before": iso(not_before(leaf)),
        "not_after": iso(expires),
        "days_left": int((expires - now).total_seconds() // 86400),
        "fingerprint_sha256": fingerprint(leaf),
        "key_type": key_description(public_key),
        "public_key_sha256": public_key_fingerprint(public_key),
        "chain": [subject_text(cert) for cert in intermediates],
    }


def order_chain(leaf, others):
    """Walk issuer links from ``leaf`` through ``others``; returns (ordered intermediates, leftovers)."""
    ordered = []
    remaining = list(others)
    current = leaf
    while remaining and not is_self_issued(current):
        for candidate in remaining:
            if issued_by(current, candidate):
                ordered.append(candidate)
                remaining.remove(candidate)
                current = candidate
                break
        else:
            break
    return ordered, remaining


def _dedupe(certs, field, warnings):
    seen = set()
    unique = []
    for cert in certs:
        fp = fingerprint(cert)
        if fp in seen:
            warnings.append("%s: duplicate certificate %s dropped." % (field, describe(cert)))
            continue
        seen.add(fp)
        unique.append(cert)
    return unique


def _check_times(cert, role, now, min_days_valid, problems):
    start, end = not_before(cert), not_after(cert)
    if start > now:
        problems.add_message("%s %s is not valid yet: notBefore is %s." % (role, describe(cert), iso(start)))
    if end <= now:
        problems.add_message("%s %s has expired: notAfter was %s." % (role, describe(cert), iso(end)))
    elif min_days_valid and end < now + datetime.timedelta(days=min_days_valid):
        days = int((end - now).total_seconds() // 86400)
        problems.add_message("%s %s expires on %s, in %d days, fewer than min_days_valid=%d." % (
            role, describe(cert), iso(end), days, min_days_valid))


def _check_crypto(cert, role, min_rsa_bits, problems, warnings, check_signature=True):
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < min_rsa_bits:
        problems.add_message("%s %s has a weak RSA %d-bit key; at least min_rsa_bits=%d bits are required." % (
            role, describe(cert), public_key.key_size, min_rsa_bits))
    elif isinstance(public_key, dsa.DSAPublicKey):
        problems.add_message("%s %s has a DSA key, which TLS clients no longer accept." % (role, describe(cert)))
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name not in STRONG_CURVES:
        warnings.append("%s %s uses the curve %s; clients widely support only P-256, P-384 and P-521." % (
            role, describe(cert), public_key.curve.name))
    if not check_signature:
        return
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        problems.add_message("%s %s is signed with an unsupported algorithm." % (role, describe(cert)))
        return
    if algorithm is not None and algorithm.name in WEAK_HASHES:
        problems.add_message("%s %s is signed with %s, which clients reject; reissue it with SHA-256 or better." % (
            role, describe(cert), algorithm.name.upper().replace("SHA1", "SHA-1")))


def _check_leaf_usage(leaf, problems, warnings):
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None and ExtendedKeyUsageOID.SERVER_AUTH not in eku:
        names = ", ".join(getattr(oid, "_name", oid.dotted_string) for oid in eku)
        problems.add_message("cert %s has extendedKeyUsage [%s] without serverAuth, so it cannot serve HTTPS." % (
            describe(leaf), names))
    try:
        constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is not None and constraints.ca:
        warnings.append("cert %s is a CA certificate (basicConstraints CA:TRUE); a server certificate should not be." % (
            describe(leaf)))
    if leaf.version != x509.Version.v3:
        warnings.append("cert %s is an X.509 v1 certificate." % describe(leaf))


def check_bundle(cert, key, chain=None, ca=None, key_passphrase=None, hosts=(), min_days_valid=DEFAULT_MIN_DAYS_VALID,
                 min_rsa_bits=DEFAULT_MIN_RSA_BITS, allow_self_signed=False, reorder_chain=False, now=None):
    """Check a certificate, its key and chain for serving ``hosts``; all problems in one ValidationError.

    ``cert`` may hold the leaf alone or the leaf followed by its chain; ``chain`` adds intermediates;
    ``ca`` is the trust anchor bundle (written as ``ca.crt`` and used to spot missing intermediates).
    Returns a ``CheckedBundle``.
    """
    now = now or utcnow()
    problems = Problems()
    warnings = []
    cert_certs = parse_certificates("cert", cert, problems)
    chain_certs = parse_certificates("chain", chain, problems, allow_empty=True) if chain else []
    ca_certs = parse_certificates("ca", ca, problems, allow_empty=True) if ca else []
    private_key = parse_private_key("key", key, key_passphrase, problems)
    if not cert_certs:
        problems.raise_if_any()

    given = _dedupe(cert_certs + chain_certs, "cert/chain", warnings)
    leaf = given[0]
    if private_key is not None:
        key_spki = public_key_der(private_key.public_key())
        matching = [c for c in given if public_key_der(c.public_key()) == key_spki]
        if not matching:
            problems.add_message("key does not match cert %s (public key %s vs %s)." % (
                describe(leaf), public_key_fingerprint(private_key.public_key())[:23],
                public_key_fingerprint(leaf.public_key())[:23]))
        elif matching[0] is not leaf:
            if reorder_chain:
                leaf = matching[0]
            else:
                problems.add_message(
                    "cert must start with the server certificate, but the key matches %s at position %d; "
                    "put it first or set reorder_chain=true." % (describe(matching[0]), given.index(matching[0]) + 1))
    others = [c for c in given if c is not leaf]
    intermediates, leftovers = order_chain(leaf, others)
    if leftovers:
        top = intermediates[-1] if intermediates else leaf
        problems.add_message(
            "chain is incomplete or contains unrelated certificates: %s is issued by %r, which is not in the bundle, "
            "so %s cannot be linked (missing intermediate?)." % (
                describe(top), issuer_text(top), ", ".join(describe(c) for c in leftovers)))
    elif intermediates != others[:len(intermediates)] or len(others) != len(intermediates):
        expected = " -> ".join(subject_text(c) for c in [leaf] + intermediates)
        reversed_order = list(reversed(others)) == intermediates
        if reorder_chain:
            warnings.append("chain was reordered to: %s." % expected)
        else:
            problems.add_message("chain is %s; the order must be leaf first, each certificate signed by the next: %s. "
                                 "Fix the bundle or set reorder_chain=true." % (
                                     "in reverse order" if reversed_order else "out of order", expected))
    # A self-signed root in the served chain is allowed but wasted bytes; keep it out of tls.crt.
    if intermediates and is_self_issued(intermediates[-1]):
        root = intermediates.pop()
        warnings.append("chain includes the root %s; it was left out of tls.crt (clients must already trust it)." % (
            describe(root)))
    top = intermediates[-1] if intermediates else leaf
    self_signed = not intermediates and is_self_issued(leaf)
    if self_signed and not allow_self_signed:
        problems.add_message("cert %s is self-signed; set allow_self_signed=true to accept it (labs only)." % describe(leaf))
    if ca_certs and not leftovers and not self_signed:
        if not any(issued_by(top, anchor) or fingerprint(anchor) == fingerprint(top) for anchor in ca_certs):
            problems.add_message("chain does not lead to ca: %s is issued by %r, which is in neither the chain "
                                 "nor ca (missing intermediate?)." % (describe(top), issuer_text(top)))

    # Names: SAN dNSName only; CN is ignored (RFC 6125 section 6.4.4, RFC 9525).
    sans = dns_sans(leaf)
    if sans is None:
        problems.add_message("cert %s has no subjectAltName extension; clients ignore the CN (%s) and will reject it." % (
            describe(leaf), ", ".join(common_names(leaf)) or "none"))
    else:
        for host in hosts or ():
            if not host_covered(host, sans):
                problems.add_message("host %r is not covered by cert %s (subjectAltName DNS: %s)." % (
                    host, describe(leaf), ", ".join(sans) or "none"))

    _check_leaf_usage(leaf, problems, warnings)
    _check_times(leaf, "cert", now, min_days_valid, problems)
    _check_crypto(leaf, "cert", min_rsa_bits, problems, warnings, check_signature=not self_signed)
    for intermediate in intermediates:
        _check_times(intermediate, "chain certificate", now, min_days_valid, problems)
        _check_crypto(intermediate, "chain certificate", min_rsa_bits, problems, warnings)
    for anchor in ca_certs:
        if not_after(anchor) <= now:
            problems.add_message("ca certificate %s has expired: notAfter was %s." % (describe(anchor), iso(not_after(anchor))))
    problems.raise_if_any()
    return CheckedBundle(leaf, intermediates, ca_certs, private_key, warnings)


def existing_secret_facts(tls_crt, tls_key):
    """Identify what a Secret holds (chain fingerprints, key fingerprint) without raising.

    Used for idempotence and diff: two Secrets are the same when the chain DER and the public key
    match, whatever the PEM line wrapping or key encoding. Unparseable content yields ``None`` parts.
    """
    problems = Problems()
    chain = parse_certificates("tls.crt", tls_crt, problems, allow_empty=True) if tls_crt else []
    key = parse_private_key("tls.key", tls_key, None, Problems()) if tls_key else None
    return {
        "chain": [fingerprint(c) for c in chain] if chain and not problems else None,
        "leaf": chain[0] if chain and not problems else None,
        "key": public_key_fingerprint(key.public_key()) if key is not None else None,
    }


# ----------------------------------------------------------------------------------------------
# Lab certificates (self-signed or from a local CA kept on the controller)
# ----------------------------------------------------------------------------------------------

def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def local_ca(directory, create=True, days=3650):
    """The lab CA in ``directory`` (``ca.crt`` + ``ca.key``, ECDSA P-256), created when missing.

    With ``create=False`` (check mode) a missing CA is made in memory only, so nothing is written.
    """
    cert_path = os.path.join(directory, "ca.crt")
    key_path = os.path.join(directory, "ca.key")
    if os.path.exists(cert_path) and os.path.exists(key_path):
        problems = Problems()
        with open(cert_path, "rb") as handle:
            certs = parse_certificates(cert_path, handle.read(), problems)
        with open(key_path, "rb") as handle:
            key = parse_private_key(key_path, handle.read(), None, problems)
        problems.raise_if_any()
        return certs[0], key
    key = ec.generate_private_key(ec.SECP256R1())
    now = utcnow()
    subject = _name("kube_edge.lb lab CA")
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    if create:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key_bytes)
        with open(cert_path, "wb") as handle:
            handle.write(pem_of(cert))
    return cert, key


def issue_certificate(hosts, days=90, ca_cert=None, ca_key=None):
    """A fresh ECDSA P-256 server certificate for ``hosts`` (SANs), self-signed or from the CA.

    Returns (cert PEM, key PEM) as bytes.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    now = utcnow()
    subject = _name(hosts[0])
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(ca_cert.subject if ca_cert is not None else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(host) for host in hosts]), critical=False)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca_cert is not None:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                        critical=False)
    cert = builder.sign(ca_key if ca_key is not None else key, hashes.SHA256())
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    return pem_of(cert), key_bytes
