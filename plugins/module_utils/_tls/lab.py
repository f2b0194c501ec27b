# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lab certificates: self-signed, or from a local CA kept in a directory on the controller.

Private to the collection: may change at any time. The CA key is read only from a regular file that
nobody but its owner can read, and written through ``_common.files.write_atomically``.
"""

from __future__ import annotations

import datetime
import os
import stat

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # pem.HAS_CRYPTOGRAPHY says so
    pass

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._common.files import read_regular, write_atomically
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import (
    parse_certificates,
    parse_private_key,
    pem_of,
    unencrypted_pem,
    utcnow,
)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _key_usage(ca):
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _existing_ca(directory, cert_path, key_path):
    problems = Problems()
    cert_data, dummy = read_regular(cert_path)
    key_data, key_stat = read_regular(key_path)
    if cert_data is None or key_data is None:
        raise ValidationError(
            "local_ca_dir=%r: %s and %s must be regular files, not links or other kinds of file."
            % (directory, os.path.basename(cert_path), os.path.basename(key_path))
        )
    if stat.S_IMODE(key_stat.st_mode) & 0o077:
        raise ValidationError(
            "local_ca_dir=%r: %s has mode %04o, readable by others than its owner; a CA key must be "
            "0600 (chmod 600 %s)." % (directory, os.path.basename(key_path), stat.S_IMODE(key_stat.st_mode), key_path)
        )
    certs = parse_certificates(cert_path, cert_data, problems)
    key = parse_private_key(key_path, key_data, None, problems)
    problems.raise_if_any()
    return certs[0], key


def local_ca(directory, create=True, days=3650):
    """The lab CA in ``directory`` (``ca.crt`` + ``ca.key``, ECDSA P-256), created when missing.

    With ``create=False`` (check mode) a missing CA is made in memory only, so nothing is written.
    """
    if "\0" in directory or (os.path.exists(directory) and not os.path.isdir(directory)):
        raise ValidationError("local_ca_dir=%r is not a directory." % directory)
    cert_path = os.path.join(directory, "ca.crt")
    key_path = os.path.join(directory, "ca.key")
    if os.path.lexists(cert_path) or os.path.lexists(key_path):
        if not (os.path.lexists(cert_path) and os.path.lexists(key_path)):
            raise ValidationError(
                "local_ca_dir=%r holds only one of ca.crt and ca.key; restore the other or remove "
                "both to start a new CA." % directory
            )
        return _existing_ca(directory, cert_path, key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    now = utcnow()
    subject = _name("kube_edge.lb lab CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    if create:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError as error:
            raise ValidationError("local_ca_dir=%r cannot be created (%s)." % (directory, error.strerror)) from error
        write_atomically(key_path, unencrypted_pem(key), mode=0o600)
        write_atomically(cert_path, pem_of(cert), mode=0o644)
    return cert, key


def issue_certificate(hosts, days=90, ca_cert=None, ca_key=None):
    """A fresh ECDSA P-256 server certificate for ``hosts`` (SANs), self-signed or from the CA.

    Returns (cert PEM, key PEM) as bytes.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    now = utcnow()
    subject = _name(hosts[0])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject if ca_cert is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host) for host in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    cert = builder.sign(ca_key if ca_key is not None else key, hashes.SHA256())
    return pem_of(cert), unencrypted_pem(key)
