# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One module_defaults dict for kubernetes.core's k8s group and ours, through ansible-playbook against
the Kubernetes API emulator: kubernetes.core's connection options are accepted by our modules, and
an option we cannot honour (username) is refused by name, not as "Unsupported parameters"."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def test_a_module_defaults_dict_shared_with_kubernetes_core(tmp_path, k8s_emulator, k8s_env):
    shared = {
        'kubeconfig': k8s_emulator.kubeconfig,
        'context': 'emulator',
        'validate_certs': True,
        'no_proxy': '127.0.0.1,localhost',
        'proxy_headers': {'user_agent': 'shared/1.0'},
        'persist_config': False,
        # The emulator does not model impersonation (it ignores the headers): accepted and sent.
        'impersonate_user': 'edge-operator',
        'impersonate_groups': ['edge-operators'],
    }
    pools = {'address_pools': [{'name': 'web', 'addresses': ['192.168.10.240-192.168.10.250']}]}
    out = tmp_path / 'results.json'
    play = [{
        'name': 'Shared connection defaults',
        'hosts': 'localhost',
        'gather_facts': False,
        'module_defaults': {'group/kubernetes.core.k8s': shared, 'group/kube_edge.lb.k8s': shared},
        'tasks': [
            {'name': 'kubernetes.core writes with them', 'kubernetes.core.k8s': {
                'definition': {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'metallb-system'}}}},
            {'name': 'kubernetes.core reads with them', 'kubernetes.core.k8s_info': {'kind': 'Namespace', 'name': 'default'},
             'register': 'theirs'},
            {'name': 'Ours writes with them', 'kube_edge.lb.metallb_config': pools, 'register': 'ours', 'ignore_errors': True},
            {'name': 'Basic authentication is refused by name', 'kube_edge.lb.metallb_config': dict(pools, username='admin'),
             'register': 'basic', 'ignore_errors': True},
            {'name': 'Save results', 'ansible.builtin.copy': {
                'content': '{{ {"theirs": theirs, "ours": ours, "basic": basic} | to_json }}', 'dest': str(out), 'mode': '0600'}},
        ],
    }]
    path = tmp_path / 'play.yml'
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict(k8s_env)
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(ROOT, '.cache', 'collections'))
    env.setdefault('ANSIBLE_CONFIG', os.path.join(ROOT, 'ansible.cfg'))
    env.pop('K8S_AUTH_KUBECONFIG', None)  # the play's module_defaults are the only source
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % sys.executable, str(path)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path), check=False)
    assert out.exists(), proc.stdout[-4000:] + proc.stderr[-4000:]
    results = json.loads(out.read_text())
    assert [item['metadata']['name'] for item in results['theirs']['resources']] == ['default']
    assert not results['ours'].get('failed'), results['ours'].get('msg')
    assert results['ours']['changed'] is True
    assert results['basic']['failed'] and results['basic']['msg'].startswith(
        'username is not supported by kube_edge.lb (HTTP basic authentication)'), results['basic']['msg']
