# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Attribute documentation shared by every module (private to the collection)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
"""

    F5_ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/kube_edge.lb.f5) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - kube_edge.lb.f5
"""

    CONTROLLER = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - The whole module runs on the controller, inside Ansible's worker process (no module process is started and
        nothing is copied to a host). The task's host only selects variables; files are read on the controller.
  async:
    description: Supports being used with the C(async) keyword.
    support: none
"""

    K8S_ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/kube_edge.lb.k8s) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - kube_edge.lb.k8s
"""
