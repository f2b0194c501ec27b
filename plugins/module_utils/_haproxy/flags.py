# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The build-flag matrix of the HAProxy LTS branches (2.6, 2.8, 3.0, 3.2, 3.4 and those between).

Private to the collection: may change at any time. Pure functions, no Ansible imports.
Facts it encodes (from the upstream Makefile and INSTALL of each branch):
- USE_SYSTEMD links libsystemd in 2.6/2.8, is built in and on by default in 3.0, and is removed in 3.1+.
- PCRE and PCRE2 cannot be combined; each JIT flag needs its library.
- 2.6 only auto-detects Lua 5.3 names, so the Lua include and library names found on the target
  (``toolchain.find_lua``) are always passed explicitly.
- USE_ZLIB and USE_SLZ are exclusive (SLZ is the built-in default since 2.2).
"""

from __future__ import annotations

import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.toolchain import LUA_VERSIONS
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.version import branch, parse_version

# name -> (first version that knows it, first version that no longer accepts it or None)
KNOWN_FEATURES = {
    "OPENSSL": ((2, 0), None),
    "OPENSSL_AWSLC": ((2, 9), None),
    "OPENSSL_WOLFSSL": ((2, 8), None),
    "LUA": ((2, 0), None),
    "PCRE": ((2, 0), None),
    "PCRE_JIT": ((2, 0), None),
    "PCRE2": ((2, 0), None),
    "PCRE2_JIT": ((2, 0), None),
    "STATIC_PCRE": ((2, 0), None),
    "STATIC_PCRE2": ((2, 0), None),
    "PROMEX": ((2, 4), None),
    "SYSTEMD": ((2, 0), (3, 1)),
    "QUIC": ((2, 6), None),
    "QUIC_OPENSSL_COMPAT": ((2, 9), None),
    "ZLIB": ((2, 0), None),
    "SLZ": ((2, 2), None),
    "LIBCRYPT": ((2, 0), None),
    "NS": ((2, 0), None),
    "TFO": ((2, 0), None),
    "PTHREAD_EMULATION": ((2, 8), None),
    "MEMORY_PROFILING": ((2, 2), None),
    "OT": ((2, 4), (3, 3)),
    "ENGINE": ((2, 0), None),
    "DEVICEATLAS": ((2, 0), None),
    "51DEGREES": ((2, 0), None),
    "WURFL": ((2, 0), None),
}

SUPPORTED_RANGE = ((2, 6), (3, 5))  # from 2.6 up to (excluding) 3.5 development releases

# Make variables owned by the module; setting them in make_args would fight the feature set.
RESERVED_MAKE_VARS = ("TARGET", "PREFIX", "SBINDIR", "DESTDIR")
# Variables that change how make itself runs (options, makefiles, the recipe shell), not the build.
MAKE_CONTROL_VARS = (
    "MAKEFLAGS",
    "MFLAGS",
    "GNUMAKEFLAGS",
    "MAKEFILES",
    "MAKEFILE_LIST",
    "MAKECMDGOALS",
    "MAKEOVERRIDES",
    "MAKELEVEL",
    "MAKESHELL",
    "SHELL",
    "CURDIR",
    "VPATH",
)
_MAKE_VARIABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Values end up in recipe lines that /bin/sh runs: no quoting, expansion, separators or comments.
_MAKE_VALUE_RE = re.compile(r"^[A-Za-z0-9 _.,/:=+@%~^-]*$")
MAKE_VALUE_CHARACTERS = "letters, digits, spaces and _ . , / : = + @ % ~ ^ -"

# Defaults when features is omitted: what HAProxy is usually built with, as far as installed.
DEFAULT_FEATURES = ("OPENSSL", "LUA", "PCRE2", "PCRE2_JIT", "PROMEX", "SYSTEMD")
FALLBACK_FEATURES = {"PCRE2": "PCRE", "PCRE2_JIT": "PCRE_JIT"}  # PCRE1 where only it is installed


def branch_text(version_branch):
    return "%d.%d" % tuple(version_branch)


def supported_range_text():
    """``2.6 or later, before 3.5``: said from ``SUPPORTED_RANGE`` so that the message follows the data."""
    return "%s or later, before %s" % (branch_text(SUPPORTED_RANGE[0]), branch_text(SUPPORTED_RANGE[1]))


def default_features(version, toolchain=None):
    """The default ``USE_*`` set for a version.

    OPENSSL, LUA, PCRE2 (+JIT), PROMEX, and SYSTEMD where the branch accepts it and links a library;
    with a ``toolchain`` (``toolchain.detect()``) only those whose libraries are installed, PCRE
    (+JIT) standing in for PCRE2 where only PCRE1 is.
    """
    version_branch = branch(version)
    features = set()
    for name in DEFAULT_FEATURES:
        if name == "SYSTEMD" and version_branch >= (3, 0):
            continue  # built in from 3.0, refused from 3.1
        if toolchain is not None and not toolchain.has(name):
            name = FALLBACK_FEATURES.get(name)
            if name is None or not toolchain.has(name):
                continue
        features.add(name)
    return sorted(features)


def normalise_features(features):
    """``['use_openssl', 'LUA']`` -> ``['LUA', 'OPENSSL']`` (upper case, ``USE_`` prefix and duplicates removed)."""
    result = set()
    for name in features:
        name = str(name).strip().upper()
        if name.startswith("USE_"):
            name = name[4:]
        if name.endswith("=1"):
            name = name[:-2]
        result.add(name)
    return sorted(result)


def check_features(version, features, problems=None, field="features"):
    """Add every problem with ``features`` for ``version`` to ``problems`` (a ``Problems``); return it."""
    problems = problems if problems is not None else Problems()
    wanted = set(features)
    version_branch = branch(version)
    for name in sorted(wanted):
        if name not in KNOWN_FEATURES:
            problems.add(
                field, name, "is not a known USE_* build option (known: %s)" % ", ".join(sorted(KNOWN_FEATURES))
            )
            continue
        since, removed = KNOWN_FEATURES[name]
        if version_branch < since:
            problems.add(field, name, "needs HAProxy %s or later, but version is %s" % (branch_text(since), version))
        if removed is not None and version_branch >= removed:
            reason = "was removed in HAProxy %s, but version is %s" % (branch_text(removed), version)
            if name == "SYSTEMD":
                reason = "was removed in HAProxy %s (systemd notification is built in), drop it for version %s" % (
                    branch_text(removed),
                    version,
                )
            problems.add(field, name, reason)
    if {"PCRE", "PCRE2"} <= wanted:
        problems.add(field, "PCRE+PCRE2", "cannot be combined: pick PCRE2 (or PCRE on old systems)")
    for jit, library in (("PCRE_JIT", "PCRE"), ("PCRE2_JIT", "PCRE2")):
        if jit in wanted and library not in wanted:
            problems.add(field, jit, "needs %s in the same set" % library)
    if {"ZLIB", "SLZ"} <= wanted:
        problems.add(field, "ZLIB+SLZ", "cannot be combined: SLZ is the built-in compressor, ZLIB replaces it")
    tls_libraries = wanted & {"OPENSSL_AWSLC", "OPENSSL_WOLFSSL"}
    if len(tls_libraries) > 1:
        problems.add(field, "+".join(sorted(tls_libraries)), "cannot be combined: choose one TLS library")
    for name in ("QUIC", "OPENSSL_AWSLC", "OPENSSL_WOLFSSL", "QUIC_OPENSSL_COMPAT"):
        if name in wanted and "OPENSSL" not in wanted:
            problems.add(field, name, "needs OPENSSL in the same set")
    if "QUIC_OPENSSL_COMPAT" in wanted and "QUIC" not in wanted:
        problems.add(field, "QUIC_OPENSSL_COMPAT", "needs QUIC in the same set")
    return problems


def check_version(version, problems=None, field="version"):
    problems = problems if problems is not None else Problems()
    parsed = parse_version(version)
    if parsed is None or not str(version).replace(".", "").isdigit() or str(version).count(".") != 2:
        problems.add(field, version, "must be a release number such as 2.6.12 or 3.2.5")
        return problems
    if not SUPPORTED_RANGE[0] <= parsed[:2] < SUPPORTED_RANGE[1]:
        problems.add(field, version, "is outside the supported releases (%s)" % supported_range_text())
    return problems


def parse_make_args(make_args, problems=None, field="make_args"):
    """``{'CPU': 'native'}`` or ``['CPU=native']`` -> sorted ``['CPU=native']``.

    Only ``VARIABLE=value`` pairs: VARIABLE an identifier that is neither a USE_* feature, one the
    module sets nor one that controls make itself; value free of anything make or the recipe shell
    would expand or split (``$(...)``, backticks, quotes, separators, newlines). Options such as
    ``--eval`` or ``-f`` can therefore never reach make's command line.
    """
    problems = problems if problems is not None else Problems()
    pairs = []
    if isinstance(make_args, dict):
        items = [(str(key), "" if value is None else str(value)) for key, value in make_args.items()]
    else:
        items = []
        for entry in make_args or []:
            if "=" not in str(entry):
                problems.add(field, entry, "must have the form VARIABLE=value")
                continue
            key, value = str(entry).split("=", 1)
            items.append((key.strip(), value))
    for key, value in items:
        if not _MAKE_VARIABLE_RE.match(key):
            problems.add(field, key, "is not a make variable name (letters, digits and _, not starting with a digit)")
        elif key.upper().startswith("USE_"):
            problems.add(field, key, "sets a build feature: list it in features instead")
        elif key in RESERVED_MAKE_VARS:
            problems.add(field, key, "is set by the module (use prefix for PREFIX/SBINDIR)")
        elif key.upper() in MAKE_CONTROL_VARS:
            problems.add(field, key, "controls make itself and cannot be set here")
        elif not _MAKE_VALUE_RE.match(value):
            problems.add("%s.%s" % (field, key), value, "may only contain %s" % MAKE_VALUE_CHARACTERS)
        else:
            pairs.append("%s=%s" % (key, value))
    return sorted(pairs)


def check_toolchain(features, make_args, toolchain, problems=None, field="features"):
    """Add a problem for make, the compiler or each library that ``features`` needs and the target lacks."""
    problems = problems if problems is not None else Problems()
    if not toolchain.make:
        problems.add_message("make is not installed on the target%s." % toolchain.package_hint("make"))
    explicit = set(arg.split("=", 1)[0] for arg in make_args)
    if not toolchain.compiler and "CC" not in explicit:
        problems.add_message(
            "No C compiler (cc, gcc or clang) is installed on the target%s." % toolchain.package_hint("compiler")
        )
    for name in sorted(features):
        if name == "LUA" and toolchain.lua is None and "LUA_INC" not in explicit:
            problems.add(
                field,
                name,
                "needs the headers and library of Lua %s; none found%s"
                % (" or ".join("%d.%d" % version for version in LUA_VERSIONS), toolchain.package_hint("LUA")),
            )
        elif name != "LUA" and not toolchain.has(name):
            problems.add(
                field, name, "needs the development headers of its library; none found%s" % toolchain.package_hint(name)
            )
    return problems


def make_command(version, features, make_args, jobs, toolchain=None, target="linux-glibc"):
    """The full ``make`` argument list for a build (pure, deterministic order).

    With a ``toolchain`` the Lua include/library names it found and the compiler are passed, unless
    ``make_args`` names them already.
    """
    args = ["make", "-j%d" % jobs, "TARGET=%s" % target]
    args.extend("USE_%s=1" % name for name in sorted(features))
    explicit = set(arg.split("=", 1)[0] for arg in make_args)
    if toolchain is not None:
        detected = toolchain.compiler_args()
        if "LUA" in features:
            detected += toolchain.lua_make_args()
        args.extend(arg for arg in detected if arg.split("=", 1)[0] not in explicit)
    args.extend(make_args)
    return args


def build_options(command):
    """The part of the make command that decides the binary (everything except ``make`` and ``-jN``)."""
    return [arg for arg in command if arg != "make" and not arg.startswith("-j")]
