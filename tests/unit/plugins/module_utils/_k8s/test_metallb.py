# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB model: validation rules, rendering in both eras, migration (pure; applying is in test_metallb_apply.py)."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import (
    area, checks, fields, migration, render_configmap, render_crds, validate)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import model as model_lib

BGP_PARAMS = {
    'address_pools': [
        {'name': 'web', 'addresses': ['192.168.10.240-192.168.10.250']},
        {'name': 'pub', 'protocol': 'bgp', 'addresses': ['198.51.100.0/26'],
         'bgp_advertisements': [{'aggregation_length': 32, 'communities': ['no-export']},
                                {'aggregation_length': 26, 'localpref': 50, 'peers': ['tor-a']}]},
        {'name': 'pub6', 'protocol': 'bgp', 'addresses': ['2001:db8::/120']},
    ],
    'peers': [
        {'name': 'tor-a', 'peer_address': '10.0.0.1', 'peer_asn': 64501, 'my_asn': 64500, 'hold_time': '90s', 'password': 's3cret'},
        {'name': 'tor-b', 'peer_address': '10.0.0.2', 'peer_asn': 64501, 'my_asn': 64500, 'keepalive_time': '10s'},
    ],
    'communities': [{'name': 'no-export', 'value': '65535:65281'}],
}


def model(params=None, **changes):
    params = copy.deepcopy(params if params is not None else BGP_PARAMS)
    params.update(changes)
    return model_lib.normalize(params)


def problems_of(params, **kwargs):
    with pytest.raises(ValidationError) as info:
        validate.validate(model_lib.normalize(params), **kwargs)
    return info.value.problems


# -- parsing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('entry, version, widest', [
    ('10.0.0.0/24', 4, 24), ('10.0.0.5/24', 4, 24), ('10.0.0.1-10.0.0.10', 4, 30), (' 10.0.0.0 - 10.0.0.255 ', 4, 24),
    ('2001:db8::1-2001:db8::ff', 6, 121), ('2001:db8::/64', 6, 64)])
def test_parse_address_accepts_cidrs_and_ranges(entry, version, widest):
    parsed = model_lib.parse_address(entry)
    assert parsed[0] == version and parsed[2] == widest


@pytest.mark.parametrize('entry, reason', [
    ('10.0.0.300/24', 'not a valid CIDR'), ('10.0.0.9-10.0.0.1', 'after the end'), ('10.0.0.1', 'neither a CIDR'),
    ('10.0.0.1-2001:db8::1', 'mixes IPv4 and IPv6'), ('a-b', 'not a valid IP range')])
def test_parse_address_rejects(entry, reason):
    with pytest.raises(ValueError, match=reason):
        model_lib.parse_address(entry)


def test_durations():
    assert model_lib.parse_duration('1m30s') == 90
    assert model_lib.parse_duration('90') == 90
    assert model_lib.parse_duration('500ms') == 0.5
    assert model_lib.parse_duration('soon') is None
    assert model_lib.format_duration('1m30s') == '90s'


# -- validation: one bad input per rule --------------------------------------------------------------

def pool(**kw):
    base = {'name': 'p', 'addresses': ['10.0.0.0/24']}
    base.update(kw)
    return base


def peer(**kw):
    base = {'name': 'r', 'peer_address': '10.9.0.1', 'peer_asn': 64501, 'my_asn': 64500}
    base.update(kw)
    return base


