# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import itertools

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_ticket_keys as keys


def counter():
    """Distinct, recognisable 'random' keys: key n is 80 bytes of n."""
    numbers = itertools.count(1)
    return lambda size: bytes([next(numbers)]) * size


def decoded(text):
    return [base64.b64decode(line) for line in text.splitlines()]


def test_missing_file_gets_three_80_byte_keys():
    text = keys.rotate("", None, 12, "f", counter())
    assert [len(key) for key in decoded(text)] == [80, 80, 80]
    assert len(set(decoded(text))) == 3


def test_young_file_is_kept_as_it_is():
    text = keys.rotate("", None, 12, "f", counter())
    assert keys.rotate(text, 3600, 12, "f", counter()) == text


def test_rotation_appends_one_key_and_drops_the_oldest():
    # HAProxy encrypts with the second-to-last of the last three keys: after a rotation the key that was
    # last (already known for decryption) encrypts, and the previous encryption key still decrypts.
    old = decoded(keys.rotate("", None, 12, "f", counter()))
    new = decoded(keys.rotate(keys.render(old), 12 * 3600, 12, "f", lambda size: b"\xff" * size))
    assert new == [old[1], old[2], b"\xff" * 80]


def test_48_byte_keys_are_accepted_and_extra_keys_trimmed():
    text = keys.render([bytes([n]) * 48 for n in range(5)])
    assert decoded(keys.rotate(text, 60, 12, "f", counter())) == [bytes([n]) * 48 for n in (2, 3, 4)]


@pytest.mark.parametrize("line, reason", [
    (base64.b64encode(b"x" * 32).decode(), "holds a 32-byte key; HAProxy's tls-ticket-keys takes 48-byte"),
    ("not base64!", "is not base64"),
])
def test_bad_key_is_one_sentence_naming_file_and_line(line, reason):
    text = keys.render([b"a" * 80]) + line + "\n"
    with pytest.raises(keys.TicketKeyError) as refused:
        keys.rotate(text, 60, 12, "/etc/haproxy/tls-ticket-keys", counter())
    message = str(refused.value)
    assert message.startswith("/etc/haproxy/tls-ticket-keys line 2 ") and reason in message
    assert line not in message
