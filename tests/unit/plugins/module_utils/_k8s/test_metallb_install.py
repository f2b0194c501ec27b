# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.metallb_install against the Kubernetes API emulator: strictARP, namespace, server-side
apply of the manifests (only what differs), readiness waits, check mode, refusals, request counts."""

from __future__ import annotations

import copy
import os

import pytest
import yaml

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import install
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.install_plan import (
    DIGEST_ANNOTATION, contains, strict_arp)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import K8S

NS = 'metallb-system'
REFERENCE = os.path.join(os.path.dirname(os.path.realpath(__file__)), *(['..'] * 6),
                         'shared', 'reference', 'metallb', 'v0.16.1', 'metallb-native.yaml')
LABELS = {'pod-security.kubernetes.io/enforce': 'privileged', 'app': 'metallb'}
# The shape of MetalLB's manifests, small: two kinds with two objects (one LIST each), the rest one each.
MANIFESTS = [
    {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': NS}},
    {'apiVersion': 'v1', 'kind': 'ServiceAccount', 'metadata': {'name': 'controller', 'namespace': NS}},
    {'apiVersion': 'v1', 'kind': 'ServiceAccount', 'metadata': {'name': 'speaker', 'namespace': NS}},
    {'apiVersion': 'rbac.authorization.k8s.io/v1', 'kind': 'ClusterRole', 'metadata': {'name': 'metallb-system:controller'},
     'rules': [{'apiGroups': [''], 'resources': ['services'], 'verbs': ['get', 'list', 'watch']}]},
    {'apiVersion': 'policy/v1beta1', 'kind': 'PodSecurityPolicy', 'metadata': {'name': 'controller'}},
    {'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'metallb-webhook-service', 'namespace': NS},
     'spec': {'ports': [{'port': 443, 'targetPort': 9443}], 'selector': {'component': 'controller'}}},
    {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'controller', 'namespace': NS},
     'spec': {'selector': {'matchLabels': {'component': 'controller'}},
              'template': {'metadata': {'labels': {'component': 'controller'}},
                           'spec': {'containers': [{'name': 'controller', 'image': 'quay.io/metallb/controller:v0.16.1'}]}}}},
]
IPVS = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs:\n  scheduler: rr\n'


def params(kubeconfig, **extra):
    base = dict(kubeconfig=kubeconfig, namespace=NS, namespace_labels=LABELS, manifests=copy.deepcopy(MANIFESTS),
                skip_kinds=['PodSecurityPolicy'], strict_arp='fix', wait=True, wait_timeout=5, wait_sleep=1, install=True)
    base.update(extra)
    return base


def run(kubeconfig, check_mode=False, diff=False, **extra):
    return K8S.execute(install, params(kubeconfig, **extra), check_mode, diff)


def client_for(kubeconfig):
    return KubeClient.from_params({'kubeconfig': kubeconfig})


def kube_proxy(kubeconfig, text):
    """The emulator's kube-proxy (IPVS without strictARP, like a kubeadm cluster set to IPVS) with this config.conf."""
    client = client_for(kubeconfig)
    client.patch('v1', 'configmaps', 'kube-proxy', {'data': {'config.conf': text}}, 'kube-system')
    return client


def writes(emulator):
    return [r for r in emulator.requests() if r['method'] not in ('GET',)]


def test_install_then_no_op_reads_once_per_kind_and_writes_nothing(k8s_emulator, kubeconfig):
    first = run(kubeconfig)
    assert first['changed'] is True and not first.get('failed'), first
    assert [a['kind'] for a in first['actions']] == ['ConfigMap', 'DaemonSet', 'Namespace', 'ServiceAccount', 'ServiceAccount', 'ClusterRole',
                                                     'Service', 'Deployment']
    k8s_emulator.clear_requests()
    second = run(kubeconfig)
    assert second['changed'] is False and second['actions'] == [] and second['warnings'] == [], second
    assert writes(k8s_emulator) == []
    # kube-proxy ConfigMap, Namespace, ServiceAccounts (LIST), ClusterRole, Service, Deployment (its read is the
    # first readiness poll), the webhook Endpoints
    assert second['requests'] == 7, k8s_emulator.requests()


def test_namespace_labels_and_digest(k8s_emulator, kubeconfig):
    run(kubeconfig)
    client = kube_proxy(kubeconfig, 'mode: iptables\n')
    namespace = client.get('v1', 'namespaces', NS)
    assert namespace['metadata']['labels']['pod-security.kubernetes.io/enforce'] == 'privileged'
    assert DIGEST_ANNOTATION in namespace['metadata']['annotations']
    assert client.get('policy/v1beta1', 'podsecuritypolicies', 'controller') is None


