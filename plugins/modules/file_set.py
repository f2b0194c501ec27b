#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: file_set
short_description: Write a set of directories and files in one round trip, each checked before it goes live
version_added: 0.1.0
description:
  - Creates the O(directories) and writes the O(files) from content given as an argument (rendered on the
    controller, for example with C(lookup('ansible.builtin.template', ...))), in one module run on the host.
    A C(template) or C(copy) task costs five round trips per file even when nothing changes; this costs one
    for the whole set.
  - Each directory and file is changed only when it is missing or its content, mode or owner differ.
    Every entry is checked (modes, owners, validate commands) before anything is touched.
  - A file with O(files[].validate) is first written as a candidate next to the target, with its final mode
    and owner; the command checks the candidate and only an accepted candidate is renamed over the target,
    so a refused one leaves the live file (and the service reading it) as it was.
  - Files are written in the order given, so a file that a later file's validate command reads (a key file
    that a configuration names) comes first. A failure half-way names what was already changed.
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
attributes:
  check_mode:
    support: full
    details: Reports what would change (and the diff) without writing; validate commands do not run.
  diff_mode:
    support: full
    details: Content and mode/owner changes per path; a O(files[].secret_content) file shows markers only.
  idempotent:
    support: full
options:
  directories:
    description: Directories to create (one level; the parent must exist) or whose mode and owner to fix.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Path of the directory.
        type: path
        required: true
      mode:
        description: Octal mode such as C('0755').
        type: str
        required: true
      owner:
        description: User name or id; left as it is when not given.
        type: str
      group:
        description: Group name or id; left as it is when not given.
        type: str
  files:
    description: Files to write, in this order.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Path of the file; its directory must exist (list it in O(directories) if needed).
        type: path
        required: true
      content:
        description: The whole content of the file. Exactly one of O(files[].content) and O(files[].secret_content).
        type: str
      secret_content:
        description:
          - The whole content of a file that holds a secret (keys, passwords). It is never logged, never
            returned and never shown in a diff (markers say whether it changed), and the output of a
            O(files[].validate) command that refuses it is withheld.
        type: str
      mode:
        description: Octal mode such as C('0640').
        type: str
        required: true
      owner:
        description: User name or id; the writer's when not given.
        type: str
      group:
        description: Group name or id; the writer's when not given.
        type: str
      validate:
        description:
          - Command that checks the candidate file before it replaces the live one, with C(%s) standing for
            the candidate's path exactly once, for example C(haproxy -c -f %s). It runs without a shell; a
            non-zero exit refuses the candidate.
        type: str
"""

EXAMPLES = r"""
- name: Write the HAProxy unit drop-in and configuration (the configuration checked with haproxy -c first)
  kube_edge.lb.file_set:
    directories:
      - path: /etc/systemd/system/haproxy.service.d
        mode: "0755"
        owner: root
        group: root
    files:
      - path: /etc/systemd/system/haproxy.service.d/kube-edge.conf
        content: "{{ lookup('ansible.builtin.template', 'haproxy-override.conf.j2') }}"
        mode: "0644"
        owner: root
        group: root
      - path: /etc/haproxy/haproxy.cfg
        content: "{{ lookup('ansible.builtin.template', 'haproxy.cfg.j2') }}"
        mode: "0640"
        owner: root
        group: haproxy
        validate: haproxy -c -f %s
  register: haproxy_files
"""

RETURN = r"""
changed_paths:
  description: The directories and files that were changed (would be, in check mode), in the order of work.
  returned: always
  type: list
  elements: str
  sample: [/etc/haproxy/haproxy.cfg]
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._file_set import area
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.module import HOST


def main():
    HOST.run_module(area)


if __name__ == "__main__":
    main()
