# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.metallb_config and the metallb role through ansible-playbook, against the K8s API emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
REFERENCE = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'reference', 'metallb'))
NS = 'metallb-system'

L2_BGP = {
    'address_pools': [
        {'name': 'web', 'addresses': ['192.168.10.240-192.168.10.250']},
        {'name': 'public', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26'],
         'bgp_advertisements': [{'communities': ['no-export']}, {'aggregation_length': 26, 'localpref': 100, 'peers': ['tor-a']}]},
    ],
    'peers': [
        {'name': 'tor-a', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'hold_time': '90s', 'password': 'md5-s3cret'},
        {'name': 'tor-b', 'peer_address': '10.0.0.2', 'peer_asn': 64501, 'my_asn': 64500},
    ],
    'communities': [{'name': 'no-export', 'value': '65535:65281'}],
    'node_networks': ['192.168.10.0/24'],
}


def run_play(tmp_path, env, tasks, check=False, name='play'):
    """ansible-playbook with these tasks on localhost (the controller); returns the CompletedProcess."""
    play = [{'name': 'Test', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]
    path = tmp_path / ('%s.yml' % name)
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}}))
    env = dict(env)
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(ROOT, '.cache', 'collections'))
    env.setdefault('ANSIBLE_CONFIG', os.path.join(ROOT, 'ansible.cfg'))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), str(path)]
    if check:
        command.append('--check')
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path), check=False)


def playbook(tmp_path, env, tasks, check=False, name='play'):
    """Run module tasks; each is registered as r<index> and ignores errors; return the registered results."""
    out = tmp_path / ('%s.json' % name)
    body = []
    for index, task in enumerate(tasks):
        task = dict(task)
        task.setdefault('register', 'r%d' % index)
        task.setdefault('ignore_errors', True)
        body.append(task)
    registers = ', '.join("'r%d': r%d" % (index, index) for index in range(len(tasks)))
    body.append({'name': 'Save results', 'ansible.builtin.copy': {
        'content': '{{ {%s} | to_json }}' % registers, 'dest': str(out), 'mode': '0600'}, 'check_mode': False})
    proc = run_play(tmp_path, env, body, check=check, name=name)
    assert out.exists(), proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(out.read_text())


def config_task(options, **task):
    args = dict(options)
    task.setdefault('name', 'metallb_config')
    task['kube_edge.lb.metallb_config'] = args
    return task


def role_task(**role_vars):
    return {'name': 'metallb role', 'ansible.builtin.include_role': {'name': 'kube_edge.lb.metallb'}, 'vars': role_vars}


def objects(emulator, plural, group='metallb.io'):
    with emulator.store.lock:
        return dict((o['metadata']['name'], o) for o in emulator.store.objects_of(group, plural, NS))


def writes(log):
    return [entry for entry in log if entry['method'] in ('POST', 'PUT', 'PATCH', 'DELETE')]


