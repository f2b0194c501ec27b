# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kubernetes objects as diffs and patches see them (pure; private to the collection).

``strip_noise(obj)`` removes server-managed metadata (managedFields, resourceVersion, uid,
creationTimestamp, generation, selfLink, last-applied annotation) and ``status`` for diffs;
``merge_patch(live, desired)`` computes the smallest JSON merge patch turning ``live`` into
``desired`` (or ``{}``).
"""

from __future__ import annotations

import copy

NOISE_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def strip_noise(obj, keep_status=False):
    """A copy of ``obj`` without server-managed fields, fit for a diff or a result."""
    if obj is None:
        return None
    obj = copy.deepcopy(obj)
    metadata = obj.get("metadata") or {}
    for key in NOISE_METADATA:
        metadata.pop(key, None)
    annotations = metadata.get("annotations")
    if annotations:
        annotations.pop(LAST_APPLIED, None)
        if not annotations:
            metadata.pop("annotations")
    if not keep_status:
        obj.pop("status", None)
    return obj


def merge_patch(live, desired, prune=True):
    """The smallest RFC 7386 merge patch that turns ``live`` into ``desired``.

    Dicts are compared key by key; lists and scalars are replaced whole (that is what a merge
    patch can express). With ``prune`` keys that ``live`` has and ``desired`` lacks are removed
    (``None`` in the patch); without it they are left alone. Returns ``{}`` when nothing differs.
    """
    live = live or {}
    patch = {}
    for key, value in desired.items():
        current = live.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            sub = merge_patch(current, value, prune=prune)
            if sub:
                patch[key] = sub
        elif key not in live or current != value:
            patch[key] = copy.deepcopy(value)
    if prune:
        for key in live:
            if key not in desired:
                patch[key] = None
    return patch
