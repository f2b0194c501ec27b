# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kubernetes.core's connection option set on KubeClient: accepted, honoured on the wire, or refused by name."""

from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.kube_edge.lb.plugins.doc_fragments._k8s_auth import ModuleDocFragment
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.auth import AUTH_ARGSPEC
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient

# What a play shares between kubernetes.core.k8s_info and our k8s group (module_defaults).
SHARED_DEFAULTS = {
    'context': 'emulator',
    'validate_certs': True,
    'no_proxy': '127.0.0.1,localhost',
    'proxy_headers': {'user_agent': 'shared/1.0'},
    'persist_config': False,
    'impersonate_user': 'system:serviceaccount:kube-system:edge',
    'impersonate_groups': ['system:serviceaccounts', 'edge-operators'],
}


ARGS_COMMON = os.path.join('ansible_collections', 'kubernetes', 'core', 'plugins', 'module_utils', 'args_common.py')


def kubernetes_core_spec():
    """kubernetes.core's AUTH_ARG_SPEC: importable in the fast loop; under ansible-test (a staged copy
    below the checkout's .cache/) read from the checkout's .cache/collections, which make setup fills."""
    try:
        return importlib.import_module('ansible_collections.kubernetes.core.plugins.module_utils.args_common').AUTH_ARG_SPEC
    except ImportError:
        pass
    here = os.path.dirname(os.path.realpath(__file__))
    while os.path.dirname(here) != here:
        path = os.path.join(here, '.cache', 'collections', ARGS_COMMON)
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location('kubernetes_core_args_common', path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.AUTH_ARG_SPEC
        here = os.path.dirname(here)
    pytest.skip('kubernetes.core is not installed (make setup installs it into .cache/collections)')


def validate(params):
    result = ArgumentSpecValidator(AUTH_ARGSPEC).validate(params)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def test_every_kubernetes_core_connection_option_is_accepted_with_its_aliases_and_type():
    theirs = kubernetes_core_spec()
    assert set(theirs) <= set(AUTH_ARGSPEC), sorted(set(theirs) - set(AUTH_ARGSPEC))
    for name, option in theirs.items():
        ours = AUTH_ARGSPEC[name]
        assert set(option.get('aliases') or ()) <= set(ours.get('aliases') or ()), name
        assert bool(option.get('no_log')) == bool(ours.get('no_log')), name
        if name != 'kubeconfig':  # theirs is raw (path or dict); ours is a path the controller resolves
            assert option.get('type', 'str') == ours.get('type', 'str'), name
        if option.get('options'):
            assert set(option['options']) == set(ours['options']), name


def test_the_doc_fragment_documents_exactly_the_argspec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert set(documented) == set(AUTH_ARGSPEC)
    for name, option in AUTH_ARGSPEC.items():
        assert documented[name]['type'] == option.get('type', 'str'), name
        assert sorted(documented[name].get('aliases') or []) == sorted(option.get('aliases') or []), name
        assert set(documented[name].get('suboptions') or {}) == set(option.get('options') or {}), name


def test_a_module_defaults_dict_shaped_for_kubernetes_core_validates_and_connects(k8s_emulator, kubeconfig):
    params = validate(dict(SHARED_DEFAULTS, kubeconfig=kubeconfig))
    client = KubeClient.from_params(params)
    # The emulator does not model impersonation: this proves the options leave a working client.
    assert client.get('v1', 'namespaces', 'default')['metadata']['name'] == 'default'


def test_environment_fallbacks_are_kubernetes_core_names(monkeypatch):
    monkeypatch.setenv('K8S_AUTH_IMPERSONATE_GROUPS', 'a,b')
    monkeypatch.setenv('K8S_AUTH_NO_PROXY', '10.0.0.0/8')
    monkeypatch.setenv('K8S_AUTH_PROXY_HEADERS_PROXY_BASIC_AUTH', 'u:p')
    params = validate({})
    assert params['impersonate_groups'] == ['a', 'b'] and params['no_proxy'] == '10.0.0.0/8'
    assert params['proxy_headers']['proxy_basic_auth'] == 'u:p'


class Recorder(BaseHTTPRequestHandler):
    """Answers every request with an empty ConfigMap and records the request line and headers;
    serves as the API server and as an HTTP proxy (a proxy receives the absolute URL)."""

    def _handle(self):
        self.server.seen.append((self.command, self.path, self.headers))
        body = json.dumps({'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'c'}}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _handle

    def log_message(self, fmt, *args):  # quiet: ``seen`` is the record
        pass


@pytest.fixture()
def recorder():
    server = ThreadingHTTPServer(('127.0.0.1', 0), Recorder)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port():
    probe = ThreadingHTTPServer(('127.0.0.1', 0), Recorder)
    port = probe.server_address[1]
    probe.server_close()
    return port


def test_impersonation_sends_one_header_per_group_and_the_proxy_gets_its_headers(recorder):
    port = recorder.server_address[1]
    params = validate(
        {
            'host': 'http://127.0.0.2:%d' % closed_port(),  # reached only through the proxy
            'api_key': 'token-1',
            'proxy': 'http://127.0.0.1:%d' % port,
            'proxy_headers': {'proxy_basic_auth': 'edge:proxy-secret', 'user_agent': 'shared/1.0'},
            'impersonate_user': 'jane',
            'impersonate_groups': ['ops', 'edge'],
        }
    )
    KubeClient.from_params(params).get('v1', 'configmaps', 'c', 'default')
    (method, path, headers), = recorder.seen
    assert (method, path) == ('GET', params['host'] + '/api/v1/namespaces/default/configmaps/c')
    assert headers['Proxy-Authorization'] == 'Basic ' + base64.b64encode(b'edge:proxy-secret').decode()
    assert headers['Authorization'] == 'Bearer token-1'
    assert headers['Impersonate-User'] == 'jane'
    assert headers.get_all('Impersonate-Group') == ['ops', 'edge']


def test_no_proxy_bypasses_the_proxy(recorder):
    host = 'http://127.0.0.1:%d' % recorder.server_address[1]
    params = validate({'host': host, 'api_key': 't', 'proxy': 'http://127.0.0.1:%d' % closed_port(), 'no_proxy': '127.0.0.1'})
    assert KubeClient.from_params(params).get('v1', 'configmaps', 'c', 'default')['kind'] == 'ConfigMap'
    assert [(method, path) for method, path, _headers in recorder.seen] == [('GET', '/api/v1/namespaces/default/configmaps/c')]


@pytest.mark.parametrize('option', ['username', 'password'])
def test_basic_authentication_is_refused_by_name_before_any_request(option, recorder):
    params = validate({'host': 'http://127.0.0.1:%d' % recorder.server_address[1], option: 'basic-secret'})
    with pytest.raises(KubeEdgeError) as caught:
        KubeClient.from_params(params)
    message = str(caught.value)
    assert message.startswith('%s is not supported by kube_edge.lb (HTTP basic authentication)' % option)
    assert 'basic-secret' not in message and recorder.seen == []


def test_a_kubeconfig_dict_is_refused_without_echoing_it():
    # What the path type makes of kubernetes.core's dict form.
    params = validate({'kubeconfig': {'apiVersion': 'v1', 'users': [{'name': 'u', 'user': {'token': 'tok-secret'}}]}})
    with pytest.raises(KubeEdgeError) as caught:
        KubeClient.from_params(params)
    assert 'given as a dictionary' in str(caught.value) and 'tok-secret' not in str(caught.value)


def test_several_kubeconfig_files_are_refused_by_name(tmp_path):
    paths = '%s:%s' % (tmp_path / 'a', tmp_path / 'b')
    with pytest.raises(KubeEdgeError, match='names several files'):
        KubeClient.from_params(validate({'kubeconfig': paths}))


@pytest.mark.parametrize('params, named, secret', [
    ({'api_key': 'tok\U000a6c4a'}, 'api_key is sent', 'tok'),
    ({'impersonate_user': 'ops\r\nX-Evil: 1'}, "impersonate_user='ops\\r\\nX-Evil: 1' is sent", None),
    ({'impersonate_groups': ['ops', 'édge', 'grün\U0001f600']}, 'impersonate_groups=', None),
    ({'proxy': 'http://127.0.0.1:9', 'proxy_headers': {'proxy_basic_auth': 'u:\U000f6aa2'}},
     'proxy_headers.proxy_basic_auth is sent', 'u:'),
])
def test_values_a_header_line_cannot_carry_are_refused_by_name_before_any_request(params, named, secret, recorder):
    # Found by the argument-spec fuzz test: http.client's Latin-1 encoding raised UnicodeEncodeError.
    params = validate(dict({'host': 'http://127.0.0.1:%d' % recorder.server_address[1]}, **params))
    with pytest.raises(KubeEdgeError) as caught:
        KubeClient.from_params(params)
    message = str(caught.value)
    assert named in message and 'HTTP header line' in message and recorder.seen == []
    if secret:
        assert secret not in message
