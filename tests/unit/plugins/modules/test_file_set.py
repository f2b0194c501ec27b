# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.file_set through AnsibleModule: idempotence, diff, the secret kept out of the output."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.modules import file_set
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module

SECRET = "aGVsbG8gc2VjcmV0IGtleQ=="


def arguments(tmp_path):
    return {
        "files": [
            {"path": str(tmp_path / "keys"), "secret_content": SECRET + "\n", "mode": "0600"},
            {"path": str(tmp_path / "plain.cfg"), "content": "global\n", "mode": "0644", "validate": "/bin/test -s %s"},
        ]
    }


def test_converges_then_changes_nothing(tmp_path, capsys):
    first = run_module(file_set.main, capsys, arguments(tmp_path), diff=True)
    assert first["rc"] == 0 and first["changed"] and SECRET not in first["raw_output"]
    second = run_module(file_set.main, capsys, arguments(tmp_path), diff=True)
    assert second["rc"] == 0 and not second["changed"] and second["changed_paths"] == []
    assert (tmp_path / "keys").read_text() == SECRET + "\n"


def test_validate_refusal_fails_cleanly(tmp_path, capsys):
    args = arguments(tmp_path)
    args["files"][1]["content"] = ""  # test -s refuses an empty candidate
    result = run_module(file_set.main, capsys, args)
    assert result["rc"] == 1 and result["failed"] and "was refused by" in result["msg"]
    assert "exception" not in result and not (tmp_path / "plain.cfg").exists()


def test_content_and_secret_content_are_exclusive(tmp_path, capsys):
    args = arguments(tmp_path)
    args["files"][1]["secret_content"] = "another secret value"
    result = run_module(file_set.main, capsys, args)
    assert result["failed"] and "mutually exclusive" in result["msg"]
