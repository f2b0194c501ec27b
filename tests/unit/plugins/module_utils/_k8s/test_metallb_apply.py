# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Applying a MetalLB configuration against the Kubernetes API emulator: reads, writes, eras, migration."""

from __future__ import annotations

import base64
import copy
import json

import pytest
import yaml

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, KubeEdgeError, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import apply
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import model as model_lib
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.metallb_lab import NAMESPACE, client_for, with_namespace
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.test_metallb import BGP_PARAMS, V012, model

WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')


@pytest.fixture()
def cluster(k8s_emulator):
    return with_namespace(k8s_emulator)


def run(cluster, mdl=None, check_mode=False, **kwargs):
    return apply.MetallbConfig(client_for(cluster, check_mode=check_mode), sleep=lambda s: None, **kwargs).run(mdl or model())


def calls(cluster):
    """The request log as (method, plural, name or None); namespaces and API groups left out."""
    result = []
    for entry in cluster.requests():
        parts = entry['path'].strip('/').split('/')
        if 'namespaces' in parts[:-1]:
            parts = parts[parts.index('namespaces') + 2:]
            result.append((entry['method'], parts[0], parts[1] if len(parts) > 1 else None))
    return result


def writes(cluster):
    return [call for call in calls(cluster) if call[0] in WRITE_METHODS]


def stored(cluster, plural, group='metallb.io'):
    with cluster.store.lock:
        return dict((o['metadata']['name'], o) for o in cluster.store.objects_of(group, plural, NAMESPACE))


def put(cluster, group_version, plural, obj):
    obj = copy.deepcopy(obj)
    obj['metadata']['namespace'] = NAMESPACE
    cluster.store.put_object(group_version, plural, obj)


THEIRS = {'apiVersion': 'metallb.io/v1beta1', 'kind': 'IPAddressPool', 'metadata': {'name': 'theirs'},
          'spec': {'addresses': ['172.16.0.0/24']}}


def test_apply_then_noop_reads_once_per_kind(cluster):
    first = run(cluster)
    assert first['changed'] and first['format'] == 'crds'
    assert len(writes(cluster)) == 11
    cluster.clear_requests()
    second = run(cluster)
    assert not second['changed'] and second['actions'] == []
    listed = calls(cluster)
    assert writes(cluster) == [] and set(call[0] for call in listed) == {'GET'}
    assert len(listed) == len(set(listed))


def test_change_sends_one_merge_patch_with_only_the_difference(cluster):
    run(cluster)
    cluster.clear_requests()
    changed = model()
    changed['address_pools'][0]['addresses'] = ['192.168.10.240/29']
    result = run(cluster, changed)
    assert writes(cluster) == [('PATCH', 'ipaddresspools', 'web')]
    assert stored(cluster, 'ipaddresspools')['web']['spec']['addresses'] == ['192.168.10.240/29']
    assert result['diff']['before']['IPAddressPool/web']['spec']['addresses'] == ['192.168.10.240-192.168.10.250']
    assert result['diff']['after']['IPAddressPool/web']['spec']['addresses'] == ['192.168.10.240/29']


def test_password_change_shows_markers_without_a_digest(cluster):
    run(cluster)
    changed = model()
    changed['peers'][0]['password'] = 'other'
    result = run(cluster, changed)
    text = json.dumps(result)
    assert result['changed'] and 'other' not in text and 's3cret' not in text and 'sha256' not in text
    assert result['diff']['after']['Secret/tor-a-bgp-password']['data'] == {'password': '<secret, changed>'}
    secret = stored(cluster, 'secrets', group='')['tor-a-bgp-password']
    assert base64.b64decode(secret['data']['password']) == b'other'


def test_check_mode_writes_with_dry_run_only(cluster):
    result = run(cluster, check_mode=True)
    assert result['changed'] and stored(cluster, 'ipaddresspools') == {}
    assert all('dryRun=All' in entry['query'] for entry in cluster.requests() if entry['method'] in WRITE_METHODS)
    assert 'configuration_state' not in result


