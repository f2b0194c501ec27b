# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The in-process Kubernetes API emulator fixture answers the collection's KubeClient (the unit tests' double)."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient


def test_fixture_serves_the_kube_client(k8s_emulator, kubeconfig):
    client = KubeClient.from_params({'kubeconfig': kubeconfig})
    created = client.create('v1', 'configmaps', {'metadata': {'name': 'c'}, 'data': {'a': '1'}}, 'default')
    assert created['metadata']['uid'] and client.get('v1', 'configmaps', 'c', 'default')['data'] == {'a': '1'}
    assert [entry['method'] for entry in k8s_emulator.requests()][-2:] == ['POST', 'GET']


def test_each_test_starts_from_an_empty_cluster(k8s_emulator, kubeconfig):
    assert KubeClient.from_params({'kubeconfig': kubeconfig}).get('v1', 'configmaps', 'c', 'default') is None
