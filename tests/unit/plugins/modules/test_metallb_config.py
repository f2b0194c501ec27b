# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The metallb_config module's main(): argspec, check/diff mode, env fallbacks, failures, no secret in output."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient
from ansible_collections.kube_edge.lb.plugins.modules import metallb_config
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.test_metallb import FakeClient
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module

ARGS = {
    'address_pools': [{'name': 'web', 'addresses': ['192.168.10.240/28']},
                      {'name': 'public', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26']}],
    'peers': [{'name': 'tor-a', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'password': 'md5-secret-value'}],
}


@pytest.fixture()
def client(monkeypatch):
    holder = {'fake': FakeClient(), 'params': None}

    def from_params(cls, params, check_mode=False):
        holder['params'] = dict(params)
        holder['fake'].check_mode = check_mode
        return holder['fake']

    monkeypatch.setattr(KubeClient, 'from_params', classmethod(from_params))
    return holder


def test_check_then_apply_then_noop_and_no_password_in_output(capsys, client):
    check = run_module(metallb_config.main, capsys, ARGS, check_mode=True, diff=True)
    assert check['changed'] and check['rc'] == 0 and 'IPAddressPool/web' in check['diff']['after']
    assert client['fake'].objects == {}
    applied = run_module(metallb_config.main, capsys, ARGS, diff=True)
    assert applied['changed'] and applied['format'] == 'crds'
    assert [a['kind'] for a in applied['actions']][:2] == ['Secret', 'IPAddressPool']
    again = run_module(metallb_config.main, capsys, ARGS, diff=True)
    assert not again['changed'] and again['diff'] == {'before': {}, 'after': {}}
    for result in (check, applied, again):
        assert 'md5-secret-value' not in result['raw_output']


def test_env_fallbacks_reach_the_client(capsys, client, monkeypatch):
    monkeypatch.setenv('K8S_AUTH_KUBECONFIG', '/tmp/kubeconfig-from-env')
    monkeypatch.setenv('K8S_AUTH_CONTEXT', 'lab')
    monkeypatch.setenv('K8S_AUTH_VERIFY_SSL', 'no')
    run_module(metallb_config.main, capsys, ARGS)
    params = client['params']
    assert params['kubeconfig'] == '/tmp/kubeconfig-from-env' and params['context'] == 'lab' and params['validate_certs'] is False


def test_bad_input_fails_with_every_problem_before_any_request(capsys, client):
    bad = {'address_pools': [{'name': 'a', 'addresses': ['10.0.0.0/24']}, {'name': 'b', 'addresses': ['10.0.0.0/25']}],
           'peers': [{'name': 'r', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'hold_time': '2s',
                      'password': 'md5-secret-value'}],
           'node_networks': ['10.0.0.0/16']}
    result = run_module(metallb_config.main, capsys, bad)
    assert result['failed'] and result['rc'] == 1
    assert result['msg'].startswith('2 problems found:')
    assert "hold_time='2s' must be 0 or at least 3s" in result['msg'] and 'overlaps 10.0.0.0/24' in result['msg']
    assert client['fake'].calls == []
    assert 'md5-secret-value' not in result['raw_output']


def test_bad_node_networks(capsys, client):
    result = run_module(metallb_config.main, capsys, dict(ARGS, node_networks=['lan']))
    assert result['failed'] and result['msg'] == "node_networks[0]='lan' is not a CIDR such as 192.168.10.0/24."


def test_unreachable_api_is_one_sentence(capsys):
    result = run_module(metallb_config.main, capsys, dict(ARGS, host='http://127.0.0.1:1', api_key='token-value'))
    assert result['failed'] and result['msg'].startswith('Cannot reach the Kubernetes API at http://127.0.0.1:1')
    assert 'token-value' not in result['raw_output']
