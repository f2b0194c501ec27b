# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB's controller, as far as address assignment goes (the lab runs no MetalLB controller).

Modelled on metallb/metallb ``controller/service.go`` (convergeBalancer, allocateIPs) and
``internal/allocator/allocator.go`` (v0.16), run by the emulator after every write of a Service or
an IPAddressPool and after a Service is deleted, while the metallb.io CRDs are served and the
controller is not switched off (``faults(metallb_controller=False)``):

- Only Services of type LoadBalancer without ``spec.loadBalancerClass`` (MetalLB's default, no
  ``--lb-class``) that have a cluster IP; nothing happens while no IPAddressPool exists (MetalLB
  then only logs, no event).
- Requested addresses (``metallb.io/loadBalancerIPs`` annotation or ``spec.loadBalancerIP``, not
  both) must lie in a pool (and in the ``metallb.io/address-pool`` one when both are given).
- ``metallb.io/address-pool: <pool>`` (or the deprecated ``metallb.universe.tf/`` one): the first
  free address of that pool, whatever its ``autoAssign``; an unknown pool fails.
- Otherwise: first the pools pinned to the Service (``serviceAllocation`` namespaces,
  namespaceSelectors or serviceSelectors matching, ``autoAssign`` on) by ``priority`` (lower first,
  unset last), then every ``autoAssign`` pool without ``serviceAllocation``. MetalLB walks the
  latter in Go map order (unspecified); here they go by name, so tests must not rely on the order.
- Within a pool: addresses in the order the pool lists them, each CIDR from its first address
  (network address included), skipping x.x.x.0 and x.x.x.255 with ``avoidBuggyIPs``, and skipping
  addresses held by another Service unless both carry the same ``metallb.io/allow-shared-ip`` key
  and use different ports.
- Success: ``status.loadBalancer.ingress: [{ip, ipMode: VIP}]`` (ipMode is the API server's
  default), annotation ``metallb.io/ip-allocated-from-pool: <pool>`` and a Normal event
  ``IPAllocated`` ``Assigned IP ["<ip>"]``. Failure: no address, and a Warning event
  ``AllocationFailed`` ``Failed to allocate IP for "<ns>/<name>": <reason>`` (reasons: ``unknown
  pool "<p>"``, ``no available IPs``, ``"<ip>" is not allowed in config``, ...).
- Events come from component ``metallb-controller``. An assignment stays (also when its pool is
  deleted: MetalLB refuses such a configuration) unless the ``address-pool`` annotation names
  another pool; a deleted Service frees its address and pending Services are then retried.
- The assignment happens after the write that triggers it: the create answer has no address yet,
  the next read has it (a real controller takes milliseconds to seconds).
