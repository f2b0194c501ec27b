# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import flags, toolchain


@pytest.mark.parametrize("version, systemd", [("2.6.12", True), ("2.8.5", True), ("3.0.1", False),
                                              ("3.2.5", False), ("3.4.0", False)])
def test_default_features_per_branch(version, systemd):
    features = flags.default_features(version)
    assert {"OPENSSL", "LUA", "PCRE2", "PCRE2_JIT", "PROMEX"} <= set(features)
    assert ("SYSTEMD" in features) is systemd
    assert not flags.check_features(version, features)


def test_normalise_features():
    assert flags.normalise_features(["use_openssl", "LUA", "USE_LUA=1"]) == ["LUA", "OPENSSL"]


def messages(version, features):
    return flags.check_features(version, features).messages


def test_systemd_removed_in_31():
    (message,) = messages("3.2.5", ["OPENSSL", "SYSTEMD"])
    assert message.startswith("features='SYSTEMD' was removed in HAProxy 3.1")
    assert not messages("3.0.1", ["SYSTEMD"])


def test_contradictions_are_all_reported():
    found = messages("2.6.12", ["PCRE", "PCRE2", "PCRE_JIT", "PCRE2_JIT", "ZLIB", "SLZ", "QUIC", "BOGUS"])
    text = " ".join(found)
    assert "features='PCRE+PCRE2' cannot be combined" in text
    assert "features='ZLIB+SLZ' cannot be combined" in text
    assert "features='QUIC' needs OPENSSL" in text
    assert "features='BOGUS' is not a known USE_* build option" in text
    assert len(found) == 4


def test_jit_needs_its_library_and_features_need_their_branch():
    assert messages("3.2.5", ["PCRE2_JIT"]) == ["features='PCRE2_JIT' needs PCRE2 in the same set."]
    assert messages("2.6.12", ["OPENSSL", "OPENSSL_AWSLC"]) == [
        "features='OPENSSL_AWSLC' needs HAProxy 2.9 or later, but version is 2.6.12."]
    assert "removed in HAProxy 3.3" in messages("3.4.0", ["OT"])[0]


@pytest.mark.parametrize("version, ok", [("2.6.12", True), ("3.4.0", True), ("2.4.22", False),
                                         ("3.5.0", False), ("3.2", False), ("latest", False)])
def test_check_version(version, ok):
    assert bool(flags.check_version(version)) is not ok


def test_make_args_and_command():
    problems = flags.Problems()
    args = flags.parse_make_args({"CPU": "native", "USE_QUIC": "1", "TARGET": "linux-musl"}, problems)
    assert args == ["CPU=native"]
    assert len(problems.messages) == 2
    assert flags.parse_make_args(["B=2", "A=1"]) == ["A=1", "B=2"]
    debian = toolchain.Toolchain(make="/usr/bin/make", compiler="/usr/bin/cc", lua={
        "version": "5.4", "include": "/usr/include/lua5.4", "lib_name": "lua5.4", "lib_dir": None})
    command = flags.make_command("2.6.12", ["OPENSSL", "LUA"], ["CPU=native"], 2, debian)
    assert command == ["make", "-j2", "TARGET=linux-glibc", "USE_LUA=1", "USE_OPENSSL=1",
                       "LUA_INC=/usr/include/lua5.4", "LUA_LIB_NAME=lua5.4", "CPU=native"]
    assert flags.build_options(command)[0] == "TARGET=linux-glibc"
    explicit = flags.make_command("2.6.12", ["LUA"], ["LUA_LIB_NAME=lua5.3"], 1, debian)
    assert "LUA_LIB_NAME=lua5.4" not in explicit and "LUA_LIB_NAME=lua5.3" in explicit
    gcc_only = toolchain.Toolchain(make="/usr/bin/make", compiler="/usr/bin/gcc")
    assert flags.make_command("3.2.5", ["LUA"], [], 1, gcc_only)[-1] == "CC=gcc"


def test_messages_follow_the_data(monkeypatch):
    assert flags.check_version("2.4.22").messages == [
        "version='2.4.22' is outside the supported releases (2.6 or later, before 3.5)."]
    monkeypatch.setattr(flags, "SUPPORTED_RANGE", ((2, 8), (3, 6)))
    assert "(2.8 or later, before 3.6)" in flags.check_version("2.6.12").messages[0]
    assert not flags.check_version("3.5.0")
    monkeypatch.setitem(flags.KNOWN_FEATURES, "SYSTEMD", ((2, 0), (3, 2)))
    assert not messages("3.1.0", ["SYSTEMD"])
    assert messages("3.2.5", ["SYSTEMD"])[0].startswith("features='SYSTEMD' was removed in HAProxy 3.2")


def test_defaults_follow_the_installed_libraries():
    pcre1_no_lua = toolchain.Toolchain(headers={"OPENSSL": "/usr/include/openssl/ssl.h", "PCRE": "/usr/include/pcre.h"})
    assert flags.default_features("2.6.12", pcre1_no_lua) == ["OPENSSL", "PCRE", "PCRE_JIT", "PROMEX"]
    everything = toolchain.Toolchain(headers={name: "h" for name in toolchain.HEADERS}, lua={"include": "i", "lib_name": "l"})
    assert flags.default_features("2.8.5", everything) == ["LUA", "OPENSSL", "PCRE2", "PCRE2_JIT", "PROMEX", "SYSTEMD"]
    assert flags.default_features("3.0.1", everything) == ["LUA", "OPENSSL", "PCRE2", "PCRE2_JIT", "PROMEX"]
