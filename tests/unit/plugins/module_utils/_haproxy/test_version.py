# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.version import (
    branch, numeric_version, parse_version, parse_vv)

VV_26 = """HAProxy version 2.6.12-1+deb12u4 2025/01/20 - https://haproxy.org/
Status: long-term supported branch - will stop receiving fixes around Q2 2027.
Known bugs: http://www.haproxy.org/bugs/bugs-2.6.12.html
Running on: Linux 6.1.0 x86_64
Build options :
  TARGET  = linux-glibc
  CPU     = generic
  CC      = cc
  CFLAGS  = -O2 -g
  OPTIONS = USE_PCRE2=1 USE_PCRE2_JIT=1 USE_OPENSSL=1 USE_LUA=1 USE_SLZ=1 USE_SYSTEMD=1 USE_PROMEX=1
  DEBUG   = -DDEBUG_STRICT -DDEBUG_MEMORY_POOLS

Feature list : +EPOLL -KQUEUE +NETFILTER -PCRE -PCRE_JIT +PCRE2 +PCRE2_JIT +POLL +THREAD +OPENSSL +LUA +SLZ +SYSTEMD -QUIC +PROMEX

Default settings :
  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200

Built with multi-threading support (MAX_THREADS=64, default=2).
Built with OpenSSL version : OpenSSL 3.0.11 19 Sep 2023
Running on OpenSSL version : OpenSSL 3.0.15 3 Sep 2024
Built with Lua version : Lua 5.3.6
"""

VV_34 = """HAProxy version 3.4.0-1a2b3c4 2026/06/03 - https://haproxy.org/
Build options :
  TARGET  = linux-glibc
  OPTIONS = USE_OPENSSL=1 USE_LUA=1 USE_PROMEX=1 USE_PCRE2=1 USE_PCRE2_JIT=1
Feature list : -51DEGREES +ACCEPT4 +BACKTRACE -CLOSEFROM +CPU_AFFINITY +CRYPT_H
               -DEVICEATLAS +DL -ENGINE +EPOLL +LUA +OPENSSL +PCRE2 +PCRE2_JIT
               +PROMEX -QUIC
Detected feature list : +HAVE_WORKING_TCP_MD5SIG +HAVE_WORKING_GETRANDOM

Built with OpenSSL version : OpenSSL 3.5.1 1 Jul 2025
"""


def test_parse_version_forms():
    assert parse_version("2.6.12-1+deb12u4") == (2, 6, 12)
    assert parse_version("3.5-dev5") == (3, 5, 0)
    assert parse_version("nonsense") is None
    assert numeric_version("3.2.0-e134140") == "3.2.0"
    assert branch("3.4.1") == (3, 4)


def test_parse_vv_debian_26():
    info = parse_vv(VV_26)
    assert info["version"] == "2.6.12-1+deb12u4"
    assert info["numeric_version"] == "2.6.12"
    assert info["target"] == "linux-glibc"
    assert "USE_SYSTEMD=1" in info["options"]
    assert {"OPENSSL", "LUA", "PCRE2", "PCRE2_JIT", "SYSTEMD", "PROMEX"} <= set(info["features"])
    assert "QUIC" in info["disabled_features"]
    assert info["ssl_library"] == "OpenSSL 3.0.15 3 Sep 2024"
    assert info["lua_version"] == "Lua 5.3.6"


def test_parse_vv_wrapped_feature_list_and_detected_features():
    info = parse_vv(VV_34)
    assert info["numeric_version"] == "3.4.0"
    assert {"PROMEX", "PCRE2_JIT", "HAVE_WORKING_GETRANDOM", "EPOLL"} <= set(info["features"])
    assert "QUIC" in info["disabled_features"]
    assert info["ssl_library"] == "OpenSSL 3.5.1 1 Jul 2025"


def test_parse_vv_rejects_other_output():
    with pytest.raises(KubeEdgeError, match="HAProxy version"):
        parse_vv("bash: haproxy: command not found")
