#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: haproxy_certificate
short_description: Write an HAProxy certificate PEM after checking the key, chain and validity
version_added: 0.1.0
description:
  - Writes one PEM file as HAProxy's C(crt) keyword loads it, server certificate first, then the
    intermediates, then the private key, with mode C(0600) by default.
  - Before anything is written it runs the collection's certificate checks (see the notes) and, when
    O(hosts) is given, checks that the certificate covers them. Every problem is reported in one
    message; an existing file is left untouched.
  - The file is written to a new, randomly named file in the same directory (created exclusively, never
    through a symlink, with its final mode and owner), then renamed over O(path). A failed run leaves the
    old file as it was and no temporary file behind.
  - Key material never appears in the result, the diff or error messages; fingerprints identify the certificate and key.
requirements:
  - cryptography (on the target; C(python3-cryptography) on Debian)
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
  - kube_edge.lb._tls
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Certificate subjects, fingerprints and expiry dates, never key material.
  idempotent:
    support: full
options:
  path:
    description: Where the PEM file is written, for example C(/etc/haproxy/certs/star.example.com.pem).
    type: path
    required: true
  hosts:
    description: Host names the certificate must cover (subjectAltName DNS entries, one-label wildcards).
    type: list
    elements: str
    default: []
  mode:
    description:
      - File mode of the PEM file, in octal (C('0600'), C('0640')). A mode that gives others any access is
        refused, because the file holds the private key.
      - The file is created with this mode and owner before any byte is written, then renamed into place.
    type: raw
    default: '0600'
  owner:
    description: Owner of the PEM file; when not set, the owner of the file it replaces, or the user running the module.
    type: str
  group:
    description: Group of the PEM file; when not set, the group of the file it replaces, or the user's group.
    type: str
  rsa:
    description:
      - An RSA certificate for the same names, served beside the main one, which must then be ECDSA (HAProxy gives the
        ECDSA certificate to clients that support it and the RSA one to the others).
      - Both pairs pass every check, and the main one must hold an ECDSA key and this one an RSA key, before either file
        is written. O(ca), O(hosts), O(min_days_valid), O(min_rsa_bits) and O(allow_self_signed) apply to both.
    type: dict
    suboptions:
      path:
        description: Where its PEM file is written, for example C(/etc/haproxy/certs/star.example.com.rsa.pem).
        type: path
        required: true
      certificate:
        description: PEM content of the RSA server certificate.
        type: str
        required: true
      private_key:
        description: PEM content of its private key (never shown in the result, the diff or messages).
        type: str
        required: true
      chain:
        description: PEM content of its intermediates.
        type: str
"""

EXAMPLES = r"""
- name: Install the wildcard certificate for the HTTP-mode frontend
  kube_edge.lb.haproxy_certificate:
    path: /etc/haproxy/certs/star.example.com.pem
    certificate: "{{ lookup('ansible.builtin.file', 'files/star.example.com.crt') }}"
    chain: "{{ lookup('ansible.builtin.file', 'files/intermediate.crt') }}"
    private_key: "{{ vault_star_example_com_key }}"
    hosts: [example.com, dev.example.com]

- name: A certificate and key already on the load balancer, readable by the haproxy group
  kube_edge.lb.haproxy_certificate:
    path: /etc/haproxy/certs/shop.example.com.pem
    certificate_path: /etc/pki/shop/fullchain.pem
    private_key_path: /etc/pki/shop/privkey.pem
    mode: "0640"
    group: haproxy
"""

RETURN = r"""
path:
  description: The PEM file.
  returned: always
  type: str
  sample: /etc/haproxy/certs/star.example.com.pem
certificate:
  description: Facts about the server certificate written (or that would be written).
  returned: always
  type: dict
  sample:
    subject: CN=*.example.com
    sans: ["*.example.com", example.com]
    not_after: "2027-01-01T00:00:00+00:00"
    days_left: 402
    fingerprint_sha256: "AB:CD:..."
    public_key_sha256: "12:34:..."
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import certificate
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.module import HOST


def main():
    HOST.run_module(certificate)


if __name__ == "__main__":
    main()
