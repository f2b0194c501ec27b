#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: f5_client_ssl
short_description: Upload a certificate, chain and key to an F5 BIG-IP and manage the client-ssl profile using them
version_added: 0.1.0
description:
  - Uploads a PEM certificate, its private key and an optional chain to the BIG-IP as
    C(<cert_key_name>.crt), C(<cert_key_name>.key) and C(<cert_key_name>-chain.crt), and creates
    or updates a client-ssl profile that uses them, for a Standard virtual server that terminates TLS
    (see M(kube_edge.lb.f5_virtual) O(kube_edge.lb.f5_virtual#module:client_ssl_profile)).
  - Files are compared with the device's SHA1 checksums and only uploaded when they differ.
    A certificate and key are replaced together with the profile in one transaction.
  - Before anything is uploaded, the certificate options get the checks every certificate module of the
    collection runs (see the notes). A key that does not match, an expired, RSA-1024 or SHA-1 signed
    certificate, a chain that does not lead to a trusted root are refused, each problem in one message.
    When O(server_name) is set, the certificate must cover it.
  - An encrypted key is decrypted with O(private_key_passphrase) and uploaded decrypted, as the BIG-IP
    needs to load it without a prompt; a key that is not encrypted is uploaded as given.
  - The key never appears in results, diffs or messages; uploaded copies are removed from the
    device's download folder afterwards.
author:
  - kube_edge maintainers (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
  - kube_edge.lb._attributes.f5_action_group
  - kube_edge.lb._attributes.controller
  - kube_edge.lb._f5_provider
  - kube_edge.lb._tls
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows file names and certificate checksums; the key only as replaced or not.
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the client-ssl profile.
    type: str
    required: true
  partition:
    description:
      - Partition of the profile and of the certificate and key files.
    type: str
    default: Common
  state:
    description:
      - V(present) uploads the files when they differ and creates or updates the profile.
      - V(absent) deletes the profile and then its certificate, key and chain files.
    type: str
    choices: [present, absent]
    default: present
  cert_key_name:
    description:
      - Base name of the certificate, key and chain files on the device. Defaults to O(name).
    type: str
  parent:
    description:
      - Parent profile.
    type: str
    default: clientssl
  ciphers:
    description:
      - Cipher string of the profile, for example C(DEFAULT:!3DES). Unmanaged when not set.
    type: str
  server_name:
    description:
      - The server name (SNI) this profile answers for; the certificate must cover it. Unmanaged when not set.
    type: str
notes:
  - A no-op costs two reads plus the login and logout.
  - Before the first release, O(certificate), O(private_key) and O(chain) were file paths. A one-line value that names
    an existing file is still read as that file, with a deprecation warning; use O(certificate_path),
    O(private_key_path) and O(chain_path) for files.
seealso:
  - module: kube_edge.lb.f5_virtual
"""

EXAMPLES = r"""
- name: Wildcard certificate for the HTTP-mode virtual server
  kube_edge.lb.f5_client_ssl:
    provider:
      server: bigip.example.com
      password: "{{ vault_f5_password }}"
    name: star.example.com
    certificate_path: files/star.example.com.crt
    private_key_path: files/star.example.com.key
    chain_path: files/intermediate.crt

- name: The key from the vault, encrypted, with its passphrase
  kube_edge.lb.f5_client_ssl:
    provider:
      server: bigip.example.com
      password: "{{ vault_f5_password }}"
    name: shop.example.com
    certificate: "{{ lookup('ansible.builtin.file', 'files/shop.example.com.fullchain.pem') }}"
    private_key: "{{ vault_shop_key }}"
    private_key_passphrase: "{{ vault_shop_key_passphrase }}"
    server_name: shop.example.com
"""

RETURN = r"""
profile:
  description: The client-ssl profile after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    name: star.example.com
    partition: Common
    full_path: /Common/star.example.com
    parent: /Common/clientssl
    cert: /Common/star.example.com.crt
    key: /Common/star.example.com.key
    chain: null
    ciphers: DEFAULT
    server_name: null
certificate:
  description: Facts about the local certificate (never the key).
  returned: when O(state=present)
  type: dict
  sample:
    subject: CN=*.example.com
    issuer: CN=Example CA
    sans: ["*.example.com", example.com]
    not_before: "2026-11-25T00:00:00Z"
    not_after: "2027-11-25T00:00:00Z"
    days_left: 359
    fingerprint_sha256: "3f:1c:0e:..."
    sha256_fingerprint: 3f1c0e...
    key_type: ECDSA P-256
    chain: [CN=Example CA]
    checksum: "SHA1:1234:5e7c..."
writes:
  description: The write requests made (planned, in check mode), as C(METHOD path); uploads not included.
  returned: always
  type: list
  elements: str
  sample: [POST /mgmt/tm/sys/file/ssl-cert, POST /mgmt/tm/sys/file/ssl-key, POST /mgmt/tm/ltm/profile/client-ssl]
requests:
  description: How many HTTP requests the run sent to the device (login and logout included).
  returned: always
  type: int
  sample: 4
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import ssl
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import F5


def main():
    F5.run_module(ssl)


if __name__ == "__main__":
    main()
