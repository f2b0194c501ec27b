# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``tls-ticket-keys`` file of the haproxy role: checked, and rotated on the operator's schedule.

Private to the collection: may change at any time.

What HAProxy does with the file (configuration manual, ``tls-ticket-keys``; src/ssl_sock.c): one base64
key per line, each 48 bytes (AES-128) or 80 bytes (AES-256); it keeps the LAST ``TLS_TICKETS_NO`` keys
(3 in every packaged build), encrypts new tickets with the second-to-last of them and decrypts with all
three. Rotating is therefore "append a new key, drop the oldest, reload": the key appended now only
decrypts until the next rotation makes it the encryption key, so a member of an HA pair that reloads a
little later still accepts the tickets its peer already issues, and the previous encryption key stays
valid for decryption for one more period. The role writes the same file to every member.
"""

from __future__ import annotations

import base64
import binascii
import os

# TLS_TICKETS_NO of HAProxy's build (include/haproxy/openssl-compat.h); fewer keys are refused at startup.
KEYS_KEPT = 3
KEY_SIZES = (48, 80)
NEW_KEY_SIZE = 80  # AES-256 tickets


class TicketKeyError(ValueError):
    """A ticket-key file HAProxy would refuse or misuse; the message is one sentence without key material."""


def parse(text, where):
    """The keys of a ticket-key file's text (bytes each). ``where`` names the file in the refusal."""
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            key = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise TicketKeyError(
                "%s line %d is not base64; HAProxy's tls-ticket-keys takes one base64 key per line." % (where, number)
            ) from None
        if len(key) not in KEY_SIZES:
            raise TicketKeyError(
                "%s line %d holds a %d-byte key; HAProxy's tls-ticket-keys takes 48-byte (AES-128) or 80-byte "
                "(AES-256) keys." % (where, number, len(key))
            )
        keys.append(key)
    return keys


def render(keys):
    return "".join(base64.b64encode(key).decode("ascii") + "\n" for key in keys)


def rotate(text, age_seconds, rotation_hours, where, random_bytes=os.urandom):
    """The file content to install: ``text`` itself while it is younger than ``rotation_hours`` and complete;
    else one new key appended and the oldest dropped (a missing or short file is filled with new keys).
    ``age_seconds`` is how long ago the file was last written (``None`` when there is none)."""
    keys = parse(text or "", where)
    if rotation_hours <= 0:
        raise TicketKeyError("haproxy_tls_ticket_rotation=%r is not a number of hours above 0." % rotation_hours)
    due = age_seconds is None or age_seconds >= rotation_hours * 3600
    if len(keys) >= KEYS_KEPT and not due:
        return render(keys[-KEYS_KEPT:]) if len(keys) > KEYS_KEPT else text
    if len(keys) < KEYS_KEPT:
        keys = [random_bytes(NEW_KEY_SIZE) for _missing in range(KEYS_KEPT - len(keys))] + keys
        if age_seconds is not None and not due:
            return render(keys)
    return render((keys + [random_bytes(NEW_KEY_SIZE)])[-KEYS_KEPT:])
