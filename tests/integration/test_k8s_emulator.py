# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kubernetes API emulator answers like an API server where our modules depend on it.

Through the shared KubeClient (the official client's transport) and the official typed client.
"""

from __future__ import annotations

import json
import os
import urllib.request

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

REFERENCE = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'reference', 'metallb'))
POOL = 'metallb.io/v1beta1'


@pytest.fixture()
def api(k8s_emulator, kubeconfig):
    client = KubeClient.from_params({'kubeconfig': kubeconfig})
    client.create('v1', 'namespaces', {'metadata': {'name': 'metallb-system'}})
    return client


def pool(name, addresses, **spec):
    return {'apiVersion': POOL, 'kind': 'IPAddressPool', 'metadata': {'name': name, 'namespace': 'metallb-system'},
            'spec': dict(spec, addresses=addresses)}


def test_metadata_conflicts_and_replace(api):
    created = api.create(POOL, 'ipaddresspools', pool('a', ['10.0.0.0/24']), 'metallb-system')
    meta = created['metadata']
    assert meta['uid'] and meta['creationTimestamp'] and meta['generation'] == 1 and meta['resourceVersion']
    with pytest.raises(DeviceError) as info:
        api.create(POOL, 'ipaddresspools', pool('a', ['10.0.0.0/24']), 'metallb-system')
    assert info.value.status == 409 and info.value.reason == 'AlreadyExists'
    stale = pool('a', ['10.0.1.0/24'])
    stale['metadata']['resourceVersion'] = '1'
    with pytest.raises(DeviceError) as info:
        api.replace(POOL, 'ipaddresspools', stale, 'metallb-system')
    assert info.value.status == 409 and 'the object has been modified' in str(info.value)
    fresh = pool('a', ['10.0.1.0/24'])
    fresh['metadata']['resourceVersion'] = meta['resourceVersion']
    replaced = api.replace(POOL, 'ipaddresspools', fresh, 'metallb-system')
    assert replaced['metadata']['generation'] == 2 and replaced['metadata']['uid'] == meta['uid']


def test_dry_run_validates_but_stores_nothing(api):
    api.check_mode = True
    answer = api.create(POOL, 'ipaddresspools', pool('dry', ['10.0.0.0/24']), 'metallb-system')
    if os.path.isdir(REFERENCE):  # defaults come from the real CRD schemas, loaded only when present
        assert answer['spec']['autoAssign'] is True  # defaulted like the server would
    api.check_mode = False
    assert api.get(POOL, 'ipaddresspools', 'dry', 'metallb-system') is None


def test_strategic_merge_is_refused_for_custom_resources_only(api):
    api.create(POOL, 'ipaddresspools', pool('a', ['10.0.0.0/24']), 'metallb-system')
    with pytest.raises(DeviceError) as info:
        api.patch(POOL, 'ipaddresspools', 'a', {'spec': {'autoAssign': False}}, 'metallb-system', patch_type='strategic')
    assert info.value.status == 415
    api.create('v1', 'configmaps', {'metadata': {'name': 'c'}, 'data': {'a': '1'}}, 'default')
    patched = api.patch('v1', 'configmaps', 'c', {'data': {'b': '2'}}, 'default', patch_type='strategic')
    assert patched['data'] == {'a': '1', 'b': '2'}


def test_lists_have_kinds_and_label_selectors_filter(api):
    api.create('v1', 'configmaps', {'metadata': {'name': 'x', 'labels': {'tier': 'web'}}}, 'default')
    api.create('v1', 'configmaps', {'metadata': {'name': 'y', 'labels': {'tier': 'db'}}}, 'default')
    _status, raw = api.request('GET', '/api/v1/namespaces/default/configmaps', query=[('labelSelector', 'tier in (web)')])
    assert raw['kind'] == 'ConfigMapList' and [i['metadata']['name'] for i in raw['items']] == ['x']
    assert [i['metadata']['name'] for i in api.list('v1', 'configmaps', 'default', label_selector='tier!=web')] == ['y']


def test_namespaces_must_exist_and_secrets_fold_string_data(api):
    with pytest.raises(DeviceError, match='namespaces "nowhere" not found'):
        api.create('v1', 'secrets', {'metadata': {'name': 's'}, 'stringData': {'k': 'v'}}, 'nowhere')
    secret = api.create('v1', 'secrets', {'metadata': {'name': 's'}, 'stringData': {'k': 'v'}}, 'default')
    assert secret['data'] == {'k': 'dg=='} and 'stringData' not in secret and secret['type'] == 'Opaque'
    with pytest.raises(DeviceError) as info:
        api.create('v1', 'secrets', {'metadata': {'name': 't'}, 'type': 'kubernetes.io/tls', 'data': {'tls.crt': ''}}, 'default')
    assert info.value.status == 422 and 'tls.key' in str(info.value)


@pytest.mark.skipif(not os.path.isdir(REFERENCE), reason='reference CRD schemas ../shared/reference/metallb are absent')
def test_real_crd_schema_and_metallb_webhook_rules(api):
    peer = {'apiVersion': 'metallb.io/v1beta2', 'kind': 'BGPPeer', 'metadata': {'name': 'p', 'namespace': 'metallb-system'},
            'spec': {'myASN': 64500, 'peerASN': 64501, 'peerAddress': '10.0.0.1', 'peerPort': 20000}}
    with pytest.raises(DeviceError) as info:
        api.create('metallb.io/v1beta2', 'bgppeers', peer, 'metallb-system')
    assert info.value.status == 422 and 'spec.peerPort' in str(info.value)
    api.create(POOL, 'ipaddresspools', pool('a', ['10.0.0.0/24']), 'metallb-system')
    with pytest.raises(DeviceError) as info:
        api.create(POOL, 'ipaddresspools', pool('b', ['10.0.0.100-10.0.0.110']), 'metallb-system')
    assert info.value.status == 403 and 'overlaps with already defined CIDR' in str(info.value)
    api.create('v1', 'namespaces', {'metadata': {'name': 'elsewhere'}})
    with pytest.raises(DeviceError, match='resource must be created in metallb-system namespace'):
        api.create(POOL, 'ipaddresspools', dict(pool('c', ['10.9.0.0/24']), metadata={'name': 'c'}), 'elsewhere')


def test_request_log_and_reset_over_http(k8s_emulator, api):
    api.get('v1', 'namespaces', 'default')
    with urllib.request.urlopen(k8s_emulator.url + '/_emulator/requests') as answer:
        log = json.loads(answer.read())
    assert {'method': 'GET', 'path': '/api/v1/namespaces/default', 'query': '', 'status': 200}.items() <= log[-1].items()
    request = urllib.request.Request(k8s_emulator.url + '/_emulator/reset', data=b'{}', method='POST')
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read()) == {'reset': True}
    assert api.get('v1', 'namespaces', 'metallb-system') is None


def test_https_with_the_kubeconfig_ca_and_the_explicit_options(k8s_emulator_session, tmp_path):
    """TLS verification goes through the official client's settings: kubeconfig CA, ca_cert, validate_certs."""
    emulator = type(k8s_emulator_session)(port=0, tls=True).start()
    try:
        kubeconfig = emulator.write_kubeconfig(str(tmp_path / 'kubeconfig'))
        assert KubeClient.from_params({'kubeconfig': kubeconfig}).get('v1', 'namespaces', 'default')['metadata']['name'] == 'default'
        ca_path = tmp_path / 'ca.crt'
        ca_path.write_text(emulator.ca_pem)
        explicit = {'host': emulator.url, 'api_key': emulator.server.token, 'ca_cert': str(ca_path)}
        assert KubeClient.from_params(explicit).list('v1', 'namespaces')
        with pytest.raises(DeviceError, match='Cannot reach the Kubernetes API at https://127.0.0.1'):
            KubeClient.from_params({'host': emulator.url, 'api_key': emulator.server.token}).list('v1', 'namespaces')
        insecure = {'host': emulator.url, 'api_key': emulator.server.token, 'validate_certs': False}
        with pytest.warns(Warning, match='Unverified HTTPS request'):  # urllib3 says so, as it should
            assert KubeClient.from_params(insecure).list('v1', 'namespaces')
        with pytest.raises(DeviceError) as info:
            KubeClient.from_params({'host': emulator.url, 'api_key': 'wrong', 'ca_cert': str(ca_path)}).list('v1', 'namespaces')
        assert info.value.status == 401
    finally:
        emulator.stop()
