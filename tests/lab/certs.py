# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's certificates, generated on this machine (never committed) and reused while valid.

    python tests/lab/certs.py --state-dir .cache/lab

writes into the state directory (keys mode 0600):

- ``ingress-cert.pem``/``ingress-key.pem``: what the worker nodes serve, like ingress-nginx's
  self-signed "Kubernetes Ingress Controller Fake Certificate" (SAN ``ingress.local``, the nodes'
  addresses and, with ``--node-hostname``, the host names the clusters serve). HAProxy in the lab
  trusts exactly this certificate and verifies the nodes by the host name it sends as SNI.
- ``edge-cert.pem``/``edge-key.pem``: the load balancer's ``*.example.com`` certificate (SANs
  ``example.com``, ``*.example.com``), the chapter's ``star.example.com.pem``.
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
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LAB_NODE_ADDRESSES = ("127.0.1.11", "127.0.1.12", "127.0.1.13", "127.0.1.21", "127.0.1.22", "127.0.1.23")
MIN_DAYS_LEFT = 30

# name -> (organisation, common name, DNS names)
LAB_CERTIFICATES = {
    "ingress": ("Acme Co", "Kubernetes Ingress Controller Fake Certificate", ["ingress.local"]),
    "edge": ("kube_edge.lb lab", "*.example.com", ["example.com", "*.example.com"]),
    "app": ("kube_edge.lb lab", "foo.bar.com", ["foo.bar.com", "*.foo.com"]),
}


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
    # not_valid_after_utc needs cryptography 42+; Debian 12 containers ship 38.
    expires = getattr(certificate, "not_valid_after_utc", None) or \
        certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    left = expires - datetime.datetime.now(datetime.timezone.utc)
    return left > datetime.timedelta(days=MIN_DAYS_LEFT)


def ensure_certificate(state_dir, name, organisation, common_name, dns_names, ip_addresses=()):
    """Write a self-signed server certificate and its key unless a good one is already there."""
    cert_path, key_path = paths(state_dir, name)
    if still_good(cert_path, key_path, dns_names, ip_addresses):
        return cert_path, key_path, False
    key = ec.generate_private_key(ec.SECP256R1())
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
    os.makedirs(state_dir, exist_ok=True)
    old_umask = os.umask(0o077)
    try:
        with open(key_path, "wb") as handle:
            handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    finally:
        os.umask(old_umask)
    with open(cert_path, "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, True


def ensure_lab_certificates(state_dir, node_addresses=LAB_NODE_ADDRESSES, node_hostnames=()):
    """``node_hostnames``: the host names the nodes serve, added to their certificate so that a load
    balancer can verify them by the name it sends as SNI (as with a real ingress certificate)."""
    made = []
    for name, (organisation, common_name, dns_names) in LAB_CERTIFICATES.items():
        addresses = node_addresses if name == "ingress" else ()
        if name == "ingress":
            dns_names = list(dns_names) + [host for host in node_hostnames if host not in dns_names]
        _cert, _key, new = ensure_certificate(state_dir, name, organisation, common_name, dns_names, addresses)
        if new:
            made.append(name)
    return made


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate the lab's certificates (reused while valid).")
    parser.add_argument("--state-dir", default=".cache/lab")
    parser.add_argument("--node-address", action="append", help="a worker node address (repeatable)")
    parser.add_argument("--node-hostname", action="append", help="a host name the nodes serve (repeatable)")
    args = parser.parse_args(argv)
    made = ensure_lab_certificates(args.state_dir, tuple(args.node_address or LAB_NODE_ADDRESSES),
                                   tuple(args.node_hostname or ()))
    sys.stdout.write("certificates: %s\n" % ("generated %s" % ", ".join(made) if made else "all reused"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
