# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the target can build HAProxy with: make, a C compiler and the optional libraries' headers.

Private to the collection: may change at any time. Standard library only, no Ansible imports.
The libraries are found by their headers (and, for Lua, the library file), not assumed from the OS:
Debian ships Lua as ``/usr/include/lua5.4`` + ``liblua5.4``, or 5.3 next to it, RHEL as
``/usr/include/lua.h`` + ``liblua``, Alpine keeps the library in ``/usr/lib/lua5.4``. ``root`` lets
unit tests point the probes at a fake tree.
"""

from __future__ import annotations

import glob
import os
import re
import shutil

# USE_* option -> the header its build includes.
HEADERS = {
    "OPENSSL": "openssl/ssl.h",
    "PCRE2": "pcre2.h",
    "PCRE": "pcre.h",
    "SYSTEMD": "systemd/sd-daemon.h",
    "ZLIB": "zlib.h",
}
# Options whose header is their library's (a JIT flag needs the library it accelerates).
HEADER_OF = {
    "PCRE2_JIT": "PCRE2",
    "PCRE_JIT": "PCRE",
    "STATIC_PCRE2": "PCRE2",
    "STATIC_PCRE": "PCRE",
    "QUIC": "OPENSSL",
    "QUIC_OPENSSL_COMPAT": "OPENSSL",
}

# Lua versions HAProxy 2.6 to 3.4 build against, newest first.
LUA_VERSIONS = ((5, 4), (5, 3))

# Development packages per OS family, for the hint in a "not installed" message.
PACKAGES = {
    "Debian": {
        "OPENSSL": "libssl-dev",
        "PCRE2": "libpcre2-dev",
        "PCRE": "libpcre3-dev",
        "LUA": "liblua5.4-dev",
        "SYSTEMD": "libsystemd-dev",
        "ZLIB": "zlib1g-dev",
        "make": "make",
        "compiler": "gcc libc6-dev",
    },
    "RedHat": {
        "OPENSSL": "openssl-devel",
        "PCRE2": "pcre2-devel",
        "PCRE": "pcre-devel",
        "LUA": "lua-devel (from CRB/PowerTools)",
        "SYSTEMD": "systemd-devel",
        "ZLIB": "zlib-devel",
        "make": "make",
        "compiler": "gcc",
    },
}

_LUA_NUM_RE = re.compile(r"^\s*#\s*define\s+LUA_VERSION_NUM\s+(\d+)", re.MULTILINE)


class Toolchain:
    """The probes' findings: ``make``, ``compiler`` (paths or None), ``headers`` (option -> header path), ``lua``."""

    def __init__(self, make=None, compiler=None, headers=None, lua=None, os_family=None):
        self.make = make
        self.compiler = compiler
        self.headers = dict(headers or {})
        self.lua = lua  # {'version': '5.4', 'include': dir, 'lib_name': name, 'lib_dir': dir or None} or None
        self.os_family = os_family

    def has(self, feature):
        """Whether the libraries ``USE_<feature>`` needs are installed (True for options without any)."""
        if feature == "LUA":
            return self.lua is not None
        library = HEADER_OF.get(feature, feature)
        return library not in HEADERS or library in self.headers

    def package_hint(self, what):
        package = PACKAGES.get(self.os_family, {}).get(HEADER_OF.get(what, what))
        return " (package %s)" % package if package else ""

    def compiler_args(self):
        """HAProxy's Makefile calls ``cc``; name the compiler when only ``gcc`` or ``clang`` exists."""
        if self.compiler and os.path.basename(self.compiler) != "cc":
            return ["CC=%s" % os.path.basename(self.compiler)]
        return []

    def lua_make_args(self):
        """``LUA_INC``/``LUA_LIB_NAME`` (and ``LUA_LIB`` outside the linker's default directories)."""
        if self.lua is None:
            return []
        args = ["LUA_INC=%s" % self.lua["include"], "LUA_LIB_NAME=%s" % self.lua["lib_name"]]
        if self.lua.get("lib_dir"):
            args.append("LUA_LIB=%s" % self.lua["lib_dir"])
        return args


def _dirs(root, bases, multiarch):
    found = [os.path.join(root, base.lstrip("/")) for base in bases]
    found.extend(sorted(glob.glob(os.path.join(root, multiarch.lstrip("/")))))
    return [path for path in found if os.path.isdir(path)]


def include_dirs(root="/"):
    return _dirs(root, ("/usr/include", "/usr/local/include"), "/usr/include/*-linux-*")


def library_dirs(root="/"):
    return _dirs(
        root, ("/usr/lib64", "/usr/lib", "/lib64", "/lib", "/usr/local/lib64", "/usr/local/lib"), "/usr/lib/*-linux-*"
    )


def _on_target(root, path):
    """``path`` as the target sees it (``root`` is "/" except in unit tests)."""
    return path if root in ("", "/") else "/" + os.path.relpath(path, root)


def _default_linker_dir(root, path):
    relative = _on_target(root, path)
    return relative in ("/usr/lib64", "/usr/lib", "/lib64", "/lib") or re.match(r"^/(usr/)?lib/[^/]*-linux-", relative)


def _lua_version(header):
    try:
        with open(header, errors="replace") as handle:
            match = _LUA_NUM_RE.search(handle.read())
    except OSError:
        return None
    if not match:
        return None
    number = int(match.group(1))
    return (number // 100, number % 100)


def find_lua(root="/"):
    """The newest supported Lua whose header and library are both installed, or None."""
    includes = include_dirs(root)
    libraries = library_dirs(root)
    for major, minor in LUA_VERSIONS:
        dotted, compact = "%d.%d" % (major, minor), "%d%d" % (major, minor)
        for base in includes:
            for sub in ("lua" + dotted, "lua" + compact, "lua-" + dotted, ""):
                include = os.path.join(base, sub) if sub else base
                if _lua_version(os.path.join(include, "lua.h")) != (major, minor):
                    continue
                # Debian/Ubuntu name the library after the version, RHEL and Alpine call it liblua.
                for name in ("lua" + dotted, "lua-" + dotted, "lua" + compact, "lua"):
                    for directory in libraries + [os.path.join(path, "lua" + dotted) for path in libraries]:
                        if any(
                            os.path.exists(os.path.join(directory, "lib%s.%s" % (name, ext))) for ext in ("so", "a")
                        ):
                            lib_dir = None if _default_linker_dir(root, directory) else _on_target(root, directory)
                            return {
                                "version": dotted,
                                "include": _on_target(root, include),
                                "lib_name": name,
                                "lib_dir": lib_dir,
                            }
    return None


def detect(root="/", which=shutil.which, os_family=None):
    """Probe the target: ``make``, ``cc``/``gcc``, each library's header, Lua."""
    headers = {}
    for feature, header in HEADERS.items():
        for directory in include_dirs(root):
            if os.path.isfile(os.path.join(directory, header)):
                headers[feature] = _on_target(root, os.path.join(directory, header))
                break
    compiler = which("cc") or which("gcc") or which("clang")
    return Toolchain(make=which("make"), compiler=compiler, headers=headers, lua=find_lua(root), os_family=os_family)
