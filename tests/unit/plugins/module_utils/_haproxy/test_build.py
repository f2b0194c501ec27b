# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import atexit
import io
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import build

FAKE_VV = """HAProxy version {version}-abc 2025/01/01 - https://haproxy.org/
Build options :
  TARGET  = linux-glibc
  OPTIONS = {options}
Feature list : +EPOLL {features}
Running on OpenSSL version : OpenSSL 3.0.15 3 Sep 2024
"""


def make_tarball(path, version="2.6.12"):
    with tarfile.open(path, "w:gz") as archive:
        for name, text in (("Makefile", "all:\n"), ("examples/errorfiles/503.http", "HTTP/1.0 503\r\n\r\n")):
            data = text.encode()
            info = tarfile.TarInfo("haproxy-%s/%s" % (version, name))
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return str(path)


def fake_root(root, files=(), os_release="ID=debian\n"):
    """A target tree for the toolchain probes: ``files`` maps paths below ``root`` to their text."""
    for path, text in dict(files).items():
        full = os.path.join(str(root), path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)
    os.makedirs(os.path.join(str(root), "etc"), exist_ok=True)
    with open(os.path.join(str(root), "etc", "os-release"), "w") as handle:
        handle.write(os_release)
    return str(root)


LUA_H = "#define LUA_VERSION_NUM\t\t%d\n"
DEBIAN_DEV = {"/usr/include/openssl/ssl.h": "", "/usr/include/systemd/sd-daemon.h": "", "/usr/include/pcre2.h": "",
              "/usr/include/lua5.4/lua.h": LUA_H % 504, "/usr/lib/x86_64-linux-gnu/liblua5.4.so": ""}
TOOLS = {"make": "/usr/bin/make", "cc": "/usr/bin/cc"}


_ROOTS = []


def debian_root():
    """One fake Debian tree with all the development headers, shared by the tests and removed at exit."""
    if not _ROOTS:
        _ROOTS.append(fake_root(tempfile.mkdtemp(prefix="fake-root-"), DEBIAN_DEV))
        atexit.register(shutil.rmtree, _ROOTS[0], True)
    return _ROOTS[0]


class FakeHost(build.Host):
    """``make`` writes a shell script that prints -vv output for the features it was given.

    The toolchain probes look at ``root`` (by default a fake Debian tree with every library's
    headers) and find the programs in ``tools``.
    """

    def __init__(self, built_version=None, root=None, tools=None, make_result=None):
        tools = TOOLS if tools is None else tools
        super().__init__(self._run, root=root or debian_root(),
                         which=tools.get)
        self.commands = []
        self.built_version = built_version
        self.make_result = make_result

    def _run(self, argv, cwd=None):
        self.commands.append(list(argv))
        if argv[0] == "make" and self.make_result is not None:
            return self.make_result
        if argv[0] == "make":
            features = " ".join("+" + arg[4:-2] for arg in argv if arg.startswith("USE_"))
            options = " ".join(arg for arg in argv if arg.startswith("USE_"))
            version = self.built_version or os.path.basename(cwd).split("-")[1]
            script = os.path.join(cwd, "haproxy")
            with open(script, "w") as handle:
                handle.write("#!/bin/sh\ncat <<'EOF'\n%sEOF\n" % FAKE_VV.format(
                    version=version, options=options, features=features))
            os.chmod(script, 0o755)
            return 0, "", ""
        completed = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        return completed.returncode, completed.stdout, completed.stderr


@pytest.fixture
def params(tmp_path):
    return {"version": "2.6.12", "src": make_tarball(tmp_path / "haproxy_2.6.12.orig.tar.gz"),
            "checksum": None, "prefix": str(tmp_path / "prefix"), "features": ["OPENSSL", "SYSTEMD"],
            "make_args": {}, "jobs": 2, "build_dir": str(tmp_path / "build"), "force": False}


def test_first_run_builds_installs_and_stamps(params):
    host = FakeHost()
    result = build.run(params, host, check_mode=False)
    assert result["changed"] is True
    assert result["reasons"] == ["no binary at %s/sbin/haproxy" % params["prefix"]]
    assert result["version"] == "2.6.12"
    assert {"OPENSSL", "SYSTEMD"} <= set(result["features"])
    assert result["build_options"] == ["TARGET=linux-glibc", "USE_OPENSSL=1", "USE_SYSTEMD=1"]
    assert result["ssl_library"].startswith("OpenSSL 3.0.15")
    assert result["previous_binary"] is None
    assert result["diff"]["before"] == {}
    assert ["make", "-j2", "TARGET=linux-glibc", "USE_OPENSSL=1", "USE_SYSTEMD=1"] in host.commands
    assert os.path.isfile(os.path.join(params["prefix"], "share/haproxy/errors/503.http"))
    assert os.listdir(params["build_dir"]) == []  # scratch directory removed