def test_drift_is_applied_back_and_reported(k8s_emulator, kubeconfig):
    run(kubeconfig)
    client = kube_proxy(kubeconfig, 'mode: iptables\n')
    client.patch('rbac.authorization.k8s.io/v1', 'clusterroles', 'metallb-system:controller', {'rules': []})
    result = run(kubeconfig, diff=True)
    assert result['changed'] is True
    assert result['actions'] == [{'action': 'apply', 'kind': 'ClusterRole', 'name': 'metallb-system:controller'}]
    assert result['diff']['before']['ClusterRole metallb-system:controller']['rules'] == []
    assert run(kubeconfig)['changed'] is False


def test_new_release_is_applied(k8s_emulator, kubeconfig):
    run(kubeconfig)
    manifests = copy.deepcopy(MANIFESTS)
    manifests[-1]['spec']['template']['spec']['containers'][0]['image'] = 'quay.io/metallb/controller:v0.16.2'
    result = run(kubeconfig, manifests=manifests)
    assert result['actions'] == [{'action': 'apply', 'kind': 'Deployment', 'name': 'controller', 'namespace': NS}]


def test_check_mode_on_an_empty_cluster_predicts_without_writing(k8s_emulator, kubeconfig):
    result = run(kubeconfig, check_mode=True)
    assert result['changed'] is True and len(result['actions']) == 8, result
    assert all(r['query'].find('dryRun=All') >= 0 for r in writes(k8s_emulator))
    assert run(kubeconfig, check_mode=True, strict_arp='ignore')['requests'] > 0
    assert client_for(kubeconfig).get('v1', 'namespaces', NS) is None


def test_check_mode_after_install_changes_nothing(k8s_emulator, kubeconfig):
    run(kubeconfig)
    k8s_emulator.clear_requests()
    result = run(kubeconfig, check_mode=True)
    assert result['changed'] is False and writes(k8s_emulator) == []


def test_strict_arp_refused_before_any_write(k8s_emulator, kubeconfig):
    kube_proxy(kubeconfig, IPVS)
    k8s_emulator.clear_requests()
    result = run(kubeconfig, strict_arp='check')
    assert result['failed'] is True and 'ipvs.strictARP' in result['msg'] and 'strict_arp=fix' in result['msg']
    assert writes(k8s_emulator) == []


def test_strict_arp_fix_sets_it_and_restarts_kube_proxy_once(k8s_emulator, kubeconfig):
    client = kube_proxy(kubeconfig, IPVS)
    result = run(kubeconfig, strict_arp='fix', install=False)
    assert result['changed'] is True
    assert [a['action'] for a in result['actions']] == ['patch', 'restart']
    config = yaml.safe_load(client.get('v1', 'configmaps', 'kube-proxy', 'kube-system')['data']['config.conf'])
    assert config['ipvs'] == {'scheduler': 'rr', 'strictARP': True} and config['mode'] == 'ipvs'
    annotations = client.get('apps/v1', 'daemonsets', 'kube-proxy', 'kube-system')['spec']['template']['metadata']['annotations']
    assert 'kubectl.kubernetes.io/restartedAt' in annotations
    again = run(kubeconfig, strict_arp='fix', install=False)
    assert again['changed'] is False and again['requests'] == 1


def test_strict_arp_fix_in_check_mode_stores_nothing(k8s_emulator, kubeconfig):
    client = kube_proxy(kubeconfig, IPVS)
    result = run(kubeconfig, check_mode=True, strict_arp='fix', install=False)
    assert result['changed'] is True
    assert 'strictARP' not in client.get('v1', 'configmaps', 'kube-proxy', 'kube-system')['data']['config.conf']


def test_strict_arp_set_or_iptables_needs_nothing():
    assert strict_arp(None) is None
    assert strict_arp({'data': {'config.conf': 'mode: iptables\n'}}) is None
    assert strict_arp({'data': {'config.conf': IPVS + '  strictARP: true\n'}}) is None
    assert strict_arp({'data': {'config.conf': 'mode: ipvs\n'}}) is not None


def test_waits_until_the_controller_is_available(k8s_emulator, kubeconfig):
    k8s_emulator.faults(rollout_delay=1.5)
    result = run(kubeconfig)
    assert result['changed'] is True and not result.get('failed'), result


def test_timeout_says_what_was_written(k8s_emulator, kubeconfig):
    k8s_emulator.faults(rollout_delay=30)
    result = run(kubeconfig, wait_timeout=1)
    assert result['failed'] is True and result['changed'] is True
    assert 'Deployment metallb-system/controller is not Available after 1 s' in result['msg']
    assert 'Deployment controller' in result['msg']


