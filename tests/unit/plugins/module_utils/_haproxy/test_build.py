# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
import os
import subprocess
import tarfile

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


class FakeHost(build.Host):
    """``make`` writes a shell script that prints -vv output for the features it was given."""

    def __init__(self, built_version=None):
        super().__init__(self._run)
        self.commands = []
        self.built_version = built_version

    def _run(self, argv, cwd=None):
        self.commands.append(list(argv))
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
    request = build.BuildRequest({"version": "3.2.5", "checksum": "sha256:" + "a" * 64}, cpu_count=4)
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
    with pytest.raises(KubeEdgeError, match="outside the build directory"):
        build.run(params, FakeHost(), check_mode=False)
