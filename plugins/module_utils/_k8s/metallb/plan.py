# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan of writes that turns the live metallb.io objects into the desired ones, and how to undo each.

Private to the collection; pure (no client). The order makes every prefix of the plan safe, so a
failure half-way never leaves a pool announced without its peers, or announced by an advertisement
whose pool or peers are gone:

1. advertisements that go away are deleted first (nothing is announced that will not stay);
2. Secrets, BFD profiles, communities, pools and peers are created or updated;
3. advertisements are created or updated last (a pool is announced only once all it needs exists);
4. the remaining deletions follow, peers before the BFD profiles and Secrets they reference.

Each write has an undo (delete what was created, patch back what was updated, re-create what was
deleted), applied in reverse order when a later write fails.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.merge import merge_patch, strip_noise
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import (
    ADVERTISEMENTS,
    MANAGED_LABEL,
    MANAGED_VALUE,
    owned_fields,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.render_crds import before_after, object_key

# kinds in the order they are created (advertisements last) and deleted (advertisements first)
CREATE_ORDER = ("Secret", "BFDProfile", "Community", "IPAddressPool", "BGPPeer", "L2Advertisement", "BGPAdvertisement")
DELETE_ORDER = ("L2Advertisement", "BGPAdvertisement", "BGPPeer", "IPAddressPool", "Community", "BFDProfile", "Secret")

Step = namedtuple(
    "Step", "action obj live"
)  # action: create | update | delete; live: the object before (None for create)


def is_managed(obj):
    return (obj["metadata"].get("labels") or {}).get(MANAGED_LABEL) == MANAGED_VALUE


def staying_pools(live_pools, desired_keys, prune, state):
    """{name: addresses} of pools in the cluster that stay (not ours, or ours but neither declared nor pruned)."""
    staying = {}
    for name, pool in (live_pools or {}).items():
        if "IPAddressPool/%s" % name in desired_keys or (is_managed(pool) and (prune or state == "absent")):
            continue
        staying[name] = list((pool.get("spec") or {}).get("addresses") or [])
    return staying


def plan_crds(desired, live, declared_pools, prune, state, tracker):
    """-> (ordered list of Step, warnings); records every object's before/after in ``tracker``."""
    warnings = []
    writes = []
    desired_keys = set(object_key(obj) for obj in desired)
    for obj in desired:
        current = (live.get(obj["kind"]) or {}).get(obj["metadata"]["name"])
        before, after = before_after(current, obj)
        tracker.record(object_key(obj), before, after)
        if current is None:
            writes.append(Step("create", obj, None))
        elif before != after:
            if not is_managed(current):
                warnings.append(
                    "%s existed without the %s label and is now managed by this module"
                    % (object_key(obj), MANAGED_LABEL)
                )
            writes.append(Step("update", obj, current))
    deletes = []
    for kind in DELETE_ORDER:
        for name, current in sorted((live.get(kind) or {}).items()):
            if not is_managed(current) or "%s/%s" % (kind, name) in desired_keys:
                continue
            pools = set((current.get("spec") or {}).get("ipAddressPools") or [])
            # a declared pool's advertisements are ours even without prune (a pool moved from layer2 to bgp)
            derived = kind in ADVERTISEMENTS and pools and pools <= set(declared_pools)
            if prune or state == "absent" or derived:
                tracker.record(object_key(current), before_after(current, None)[0], None)
                deletes.append(Step("delete", current, current))
    writes.sort(key=lambda step: CREATE_ORDER.index(step.obj["kind"]))
    deletes.sort(key=lambda step: DELETE_ORDER.index(step.obj["kind"]))
    first = [step for step in deletes if step.obj["kind"] in ADVERTISEMENTS]
    last = [step for step in deletes if step.obj["kind"] not in ADVERTISEMENTS]
    return first + writes + last, warnings


def owned_state(obj):
    """The owned fields of ``obj`` as they are written (spec for custom resources, type/data for a Secret)."""
    owned = owned_fields(obj["kind"])
    if obj["kind"] == "Secret":
        return dict((k, obj.get(k)) for k in owned if obj.get(k) is not None)
    return dict((k, v) for k, v in (obj.get("spec") or {}).items() if k in owned)


def update_patch(obj, live):
    """The merge patch that turns ``live`` into ``obj`` (owned fields and the managed label only)."""
    patch = {}
    if obj["kind"] == "Secret":  # the password Secrets are ours whole: a key we did not write is removed
        patch = merge_patch(owned_state(live), owned_state(obj), prune=True)
    else:
        spec_patch = merge_patch(owned_state(live), owned_state(obj), prune=True)
        if spec_patch:
            patch["spec"] = spec_patch
    patch["metadata"] = {"resourceVersion": live["metadata"].get("resourceVersion")}
    labels = merge_patch(live["metadata"].get("labels") or {}, obj["metadata"].get("labels") or {}, prune=False)
    if labels:
        patch["metadata"]["labels"] = labels
    return patch


def restore_patch(live, written):
    """The merge patch that undoes an update: ``written`` (the object after it) back to ``live``."""
    patch = {}
    if live["kind"] == "Secret":
        patch = merge_patch(owned_state(written), owned_state(live), prune=True)
    else:
        spec_patch = merge_patch(owned_state(written), owned_state(live), prune=True)
        if spec_patch:
            patch["spec"] = spec_patch
    labels = merge_patch(written["metadata"].get("labels") or {}, live["metadata"].get("labels") or {}, prune=True)
    if labels:
        patch["metadata"] = {"labels": labels}
    return patch


def recreate_body(live):
    """A deleted object as it can be created again (server-set metadata and status left out)."""
    return strip_noise(live)
