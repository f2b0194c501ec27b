# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The field table drives rendering and change detection: every field the renderer emits is compared."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import fields, plan
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import normalize
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.render_configmap import render_configmap
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.render_crds import object_key, render_crds

SELECTOR = [{'match_labels': {'rack': 'a'}}]
# Every option set, so that every field of the table is rendered.
EVERYTHING = {
    'address_pools': [
        {'name': 'web', 'addresses': ['192.168.10.0/28'], 'auto_assign': False, 'avoid_buggy_ips': True,
         'l2_interfaces': ['eth0'], 'node_selectors': SELECTOR},
        {'name': 'pub', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26'], 'node_selectors': SELECTOR,
         'bgp_advertisements': [{'aggregation_length': 30, 'aggregation_length_v6': 120, 'localpref': 50,
                                 'communities': ['no-export'], 'peers': ['tor-a']}]},
    ],
    'peers': [
        {'name': 'tor-a', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'peer_port': 1179, 'hold_time': '90s',
         'keepalive_time': '30s', 'router_id': '10.0.0.100', 'source_address': '10.0.0.100', 'password': 'pw',
         'node_selectors': SELECTOR, 'bfd_profile': 'fast', 'ebgp_multihop': True},
    ],
    'communities': [{'name': 'no-export', 'value': '65535:65281'}],
    'bfd_profiles': [{'name': 'fast', 'receive_interval': 300, 'transmit_interval': 300, 'detect_multiplier': 3,
                      'echo_interval': 50, 'echo_mode': True, 'passive_mode': True, 'minimum_ttl': 254}],
}
NEVER_RENDERED = {('BGPPeer', 'password')}  # owned so that a stray inline password is removed; the Secret holds it


def rendered():
    return render_crds(normalize(EVERYTHING), 'metallb-system')


def emitted_fields(obj):
    source = obj if obj['kind'] == 'Secret' else obj['spec']
    return [key for key in source if key not in ('apiVersion', 'kind', 'metadata')]


def test_every_field_of_the_table_is_rendered():
    seen = set()
    for obj in rendered():
        seen.update((obj['kind'], key) for key in emitted_fields(obj))
    table = set((kind, field.crd) for kind, entry in fields.KINDS.items() for field in entry.fields)
    assert table - seen == NEVER_RENDERED


def test_the_renderer_emits_only_owned_fields():
    for obj in rendered():
        assert set(emitted_fields(obj)) <= set(fields.owned_fields(obj['kind'])), object_key(obj)


def changed_variants(obj):
    """(field, live copy of ``obj`` with that field changed or removed) for every field the renderer emitted."""
    for key in emitted_fields(obj):
        for change in ('other', 'absent'):
            live = copy.deepcopy(obj)
            live['metadata']['resourceVersion'] = '7'
            source = live if obj['kind'] == 'Secret' else live['spec']
            if change == 'absent':
                del source[key]
            elif isinstance(source[key], bool):
                source[key] = not source[key]
            elif isinstance(source[key], int):
                source[key] += 1
            elif isinstance(source[key], str):
                source[key] += 'x'
            elif isinstance(source[key], list):
                source[key] = source[key] + [source[key][0]] if source[key] else ['x']
            else:
                source[key] = dict(source[key], extra='x')
            yield key, change, live


@pytest.mark.parametrize('obj', rendered(), ids=object_key)
def test_every_emitted_field_takes_part_in_change_detection(obj):
    for key, change, live in changed_variants(obj):
        tracker = ChangeTracker()
        steps, _warnings = plan.plan_crds([obj], {obj['kind']: {obj['metadata']['name']: live}}, ['web', 'pub'], False, 'present', tracker)
        assert tracker.changed and [step.action for step in steps] == ['update'], (key, change)
        patch = plan.update_patch(obj, live)
        assert key in (patch if obj['kind'] == 'Secret' else patch['spec']), (key, change, patch)


@pytest.mark.parametrize('obj', rendered(), ids=object_key)
def test_an_unchanged_object_plans_nothing(obj):
    tracker = ChangeTracker()
    live = dict(copy.deepcopy(obj), metadata=dict(obj['metadata'], resourceVersion='7', uid='u'))
    steps, _warnings = plan.plan_crds([obj], {obj['kind']: {obj['metadata']['name']: live}}, ['web', 'pub'], False, 'present', tracker)
    assert steps == [] and not tracker.changed


def test_the_v012_keys_come_from_the_table():
    config = render_configmap(normalize(EVERYTHING))
    peer_keys = set(config['peers'][0])
    assert peer_keys <= fields.V012_KEYS['peer'] and 'password' in peer_keys and 'peer-port' in peer_keys
    assert set(config['bfd-profiles'][0]) == fields.V012_KEYS['bfd']
    assert set(config['address-pools'][1]['bgp-advertisements'][0]) == fields.V012_KEYS['adv']
    assert set(config['address-pools'][0]) <= fields.V012_KEYS['pool']


def test_the_bfd_options_come_from_the_table():
    options = fields.OPTIONS['bfd_profiles']['options']
    assert set(options) == {'name'} | set(field.option for field in fields.KINDS['BFDProfile'].fields)


def test_a_derived_field_outside_the_table_is_refused():
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.render_crds import spec_of
    with pytest.raises(ValueError, match='not in the field table'):
        spec_of('IPAddressPool', {'addresses': []}, serviceAllocation={})


def test_the_model_has_exactly_the_options_of_the_table():
    model = normalize({'address_pools': [{'name': 'p', 'addresses': ['10.0.0.0/30'], 'bgp_advertisements': [{}]}],
                       'peers': [{'name': 'r'}], 'communities': [{'name': 'c', 'value': '1:1'}], 'bfd_profiles': [{'name': 'b'}]})
    for section, entries in model.items():
        assert set(entries[0]) == set(fields.OPTIONS[section]['options']), section
    adv = model['address_pools'][0]['bgp_advertisements'][0]
    assert adv == {'aggregation_length': 32, 'aggregation_length_v6': 128, 'localpref': None, 'communities': [], 'peers': []}
    assert model['address_pools'][0]['protocol'] == 'layer2' and model['peers'][0]['peer_port'] == 179
