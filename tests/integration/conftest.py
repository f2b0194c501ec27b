# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures for the integration tests (emulators on 127.0.0.1, free ports)."""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_COLLECTIONS = os.path.abspath(os.path.join(_HERE, '..', '..', '.cache', 'collections'))
if _COLLECTIONS not in sys.path:  # so tests can import ansible_collections.kube_edge.lb (make setup links it there)
    sys.path.insert(0, _COLLECTIONS)

from ansible_collections.kube_edge.lb.tests.emulators import k8s_fixtures  # noqa: E402 pylint: disable=wrong-import-position

# Kubernetes API emulator: see tests/emulators/k8s_fixtures.py
k8s_emulator_session = k8s_fixtures.k8s_emulator_session
k8s_emulator = k8s_fixtures.k8s_emulator
kubeconfig = k8s_fixtures.kubeconfig
k8s_env = k8s_fixtures.k8s_env
