# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""All or nothing: a write refused half-way (emulator fault injection) leaves the cluster as it was and
reports changed=false; when the undo is refused too, the run reports changed=true and what is still written."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import area
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import metallb_execute
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.metallb_lab import (
    client_for, cluster_state, fail, reset, with_namespace)

CONFIG = {
    'address_pools': [
        {'name': 'web', 'addresses': ['192.168.10.240-192.168.10.250']},
        {'name': 'pub', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26'],
         'bgp_advertisements': [{'communities': ['no-export']}, {'aggregation_length': 26, 'localpref': 50, 'peers': ['tor-a']}]},
    ],
    'peers': [
        {'name': 'tor-a', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'password': 's3cret-md5'},
        {'name': 'tor-b', 'peer_address': '10.0.0.2', 'peer_asn': 64501, 'my_asn': 64500},
    ],
    'communities': [{'name': 'no-export', 'value': '65535:65281'}],
}
# From CONFIG: one pool's addresses and one password change, a pool is added, a peer and an advertisement go.
CHANGED = copy.deepcopy(CONFIG)
CHANGED['address_pools'][0]['addresses'] = ['192.168.10.224/28']
CHANGED['address_pools'][1]['bgp_advertisements'] = CHANGED['address_pools'][1]['bgp_advertisements'][:1]
CHANGED['address_pools'].append({'name': 'extra', 'addresses': ['192.168.20.0/28']})
CHANGED['peers'] = [dict(CHANGED['peers'][0], password='n3w-md5')]
CHANGED['prune'] = True

# (name, configuration already applied or None, configuration applied with the fault, faults: (method, path part))
SCENARIOS = [
    ('create: Secret refused', None, CONFIG, [('POST', '/secrets')]),
    ('create: Community refused', None, CONFIG, [('POST', '/communities')]),
    ('create: IPAddressPool refused', None, CONFIG, [('POST', '/ipaddresspools')]),
    ('create: BGPPeer refused', None, CONFIG, [('POST', '/bgppeers')]),
    ('create: L2Advertisement refused', None, CONFIG, [('POST', '/l2advertisements')]),
    ('create: BGPAdvertisement refused', None, CONFIG, [('POST', '/bgpadvertisements')]),
    ('update: Secret patch refused', CONFIG, CHANGED, [('PATCH', '/secrets/')]),
    ('update: IPAddressPool patch refused', CONFIG, CHANGED, [('PATCH', '/ipaddresspools/')]),
    ('update: new L2Advertisement refused', CONFIG, CHANGED, [('POST', '/l2advertisements')]),
    ('update: BGPPeer delete refused', CONFIG, CHANGED, [('DELETE', '/bgppeers/')]),
    ('absent: IPAddressPool delete refused', CONFIG, dict(CONFIG, state='absent'), [('DELETE', '/ipaddresspools/')]),
    # the undo is refused too: the run must say it changed the cluster, and what is still written
    ('create: BGPAdvertisement refused, undo refused', None, CONFIG,
     [('POST', '/bgpadvertisements'), ('DELETE', '/ipaddresspools/')]),
    ('update: BGPPeer delete refused, undo refused', CONFIG, CHANGED, [('DELETE', '/bgppeers/'), ('DELETE', '/ipaddresspools/extra')]),
]


@pytest.fixture()
def cluster(k8s_emulator):
    """The Kubernetes emulator (tests/unit/plugins/conftest.py), reset, with MetalLB's namespace."""
    return with_namespace(k8s_emulator)


def run_scenario(emulator, before_config, config, faults):
    """-> (result, cluster before, cluster after) of applying ``config`` with ``faults`` injected.

    The result is the module's (``metallb_execute``): a failure carries ``changed`` only when true.
    """
    if before_config is not None:
        applied = area.run(client_for(emulator), before_config)
        assert applied['changed'] and not applied.get('failed'), applied
    before = cluster_state(emulator)
    for method, path in faults:
        fail(emulator, method, path)
    result = metallb_execute(dict(config, kubeconfig=emulator.kubeconfig))
    emulator.faults(fail=[])
    return result, before, cluster_state(emulator)


def partial_writes_reported_unchanged(emulator):
    """The figure: scenarios that end with changed=false while the cluster is not as it was (target 0)."""
    count = 0
    for _name, before_config, config, faults in SCENARIOS:
        reset(emulator)
        result, before, after = run_scenario(emulator, before_config, config, faults)
        if not result.get('changed') and before != after:
            count += 1
    return count


@pytest.mark.parametrize('name, before_config, config, faults', [s for s in SCENARIOS if len(s[3]) == 1], ids=lambda v: v if isinstance(v, str) else '')
def test_a_refused_write_undoes_the_run(cluster, name, before_config, config, faults):
    result, before, after = run_scenario(cluster, before_config, config, faults)
    assert result['failed'] and not result.get('changed') and result['requests'] > 0
    assert 'injected failure' in result['msg']
    if not name.startswith('create: Secret'):  # the first write: nothing to undo
        assert 'Every write of this run was undone' in result['msg'], result['msg']
    assert after == before
    assert 's3cret' not in repr(result) and 'n3w-md5' not in repr(result)


@pytest.mark.parametrize('name, before_config, config, faults', [s for s in SCENARIOS if len(s[3]) > 1], ids=lambda v: v if isinstance(v, str) else '')
def test_a_refused_undo_reports_changed_and_what_is_still_written(cluster, name, before_config, config, faults):
    result, before, after = run_scenario(cluster, before_config, config, faults)
    assert result['failed'] and result['changed'] is True
    assert 'still in effect' in result['msg']
    assert result['actions'], result
    for action in result['actions']:
        key = [k for k in after if k.split('/', 1)[1] == action['name'] and k.split('/')[0].startswith(action['kind'].lower()[:6])]
        if action['action'] == 'create':
            assert key, (action, sorted(after))
        elif action['action'] == 'delete':
            assert not key, (action, sorted(after))
    assert before != after


def test_no_scenario_ends_unchanged_with_something_written(cluster):
    assert partial_writes_reported_unchanged(cluster) == 0
