# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The opt-in post-check: a temporary LoadBalancer Service per pool must get an address from the pool,
and is always deleted. Against the emulator's model of MetalLB's address assignment, and a fake for the
failures the emulator cannot be made to give (a refused delete, an address outside the pool)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import area
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.post_check import (
    POOL_ANNOTATION, V012_POOL_ANNOTATION, run_post_check, service_name)
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.metallb_lab import client_for, with_namespace

POOLS = {'address_pools': [
    {'name': 'web', 'addresses': ['192.168.10.240-192.168.10.250']},
    {'name': 'one.address', 'addresses': ['192.168.20.7/32'], 'auto_assign': False},
    {'name': 'pub', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26']},
]}


@pytest.fixture()
def cluster(k8s_emulator):
    return with_namespace(k8s_emulator)


def services(client):
    return [s['metadata']['name'] for s in client.list('v1', 'services', namespace='metallb-system')]


def test_each_pool_hands_out_an_address_and_the_services_are_deleted(cluster):
    client = client_for(cluster)
    result = area.run(client, dict(POOLS, post_check=True, post_check_timeout=10))
    assert result['changed'] and not result.get('failed'), result
    checks = dict((entry['pool'], entry) for entry in result['post_check'])
    assert checks['web']['address'] == '192.168.10.240'
    assert checks['one.address']['address'] == '192.168.20.7'  # asked for by annotation: autoAssign does not matter
    assert checks['pub']['address'] == '198.51.100.0'
    assert services(client) == []
    again = area.run(client_for(cluster), dict(POOLS, post_check=True, post_check_timeout=10))
    assert not again['changed'] and len(again['post_check']) == 3 and services(client) == []


def test_a_pool_without_free_addresses_fails_with_metallbs_reason_and_cleans_up(cluster):
    client = client_for(cluster)
    area.run(client, POOLS)
    holder = {'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'holder', 'namespace': 'metallb-system',
                                                                  'annotations': {POOL_ANNOTATION: 'one.address'}},
              'spec': {'type': 'LoadBalancer', 'ports': [{'port': 443, 'protocol': 'TCP'}]}}
    client.create('v1', 'services', holder, namespace='metallb-system')
    result = area.run(client_for(cluster), dict(POOLS, post_check=True, post_check_timeout=1))
    assert result['failed'] and result['changed'] is False
    assert 'pool one.address gave the Service %s no address within 1s' % service_name(1, 'one.address') in result['msg']
    assert 'no available IPs' in result['msg'] and 'The configuration itself was applied' in result['msg']
    assert 'pool web' not in result['msg']
    assert services(client) == ['holder']


def test_no_controller_times_out_and_says_so(cluster):
    cluster.faults(metallb_controller=False)
    client = client_for(cluster)
    result = area.run(client, dict(POOLS, post_check=True, post_check_timeout=1))
    assert result['failed'] and result['changed'] is True
    assert result['msg'].count('no event from the MetalLB controller: is it running?') == 3
    assert services(client) == []


def test_events_that_cannot_be_read_are_not_mistaken_for_a_missing_controller(cluster):
    cluster.faults(metallb_controller=False,
                   fail=[{'method': 'GET', 'path_contains': '/namespaces/metallb-system/events', 'status': 403, 'message': 'forbidden'}])
    result = area.run(client_for(cluster), dict(POOLS, post_check=True, post_check_timeout=1))
    assert result['failed'] and 'the Events that would say why could not be read' in result['msg']
    assert 'is it running' not in result['msg'] and services(client_for(cluster)) == []


def test_check_mode_skips_it_with_a_warning(cluster):
    result = area.run(client_for(cluster, check_mode=True), dict(POOLS, post_check=True), check_mode=True)
    assert 'post_check' not in result and any('post_check skipped in check mode' in w for w in result['warnings'])
    assert cluster.requests() and not [r for r in cluster.requests() if '/services' in r['path']]


def test_off_by_default(cluster):
    result = area.run(client_for(cluster), POOLS)
    assert 'post_check' not in result and not [r for r in cluster.requests() if '/services' in r['path']]


def test_service_names_are_dns_1035_labels():
    assert service_name(0, 'web') == 'kube-edge-lb-check-0-web'
    assert service_name(12, 'a.b') == 'kube-edge-lb-check-12-a-b'
    long_name = service_name(3, 'x' * 63)
    assert len(long_name) == 63 and long_name.startswith('kube-edge-lb-check-3-')


