# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""haproxy_build end to end with a real make on a tiny tarball whose Makefile writes a fake binary.

Only PROMEX is requested: it needs no library, so the test runs wherever make and cc exist.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile

from ansible_collections.kube_edge.lb.plugins.modules import haproxy_build
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module

MAKEFILE = (
    "all:\n"
    "\tprintf '#!/bin/sh\\necho \"HAProxy version 2.6.12-x 2025/01/01\"\\n"
    "echo \"Feature list : +EPOLL +PROMEX\"\\n' > haproxy\n"
    "\tchmod 755 haproxy\n"
)


def tarball(tmp_path):
    path = tmp_path / "haproxy_2.6.12.orig.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = MAKEFILE.encode()
        info = tarfile.TarInfo("haproxy-2.6.12/Makefile")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return str(path)


def test_build_then_noop_then_check_mode(tmp_path, capsys):
    args = {"version": "2.6.12", "src": tarball(tmp_path), "prefix": str(tmp_path / "prefix"),
            "features": ["PROMEX"], "jobs": 1, "build_dir": str(tmp_path / "build")}
    first = run_module(haproxy_build.main, capsys, args, diff=True)
    assert first["rc"] == 0 and first["changed"] is True, first["raw_output"]
    assert first["version"] == "2.6.12" and "PROMEX" in first["features"]
    binary = os.path.join(args["prefix"], "sbin", "haproxy")
    assert stat.S_IMODE(os.stat(binary).st_mode) == 0o755
    assert first["diff"]["after"][binary]["build_options"] == ["TARGET=linux-glibc", "USE_PROMEX=1"]
    second = run_module(haproxy_build.main, capsys, args)
    assert second["changed"] is False and second["reasons"] == []
    check = run_module(haproxy_build.main, capsys, dict(args, make_args={"CPU": "native"}), check_mode=True)
    assert check["changed"] is True and check["reasons"][0].startswith("build options differ")


def test_bad_input_is_one_message_before_anything_happens(tmp_path, capsys):
    result = run_module(haproxy_build.main, capsys, {
        "version": "3.2.5", "src": "https://example.invalid/haproxy.tar.gz", "features": ["SYSTEMD"],
        "prefix": str(tmp_path / "prefix")})
    assert result["rc"] == 1 and result["failed"] is True
    assert result["msg"].startswith("2 problems found")
    assert "checksum=None is required when src is a URL" in result["msg"]
    assert "features='SYSTEMD' was removed in HAProxy 3.1" in result["msg"]
    assert not os.path.exists(tmp_path / "prefix")


def test_failures_are_one_sentence_without_traceback(tmp_path, capsys):
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"\x1f\x8b garbage")
    build_dir = tmp_path / "build"
    args = {"version": "2.6.12", "src": str(garbage), "prefix": str(tmp_path / "prefix"), "features": ["PROMEX"],
            "build_dir": str(build_dir)}
    result = run_module(haproxy_build.main, capsys, args)
    assert result["failed"] and "is not a readable tar archive" in result["msg"], result["raw_output"]
    assert "exception" not in result and os.listdir(build_dir) == []
    result = run_module(haproxy_build.main, capsys, dict(args, src=tarball(tmp_path), make_args={"--eval": "x"}))
    assert result["msg"] == "make_args='--eval' is not a make variable name (letters, digits and _, not starting with a digit)."


def test_a_bug_takes_the_unexpected_failure_path(tmp_path, capsys, monkeypatch):
    from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import build

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(build, "run", broken)
    result = run_module(haproxy_build.main, capsys, {"version": "2.6.12"})
    assert result["failed"] and result["msg"] == "unexpected error: ZeroDivisionError: division by zero"
