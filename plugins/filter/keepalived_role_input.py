# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin: the keepalived role's input checked and turned into the model its template reads."""

from __future__ import annotations

DOCUMENTATION = r"""
name: keepalived_role_input
short_description: Check the keepalived role's variables and build the model its template reads
version_added: 0.1.0
author:
  - kube_edge.lb contributors
description:
  - Takes the variables of the P(kube_edge.lb.keepalived#role) role as one dictionary (name to value) and checks
    each for what it is (VRRP router id from 1 to 255, priority from 1 to 254, IPv4 address, interface name,
    password, command argument).
  - Then checks the rules between values, such as one VIP in one VRRP instance only, one router id per
    interface, unicast peers that are not this host nor a VIP, and C(nopreempt) only with the state BACKUP.
  - Never fails on bad input. Every problem is one sentence naming the variable path, for example
    C(keepalived_instances[1].virtual_router_id), and the value; the password is never shown.
  - The role calls it once in its validate step and writes nothing when a problem is found.
positional: _input
options:
  _input:
    description:
      - The role's variables, keyed by name. Every variable the role's argument spec documents must be present.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the role input
  ansible.builtin.set_fact:
    keepalived_input: >-
      {{ {'keepalived_instances': keepalived_instances, ...} | kube_edge.lb.keepalived_role_input }}

- name: Refuse bad input before anything is written
  ansible.builtin.fail:
    msg: "{{ keepalived_input.message }}"
  when: keepalived_input.problems | length > 0
"""

RETURN = r"""
_value:
  description: The problems, the warnings and, without problems, the model.
  type: dict
  contains:
    problems:
      description: One sentence per problem, each naming the variable path and the value.
      type: list
      elements: str
    message:
      description: All problems in one text, empty without problems.
      type: str
    warnings:
      description: Accepted but questionable choices, for example a VIP outside the pair's subnet.
      type: list
      elements: str
    config:
      description:
        - The normalised variables without their C(keepalived_) prefix, each instance with its effective interface,
          priority and prefix, and the track script line. Empty when there are problems.
      type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.kube_edge.lb.plugins.module_utils._keepalived import role_input


def keepalived_role_input(variables):
    """The checked role input: problems, warnings and the template's model."""
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError(
            "keepalived_role_input expects a dict of the keepalived role's variables, got %s."
            % type(variables).__name__
        )
    return role_input.check(dict(variables))


class FilterModule:
    """The keepalived role's input check."""

    def filters(self):
        return {"keepalived_role_input": keepalived_role_input}
