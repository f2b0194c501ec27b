# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The toolchain probes against fake target trees laid out as each supported OS family lays them out."""

from __future__ import annotations

import os

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import toolchain

LUA_H = "#define LUA_VERSION_NUM\t\t%d\n"


def tree(root, files):
    for path in files:
        full = os.path.join(str(root), path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(files[path])
    return str(root)


@pytest.mark.parametrize("files, expected", [
    # Debian 12 / Ubuntu 24.04 with liblua5.4-dev
    ({"/usr/include/lua5.4/lua.h": LUA_H % 504, "/usr/lib/x86_64-linux-gnu/liblua5.4.so": ""},
     ["LUA_INC=/usr/include/lua5.4", "LUA_LIB_NAME=lua5.4"]),
    # Debian/Ubuntu with only liblua5.3-dev (the old role assumed 5.4 and failed here)
    ({"/usr/include/lua5.3/lua.h": LUA_H % 503, "/usr/lib/aarch64-linux-gnu/liblua5.3.so": ""},
     ["LUA_INC=/usr/include/lua5.3", "LUA_LIB_NAME=lua5.3"]),
    # EL9 lua-devel: lua.h in /usr/include, liblua.so in /usr/lib64
    ({"/usr/include/lua.h": LUA_H % 504, "/usr/lib64/liblua.so": ""}, ["LUA_INC=/usr/include", "LUA_LIB_NAME=lua"]),
    # EL8 lua-devel is 5.3 under the same names
    ({"/usr/include/lua.h": LUA_H % 503, "/usr/lib64/liblua.so": ""}, ["LUA_INC=/usr/include", "LUA_LIB_NAME=lua"]),
    # Alpine: the library lives outside the linker's default directories
    ({"/usr/include/lua5.4/lua.h": LUA_H % 504, "/usr/lib/lua5.4/liblua.so": ""},
     ["LUA_INC=/usr/include/lua5.4", "LUA_LIB_NAME=lua", "LUA_LIB=/usr/lib/lua5.4"]),
    # Both installed: the newest wins
    ({"/usr/include/lua5.3/lua.h": LUA_H % 503, "/usr/lib/liblua5.3.so": "",
      "/usr/include/lua5.4/lua.h": LUA_H % 504, "/usr/lib/liblua5.4.so": ""},
     ["LUA_INC=/usr/include/lua5.4", "LUA_LIB_NAME=lua5.4"]),
    # Lua 5.1 (too old for HAProxy), or a header without its library: no Lua
    ({"/usr/include/lua5.1/lua.h": LUA_H % 501, "/usr/lib/liblua5.1.so": ""}, []),
    ({"/usr/include/lua5.4/lua.h": LUA_H % 504}, []),
])
def test_lua_is_found_where_each_os_puts_it(tmp_path, files, expected):
    found = toolchain.detect(tree(tmp_path, files), which={}.get)
    assert found.lua_make_args() == expected
    assert found.has("LUA") is bool(expected)


def test_headers_compiler_and_hints(tmp_path):
    root = tree(tmp_path, {"/usr/include/openssl/ssl.h": "", "/usr/include/x86_64-linux-gnu/pcre2.h": "",
                           "/usr/local/include/zlib.h": ""})
    found = toolchain.detect(root, which={"make": "/usr/bin/make", "gcc": "/usr/bin/gcc"}.get, os_family="Debian")
    assert found.headers == {"OPENSSL": "/usr/include/openssl/ssl.h", "PCRE2": "/usr/include/x86_64-linux-gnu/pcre2.h",
                             "ZLIB": "/usr/local/include/zlib.h"}
    assert found.has("PCRE2_JIT") and found.has("QUIC") and found.has("PROMEX")
    assert not found.has("PCRE") and not found.has("SYSTEMD")
    assert found.compiler_args() == ["CC=gcc"]
    assert found.package_hint("SYSTEMD") == " (package libsystemd-dev)"
    assert found.package_hint("PCRE_JIT") == " (package libpcre3-dev)"
    assert toolchain.Toolchain().package_hint("LUA") == ""
