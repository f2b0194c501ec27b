# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's HA answers (cm device, device group, traffic group links) match recorded device responses.

The recorded bodies (``../shared/reference/bigip-recorded/load_tm_cm_*.json``, ``load_device_group.json``)
are only read here; the test skips when they are absent. No sync-status body is recorded: its shape
(``entries.<link>.nestedStats.entries.{color, mode, status, summary}.description``) is checked as
the reference README describes it.
"""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.test_emulator_fidelity import (
    REFERENCE,
    compare,
    form,
    recorded,
)

pytestmark = pytest.mark.skipif(REFERENCE is None, reason="the recorded BIG-IP responses (../shared/reference) are absent")
# Recorded fields that depend on that device's licence, certificates and build (not on HA state).
LICENCE_FIELDS = {"activeModules", "optionalModules", "timeLimitedModules", "cert", "certReference", "key",
                  "keyReference", "chassisId", "multicastInterface"}


def self_device(emulator):
    status, body = emulator.get("/mgmt/tm/cm/device")
    assert status == 200 and body["kind"] == "tm:cm:device:devicecollectionstate"
    return [item for item in body["items"] if item["selfDevice"] == "true"][0]


@pytest.mark.parametrize("name", ["load_tm_cm_device.json", "load_tm_cm_device_default.json"])
def test_device_matches_the_recorded_device(emulator, name):
    reference = recorded(name)
    device = self_device(emulator)
    problems = []
    compare(reference, device, name, problems, only=set(reference) - LICENCE_FIELDS)
    assert problems == []
    assert set(device) - set(reference) <= {"unicastAddress"}  # the default recording has no unicastAddress
    assert form(device["failoverState"]) == form(reference["failoverState"]) == "str"
    status, single = emulator.get("/mgmt/tm/cm/device/~Common~%s" % device["name"])
    assert status == 200 and single == device


@pytest.mark.parametrize("name", ["load_tm_cm_device_group.json", "load_device_group.json"])
def test_device_group_matches_the_recorded_group(emulator, name):
    reference = recorded(name)
    status, body = emulator.get("/mgmt/tm/cm/device-group/~Common~device_trust_group")
    assert status == 200
    problems = []
    compare(reference, body, name, problems)
    assert problems == []
    assert set(body) == set(reference)


def test_sync_status_and_save_shapes(emulator):
    status, body = emulator.get("/mgmt/tm/cm/sync-status")
    assert status == 200 and body["kind"] == "tm:cm:sync-status:sync-statusstats"
    (entry,) = body["entries"].values()
    stats = entry["nestedStats"]["entries"]
    assert {"color", "mode", "status", "summary"} <= set(stats)
    assert stats["status"]["description"] == "Standalone" and stats["mode"]["description"] == "standalone"
    status, missing = emulator.get("/mgmt/tm/cm/device-group/~Common~nope")
    assert status == 404 and missing["message"].startswith("01020036:3: The requested device group")
