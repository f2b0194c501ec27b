# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A kubeconfig file checked before the official loader reads it (private to the collection)."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError

KUBECONFIG_LISTS = (("clusters", "cluster"), ("contexts", "context"), ("users", "user"))


def check_kubeconfig(path):
    """A kubeconfig the loader can read, or one sentence saying what is wrong with it.

    The official loader assumes kubectl's shape and fails on anything else with messages such as
    "'str' object does not support item assignment"; these checks come first and name the file.
    """
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except (OSError, IOError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise KubeEdgeError(
            "kubeconfig=%r cannot be read (%s)." % (path, getattr(exc, "strerror", None) or "not a usable path")
        ) from exc
    try:
        import yaml

        data = yaml.safe_load(text)
    except ImportError:  # the kubernetes package requires PyYAML; without it the loader reports itself
        return
    except Exception as exc:  # yaml.YAMLError and decoding errors
        mark = getattr(exc, "problem_mark", None)
        where = " (line %d)" % (mark.line + 1) if mark is not None else ""
        raise KubeEdgeError("kubeconfig=%r is not valid YAML%s." % (path, where)) from exc
    if not isinstance(data, dict):
        raise KubeEdgeError(
            "kubeconfig=%r is not a kubeconfig: it holds %s, not a mapping with clusters, "
            "contexts and users." % (path, "nothing" if data is None else "a " + type(data).__name__)
        )
    for field, inner in KUBECONFIG_LISTS:
        entries = data.get(field)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(
            isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get(inner) or {}, dict)
            for entry in entries
        ):
            raise KubeEdgeError(
                "kubeconfig=%r is not a kubeconfig: %s must be a list of {name, %s} mappings." % (path, field, inner)
            )
    if data.get("current-context") is not None and not isinstance(data.get("current-context"), str):
        raise KubeEdgeError("kubeconfig=%r is not a kubeconfig: current-context must be a context name." % path)
