# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB configuration: model, offline validation, rendering for both eras, migration, apply.

Private to the collection: may change at any time.

- ``normalize(params)`` turns module options into the model (plain dicts with defaults filled).
- ``validate(model, fmt, backend, node_networks, existing_pools)`` applies MetalLB's own rules
  (the v0.12 parser and the v0.13+ webhooks) and raises ``ValidationError`` with every problem.
- ``render_crds(model, namespace)`` -> list of objects (IPAddressPool, one L2Advertisement or
  BGPAdvertisement per pool and advertisement, BGPPeer v1beta2, Community, BFDProfile, and a
  basic-auth Secret per peer password); ``render_configmap(model)`` -> the v0.12 config dict.
- ``configmap_to_model(text)`` parses a v0.12 ConfigMap strictly (the configmaptocrs field mapping).
- ``MetallbConfig(client, ...).run(model)`` reads each kind once (LIST), writes only what differs
  (create / merge patch / delete) and returns the module result.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import ipaddress
import re
import time

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import (
    DeviceError, KubeEdgeError, Problems, ValidationError)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import (
    is_webhook_unavailable, merge_patch)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # ansible-core depends on PyYAML; kept guarded for the sanity import test
    HAS_YAML = False

MANAGED_LABEL = 'app.kubernetes.io/managed-by'
MANAGED_VALUE = 'kube_edge.lb.metallb_config'
MANAGED_SELECTOR = '%s=%s' % (MANAGED_LABEL, MANAGED_VALUE)
COMMUNITY_OBJECT = 'communities'
MAX_ASN = 4294967295
REDACTED = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'

# kind -> (apiVersion, plural, spec fields this module owns; other fields are left alone)
KINDS = {
    'Secret': ('v1', 'secrets', ('type', 'data')),
    'BFDProfile': ('metallb.io/v1beta1', 'bfdprofiles', (
        'receiveInterval', 'transmitInterval', 'detectMultiplier', 'echoInterval', 'echoMode', 'passiveMode', 'minimumTtl')),
    'Community': ('metallb.io/v1beta1', 'communities', ('communities',)),
    'IPAddressPool': ('metallb.io/v1beta1', 'ipaddresspools', ('addresses', 'autoAssign', 'avoidBuggyIPs')),
    'L2Advertisement': ('metallb.io/v1beta1', 'l2advertisements', ('ipAddressPools', 'interfaces', 'nodeSelectors')),
    'BGPAdvertisement': ('metallb.io/v1beta1', 'bgpadvertisements', (
        'ipAddressPools', 'aggregationLength', 'aggregationLengthV6', 'localPref', 'communities', 'peers', 'nodeSelectors')),
    'BGPPeer': ('metallb.io/v1beta2', 'bgppeers', (
        'myASN', 'peerASN', 'peerAddress', 'peerPort', 'holdTime', 'keepaliveTime', 'routerID', 'sourceAddress',
        'password', 'passwordSecret', 'nodeSelectors', 'bfdProfile', 'ebgpMultiHop')),
}
CREATE_ORDER = ('Secret', 'BFDProfile', 'Community', 'IPAddressPool', 'L2Advertisement', 'BGPAdvertisement', 'BGPPeer')
DELETE_ORDER = tuple(reversed(CREATE_ORDER))

NAME_RE = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
COMMUNITY_RE = re.compile(r'^(\d+):(\d+)$')
LARGE_COMMUNITY_RE = re.compile(r'^large:(\d+):(\d+):(\d+)$')
DURATION_RE = re.compile(r'^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$')
BFD_RANGES = (('receive_interval', 10, 60000), ('transmit_interval', 10, 60000), ('echo_interval', 10, 60000),
              ('detect_multiplier', 2, 255), ('minimum_ttl', 1, 254))


def fingerprint(secret):
    """A stable, non-reversible stand-in for a secret in diffs and results."""
    return 'sha256:' + hashlib.sha256(secret.encode('utf-8')).hexdigest()[:16]


# -- parsing helpers -------------------------------------------------------------------------------

def parse_duration(value):
    """Go duration ("90s", "1m30s", "500ms") or a bare number of seconds -> seconds (float); None if invalid."""
    if value is None:
        return None
    text = str(value).strip()
    if re.match(r'^\d+(\.\d+)?$', text):
        return float(text)
    match = DURATION_RE.match(text)
    if not text or not match or not any(match.groups()):
        return None
    hours, minutes, seconds, millis = match.groups()
    return float(hours or 0) * 3600 + float(minutes or 0) * 60 + float(seconds or 0) + float(millis or 0) / 1000


def format_duration(value):
    """Canonical duration string (what MetalLB's Go code would print back is not needed: keep it simple)."""
    seconds = parse_duration(value)
    if seconds is None:
        return str(value)
    if seconds == int(seconds):
        return '%ds' % int(seconds)
    return '%dms' % int(round(seconds * 1000))


def parse_address(entry):
    """A pool entry (CIDR or ``a-b`` range) -> (version, networks, widest prefix); ValueError with a reason."""
    text = str(entry).strip()
    if '/' in text:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError('is not a valid CIDR')
        return network.version, [network], network.prefixlen
    if '-' in text:
        start, end = [part.strip() for part in text.split('-', 1)]
        try:
            first = ipaddress.ip_address(start)
            last = ipaddress.ip_address(end)
        except ValueError:
            raise ValueError('is not a valid IP range (both ends must be IP addresses)')
        if first.version != last.version:
            raise ValueError('mixes IPv4 and IPv6 in one range')
        if first > last:
            raise ValueError('is not a valid IP range: the start %s is after the end %s' % (first, last))
        networks = list(ipaddress.summarize_address_range(first, last))
        return first.version, networks, min(network.prefixlen for network in networks)
    raise ValueError('is neither a CIDR nor a start-end range (write %s/32 or %s/128 for one address)' % (text, text))


