#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: f5_virtual
short_description: Manage an F5 BIG-IP LTM virtual server
version_added: 0.1.0
description:
  - Creates, updates or deletes one LTM virtual server on an F5 BIG-IP through iControl REST.
  - The virtual server type (Performance Layer 4, Performance HTTP, Standard) is derived from the
    profiles already on the device, read with the virtual server in one request; changing the type
    swaps the profiles in the same single write (fastL4 and fasthttp exclude tcp and http).
  - References the change would add (pool, profiles, client-ssl profile) are checked before
    anything is written; references already in place cost no request.
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
    details: A pool or profile that does not exist yet is reported as a warning in check mode, since an earlier task may create it.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the virtual server, for example C(rke-cluster-npd_443).
    type: str
    required: true
  partition:
    description:
      - Partition of the virtual server.
    type: str
    default: Common
  state:
    description:
      - V(present) creates or updates the virtual server; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  destination:
    description:
      - The virtual address (IPv4 or IPv6, optionally with a route domain, C(10.0.0.1%2)).
      - Required to create the virtual server.
    type: str
  port:
    description:
      - The service port (1-65535). Required to create the virtual server.
      - V(0) is the device's any-port wildcard and needs O(any_port=true).
    type: int
  type:
    description:
      - V(performance-l4) uses a fastL4 profile (the device's default type).
      - V(performance-http) uses a fasthttp profile.
      - V(standard) uses tcp and http profiles and can terminate TLS with O(client_ssl_profile).
      - When not set, an existing virtual server keeps its type and a new one is V(performance-l4).
    type: str
    choices: [performance-l4, performance-http, standard]
  pool:
    description:
      - The default pool, by name or full path. An empty string removes it. Unmanaged when not set.
    type: str
  profiles:
    description:
      - Extra profiles by name or full path, on top of those the type brings. A profile of a kind
        the type needs (for example C(tcp-lan-optimized) for V(standard)) replaces the default one.
      - Client-ssl profiles go to the client side, server-ssl profiles to the server side.
      - Unmanaged when not set; an empty list removes the extra profiles.
    type: list
    elements: str
  client_ssl_profile:
    description:
      - A client-ssl profile that terminates TLS on the client side (needs O(type=standard)), for
        example one made by M(kube_edge.lb.f5_client_ssl). An empty string removes it.
    type: str
  snat:
    description:
      - Source address translation. V(automap), V(none), or the name of a SNAT pool. Unmanaged when not set.
    type: str
  enabled:
    description:
      - Whether the virtual server accepts traffic.
    type: bool
    default: true
  vlans:
    description:
      - Listen only on these VLANs. An empty list listens on all VLANs. Unmanaged when not set.
    type: list
    elements: str
  irules:
    description:
      - iRules in order. An empty list removes them. Unmanaged when not set.
    type: list
    elements: str
  description:
    description:
      - Description of the virtual server. Unmanaged when not set; an empty string removes it.
    type: str
  any_port:
    description:
      - Allow O(port=0), a virtual server that accepts every port of its address (the chapter's
        TCP-mode NodePort exposure, for example a MySQL NodePort 31001 passed through).
      - Every port of the address is forwarded, so every port the nodes listen on (SSH, the kubelet,
        other NodePorts) becomes reachable from the virtual server's clients unless an iRule
        (O(irules)), a firewall on the nodes or a dedicated address limits it.
    type: bool
    default: false
notes:
  - A no-op costs one read plus the login and logout (one read in total with O(provider.auth=basic)).
  - New virtual servers are created with C(ipProtocol tcp).
seealso:
  - module: kube_edge.lb.f5_pool
  - module: kube_edge.lb.f5_client_ssl
"""

EXAMPLES = r"""
- name: TCP mode, Performance (Layer 4) on port 443
  kube_edge.lb.f5_virtual:
    provider:
      server: bigip.example.com
      password: "{{ vault_f5_password }}"
    name: rke-cluster-npd_443
    destination: 192.0.2.10
    port: 443
    type: performance-l4
    pool: rke-cluster-npd_443
    snat: automap

- name: HTTP mode, Standard with TLS terminated on the BIG-IP
  kube_edge.lb.f5_virtual:
    name: rke-cluster-npd_443
    destination: 192.0.2.10
    port: 443
    type: standard
    client_ssl_profile: rke-cluster-npd
    pool: rke-cluster-npd_443
    snat: automap
"""

RETURN = r"""
virtual:
  description: The virtual server as it is after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    name: rke-cluster-npd_443
    partition: Common
    full_path: /Common/rke-cluster-npd_443
    destination: 192.0.2.10
    port: 443
    type: standard
    pool: /Common/rke-cluster-npd_443
    client_ssl_profile: /Common/rke-cluster-npd
    profiles: []
    snat: automap
    enabled: true
    vlans: []
    irules: []
    description: null
writes:
  description: The write requests made (planned, in check mode), as C(METHOD path).
  returned: always
  type: list
  elements: str
  sample: [POST /mgmt/tm/ltm/virtual]
requests:
  description: How many HTTP requests the run sent to the device (login and logout included).
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import virtual
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import F5


def main():
    F5.run_module(virtual)


if __name__ == "__main__":
    main()
