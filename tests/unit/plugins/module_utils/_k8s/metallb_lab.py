# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the MetalLB unit tests that run against the Kubernetes API emulator with a real KubeClient."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import KINDS

NAMESPACE = 'metallb-system'
NOISE = ('resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields')


def with_namespace(emulator):
    """The emulator with the namespace MetalLB is installed in."""
    emulator.store.put_object('v1', 'namespaces', {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': NAMESPACE}})
    return emulator


def reset(emulator):
    emulator.reset(metallb_crds=True)
    return with_namespace(emulator)


def client_for(emulator, check_mode=False):
    return KubeClient.from_params({'kubeconfig': emulator.kubeconfig}, check_mode=check_mode)


def cluster_state(emulator):
    """Every MetalLB object, Secret and ConfigMap in the namespace, without server-set metadata (to compare)."""
    client = client_for(emulator)
    state = {}
    plurals = [(kind.api_version, kind.plural) for kind in KINDS.values()] + [('v1', 'configmaps'), ('v1', 'services')]
    for api_version, plural in plurals:
        try:
            items = client.list(api_version, plural, namespace=NAMESPACE)
        except Exception:  # the CRDs are not installed (v0.12 era): nothing of that kind
            continue
        for item in items:
            metadata = dict((k, v) for k, v in item['metadata'].items() if k not in NOISE)
            body = dict((k, v) for k, v in item.items() if k not in ('metadata', 'status', 'apiVersion', 'kind'))
            state['%s/%s' % (plural, item['metadata']['name'])] = dict(body, metadata=metadata)
    return state


def fail(emulator, method, path_contains, count=1, status=500, message='injected failure'):
    emulator.faults(fail=[{'method': method, 'path_contains': path_contains, 'count': count, 'status': status,
                           'message': message}])
