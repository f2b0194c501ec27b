# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks every certificate of the collection passes, whoever consumes it (Ingress Secret,
HAProxy PEM, BIG-IP client-ssl): ``check_bundle()`` collects every problem and raises one
``ValidationError``; on success it returns a ``CheckedBundle``.

Private to the collection: may change at any time. Messages name the field and the certificate
(subject, fingerprint) and never contain key material.
"""

from __future__ import annotations

import datetime

try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID
except ImportError:  # pem.HAS_CRYPTOGRAPHY says so
    pass

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain as chain_lib
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.chain import (
    WEAK_HASHES,
    anchored_by,
    dedupe,
    host_covered,
    is_self_issued,
    order_chain,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import (
    STRONG_CURVES,
    common_names,
    describe,
    dns_sans,
    fingerprint,
    iso,
    issuer_text,
    key_description,
    not_after,
    not_before,
    parse_certificates,
    parse_private_key,
    pem_of,
    public_key_der,
    public_key_fingerprint,
    subject_text,
    unencrypted_pem,
    utcnow,
)

DEFAULT_MIN_DAYS_VALID = 14
DEFAULT_MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
# How messages name the inputs; the option layer passes e.g. certificate_path='/etc/x.pem' instead.
DEFAULT_LABELS = dict(
    certificate="certificate",
    private_key="private_key",
    chain="chain",
    ca="ca",
    private_key_passphrase="private_key_passphrase",
)


class CheckedBundle:
    """A certificate, its intermediates and key that passed every check."""

    def __init__(self, leaf, intermediates, ca_certs, key, warnings, anchor=None):
        self.leaf = leaf
        self.intermediates = intermediates
        self.ca_certs = ca_certs
        self.key = key
        self.warnings = warnings
        self.anchor = anchor

    @property
    def chain(self):
        return [self.leaf] + list(self.intermediates)

    def leaf_pem(self):
        return pem_of(self.leaf)

    def intermediates_pem(self):
        return b"".join(pem_of(cert) for cert in self.intermediates)

    def tls_crt(self):
        """Leaf first, then the intermediates: the full chain a server must send."""
        return b"".join(pem_of(cert) for cert in self.chain)

    def tls_key(self):
        """Unencrypted PKCS#8 PEM (servers cannot use an encrypted key)."""
        return unencrypted_pem(self.key)

    def ca_crt(self):
        if not self.ca_certs:
            return None
        return b"".join(pem_of(cert) for cert in self.ca_certs)

    def info(self, now=None):
        return certificate_info(self.leaf, self.intermediates, self.key.public_key(), now=now)


def certificate_info(leaf, intermediates=(), public_key=None, now=None):
    """What the modules return and show in diffs: identifying facts, never key material."""
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


