# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's certificates, generated on this machine (never committed) and reused while valid.

    python tests/lab/certs.py --state-dir .cache/lab

    python tests/lab/certs.py --state-dir .cache/lab --hostname dev.example.com --hostname example.com

writes into the state directory (keys mode 0600):

- ``ingress-cert.pem``/``ingress-key.pem``: ingress-nginx's self-signed "Kubernetes Ingress
  Controller Fake Certificate" (O=Acme Co, SAN ``ingress.local``), which the worker nodes serve for
  an unknown or missing SNI, as the real controller does.
- ``lab-ca.pem``/``lab-ca-key.pem``: the lab's certificate authority. Load balancers in the lab
  trust this CA (HAProxy's ``ca-file``), never a single node's certificate.
- ``host-<name>-cert.pem``/``host-<name>-key.pem`` for every ``--hostname``: the certificate of
  that Ingress host's TLS Secret, issued by the lab CA, naming only that host. The nodes serve it
  when a client sends that host name as SNI.
- ``edge-cert.pem``/``edge-key.pem``: the load balancer's ``*.example.com`` certificate (SANs
  ``example.com``, ``*.example.com``), the chapter's ``star.example.com.pem`` (ECDSA P-256), and
  ``edge-rsa-cert.pem``/``edge-rsa-key.pem``, its RSA-2048 twin for clients without ECDSA.
- ``app-cert.pem``/``app-key.pem``: the certificate for the chapter's example Ingress hosts
  (``foo.bar.com``, ``*.foo.com``), stored in a ``kubernetes.io/tls`` Secret.

Certificates are reused across lab restarts (while they have 30+ days left) so that what the load
balancer trusts and serves stays the same, and a second ``site.yml`` run changes nothing.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import re
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

MIN_DAYS_LEFT = 30

# name -> (organisation, common name, DNS names)
LAB_CERTIFICATES = {
    "ingress": ("Acme Co", "Kubernetes Ingress Controller Fake Certificate", ["ingress.local"]),
    "edge": ("kube_edge.lb lab", "*.example.com", ["example.com", "*.example.com"]),
    "app": ("kube_edge.lb lab", "foo.bar.com", ["foo.bar.com", "*.foo.com"]),
}
# The load balancer's RSA-2048 twin of "edge": HAProxy serves it beside the ECDSA one to clients that
# offer only RSA signatures.
LAB_RSA_CERTIFICATES = {
    "edge-rsa": LAB_CERTIFICATES["edge"],
}


CA_CERT = "lab-ca.pem"
CA_KEY = "lab-ca-key.pem"
CA_SUBJECT = ("kube_edge.lb lab", "kube_edge.lb lab CA")
# A host name as an Ingress rule takes it (RFC 1123 labels, an optional leading "*." wildcard):
# it ends up in file names and in nginx's configuration, so nothing else gets through.
HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def check_hostname(hostname):
    """Return the host name, or raise ValueError naming it when it is not one an Ingress accepts."""
    if not isinstance(hostname, str) or len(hostname) > 253 or not HOSTNAME.match(hostname):
        raise ValueError("host name %r is not a DNS name (lower-case RFC 1123 labels, optional leading *.)"
                         % (hostname,))
    return hostname


def paths(state_dir, name):
    return os.path.join(state_dir, "%s-cert.pem" % name), os.path.join(state_dir, "%s-key.pem" % name)


