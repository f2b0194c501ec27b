# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issuer links, chain order, trust anchors (the system store or a given ``ca``) and host coverage.

Private to the collection: may change at any time. No Ansible here.
"""

from __future__ import annotations

import os
import ssl
import warnings

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
except ImportError:  # pem.HAS_CRYPTOGRAPHY says so
    pass

from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import PEM_BLOCK, fingerprint

WEAK_HASHES = ("md5", "sha1")


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
        return cert.issuer == issuer.subject and weak_hash(cert)
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


def weak_hash(cert):
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return False
    return algorithm is not None and algorithm.name in WEAK_HASHES


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


def dedupe(certs, field, warnings):
    seen = set()
    unique = []
    for cert in certs:
        fp = fingerprint(cert)
        if fp in seen:
            warnings.append("%s: duplicate certificate %s dropped." % (field, cert.subject.rfc4514_string()))
            continue
        seen.add(fp)
        unique.append(cert)
    return unique


# ----------------------------------------------------------------------------------------------
# Trust anchors
# ----------------------------------------------------------------------------------------------

_SYSTEM_ANCHORS: dict = {}  # CA bundle files -> parsed roots, once per process


def system_anchor_files():
    """The CA bundle files this host's OpenSSL trusts by default (SSL_CERT_FILE first)."""
    paths = ssl.get_default_verify_paths()
    candidates = [
        os.environ.get("SSL_CERT_FILE"),
        paths.cafile,
        paths.openssl_cafile,
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    seen = []
    for candidate in candidates:
        if candidate and candidate not in seen and os.path.isfile(candidate):
            seen.append(candidate)
    return seen[:1]


def system_anchors():
    """The system store's root certificates, parsed once per process; certificates the library
    cannot read (some old roots) are skipped, as a verifier would never reach them either."""
    files = tuple(system_anchor_files())
    if files not in _SYSTEM_ANCHORS:
        anchors = []
        for path in files:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            for block_type, body in PEM_BLOCK.findall(data):
                if block_type != b"CERTIFICATE":
                    continue
                try:
                    with warnings.catch_warnings():  # old roots with non-positive serials: loaded, not our concern
                        warnings.simplefilter("ignore")
                        anchors.append(
                            x509.load_pem_x509_certificate(
                                b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"
                            )
                        )
                except ValueError:
                    continue
        _SYSTEM_ANCHORS[files] = anchors
    return _SYSTEM_ANCHORS[files]


def anchored_by(top, anchors):
    """The anchor ``top`` is, or is issued by; ``None`` when no anchor vouches for it."""
    top_fingerprint = fingerprint(top)
    for anchor in anchors:
        if anchor.subject == top.issuer and issued_by(top, anchor):
            return anchor
        if anchor.subject == top.subject and fingerprint(anchor) == top_fingerprint:
            return anchor
    return None


# ----------------------------------------------------------------------------------------------
# Host name coverage (RFC 6125 / RFC 9525)
# ----------------------------------------------------------------------------------------------


def host_covered(host, sans):
    """True if one of the dNSName ``sans`` covers ``host``.

    A wildcard SAN is only valid as the whole left-most label and covers exactly one label:
    ``*.example.com`` covers ``api.example.com`` but neither ``example.com`` nor
    ``qa1.api.example.com``. Partial wildcards (``f*.example.com``) and wildcards directly under a
    top-level label (``*.com``) cover nothing. A wildcard host (``*.bar.com``) is only covered by
    the same wildcard SAN. Comparison is case-insensitive and ignores a trailing dot.
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
                label = host[: -len(suffix)]
                if label and "." not in label:
                    return True
    return False