def test_creates_go_advertisements_last_and_prune_deletes_them_first(cluster):
    params = copy.deepcopy(BGP_PARAMS)
    params['bfd_profiles'] = [{'name': 'fast'}]
    params['peers'][1]['bfd_profile'] = 'fast'
    run(cluster, model_lib.normalize(params))
    created = [call[1] for call in writes(cluster)]
    assert created.index('bgppeers') < created.index('l2advertisements') < created.index('bgpadvertisements')
    assert created.index('secrets') < created.index('ipaddresspools') < created.index('bgppeers')
    put(cluster, 'metallb.io/v1beta1', 'ipaddresspools', THEIRS)
    cluster.clear_requests()
    result = run(cluster, model_lib.normalize({'address_pools': [BGP_PARAMS['address_pools'][0]]}), prune=True)
    order = [call[1] for call in writes(cluster) if call[0] == 'DELETE']
    assert order.index('bgpadvertisements') < order.index('bgppeers') < order.index('bfdprofiles')
    assert order.index('bgpadvertisements') < order.index('ipaddresspools')
    assert ('DELETE', 'ipaddresspools', 'theirs') not in writes(cluster)
    assert ('DELETE', 'secrets', 'tor-a-bgp-password') in writes(cluster)
    assert 'BGPPeer/tor-a' in result['diff']['before'] and 'BGPPeer/tor-a' not in result['diff']['after']
    assert sorted(stored(cluster, 'ipaddresspools')) == ['theirs', 'web']


def test_pool_switched_to_bgp_loses_its_l2_advertisement_without_prune(cluster):
    run(cluster, model_lib.normalize({'address_pools': [{'name': 'web', 'addresses': ['10.5.0.0/24']}]}))
    cluster.clear_requests()
    result = run(cluster, model_lib.normalize({'address_pools': [{'name': 'web', 'protocol': 'bgp', 'addresses': ['10.5.0.0/24']}]}))
    assert writes(cluster) == [('DELETE', 'l2advertisements', 'web'), ('POST', 'bgpadvertisements', None)]
    assert result['diff']['before']['L2Advertisement/web'] and 'L2Advertisement/web' not in result['diff']['after']


def test_unmanaged_pool_in_cluster_blocks_overlap_before_any_write(cluster):
    put(cluster, 'metallb.io/v1beta1', 'ipaddresspools', dict(THEIRS, spec={'addresses': ['198.51.100.0/24']}))
    with pytest.raises(ValidationError, match='already in the cluster'):
        run(cluster)
    assert writes(cluster) == []


def test_webhook_not_ready_is_retried(cluster):
    cluster.faults(webhook_down_calls=2)
    assert run(cluster)['changed']
    assert len(writes(cluster)) == 11 + 2  # every object once, plus two refused attempts


def test_webhook_timeout_gives_the_api_error_and_undoes(cluster):
    cluster.faults(webhook_down_seconds=60)
    with pytest.raises(DeviceError, match='failed calling webhook') as caught:
        run(cluster, webhook_timeout=0)
    assert 'Every write of this run was undone (create Secret/tor-a-bgp-password)' in str(caught.value)
    assert stored(cluster, 'secrets', group='') == {}


def test_auto_detects_v012_and_writes_the_configmap(cluster):
    cluster.reset(metallb_crds=False)
    with_namespace(cluster)
    mdl = model_lib.normalize({'address_pools': [{'name': 'default', 'addresses': ['192.168.1.240/28']}]})
    assert run(cluster, mdl)['format'] == 'configmap'
    assert yaml.safe_load(stored(cluster, 'configmaps', group='')['config']['data']['config']) == {
        'address-pools': [{'name': 'default', 'protocol': 'layer2', 'addresses': ['192.168.1.240/28']}]}
    cluster.clear_requests()
    assert not run(cluster, mdl)['changed']
    assert calls(cluster) == [('GET', 'ipaddresspools', None), ('GET', 'configmaps', 'config')]  # the 404 tells the era


def test_format_crds_without_crds_explains(cluster):
    cluster.reset(metallb_crds=False)
    with pytest.raises(KubeEdgeError, match='CRDs are not installed'):
        run(with_namespace(cluster), fmt='crds')


def test_check_mode_before_the_crds_exist_predicts_creations(cluster):
    cluster.reset(metallb_crds=False)
    with_namespace(cluster)
    put(cluster, 'v1', 'configmaps', {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'config'}, 'data': {'config': V012}})
    runner = apply.MetallbConfig(client_for(cluster, check_mode=True), fmt='crds', migrate=True, sleep=lambda s: None)
    result = runner.run(model_lib.normalize({}))
    assert result['changed'] and writes(cluster) == [] and 'predicted' in runner.warnings[0]
    assert result['actions'][-1] == {'action': 'delete', 'kind': 'ConfigMap', 'name': 'config'}
    assert 'config' in stored(cluster, 'configmaps', group='')


