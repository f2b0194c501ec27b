#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: f5_http_profile
short_description: Manage an F5 BIG-IP LTM HTTP profile (X-Forwarded-For)
version_added: 0.1.0
description:
  - Creates, updates or deletes one LTM HTTP profile on an F5 BIG-IP through iControl REST.
  - The built-in C(/Common/http) profile does not insert X-Forwarded-For, so behind SNAT the
    servers (the ingress controllers) see only the BIG-IP's address. A child profile with
    O(insert_x_forwarded_for=true), listed in M(kube_edge.lb.f5_virtual)'s O(kube_edge.lb.f5_virtual#module:profiles)
    of a Standard virtual server, replaces C(/Common/http) there and passes the client's address.
  - Settings not given are left as they are on the device (a new profile takes them from its parent).
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
    details: A parent profile that does not exist yet is reported as a warning in check mode.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the HTTP profile, for example C(kube_edge_http_xff).
    type: str
    required: true
  partition:
    description:
      - Partition of the profile.
    type: str
    default: Common
  state:
    description:
      - V(present) creates or updates the profile; V(absent) deletes it (the device refuses while a virtual server uses it).
    type: str
    choices: [present, absent]
    default: present
  parent:
    description:
      - The HTTP profile this one is made from (C(defaultsFrom)).
    type: str
    default: http
  insert_x_forwarded_for:
    description:
      - Add an C(X-Forwarded-For) header with the client's address to each request. Unmanaged when not set.
    type: bool
  description:
    description:
      - Description of the profile. Unmanaged when not set; an empty string removes it.
    type: str
notes:
  - A no-op costs one read plus the login and logout (one read in total with O(provider.auth=basic)).
  - The ingress controller must trust the header from the BIG-IP's address (ingress-nginx
    C(use-forwarded-headers) with C(proxy-real-ip-cidr)), or it keeps showing the SNAT address.
seealso:
  - module: kube_edge.lb.f5_virtual
"""

EXAMPLES = r"""
- name: An HTTP profile that passes the client's address
  kube_edge.lb.f5_http_profile:
    provider:
      server: bigip.example.com
      password: "{{ vault_f5_password }}"
    name: kube_edge_http_xff
    insert_x_forwarded_for: true

- name: Used by a Standard virtual server instead of /Common/http
  kube_edge.lb.f5_virtual:
    name: rke-cluster-prd_443
    destination: 192.0.2.10
    port: 443
    type: standard
    profiles: [kube_edge_http_xff]
    client_ssl_profile: star.example.com
    pool: rke-cluster-prd_443
"""

RETURN = r"""
profile:
  description: The profile as it is after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    name: kube_edge_http_xff
    partition: Common
    full_path: /Common/kube_edge_http_xff
    parent: /Common/http
    insert_x_forwarded_for: true
    description: ""
writes:
  description: The write requests made (planned, in check mode), as C(METHOD path).
  returned: always
  type: list
  elements: str
  sample: [POST /mgmt/tm/ltm/profile/http]
requests:
  description: How many HTTP requests the run sent to the device (login and logout included).
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import http_profile
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import F5


def main():
    F5.run_module(http_profile)


if __name__ == "__main__":
    main()
