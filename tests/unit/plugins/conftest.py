# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""In-process emulators as the unit tests' doubles (module_utils, module and action tests).

- BIG-IP: ``emulator`` (one per test module, reset before each test).
- Kubernetes API: ``k8s_emulator`` (one per session on a free 127.0.0.1 port, reset before each test),
  ``kubeconfig`` (its kubeconfig path), ``k8s_emulator_session``, ``k8s_env``: see
  tests/emulators/k8s_fixtures.py. Use them instead of hand-written fake clients.
"""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.tests.emulators import k8s_fixtures
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import Emulator

k8s_emulator_session = k8s_fixtures.k8s_emulator_session
k8s_emulator = k8s_fixtures.k8s_emulator
kubeconfig = k8s_fixtures.kubeconfig
k8s_env = k8s_fixtures.k8s_env


@pytest.fixture(scope="module")
def emulator_server():
    server = Emulator()
    yield server
    server.stop()


@pytest.fixture()
def emulator(emulator_server):
    emulator_server.reset()
    return emulator_server
