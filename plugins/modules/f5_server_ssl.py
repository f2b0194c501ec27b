#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: f5_server_ssl
short_description: Manage an F5 BIG-IP server-ssl profile that verifies the servers' certificates
version_added: 0.1.0
description:
  - Creates, updates or deletes one LTM server-ssl profile on an F5 BIG-IP through iControl REST, for
    TLS from the BIG-IP to the pool members (the ingress controllers' port 443) after a client-ssl
    profile terminated the client's TLS.
  - The built-in C(/Common/serverssl) encrypts but accepts any certificate. With O(verify=true) (the
    default) the profile requires the server's certificate (C(peerCertMode require)) to chain to
    O(ca_file) or O(ca_certificate), and to carry O(authenticate_name) when given; untrusted and
    expired certificates are dropped (the device's default response for both).
  - O(verify=false) is possible and warned on every run.
  - O(ca_certificate) installs a local PEM bundle as a certificate file on the device, in the same
    transaction as the profile change, when the device's SHA1 checksum differs.
author:
  - kube_edge maintainers (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
  - kube_edge.lb._attributes.f5_action_group
  - kube_edge.lb._attributes.controller
  - kube_edge.lb._f5_provider
attributes:
  check_mode:
    support: full
    details: A parent profile or CA file that does not exist yet is reported as a warning in check mode.
  diff_mode:
    support: full
    details: A CA bundle shows as its checksum.
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the server-ssl profile, for example C(rke-cluster-prd_nodes).
    type: str
    required: true
  partition:
    description:
      - Partition of the profile and of the CA file installed from O(ca_certificate).
    type: str
    default: Common
  state:
    description:
      - V(present) creates or updates the profile; V(absent) deletes it, and in the same transaction the
        CA file O(ca_certificate) installed under its default name C(<name>_ca.crt). Other CA files stay.
    type: str
    choices: [present, absent]
    default: present
  parent:
    description:
      - The server-ssl profile this one is made from (C(defaultsFrom)).
    type: str
    default: serverssl
  verify:
    description:
      - Require and verify the server's certificate. V(false) encrypts without checking who answers.
    type: bool
    default: true
  ca_file:
    description:
      - A certificate file on the device the servers' certificates must chain to, for example
        C(ca-bundle.crt) (public CAs) or an internal CA installed earlier. An empty string removes it
        (only with O(verify=false)).
      - With O(ca_certificate), the name of the file to install (default C(<name>_ca.crt)).
    type: str
  ca_certificate:
    description:
      - Path (on the controller) to a PEM bundle of CA certificates to install as O(ca_file).
    type: path
  authenticate_name:
    description:
      - The name the server's certificate must carry (C(*.example.com) allowed). An empty string removes it.
    type: str
  server_name:
    description:
      - The name sent as SNI, which selects the certificate an ingress controller presents. An empty string removes it.
    type: str
  description:
    description:
      - Description of the profile. Unmanaged when not set; an empty string removes it.
    type: str
notes:
  - A no-op costs one read plus the login and logout, and one more read with O(ca_certificate).
seealso:
  - module: kube_edge.lb.f5_virtual
  - module: kube_edge.lb.f5_client_ssl
"""

EXAMPLES = r"""
- name: Re-encrypt to the nodes and verify them against the cluster's CA
  kube_edge.lb.f5_server_ssl:
    provider:
      server: bigip.example.com
      password: "{{ vault_f5_password }}"
    name: rke-cluster-prd_nodes
    ca_certificate: files/cluster-ca.crt
    server_name: app.example.com
    authenticate_name: app.example.com

- name: Used by the HTTP-mode virtual server on 443
  kube_edge.lb.f5_virtual:
    name: rke-cluster-prd_443
    destination: 192.0.2.10
    port: 443
    type: standard
    client_ssl_profile: star.example.com
    profiles: [rke-cluster-prd_nodes]
    pool: rke-cluster-prd_443
"""

RETURN = r"""
profile:
  description: The profile as it is after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    name: rke-cluster-prd_nodes
    partition: Common
    full_path: /Common/rke-cluster-prd_nodes
    parent: /Common/serverssl
    verify: true
    ca_file: /Common/rke-cluster-prd_nodes_ca.crt
    authenticate_name: app.example.com
    server_name: app.example.com
    description: ""
writes:
  description: The write requests made (planned, in check mode), as C(METHOD path).
  returned: always
  type: list
  elements: str
  sample: [POST /mgmt/tm/sys/file/ssl-cert, POST /mgmt/tm/ltm/profile/server-ssl]
requests:
  description: How many HTTP requests the run sent to the device (login and logout included).
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import server_ssl
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import F5


def main():
    F5.run_module(server_ssl)


if __name__ == "__main__":
    main()
