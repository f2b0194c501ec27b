# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin: the haproxy role's input checked and turned into the model its templates read."""

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_role_input
short_description: Check the haproxy role's variables and build the model its templates read
version_added: 0.1.0
author:
  - kube_edge.lb contributors
description:
  - Takes the variables of the P(kube_edge.lb.haproxy#role) role as one dictionary (name to value) and checks
    each for what it is (host name, IP address or DNS name, port, port range, URI path, identifier, duration,
    file path, URL, one of a set, one configuration line).
  - Then checks the rules between values, such as unique cluster and node names, an existing default cluster, a
    host name routed to one cluster only, host names in HTTP mode, and in TCP mode listeners that would take
    another cluster's traffic (two clusters on one front address without explicit SNI routing, overlapping
    port ranges).
  - Never fails on bad input. Every problem is one sentence naming the variable path, for example
    C(haproxy_clusters[1].nodes[0].address), and the value.
  - The role calls it once in its validate step and writes nothing when a problem is found. Its templates read
    only the returned model.
positional: _input
options:
  _input:
    description:
      - The role's variables, keyed by name (C(haproxy_mode), C(haproxy_clusters), ...). Every variable the role's
        argument spec documents must be present. C(haproxy_repository_defaults) is needed with the repository
        install method only.
    type: dict
    required: true
  distribution:
    description:
      - The target's distribution (C(ansible_facts['distribution'])). The repository install method picks its
        default repository with it.
    type: str
    default: ''
"""

EXAMPLES = r"""
- name: Check the role input
  ansible.builtin.set_fact:
    haproxy_input: >-
      {{ {'haproxy_mode': haproxy_mode, 'haproxy_clusters': haproxy_clusters, ...}
         | kube_edge.lb.haproxy_role_input(distribution=ansible_facts['distribution']) }}

- name: Refuse bad input before anything is written
  ansible.builtin.fail:
    msg: "{{ haproxy_input.message }}"
  when: haproxy_input.problems | length > 0
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
      description: Accepted but risky choices, for example unverified node certificates or published NodePorts.
      type: list
      elements: str
    config:
      description:
        - The normalised variables without their C(haproxy_) prefix, plus what the templates derive from them
          (effective per-cluster settings, TCP frontends, repository source, binary path). Empty when there are
          problems.
      type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_input


def haproxy_role_input(variables, distribution=""):
    """The checked role input: problems, warnings and the templates' model."""
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError(
            "haproxy_role_input expects a dict of the haproxy role's variables, got %s." % type(variables).__name__
        )
    return role_input.check(dict(variables), distribution=distribution or None)


class FilterModule:
    """The haproxy role's input check."""

    def filters(self):
        return {"haproxy_role_input": haproxy_role_input}
