# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The file_set area: only what differs is written, candidates are validated, secrets never shown."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._file_set import area

SECRET = "s3cret-ticket-key\n"


class Runner:
    """Records the validate commands; answers with ``rc`` and ``output``."""

    def __init__(self, rc=0, output=""):
        self.rc, self.output, self.calls = rc, output, []

    def __call__(self, argv):
        candidate = argv[-1]
        self.calls.append((argv, open(candidate).read()))
        return self.rc, "", self.output


def params(tmp_path, **extra):
    return dict(
        {
            "directories": [{"path": str(tmp_path / "conf.d"), "mode": "0750", "owner": None, "group": None}],
            "files": [
                {"path": str(tmp_path / "conf.d" / "keys"), "content": None, "secret_content": SECRET, "mode": "0600",
                 "owner": None, "group": None, "validate": None},
                {"path": str(tmp_path / "conf.d" / "main.cfg"), "content": "global\n", "secret_content": None,
                 "mode": "0640", "owner": None, "group": None, "validate": "checker -c -f %s"},
            ],
        },
        **extra,
    )


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_first_run_writes_everything_second_changes_nothing(tmp_path):
    runner = Runner()
    result = area.run(runner, params(tmp_path))
    assert result["changed"] and len(result["changed_paths"]) == 3
    assert (tmp_path / "conf.d" / "keys").read_text() == SECRET and mode_of(tmp_path / "conf.d" / "keys") == 0o600
    assert mode_of(tmp_path / "conf.d") == 0o750 and mode_of(tmp_path / "conf.d" / "main.cfg") == 0o640
    # the candidate, not the live file, was checked, with the content it is about to get
    assert runner.calls[0][0][:3] == ["checker", "-c", "-f"] and runner.calls[0][0][3] != str(tmp_path / "conf.d" / "main.cfg")
    assert runner.calls[0][1] == "global\n"
    again = area.run(Runner(), params(tmp_path))
    assert again == {"changed": False, "changed_paths": [], "diff": []}


def test_secret_content_never_in_the_diff(tmp_path):
    result = area.run(Runner(), params(tmp_path))
    assert SECRET.strip() not in repr(result)
    keys_path = str(tmp_path / "conf.d" / "keys")
    entries = [entry for entry in result["diff"] if entry["before_header"] == keys_path]
    assert entries[0]["after"] == "<secret>\n"
    changed = params(tmp_path)
    changed["files"][0]["secret_content"] = "another-key\n"
    result = area.run(Runner(), changed)
    assert result["changed_paths"] == [keys_path]
    assert "another-key" not in repr(result) and result["diff"][0]["after"] == "<secret, changed>\n"


def test_check_mode_writes_nothing_and_reports_the_diff(tmp_path):
    runner = Runner()
    result = area.run(runner, params(tmp_path), check_mode=True)
    assert result["changed"] and not (tmp_path / "conf.d").exists() and not runner.calls
    cfg = [entry for entry in result["diff"] if entry["after_header"].endswith("main.cfg")]
    assert cfg[0]["before"] == "" and cfg[0]["after"] == "global\n"


def test_refused_candidate_leaves_the_live_file_and_names_what_changed(tmp_path):
    area.run(Runner(), params(tmp_path))
    changed = params(tmp_path)
    changed["files"][0]["secret_content"] = "rotated\n"
    changed["files"][1]["content"] = "broken\n"
    with pytest.raises(KubeEdgeError) as refused:
        area.run(Runner(rc=1, output="[ALERT] parsing error in line 1"), changed)
    message = str(refused.value)
    assert "parsing error in line 1" in message and "exit 1" in message and "keys" in message
    assert (tmp_path / "conf.d" / "main.cfg").read_text() == "global\n"
    assert sorted(os.listdir(tmp_path / "conf.d")) == ["keys", "main.cfg"]  # no candidate left behind


def test_refused_secret_candidate_withholds_the_output(tmp_path):
    entry = {"path": str(tmp_path / "k.conf"), "content": None, "secret_content": "auth_pass hunter2\n", "mode": "0600",
             "owner": None, "group": None, "validate": "checker -t %s"}
    with pytest.raises(KubeEdgeError) as refused:
        area.run(Runner(rc=1, output="line 1: auth_pass hunter2 bad"), {"directories": [], "files": [entry]})
    assert "hunter2" not in str(refused.value) and "withheld" in str(refused.value)
    assert not (tmp_path / "k.conf").exists()


def test_mode_only_change_keeps_content_and_skips_validation(tmp_path):
    area.run(Runner(), params(tmp_path))
    os.chmod(tmp_path / "conf.d" / "main.cfg", 0o644)
    runner = Runner()
    result = area.run(runner, params(tmp_path))
    assert result["changed_paths"] == [str(tmp_path / "conf.d" / "main.cfg")] and not runner.calls
    assert mode_of(tmp_path / "conf.d" / "main.cfg") == 0o640
    assert result["diff"][0]["before"].startswith("mode: 0644")


@pytest.mark.parametrize("field, value, sentence", [
    ("validate", "checker -c", "must name the candidate file exactly once"),
    ("validate", "checker %s %s", "must name the candidate file exactly once"),
    ("validate", "%s -c", "must start with the command"),
    ("validate", "checker 'unterminated %s", "cannot be split"),
    ("mode", "u=rw", "is not an octal file mode"),
    ("owner", "no-such-user-here", "is not a user on this host"),
])
def test_bad_input_is_one_sentence_before_anything_is_written(tmp_path, field, value, sentence):
    bad = params(tmp_path)
    bad["files"][1][field] = value
    with pytest.raises(KubeEdgeError) as refused:
        area.run(Runner(), bad)
    assert sentence in str(refused.value) and "files[1]" in str(refused.value)
    assert not (tmp_path / "conf.d").exists()


def test_a_directory_where_a_file_is_expected_is_refused(tmp_path):
    (tmp_path / "conf.d").write_text("not a directory")
    with pytest.raises(KubeEdgeError, match="is not a directory"):
        area.run(Runner(), params(tmp_path))


def test_same_path_twice_is_refused(tmp_path):
    twice = params(tmp_path)
    twice["files"].append(dict(twice["files"][1]))
    with pytest.raises(KubeEdgeError, match="listed twice"):
        area.run(Runner(), twice)


def test_validate_commands_need_the_module():
    with pytest.raises(KubeEdgeError, match="through its module"):
        area.make_client({}, False, None)
