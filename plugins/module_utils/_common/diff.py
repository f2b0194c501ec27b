# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The before/after tracker behind both ``changed`` and ``diff``.

Private to the collection: may change at any time. One tracker per module run: every object the
module manages is recorded with its normalised before and after state, so ``changed`` and the diff
can never disagree. Secret values must be replaced before they are recorded: ``secret_markers``
gives markers that say whether a secret changed without any digest of it (a hash prefix of a
password can be tested offline against guesses).
"""

from __future__ import annotations

import copy

SECRET_MARKER = "<secret>"
SECRET_CHANGED_MARKER = "<secret, changed>"


class ChangeTracker:
    """Records the before and after state of each managed object, keyed by a readable name."""

    def __init__(self):
        self._before = {}
        self._after = {}

    def record(self, key, before, after):
        """``before``/``after`` are plain JSON-like values; ``None`` means absent."""
        self._before[key] = copy.deepcopy(before)
        self._after[key] = copy.deepcopy(after)

    def changed_keys(self):
        return [key for key in self._before if self._before[key] != self._after[key]]

    @property
    def changed(self):
        return bool(self.changed_keys())

    def diff(self, only_changed=True):
        """A diff dict for ``exit_json(diff=...)``: objects that did not change are left out."""
        keys = self.changed_keys() if only_changed else list(self._before)
        return {
            "before": dict((key, self._before[key]) for key in keys if self._before[key] is not None),
            "after": dict((key, self._after[key]) for key in keys if self._after[key] is not None),
        }


def dict_changes(before, after):
    """Return the keys of ``after`` whose values differ from ``before`` (a shallow, ordered list)."""
    before = before or {}
    return [key for key, value in after.items() if before.get(key) != value]


def secret_markers(before, after):
    """Stand-ins for a secret's ``before``/``after`` values (``None`` = absent) that carry no digest.

    Equal values give equal markers and different values different ones, so ``changed`` and the
    diff stay right; nothing in them can be used to test a guess.
    """
    before_marker = None if before is None else SECRET_MARKER
    if after is None:
        return before_marker, None
    return before_marker, SECRET_MARKER if before == after or before is None else SECRET_CHANGED_MARKER