def parse_community(value):
    """'A:B' (16-bit halves) or 'large:A:B:C' (32-bit parts) -> 'standard' / 'large'; None when it is not a literal."""
    match = COMMUNITY_RE.match(value)
    if match:
        if all(int(part) <= 65535 for part in match.groups()):
            return 'standard'
        raise ValueError('must have two 16-bit numbers (0-65535) as in "64512:100"')
    match = LARGE_COMMUNITY_RE.match(value)
    if match:
        if all(int(part) <= MAX_ASN for part in match.groups()):
            return 'large'
        raise ValueError('must have three 32-bit numbers as in "large:64512:1:2"')
    if ':' in value:
        raise ValueError('is neither "A:B", "large:A:B:C" nor the name of a community alias')
    return None


def _selector(selector):
    """Accept matchLabels/match_labels/match-labels spellings; return the CRD form."""
    selector = selector or {}
    labels = selector.get('matchLabels', selector.get('match_labels', selector.get('match-labels'))) or {}
    expressions = selector.get('matchExpressions', selector.get('match_expressions', selector.get('match-expressions'))) or []
    result = {}
    if labels:
        result['matchLabels'] = dict((str(k), str(v)) for k, v in labels.items())
    if expressions:
        result['matchExpressions'] = [dict(key=e.get('key'), operator=e.get('operator'), **(
            {'values': list(e.get('values'))} if e.get('values') is not None else {})) for e in expressions]
    return result


def _selector_v012(selector):
    result = {}
    if selector.get('matchLabels'):
        result['match-labels'] = selector['matchLabels']
    if selector.get('matchExpressions'):
        result['match-expressions'] = selector['matchExpressions']
    return result


# -- model -----------------------------------------------------------------------------------------

def normalize(params):
    """Module parameters -> model with every default filled in."""
    model = {'address_pools': [], 'peers': [], 'communities': [], 'bfd_profiles': []}
    for pool in params.get('address_pools') or []:
        advertisements = []
        for adv in pool.get('bgp_advertisements') or []:
            advertisements.append({
                'aggregation_length': adv.get('aggregation_length') if adv.get('aggregation_length') is not None else 32,
                'aggregation_length_v6': adv.get('aggregation_length_v6') if adv.get('aggregation_length_v6') is not None else 128,
                'localpref': adv.get('localpref'),
                'communities': list(adv.get('communities') or []),
                'peers': list(adv.get('peers') or []),
            })
        model['address_pools'].append({
            'name': pool.get('name'),
            'protocol': pool.get('protocol') or 'layer2',
            'addresses': [str(a).strip() for a in pool.get('addresses') or []],
            'auto_assign': True if pool.get('auto_assign') is None else bool(pool.get('auto_assign')),
            'avoid_buggy_ips': bool(pool.get('avoid_buggy_ips')),
            'bgp_advertisements': advertisements,
            'l2_interfaces': list(pool.get('l2_interfaces') or []),
            'node_selectors': [_selector(s) for s in pool.get('node_selectors') or []],
        })
    for peer in params.get('peers') or []:
        model['peers'].append({
            'name': peer.get('name'),
            'peer_address': peer.get('peer_address'),
            'peer_asn': peer.get('peer_asn'),
            'my_asn': peer.get('my_asn'),
            'peer_port': peer.get('peer_port') if peer.get('peer_port') is not None else 179,
            'hold_time': peer.get('hold_time'),
            'keepalive_time': peer.get('keepalive_time'),
            'router_id': peer.get('router_id'),
            'source_address': peer.get('source_address'),
            'password': peer.get('password'),
            'password_secret': peer.get('password_secret'),
            'node_selectors': [_selector(s) for s in peer.get('node_selectors') or []],
            'bfd_profile': peer.get('bfd_profile'),
            'ebgp_multihop': peer.get('ebgp_multihop'),
        })
    for community in params.get('communities') or []:
        model['communities'].append({'name': community.get('name'), 'value': str(community.get('value'))})
    for profile in params.get('bfd_profiles') or []:
        entry = {'name': profile.get('name')}
        for key in ('receive_interval', 'transmit_interval', 'detect_multiplier', 'echo_interval', 'echo_mode',
                    'passive_mode', 'minimum_ttl'):
            if profile.get(key) is not None:
                entry[key] = profile[key]
        model['bfd_profiles'].append(entry)
    return model


def merge_models(base, override):
    """Entries of ``override`` replace entries of ``base`` with the same name; the rest are kept."""
    result = {}
    for section in ('address_pools', 'peers', 'communities', 'bfd_profiles'):
        names = set(entry['name'] for entry in override.get(section) or [])
        result[section] = [copy.deepcopy(e) for e in base.get(section) or [] if e['name'] not in names] + \
            copy.deepcopy(override.get(section) or [])
    return result


# -- validation ------------------------------------------------------------------------------------

def parse_node_networks(values):
    """``node_networks`` option -> list of ip_network; ValidationError naming every bad entry."""
    problems = Problems()
    networks = []
    for index, value in enumerate(values or []):
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            problems.add('node_networks[%d]' % index, value, 'is not a CIDR such as 192.168.10.0/24')
    problems.raise_if_any()
    return networks


def _check_name(problems, field, name, duplicates):
    if not name:
        problems.add(field, name, 'is required')
    elif not NAME_RE.match(str(name)) or len(name) > 63:
        problems.add(field, name, 'must be a lowercase DNS label of at most 63 characters (a-z, 0-9, "-" and ".")')
    elif name in duplicates:
        problems.add(field, name, 'is used twice')
    duplicates.add(name)


def _check_ip(problems, field, value):
    if value in (None, ''):
        return None
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        problems.add(field, value, 'is not an IP address')
        return None


def _check_range(problems, field, value, low, high):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(field, value, 'must be an integer between %d and %d' % (low, high))


