#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: f5_config_sync
short_description: Save an F5 BIG-IP's configuration and sync an HA pair, writing to the active unit only
version_added: 0.1.0
description:
  - Two steps that frame a run of the other F5 modules on a BIG-IP or an HA pair (a sync-failover device group).
  - O(step=preflight), before anything is written, only reads. It asks every unit in O(units) which device it
    is and its failover state, finds the sync-failover device group that holds them (O(device_group), or the one
    group they share), and refuses with one sentence when a unit does not answer, a unit is not in the group,
    not exactly one unit is active, or the group is not C(In Sync) (changes pending on a peer, disconnected,
    awaiting the initial sync), because a sync from the active unit would overwrite the peer's change, or the
    peer's would overwrite the run's. It returns RV(active_unit), the only unit the run writes to (writing to a standby
    and then syncing from the active would overwrite the change).
  - O(step=commit), after a change, runs C(save sys config) on the unit (C(POST /mgmt/tm/sys/config)) so a reboot
    keeps the change, then C(run cm config-sync to-group) (C(POST /mgmt/tm/cm)) unless the group has C(autoSync)
    enabled, and waits, at most O(sync_timeout) seconds, until the sync status is C(In Sync). The units that
    receive a manual config-sync save it too; with C(autoSync) the group's C(saveOnAutoSync) decides.
  - Why a step of its own rather than a save in every module - the save and the sync are whole-device
    operations. Run once at the end of a play, as a handler notified by every F5 task that changed something
    (what the C(kube_edge.lb.f5_ltm) role does), a run saves and syncs once, and a run that changed nothing
    (or ran in check mode) sends neither.
author:
  - kube_edge maintainers (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
  - kube_edge.lb._attributes.controller
  - kube_edge.lb._f5_provider
attributes:
  check_mode:
    support: full
    details: O(step=commit) reads the device and the group and reports the save and sync it would send; nothing is sent.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - O(step=preflight) never changes anything. O(step=commit) saves (and syncs) each time it runs, so run it
        only after a change, as a handler.
options:
  step:
    description:
      - V(preflight) checks the pair and finds the active unit (read only); V(commit) saves and syncs.
    type: str
    choices: [preflight, commit]
    default: commit
  units:
    description:
      - The management addresses of the pair's units, as C(host), C(host:port) or C([IPv6]:port) (the port
        defaults to O(provider.server_port)). O(provider.server) may be any of them, or absent from the list.
      - Empty means the single device of O(provider.server) (a standalone BIG-IP, or one unit whose group is checked).
      - Used by O(step=preflight).
    type: list
    elements: str
    default: []
  device_group:
    description:
      - The sync-failover device group of the pair. Not set means the one sync-failover group that holds the
        units (refused when they are in several).
    type: str
  save:
    description:
      - With O(step=commit), save the running configuration (C(save sys config)).
    type: bool
    default: true
  sync:
    description:
      - With O(step=commit), sync the unit's configuration to its sync-failover group and wait for C(In Sync).
        A unit in no sync-failover group is only saved.
    type: bool
    default: true
  sync_timeout:
    description:
      - How long O(step=commit) waits for C(In Sync), in seconds (1-3600). C(Sync Failed) and C(Disconnected)
        fail at once.
    type: int
    default: 120
notes:
  - A pair preflight costs, per unit, a login, one read and the logout, plus three reads on the active unit.
    A commit costs three or four reads, the save, the sync command and one read per second of waiting.
  - A failover during the run (the unit written to is standby at commit) is reported as a warning, and the change
    is still synced from the unit that holds it.
seealso:
  - module: kube_edge.lb.f5_pool
  - module: kube_edge.lb.f5_virtual
"""

EXAMPLES = r"""
- name: Find the active unit of the pair; refuse when the pair is out of sync
  kube_edge.lb.f5_config_sync:
    step: preflight
    units: [bigip-a.example.com, bigip-b.example.com]
    device_group: kube_edge_failover
    provider:
      server: bigip-a.example.com
      password: "{{ vault_f5_password }}"
  register: f5_pair

- name: Write to the active unit only
  kube_edge.lb.f5_pool:
    name: rke-cluster-prd_443
    members: [{name: node04, address: 192.0.2.21, port: 443}]
    provider:
      server: "{{ f5_pair.active_unit.server }}"
      server_port: "{{ f5_pair.active_unit.server_port }}"
      password: "{{ vault_f5_password }}"
  notify: Save and sync the BIG-IP configuration

# handlers:
- name: Save and sync the BIG-IP configuration
  kube_edge.lb.f5_config_sync:
    device_group: "{{ f5_pair.device_group }}"
    provider:
      server: "{{ f5_pair.active_unit.server }}"
      server_port: "{{ f5_pair.active_unit.server_port }}"
      password: "{{ vault_f5_password }}"
"""

RETURN = r"""
active_unit:
  description: With O(step=preflight), the active unit, to write to (O(provider.server) and O(provider.server_port)).
  returned: step is preflight
  type: dict
  sample: {server: bigip-a.example.com, server_port: 443}
active_device:
  description: With O(step=preflight), the active unit's device name.
  returned: step is preflight
  type: str
  sample: bigip-a
units:
  description: With O(step=preflight), each unit's address, device name and failover state.
  returned: step is preflight
  type: list
  elements: dict
  sample: [{server: bigip-a.example.com, server_port: 443, device: bigip-a, failover_state: active}]
auto_sync:
  description: With O(step=preflight), whether the device group syncs every change on its own.
  returned: step is preflight
  type: bool
device_group:
  description: The sync-failover device group; null for a device in none.
  returned: always
  type: str
  sample: kube_edge_failover
device:
  description: With O(step=commit), the device name of the unit saved and synced from.
  returned: step is commit
  type: str
saved:
  description: With O(step=commit), whether the configuration was saved (would be, in check mode).
  returned: step is commit
  type: bool
synced:
  description: With O(step=commit), V(true) when a config-sync was sent, C(auto) when the group syncs on its own, V(false) without a group.
  returned: step is commit
  type: raw
sync_status:
  description: The group's sync status read (C(In Sync)); null without a group and in check mode.
  returned: always
  type: str
requests:
  description: How many HTTP requests the run sent (to every unit; logins and logouts included).
  returned: always
  type: int
  sample: 9
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import ha
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import F5


def main():
    F5.run_module(ha)


if __name__ == "__main__":
    main()