def test_migration_creates_resources_then_deletes_configmap(cluster):
    put(cluster, 'v1', 'configmaps', {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'config'}, 'data': {'config': V012}})
    result = run(cluster, model_lib.normalize({}), migrate=True)
    assert writes(cluster)[-1] == ('DELETE', 'configmaps', 'config')
    assert 'config' not in stored(cluster, 'configmaps', group='') and 'peer1' in stored(cluster, 'bgppeers')
    assert result['migrated']['address_pools'][0]['name'] == 'my-space'
    assert 'pw' not in json.dumps(result)
    assert not run(cluster, model_lib.normalize({}), migrate=True)['changed']


def test_migration_keeps_configmap_when_a_resource_is_refused(cluster):
    put(cluster, 'v1', 'configmaps', {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'config'}, 'data': {'config': V012}})
    cluster.faults(fail=[{'method': 'POST', 'path_contains': '/bgppeers', 'status': 422, 'message': 'refused'}])
    with pytest.raises(DeviceError, match='refused'):
        run(cluster, model_lib.normalize({}), migrate=True)
    assert 'config' in stored(cluster, 'configmaps', group='') and stored(cluster, 'ipaddresspools') == {}


def test_a_refused_configmap_delete_undoes_the_migration(cluster):
    put(cluster, 'v1', 'configmaps', {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'config'}, 'data': {'config': V012}})
    cluster.faults(fail=[{'method': 'DELETE', 'path_contains': '/configmaps/config', 'status': 403, 'message': 'forbidden'}])
    with pytest.raises(DeviceError, match='Every write of this run was undone'):
        run(cluster, model_lib.normalize({}), migrate=True)
    assert 'config' in stored(cluster, 'configmaps', group='') and stored(cluster, 'ipaddresspools') == {}


def test_absent_removes_only_managed_objects(cluster):
    run(cluster)
    put(cluster, 'metallb.io/v1beta1', 'ipaddresspools', THEIRS)
    result = run(cluster, model_lib.normalize({}), state='absent')
    assert result['changed'] and list(stored(cluster, 'ipaddresspools')) == ['theirs']
    assert stored(cluster, 'bgppeers') == {} and stored(cluster, 'secrets', group='') == {}


def test_configuration_state_invalid_undoes_the_run(cluster):
    put(cluster, 'metallb.io/v1beta1', 'configurationstates', {
        'apiVersion': 'metallb.io/v1beta1', 'kind': 'ConfigurationState', 'metadata': {'name': 'controller'},
        'status': {'result': 'Invalid', 'errorSummary': 'peer tor-a: bad'}})
    with pytest.raises(KubeEdgeError, match='Invalid in ConfigurationState metallb-system/controller: peer tor-a: bad') as caught:
        run(cluster)
    assert 'Every write of this run was undone' in str(caught.value) and stored(cluster, 'ipaddresspools') == {}


def test_configuration_state_valid_is_reported(cluster):
    put(cluster, 'metallb.io/v1beta1', 'configurationstates', {
        'apiVersion': 'metallb.io/v1beta1', 'kind': 'ConfigurationState', 'metadata': {'name': 'controller'},
        'status': {'result': 'Valid'}})
    assert run(cluster)['configuration_state'][0]['result'] == 'Valid'


def test_password_secret_must_exist_with_basic_auth_type(cluster):
    params = copy.deepcopy(BGP_PARAMS)
    params['peers'][0].pop('password')
    params['peers'][0]['password_secret'] = 'bgp-auth'
    with pytest.raises(ValidationError, match="password_secret='bgp-auth' is not a Secret"):
        run(cluster, model_lib.normalize(params))
    put(cluster, 'v1', 'secrets', {'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': 'bgp-auth'}, 'type': 'Opaque',
                                   'data': {'password': base64.b64encode(b'x').decode()}})
    with pytest.raises(ValidationError, match='kubernetes.io/basic-auth'):
        run(cluster, model_lib.normalize(params))
    assert writes(cluster) == []