def validate(model, fmt='crds', backend='frr', node_networks=None, existing_pools=None):
    """Every MetalLB rule that can be checked offline; raises ValidationError listing all problems.

    ``existing_pools``: {name: [addresses]} of pools already in the cluster that stay (overlaps).
    """
    problems = Problems()
    native = backend == 'native'
    community_names = set()
    seen = set()
    for index, community in enumerate(model['communities']):
        field = 'communities[%d]' % index
        if not community.get('name') or ':' in community['name']:
            problems.add(field + '.name', community.get('name'), 'must be a non-empty alias without ":"')
        elif community['name'] in seen:
            problems.add(field + '.name', community['name'], 'is used twice')
        seen.add(community.get('name'))
        community_names.add(community.get('name'))
        try:
            kind = parse_community(community['value'])
            if kind is None:
                problems.add(field + '.value', community['value'], 'must be "A:B" or "large:A:B:C"')
            elif kind == 'large' and native:
                problems.add(field + '.value', community['value'], 'is a large community, which the native BGP backend does not support')
        except ValueError as exc:
            problems.add(field + '.value', community['value'], str(exc))

    bfd_names = set()
    seen = set()
    for index, profile in enumerate(model['bfd_profiles']):
        field = 'bfd_profiles[%d]' % index
        _check_name(problems, field + '.name', profile.get('name'), seen)
        bfd_names.add(profile.get('name'))
        for key, low, high in BFD_RANGES:
            _check_range(problems, '%s.%s' % (field, key), profile.get(key), low, high)
        if native:
            problems.add(field + '.name', profile.get('name'), 'is a BFD profile, which the native BGP backend does not support (use frr or frr-k8s)')

    peer_names = set()
    seen = set()
    endpoints = {}
    for index, peer in enumerate(model['peers']):
        field = 'peers[%d]' % index
        if fmt == 'crds' or peer.get('name') is not None:
            _check_name(problems, field + '.name', peer.get('name'), seen)
        peer_names.add(peer.get('name'))
        address = _check_ip(problems, field + '.peer_address', peer.get('peer_address'))
        if peer.get('peer_address') in (None, ''):
            problems.add(field + '.peer_address', peer.get('peer_address'), 'is required')
        for key in ('my_asn', 'peer_asn'):
            if peer.get(key) is None:
                problems.add('%s.%s' % (field, key), None, 'is required')
            else:
                _check_range(problems, '%s.%s' % (field, key), peer[key], 1, MAX_ASN)
        _check_range(problems, field + '.peer_port', peer.get('peer_port'), 1, 16384)
        hold = keepalive = None
        if peer.get('hold_time') is not None:
            hold = parse_duration(peer['hold_time'])
            if hold is None:
                problems.add(field + '.hold_time', peer['hold_time'], 'is not a duration such as "90s" or "1m30s"')
            elif 0 < hold < 3:
                problems.add(field + '.hold_time', peer['hold_time'], 'must be 0 or at least 3s')
        if peer.get('keepalive_time') is not None:
            keepalive = parse_duration(peer['keepalive_time'])
            if keepalive is None:
                problems.add(field + '.keepalive_time', peer['keepalive_time'], 'is not a duration such as "30s"')
            elif native:
                problems.add(field + '.keepalive_time', peer['keepalive_time'], 'is not supported by the native BGP backend (use frr or frr-k8s)')
            elif keepalive > (hold if hold is not None else 90):
                problems.add(field + '.keepalive_time', peer['keepalive_time'],
                             'must not be longer than the hold time (%s)' % (peer.get('hold_time') or '90s'))
        _check_ip(problems, field + '.router_id', peer.get('router_id'))
        _check_ip(problems, field + '.source_address', peer.get('source_address'))
        if peer.get('password') and peer.get('password_secret'):
            problems.add(field + '.password_secret', peer['password_secret'], 'cannot be used together with password')
        if peer.get('password_secret') and fmt == 'configmap':
            problems.add(field + '.password_secret', peer['password_secret'], 'needs the CRD format: the v0.12 ConfigMap only takes password')
        if peer.get('ebgp_multihop') and peer.get('peer_asn') is not None and peer.get('peer_asn') == peer.get('my_asn'):
            problems.add(field + '.ebgp_multihop', True, 'is only valid for eBGP peers (peer_asn equals my_asn here)')
        if peer.get('bfd_profile'):
            if native:
                problems.add(field + '.bfd_profile', peer['bfd_profile'], 'is not supported by the native BGP backend (use frr or frr-k8s)')
            elif peer['bfd_profile'] not in bfd_names:
                problems.add(field + '.bfd_profile', peer['bfd_profile'], 'is not defined in bfd_profiles')
        if address is not None:
            key = (str(address), peer.get('peer_port'))
            if key in endpoints:
                problems.add(field + '.peer_address', peer['peer_address'],
                             'is already used by %s with the same port (duplicate BGP sessions flap)' % endpoints[key])
            endpoints[key] = field
    if not native:
        # FRR runs one BGP router per node: peers that land on the same nodes share router id and ASN.
        groups = {}
        for index, peer in enumerate(model['peers']):
            groups.setdefault(repr(peer.get('node_selectors')), []).append((index, peer))
        for members in groups.values():
            first_index, first = members[0]
            for index, peer in members[1:]:
                for key in ('my_asn', 'router_id'):
                    if peer.get(key) != first.get(key):
                        problems.add('peers[%d].%s' % (index, key), peer.get(key),
                                     'differs from peers[%d] (%r): with FRR, peers on the same nodes must share my_asn and router_id'
                                     % (first_index, first.get(key)))

    pool_names = set()
    parsed = []  # (field, pool name, entry, version, networks); cluster pools first, so ours are the ones reported
    for name, addresses in sorted((existing_pools or {}).items()):
        for entry in addresses:
            try:
                version, networks, _widest = parse_address(entry)
            except ValueError:
                continue
            parsed.append(('already in the cluster', name, entry, version, networks))
    for index, pool in enumerate(model['address_pools']):
        field = 'address_pools[%d]' % index
        _check_name(problems, field + '.name', pool.get('name'), pool_names)
        if not pool['addresses']:
            problems.add(field + '.addresses', pool['addresses'], 'must list at least one CIDR or range')
        pool_prefix = {4: 32, 6: 128}
        versions = set()
        for position, entry in enumerate(pool['addresses']):
            try:
                version, networks, widest = parse_address(entry)
            except ValueError as exc:
                problems.add('%s.addresses[%d]' % (field, position), entry, str(exc))
                continue
            versions.add(version)
            pool_prefix[version] = min(pool_prefix[version], widest)
            parsed.append(('%s.addresses[%d]' % (field, position), pool.get('name'), entry, version, networks))
            if node_networks and pool['protocol'] == 'layer2':
                inside = any(all(n.version == net.version and n.subnet_of(net) for n in networks) for net in node_networks)
                if not inside:
                    problems.add('%s.addresses[%d]' % (field, position), entry,
                                 'is not inside node_networks (%s): layer 2 can only announce addresses of the nodes\' own networks'
                                 % ', '.join(str(n) for n in node_networks))
        if pool['protocol'] == 'layer2':
            if pool['bgp_advertisements']:
                problems.add(field + '.bgp_advertisements', '%d entries' % len(pool['bgp_advertisements']),
                             'is only valid for protocol bgp (this pool is layer2)')
        else:
            if pool['l2_interfaces']:
                problems.add(field + '.l2_interfaces', pool['l2_interfaces'], 'is only valid for protocol layer2 (this pool is bgp)')
            if native and 6 in versions:
                problems.add(field + '.addresses', pool['addresses'], 'has IPv6 addresses, which the native BGP backend cannot announce')
        if fmt == 'configmap':
            if pool['l2_interfaces']:
                problems.add(field + '.l2_interfaces', pool['l2_interfaces'], 'needs the CRD format (MetalLB >= 0.13)')
            if pool['node_selectors']:
                problems.add(field + '.node_selectors', pool['node_selectors'], 'needs the CRD format (MetalLB >= 0.13)')
        seen_adv = {}
        for position, adv in enumerate(pool['bgp_advertisements']):
            afield = '%s.bgp_advertisements[%d]' % (field, position)
            _check_range(problems, afield + '.aggregation_length', adv['aggregation_length'], 0, 32)
            _check_range(problems, afield + '.aggregation_length_v6', adv['aggregation_length_v6'], 0, 128)
            _check_range(problems, afield + '.localpref', adv['localpref'], 0, MAX_ASN)
            if 4 in versions and isinstance(adv['aggregation_length'], int) and adv['aggregation_length'] < pool_prefix[4]:
                problems.add(afield + '.aggregation_length', adv['aggregation_length'],
                             'is shorter than the pool prefix /%d: the pool is more specific than the aggregation' % pool_prefix[4])
            if 6 in versions and isinstance(adv['aggregation_length_v6'], int) and adv['aggregation_length_v6'] < pool_prefix[6]:
                problems.add(afield + '.aggregation_length_v6', adv['aggregation_length_v6'],
                             'is shorter than the pool prefix /%d: the pool is more specific than the aggregation' % pool_prefix[6])
            for cindex, community in enumerate(adv['communities']):
                try:
                    kind = parse_community(community)
                except ValueError as exc:
                    problems.add('%s.communities[%d]' % (afield, cindex), community, str(exc))
                    continue
                if kind is None and community not in community_names:
                    problems.add('%s.communities[%d]' % (afield, cindex), community, 'is not defined in communities')
                if kind == 'large' and native:
                    problems.add('%s.communities[%d]' % (afield, cindex), community, 'is a large community, which the native BGP backend does not support')
            if len(set(adv['communities'])) != len(adv['communities']):
                problems.add(afield + '.communities', adv['communities'], 'lists a community twice')
            for pindex, peer in enumerate(adv['peers']):
                if fmt == 'configmap':
                    problems.add('%s.peers[%d]' % (afield, pindex), peer, 'needs the CRD format (MetalLB >= 0.13)')
                elif peer not in peer_names:
                    problems.add('%s.peers[%d]' % (afield, pindex), peer, 'is not the name of a peer in peers')
            key = (adv['aggregation_length'], adv['aggregation_length_v6'], tuple(sorted(adv['peers'])))
            if key in seen_adv:
                other_index, other = seen_adv[key]
                if other['localpref'] != adv['localpref']:
                    problems.add(afield + '.localpref', adv['localpref'],
                                 'differs from bgp_advertisements[%d] for the same aggregation and peers' % other_index)
                elif sorted(other['communities']) == sorted(adv['communities']):
                    problems.add(afield, adv, 'duplicates bgp_advertisements[%d]' % other_index)
            else:
                seen_adv[key] = (position, adv)
    for i, (field, pool, entry, version, networks) in enumerate(parsed):
        for other_field, other_pool, other_entry, other_version, other_networks in parsed[:i]:
            if version == other_version and any(a.overlaps(b) for a in networks for b in other_networks):
                problems.add(field, entry, 'overlaps %s (%s) of pool %s' % (other_entry, other_field, other_pool))
    problems.raise_if_any()


