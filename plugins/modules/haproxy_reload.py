#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: haproxy_reload
short_description: Reload HAProxy hitlessly through its master CLI and confirm the new worker
version_added: 0.1.0
description:
  - Sends C(reload) to the HAProxy master CLI (the C(-S) socket of master-worker mode) and waits until
    a new worker has replaced the old ones, which keep serving their connections until they finish.
  - Unlike C(systemctl reload), whose exit status only says that a signal was sent, it fails when the
    master refuses the reload or no new worker appears within O(timeout) seconds; the old workers keep
    serving in both cases.
  - Meant as the handler of a configuration change; the configuration should have been validated with
    C(haproxy -c) before it was put in place.
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
attributes:
  check_mode:
    support: full
    details: Checks that the master answers and reports a change without reloading.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Every run reloads; use it as a handler.
options:
  master_socket:
    description: Path of the master CLI socket (C(-S) option of the service).
    type: path
    default: /run/haproxy-master.sock
  timeout:
    description:
      - Seconds to wait for the new worker, 1 to 3600. One deadline covers every exchange with the master
        (connecting, sending, reading), so a socket that answers slowly cannot stretch it.
    type: int
    default: 30
"""

EXAMPLES = r"""
- name: Reload haproxy
  kube_edge.lb.haproxy_reload:
    master_socket: /run/haproxy-master.sock
"""

RETURN = r"""
master_pid:
  description: PID of the master process.
  returned: success and not check mode
  type: int
  sample: 1234
new_workers:
  description: PIDs of the workers serving after the reload (all of the running workers in check mode).
  returned: always
  type: list
  elements: int
  sample: [1301]
old_workers:
  description: PIDs of previous workers still finishing their connections.
  returned: success and not check mode
  type: list
  elements: int
  sample: [1250]
seconds:
  description: Time from the reload request until the new worker was seen.
  returned: success and not check mode
  type: float
  sample: 0.41
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import reload
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.module import HOST


def main():
    HOST.run_module(reload)


if __name__ == "__main__":
    main()