def still_good(cert_path, key_path, dns_names, ip_addresses):
    """True when both files exist, the certificate covers the names and has MIN_DAYS_LEFT left."""
    try:
        with open(cert_path, "rb") as handle:
            certificate = x509.load_pem_x509_certificate(handle.read())
        if not os.path.exists(key_path):
            return False
    except (OSError, ValueError):
        return False
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    covered = set(san.get_values_for_type(x509.DNSName)) | {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    if not set(dns_names) | set(ip_addresses) <= covered:
        return False
    return _days_left(certificate) > datetime.timedelta(days=MIN_DAYS_LEFT)


def ensure_certificate(state_dir, name, organisation, common_name, dns_names, ip_addresses=(), rsa_key=False):
    """Write a self-signed server certificate and its key (ECDSA P-256, or RSA-2048 with ``rsa_key``)
    unless a good one is already there."""
    cert_path, key_path = paths(state_dir, name)
    if still_good(cert_path, key_path, dns_names, ip_addresses):
        return cert_path, key_path, False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt_names = [x509.DNSName(dns) for dns in dns_names]
    alt_names.extend(x509.IPAddress(ipaddress.ip_address(address)) for address in sorted(set(ip_addresses)))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_pair(cert_path, key_path, certificate, key)
    return cert_path, key_path, True


def write_pair(cert_path, key_path, certificate, key):
    """Key first (0600), then the certificate, each replaced whole: a reader never sees half a file."""
    os.makedirs(os.path.dirname(cert_path) or ".", exist_ok=True)
    old_umask = os.umask(0o077)
    try:
        with open(key_path + ".tmp", "wb") as handle:
            handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    finally:
        os.umask(old_umask)
    os.replace(key_path + ".tmp", key_path)
    with open(cert_path + ".tmp", "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    os.chmod(cert_path + ".tmp", 0o644)
    os.replace(cert_path + ".tmp", cert_path)


def _load_pair(cert_path, key_path):
    with open(cert_path, "rb") as handle:
        certificate = x509.load_pem_x509_certificate(handle.read())
    with open(key_path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    return certificate, key


def ensure_ca(state_dir):
    """The lab CA (``lab-ca.pem``, key ``lab-ca-key.pem``), made unless a good one is there.

    Returns (certificate path, key path, True when it was just made)."""
    cert_path, key_path = os.path.join(state_dir, CA_CERT), os.path.join(state_dir, CA_KEY)
    try:
        certificate, _key = _load_pair(cert_path, key_path)
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca and _days_left(certificate) > datetime.timedelta(days=MIN_DAYS_LEFT):
            return cert_path, key_path, False
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound):
        pass
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, CA_SUBJECT[0]),
        x509.NameAttribute(NameOID.COMMON_NAME, CA_SUBJECT[1]),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_pair(cert_path, key_path, certificate, key)
    return cert_path, key_path, True


def host_paths(state_dir, hostname):
    """Files of one host's certificate; a wildcard's ``*`` becomes ``_wildcard`` in the file name."""
    stem = "host-%s" % check_hostname(hostname).replace("*", "_wildcard")
    return os.path.join(state_dir, "%s-cert.pem" % stem), os.path.join(state_dir, "%s-key.pem" % stem)


def ensure_host_certificate(state_dir, hostname):
    """The certificate of one Ingress host, issued by the lab CA (made first when missing).

    Reused while it names the host, has MIN_DAYS_LEFT left and verifies against the current CA.
    Returns (certificate path, key path, True when it was just made)."""
    cert_path, key_path = host_paths(state_dir, hostname)
    ca_cert_path, ca_key_path, _new = ensure_ca(state_dir)
    ca_certificate, ca_key = _load_pair(ca_cert_path, ca_key_path)
    if still_good(cert_path, key_path, [hostname], ()) and _issued_by(cert_path, ca_certificate):
        return cert_path, key_path, False
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    write_pair(cert_path, key_path, certificate, key)
    return cert_path, key_path, True


def _issued_by(cert_path, ca_certificate):
    with open(cert_path, "rb") as handle:
        certificate = x509.load_pem_x509_certificate(handle.read())
    if certificate.issuer != ca_certificate.subject:
        return False
    try:
        ca_certificate.public_key().verify(certificate.signature, certificate.tbs_certificate_bytes,
                                           ec.ECDSA(certificate.signature_hash_algorithm))
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def _days_left(certificate):
    # not_valid_after_utc needs cryptography 42+; Debian 12 containers ship 38.
    expires = getattr(certificate, "not_valid_after_utc", None) or \
        certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return expires - datetime.datetime.now(datetime.timezone.utc)


def ensure_lab_certificates(state_dir, hostnames=()):
    """Every lab certificate: the fake one, the load balancer's, the example Ingress's, the CA and
    one per host name the clusters serve. Returns the names of those made just now."""
    made = []
    for name, (organisation, common_name, dns_names) in LAB_CERTIFICATES.items():
        if ensure_certificate(state_dir, name, organisation, common_name, dns_names)[2]:
            made.append(name)
    for name, (organisation, common_name, dns_names) in LAB_RSA_CERTIFICATES.items():
        if ensure_certificate(state_dir, name, organisation, common_name, dns_names, rsa_key=True)[2]:
            made.append(name)
    if ensure_ca(state_dir)[2]:
        made.append("lab CA")
    for hostname in hostnames:
        if ensure_host_certificate(state_dir, hostname)[2]:
            made.append(hostname)
    return made


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate the lab's certificates (reused while valid).")
    parser.add_argument("--state-dir", default=".cache/lab")
    parser.add_argument("--hostname", action="append", default=[],
                        help="an Ingress host the nodes serve, gets a certificate from the lab CA (repeatable)")
    args = parser.parse_args(argv)
    try:
        made = ensure_lab_certificates(args.state_dir, [check_hostname(host) for host in args.hostname])
    except ValueError as error:
        parser.error(str(error))
    sys.stdout.write("certificates: %s\n" % ("generated %s" % ", ".join(made) if made else "all reused"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