# -- rendering -------------------------------------------------------------------------------------

def _drop_none(values):
    return dict((k, v) for k, v in values.items() if v not in (None, [], {}))


def password_secret_name(peer_name):
    return '%s-bgp-password' % peer_name


def render_crds(model, namespace):
    """The custom resources (and password Secrets) the model stands for, in creation order."""
    objects = []

    def add(kind, name, spec=None, **extra):
        api_version = KINDS[kind][0]
        obj = {'apiVersion': api_version, 'kind': kind,
               'metadata': {'name': name, 'namespace': namespace, 'labels': {MANAGED_LABEL: MANAGED_VALUE}}}
        if spec is not None:
            obj['spec'] = spec
        obj.update(extra)
        objects.append(obj)

    for peer in model['peers']:
        if peer.get('password'):
            add('Secret', password_secret_name(peer['name']), type='kubernetes.io/basic-auth',
                data={'password': base64.b64encode(peer['password'].encode('utf-8')).decode('ascii')})
    for profile in model['bfd_profiles']:
        add('BFDProfile', profile['name'], _drop_none({
            'receiveInterval': profile.get('receive_interval'), 'transmitInterval': profile.get('transmit_interval'),
            'detectMultiplier': profile.get('detect_multiplier'), 'echoInterval': profile.get('echo_interval'),
            'echoMode': profile.get('echo_mode'), 'passiveMode': profile.get('passive_mode'),
            'minimumTtl': profile.get('minimum_ttl')}))
    if model['communities']:
        add('Community', COMMUNITY_OBJECT, {'communities': [
            {'name': c['name'], 'value': c['value']} for c in sorted(model['communities'], key=lambda c: c['name'])]})
    for pool in model['address_pools']:
        add('IPAddressPool', pool['name'], {'addresses': list(pool['addresses']), 'autoAssign': pool['auto_assign'],
                                            'avoidBuggyIPs': pool['avoid_buggy_ips']})
    for pool in model['address_pools']:
        if pool['protocol'] == 'layer2':
            add('L2Advertisement', pool['name'], _drop_none({
                'ipAddressPools': [pool['name']], 'interfaces': pool['l2_interfaces'], 'nodeSelectors': pool['node_selectors']}))
            continue
        advertisements = pool['bgp_advertisements'] or [
            {'aggregation_length': 32, 'aggregation_length_v6': 128, 'localpref': None, 'communities': [], 'peers': []}]
        for position, adv in enumerate(advertisements):
            name = pool['name'] if position == 0 else '%s-%d' % (pool['name'], position + 1)
            spec = {'ipAddressPools': [pool['name']], 'aggregationLength': adv['aggregation_length'],
                    'aggregationLengthV6': adv['aggregation_length_v6']}
            spec.update(_drop_none({'localPref': adv['localpref'], 'communities': adv['communities'],
                                    'peers': adv['peers'], 'nodeSelectors': pool['node_selectors']}))
            add('BGPAdvertisement', name, spec)
    for peer in model['peers']:
        spec = {'myASN': peer['my_asn'], 'peerASN': peer['peer_asn'], 'peerAddress': peer['peer_address'],
                'peerPort': peer['peer_port']}
        spec.update(_drop_none({
            'holdTime': format_duration(peer['hold_time']) if peer.get('hold_time') is not None else None,
            'keepaliveTime': format_duration(peer['keepalive_time']) if peer.get('keepalive_time') is not None else None,
            'routerID': peer.get('router_id'), 'sourceAddress': peer.get('source_address'),
            'nodeSelectors': peer['node_selectors'], 'bfdProfile': peer.get('bfd_profile'),
            'ebgpMultiHop': peer.get('ebgp_multihop')}))
        secret = password_secret_name(peer['name']) if peer.get('password') else peer.get('password_secret')
        if secret:
            spec['passwordSecret'] = {'name': secret, 'namespace': namespace}
        add('BGPPeer', peer['name'], spec)
    return objects


