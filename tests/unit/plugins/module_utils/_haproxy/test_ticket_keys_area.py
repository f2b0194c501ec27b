# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The haproxy_ticket_keys area: the file read on the host, rotated when due by its own clock, never written."""

from __future__ import annotations

import base64
import os

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import ticket_keys_area

KEYS = "".join(base64.b64encode(bytes([n]) * 80).decode() + "\n" for n in range(3))


def write(tmp_path, text, age_seconds):
    path = tmp_path / "tls-ticket-keys"
    path.write_text(text)
    mtime = os.stat(path).st_mtime
    return str(path), mtime + age_seconds


def test_missing_file_gets_three_new_keys(tmp_path):
    result = ticket_keys_area.run(None, {"path": str(tmp_path / "none"), "rotation_hours": 12.0})
    assert result["rotated"] and result["problem"] == "" and len(result["content"].splitlines()) == 3
    assert not (tmp_path / "none").exists()


def test_young_file_is_kept_as_it_is(tmp_path):
    path, now = write(tmp_path, KEYS, 3600)
    result = ticket_keys_area.run(None, {"path": path, "rotation_hours": 12.0}, now=lambda: now)
    assert result == {"changed": False, "content": KEYS, "rotated": False, "problem": ""}


def test_old_file_rotates_one_key(tmp_path):
    path, now = write(tmp_path, KEYS, 13 * 3600)
    result = ticket_keys_area.run(None, {"path": path, "rotation_hours": 12.0}, now=lambda: now)
    lines = result["content"].splitlines()
    assert result["rotated"] and lines[:2] == KEYS.splitlines()[1:] and lines[2] not in KEYS


def test_bad_key_is_a_problem_without_the_key(tmp_path):
    path, now = write(tmp_path, KEYS + base64.b64encode(b"short-secret").decode() + "\n", 0)
    result = ticket_keys_area.run(None, {"path": path, "rotation_hours": 12.0}, now=lambda: now)
    assert result["content"] == "" and "line 4" in result["problem"] and "short-secret" not in result["problem"]


def test_binary_file_is_a_problem(tmp_path):
    path = tmp_path / "tls-ticket-keys"
    path.write_bytes(b"\xff\xfe")
    result = ticket_keys_area.run(None, {"path": str(path), "rotation_hours": 12.0})
    assert result["content"] == "" and "is not text" in result["problem"]


@pytest.mark.parametrize("hours", [0.0, -1.0, float("nan")])
def test_rotation_hours_must_be_positive(tmp_path, hours):
    with pytest.raises(KubeEdgeError, match="rotation_hours"):
        ticket_keys_area.run(None, {"path": str(tmp_path / "x"), "rotation_hours": hours})