RULES = [
    ({'address_pools': [pool(addresses=[])]}, {}, "address_pools[0].addresses=[] must list at least one"),
    ({'address_pools': [pool(addresses=['10.0.0.0/33'])]}, {}, 'is not a valid CIDR'),
    ({'address_pools': [pool(addresses=['10.0.0.9-10.0.0.1'])]}, {}, 'after the end'),
    ({'address_pools': [pool(), pool(name='q', addresses=['10.0.0.128-10.0.0.130'])]}, {}, 'overlaps 10.0.0.0/24'),
    ({'address_pools': [pool(addresses=['10.0.0.0/24', '10.0.0.7/32'])]}, {}, 'overlaps'),
    ({'address_pools': [pool(), pool()]}, {}, "address_pools[1].name='p' is used twice"),
    ({'address_pools': [pool(name='Web_1')]}, {}, 'lowercase DNS label'),
    ({'address_pools': [pool(bgp_advertisements=[{}])]}, {}, 'only valid for protocol bgp'),
    ({'address_pools': [pool(protocol='bgp', l2_interfaces=['eth0'])]}, {}, 'only valid for protocol layer2'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{'aggregation_length': 16}])]}, {}, 'shorter than the pool prefix /24'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{'aggregation_length': 33}])]}, {}, 'between 0 and 32'),
    ({'address_pools': [pool(protocol='bgp', addresses=['2001:db8::/64'], bgp_advertisements=[{'aggregation_length_v6': 48}])]}, {},
     'shorter than the pool prefix /64'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{'localpref': -1}])]}, {}, 'localpref=-1'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{'communities': ['70000:1']}])]}, {}, '16-bit'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{'communities': ['nope']}])]}, {}, 'not defined in communities'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{'peers': ['ghost']}])]}, {}, 'not the name of a peer'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{'localpref': 1}, {'localpref': 2}])]}, {},
     'differs from bgp_advertisements[0]'),
    ({'address_pools': [pool(protocol='bgp', bgp_advertisements=[{}, {}])]}, {}, 'duplicates bgp_advertisements[0]'),
    ({'address_pools': [pool(addresses=['10.1.0.0/24'])]}, {'node_networks': checks.parse_node_networks(['10.0.0.0/16'])},
     'not inside node_networks'),
    ({'address_pools': [pool(protocol='bgp', addresses=['2001:db8::/64'])]}, {'backend': 'native'}, 'native BGP backend cannot'),
    ({'address_pools': [pool(l2_interfaces=['eth0'])]}, {'fmt': 'configmap'}, 'needs the CRD format'),
    ({'peers': [peer(peer_address='router')]}, {}, "peer_address='router' is not an IP address"),
    ({'peers': [peer(my_asn=0)]}, {}, 'my_asn=0 must be an integer between 1 and 4294967295'),
    ({'peers': [peer(peer_asn=4294967296)]}, {}, 'peer_asn=4294967296'),
    ({'peers': [peer(peer_port=16385)]}, {}, 'between 1 and 16384'),
    ({'peers': [peer(hold_time='2s')]}, {}, 'must be 0 or at least 3s'),
    ({'peers': [peer(hold_time='ninety')]}, {}, 'is not a duration'),
    ({'peers': [peer(hold_time='30s', keepalive_time='40s')]}, {}, 'not be longer than the hold time'),
    ({'peers': [peer(keepalive_time='10s')]}, {'backend': 'native'}, 'not supported by the native BGP backend'),
    ({'peers': [peer(bfd_profile='fast')]}, {}, 'not defined in bfd_profiles'),
    ({'peers': [peer(bfd_profile='fast')], 'bfd_profiles': [{'name': 'fast'}]}, {'backend': 'native'}, 'native BGP backend'),
    ({'peers': [peer(router_id='x')]}, {}, "router_id='x'"),
    ({'peers': [peer(password='a', password_secret='b')]}, {}, 'cannot be used together with password'),
    ({'peers': [peer(ebgp_multihop=True, peer_asn=64500)]}, {}, 'only valid for eBGP'),
    ({'peers': [peer(), peer(name='s')]}, {}, 'same port'),
    ({'peers': [peer(), peer(name='s', peer_address='10.9.0.2', my_asn=64999)]}, {}, 'must share my_asn and router_id'),
    ({'peers': [peer(password_secret='x')]}, {'fmt': 'configmap'}, 'needs the CRD format'),
    ({'communities': [{'name': 'a', 'value': '1:2'}, {'name': 'a', 'value': '1:3'}]}, {}, 'is used twice'),
    ({'communities': [{'name': 'a', 'value': 'large:1:2:3'}]}, {'backend': 'native'}, 'large community'),
    ({'bfd_profiles': [{'name': 'f', 'receive_interval': 5, 'detect_multiplier': 1, 'minimum_ttl': 255}]}, {}, 'between 10 and 60000'),
]


@pytest.mark.parametrize('params, kwargs, expected', RULES, ids=[rule[2][:40] for rule in RULES])
def test_every_rule_reports_field_and_value(params, kwargs, expected):
    problems = problems_of(params, **kwargs)
    assert any(expected in problem for problem in problems), problems


def test_all_problems_at_once_and_good_config_passes():
    validate.validate(model())
    problems = problems_of({'address_pools': [pool(addresses=['x']), pool(name='q', addresses=[])], 'peers': [peer(my_asn=0, peer_port=0)]})
    assert len(problems) == 4


def test_overlap_with_pools_already_in_the_cluster():
    expected = r"address_pools\[0\].addresses\[0\]='10.0.0.0/24' overlaps 10.0.0.0/16 \(already in the cluster\) of pool theirs"
    with pytest.raises(ValidationError, match=expected):
        validate.validate(model_lib.normalize({'address_pools': [pool()]}), existing_pools={'theirs': ['10.0.0.0/16']})


def test_node_networks_must_be_cidrs():
    with pytest.raises(ValidationError, match="node_networks.0.='lan' is not a CIDR"):
        checks.parse_node_networks(['lan'])


# -- rendering -------------------------------------------------------------------------------------