def render_configmap(model):
    """The v0.12 ``config`` document (a dict; strict keys only)."""
    config = {}
    peers = []
    for peer in model['peers']:
        peers.append(_drop_none({
            'peer-address': peer['peer_address'], 'peer-asn': peer['peer_asn'], 'my-asn': peer['my_asn'],
            'peer-port': peer['peer_port'] if peer['peer_port'] != 179 else None,
            'hold-time': format_duration(peer['hold_time']) if peer.get('hold_time') is not None else None,
            'keepalive-time': format_duration(peer['keepalive_time']) if peer.get('keepalive_time') is not None else None,
            'router-id': peer.get('router_id'), 'source-address': peer.get('source_address'),
            'password': peer.get('password'), 'bfd-profile': peer.get('bfd_profile'),
            'ebgp-multihop': peer.get('ebgp_multihop'),
            'node-selectors': [_selector_v012(s) for s in peer['node_selectors']]}))
    if peers:
        config['peers'] = peers
    if model['communities']:
        config['bgp-communities'] = dict((c['name'], c['value']) for c in model['communities'])
    if model['bfd_profiles']:
        config['bfd-profiles'] = [dict((k.replace('_', '-'), v) for k, v in profile.items()) for profile in model['bfd_profiles']]
    pools = []
    for pool in model['address_pools']:
        entry = {'name': pool['name'], 'protocol': pool['protocol'], 'addresses': list(pool['addresses'])}
        if not pool['auto_assign']:
            entry['auto-assign'] = False
        if pool['avoid_buggy_ips']:
            entry['avoid-buggy-ips'] = True
        if pool['bgp_advertisements']:
            entry['bgp-advertisements'] = [_drop_none({
                'aggregation-length': adv['aggregation_length'] if adv['aggregation_length'] != 32 else None,
                'aggregation-length-v6': adv['aggregation_length_v6'] if adv['aggregation_length_v6'] != 128 else None,
                'localpref': adv['localpref'], 'communities': adv['communities']}) for adv in pool['bgp_advertisements']]
        pools.append(entry)
    if pools:
        config['address-pools'] = pools
    return config


def redact_config(config):
    config = copy.deepcopy(config)
    for peer in config.get('peers') or []:
        if peer.get('password'):
            peer['password'] = fingerprint(str(peer['password']))
    return config


# -- the v0.12 ConfigMap (migration) ---------------------------------------------------------------

V012_KEYS = {
    'top': {'peers', 'address-pools', 'bgp-communities', 'bfd-profiles'},
    'peer': {'my-asn', 'peer-asn', 'peer-address', 'peer-port', 'hold-time', 'keepalive-time', 'router-id',
             'source-address', 'node-selectors', 'password', 'bfd-profile', 'ebgp-multihop'},
    'pool': {'name', 'protocol', 'addresses', 'auto-assign', 'avoid-buggy-ips', 'bgp-advertisements'},
    'adv': {'aggregation-length', 'aggregation-length-v6', 'localpref', 'communities'},
    'bfd': {'name', 'receive-interval', 'transmit-interval', 'echo-interval', 'echo-mode', 'passive-mode',
            'minimum-ttl', 'detect-multiplier'},
    'selector': {'match-labels', 'match-expressions'},
}


