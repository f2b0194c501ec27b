# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LTM HTTP profiles (/mgmt/tm/ltm/profile/http): X-Forwarded-For and the parent.

The built-in /Common/http has ``insertXforwardedFor disabled``, so behind SNAT automap the
servers see only the BIG-IP's address; a child profile with it enabled passes the client's.
Converged by objects.run. Private to the collection.
"""

from __future__ import annotations

import sys

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import objects
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import (
    BUILTIN_PROFILES,
    check_reference,
    full_path,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.references import missing_parent, outcome

KIND = "ltm/profile/http"
LABEL = "HTTP profile"
RESULT = "profile"
# The module's options besides name, partition, state and provider (see _f5/module.py).
OPTIONS = dict(
    parent=dict(type="str", default="http"),
    insert_x_forwarded_for=dict(type="bool"),
    description=dict(type="str"),
)
FIELDS = (
    ("parent", "defaultsFrom", objects.identity, objects.identity),
    ("insert_x_forwarded_for", "insertXforwardedFor", objects.bool_to_enabled, objects.enabled_to_bool),
    ("description", "description", objects.none_if_empty, objects.text_or_empty),
)
IMMUTABLE = ()
# What the device gives a new profile for unmanaged settings (the /Common/http parent's values).
CREATE_DEFAULTS = {"parent": "/Common/http", "insert_x_forwarded_for": False, "description": ""}


def desired(params, partition, problems):
    settings = {"parent": None, "insert_x_forwarded_for": params.get("insert_x_forwarded_for"), "description": None}
    parent = params.get("parent") or "http"
    if check_reference(problems, "parent", parent, partition):
        settings["parent"] = full_path(parent, partition, BUILTIN_PROFILES)
    description = params.get("description")
    if description is not None and any(ord(char) < 32 or ord(char) == 127 for char in description):
        problems.add("description", description, "contains control characters")
    else:
        settings["description"] = description
    return settings


def references(client, desired, after, current, check_mode):
    """A parent other than /Common/http must exist (read only when it is new)."""
    if current is not None and current["parent"] == after["parent"]:
        return []
    return outcome(missing_parent(client, KIND, LABEL, after["parent"], "/Common/http"), check_mode)


def run(client, params, check_mode=False):
    return objects.run(sys.modules[__name__], client, params, check_mode)
