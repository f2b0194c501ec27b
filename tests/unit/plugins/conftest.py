# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One in-process BIG-IP emulator per test module, reset before each test (module_utils, module and action tests)."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import Emulator


@pytest.fixture(scope="module")
def emulator_server():
    server = Emulator()
    yield server
    server.stop()


@pytest.fixture()
def emulator(emulator_server):
    emulator_server.reset()
    return emulator_server