def k8s_name(name):
    """configmaptocrs: lowercase, '_' -> '-', at most 63 characters."""
    return str(name).lower().replace('_', '-')[:63]


def configmap_to_model(text, where='ConfigMap metallb-system/config'):
    """Parse a v0.12 config strictly (unknown keys fail, as MetalLB's UnmarshalStrict does)."""
    if not HAS_YAML:
        raise KubeEdgeError('PyYAML is required to read the v0.12 ConfigMap')
    try:
        data = yaml.safe_load(text or '') or {}
    except yaml.YAMLError as exc:
        raise ValidationError('%s: data.config is not valid YAML: %s' % (where, str(exc).replace('\n', ' ')))
    problems = Problems()

    def strict(entry, allowed, field):
        if not isinstance(entry, dict):
            problems.add('%s %s' % (where, field), entry, 'must be a mapping')
            return {}
        for key in entry:
            if key not in allowed:
                problems.add('%s %s' % (where, field), key, 'is not a key MetalLB v0.12 knows (it rejects the whole config)')
        return entry

    data = strict(data, V012_KEYS['top'], 'config')
    model = {'address_pools': [], 'peers': [], 'communities': [], 'bfd_profiles': []}
    for index, peer in enumerate(data.get('peers') or []):
        peer = strict(peer, V012_KEYS['peer'], 'peers[%d]' % index)
        selectors = [_selector(strict(s, V012_KEYS['selector'], 'peers[%d].node-selectors' % index))
                     for s in peer.get('node-selectors') or []]
        model['peers'].append({
            'name': 'peer%d' % (index + 1), 'peer_address': peer.get('peer-address'), 'peer_asn': peer.get('peer-asn'),
            'my_asn': peer.get('my-asn'), 'peer_port': peer.get('peer-port', 179),
            'hold_time': peer.get('hold-time', '90s'), 'keepalive_time': peer.get('keepalive-time'),
            'router_id': peer.get('router-id'), 'source_address': peer.get('source-address'),
            'password': peer.get('password'), 'password_secret': None, 'node_selectors': selectors,
            'bfd_profile': peer.get('bfd-profile'), 'ebgp_multihop': peer.get('ebgp-multihop')})
    for name, value in sorted((data.get('bgp-communities') or {}).items()):
        model['communities'].append({'name': str(name), 'value': str(value)})
    for index, profile in enumerate(data.get('bfd-profiles') or []):
        profile = strict(profile, V012_KEYS['bfd'], 'bfd-profiles[%d]' % index)
        entry = dict((k.replace('-', '_'), v) for k, v in profile.items())
        entry['name'] = k8s_name(profile.get('name'))
        model['bfd_profiles'].append(entry)
    for index, pool in enumerate(data.get('address-pools') or []):
        pool = strict(pool, V012_KEYS['pool'], 'address-pools[%d]' % index)
        advertisements = []
        for position, adv in enumerate(pool.get('bgp-advertisements') or []):
            adv = strict(adv, V012_KEYS['adv'], 'address-pools[%d].bgp-advertisements[%d]' % (index, position))
            advertisements.append({'aggregation_length': adv.get('aggregation-length', 32),
                                   'aggregation_length_v6': adv.get('aggregation-length-v6', 128),
                                   'localpref': adv.get('localpref'), 'communities': list(adv.get('communities') or []),
                                   'peers': []})
        model['address_pools'].append({
            'name': k8s_name(pool.get('name')), 'protocol': pool.get('protocol'),
            'addresses': [str(a) for a in pool.get('addresses') or []],
            'auto_assign': pool.get('auto-assign', True), 'avoid_buggy_ips': pool.get('avoid-buggy-ips', False),
            'bgp_advertisements': advertisements, 'l2_interfaces': [], 'node_selectors': []})
        if pool.get('protocol') not in ('layer2', 'bgp'):
            problems.add('%s address-pools[%d].protocol' % (where, index), pool.get('protocol'), 'must be layer2 or bgp')
    problems.raise_if_any()
    return model


def model_to_params(model):
    """The model as module options (the ``migrated`` result: paste it into your variables)."""
    result = copy.deepcopy(model)
    for peer in result['peers']:
        if peer.get('password'):
            peer['password'] = REDACTED
    return dict((k, v) for k, v in result.items() if v)


# -- apply -----------------------------------------------------------------------------------------

def _key(obj):
    return '%s/%s' % (obj['kind'], obj['metadata']['name'])


def _comparable(obj):
    """The parts of an object this module owns, with secrets replaced by fingerprints."""
    if obj is None:
        return None
    kind = obj['kind']
    if kind == 'Secret':
        data = dict((k, fingerprint(base64.b64decode(v).decode('utf-8', 'replace'))) for k, v in (obj.get('data') or {}).items())
        return {'type': obj.get('type'), 'data': data, 'labels': (obj['metadata'].get('labels') or {}).get(MANAGED_LABEL)}
    spec = dict((k, v) for k, v in (obj.get('spec') or {}).items() if k in KINDS[kind][2])
    if spec.get('password'):
        spec['password'] = fingerprint(spec['password'])
    return {'spec': spec, 'labels': (obj['metadata'].get('labels') or {}).get(MANAGED_LABEL)}


