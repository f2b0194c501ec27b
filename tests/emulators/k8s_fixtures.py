# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest fixtures for the Kubernetes API emulator, in-process on a free 127.0.0.1 port.

Imported as a module by tests/integration/conftest.py and tests/unit/plugins/conftest.py
(``from ansible_collections.kube_edge.lb.tests.emulators import k8s_fixtures``); unit tests use the
emulator instead of hand-written fake clients.

- ``k8s_emulator_session``: one emulator per test session on a free 127.0.0.1 port.
- ``k8s_emulator``: the same emulator, reset (empty cluster + metallb.io CRDs) before each test.
  Use ``k8s_emulator.reset(metallb_crds=False)`` for a cluster without them, ``.requests()`` /
  ``.clear_requests()`` for the request log and ``.faults(...)`` for fault injection.
- ``kubeconfig``: path of a kubeconfig pointing at ``k8s_emulator`` (bearer token auth).
- ``k8s_env``: environment for ansible-playbook subprocesses (K8S_AUTH_KUBECONFIG and a private
  TMPDIR, so kubernetes.core's discovery cache never leaks between sessions).
"""

from __future__ import annotations

import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # the emulator and its helpers are top-level modules of this folder
    sys.path.insert(0, _HERE)

import k8s_emulator as emulator_module  # noqa: E402 pylint: disable=wrong-import-position


def load_emulator_module():
    """The emulator module (kept for callers written when it was loaded by path)."""
    return emulator_module


@pytest.fixture(scope='session')
def k8s_emulator_session(tmp_path_factory):
    emulator = emulator_module.K8sEmulator(port=0).start()
    emulator.kubeconfig = emulator.write_kubeconfig(str(tmp_path_factory.mktemp('k8s') / 'kubeconfig'))
    yield emulator
    emulator.stop()


@pytest.fixture()
def k8s_emulator(k8s_emulator_session):
    return k8s_emulator_session.reset(metallb_crds=True)


@pytest.fixture()
def kubeconfig(k8s_emulator):
    return k8s_emulator.kubeconfig


@pytest.fixture()
def k8s_env(k8s_emulator, tmp_path_factory):
    env = dict(os.environ)
    tmpdir = tmp_path_factory.mktemp('k8s-tmp')
    env.update(K8S_AUTH_KUBECONFIG=k8s_emulator.kubeconfig, TMPDIR=str(tmpdir))
    return env
