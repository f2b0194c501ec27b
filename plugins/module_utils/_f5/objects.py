# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The converge of one flat BIG-IP object (a monitor, a profile): read, compare, one write.

An area module (monitor_http.py, http_profile.py, server_ssl.py) describes its object:

* ``KIND`` (REST path under /mgmt/tm), ``LABEL`` (words for messages), ``RESULT`` (the result key);
* ``FIELDS``: ``(option, device field, to_device, from_device)`` for every managed setting, where
  ``from_device`` turns the device's value (or ``None`` when absent) into the model's value and
  ``to_device`` does the reverse;
* ``IMMUTABLE``: options the device does not let change after creation;
* ``desired(params, partition, problems)``: the validated settings (``None`` = unmanaged);
* optionally ``references(client, desired, after, current, check_mode)``: existence checks of what the
  change would newly reference (returns warnings, raises ValidationError);
  ``prepare(client, desired, check_mode)``: writes that must go with the object's own in one
  transaction (for example a CA certificate file): ``({"writes", "records", "cleanup"}, upload)``,
  where ``upload`` runs only outside check mode and ``cleanup`` (best effort) after the writes; ``warn(after)``: warnings about the result
  itself (an opted-out verification), given on every run; ``absent_writes(desired, current)``:
  deletions that follow the object's own on state=absent (in the same transaction).

Everything but ``run`` is pure. Private to the collection.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import Write, object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import check_name, object_identity


def model_of(area, data):
    """A device object -> the model (name, partition, full_path + every managed option)."""
    if data is None:
        return None
    model = {"name": data["name"], "partition": data.get("partition", "Common"), "full_path": data.get("fullPath")}
    for option, field, _to_device, from_device in area.FIELDS:
        model[option] = from_device(data.get(field))
    return model


def body_of(area, model, options):
    body = {}
    for option, field, to_device, _from_device in area.FIELDS:
        if option in options:
            body[field] = to_device(model[option])
    return body


def desired_object(area, params):
    """Name, partition and state checked with the area's settings; every problem at once."""
    problems = Problems()
    partition = params.get("partition") or "Common"
    check_name(problems, "partition", partition)
    check_name(problems, "name", params.get("name"), partition)
    settings = area.desired(params, partition, problems)
    problems.raise_if_any()
    return {
        **object_identity(params, partition),
        "settings": settings,
        "params": params,
    }


def after_state(area, desired, current):
    """The object once the plan is applied; on create, unmanaged settings are the area's device defaults."""
    if current:
        after = dict(current)
    else:
        after = dict(
            area.CREATE_DEFAULTS, name=desired["name"], partition=desired["partition"], full_path=desired["full_path"]
        )
    for option, value in desired["settings"].items():
        if value is not None:
            after[option] = value
    return after


def plan(area, desired, current):
    """-> (after model or None, list of Write). Pure."""
    path = object_url(area.KIND, desired["partition"], desired["name"])
    label = "%s %s" % (area.LABEL, desired["full_path"])
    if desired["state"] == "absent":
        if not current:
            return None, []
        leftovers = getattr(area, "absent_writes", None)
        return None, [Write("DELETE", path, label=label)] + (leftovers(desired, current) if leftovers else [])
    after = after_state(area, desired, current)
    if current is None:
        managed = [option for option, value in desired["settings"].items() if value is not None]
        body = {"name": desired["name"], "partition": desired["partition"]}
        body.update(body_of(area, after, managed))
        return after, [Write("POST", "/mgmt/tm/" + area.KIND, body, label=label)]
    changed = [option for option, _field, _to, _from in area.FIELDS if after[option] != current[option]]
    frozen = [option for option in changed if option in area.IMMUTABLE]
    if frozen:
        raise ValidationError(
            [
                "%s=%r: the %s %s has %s=%r, which the device does not change after creation; "
                "remove it first (state=absent) to recreate it."
                % (frozen[0], after[frozen[0]], area.LABEL, desired["full_path"], frozen[0], current[frozen[0]])
            ]
        )
    return after, ([Write("PATCH", path, body_of(area, after, changed), label=label)] if changed else [])


def run(area, client, params, check_mode=False):
    """Converge one object. Returns the result dict (changed, <RESULT>, writes, diff, warnings)."""
    desired = desired_object(area, params)
    data = client.get(object_url(area.KIND, desired["partition"], desired["name"]), missing_ok=True)
    current = model_of(area, data)
    after, writes = plan(area, desired, current)
    own_writes = list(writes)
    warnings = []
    tracker = ChangeTracker()
    upload, extra = None, {}
    if desired["state"] == "present":
        prepare = getattr(area, "prepare", None)
        if prepare:
            extra, upload = prepare(client, desired, check_mode)
            for label, before_value, after_value in extra.get("records") or []:
                tracker.record(label, before_value, after_value)
            writes = list(extra.get("writes") or []) + writes
        references = getattr(area, "references", None)
        if references and writes:
            warnings += references(client, desired, after, current, check_mode)
        warn = getattr(area, "warn", None)
        if warn:
            warnings += warn(after)
    if upload and writes and not check_mode:
        upload()  # a temporary file, outside the transaction; only after every check passed
    if writes and not check_mode:
        try:
            answers = client.apply(writes)
        finally:
            cleanup = upload and extra.get("cleanup")
            if cleanup:
                cleanup()
        if desired["state"] == "present" and writes == own_writes and len(writes) == 1 and isinstance(answers[0], dict):
            after = model_of(area, answers[0])  # what the device made of it (inherited values included)
    return converge_result(
        area.RESULT, "%s %s" % (area.LABEL, desired["full_path"]), current, after, writes, warnings, tracker
    )


def converge_result(key, label, current, after, writes, warnings, tracker=None):
    """The result of converging one object (every F5 area's): ``changed`` and the diff from one before/after."""
    tracker = tracker or ChangeTracker()
    tracker.record(label, current, after)
    return {
        "changed": tracker.changed,
        key: after,
        "writes": [w.summary() for w in writes],
        "diff": tracker.diff(),
        "warnings": warnings,
    }


# ---- value conversions shared by the areas -------------------------------------------------------
def text_or_empty(value):
    """Device text where absent, "" and "none" all mean unset -> "" (the option's "remove it" value)."""
    return "" if value in (None, "", "none") else value


def none_if_empty(value):
    """The model's "" -> the device's "none" (how tmsh and iControl REST clear a text setting)."""
    return value if value else "none"


def enabled_to_bool(value):
    return None if value is None else value == "enabled"


def bool_to_enabled(value):
    return "enabled" if value else "disabled"


def identity(value):
    return value