def test_second_run_is_a_noop_that_only_asks_the_binary(params):
    build.run(params, FakeHost(), check_mode=False)
    host = FakeHost()
    result = build.run(params, host, check_mode=False)
    assert result["changed"] is False and result["reasons"] == []
    assert host.commands == [[params["prefix"] + "/sbin/haproxy", "-vv"]]


def test_changed_make_args_rebuild_and_keep_previous_binary(params):
    build.run(params, FakeHost(), check_mode=False)
    params["make_args"] = {"CPU": "native"}
    check = build.run(params, FakeHost(), check_mode=True)
    assert check["changed"] is True and "build options differ" in check["reasons"][0]
    assert check["diff"]["after"][params["prefix"] + "/sbin/haproxy"]["build_options"][-1] == "CPU=native"
    result = build.run(params, FakeHost(), check_mode=False)
    assert result["previous_binary"] == params["prefix"] + "/sbin/haproxy.previous"
    assert os.path.isfile(result["previous_binary"])
    assert build.run(params, FakeHost(), check_mode=False)["changed"] is False


def test_check_mode_builds_nothing(params):
    host = FakeHost()
    result = build.run(params, host, check_mode=True)
    assert result["changed"] is True
    assert not any(command[0] == "make" for command in host.commands)
    assert not os.path.exists(params["prefix"])


def test_missing_feature_in_installed_binary_triggers_build(params):
    build.run(params, FakeHost(), check_mode=False)
    params["features"] = ["OPENSSL", "SYSTEMD", "PROMEX"]
    result = build.run(params, FakeHost(), check_mode=True)
    assert "installed binary lacks +PROMEX" in result["reasons"]


def test_wrong_release_in_src_is_refused_and_nothing_installed(params):
    with pytest.raises(KubeEdgeError, match="built HAProxy 2.6.11"):
        build.run(params, FakeHost(built_version="2.6.11"), check_mode=False)
    assert not os.path.exists(os.path.join(params["prefix"], "sbin", "haproxy"))


def test_all_input_problems_at_once(params):
    params.update(version="3.2.5", src="https://example.invalid/haproxy.tgz", features=["SYSTEMD", "PCRE", "PCRE2"],
                  make_args={"USE_LUA": "1"}, jobs=0)
    with pytest.raises(ValidationError) as caught:
        build.run(params, FakeHost(), check_mode=True)
    text = str(caught.value)
    assert text.startswith("5 problems found")
    for expected in ("checksum=None is required when src is a URL", "features='SYSTEMD' was removed",
                     "features='PCRE+PCRE2'", "make_args='USE_LUA'", "jobs=0"):
        assert expected in text


def test_checksum_mismatch_for_local_tarball(params):
    params["checksum"] = "sha256:" + "0" * 64
    with pytest.raises(KubeEdgeError, match="does not match src="):
        build.run(params, FakeHost(), check_mode=True)


def test_url_download_is_verified(params, tmp_path):
    tarball = params["src"]
    params.update(src="https://example.invalid/haproxy-2.6.12.tar.gz", checksum="sha256:" + build.sha256_file(tarball))

    def download(url, dest):
        with open(tarball, "rb") as source, open(dest, "wb") as target:
            target.write(source.read())

    host = FakeHost()
    host.download = download
    assert build.run(params, host, check_mode=False)["changed"] is True
    params["checksum"] = "sha256:" + "1" * 64
    params["force"] = True
    with pytest.raises(KubeEdgeError, match="does not match the download"):
        build.run(params, host, check_mode=False)


def test_default_url_and_os_family(tmp_path):
    request = build.BuildRequest({"version": "3.2.5", "checksum": "sha256:" + "a" * 64}, cpu_count=4,
                                 toolchain=FakeHost().toolchain())
    assert request.src == "https://www.haproxy.org/download/3.2/src/haproxy-3.2.5.tar.gz"
    assert request.jobs == 4 and "USE_SYSTEMD=1" not in request.command
    os_release = tmp_path / "os-release"
    os_release.write_text('ID=rocky\nID_LIKE="rhel centos fedora"\n')
    assert build.detect_os_family(str(os_release)) == "RedHat"
    os_release.write_text("ID=debian\n")
    assert build.detect_os_family(str(os_release)) == "Debian"
    assert build.detect_os_family(str(tmp_path / "missing")) is None


