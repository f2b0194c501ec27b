# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Version numbers and ``haproxy -vv`` parsing.

Private to the collection: may change at any time. Pure functions, no Ansible imports.
"""

from __future__ import annotations

import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:-dev(\d+))?")
_FEATURE_TOKEN_RE = re.compile(r"^[+-][A-Z0-9_]+$")


def parse_version(text):
    """``'2.6.12-1+deb12u4'`` -> ``(2, 6, 12)``; ``'3.5-dev5'`` -> ``(3, 5, 0)``; ``None`` if unparsable."""
    match = _VERSION_RE.match((text or "").strip())
    if not match:
        return None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def numeric_version(text):
    """The numeric part of a version string as HAProxy prints it (strips ``-<commit>``/distro suffixes)."""
    parsed = parse_version(text)
    if parsed is None:
        return None
    match = _VERSION_RE.match(text.strip())
    if match.group(3) is None:
        return "%d.%d" % parsed[:2]
    return "%d.%d.%d" % parsed


def branch(version):
    """``(2, 6, 12)`` or ``'2.6.12'`` -> ``(2, 6)``."""
    if isinstance(version, str):
        version = parse_version(version)
    return tuple(version[:2])


def _feature_tokens(lines, start):
    """Tokens of a ``Feature list :`` block, which newer releases wrap over several lines."""
    head = lines[start].split(":", 1)[1].split()
    tokens = list(head)
    for line in lines[start + 1 :]:
        words = line.split()
        if not words or not all(_FEATURE_TOKEN_RE.match(word) for word in words):
            break
        tokens.extend(words)
    return tokens


def parse_vv(output):
    """Parse ``haproxy -vv`` into a dict.

    Keys: ``version`` (as printed), ``numeric_version``, ``features`` (sorted enabled names),
    ``disabled_features``, ``options`` (the ``OPTIONS =`` words), ``target``, ``ssl_library``,
    ``lua_version``. Raises ``KubeEdgeError`` when the text is not ``-vv`` output.
    """
    lines = output.splitlines()
    info = {
        "version": None,
        "numeric_version": None,
        "features": [],
        "disabled_features": [],
        "options": [],
        "target": None,
        "ssl_library": None,
        "lua_version": None,
    }
    enabled, disabled = set(), set()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("HAProxy version ") or stripped.startswith("HA-Proxy version "):
            info["version"] = stripped.split()[2]
        elif stripped.startswith("TARGET") and "=" in stripped:
            info["target"] = stripped.split("=", 1)[1].strip()
        elif stripped.startswith("OPTIONS") and "=" in stripped:
            info["options"] = stripped.split("=", 1)[1].split()
        elif stripped.startswith("Feature list :") or stripped.startswith("Detected feature list :"):
            for token in _feature_tokens(lines, index):
                (enabled if token[0] == "+" else disabled).add(token[1:])
        elif stripped.startswith("Running on OpenSSL version :") or (
            stripped.startswith("Built with OpenSSL version :") and not info["ssl_library"]
        ):
            info["ssl_library"] = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("Built with Lua version :"):
            info["lua_version"] = stripped.split(":", 1)[1].strip()
    if info["version"] is None or parse_version(info["version"]) is None:
        raise KubeEdgeError("The output of 'haproxy -vv' has no 'HAProxy version' line: %r." % output[:200])
    info["numeric_version"] = numeric_version(info["version"])
    info["features"] = sorted(enabled)
    info["disabled_features"] = sorted(disabled - enabled)
    return info