Only IPv4/IPv6 single-stack Services (the cluster IP's family) are modelled.
"""

from __future__ import annotations

import datetime
import ipaddress
import uuid

ANNOTATION_POOL = ('metallb.io/address-pool', 'metallb.universe.tf/address-pool')
ANNOTATION_IPS = ('metallb.io/loadBalancerIPs', 'metallb.universe.tf/loadBalancerIPs')
ANNOTATION_SHARED = ('metallb.io/allow-shared-ip', 'metallb.universe.tf/allow-shared-ip')
ANNOTATION_FROM_POOL = 'metallb.io/ip-allocated-from-pool'
COMPONENT = 'metallb-controller'


class AllocationError(Exception):
    pass


def _annotation(service, names):
    annotations = service['metadata'].get('annotations') or {}
    for name in names:
        if name in annotations:
            return annotations[name]
    return ''


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _selector_matches(selector, labels):
    labels = labels or {}
    if not all(labels.get(k) == v for k, v in (selector.get('matchLabels') or {}).items()):
        return False
    for expression in selector.get('matchExpressions') or []:
        key, operator, values = expression.get('key'), expression.get('operator'), expression.get('values') or []
        if operator == 'In' and labels.get(key) not in values:
            return False
        if operator == 'NotIn' and key in labels and labels[key] in values:
            return False
        if operator == 'Exists' and key not in labels:
            return False
        if operator == 'DoesNotExist' and key in labels:
            return False
    return True


def _pool_addresses(pool):
    """Every address of the pool in MetalLB's order (CIDRs from their first address)."""
    avoid = (pool.get('spec') or {}).get('avoidBuggyIPs', False)
    for entry in (pool.get('spec') or {}).get('addresses') or []:
        if '/' in entry:
            networks = [ipaddress.ip_network(entry, strict=False)]
        else:
            start, end = [part.strip() for part in entry.split('-', 1)]
            networks = ipaddress.summarize_address_range(ipaddress.ip_address(start), ipaddress.ip_address(end))
        for network in networks:
            for address in network:
                if avoid and address.version == 4 and address.packed[3] in (0, 255):
                    continue
                yield address


def _pool_contains(pool, address):
    spec = pool.get('spec') or {}
    if spec.get('avoidBuggyIPs') and address.version == 4 and address.packed[3] in (0, 255):
        return False
    for entry in spec.get('addresses') or []:
        if '/' in entry:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        else:
            start, end = [ipaddress.ip_address(part.strip()) for part in entry.split('-', 1)]
            if start.version == address.version and start <= address <= end:
                return True
    return False


def _ports(service):
    return {(p.get('protocol', 'TCP'), p.get('port')) for p in (service.get('spec') or {}).get('ports') or []}


class Controller:
    """One convergence pass over the store (the caller holds the store lock)."""

    def __init__(self, store, namespace):
        self.store, self.namespace = store, namespace
        self.pools = {p['metadata']['name']: p for p in store.objects_of('metallb.io', 'ipaddresspools', namespace)}

    def _key(self, service):
        return '%s/%s' % (service['metadata'].get('namespace'), service['metadata']['name'])

    def _holders(self, address, me):
        text = str(address)
        return [s for s in self.store.objects_of('', 'services') if s is not me and text in
                [i.get('ip') for i in ((s.get('status') or {}).get('loadBalancer') or {}).get('ingress') or []]]

    def _usable(self, service, address):
        holders = self._holders(address, service)
        if not holders:
            return True
        mine = _annotation(service, ANNOTATION_SHARED)
        for other in holders:
            theirs = _annotation(other, ANNOTATION_SHARED)
            if not mine or not theirs or mine != theirs or _ports(other) & _ports(service):
                return False
        return True

    def _pool_of(self, address):
        for name in sorted(self.pools):
            if _pool_contains(self.pools[name], address):
                return name
        return None

    def _from_pool(self, service, name, family):
        pool = self.pools.get(name)
        if pool is None:
            raise AllocationError('unknown pool "%s"' % name)
        for address in _pool_addresses(pool):
            if address.version == family and self._usable(service, address):
                return [address], name
        raise AllocationError('no available IPs')

    def _pinned(self, service):
        namespace = service['metadata'].get('namespace')
        ns_object = self.store.objects.get(('', 'namespaces', None, namespace)) or {}
        ns_labels = (ns_object.get('metadata') or {}).get('labels') or {}
        pinned = []
        for name in sorted(self.pools):
            spec = self.pools[name].get('spec') or {}
            allocation = spec.get('serviceAllocation')
            if allocation is None or not spec.get('autoAssign', True):
                continue
            by_namespace = namespace in (allocation.get('namespaces') or []) or any(
                _selector_matches(s, ns_labels) for s in allocation.get('namespaceSelectors') or [])
            selectors = allocation.get('serviceSelectors') or []
            if not by_namespace and not selectors:
                continue
            if allocation.get('namespaces') and namespace not in allocation['namespaces']:
                continue
            if selectors and not any(_selector_matches(s, service['metadata'].get('labels')) for s in selectors):
                continue
            pinned.append(name)
        # lower priority value first, pools without priority (0) after them
        return sorted(pinned, key=lambda n: (0, self.pools[n]['spec']['serviceAllocation'].get('priority'))
                      if self.pools[n]['spec']['serviceAllocation'].get('priority', 0) > 0 else (1, 0))

    def allocate(self, service):
        spec = service.get('spec') or {}
        family = ipaddress.ip_address(spec.get('clusterIP')).version
        requested_text = _annotation(service, ANNOTATION_IPS)
        desired_pool = _annotation(service, ANNOTATION_POOL)
        if requested_text and spec.get('loadBalancerIP'):
            raise AllocationError('service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP')
        requested = []
        for text in (requested_text.split(',') if requested_text else [spec['loadBalancerIP']] if spec.get('loadBalancerIP') else []):
            try:
                requested.append(ipaddress.ip_address(text.strip()))
            except ValueError:
                raise AllocationError('invalid %s: "%s"' % ('metallb.io/loadBalancerIPs' if requested_text else 'spec.loadBalancerIP',
                                                            requested_text or spec['loadBalancerIP']))
        if requested:
            if any(address.version != family for address in requested):
                raise AllocationError('requested loadBalancer IP(s) %s does not match the ipFamily of the service'
                                      % ', '.join('"%s"' % a for a in requested))
            pool = self._pool_of(requested[0])
            if pool is None or any(self._pool_of(a) != pool for a in requested):
                raise AllocationError('"%s" is not allowed in config' % requested[0])
            for address in requested:
                if not self._usable(service, address):
                    raise AllocationError('can\'t change sharing key for "%s", address also in use by %s'
                                          % (self._key(service), ','.join(self._key(s) for s in self._holders(address, service))))
            if desired_pool and pool != desired_pool:
                raise AllocationError('requested loadBalancer IP(s) %s is not compatible with requested address pool %s'
                                      % (', '.join('"%s"' % a for a in requested), desired_pool))
            return requested, pool
        if desired_pool:
            return self._from_pool(service, desired_pool, family)
        auto = [n for n in sorted(self.pools) if (self.pools[n].get('spec') or {}).get('autoAssign', True)
                and (self.pools[n].get('spec') or {}).get('serviceAllocation') is None]
        for name in self._pinned(service) + auto:
            try:
                return self._from_pool(service, name, family)
            except AllocationError:
                continue
        raise AllocationError('no available IPs')

    def event(self, service, kind, reason, message):
        meta = service['metadata']
        name = '%s.%s' % (meta['name'], uuid.uuid4().hex[:16])
        self.store.put_object('v1', 'events', {
            'apiVersion': 'v1', 'kind': 'Event',
            'metadata': {'name': name, 'namespace': meta.get('namespace')},
            'involvedObject': {'kind': 'Service', 'namespace': meta.get('namespace'), 'name': meta['name'], 'uid': meta.get('uid'),
                               'apiVersion': 'v1', 'resourceVersion': meta.get('resourceVersion')},
            'reason': reason, 'message': message, 'type': kind, 'count': 1,
            'source': {'component': COMPONENT}, 'firstTimestamp': _now(), 'lastTimestamp': _now(),
            'reportingComponent': COMPONENT, 'reportingInstance': ''})

    def converge(self, service):
        spec, meta = service.get('spec') or {}, service['metadata']
        if spec.get('type') != 'LoadBalancer' or spec.get('loadBalancerClass') or not spec.get('clusterIP') \
                or spec.get('clusterIP') == 'None' or not self.pools:
            return
        ingress = ((service.get('status') or {}).get('loadBalancer') or {}).get('ingress') or []
        current = [i.get('ip') for i in ingress if i.get('ip')]
        if current:
            pool = self._pool_of(ipaddress.ip_address(current[0]))
            desired_pool = _annotation(service, ANNOTATION_POOL)
            if pool is None:
                # MetalLB refuses a configuration that no longer holds an assigned address ("new config not
                # compatible with assigned IPs") and keeps the old one: the Service keeps its address
                return
            if not desired_pool or desired_pool == pool:
                return  # the assignment still holds
        try:
            addresses, pool = self.allocate(service)
        except AllocationError as exc:
            if current or (service.get('status') or {}).get('loadBalancer'):
                service.setdefault('status', {})['loadBalancer'] = {}
                (meta.get('annotations') or {}).pop(ANNOTATION_FROM_POOL, None)
                meta['resourceVersion'] = self.store.next_rv()
            self.event(service, 'Warning', 'AllocationFailed', 'Failed to allocate IP for "%s": %s' % (self._key(service), exc))
            return
        service.setdefault('status', {})['loadBalancer'] = {'ingress': [{'ip': str(a), 'ipMode': 'VIP'} for a in addresses]}
        meta.setdefault('annotations', {})[ANNOTATION_FROM_POOL] = pool
        meta['resourceVersion'] = self.store.next_rv()
        self.event(service, 'Normal', 'IPAllocated', 'Assigned IP [%s]' % ' '.join('"%s"' % a for a in addresses))


def converge(store, namespace):
    """Assign addresses to every LoadBalancer Service that lacks one (and clear ones no pool holds)."""
    controller = Controller(store, namespace)
    for service in store.objects_of('', 'services'):
        controller.converge(service)