def test_render_crds_gives_every_pool_an_advertisement_and_hides_passwords():
    objects = render_crds.render_crds(model(), 'metallb-system')
    names = [render_crds.object_key(o) for o in objects]
    assert names == ['Secret/tor-a-bgp-password', 'Community/communities', 'IPAddressPool/web', 'IPAddressPool/pub',
                     'IPAddressPool/pub6', 'L2Advertisement/web', 'BGPAdvertisement/pub', 'BGPAdvertisement/pub-2',
                     'BGPAdvertisement/pub6', 'BGPPeer/tor-a', 'BGPPeer/tor-b']
    by_name = dict((render_crds.object_key(o), o) for o in objects)
    assert by_name['IPAddressPool/web']['spec'] == {'addresses': ['192.168.10.240-192.168.10.250'], 'autoAssign': True, 'avoidBuggyIPs': False}
    assert by_name['BGPAdvertisement/pub-2']['spec'] == {'ipAddressPools': ['pub'], 'aggregationLength': 26, 'aggregationLengthV6': 128,
                                                         'localPref': 50, 'peers': ['tor-a']}
    assert by_name['BGPAdvertisement/pub6']['spec']['aggregationLength'] == 32
    peer_a = by_name['BGPPeer/tor-a']
    assert peer_a['apiVersion'] == 'metallb.io/v1beta2'
    assert 'password' not in peer_a['spec']
    assert peer_a['spec']['passwordSecret'] == {'name': 'tor-a-bgp-password', 'namespace': 'metallb-system'}
    assert by_name['Secret/tor-a-bgp-password']['type'] == 'kubernetes.io/basic-auth'
    assert all(o['metadata']['labels'] == {fields.MANAGED_LABEL: fields.MANAGED_VALUE} for o in objects)


def test_render_configmap_uses_v012_keys():
    config = render_configmap.render_configmap(model())
    assert set(config) == {'peers', 'address-pools', 'bgp-communities'}
    assert config['peers'][0] == {'peer-address': '10.0.0.1', 'peer-asn': 64501, 'my-asn': 64500, 'hold-time': '90s', 'password': 's3cret'}
    assert config['address-pools'][1]['bgp-advertisements'][1] == {'aggregation-length': 26, 'localpref': 50}
    assert 's3cret' not in json.dumps(render_configmap.configmap_before_after(None, config)[1])


# -- migration -------------------------------------------------------------------------------------

V012 = """
peers:
- peer-address: 10.0.0.1
  peer-asn: 64512
  my-asn: 64512
  hold-time: 120s
  password: pw
  node-selectors:
  - match-labels: {rack: a}
bgp-communities:
  no-export: 65535:65281
address-pools:
- name: My_Space
  protocol: bgp
  addresses: [198.51.100.0/24]
  auto-assign: false
  bgp-advertisements:
  - aggregation-length: 32
    localpref: 100
    communities: [no-export]
- name: l2
  protocol: layer2
  addresses: [192.168.1.240/28]
"""


def test_configmap_to_model_maps_like_configmaptocrs():
    migrated = migration.configmap_to_model(V012)
    assert migrated['peers'][0]['name'] == 'peer1'
    assert migrated['peers'][0]['node_selectors'] == [{'matchLabels': {'rack': 'a'}}]
    assert migrated['address_pools'][0]['name'] == 'my-space'
    assert migrated['address_pools'][0]['auto_assign'] is False
    validate.validate(migrated)
    crds = dict((render_crds.object_key(o), o) for o in render_crds.render_crds(migrated, 'metallb-system'))
    assert crds['BGPAdvertisement/my-space']['spec']['communities'] == ['no-export']
    assert crds['L2Advertisement/l2']['spec'] == {'ipAddressPools': ['l2']}
    assert crds['BGPPeer/peer1']['spec']['holdTime'] == '120s'
    assert migration.model_to_params(migrated)['peers'][0]['password'] == fields.REDACTED


def test_configmap_to_model_is_strict_like_metallb():
    with pytest.raises(ValidationError) as info:
        migration.configmap_to_model('address-pools:\n- name: a\n  protocol: layer2\n  adresses: [10.0.0.0/24]\npeers:\n- bfdProfile: x\n')
    text = str(info.value)
    assert "'adresses' is not a key MetalLB v0.12 knows" in text and "'bfdProfile'" in text


def test_configmap_diff_hides_passwords_without_a_digest_even_in_a_hand_written_config():
    desired = render_configmap.render_configmap(model())
    live = copy.deepcopy(desired)
    live['peers'][0]['password'] = 'old-one'
    before, after = render_configmap.configmap_before_after(live, desired)
    assert before['peers'][0]['password'] == '<secret>' and after['peers'][0]['password'] == '<secret, changed>'
    assert 's3cret' not in json.dumps([before, after]) and 'old-one' not in json.dumps([before, after])
    for garbage in ({'peers': {'password': 'x'}}, {'peers': 'x'}, ['not', 'a', 'mapping'], None):
        assert render_configmap.configmap_before_after(garbage, desired)[1]['peers'][0]['password'] == '<secret>'


@pytest.mark.parametrize('field, value, reason', [
    ('namespace', 'metallb/system', 'is not a namespace name'),
    ('namespace', 'MetalLB', 'is not a namespace name'),
    ('configmap_name', 'config?watch=true', 'is not an object name'),
    ('configmap_name', 'x' * 254, 'is not an object name'),
])
def test_names_that_reach_request_paths_are_checked_first(field, value, reason):
    with pytest.raises(ValidationError) as error:
        area.check_params({'address_pools': [], field: value})
    assert '%s=%r %s' % (field, value, reason) in str(error.value)
