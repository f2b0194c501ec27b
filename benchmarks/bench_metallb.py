# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB: API requests and wall time of applying 3 pools + 2 BGP peers, ours vs kubernetes.core.k8s;
validation time at scale and honesty of failed writes.

    python benchmarks/bench_metallb.py --out FILE [--no-playbooks]

Both sides run through ansible-playbook against the Kubernetes API emulator (in-process, random
127.0.0.1 port, the real v0.16.1 CRD schemas when ../shared/reference is present). Ours is one
kube_edge.lb.metallb_config task. The peer applies the very objects our module renders (3
IPAddressPools, their L2/BGP advertisements, 2 BGPPeers, the Community) with one kubernetes.core.k8s
task taking the whole list (its cheapest form) in its default mode; its discovery cache is warmed
first. Each side runs once to create, then three times more: these must change nothing and are the
measured no-ops (requests of the last, median wall time). Requests come from the emulator's request
log. Bounded: about a minute on idle cores.

Two figures need no playbook (``--no-playbooks`` measures only these): the offline validation of
5,000 pools (best of 3; the scale tests' generator), and the fault-injection scenarios of the unit
tests (a write refused half-way, and its undo refused too) that end with changed=false while the
cluster is not as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
sys.path.insert(0, COLLECTIONS)

CONFIG = {
    'address_pools': [
        {'name': 'web', 'addresses': ['192.168.10.240-192.168.10.250']},
        {'name': 'public', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26'],
         'bgp_advertisements': [{'communities': ['no-export']}]},
        {'name': 'internal', 'protocol': 'bgp', 'addresses': ['10.20.0.0/24'],
         'bgp_advertisements': [{'aggregation_length': 24, 'localpref': 200}]},
    ],
    'peers': [
        {'name': 'tor-a', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'hold_time': '90s'},
        {'name': 'tor-b', 'peer_address': '10.0.0.2', 'peer_asn': 64501, 'my_asn': 64500, 'hold_time': '90s'},
    ],
    'communities': [{'name': 'no-export', 'value': '65535:65281'}],
}


def load_emulator():
    from ansible_collections.kube_edge.lb.tests.emulators import k8s_fixtures
    return k8s_fixtures.load_emulator_module()


def offline_figures(emulator, kubeconfig):
    """metallb_validate_5000_pools_seconds and partial_writes_reported_unchanged (resets the emulator)."""
    from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s import test_metallb_validate_scale, test_metallb_writes

    seconds = min(test_metallb_validate_scale.validate_seconds(test_metallb_validate_scale.many_pools(5000)) for _round in range(3))
    emulator.kubeconfig = kubeconfig
    dishonest = test_metallb_writes.partial_writes_reported_unchanged(emulator)
    emulator.reset(metallb_crds=True)
    return {
        'metallb_validate_5000_pools_seconds': {
            'value': round(seconds, 3), 'unit': 's', 'peer': None, 'target': '< 1',
            'note': 'offline validation of 5,000 disjoint pools (ranges and CIDRs, IPv4 and IPv6), best of 3; '
                    'overlaps by sorting (O(n log n)); the pairwise check took 35 s',
        },
        'partial_writes_reported_unchanged': {
            'value': dishonest, 'unit': 'scenarios', 'peer': None, 'target': '0',
            'note': '%d injected-failure scenarios (create, update, prune, absent; a write refused, and its undo refused too) '
                    'against the emulator: those ending changed=false with the cluster not as it was'
                    % len(test_metallb_writes.SCENARIOS),
        },
    }


def run_playbook(workdir, env, tasks, name):
    play = [{'name': name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]
    path = os.path.join(workdir, name + '.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(play, handle, sort_keys=False)
    started = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', os.path.join(workdir, 'inventory.yml'), path],
                          env=env, capture_output=True, text=True, timeout=240, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit('%s failed:\n%s\n%s' % (name, proc.stdout[-3000:], proc.stderr[-3000:]))
    return elapsed, proc.stdout


def measure(emulator, workdir, env, tasks, name, repeats=3):
    """Create run, then no-op runs: (requests, writes, median seconds) of a no-op run."""
    run_playbook(workdir, env, tasks, name + '-create')
    times = []
    for _round in range(repeats):
        emulator.clear_requests()
        seconds, _stdout = run_playbook(workdir, env, tasks, name + '-noop')
        times.append(seconds)
        log = emulator.requests()
    writes = [entry for entry in log if entry['method'] in ('POST', 'PUT', 'PATCH', 'DELETE')]
    return len(log), len(writes), sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--out', required=True)
    parser.add_argument('--no-playbooks', action='store_true', help='only the figures that need no ansible-playbook run')
    args = parser.parse_args()

    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import normalize
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.render_crds import render_crds

    emulator = load_emulator().K8sEmulator(port=0).start()
    workdir = tempfile.mkdtemp(prefix='bench-metallb-')
    try:
        kubeconfig = emulator.write_kubeconfig(os.path.join(workdir, 'kubeconfig'))
        with open(os.path.join(workdir, 'inventory.yml'), 'w') as handle:
            yaml.safe_dump({'all': {'hosts': {'localhost': {'ansible_connection': 'local',
                                                            'ansible_python_interpreter': sys.executable}}}}, handle)
        env = dict(os.environ, K8S_AUTH_KUBECONFIG=kubeconfig, TMPDIR=workdir, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
                   ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
        env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
        offline = offline_figures(emulator, kubeconfig)
        if args.no_playbooks:
            return write_results(args.out, offline)
        for namespace in ('metallb-system',):
            emulator.store.put_object('v1', 'namespaces', {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': namespace}})

        ours_task = [{'name': 'metallb_config', 'kube_edge.lb.metallb_config': CONFIG}]
        ours = measure(emulator, workdir, env, ours_task, 'ours')

        # The peer gets the same objects, in a namespace of its own emulator state: reset, re-create the namespace.
        emulator.reset(metallb_crds=True)
        emulator.store.put_object('v1', 'namespaces', {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'metallb-system'}})
        objects = render_crds(normalize(CONFIG), 'metallb-system')
        peer_task = [{'name': 'kubernetes.core.k8s', 'kubernetes.core.k8s': {'state': 'present', 'definition': objects}}]
        warm = [{'name': 'warm the discovery cache', 'kubernetes.core.k8s_info': {
            'api_version': 'metallb.io/v1beta1', 'kind': 'IPAddressPool', 'namespace': 'metallb-system'}}]
        run_playbook(workdir, env, warm, 'peer-warm')
        peer = measure(emulator, workdir, env, peer_task, 'peer')
        kinds = len(set(obj['kind'] for obj in objects))
    finally:
        emulator.stop()

    results = {
        'metallb_noop_requests': {
            'value': ours[0], 'unit': 'requests', 'peer': peer[0],
            'target': 'reads only, at most one per kind (<= %d)' % kinds,
            'note': ('second run of 3 pools + 2 BGP peers (%d objects of %d kinds); ours lists each kind once; '
                     'kubernetes.core.k8s (one task, whole list, warm discovery cache) GETs and PATCHes every object '
                     '(strategic merge refused with 415, then merge)' % (len(objects), kinds)),
        },
        'metallb_requests_ratio': {
            'value': round(peer[0] / float(ours[0]), 2) if ours[0] else None, 'unit': 'x', 'peer': None, 'target': '>= 3',
            'note': 'kubernetes.core.k8s no-op requests / ours for the same configuration',
        },
        'metallb_noop_writes': {
            'value': ours[1], 'unit': 'requests', 'peer': peer[1], 'target': '0',
            'note': 'writes sent by a run that changes nothing (the peer PATCHes to find out)',
        },
        'metallb_noop_seconds': {
            'value': round(ours[2], 2), 'unit': 's', 'peer': round(peer[2], 2), 'target': 'lower than the peer',
            'note': 'median wall time of 3 no-op ansible-playbook runs on this machine (includes Ansible start-up)',
        },
    }
    results.update(offline)
    return write_results(args.out, results)


def write_results(path, results):
    with open(path, 'w') as handle:
        json.dump(results, handle, indent=2)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