def create_namespace(emulator):
    emulator.store.put_object('v1', 'namespaces', {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': NS}})


def test_crds_check_mode_persists_nothing_then_apply_is_idempotent(k8s_emulator, k8s_env, tmp_path):
    create_namespace(k8s_emulator)
    result = playbook(tmp_path, k8s_env, [config_task(L2_BGP, diff=True)], check=True, name='check')['r0']
    assert result['changed'] and not result.get('failed'), result
    assert objects(k8s_emulator, 'ipaddresspools') == {}
    assert all('dryRun=All' in entry['query'] for entry in writes(k8s_emulator.requests()))
    assert 'IPAddressPool/web' in result['diff']['after']
    assert 'md5-s3cret' not in json.dumps(result)

    k8s_emulator.clear_requests()
    k8s_emulator.store.put_object('metallb.io/v1beta1', 'ipaddresspools', {
        'apiVersion': 'metallb.io/v1beta1', 'kind': 'IPAddressPool', 'metadata': {'name': 'theirs', 'namespace': NS},
        'spec': {'addresses': ['172.16.0.0/24']}})
    only_web = {'address_pools': [L2_BGP['address_pools'][0]], 'prune': True}
    results = playbook(tmp_path, k8s_env, [config_task(L2_BGP), config_task(L2_BGP, diff=True), config_task(only_web, diff=True)],
                       name='apply')
    first, second, pruned = results['r0'], results['r1'], results['r2']
    assert first['changed'] and first['format'] == 'crds'
    assert not second['changed'] and second['actions'] == [] and second['requests'] <= 6
    assert pruned['changed'] and 'BGPPeer/tor-a' in pruned['diff']['before'] and 'BGPPeer/tor-a' not in pruned['diff']['after']
    # what the first run wrote
    assert {'action': 'create', 'kind': 'BGPAdvertisement', 'name': 'public-2'} in first['actions']
    # what prune left: ours that is still declared, and the pool we never managed
    assert sorted(objects(k8s_emulator, 'ipaddresspools')) == ['theirs', 'web']
    assert objects(k8s_emulator, 'l2advertisements')['web']['spec']['ipAddressPools'] == ['web']
    assert objects(k8s_emulator, 'bgppeers') == {} and objects(k8s_emulator, 'bgpadvertisements') == {}
    assert 'tor-a-bgp-password' not in objects(k8s_emulator, 'secrets', group='')


def test_bad_input_then_late_webhook_then_stored_objects(k8s_emulator, k8s_env, tmp_path):
    """Bad input is refused offline; a webhook that is unreachable at first is retried; objects as MetalLB wants them."""
    create_namespace(k8s_emulator)
    bad = {'address_pools': [{'name': 'a', 'addresses': ['10.0.0.0/24']}, {'name': 'b', 'addresses': ['10.0.0.128-10.0.0.200']},
                             {'name': 'c', 'protocol': 'bgp', 'addresses': ['10.1.0.0/24'],
                              'bgp_advertisements': [{'aggregation_length': 16}]}],
           'peers': [{'name': 'r', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 0, 'peer_port': 20000,
                      'hold_time': '1s', 'password': 'topsecret'}]}
    k8s_emulator.faults(webhook_down_calls=2)
    results = playbook(tmp_path, k8s_env, [config_task(bad), config_task(L2_BGP)])
    refused, applied = results['r0'], results['r1']
    # bad input: every problem in one message, before any request, no secret
    assert refused['failed']
    for expected in ("my_asn=0", "peer_port=20000", "hold_time='1s'", "overlaps 10.0.0.0/24", "aggregation_length=16"):
        assert expected in refused['msg'], refused['msg']
    assert 'topsecret' not in json.dumps(refused) and refused['requests'] == 0
    # the webhook was unreachable for the first two metallb.io writes: retried, then accepted
    assert applied['changed'] and not applied.get('failed'), applied
    statuses = [entry['status'] for entry in writes(k8s_emulator.requests())]
    assert statuses.count(500) == 2 and statuses[-1] == 201
    assert sorted(objects(k8s_emulator, 'bgpadvertisements')) == ['public', 'public-2']
    peer = objects(k8s_emulator, 'bgppeers')['tor-a']
    assert peer['apiVersion'] == 'metallb.io/v1beta2' and 'password' not in peer['spec']
    assert peer['spec']['passwordSecret'] == {'name': 'tor-a-bgp-password', 'namespace': NS}
    assert objects(k8s_emulator, 'secrets', group='')['tor-a-bgp-password']['type'] == 'kubernetes.io/basic-auth'


def test_v012_configmap_era_layer2_and_bgp(k8s_emulator, k8s_env, tmp_path):
    k8s_emulator.reset(metallb_crds=False)
    create_namespace(k8s_emulator)
    options = {'address_pools': [{'name': 'default', 'addresses': ['192.168.1.240/28']},
                                 {'name': 'bgp', 'protocol': 'bgp', 'addresses': ['198.51.100.0/24'],
                                  'bgp_advertisements': [{'localpref': 100}]}],
               'peers': [{'name': 'r1', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500}]}
    results = playbook(tmp_path, k8s_env, [config_task(options), config_task(options)])
    assert results['r0']['changed'] and results['r0']['format'] == 'configmap'
    assert not results['r1']['changed'] and results['r1']['requests'] == 2
    stored = objects(k8s_emulator, 'configmaps', group='')['config']
    assert yaml.safe_load(stored['data']['config']) == {
        'peers': [{'peer-address': '10.0.0.1', 'peer-asn': 64501, 'my-asn': 64500}],
        'address-pools': [{'name': 'default', 'protocol': 'layer2', 'addresses': ['192.168.1.240/28']},
                          {'name': 'bgp', 'protocol': 'bgp', 'addresses': ['198.51.100.0/24'],
                           'bgp-advertisements': [{'localpref': 100}]}]}


@pytest.mark.skipif(not os.path.isdir(REFERENCE), reason='reference manifests ../shared/reference/metallb are absent')
def test_role_installs_waits_for_a_late_webhook_then_configures(k8s_emulator, k8s_env, tmp_path):
    k8s_emulator.reset(metallb_crds=False)
    k8s_emulator.faults(rollout_delay=3)
    proc = run_play(tmp_path, k8s_env, [role_task(
        metallb_manifest_sources=[os.path.join(REFERENCE, 'v0.16.1', 'metallb-native.yaml')],
        metallb_strict_arp_fix=True, metallb_wait_delay=1,
        metallb_address_pools=[L2_BGP['address_pools'][0]], metallb_node_networks=['192.168.10.0/24'])])
    assert proc.returncode == 0, proc.stdout[-4000:]
    namespace = k8s_emulator.store.objects[('', 'namespaces', None, NS)]
    assert namespace['metadata']['labels']['pod-security.kubernetes.io/enforce'] == 'privileged'
    assert sorted(objects(k8s_emulator, 'ipaddresspools')) == ['web']
    kube_proxy = k8s_emulator.store.objects[('', 'configmaps', 'kube-system', 'kube-proxy')]
    assert yaml.safe_load(kube_proxy['data']['config.conf'])['ipvs']['strictARP'] is True
    restarted = k8s_emulator.store.objects[('apps', 'daemonsets', 'kube-system', 'kube-proxy')]
    assert 'kubectl.kubernetes.io/restartedAt' in restarted['spec']['template']['metadata']['annotations']
    log = k8s_emulator.requests()
    metallb_writes = [entry for entry in writes(log) if '/apis/metallb.io/' in entry['path']]
    assert metallb_writes and all(entry['status'] < 300 for entry in metallb_writes)  # never hit the webhook too early


@pytest.mark.skipif(not os.path.isdir(REFERENCE), reason='reference manifests ../shared/reference/metallb are absent')
def test_role_v012_install_then_upgrade_with_migration(k8s_emulator, k8s_env, tmp_path):
    """The chapter's v0.12.1 (ConfigMap), then the documented upgrade: v0.16.1 manifests plus migrate."""
    k8s_emulator.reset(metallb_crds=False)
    common = {'metallb_strict_arp_check': False, 'metallb_wait_delay': 1}
    proc = run_play(tmp_path, k8s_env, [
        role_task(metallb_version='v0.12.1',
                  metallb_manifest_sources=[os.path.join(REFERENCE, 'v0.12.1', 'namespace.yaml'),
                                            os.path.join(REFERENCE, 'v0.12.1', 'metallb.yaml')],
                  metallb_address_pools=[{'name': 'default', 'addresses': ['192.168.1.240/28']}], **common),
        {'name': 'what v0.12 left', 'kubernetes.core.k8s_info': {'kind': 'ConfigMap', 'namespace': NS, 'name': 'config'},
         'register': 'v012'},
        {'name': 'the ConfigMap is there', 'ansible.builtin.assert': {'that': ['v012.resources | length == 1']}},
        role_task(metallb_version='v0.16.1', metallb_migrate=True,
                  metallb_manifest_sources=[os.path.join(REFERENCE, 'v0.16.1', 'metallb-native.yaml')], **common),
        role_task(metallb_install=False)])
    # the last include stops at the strictARP check: kube-proxy runs IPVS without strictARP, no fix asked
    assert proc.returncode != 0 and 'without ipvs.strictARP' in proc.stdout, proc.stdout[-4000:]
    assert 'TASK [Save' not in proc.stdout and 'the ConfigMap is there' in proc.stdout
    with k8s_emulator.store.lock:
        assert not any(key[1] == 'podsecuritypolicies' for key in k8s_emulator.store.objects)
    # migrated: the pool and its L2Advertisement exist, the ConfigMap is gone
    assert 'config' not in objects(k8s_emulator, 'configmaps', group='')
    assert objects(k8s_emulator, 'ipaddresspools')['default']['spec']['addresses'] == ['192.168.1.240/28']
    assert objects(k8s_emulator, 'l2advertisements')['default']['spec']['ipAddressPools'] == ['default']


def test_refused_write_is_undone_and_post_check_proves_the_pools(k8s_emulator, k8s_env, tmp_path):
    """Through ansible-playbook: a write refused half-way is undone (changed=false, cluster as it was); then
    the post-check gets an address from each pool (the emulator models MetalLB's assignment) and cleans up."""
    create_namespace(k8s_emulator)
    k8s_emulator.faults(fail=[{'method': 'POST', 'path_contains': '/bgpadvertisements', 'status': 500, 'message': 'refused here'}])
    checked = dict(L2_BGP, post_check=True, post_check_timeout=20)
    results = playbook(tmp_path, k8s_env, [config_task(L2_BGP, diff=True), config_task(checked), config_task(checked)])
    refused, applied, again = results['r0'], results['r1'], results['r2']
    assert refused['failed'] and not refused['changed'], refused
    assert 'refused here' in refused['msg'] and 'Every write of this run was undone' in refused['msg']
    assert 'md5-s3cret' not in json.dumps(refused)
    undone = [entry for entry in writes(k8s_emulator.requests()) if entry['method'] == 'DELETE' and '/metallb.io/' in entry['path']]
    assert undone, 'the undo deleted what the refused run created'
    assert applied['changed'] and not applied.get('failed'), applied
    assert dict((c['pool'], c['address']) for c in applied['post_check']) == {'web': '192.168.10.240', 'public': '198.51.100.0'}
    assert not again['changed'] and len(again['post_check']) == 2
    assert [name for name in objects(k8s_emulator, 'services', group='') if name.startswith('kube-edge-lb-check-')] == []


def test_post_check_without_a_controller_fails_and_deletes_its_services(k8s_emulator, k8s_env, tmp_path):
    create_namespace(k8s_emulator)
    k8s_emulator.faults(metallb_controller=False)
    result = playbook(tmp_path, k8s_env, [config_task(dict(L2_BGP, post_check=True, post_check_timeout=2))])['r0']
    assert result['failed'] and result['changed'], result
    assert 'no event from the MetalLB controller' in result['msg'] and 'The configuration itself was applied' in result['msg']
    assert [name for name in objects(k8s_emulator, 'services', group='') if name.startswith('kube-edge-lb-check-')] == []
