# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The metallb_config module's main() against the Kubernetes API emulator: argspec, check/diff mode,
env fallbacks, failures, no secret in output."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient
from ansible_collections.kube_edge.lb.plugins.modules import metallb_config
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.metallb_lab import with_namespace
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module

ARGS = {
    'address_pools': [{'name': 'web', 'addresses': ['192.168.10.240/28']},
                      {'name': 'public', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26']}],
    'peers': [{'name': 'tor-a', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'password': 'md5-secret-value'}],
}


@pytest.fixture()
def cluster(k8s_emulator):
    return with_namespace(k8s_emulator)


def metallb_objects(cluster):
    with cluster.store.lock:
        return [key for key in cluster.store.objects if key[0] == 'metallb.io']


def test_check_then_apply_then_noop_and_no_password_in_output(capsys, cluster):
    args = dict(ARGS, kubeconfig=cluster.kubeconfig)
    check = run_module(metallb_config.main, capsys, args, check_mode=True, diff=True)
    assert check['changed'] and check['rc'] == 0 and 'IPAddressPool/web' in check['diff']['after']
    assert metallb_objects(cluster) == []
    applied = run_module(metallb_config.main, capsys, args, diff=True)
    assert applied['changed'] and applied['format'] == 'crds' and applied['requests'] > 0
    assert [a['kind'] for a in applied['actions']][:2] == ['Secret', 'IPAddressPool']
    assert [a['kind'] for a in applied['actions']][-2:] == ['L2Advertisement', 'BGPAdvertisement']
    again = run_module(metallb_config.main, capsys, args, diff=True)
    assert not again['changed'] and again['diff'] == {'before': {}, 'after': {}}
    for result in (check, applied, again):
        assert 'md5-secret-value' not in result['raw_output']


def test_env_fallbacks_reach_the_client(capsys, cluster, monkeypatch):
    seen = {}
    original = KubeClient.from_params.__func__

    def from_params(cls, params, check_mode=False):
        seen.update(params)
        return original(cls, dict(params, kubeconfig=cluster.kubeconfig, context=None, validate_certs=None), check_mode)

    monkeypatch.setattr(KubeClient, 'from_params', classmethod(from_params))
    monkeypatch.setenv('K8S_AUTH_KUBECONFIG', '/tmp/kubeconfig-from-env')
    monkeypatch.setenv('K8S_AUTH_CONTEXT', 'lab')
    monkeypatch.setenv('K8S_AUTH_VERIFY_SSL', 'no')
    assert run_module(metallb_config.main, capsys, ARGS)['changed']
    assert seen['kubeconfig'] == '/tmp/kubeconfig-from-env' and seen['context'] == 'lab' and seen['validate_certs'] is False


def test_bad_input_fails_with_every_problem_before_any_request(capsys, cluster):
    bad = {'address_pools': [{'name': 'a', 'addresses': ['10.0.0.0/24']}, {'name': 'b', 'addresses': ['10.0.0.0/25']}],
           'peers': [{'name': 'r', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'hold_time': '2s',
                      'password': 'md5-secret-value'}],
           'node_networks': ['10.0.0.0/16'], 'kubeconfig': cluster.kubeconfig}
    result = run_module(metallb_config.main, capsys, bad)
    assert result['failed'] and result['rc'] == 1
    assert result['msg'].startswith('2 problems found:')
    assert "hold_time='2s' must be 0 or at least 3s" in result['msg'] and 'overlaps 10.0.0.0/24' in result['msg']
    assert cluster.requests() == [] and result['requests'] == 0
    assert 'md5-secret-value' not in result['raw_output']


def test_bad_node_networks(capsys, cluster):
    result = run_module(metallb_config.main, capsys, dict(ARGS, node_networks=['lan'], kubeconfig=cluster.kubeconfig))
    assert result['failed'] and result['msg'] == "node_networks[0]='lan' is not a CIDR such as 192.168.10.0/24."


def test_a_refused_undo_fails_with_changed_and_the_writes_in_effect(capsys, cluster):
    cluster.faults(fail=[{'method': 'POST', 'path_contains': '/bgpadvertisements', 'message': 'refused'},
                         {'method': 'DELETE', 'path_contains': '/ipaddresspools/', 'message': 'refused too'}])
    result = run_module(metallb_config.main, capsys, dict(ARGS, kubeconfig=cluster.kubeconfig))
    assert result['failed'] and result['changed'] is True and result['rc'] == 1
    assert 'still in effect' in result['msg'] and {'action': 'create', 'kind': 'IPAddressPool', 'name': 'public'} in result['actions']
    assert 'md5-secret-value' not in result['raw_output']


def test_unreachable_api_is_one_sentence(capsys):
    result = run_module(metallb_config.main, capsys, dict(ARGS, host='http://127.0.0.1:1', api_key='token-value'))
    assert result['failed'] and result['msg'].startswith('Cannot reach the Kubernetes API at http://127.0.0.1:1')
    assert 'token-value' not in result['raw_output']
