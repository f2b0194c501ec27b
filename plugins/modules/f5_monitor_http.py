#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: f5_monitor_http
short_description: Manage an F5 BIG-IP LTM HTTP health monitor
version_added: 0.1.0
description:
  - Creates, updates or deletes one LTM HTTP monitor on an F5 BIG-IP through iControl REST, for
    example the ingress controllers' C(/healthz) check on port 80 without the application's host
    name, the check ingress-nginx answers in its catch-all server.
  - Settings not given are left as they are on the device (a new monitor takes them from its parent).
  - Bad input is refused before any request, every problem at once.
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
    details: A parent monitor that does not exist yet is reported as a warning in check mode.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the monitor, for example C(ingress_healthz_80).
    type: str
    required: true
  partition:
    description:
      - Partition of the monitor.
    type: str
    default: Common
  state:
    description:
      - V(present) creates or updates the monitor; V(absent) deletes it (the device refuses while a pool uses it).
    type: str
    choices: [present, absent]
    default: present
  parent:
    description:
      - The monitor this one is made from (C(defaultsFrom)). The device does not change it after creation.
    type: str
    default: http
  send:
    description:
      - The request sent, with line breaks written as C(\r\n) (or as real line breaks), for example
        C(GET /healthz HTTP/1.0\r\n\r\n).
      - It must start with an HTTP request line; HTTP/1.1 needs a C(Host) header, so HTTP/1.0 is the
        form that checks a node without naming an application.
    type: str
  receive:
    description:
      - A regular expression the response must match for the node to be up, for example
        C(^HTTP/1\.[01] 200). An empty string removes it (any response is then up).
    type: str
  receive_disable:
    description:
      - A regular expression that marks the node disabled (drained) rather than down. An empty string removes it.
    type: str
  address:
    description:
      - The alias address the check goes to; C(*) (the default on the device) is the pool member's address.
    type: str
  port:
    description:
      - The alias port the check goes to, whatever the pool member's port (for example V(80) for a
        pool on port 443 or on any port). V(0) means the member's port.
    type: int
  interval:
    description:
      - Seconds between checks (1-86400). Must be less than O(timeout).
    type: int
  timeout:
    description:
      - Seconds without a good answer before the node is marked down (F5 advises 3 x O(interval) + 1).
    type: int
  description:
    description:
      - Description of the monitor. Unmanaged when not set; an empty string removes it.
    type: str
notes:
  - A no-op costs one read plus the login and logout (one read in total with O(provider.auth=basic)).
seealso:
  - module: kube_edge.lb.f5_pool
"""

EXAMPLES = r"""
- name: The ingress controllers' health check, on port 80 without a host name
  kube_edge.lb.f5_monitor_http:
    provider:
      server: bigip.example.com
      password: "{{ vault_f5_password }}"
    name: ingress_healthz_80
    send: "GET /healthz HTTP/1.0\\r\\n\\r\\n"
    receive: "^HTTP/1\\.[01] 200"
    port: 80
    interval: 5
    timeout: 16

- name: Used by a pool on port 443 (the check still goes to port 80)
  kube_edge.lb.f5_pool:
    name: rke-cluster-prd_443
    monitors: [ingress_healthz_80]
"""

RETURN = r"""
monitor:
  description: The monitor as it is after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    name: ingress_healthz_80
    partition: Common
    full_path: /Common/ingress_healthz_80
    parent: /Common/http
    send: "GET /healthz HTTP/1.0\\r\\n\\r\\n"
    receive: "^HTTP/1\\.[01] 200"
    receive_disable: ""
    destination: "*:80"
    interval: 5
    timeout: 16
    description: ""
writes:
  description: The write requests made (planned, in check mode), as C(METHOD path).
  returned: always
  type: list
  elements: str
  sample: [POST /mgmt/tm/ltm/monitor/http]
requests:
  description: How many HTTP requests the run sent to the device (login and logout included).
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import monitor_http
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import F5


def main():
    F5.run_module(monitor_http)


if __name__ == "__main__":
    main()