class FakeServices:
    """Services over a dict: ``assign`` maps a Service name to the address the 'controller' gives it."""

    def __init__(self, assign=None, refuse_create=(), refuse_delete=()):
        self.objects = {}
        self.assign = assign or {}
        self.refuse_create = set(refuse_create)
        self.refuse_delete = set(refuse_delete)
        self.deleted = []
        self.created = []

    def create(self, api_version, plural, body, namespace=None):
        name = body['metadata']['name']
        if name in self.refuse_create:
            raise DeviceError('The Kubernetes API refused to create Service %s: HTTP 403: forbidden' % name, status=403)
        self.objects[name] = copy.deepcopy(body)
        self.created.append(copy.deepcopy(body))
        return body

    def get(self, api_version, plural, name, namespace=None):
        service = copy.deepcopy(self.objects.get(name))
        if service is not None and name in self.assign:
            service['status'] = {'loadBalancer': {'ingress': [{'ip': self.assign[name], 'ipMode': 'VIP'}]}}
        return service

    def list(self, api_version, plural, namespace=None, label_selector=None):
        return []

    def delete(self, api_version, plural, name, namespace=None):
        if name in self.refuse_delete:
            raise DeviceError('The Kubernetes API refused to delete Service %s: HTTP 500' % name, status=500)
        self.deleted.append(name)
        return self.objects.pop(name, None) is not None


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def check(fake, pools, timeout=5, fmt='crds'):
    clock = Clock()
    return run_post_check(fake, 'metallb-system', pools, timeout, fmt=fmt, sleep=clock.sleep, clock=clock)


PLAIN = [{'name': 'web', 'addresses': ['192.168.10.240/30']}, {'name': 'api', 'addresses': ['192.168.10.250-192.168.10.251']}]


def test_fake_an_address_outside_the_pool_fails():
    fake = FakeServices(assign={service_name(0, 'web'): '192.168.10.241', service_name(1, 'api'): '10.9.9.9'})
    with pytest.raises(KubeEdgeError, match=r'pool api: the Service got 10\.9\.9\.9, which is not in the pool'):
        check(fake, PLAIN)
    assert fake.objects == {} and len(fake.deleted) == 2


def test_fake_a_refused_create_still_deletes_what_was_created():
    fake = FakeServices(refuse_create=[service_name(1, 'api')])
    with pytest.raises(KubeEdgeError, match='refused to create Service kube-edge-lb-check-1-api'):
        check(fake, PLAIN)
    assert fake.objects == {} and fake.deleted == [service_name(0, 'web')]


def test_fake_a_refused_delete_is_reported_by_name():
    fake = FakeServices(assign={service_name(0, 'web'): '192.168.10.240', service_name(1, 'api'): '192.168.10.250'},
                        refuse_delete=[service_name(1, 'api')])
    with pytest.raises(KubeEdgeError, match='Service metallb-system/kube-edge-lb-check-1-api could not be deleted: delete it by hand'):
        check(fake, PLAIN)
    assert list(fake.objects) == [service_name(1, 'api')]


def test_fake_timeout_is_bounded_and_the_v012_annotation_is_used_for_configmaps():
    fake = FakeServices(assign={service_name(0, 'web'): '192.168.10.240'})
    clock = Clock()
    with pytest.raises(KubeEdgeError, match='pool api gave the Service kube-edge-lb-check-1-api no address within 3s'):
        run_post_check(fake, 'metallb-system', PLAIN, 3, fmt='configmap', sleep=clock.sleep, clock=clock)
    assert clock.now <= 3
    assert fake.objects == {}
    assert [body['metadata']['annotations'] for body in fake.created] == [{V012_POOL_ANNOTATION: 'web'}, {V012_POOL_ANNOTATION: 'api'}]


def test_fake_success_lists_each_pool():
    fake = FakeServices(assign={service_name(0, 'web'): '192.168.10.243', service_name(1, 'api'): '192.168.10.251'})
    result = check(fake, PLAIN)
    assert [(r['pool'], r['address']) for r in result] == [('web', '192.168.10.243'), ('api', '192.168.10.251')]
    assert fake.objects == {}
    assert [body['metadata']['annotations'] for body in fake.created] == [{POOL_ANNOTATION: 'web'}, {POOL_ANNOTATION: 'api'}]
    assert all(body['spec']['type'] == 'LoadBalancer' and 'selector' not in body['spec'] for body in fake.created)
