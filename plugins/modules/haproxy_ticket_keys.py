#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: haproxy_ticket_keys
short_description: Read a HAProxy tls-ticket-keys file and work out the keys to install (rotated when due)
version_added: 0.1.0
description:
  - Reads the HAProxy C(tls-ticket-keys) file at O(path) on the host and returns in RV(content) what to
    install. That is the file itself while it is younger than O(rotation_hours) and holds three keys, else
    the file with one new random 80-byte key appended and the oldest dropped (HAProxy keeps the last three, encrypts with the
    second-to-last and decrypts with all three). A missing or short file is filled with new keys.
  - The file's age is measured on the host's clock. Nothing is written; the
    P(kube_edge.lb.haproxy#role) role runs it once on the play's first host and installs RV(content) on every
    member with M(kube_edge.lb.file_set), so that an HA pair shares its keys.
  - RV(content) holds secret keys. B(Use it with no_log.) A bad key is reported in RV(problem) (file and line,
    never the key), not as a failure, so that a play can fail with that sentence while the task stays no_log.
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
attributes:
  check_mode:
    support: full
    details: It only reads; the same result in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: Never changes anything (a rotation is new content for the install task to write).
options:
  path:
    description: Path of the tls-ticket-keys file.
    type: path
    required: true
  rotation_hours:
    description: Rotate when the file is at least this many hours old (above 0).
    type: float
    required: true
"""

EXAMPLES = r"""
- name: Work out the TLS ticket keys on the first host (never shown)
  kube_edge.lb.haproxy_ticket_keys:
    path: /etc/haproxy/tls-ticket-keys
    rotation_hours: 12
  register: ticket_keys
  run_once: true
  no_log: true
"""

RETURN = r"""
content:
  description: Three base64 keys, one per line, to install; empty when there is a problem. Secret.
  returned: always
  type: str
rotated:
  description: Whether RV(content) differs from the file (a rotation, or keys added to a missing or short file).
  returned: always
  type: bool
problem:
  description: One sentence naming the file and the line of a bad key; empty without a problem.
  returned: always
  type: str
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import ticket_keys_area
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.module import HOST


def main():
    HOST.run_module(ticket_keys_area)


if __name__ == "__main__":
    main()
