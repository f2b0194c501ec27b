# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether the objects a change would newly reference (pool, monitors, profiles, files) exist.

Private to the collection. Shared by every F5 area: each reads only what the change adds, and a
missing reference fails before any write, except in check mode, where it is a warning (an earlier
task of the same play may create it).
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import split_full_path

IN_CHECK_MODE = " It must be created earlier in the play."


def exists(client, kind, path):
    """One GET of the object ``path`` (``/Partition/name``) of ``kind`` (``ltm/pool``)."""
    return bool(client.get(object_url(kind, *split_full_path(path)), params={"$select": "fullPath"}, missing_ok=True))


def find_by_kind(client, collection, kinds, paths):
    """({path: kind}, sorted missing paths) for objects of any of ``kinds`` under ``collection`` (``ltm/monitor``).

    One GET per kind and partition, in the order of ``kinds``, until every path is found.
    """
    found = {}
    missing = set(paths)
    for kind in kinds:
        if not missing:
            break
        for partition in sorted(set(split_full_path(path)[0] for path in missing)):
            data = client.get(
                "/mgmt/tm/%s/%s" % (collection, kind),
                params={"$select": "fullPath", "$filter": "partition eq %s" % partition},
                missing_ok=True,
            )
            for item in (data or {}).get("items") or []:
                if item.get("fullPath") in missing:
                    found[item["fullPath"]] = kind
                    missing.discard(item["fullPath"])
    return found, sorted(missing)


def missing_parent(client, kind, label, parent, builtin):
    """[the problem] when the parent ``parent`` of a ``label`` (``HTTP monitor``) does not exist, else []."""
    if parent == builtin or exists(client, kind, parent):
        return []
    return ["parent=%r: the %s %s does not exist on the device." % (parent, label, parent)]


def outcome(problems, check_mode):
    """The warnings of missing references in check mode; otherwise ValidationError when any is missing."""
    if problems and check_mode:
        return [problem + IN_CHECK_MODE for problem in problems]
    if problems:
        raise ValidationError(problems)
    return []
