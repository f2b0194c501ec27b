# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files that hold secrets: modes, owners, links, atomic replacement, clean failure."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common import files
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems


@pytest.mark.parametrize("value, expected", [("0600", 0o600), ("640", 0o640), (0o400, 0o400), ("0750", 0o750)])
def test_modes_accepted(value, expected):
    problems = Problems()
    assert files.parse_mode("mode", value, problems, secret=True) == expected and not problems


@pytest.mark.parametrize("value, reason", [
    ("0644", "gives others access to a private key"), ("0999", "is not an octal file mode"),
    ("u=rw", "is not an octal file mode"), (True, "is not an octal file mode"), ("0200", "must let the owner read"),
    ("\u0661\u0662\u0663", "is not an octal file mode"),  # Arabic-Indic digits: isdigit(), not octal
])
def test_modes_refused(value, reason):
    problems = Problems()
    assert files.parse_mode("mode", value, problems, secret=True) is None
    assert reason in problems.messages[0] and problems.messages[0].startswith("mode=%r" % value)


def test_owner_and_group_by_name_or_id():
    problems = Problems()
    assert files.resolve_owner("root", "0", problems) == (0, 0) and not problems
    files.resolve_owner("no-such-user-kube-edge", "no-such-group-kube-edge", problems)
    assert len(problems.messages) == 2


def test_write_replaces_atomically_with_mode(tmp_path):
    target = tmp_path / "secret.pem"
    target.write_text("old")
    os.chmod(str(target), 0o644)
    files.write_atomically(str(target), b"new", mode=0o600)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ["secret.pem"]


def test_read_regular_does_not_follow_links(tmp_path):
    (tmp_path / "real").write_text("content")
    os.symlink(str(tmp_path / "real"), str(tmp_path / "link"))
    assert files.read_regular(str(tmp_path / "link")) == (None, None)
    content, info = files.read_regular(str(tmp_path / "real"))
    assert content == b"content" and stat.S_ISREG(info.st_mode)
    assert files.read_regular(str(tmp_path / "missing")) == (None, None)


def test_missing_directory_and_directory_target(tmp_path):
    with pytest.raises(KubeEdgeError, match="the directory .* does not exist"):
        files.write_atomically(str(tmp_path / "nope" / "x.pem"), b"x")
    (tmp_path / "dir").mkdir()
    with pytest.raises(KubeEdgeError, match="is a directory"):
        files.write_atomically(str(tmp_path / "dir"), b"x")


def test_failure_removes_the_temporary_and_keeps_the_target(tmp_path, monkeypatch):
    target = tmp_path / "secret.pem"
    target.write_text("old")

    def broken_rename(source, destination):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(files.os, "rename", broken_rename)
    with pytest.raises(OSError):
        files.write_atomically(str(target), b"new")
    assert target.read_text() == "old" and os.listdir(str(tmp_path)) == ["secret.pem"]


def test_refused_candidate_leaves_the_target_and_no_temporary_file(tmp_path):
    target = tmp_path / "live.cfg"
    target.write_text("old\n")
    seen = []

    def refuse(candidate):
        seen.append((candidate, open(candidate).read(), stat.S_IMODE(os.stat(candidate).st_mode)))
        raise KubeEdgeError("refused")

    with pytest.raises(KubeEdgeError):
        files.write_atomically(str(target), b"new\n", mode=0o640, validate=refuse)
    assert target.read_text() == "old\n"
    assert seen[0][1:] == ("new\n", 0o640) and os.path.dirname(seen[0][0]) == str(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["live.cfg"]


def test_accepted_candidate_replaces_the_target(tmp_path):
    target = tmp_path / "live.cfg"
    files.write_atomically(str(target), b"new\n", mode=0o644, validate=lambda candidate: None)
    assert target.read_text() == "new\n" and stat.S_IMODE(os.stat(target).st_mode) == 0o644
