# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker, dict_changes


def test_unchanged_objects_make_no_change_and_no_diff():
    tracker = ChangeTracker()
    tracker.record("pool/web", {"members": 2}, {"members": 2})
    assert not tracker.changed
    assert tracker.diff() == {"before": {}, "after": {}}


def test_created_object_appears_only_after():
    tracker = ChangeTracker()
    tracker.record("pool/web", None, {"members": 2})
    tracker.record("pool/api", {"members": 1}, {"members": 1})
    assert tracker.changed
    assert tracker.changed_keys() == ["pool/web"]
    assert tracker.diff() == {"before": {}, "after": {"pool/web": {"members": 2}}}


def test_recorded_values_are_copied():
    state = {"members": [1]}
    tracker = ChangeTracker()
    tracker.record("pool/web", state, state)
    state["members"].append(2)
    assert not tracker.changed


def test_dict_changes_lists_differing_keys_in_order():
    assert dict_changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ["b", "c"]
    assert dict_changes(None, {"a": 1}) == ["a"]


def test_secret_markers_say_changed_without_a_digest():
    from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import secret_markers
    assert secret_markers("a", "a") == ("<secret>", "<secret>")
    assert secret_markers("a", "b") == ("<secret>", "<secret, changed>")
    assert secret_markers(None, "b") == (None, "<secret>")
    assert secret_markers("a", None) == ("<secret>", None)
    tracker = ChangeTracker()
    tracker.record("Secret/x", *secret_markers("old-password", "new-password"))
    assert tracker.changed and "password" not in repr(tracker.diff())