def test_refused_write_half_way_lists_the_writes(k8s_emulator, kubeconfig):
    k8s_emulator.faults(fail=[{'method': 'PATCH', 'path_contains': '/services/', 'status': 403, 'message': 'forbidden', 'count': 1}])
    result = run(kubeconfig)
    assert result['failed'] is True and result['changed'] is True
    assert 'forbidden' in result['msg'] and 'ClusterRole metallb-system:controller' in result['msg']
    assert [a['kind'] for a in result['actions']][-1] == 'ClusterRole'


@pytest.mark.parametrize('manifests, field', [
    ([{'apiVersion': 'v1', 'kind': 'ConfigMap'}], 'manifests[0]='),
    (['text'], 'manifests[0]='),
    ([{'apiVersion': 'example.com/v1', 'kind': 'Thing', 'metadata': {'name': 'x'}}], 'manifests[0].kind='),
    ([MANIFESTS[1], MANIFESTS[1]], 'manifests[1].metadata.name='),
    ([{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'x', 'namespace': 3}}], 'manifests[0].metadata.namespace=3'),
])
def test_bad_manifests_refused_before_any_request(k8s_emulator, kubeconfig, manifests, field):
    result = run(kubeconfig, manifests=manifests)
    assert result['failed'] is True and field in result['msg'] and result['requests'] == 0, result


def test_bad_wait_sleep_and_label_refused(kubeconfig):
    result = run(kubeconfig, wait_sleep=0, namespace_labels={'a': 1})
    assert result['failed'] is True and 'wait_sleep=0' in result['msg']
    assert "namespace_labels['a']=1" in run(kubeconfig, namespace_labels={'a': 1})['msg']


def test_contains_compares_lists_item_by_item():
    assert contains({'a': [{'x': 1, 'y': 2}], 'b': 3}, {'a': [{'x': 1}]})
    assert not contains({'a': [{'x': 1}, {'x': 2}]}, {'a': [{'x': 1}]})
    assert not contains({'a': 1}, {'a': 1, 'c': 2})


@pytest.mark.skipif(not os.path.exists(REFERENCE), reason='MetalLB v0.16.1 release manifest not in ../shared/reference')
def test_release_manifest_no_op_requests(k8s_emulator, kubeconfig):
    with open(REFERENCE) as handle:
        documents = [d for d in yaml.safe_load_all(handle) if d]
    first = run(kubeconfig, manifests=documents)
    assert first['changed'] is True and not first.get('failed'), first
    # kube-proxy read, patch and restart; the Namespace and the 4 cluster-scoped kinds read (nothing is read in
    # the namespace that does not exist yet); 26 applies; the controller and the webhook Endpoints read
    assert first['requests'] == 3 + 5 + 26 + 2, [r['path'] for r in k8s_emulator.requests()]
    k8s_emulator.clear_requests()
    second = run(kubeconfig, manifests=documents)
    assert second['changed'] is False and writes(k8s_emulator) == [], second['actions']
    # kube-proxy, Namespace, one read per kind and namespace (12), the webhook Endpoints
    assert second['requests'] == 15, [r['path'] for r in k8s_emulator.requests()]


def test_emulator_finds_an_escaped_name_like_the_api_server(k8s_emulator, kubeconfig):
    """The official client (not ours) escapes ':' in a path parameter; the API server decodes the path."""
    from kubernetes import client as k8s_client, config as k8s_config
    run(kubeconfig)
    api_client = k8s_config.new_client_from_config(config_file=kubeconfig)
    role = k8s_client.RbacAuthorizationV1Api(api_client).read_cluster_role('metallb-system:controller')
    assert role.metadata.name == 'metallb-system:controller'
    assert any('%3A' in r['path'] for r in k8s_emulator.requests())


def test_contains_ignores_null_fields():
    assert contains({'metadata': {'name': 'x', 'creationTimestamp': '2026-01-01T00:00:00Z'}},
                    {'metadata': {'name': 'x', 'creationTimestamp': None}})


@pytest.mark.parametrize('namespace', ['Metallb', 'metallb/system', '../kube-system', '-metallb', 'a' * 64, ''])
def test_namespace_that_is_no_namespace_name_is_refused_before_any_request(kubeconfig, namespace):
    result = run(kubeconfig, namespace=namespace)
    assert result['failed'] is True and result['requests'] == 0, result
    assert 'namespace=%r is not a namespace name' % namespace in result['msg']