def _check_times(cert, role, now, min_days_valid, problems):
    start, end = not_before(cert), not_after(cert)
    if start > now:
        problems.add_message("%s %s is not valid yet: notBefore is %s." % (role, describe(cert), iso(start)))
    if end <= now:
        problems.add_message("%s %s has expired: notAfter was %s." % (role, describe(cert), iso(end)))
    elif min_days_valid and end < now + datetime.timedelta(days=min_days_valid):
        days = int((end - now).total_seconds() // 86400)
        problems.add_message(
            "%s %s expires on %s, in %d days, fewer than min_days_valid=%d."
            % (role, describe(cert), iso(end), days, min_days_valid)
        )


def _check_crypto(cert, role, min_rsa_bits, problems, warnings, check_signature=True):
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < min_rsa_bits:
        problems.add_message(
            "%s %s has a weak RSA %d-bit key; at least min_rsa_bits=%d bits are required."
            % (role, describe(cert), public_key.key_size, min_rsa_bits)
        )
    elif isinstance(public_key, dsa.DSAPublicKey):
        problems.add_message("%s %s has a DSA key, which TLS clients no longer accept." % (role, describe(cert)))
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.key_size < MIN_EC_BITS:
        problems.add_message(
            "%s %s has a weak %d-bit elliptic curve (%s); use P-256, P-384 or P-521."
            % (role, describe(cert), public_key.curve.key_size, public_key.curve.name)
        )
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name not in STRONG_CURVES:
        warnings.append(
            "%s %s uses the curve %s; clients widely support only P-256, P-384 and P-521."
            % (role, describe(cert), public_key.curve.name)
        )
    if not check_signature:
        return
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        problems.add_message("%s %s is signed with an unsupported algorithm." % (role, describe(cert)))
        return
    if algorithm is not None and algorithm.name in WEAK_HASHES:
        problems.add_message(
            "%s %s is signed with %s, which clients reject; reissue it with SHA-256 or better."
            % (role, describe(cert), algorithm.name.upper().replace("SHA1", "SHA-1"))
        )


def _check_leaf_usage(leaf, role, problems, warnings):
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None and ExtendedKeyUsageOID.SERVER_AUTH not in eku:
        names = ", ".join(getattr(oid, "_name", oid.dotted_string) for oid in eku)
        problems.add_message(
            "%s %s has extendedKeyUsage [%s] without serverAuth, so it cannot serve HTTPS."
            % (role, describe(leaf), names)
        )
    try:
        constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is not None and constraints.ca:
        warnings.append(
            "%s %s is a CA certificate (basicConstraints CA:TRUE); a server certificate should not be."
            % (role, describe(leaf))
        )
    if leaf.version != x509.Version.v3:
        warnings.append("%s %s is an X.509 v1 certificate." % (role, describe(leaf)))


def _pick_leaf(given, private_key, reorder_chain, labels, problems):
    leaf = given[0]
    if private_key is None:
        return leaf
    key_spki = public_key_der(private_key.public_key())
    matching = [c for c in given if public_key_der(c.public_key()) == key_spki]
    if not matching:
        problems.add_message(
            "%s does not match %s %s (public key %s vs %s)."
            % (
                labels["private_key"],
                labels["certificate"],
                describe(leaf),
                public_key_fingerprint(private_key.public_key())[:23],
                public_key_fingerprint(leaf.public_key())[:23],
            )
        )
    elif matching[0] is not leaf:
        if reorder_chain:
            return matching[0]
        problems.add_message(
            "%s must start with the server certificate, but the key matches %s at position %d; "
            "put it first or set reorder_chain=true."
            % (labels["certificate"], describe(matching[0]), given.index(matching[0]) + 1)
        )
    return leaf


def _check_order(leaf, others, reorder_chain, labels, problems, warnings):
    intermediates, leftovers = order_chain(leaf, others)
    if leftovers:
        top = intermediates[-1] if intermediates else leaf
        problems.add_message(
            "%s is incomplete or contains unrelated certificates: %s is issued by %r, which is not in the bundle, "
            "so %s cannot be linked (missing intermediate?)."
            % (labels["chain"], describe(top), issuer_text(top), ", ".join(describe(c) for c in leftovers))
        )
    elif intermediates != others[: len(intermediates)] or len(others) != len(intermediates):
        expected = " -> ".join(subject_text(c) for c in [leaf] + intermediates)
        if reorder_chain:
            warnings.append("chain was reordered to: %s." % expected)
        else:
            problems.add_message(
                "%s is %s; the order must be leaf first, each certificate signed by the next: %s. "
                "Fix the bundle or set reorder_chain=true."
                % (
                    labels["chain"],
                    "in reverse order" if list(reversed(others)) == intermediates else "out of order",
                    expected,
                )
            )
    return intermediates, leftovers


def _check_trust(leaf, intermediates, ca_certs, system_trust, allow_self_signed, labels, problems):
    """The chain must end at a trusted root: one in ``ca`` or the system store. Returns the anchor."""
    top = intermediates[-1] if intermediates else leaf
    anchors = list(ca_certs) + (list(chain_lib.system_anchors()) if system_trust else [])
    anchor = anchored_by(top, anchors)
    if anchor is not None:
        return anchor
    if not intermediates and is_self_issued(leaf):
        if not allow_self_signed:
            problems.add_message(
                "%s %s is self-signed; set allow_self_signed=true to accept it (labs only)."
                % (labels["certificate"], describe(leaf))
            )
        return None
    where = "%s nor the system trust store" % labels["ca"] if system_trust else labels["ca"]
    if is_self_issued(top):
        problems.add_message(
            "%s ends at the root %s, which is in neither %s; give that root in %s to trust a "
            "private CA." % (labels["chain"], describe(top), where, labels["ca"])
        )
        return None
    problems.add_message(
        "%s does not lead to a trusted root: %s is issued by %r, which is neither in %s nor %s; give the missing "
        "intermediate in %s or the private root in %s."
        % (labels["chain"], describe(top), issuer_text(top), labels["chain"], where, labels["chain"], labels["ca"])
    )
    return None


def check_bundle(
    certificate,
    private_key,
    chain=None,
    ca=None,
    private_key_passphrase=None,
    hosts=(),
    min_days_valid=DEFAULT_MIN_DAYS_VALID,
    min_rsa_bits=DEFAULT_MIN_RSA_BITS,
    allow_self_signed=False,
    reorder_chain=False,
    now=None,
    labels=None,
    system_trust=True,
):
    """Check a certificate, its key and chain for serving ``hosts``; all problems in one ValidationError.

    ``certificate`` may hold the leaf alone or the leaf followed by its chain; ``chain`` adds
    intermediates; ``ca`` adds trust anchors (private roots) to the system store's (``system_trust``).
    ``labels`` names the inputs in messages (see ``DEFAULT_LABELS``). Returns a ``CheckedBundle``.
    """
    now = now or utcnow()
    labels = dict(DEFAULT_LABELS, **(labels or {}))
    problems = Problems()
    warnings = []
    cert_certs = parse_certificates(labels["certificate"], certificate, problems)
    chain_certs = parse_certificates(labels["chain"], chain, problems, allow_empty=True) if chain else []
    ca_certs = parse_certificates(labels["ca"], ca, problems, allow_empty=True) if ca else []
    key = parse_private_key(
        labels["private_key"],
        private_key,
        private_key_passphrase,
        problems,
        passphrase_field=labels["private_key_passphrase"],
    )
    if not cert_certs:
        problems.raise_if_any()

    given = dedupe(cert_certs + chain_certs, "%s/%s" % (labels["certificate"], labels["chain"]), warnings)
    leaf = _pick_leaf(given, key, reorder_chain, labels, problems)
    intermediates, leftovers = _check_order(
        leaf, [c for c in given if c is not leaf], reorder_chain, labels, problems, warnings
    )
    # A self-signed root in the served chain is allowed but wasted bytes; keep it out of what is served.
    root = intermediates.pop() if intermediates and is_self_issued(intermediates[-1]) else None
    self_signed = not intermediates and root is None and is_self_issued(leaf)
    anchor = None
    if not leftovers:
        anchor = _check_trust(
            leaf,
            intermediates if root is None else intermediates + [root],
            ca_certs,
            system_trust,
            allow_self_signed,
            labels,
            problems,
        )
    if root is not None:
        warnings.append(
            "%s includes the root %s; it was left out of the served chain (clients must already "
            "trust it)." % (labels["chain"], describe(root))
        )

    # Names: SAN dNSName only; CN is ignored (RFC 6125 section 6.4.4, RFC 9525).
    sans = dns_sans(leaf)
    if sans is None:
        problems.add_message(
            "%s %s has no subjectAltName extension; clients ignore the CN (%s) and will reject it."
            % (labels["certificate"], describe(leaf), ", ".join(common_names(leaf)) or "none")
        )
    else:
        for host in hosts or ():
            if not host_covered(host, sans):
                problems.add_message(
                    "host %r is not covered by %s %s (subjectAltName DNS: %s)."
                    % (host, labels["certificate"], describe(leaf), ", ".join(sans) or "none")
                )

    _check_leaf_usage(leaf, labels["certificate"], problems, warnings)
    _check_times(leaf, labels["certificate"], now, min_days_valid, problems)
    _check_crypto(leaf, labels["certificate"], min_rsa_bits, problems, warnings, check_signature=not self_signed)
    for intermediate in intermediates:
        _check_times(intermediate, "%s certificate" % labels["chain"], now, min_days_valid, problems)
        _check_crypto(intermediate, "%s certificate" % labels["chain"], min_rsa_bits, problems, warnings)
    for trusted in ca_certs:
        if not_after(trusted) <= now:
            problems.add_message(
                "%s certificate %s has expired: notAfter was %s."
                % (labels["ca"], describe(trusted), iso(not_after(trusted)))
            )
    problems.raise_if_any()
    return CheckedBundle(leaf, intermediates, ca_certs, key, warnings, anchor=anchor)


def existing_facts(crt, key_pem):
    """Identify what a Secret or file holds (chain fingerprints, key fingerprint) without raising.

    Used for idempotence and diffs: two bundles are the same when the chain DER and the public key
    match, whatever the PEM line wrapping or key encoding. Unparseable content yields ``None`` parts.
    """
    problems = Problems()
    chain = parse_certificates("crt", crt, problems, allow_empty=True) if crt else []
    key = parse_private_key("key", key_pem, None, Problems()) if key_pem else None
    return {
        "chain": [fingerprint(c) for c in chain] if chain and not problems else None,
        "leaf": chain[0] if chain and not problems else None,
        "key": public_key_fingerprint(key.public_key()) if key is not None else None,
    }
