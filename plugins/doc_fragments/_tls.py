# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The certificate options shared by ingress_tls, haproxy_certificate and f5_client_ssl (private to the collection)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  certificate:
    description:
      - The server certificate as PEM text, optionally followed by its intermediates (leaf first).
        Base64 of a DER certificate is accepted too.
      - Mutually exclusive with O(certificate_path).
    type: str
    aliases: [cert]
  certificate_path:
    description:
      - Path to the certificate (PEM or DER) on the host that runs the module.
    type: path
    aliases: [cert_path]
  private_key:
    description:
      - The private key of the certificate as PEM text (PKCS#8, PKCS#1 or SEC1), or base64 DER.
      - Mutually exclusive with O(private_key_path).
    type: str
    aliases: [key]
  private_key_path:
    description:
      - Path to the private key (PEM or DER) on the host that runs the module.
    type: path
    aliases: [key_path]
  private_key_passphrase:
    description:
      - Passphrase of an encrypted private key. The key is decrypted in memory to check it and is
        written (or uploaded) decrypted, because servers load it without a passphrase prompt.
    type: str
    aliases: [key_passphrase]
  chain:
    description:
      - Intermediate certificates as PEM text, served after the certificate.
      - Mutually exclusive with O(chain_path).
    type: str
  chain_path:
    description: Path to the intermediate certificates (PEM bundle).
    type: path
  ca:
    description:
      - Root certificates (PEM) to trust besides the system trust store, for a private CA.
      - The chain must lead to a root in O(ca) or in the system store; a missing intermediate is refused.
      - Mutually exclusive with O(ca_path).
    type: str
  ca_path:
    description: Path to the root certificates to trust (PEM bundle).
    type: path
  reorder_chain:
    description: Put the certificate matching the key first and its issuers after it, instead of refusing a misordered bundle.
    type: bool
    default: false
  allow_self_signed:
    description: Accept a self-signed server certificate (labs and tests only).
    type: bool
    default: false
  min_days_valid:
    description: The certificate and its intermediates must stay valid for at least this many days (0 to 3650).
    type: int
    default: 14
  min_rsa_bits:
    description: Smallest RSA key size accepted in the chain (2048 to 16384).
    type: int
    default: 2048
notes:
  - Before anything is written, the certificate options are checked the same way by every module of
    the collection that takes a certificate, and every problem is reported in one message
    - parsing (PEM, DER, base64 DER), key match (RSA, ECDSA, Ed25519), chain order, missing
    intermediates, a chain that does not lead to a trusted root (the system store or O(ca)), validity now
    and for O(min_days_valid) days, weak keys (RSA below O(min_rsa_bits), DSA, elliptic curves under 256
    bits), MD5 and SHA-1 signatures, serverAuth when an extended key usage is present and host coverage
    by subjectAltName (RFC 6125/9525).
  - The aliases C(cert), C(cert_path), C(key), C(key_path) and C(key_passphrase) are the earlier option
    names of ingress_tls and haproxy_certificate; they are deprecated.
requirements:
  - cryptography
"""