class MetallbConfig:
    """Plans and applies one desired MetalLB configuration with the fewest API requests."""

    def __init__(self, client, namespace='metallb-system', fmt='auto', backend='frr', prune=False, state='present',
                 node_networks=None, migrate=False, configmap_name='config', webhook_timeout=60, sleep=time.sleep):
        self.client = client
        self.namespace = namespace
        self.fmt = fmt
        self.backend = 'native' if backend == 'native' else 'frr'
        self.prune = prune
        self.state = state
        self.node_networks = node_networks or []
        self.migrate = migrate
        self.configmap_name = configmap_name
        self.webhook_timeout = webhook_timeout
        self.sleep = sleep
        self.tracker = ChangeTracker()
        self.actions = []
        self.warnings = []
        self.live = {}
        self.predict_only = False

    # -- reading --

    def list_kind(self, kind):
        if self.predict_only:
            return self.live.setdefault(kind, {})
        api_version, plural = KINDS[kind][:2]
        selector = MANAGED_SELECTOR if kind == 'Secret' else None
        items = self.client.list(api_version, plural, namespace=self.namespace, label_selector=selector)
        for item in items:
            item['kind'] = kind
        self.live[kind] = dict((item['metadata']['name'], item) for item in items)
        return self.live[kind]

    def detect_format(self):
        """One LIST of IPAddressPools answers both questions: are the CRDs there, and what pools exist."""
        try:
            self.list_kind('IPAddressPool')
            return 'crds'
        except DeviceError as error:
            if error.status == 404:
                return 'configmap'
            raise

    # -- writing --

    def _retrying(self, call, *args, **kwargs):
        """Retry while MetalLB's webhook is unreachable (the controller is still starting)."""
        deadline = time.time() + self.webhook_timeout
        delay = 1.0
        while True:
            try:
                return call(*args, **kwargs)
            except DeviceError as error:
                if not is_webhook_unavailable(error) or time.time() + delay > deadline:
                    raise
                self.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _write(self, action, obj, live=None):
        kind = obj['kind']
        api_version, plural = KINDS[kind][:2]
        name = obj['metadata']['name']
        self.actions.append({'action': action, 'kind': kind, 'name': name})
        if self.predict_only:
            return obj
        if action == 'create':
            return self._retrying(self.client.create, api_version, plural, obj, namespace=self.namespace)
        if action == 'delete':
            return self._retrying(self.client.delete, api_version, plural, name, namespace=self.namespace)
        patch = {}
        owned = KINDS[kind][2]
        if kind == 'Secret':
            desired_part = dict((k, obj.get(k)) for k in owned if obj.get(k) is not None)
            patch = merge_patch(dict((k, live.get(k)) for k in owned if k in live), desired_part, prune=False)
        else:
            live_spec = dict((k, v) for k, v in (live.get('spec') or {}).items() if k in owned)
            spec_patch = merge_patch(live_spec, obj.get('spec') or {}, prune=True)
            if spec_patch:
                patch['spec'] = spec_patch
        labels = merge_patch(live['metadata'].get('labels') or {}, obj['metadata']['labels'], prune=False)
        patch['metadata'] = {'resourceVersion': live['metadata'].get('resourceVersion')}
        if labels:
            patch['metadata']['labels'] = labels
        return self._retrying(self.client.patch, api_version, plural, name, patch, namespace=self.namespace)

    # -- the two eras --

    def run(self, model):
        fmt = self.fmt
        if self.state == 'present' and fmt != 'configmap':
            validate(model, fmt='crds' if fmt == 'auto' else fmt, backend=self.backend, node_networks=self.node_networks)
        if fmt == 'auto':
            fmt = self.detect_format()
        elif fmt == 'crds':
            try:
                self.list_kind('IPAddressPool')
            except DeviceError as error:
                if error.status != 404:
                    raise
                if not self.client.check_mode:
                    raise KubeEdgeError('format=crds but the metallb.io CRDs are not installed (IPAddressPool is unknown to the API '
                                        'server): install MetalLB >= 0.13 first, or use format=configmap for v0.12')
                # check mode right after a (dry-run) install: nothing to dry-run against, so predict creations
                self.predict_only = True
                self.live = dict((kind, {}) for kind in KINDS)
                self.warnings.append('check mode: the metallb.io CRDs are not installed yet, so every object is predicted '
                                     'as created without a server-side dry run')
        result = {'format': fmt}
        if fmt == 'configmap':
            if self.migrate:
                raise KubeEdgeError('migrate=true needs the metallb.io CRDs (MetalLB >= 0.13) installed; the cluster has none')
            validate(model, fmt='configmap', backend=self.backend, node_networks=self.node_networks)
            self.run_configmap(model)
        else:
            migrated = None
            configmap = None
            if self.migrate:
                configmap = self.client.get('v1', 'configmaps', self.configmap_name, namespace=self.namespace)
                if configmap is not None:
                    migrated = configmap_to_model((configmap.get('data') or {}).get('config'),
                                                  'ConfigMap %s/%s' % (self.namespace, self.configmap_name))
                    model = merge_models(migrated, model)
                    result['migrated'] = model_to_params(migrated)
            self.run_crds(model)
            if configmap is not None:
                self.tracker.record('ConfigMap/%s' % self.configmap_name,
                                    {'data': redact_config(yaml.safe_load(configmap['data'].get('config') or '') or {})}, None)
                self.actions.append({'action': 'delete', 'kind': 'ConfigMap', 'name': self.configmap_name})
                # only after every custom resource was accepted (run_crds raised otherwise)
                if not self.predict_only:
                    self.client.delete('v1', 'configmaps', self.configmap_name, namespace=self.namespace)
        result.update(changed=self.tracker.changed, diff=self.tracker.diff(), actions=self.actions)
        if self.tracker.changed and fmt == 'crds' and not self.client.check_mode and self.state == 'present':
            result['configuration_state'] = self.check_configuration_state()
        return result

    def run_configmap(self, model):
        live = self.client.get('v1', 'configmaps', self.configmap_name, namespace=self.namespace)
        live_config = None
        if live is not None:
            try:
                live_config = yaml.safe_load((live.get('data') or {}).get('config') or '') or {}
            except yaml.YAMLError:
                live_config = {'unparsable': True}
        key = 'ConfigMap/%s' % self.configmap_name
        if self.state == 'absent':
            if live is not None:
                self.tracker.record(key, {'data': redact_config(live_config)}, None)
                self.actions.append({'action': 'delete', 'kind': 'ConfigMap', 'name': self.configmap_name})
                self.client.delete('v1', 'configmaps', self.configmap_name, namespace=self.namespace)
            return
        desired = render_configmap(model)
        self.tracker.record(key, None if live is None else {'data': redact_config(live_config)}, {'data': redact_config(desired)})
        text = yaml.safe_dump(desired, sort_keys=False, default_flow_style=False)
        labels = {MANAGED_LABEL: MANAGED_VALUE}
        if live is None:
            self.actions.append({'action': 'create', 'kind': 'ConfigMap', 'name': self.configmap_name})
            self.client.create('v1', 'configmaps', {
                'apiVersion': 'v1', 'kind': 'ConfigMap',
                'metadata': {'name': self.configmap_name, 'namespace': self.namespace, 'labels': labels},
                'data': {'config': text}}, namespace=self.namespace)
        elif live_config != desired or (live['metadata'].get('labels') or {}).get(MANAGED_LABEL) != MANAGED_VALUE:
            self.actions.append({'action': 'update', 'kind': 'ConfigMap', 'name': self.configmap_name})
            self.client.patch('v1', 'configmaps', self.configmap_name, {
                'metadata': {'labels': labels, 'resourceVersion': live['metadata'].get('resourceVersion')},
                'data': {'config': text}}, namespace=self.namespace)

    def run_crds(self, model):
        desired = render_crds(model, self.namespace) if self.state == 'present' else []
        kinds_needed = set(obj['kind'] for obj in desired)
        if self.prune or self.state == 'absent':
            kinds_needed.update(KINDS)
        if self.state == 'present' and any(peer.get('password_secret') for peer in model['peers']):
            kinds_needed.add('Secret')
        if self.state == 'present' and model['address_pools']:
            # a declared pool's advertisements are ours even without prune (a pool moved from layer2 to bgp)
            kinds_needed.update(('L2Advertisement', 'BGPAdvertisement'))
        for kind in CREATE_ORDER:
            if kind in kinds_needed and kind not in self.live:
                self.list_kind(kind)
        self._check_secret_refs(model)
        desired_names = set(_key(obj) for obj in desired)
        # overlap with pools in the cluster that stay (not ours, or ours but neither declared nor pruned)
        staying = {}
        for name, pool in (self.live.get('IPAddressPool') or {}).items():
            managed = (pool['metadata'].get('labels') or {}).get(MANAGED_LABEL) == MANAGED_VALUE
            if 'IPAddressPool/%s' % name in desired_names or (managed and (self.prune or self.state == 'absent')):
                continue
            staying[name] = list((pool.get('spec') or {}).get('addresses') or [])
        if staying and self.state == 'present':
            validate(model, fmt='crds', backend=self.backend, node_networks=self.node_networks, existing_pools=staying)
        plan = []
        for obj in desired:
            live = (self.live.get(obj['kind']) or {}).get(obj['metadata']['name'])
            before, after = _comparable(live), _comparable(obj)
            self.tracker.record(_key(obj), before, after)
            if live is None:
                plan.append(('create', obj, None))
            elif before != after:
                if (live['metadata'].get('labels') or {}).get(MANAGED_LABEL) != MANAGED_VALUE:
                    self.warnings.append('%s existed without the %s label and is now managed by this module' % (_key(obj), MANAGED_LABEL))
                plan.append(('update', obj, live))
        declared_pools = set(pool['name'] for pool in model['address_pools'])
        for kind in DELETE_ORDER:
            for name, live in sorted((self.live.get(kind) or {}).items()):
                managed = (live['metadata'].get('labels') or {}).get(MANAGED_LABEL) == MANAGED_VALUE
                if not managed or '%s/%s' % (kind, name) in desired_names:
                    continue
                pools = set((live.get('spec') or {}).get('ipAddressPools') or [])
                derived = kind in ('L2Advertisement', 'BGPAdvertisement') and pools and pools <= declared_pools
                if self.prune or self.state == 'absent' or derived:
                    self.tracker.record('%s/%s' % (kind, name), _comparable(live), None)
                    plan.append(('delete', live, live))
        creates = [step for step in plan if step[0] != 'delete']
        creates.sort(key=lambda step: CREATE_ORDER.index(step[1]['kind']))
        deletes = [step for step in plan if step[0] == 'delete']
        # advertisements go before their pools, peers before BFD profiles (the webhook refuses otherwise)
        deletes.sort(key=lambda step: DELETE_ORDER.index(step[1]['kind']))
        for action, obj, live in creates + deletes:
            self._write(action, obj, live)

    def _check_secret_refs(self, model):
        problems = Problems()
        secrets = self.live.get('Secret')
        for index, peer in enumerate(model['peers']):
            name = peer.get('password_secret')
            if not name or secrets is None:
                continue
            secret = self.client.get('v1', 'secrets', name, namespace=self.namespace) if name not in secrets else secrets[name]
            if secret is None:
                problems.add('peers[%d].password_secret' % index, name, 'is not a Secret in namespace %s' % self.namespace)
            elif secret.get('type') != 'kubernetes.io/basic-auth' or 'password' not in (secret.get('data') or {}):
                problems.add('peers[%d].password_secret' % index, name,
                             'must be a Secret of type kubernetes.io/basic-auth with a "password" key (MetalLB refuses others)')
        problems.raise_if_any()

    def check_configuration_state(self):
        """MetalLB >= 0.15.3 reports whether controller and speakers accepted the config."""
        try:
            states = self.client.list('metallb.io/v1beta1', 'configurationstates', namespace=self.namespace)
        except DeviceError as error:
            if error.status == 404:
                return None
            raise
        summary = []
        for state in states:
            status = state.get('status') or {}
            summary.append({'name': state['metadata']['name'], 'result': status.get('result'),
                            'error_summary': status.get('errorSummary')})
            if status.get('result') == 'Invalid':
                raise KubeEdgeError('MetalLB reports its configuration as Invalid in ConfigurationState %s/%s: %s'
                                    % (self.namespace, state['metadata']['name'], status.get('errorSummary') or 'no summary'))
        return summary
