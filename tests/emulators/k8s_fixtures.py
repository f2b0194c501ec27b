# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest fixtures for the Kubernetes API emulator (imported by tests/integration/conftest.py).

- ``k8s_emulator_session``: one emulator per test session on a free 127.0.0.1 port.
- ``k8s_emulator``: the same emulator, reset (empty cluster + metallb.io CRDs) before each test.
  Use ``k8s_emulator.reset(metallb_crds=False)`` for a cluster without them, ``.requests()`` /
  ``.clear_requests()`` for the request log and ``.faults(...)`` for fault injection.
- ``kubeconfig``: path of a kubeconfig pointing at ``k8s_emulator`` (bearer token auth).
- ``k8s_env``: environment for ansible-playbook subprocesses (K8S_AUTH_KUBECONFIG and a private
  TMPDIR, so kubernetes.core's discovery cache never leaks between sessions).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest


def load_emulator_module():
    """tests/ is not a package: load k8s_emulator.py by path (once)."""
    if 'k8s_emulator' not in sys.modules:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'k8s_emulator.py')
        spec = importlib.util.spec_from_file_location('k8s_emulator', path)
        module = importlib.util.module_from_spec(spec)
        sys.modules['k8s_emulator'] = module
        spec.loader.exec_module(module)
    return sys.modules['k8s_emulator']


@pytest.fixture(scope='session')
def k8s_emulator_session(tmp_path_factory):
    emulator = load_emulator_module().K8sEmulator(port=0).start()
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
