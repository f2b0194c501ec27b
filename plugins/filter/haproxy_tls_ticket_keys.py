# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter plugin: the content of HAProxy's tls-ticket-keys file, checked and rotated on schedule."""

from __future__ import annotations

DOCUMENTATION = r"""
name: haproxy_tls_ticket_keys
short_description: Check and rotate the content of a HAProxy tls-ticket-keys file
version_added: 0.1.0
author:
  - kube_edge.lb contributors
description:
  - Takes the current content of a HAProxy C(tls-ticket-keys) file (empty when there is none) and returns the
    content to install in RV(_value.content). HAProxy keeps the last three keys, encrypts with the second-to-last and decrypts with all
    three, so a rotation appends one new random 80-byte key and drops the oldest.
  - The content is returned unchanged while the file is younger than O(rotation_hours) and holds three keys.
  - A key that is not base64, or not 48 or 80 bytes long, gives one sentence in RV(_value.problem) naming the file and
    the line, never the key, and no content; a play fails with that sentence (the content itself is shown nowhere).
  - The P(kube_edge.lb.haproxy#role) role runs it once per play and installs the result on every member, so that an
    HA pair shares its keys. Use it with C(no_log).
positional: _input
options:
  _input:
    description: Current content of the file, empty when there is none.
    type: str
    required: true
  age_seconds:
    description: Seconds since the file was last written; omit (or null) when there is no file.
    type: float
  rotation_hours:
    description: Rotate when the file is at least this old.
    type: float
    required: true
  path:
    description: The file's path, named in refusals.
    type: str
    default: tls-ticket-keys
"""

EXAMPLES = r"""
- name: Work out the ticket keys (never shown)
  ansible.builtin.set_fact:
    ticket_keys: "{{ current | kube_edge.lb.haproxy_tls_ticket_keys(age_seconds=age, rotation_hours=12) }}"
  no_log: true

- name: Refuse a bad ticket-key file (the sentence names file and line, never a key)
  ansible.builtin.fail:
    msg: "{{ ticket_keys.problem }}"
  when: ticket_keys.problem | length > 0
"""

RETURN = r"""
_value:
  description: The content to install, or the problem.
  type: dict
  contains:
    content:
      description: Three base64 keys, one per line; empty when there is a problem.
      type: str
    problem:
      description: One sentence naming the file and the line of a bad key; empty without a problem.
      type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_ticket_keys


def haproxy_tls_ticket_keys(text, rotation_hours, age_seconds=None, path="tls-ticket-keys"):
    """``{"content": ..., "problem": ...}``: the ticket-key file content to install, or why not."""
    if text is not None and not isinstance(text, str):
        raise AnsibleFilterError("haproxy_tls_ticket_keys expects the file content as text.")
    try:
        content = role_ticket_keys.rotate(
            text or "", None if age_seconds is None else float(age_seconds), float(rotation_hours), path
        )
    except role_ticket_keys.TicketKeyError as error:
        return {"content": "", "problem": str(error)}
    except (TypeError, ValueError):
        raise AnsibleFilterError(
            "haproxy_tls_ticket_keys: rotation_hours=%r and age_seconds=%r must be numbers."
            % (rotation_hours, age_seconds)
        ) from None
    return {"content": content, "problem": ""}


class FilterModule:
    """The haproxy role's TLS ticket keys."""

    def filters(self):
        return {"haproxy_tls_ticket_keys": haproxy_tls_ticket_keys}
