#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: f5_pool
short_description: Manage an F5 BIG-IP LTM pool together with its members
version_added: 0.1.0
description:
  - Creates, updates or deletes one LTM pool and its members on an F5 BIG-IP through iControl REST.
  - Reads the pool with all its members in one request and writes the whole change in one
    request (members included), so the cost does not grow with the number of members.
  - Monitors are compared order-insensitively with the device's monitor rule, member admin states
    are written as the state/session pairs the device expects, and nodes are created by the
    device when a member needs them.
  - Every problem with the input is reported at once, before anything is written.
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
    details: A monitor that does not exist yet is reported as a warning in check mode, since an earlier task may create it.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the pool, for example C(rke-cluster-npd_80).
    type: str
    required: true
  partition:
    description:
      - Partition of the pool.
    type: str
    default: Common
  state:
    description:
      - V(present) creates or updates the pool; V(absent) deletes it (nodes are left in place).
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description of the pool. Unmanaged when not set; an empty string removes it.
    type: str
  lb_method:
    description:
      - Load balancing method. Unmanaged when not set (a new pool gets the device default, C(round-robin)).
    type: str
    choices:
      - dynamic-ratio-member
      - dynamic-ratio-node
      - fastest-app-response
      - fastest-node
      - least-connections-member
      - least-connections-node
      - least-sessions
      - observed-member
      - observed-node
      - predictive-member
      - predictive-node
      - ratio-least-connections-member
      - ratio-least-connections-node
      - ratio-member
      - ratio-node
      - ratio-session
      - round-robin
      - weighted-least-connections-member
      - weighted-least-connections-node
  monitors:
    description:
      - Health monitors of the pool, by name (C(http)) or full path (C(/Common/http)).
      - Built-in monitors resolve to C(/Common); other names to O(partition).
      - Order does not matter. An empty list removes all monitors. Unmanaged when not set.
    type: list
    elements: str
  monitor_quorum:
    description:
      - How many of O(monitors) must pass (C(min N of {...})). When not set, all must pass.
    type: int
  members:
    description:
      - The pool members. Unmanaged when not set; an empty list removes all members
        (with O(members_mode=exclusive)).
    type: list
    elements: dict
    suboptions:
      address:
        description:
          - IPv4 or IPv6 address of the node, optionally with a route domain (C(10.0.0.1%2)).
        type: str
        required: true
      port:
        description:
          - Service port of the member (1-65535), or V(0) (any port, the client's destination port
            is kept) with O(any_port=true).
        type: int
        required: true
      name:
        description:
          - Name of the node. Defaults to the address (the name the device gives nodes it creates).
          - Set it to reuse an existing node whose name is not its address.
        type: str
      state:
        description:
          - V(enabled) takes traffic; V(disabled) drains (only persistent and active connections);
            V(forced_offline) takes no traffic at all.
        type: str
        choices: [enabled, disabled, forced_offline]
        default: enabled
      ratio:
        description:
          - Ratio weight of the member.
        type: int
        default: 1
      priority_group:
        description:
          - Priority group of the member.
        type: int
        default: 0
      connection_limit:
        description:
          - Maximum concurrent connections, C(0) for no limit.
        type: int
        default: 0
      description:
        description:
          - Description of the member. Unmanaged when not set.
        type: str
  members_mode:
    description:
      - V(exclusive) makes the member list exactly O(members) (others are removed).
      - V(additive) adds or updates O(members) and leaves other members alone.
    type: str
    choices: [exclusive, additive]
    default: exclusive
  node_partition:
    description:
      - Partition of the members' nodes. Defaults to O(partition). Set it to C(Common) to use
        shared nodes from a pool in another partition.
    type: str
  any_port:
    description:
      - Allow member port V(0), the device's any-port wildcard, for an any-port virtual server
        (for example Kubernetes NodePorts passed through in TCP mode).
      - Opt-in because every port of the nodes becomes reachable through the virtual server that
        uses the pool; see O(kube_edge.lb.f5_virtual#module:any_port).
    type: bool
    default: false
notes:
  - A no-op costs one read plus the login and logout (one read in total with O(provider.auth=basic)).
seealso:
  - module: kube_edge.lb.f5_virtual
"""

EXAMPLES = r"""
- name: Pool for port 80 of the non-production cluster
  kube_edge.lb.f5_pool:
    provider:
      server: bigip.example.com
      user: admin
      password: "{{ vault_f5_password }}"
    name: rke-cluster-npd_80
    monitors: [http]
    members:
      - address: 10.10.0.11
        port: 80
      - address: 10.10.0.12
        port: 80
      - address: 10.10.0.13
        port: 80
        state: disabled

- name: Drain one member without touching the others
  kube_edge.lb.f5_pool:
    name: rke-cluster-npd_80
    members_mode: additive
    members:
      - address: 10.10.0.13
        port: 80
        state: forced_offline

- name: Remove the pool
  kube_edge.lb.f5_pool:
    name: rke-cluster-npd_80
    state: absent
"""

RETURN = r"""
pool:
  description: The pool as it is after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    name: rke-cluster-npd_80
    partition: Common
    full_path: /Common/rke-cluster-npd_80
    description: null
    lb_method: round-robin
    monitors: [/Common/http]
    monitor_quorum: null
    members:
      - {name: 10.10.0.11, address: 10.10.0.11, port: 80, partition: Common, state: enabled,
         ratio: 1, priority_group: 0, connection_limit: 0, description: null}
writes:
  description: The write requests made (planned, in check mode), as C(METHOD path).
  returned: always
  type: list
  elements: str
  sample: [PATCH /mgmt/tm/ltm/pool/~Common~rke-cluster-npd_80]
requests:
  description: How many HTTP requests the run sent to the device (login and logout included).
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import pool
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import F5


def main():
    F5.run_module(pool)


if __name__ == "__main__":
    main()