def test_tarball_escaping_the_build_dir_is_refused(params, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        info = tarfile.TarInfo("../escape")
        info.size = 0
        archive.addfile(info, io.BytesIO(b""))
    params["src"] = str(evil)
    with pytest.raises(KubeEdgeError, match="contains '..'"):
        build.run(params, FakeHost(), check_mode=False)
    assert os.listdir(params["build_dir"]) == []


def entry(name, kind=tarfile.REGTYPE, data=b"", linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, io.BytesIO(data) if kind == tarfile.REGTYPE else None


def hostile_tarball(path, entries, version="2.6.12"):
    """A release tarball (top directory with a Makefile) followed by ``entries``."""
    with tarfile.open(path, "w:gz") as archive:
        archive.addfile(*entry("haproxy-%s/Makefile" % version, data=b"all:\n"))
        for info, data in entries:
            archive.addfile(info, data)
    return str(path)


def test_symlink_then_path_cannot_escape(params, tmp_path):
    # Judged by name before any link exists, each entry stays inside: "a/b/l" -> ".." is "a", and
    # "a/b/l/m" -> "../../escape" is "a/escape". Once "a/b/l" exists, "a/b/l/m" is "a/m" and its
    # target is one level above the build directory, where "a/b/l/m/pwned" would then be written.
    params["src"] = hostile_tarball(tmp_path / "evil.tar.gz", [
        entry("a", tarfile.DIRTYPE),
        entry("a/b", tarfile.DIRTYPE),
        entry("a/b/l", tarfile.SYMTYPE, linkname=".."),
        entry("a/b/l/m", tarfile.SYMTYPE, linkname="../../escape"),
        entry("a/b/l/m/pwned", data=b"owned\n"),
    ])
    with pytest.raises(KubeEdgeError, match="'a/b/l/m' is a link pointing outside the build directory"):
        build.run(params, FakeHost(), check_mode=False)
    assert not list(tmp_path.rglob("pwned"))
    assert os.listdir(params["build_dir"]) == []


def test_path_through_an_earlier_symlink_is_refused(params, tmp_path):
    params["src"] = hostile_tarball(tmp_path / "evil.tar.gz", [
        entry("haproxy-2.6.12/up", tarfile.SYMTYPE, linkname="../"),
        entry("haproxy-2.6.12/up/up2", tarfile.SYMTYPE, linkname="../"),
        entry("haproxy-2.6.12/up/up2/pwned", data=b"owned\n"),
    ])
    with pytest.raises(KubeEdgeError, match="outside the build directory"):
        build.run(params, FakeHost(), check_mode=False)
    assert not list(tmp_path.rglob("pwned"))


@pytest.mark.parametrize("hostile, message", [
    (entry("/etc/evil", data=b"x"), "is an absolute path"),
    (entry("haproxy-2.6.12/../../evil", data=b"x"), "contains '..'"),
    (entry("haproxy-2.6.12/link", tarfile.SYMTYPE, linkname="/etc/passwd"), "is a link to an absolute path"),
    (entry("haproxy-2.6.12/link", tarfile.SYMTYPE, linkname="../../.."), "is a link pointing outside"),
    (entry("haproxy-2.6.12/hard", tarfile.LNKTYPE, linkname="/etc/passwd"), "is an absolute path"),
    (entry("haproxy-2.6.12/hard", tarfile.LNKTYPE, linkname="etc/passwd"), "is a hard link to something that is not"),
    (entry("haproxy-2.6.12/null", tarfile.CHRTYPE), "is a device, FIFO or other special file"),
    (entry("haproxy-2.6.12/fifo", tarfile.FIFOTYPE), "is a device, FIFO or other special file"),
])
def test_hostile_entries_are_refused_on_every_python(params, tmp_path, hostile, message):
    params["src"] = hostile_tarball(tmp_path / "evil.tar.gz", [hostile])
    with pytest.raises(KubeEdgeError, match=message):
        build.run(params, FakeHost(), check_mode=False)
    assert os.listdir(params["build_dir"]) == []
    assert not os.path.exists(os.path.join(params["prefix"], "sbin", "haproxy"))


def test_hard_link_inside_the_tarball_becomes_a_copy(params, tmp_path):
    params["src"] = hostile_tarball(tmp_path / "ok.tar.gz", [
        entry("haproxy-2.6.12/doc.txt", data=b"text\n"),
        entry("haproxy-2.6.12/doc-copy.txt", tarfile.LNKTYPE, linkname="haproxy-2.6.12/doc.txt"),
        entry("haproxy-2.6.12/latest", tarfile.SYMTYPE, linkname="doc.txt"),
    ])
    assert build.run(params, FakeHost(), check_mode=False)["changed"] is True


@pytest.mark.parametrize("content", [b"", b"not a tarball at all", b"\x1f\x8b\x08\x00garbage-after-gzip-magic" * 20])
def test_garbage_tarball_is_one_sentence_and_leaves_nothing(params, tmp_path, content):
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(content)
    params["src"] = str(garbage)
    with pytest.raises(KubeEdgeError, match="is not a readable tar archive"):
        build.run(params, FakeHost(), check_mode=False)
    assert os.listdir(params["build_dir"]) == []


def test_unreachable_url_is_one_sentence_and_leaves_nothing(params):
    params.update(src="http://127.0.0.1:9/haproxy-2.6.12.tar.gz", checksum="sha256:" + "a" * 64)
    host = FakeHost()
    host.download = build.download_with_ansible
    with pytest.raises(KubeEdgeError, match=r"^src='http://127.0.0.1:9/haproxy-2.6.12.tar.gz' cannot be downloaded: "):
        build.run(params, host, check_mode=False)
    assert os.listdir(params["build_dir"]) == []


def test_build_dir_or_prefix_that_is_a_file_is_refused_before_anything(params, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    params.update(build_dir=str(a_file), prefix=str(a_file))
    with pytest.raises(ValidationError) as caught:
        build.run(params, FakeHost(), check_mode=True)
    assert "build_dir=%r exists and is not a directory" % str(a_file) in str(caught.value)
    assert "prefix=%r exists and is not a directory" % str(a_file) in str(caught.value)


def test_missing_compiler_make_and_libraries_are_named_before_the_build(params, tmp_path):
    root = fake_root(tmp_path / "bare", {}, os_release='ID=rocky\nID_LIKE="rhel centos fedora"\n')
    params["features"] = ["OPENSSL", "LUA", "PCRE2", "PCRE2_JIT"]
    host = FakeHost(root=root, tools={})
    with pytest.raises(ValidationError) as caught:
        build.run(params, host, check_mode=True)
    text = str(caught.value)
    assert "make is not installed on the target (package make)." in text
    assert "No C compiler (cc, gcc or clang) is installed on the target (package gcc)." in text
    assert "features='LUA' needs the headers and library of Lua 5.4 or 5.3; none found (package lua-devel" in text
    assert "features='OPENSSL' needs the development headers of its library; none found (package openssl-devel)" in text
    assert "features='PCRE2_JIT'" in text and not host.commands


def test_make_failure_reports_the_tail_and_removes_scratch(params):
    output = "\n".join("line %d" % number for number in range(1, 41))
    host = FakeHost(make_result=(2, output, "src/ssl_sock.c:1: fatal error: openssl/ssl.h: No such file"))
    with pytest.raises(KubeEdgeError) as caught:
        build.run(params, host, check_mode=False)
    text = str(caught.value)
    assert text.startswith("make failed (rc=2); the installed binary is unchanged. Last lines of its output:")
    assert "line 40" in text and "openssl/ssl.h: No such file" in text and "line 20\n" not in text
    assert os.listdir(params["build_dir"]) == []


@pytest.mark.parametrize("make_args, message", [
    (["--eval=all: ; touch /tmp/pwned"], "make_args='--eval' is not a make variable name"),
    ({"-f": "/tmp/evil.mk"}, "make_args='-f' is not a make variable name"),
    ({"CFLAGS": "$(shell touch /tmp/pwned)"}, "make_args.CFLAGS='$(shell touch /tmp/pwned)' may only contain"),
    ({"CFLAGS": "${shell id}"}, "make_args.CFLAGS='${shell id}' may only contain"),
    ({"CC": "gcc`id`"}, "make_args.CC='gcc`id`' may only contain"),
    ({"CC": "gcc; touch /tmp/pwned"}, "make_args.CC='gcc; touch /tmp/pwned' may only contain"),
    ({"CPU": "native\nall:"}, "make_args.CPU='native\\nall:' may only contain"),
    ({"MAKEFLAGS": "--eval=x"}, "make_args='MAKEFLAGS' controls make itself"),
    ({"SHELL": "/tmp/evil"}, "make_args='SHELL' controls make itself"),
    (["NOEQUALS"], "make_args='NOEQUALS' must have the form VARIABLE=value"),
])
def test_make_args_are_variable_value_pairs_only(params, make_args, message):
    params["make_args"] = make_args
    with pytest.raises(ValidationError) as caught:
        build.run(params, FakeHost(), check_mode=True)
    assert message in str(caught.value)


def test_make_args_that_are_plain_values_pass(params):
    params["make_args"] = {"CPU": "native", "CFLAGS": "-O2 -g -march=x86-64-v2", "DEFINE": "-DMAX_SESS=100"}
    result = build.run(params, FakeHost(), check_mode=True)
    assert "CFLAGS=-O2 -g -march=x86-64-v2" in result["build_options"]
