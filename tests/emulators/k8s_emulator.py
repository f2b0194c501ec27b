# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small, stateful Kubernetes API server emulator for tests (HTTP or HTTPS on 127.0.0.1, stdlib + PyYAML).

MetalLB post-check (for the metallb module's opt-in check; details in k8s_metallb_controller): a
Service of type LoadBalancer without ``spec.loadBalancerClass`` gets, right after the write that
creates it (the create answer has no address yet; the next GET has it),
``status.loadBalancer.ingress: [{ip, ipMode: VIP}]`` from the declared IPAddressPools: the first free
address of the pool named by annotation ``metallb.io/address-pool`` (autoAssign ignored), else of
the autoAssign pools; x.x.x.0/.255 skipped with avoidBuggyIPs; annotation
``metallb.io/ip-allocated-from-pool: <pool>`` and a Normal ``IPAllocated`` event. No matching pool or
no free address: no address and a Warning ``AllocationFailed`` event (``Failed to allocate IP for
"ns/name": unknown pool "x"`` / ``no available IPs``). Deleting the Service frees the address.
``faults(metallb_controller=False)`` switches the model off (a cluster without a MetalLB controller).

Run standalone::

    python tests/emulators/k8s_emulator.py --port 16443 --kubeconfig /tmp/kubeconfig [--tls]

(``--port 0`` picks a free port; the first stdout line is ``listening on http://127.0.0.1:PORT``;
``--tls`` serves HTTPS with a CA made at start-up, written into the kubeconfig. kubectl, like every
client-go program, sends the kubeconfig's credentials only over TLS: use ``--tls`` for kubectl.)
The written kubeconfig points at the emulator with a bearer token the emulator requires.
Or in-process: ``server = K8sEmulator(port=0).start(); ...; server.stop()`` (pytest fixtures in
k8s_fixtures). The helper modules beside this file are imported as top-level modules.

What it serves, like a real API server (checked against the official ``kubernetes`` client,
``kubernetes.core.k8s`` and kubectl 1.33):
- discovery (``/version``, ``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>[/<version>]``), and
  aggregated discovery (apidiscovery.k8s.io/v2) when asked, with the short names and categories the
  API server publishes (``ns``, ``svc``, ``cm``, ``ing``, ``crd``; ``all``) and the CRDs' own;
- request bodies in JSON, YAML and, for the kinds kubectl's create commands send, protobuf
  (k8s_protobuf); answers in JSON;
- ``kubectl get`` tables (``as=Table;g=meta.k8s.io;v=v1``) with the API server's columns for the
  lab's kinds and the CRDs' additionalPrinterColumns (k8s_printing);
- the pinned release's OpenAPI documents ``/openapi/v2``, ``/openapi/v3[/<group-version>]``
  (built-ins from ../shared/reference/kubernetes/swagger.json, custom resources from their CRDs;
  absent reference data: 404, so ``kubectl apply`` then needs ``--validate=false``), and decoding
  checks of built-in objects against them: wrong JSON types are a 400 with the Go decoder's
  sentence, unknown fields follow ``fieldValidation`` (Strict 400, Warn a Warning header, the
  default, Ignore); custom resources likewise for fields their schema prunes (k8s_openapi);
- core/v1 namespaces, secrets, configmaps, services (cluster IP from 10.96.0.0/12, node ports,
  defaults), endpoints (synthesised for Services whose selected Deployments/DaemonSets are ready),
  serviceaccounts, pods, events (any field selector); apps/v1 deployments, daemonsets;
  networking.k8s.io/v1 ingresses, ingressclasses; rbac; admissionregistration webhook configs;
  apiextensions.k8s.io/v1 customresourcedefinitions: creating a CRD serves its resources;
- the metallb.io CRDs preloaded from ``../shared/reference/metallb/v0.16.1`` (real schemas) when
  present, else minimal schema-less CRDs; ``--no-metallb-crds`` starts without them (v0.12 era);
- metadata.resourceVersion/uid/creationTimestamp/generation, 409 AlreadyExists and Conflict on a
  stale resourceVersion, PUT, JSON merge / JSON / strategic-merge (built-ins; 415 on custom
  resources) / server-side apply patches, ``dryRun=All`` (validated, never stored), List kinds,
  label and field selectors, deletecollection, Secret ``stringData`` folding and tls key checks,
  namespaces that must exist, CRD OpenAPI schema checks with defaulting and pruning;
- MetalLB's admission webhooks: when a ValidatingWebhookConfiguration routes metallb.io objects to
  a Service without ready endpoints, writes fail with the real "failed calling webhook" 500; when
  ready (or when the CRDs were preloaded), the main webhook rules are enforced (namespace,
  addresses, overlaps, ASNs, timers, aggregation length, duplicates);
- MetalLB's controller for address assignment (above, k8s_metallb_controller);
- Deployments/DaemonSets become ready ``rollout_delay`` seconds after each change (default 0).
- watches (``?watch=true``, polled every 50 ms; no history to replay from an old resourceVersion);
- server-side apply's typed patch check: a field the schema lacks is a 500 (kubernetes#139253).
Not modelled: managedFields and server-side apply conflicts between field managers, protobuf
answers, protobuf bodies of kinds other than Namespace, Secret, ConfigMap, Service,
ServiceAccount and Ingress (415 saying so), namespace finalization (a deleted namespace is gone
at once).

Test hooks (no auth): ``GET /_emulator/requests`` (JSON list of {method, path, query, status,
content_type}), ``POST /_emulator/reset`` (optional body ``{"metallb_crds": bool}``),
``POST /_emulator/faults`` (body: ``rollout_delay`` seconds, ``webhook_down_seconds``,
``webhook_down_calls`` (the next N metallb.io admissions fail as unreachable),
``metallb_controller`` (false: no address assignment), and ``fail``: a list of
``{method, path_contains, status, message, count}`` injected answers).
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime
import hashlib
import ipaddress
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # the helper modules beside it, however this file was loaded (script, module, by path)
    sys.path.insert(0, _HERE)

import k8s_openapi  # noqa: E402 pylint: disable=wrong-import-position
import k8s_printing  # noqa: E402 pylint: disable=wrong-import-position
import k8s_metallb_controller  # noqa: E402 pylint: disable=wrong-import-position
import k8s_protobuf  # noqa: E402 pylint: disable=wrong-import-position

TOKEN = 'kube-edge-emulator-token'
AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
METALLB_NAMESPACE = 'metallb-system'
# realpath: through the .cache/collections symlink too, ../shared is beside the checkout
REFERENCE_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', '..', '..', 'shared', 'reference', 'metallb')

# (groupVersion, plural, kind, namespaced, short names, categories, subresources) as the API server's
# discovery publishes them (each registry's ShortNames()/Categories(); "all" is what `kubectl get all` lists)
BUILTIN_RESOURCES = [
    ('v1', 'namespaces', 'Namespace', False, ['ns'], [], ['status', 'finalize']),
    ('v1', 'secrets', 'Secret', True, [], [], []),
    ('v1', 'configmaps', 'ConfigMap', True, ['cm'], [], []),
    ('v1', 'services', 'Service', True, ['svc'], ['all'], ['status']),
    ('v1', 'endpoints', 'Endpoints', True, ['ep'], [], []),
    ('v1', 'serviceaccounts', 'ServiceAccount', True, ['sa'], [], []),
    ('v1', 'pods', 'Pod', True, ['po'], ['all'], ['status']),
    ('v1', 'events', 'Event', True, ['ev'], [], []),
    ('v1', 'nodes', 'Node', False, ['no'], [], ['status']),
    ('apps/v1', 'deployments', 'Deployment', True, ['deploy'], ['all'], ['status']),
    ('apps/v1', 'daemonsets', 'DaemonSet', True, ['ds'], ['all'], ['status']),
    ('apps/v1', 'statefulsets', 'StatefulSet', True, ['sts'], ['all'], ['status']),
    ('apps/v1', 'replicasets', 'ReplicaSet', True, ['rs'], ['all'], ['status']),
    ('networking.k8s.io/v1', 'ingresses', 'Ingress', True, ['ing'], [], ['status']),
    ('networking.k8s.io/v1', 'ingressclasses', 'IngressClass', False, [], [], []),
    ('networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy', True, ['netpol'], [], []),
    ('rbac.authorization.k8s.io/v1', 'roles', 'Role', True, [], [], []),
    ('rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', True, [], [], []),
    ('rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', False, [], [], []),
    ('rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', False, [], [], []),
    ('apiextensions.k8s.io/v1', 'customresourcedefinitions', 'CustomResourceDefinition', False, ['crd', 'crds'], ['api-extensions'],
     ['status']),
    ('admissionregistration.k8s.io/v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', False, [],
     ['api-extensions'], []),
    ('admissionregistration.k8s.io/v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', False, [],
     ['api-extensions'], []),
    ('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', True, ['pdb'], [], ['status']),
    ('discovery.k8s.io/v1', 'endpointslices', 'EndpointSlice', True, [], [], []),
]
WORKLOADS = ('deployments', 'daemonsets', 'statefulsets')
NAME_RE = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
DATA_KEY_RE = re.compile(r'^[-._a-zA-Z0-9]+$')
METALLB_KINDS = {
    'IPAddressPool': 'ipaddresspools', 'L2Advertisement': 'l2advertisements', 'BGPAdvertisement': 'bgpadvertisements',
    'BGPPeer': 'bgppeers', 'Community': 'communities', 'BFDProfile': 'bfdprofiles',
    'ConfigurationState': 'configurationstates', 'ServiceL2Status': 'servicel2statuses',
    'ServiceBGPStatus': 'servicebgpstatuses',
}


_CRD_CACHE = {}
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        body = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure', 'message': self.message}
        if self.reason:  # an error that is no Status of its own (a plain Go error) has none
            body['reason'] = self.reason
        body['code'] = self.code
        if self.details:
            body['details'] = self.details
        return body


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class Resource:
    def __init__(self, group_version, plural, kind, namespaced, schema=None, status_subresource=False, crd=None,
                 short_names=(), categories=(), subresources=()):
        self.group_version, self.plural, self.kind, self.namespaced = group_version, plural, kind, namespaced
        self.group = group_version.split('/')[0] if '/' in group_version else ''
        self.version = group_version.split('/')[-1]
        self.schema, self.status_subresource, self.crd = schema, status_subresource, crd
        self.short_names, self.categories = list(short_names), list(categories)
        self.subresources = list(subresources) or (['status'] if status_subresource else [])

    VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

    def discovery(self):
        """This resource's entries in an APIResourceList (legacy discovery): itself, then its subresources."""
        entry = {'name': self.plural, 'singularName': self.kind.lower(), 'namespaced': self.namespaced,
                 'kind': self.kind, 'verbs': self.VERBS}
        entry.update({k: v for k, v in (('shortNames', self.short_names), ('categories', self.categories)) if v})
        subresources = [{'name': '%s/%s' % (self.plural, sub), 'singularName': '', 'namespaced': self.namespaced,
                         'kind': self.kind, 'verbs': ['get', 'patch', 'update'] if sub == 'status' else ['update']}
                        for sub in self.subresources]
        return [entry] + subresources

    def aggregated(self):
        """This resource in aggregated discovery (apidiscovery.k8s.io/v2 APIResourceDiscovery)."""
        kind = {'group': self.group, 'version': self.version, 'kind': self.kind}
        entry = {'resource': self.plural, 'responseKind': kind, 'scope': 'Namespaced' if self.namespaced else 'Cluster',
                 'singularResource': self.kind.lower(), 'verbs': self.VERBS}
        entry.update({k: v for k, v in (('shortNames', self.short_names), ('categories', self.categories)) if v})
        if self.subresources:
            entry['subresources'] = [{'subresource': sub, 'responseKind': kind,
                                      'verbs': ['get', 'patch', 'update'] if sub == 'status' else ['update']}
                                     for sub in self.subresources]
        return entry


# -- label selectors -------------------------------------------------------------------------------

def parse_selector(text):
    """Return a predicate over a labels dict for kubectl-style selectors."""
    clauses = []
    for part in re.findall(r'(?:[^,(]|\([^)]*\))+', text or ''):
        part = part.strip()
        if not part:
            continue
        match = re.match(r'^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$', part)
        if match:
            values = set(v.strip() for v in match.group(3).split(',') if v.strip())
            key, op = match.group(1), match.group(2)
            clauses.append(lambda lb, k=key, o=op, vs=values: (lb.get(k) in vs) if o == 'in' else (lb.get(k) not in vs))
        elif '!=' in part:
            key, value = [s.strip() for s in part.split('!=', 1)]
            clauses.append(lambda lb, k=key, v=value: lb.get(k) != v)
        elif '=' in part:
            key, value = [s.strip() for s in re.split(r'==?', part, maxsplit=1)]
            clauses.append(lambda lb, k=key, v=value: lb.get(k) == v)
        elif part.startswith('!'):
            clauses.append(lambda lb, k=part[1:].strip(): k not in lb)
        else:
            clauses.append(lambda lb, k=part: k in lb)
    return lambda labels: all(clause(labels or {}) for clause in clauses)


# -- patches ---------------------------------------------------------------------------------------

def json_merge(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge(result.get(key), value)
    return result


def strategic_merge(target, patch):
    """Built-in kinds: like a merge patch, but lists of named dicts merge by ``name``."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list) and value and all(
                isinstance(i, dict) and 'name' in i for i in value + result[key]):
            merged = {item['name']: item for item in result[key]}
            order = [item['name'] for item in result[key]]
            for item in value:
                if item['name'] not in merged:
                    order.append(item['name'])
                merged[item['name']] = strategic_merge(merged.get(item['name']), item)
            result[key] = [merged[name] for name in order]
        else:
            result[key] = strategic_merge(result.get(key), value)
    return result


def _pointer(path):
    return [p.replace('~1', '/').replace('~0', '~') for p in path.split('/')[1:]]


def json_patch(target, operations):
    doc = copy.deepcopy(target)
    for op in operations:
        parts = _pointer(op['path'])
        parent = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        kind = op['op']
        if kind == 'test':
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if current != op.get('value'):
                raise ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request')
        elif kind in ('add', 'replace'):
            if isinstance(parent, list):
                if last == '-':
                    parent.append(op['value'])
                elif kind == 'add':
                    parent.insert(int(last), op['value'])
                else:
                    parent[int(last)] = op['value']
            else:
                if kind == 'replace' and last not in parent:
                    raise ApiError(422, 'Invalid', 'replace operation does not apply: doc is missing key: %s' % op['path'])
                parent[last] = op['value']
        elif kind == 'remove':
            if isinstance(parent, list):
                parent.pop(int(last))
            elif last in parent:
                del parent[last]
            else:
                raise ApiError(422, 'Invalid', 'remove operation does not apply: doc is missing path: "%s"' % op['path'])
        else:
            raise ApiError(400, 'BadRequest', 'unsupported JSON patch operation %r' % kind)
    return doc


# -- CRD schemas (structural OpenAPI v3 subset) ---------------------------------------------------

def apply_schema(value, schema, path, errors, unknown=None):
    """Validate ``value``, filling defaults and pruning unknown fields (their paths go to ``unknown``); returns the new value."""
    if value is None:
        if schema.get('nullable'):
            return None
        errors.append('%s: Invalid value: "null": %s in body must be of type %s' % (path, path, schema.get('type', 'object')))
        return None
    if schema.get('x-kubernetes-int-or-string'):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            errors.append('%s: Invalid value: must be an integer or a string' % path)
        return value
    if schema.get('x-kubernetes-preserve-unknown-fields') and 'type' not in schema:
        return value
    kind = schema.get('type')
    checks = {'object': dict, 'array': list, 'string': str, 'boolean': bool}
    if kind in checks and not isinstance(value, checks[kind]):
        errors.append('%s: Invalid value: "%s": %s in body must be of type %s: "%s"'
                      % (path, type(value).__name__, path, kind, json.dumps(value)[:60]))
        return value
    if kind == 'integer' and (isinstance(value, bool) or not isinstance(value, int)):
        errors.append('%s: Invalid value: "%s": %s in body must be of type integer: %s' % (path, type(value).__name__, path, json.dumps(value)[:60]))
        return value
    if kind == 'number' and (isinstance(value, bool) or not isinstance(value, (int, float))):
        errors.append('%s: Invalid value: %s in body must be of type number' % (path, path))
        return value
    if 'enum' in schema and value not in schema['enum']:
        errors.append('%s: Unsupported value: %s: supported values: %s'
                      % (path, json.dumps(value), ', '.join(json.dumps(v) for v in schema['enum'])))
    if kind in ('integer', 'number'):
        if 'minimum' in schema and value < schema['minimum']:
            errors.append('%s: Invalid value: %s: %s in body should be greater than or equal to %s' % (path, value, path, schema['minimum']))
        if 'maximum' in schema and value > schema['maximum']:
            errors.append('%s: Invalid value: %s: %s in body should be less than or equal to %s' % (path, value, path, schema['maximum']))
    if kind == 'string':
        if 'maxLength' in schema and len(value) > schema['maxLength']:
            errors.append('%s: Too long: may not be more than %s bytes' % (path, schema['maxLength']))
        if 'minLength' in schema and len(value) < schema['minLength']:
            errors.append('%s: Invalid value: "%s": %s in body should be at least %s chars long' % (path, value, path, schema['minLength']))
        if 'pattern' in schema:
            try:
                if not re.search(schema['pattern'], value):
                    errors.append('%s: Invalid value: "%s": %s in body should match \'%s\'' % (path, value, path, schema['pattern']))
            except re.error:
                pass
    if kind == 'array':
        if 'maxItems' in schema and len(value) > schema['maxItems']:
            errors.append('%s: Too many: %d: must have at most %s items' % (path, len(value), schema['maxItems']))
        if 'minItems' in schema and len(value) < schema['minItems']:
            errors.append('%s: Invalid value: %s in body should have at least %s items' % (path, path, schema['minItems']))
        items = schema.get('items') or {}
        return [apply_schema(item, items, '%s[%d]' % (path, index), errors, unknown) for index, item in enumerate(value)]
    if kind == 'object' or 'properties' in schema:
        properties = schema.get('properties') or {}
        result = {}
        for key, item in value.items():
            sub = '%s.%s' % (path, key) if path else key
            if key in properties:
                result[key] = apply_schema(item, properties[key], sub, errors, unknown)
            elif isinstance(schema.get('additionalProperties'), dict):
                result[key] = apply_schema(item, schema['additionalProperties'], sub, errors, unknown)
            elif schema.get('x-kubernetes-preserve-unknown-fields') or schema.get('additionalProperties') is True:
                result[key] = item
            elif unknown is not None:  # pruned, as the API server does for structural schemas
                unknown.append(sub)
        for key, prop in properties.items():
            if key not in result and 'default' in prop:
                result[key] = copy.deepcopy(prop['default'])
        for key in schema.get('required') or []:
            if key not in result:
                errors.append('%s: Required value' % ('%s.%s' % (path, key) if path else key))
        return result
    return value


# -- MetalLB admission (the controller's webhook rules that matter to our modules) -----------------

def _parse_duration(text):
    match = re.match(r'^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$', str(text or ''))
    if not text or not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


def _pool_networks(addresses):
    networks = []
    for entry in addresses:
        if '/' in entry:
            try:
                networks.append((entry, [ipaddress.ip_network(entry, strict=False)]))
            except ValueError:
                raise ValueError('invalid CIDR "%s"' % entry)
        elif '-' in entry:
            start, end = [part.strip() for part in entry.split('-', 1)]
            try:
                first, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
            except ValueError:
                raise ValueError('invalid IP range "%s": invalid start IP "%s"' % (entry, start))
            if first.version != last.version or first > last:
                raise ValueError('invalid IP range "%s": start IP "%s" is after the end IP "%s"' % (entry, start, end))
            networks.append((entry, list(ipaddress.summarize_address_range(first, last))))
        else:
            raise ValueError('invalid CIDR "%s"' % entry)
    return networks


def metallb_admission(store, obj, operation):
    """Return an error message like MetalLB's webhook, or None."""
    kind, namespace, name = obj['kind'], obj['metadata'].get('namespace'), obj['metadata']['name']
    if namespace != store.metallb_namespace:
        return 'resource must be created in %s namespace' % store.metallb_namespace
    spec = obj.get('spec') or {}

    def others(plural):
        return [o for o in store.objects_of('metallb.io', plural, namespace) if o['metadata']['name'] != name]

    if kind == 'IPAddressPool' and operation in ('CREATE', 'UPDATE'):
        addresses = spec.get('addresses') or []
        if not addresses:
            return 'pool %s has no prefixes defined' % name
        try:
            mine = _pool_networks(addresses)
            existing = [(o['metadata']['name'], _pool_networks(o['spec'].get('addresses') or [])) for o in others('ipaddresspools')]
        except ValueError as exc:
            return 'invalid pool %s: %s' % (name, exc)
        for cidr, nets in mine:
            for other_name, other_nets in existing:
                for other_cidr, other_parts in other_nets:
                    if any(a.version == b.version and a.overlaps(b) for a in nets for b in other_parts):
                        return 'CIDR "%s" in pool "%s" overlaps with already defined CIDR "%s"' % (cidr, name, other_cidr)
    if kind == 'BGPPeer' and operation in ('CREATE', 'UPDATE'):
        if not spec.get('myASN'):
            return 'invalid BGPPeer %s: missing local ASN' % name
        if not spec.get('peerASN') and not spec.get('dynamicASN'):
            return 'invalid BGPPeer %s: missing peer ASN' % name
        hold = _parse_duration(spec.get('holdTime')) if spec.get('holdTime') else None
        keepalive = _parse_duration(spec.get('keepaliveTime')) if spec.get('keepaliveTime') else None
        if hold is not None and 0 < hold < 3:
            return 'invalid hold time "%s": must be 0 or >=3s' % spec.get('holdTime')
        if hold is not None and keepalive is not None and keepalive > hold:
            return 'invalid keepaliveTime %s: must be lower than holdTime %s' % (spec.get('keepaliveTime'), spec.get('holdTime'))
        if spec.get('password') and spec.get('passwordSecret'):
            return 'can not have both password and secret ref set in peer config %s/%s' % (namespace, name)
        if spec.get('ebgpMultiHop') and spec.get('peerASN') == spec.get('myASN'):
            return 'invalid ebgp-multihop parameter set for an ibgp peer %s' % name
        for other in others('bgppeers'):
            if (other['spec'].get('peerAddress'), other['spec'].get('peerPort', 179), other['spec'].get('vrf', '')) == (
                    spec.get('peerAddress'), spec.get('peerPort', 179), spec.get('vrf', '')):
                return 'peer %s already exists' % spec.get('peerAddress')
    if kind == 'BGPAdvertisement' and operation in ('CREATE', 'UPDATE'):
        length = spec.get('aggregationLength', 32)
        if length > 32:
            return 'invalid aggregation length %s: should be <= 32' % length
        if spec.get('aggregationLengthV6', 128) > 128:
            return 'invalid aggregation length %s: should be <= 128' % spec.get('aggregationLengthV6')
        pools = {o['metadata']['name']: o for o in store.objects_of('metallb.io', 'ipaddresspools', namespace)}
        for pool_name in spec.get('ipAddressPools') or []:
            pool = pools.get(pool_name)
            if not pool:
                continue
            for cidr, nets in _pool_networks(pool['spec'].get('addresses') or []):
                widest = min(net.prefixlen for net in nets)  # a range counts with its largest CIDR
                limit = length if nets[0].version == 4 else spec.get('aggregationLengthV6', 128)
                if limit < widest:
                    return ('invalid aggregation length %d: prefix %d in this pool is more specific than the aggregation length for addresses %s'
                            % (limit, widest, cidr))
        for community in spec.get('communities') or []:
            if ':' in community and not re.match(r'^(\d{1,5}:\d{1,5}|large:\d+:\d+:\d+)$', community):
                return 'invalid community value %s' % community
    if kind == 'Community' and operation in ('CREATE', 'UPDATE'):
        seen = set()
        for entry in spec.get('communities') or []:
            if entry.get('name') in seen:
                return 'duplicate definition of community "%s"' % entry.get('name')
            seen.add(entry.get('name'))
            if not re.match(r'^(\d{1,5}:\d{1,5}|large:\d+:\d+:\d+)$', str(entry.get('value', ''))):
                return 'invalid community value %s' % entry.get('value')
    if kind == 'BFDProfile' and operation == 'DELETE':
        for peer in store.objects_of('metallb.io', 'bgppeers', namespace):
            if peer['spec'].get('bfdProfile') == name:
                return 'failed to delete BFDProfile %s: used by peer %s' % (name, peer['metadata']['name'])
    return None


# -- the store ---------------------------------------------------------------------------------------

class Store:
    def __init__(self, metallb_crds=True, reference_dir=REFERENCE_DIR):
        self.lock = threading.RLock()
        self.reference_dir = reference_dir
        self.openapi = k8s_openapi.load(os.path.dirname(os.path.abspath(reference_dir)))
        self.log = []
        self.reset(metallb_crds)

    def reset(self, metallb_crds=True):
        with self.lock:
            self.resources = {}  # (group, version, plural) -> Resource
            self.objects = {}  # (group, plural, namespace, name) -> object
            self.revision = 100
            self.log = []
            self.rollout_delay = 0.0
            self.webhook_down_until = 0.0
            self.webhook_down_calls = 0
            self.injected = []
            self.metallb_controller = True  # the address-assignment model (k8s_metallb_controller); a fault turns it off
            self.ready_at = {}
            self.metallb_namespace = METALLB_NAMESPACE
            self.metallb_preloaded = False
            for group_version, plural, kind, namespaced, short_names, categories, subresources in BUILTIN_RESOURCES:
                self.register(Resource(group_version, plural, kind, namespaced, short_names=short_names, categories=categories,
                                       subresources=subresources))
            for name in ('default', 'kube-system', 'kube-public', 'kube-node-lease'):
                self.put_object('v1', 'namespaces', {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': name}})
            kube_proxy = {'apiVersion': 'kubeproxy.config.k8s.io/v1alpha1', 'kind': 'KubeProxyConfiguration',
                          'mode': 'ipvs', 'ipvs': {'strictARP': False, 'scheduler': ''}}
            self.put_object('v1', 'configmaps', {
                'apiVersion': 'v1', 'kind': 'ConfigMap',
                'metadata': {'name': 'kube-proxy', 'namespace': 'kube-system', 'labels': {'app': 'kube-proxy'}},
                'data': {'config.conf': yaml.safe_dump(kube_proxy, sort_keys=False)}})
            self.put_object('apps/v1', 'daemonsets', {
                'apiVersion': 'apps/v1', 'kind': 'DaemonSet',
                'metadata': {'name': 'kube-proxy', 'namespace': 'kube-system', 'labels': {'k8s-app': 'kube-proxy'}},
                'spec': {'selector': {'matchLabels': {'k8s-app': 'kube-proxy'}},
                         'template': {'metadata': {'labels': {'k8s-app': 'kube-proxy'}},
                                      'spec': {'containers': [{'name': 'kube-proxy', 'image': 'registry.k8s.io/kube-proxy:v1.33.1'}]}}}})
            if metallb_crds:
                for crd in self.metallb_crds():
                    self.put_object('apiextensions.k8s.io/v1', 'customresourcedefinitions', crd)
                    self.register_crd(crd)
                self.metallb_preloaded = True

    def metallb_crds(self):
        path = os.path.join(self.reference_dir, 'v0.16.1', 'metallb-native.yaml')
        if os.path.exists(path):
            if path not in _CRD_CACHE:  # parsing the manifest takes a while; every reset needs it
                with open(path) as handle:
                    _CRD_CACHE[path] = [doc for doc in yaml.load_all(handle, Loader=_LOADER)
                                        if doc and doc.get('kind') == 'CustomResourceDefinition']
            return copy.deepcopy(_CRD_CACHE[path])
        crds = []  # reference data absent: same names and versions, without schemas
        for kind, plural in METALLB_KINDS.items():
            versions = ['v1beta1', 'v1beta2'] if kind == 'BGPPeer' else ['v1beta1']
            crds.append({'apiVersion': 'apiextensions.k8s.io/v1', 'kind': 'CustomResourceDefinition',
                         'metadata': {'name': '%s.metallb.io' % plural},
                         'spec': {'group': 'metallb.io', 'scope': 'Namespaced',
                                  'names': {'kind': kind, 'plural': plural, 'singular': kind.lower(), 'listKind': kind + 'List'},
                                  'versions': [{'name': v, 'served': True, 'storage': v == versions[-1],
                                                'subresources': {'status': {}},
                                                'schema': {'openAPIV3Schema': {'type': 'object', 'x-kubernetes-preserve-unknown-fields': True}}}
                                               for v in versions]}})
        return crds

    def register(self, resource):
        self.resources[(resource.group, resource.version, resource.plural)] = resource

    def register_crd(self, crd):
        spec = crd['spec']
        for version in spec.get('versions') or []:
            if not version.get('served', True):
                continue
            schema = ((version.get('schema') or {}).get('openAPIV3Schema'))
            self.register(Resource('%s/%s' % (spec['group'], version['name']), spec['names']['plural'], spec['names']['kind'],
                                   spec.get('scope') == 'Namespaced', schema=schema,
                                   status_subresource='status' in (version.get('subresources') or {}), crd=crd['metadata']['name'],
                                   short_names=spec['names'].get('shortNames') or [], categories=spec['names'].get('categories') or [],
                                   subresources=sorted(version.get('subresources') or {})))

    def unregister_crd(self, crd):
        spec = crd['spec']
        for key in [k for k, r in self.resources.items() if r.crd == crd['metadata']['name']]:
            del self.resources[key]
        for key in [k for k in self.objects if k[0] == spec['group'] and k[1] == spec['names']['plural']]:
            del self.objects[key]

    def next_rv(self):
        self.revision += 1
        return str(self.revision)

    def put_object(self, group_version, plural, obj):
        group = group_version.split('/')[0] if '/' in group_version else ''
        meta = obj.setdefault('metadata', {})
        meta.setdefault('uid', str(uuid.uuid4()))
        meta.setdefault('creationTimestamp', now_iso())
        meta.setdefault('generation', 1)
        meta['resourceVersion'] = self.next_rv()
        if plural == 'namespaces':
            meta.setdefault('labels', {})['kubernetes.io/metadata.name'] = meta['name']
            obj.setdefault('spec', {'finalizers': ['kubernetes']})
            obj['status'] = {'phase': 'Active'}
        self.objects[(group, plural, meta.get('namespace'), meta['name'])] = obj
        return obj

    def objects_of(self, group, plural, namespace=None):
        return [o for (g, p, ns, _name), o in sorted(self.objects.items(), key=lambda kv: (kv[0][2] or '', kv[0][3]))
                if g == group and p == plural and (namespace is None or ns == namespace)]

    # -- simulated controllers --

    def run_controllers(self):
        """After a write: MetalLB's address assignment, while its CRDs are served and the model is on."""
        if self.metallb_controller and ('metallb.io', 'v1beta1', 'ipaddresspools') in self.resources:
            k8s_metallb_controller.converge(self, self.metallb_namespace)

    def refresh_workload(self, plural, obj):
        """Deployments/DaemonSets become ready rollout_delay seconds after their last change."""
        if plural not in WORKLOADS:
            return obj
        key = (plural, obj['metadata'].get('namespace'), obj['metadata']['name'])
        ready_at = self.ready_at.get(key, 0)
        generation = obj['metadata'].get('generation', 1)
        status = obj.get('status') or {}
        if time.time() >= ready_at and status.get('observedGeneration') != generation:
            replicas = (obj.get('spec') or {}).get('replicas', 1) if plural != 'daemonsets' else 1
            if plural == 'daemonsets':
                obj['status'] = {'observedGeneration': generation, 'currentNumberScheduled': 1, 'desiredNumberScheduled': 1,
                                 'numberAvailable': 1, 'numberReady': 1, 'numberMisscheduled': 0, 'updatedNumberScheduled': 1}
            else:
                obj['status'] = {'observedGeneration': generation, 'replicas': replicas, 'readyReplicas': replicas,
                                 'availableReplicas': replicas, 'updatedReplicas': replicas,
                                 'conditions': [
                                     {'type': 'Available', 'status': 'True', 'reason': 'MinimumReplicasAvailable',
                                      'message': 'Deployment has minimum availability.', 'lastTransitionTime': now_iso()},
                                     {'type': 'Progressing', 'status': 'True', 'reason': 'NewReplicaSetAvailable',
                                      'message': 'ReplicaSet has successfully progressed.', 'lastTransitionTime': now_iso()}]}
            obj['metadata']['resourceVersion'] = self.next_rv()
        elif time.time() < ready_at and status.get('observedGeneration') == generation:
            obj['status'] = {'observedGeneration': generation, 'replicas': 1, 'unavailableReplicas': 1, 'updatedReplicas': 1}
        return obj

    def workload_ready(self, plural, obj):
        status = self.refresh_workload(plural, obj).get('status') or {}
        if plural == 'daemonsets':
            return status.get('numberReady', 0) > 0
        return status.get('availableReplicas', 0) > 0 and not status.get('unavailableReplicas')

    def endpoints_for(self, namespace, name):
        """A synthesised Endpoints object for a Service whose backing workloads are ready."""
        service = self.objects.get(('', 'services', namespace, name))
        if not service:
            return None
        selector = (service.get('spec') or {}).get('selector') or {}
        ready = False
        for plural in WORKLOADS:
            for workload in self.objects_of('apps', plural, namespace):
                labels = (((workload.get('spec') or {}).get('template') or {}).get('metadata') or {}).get('labels') or {}
                if selector and all(labels.get(k) == v for k, v in selector.items()) and self.workload_ready(plural, workload):
                    ready = True
        ports = [{'name': p.get('name', ''), 'port': p.get('targetPort', p.get('port')), 'protocol': p.get('protocol', 'TCP')}
                 for p in (service.get('spec') or {}).get('ports') or []]
        subsets = [{'addresses': [{'ip': '127.0.0.1'}], 'ports': ports}] if ready else []
        return {'apiVersion': 'v1', 'kind': 'Endpoints',
                'metadata': {'name': name, 'namespace': namespace, 'resourceVersion': str(self.revision),
                             'uid': service['metadata']['uid'], 'creationTimestamp': service['metadata']['creationTimestamp']},
                'subsets': subsets}

    def _webhook_down(self):
        if self.webhook_down_calls > 0:
            self.webhook_down_calls -= 1
            return True
        return time.time() < self.webhook_down_until

    def check_webhooks(self, resource, obj, operation):
        """Run the admission webhooks for metallb.io objects (and the 'not reachable' failure)."""
        if resource.group != 'metallb.io':
            return
        configs = self.objects_of('admissionregistration.k8s.io', 'validatingwebhookconfigurations')
        routed = False
        for config in configs:
            for hook in config.get('webhooks') or []:
                rules = hook.get('rules') or []
                if not any(resource.plural in (r.get('resources') or []) and
                           (operation in (r.get('operations') or []) or '*' in (r.get('operations') or [])) for r in rules):
                    continue
                routed = True
                service = (hook.get('clientConfig') or {}).get('service') or {}
                endpoints = self.endpoints_for(service.get('namespace'), service.get('name'))
                if self._webhook_down() or not endpoints or not endpoints['subsets']:
                    raise ApiError(500, 'InternalError',
                                   'Internal error occurred: failed calling webhook "%s": failed to call webhook: Post '
                                   '"https://%s.%s.svc:443%s?timeout=10s": dial tcp 10.96.12.34:443: connect: connection refused'
                                   % (hook.get('name'), service.get('name'), service.get('namespace'), service.get('path', '')))
                self.metallb_namespace = service.get('namespace') or self.metallb_namespace
        if not routed:
            if not self.metallb_preloaded:
                return
            if self._webhook_down():
                raise ApiError(500, 'InternalError', 'Internal error occurred: failed calling webhook "%svalidationwebhook.metallb.io": '
                               'failed to call webhook: connect: connection refused' % resource.kind.lower())
        message = metallb_admission(self, obj, operation)
        if message:
            raise ApiError(403, 'Forbidden', 'admission webhook "%svalidationwebhook.metallb.io" denied the request: %s'
                           % (resource.kind.lower(), message))


# -- HTTP --------------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True  # headers and body go out in two writes: without this each answer waits ~40 ms
    server_version = 'kube-edge-k8s-emulator/1'

    def log_message(self, fmt, *args):  # quiet; the request log is the record
        pass

    def _send(self, code, body, content_type='application/json'):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(code)
        self.send_header('Content-Type', content_type)
        for warning in (self.api.warnings if getattr(self, 'api', None) else []):
            self.send_header('Warning', '299 - %s' % json.dumps(warning))
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return code

    def _read_body(self):
        """Read the whole request body first, so an early error answer never leaves it in the connection."""
        length = int(self.headers.get('Content-Length') or 0)
        self.raw_body = self.rfile.read(length) if length else b''

    def _body(self):
        raw = self.raw_body
        if not raw:
            return None
        content_type = (self.headers.get('Content-Type') or '').split(';')[0].strip()
        if content_type == k8s_protobuf.MEDIA_TYPE:
            try:
                return k8s_protobuf.decode(raw)
            except k8s_protobuf.ProtobufError as exc:
                if exc.unsupported:
                    raise ApiError(415, 'UnsupportedMediaType', str(exc))
                raise ApiError(400, 'BadRequest', 'error decoding request body: %s' % exc)
        try:
            if 'yaml' in content_type:
                return yaml.safe_load(raw)
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, 'BadRequest', 'error decoding request body: %s' % exc)

    def _handle(self):
        self._read_body()
        self.api = None
        url = urlsplit(self.path)
        store = self.server.store
        if url.path.startswith('/_emulator/'):
            return self._control(url.path)
        status = 500
        self.response_type = 'application/json'
        self.api = None
        try:
            with store.lock:
                status, body = self._dispatch(store, url)
        except ApiError as error:
            status, body = error.code, error.status()
        except Exception as exc:  # an emulator bug must be visible, not a hang
            status, body = 500, ApiError(500, 'InternalError', 'emulator error: %r' % exc).status()
        with store.lock:
            store.log.append({'method': self.command, 'path': url.path, 'query': url.query, 'status': status,
                              'content_type': self.headers.get('Content-Type') if self.command in ('POST', 'PUT', 'PATCH') else None})
        if isinstance(body, WatchStream):
            return body.stream(self)
        self._send(status, body, self.response_type if status < 400 else 'application/json')

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def _control(self, path):
        store = self.server.store
        if path == '/_emulator/requests' and self.command == 'GET':
            with store.lock:
                return self._send(200, list(store.log))
        body = None
        try:
            body = self._body() or {}
        except ApiError:
            body = {}
        if path == '/_emulator/reset' and self.command == 'POST':
            store.reset(metallb_crds=body.get('metallb_crds', self.server.metallb_crds))
            return self._send(200, {'reset': True})
        if path == '/_emulator/faults' and self.command == 'POST':
            with store.lock:
                if 'rollout_delay' in body:
                    store.rollout_delay = float(body['rollout_delay'])
                if 'webhook_down_seconds' in body:
                    store.webhook_down_until = time.time() + float(body['webhook_down_seconds'])
                if 'webhook_down_calls' in body:
                    store.webhook_down_calls = int(body['webhook_down_calls'])
                if 'metallb_controller' in body:
                    store.metallb_controller = bool(body['metallb_controller'])
                for fault in body.get('fail') or []:
                    store.injected.append(dict(fault))
            return self._send(200, {'faults': True})
        return self._send(404, {'message': 'unknown emulator endpoint'})

    # -- API ---

    def _dispatch(self, store, url):
        # Go's net/http hands the API server the decoded path (URL.Path): a name the client escaped
        # (the official clients quote ':' of "metallb-system:controller" as %3A) is found by its name.
        path = unquote(url.path).rstrip('/') or '/'
        query = dict(parse_qsl(url.query))
        for fault in list(store.injected):
            if fault.get('method', self.command) == self.command and fault.get('path_contains', '') in path:
                fault['count'] = fault.get('count', 1) - 1
                if fault['count'] <= 0:
                    store.injected.remove(fault)
                raise ApiError(int(fault.get('status', 500)), fault.get('reason', 'InternalError'),
                               fault.get('message', 'injected failure'))
        if path == '/version':
            return 200, {'major': '1', 'minor': '33', 'gitVersion': 'v1.33.1', 'platform': 'linux/amd64',
                         'goVersion': 'go1.24.2', 'compiler': 'gc'}
        if path in ('/healthz', '/readyz', '/livez'):
            return 200, 'ok'
        auth = self.headers.get('Authorization') or ''
        if auth != 'Bearer ' + self.server.token:
            raise ApiError(401, 'Unauthorized', 'Unauthorized')
        if path in ('/api', '/apis') and AGGREGATED_DISCOVERY in (self.headers.get('Accept') or '').replace(' ', ''):
            self.response_type = AGGREGATED_DISCOVERY
            return 200, self._aggregated(store, path == '/api')
        if path == '/api':
            return 200, {'kind': 'APIVersions', 'versions': ['v1'],
                         'serverAddressByClientCIDRs': [{'clientCIDR': '0.0.0.0/0', 'serverAddress': '127.0.0.1:6443'}]}
        if path == '/apis':
            return 200, {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': self._groups(store)}
        if path == '/openapi/v2' or path.startswith('/openapi/v3'):
            return self._openapi(path, query)
        segments = path.strip('/').split('/')
        if segments[0] == 'api':
            group, rest = '', segments[1:]
        elif segments[0] == 'apis' and len(segments) >= 2:
            group, rest = segments[1], segments[2:]
            if not rest:
                for entry in self._groups(store):
                    if entry['name'] == group:
                        return 200, dict(entry, kind='APIGroup', apiVersion='v1')
                raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        else:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        version, rest = rest[0], rest[1:]
        if not rest:
            resources = [r for (g, v, _plural), r in store.resources.items() if g == group and v == version]
            if not resources:
                raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
            return 200, {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': '%s/%s' % (group, version) if group else version,
                         'resources': [entry for r in resources for entry in r.discovery()]}
        namespace = None
        if rest[0] == 'namespaces' and len(rest) >= 3 and (group, version, rest[2]) in store.resources and \
                store.resources[(group, version, rest[2])].namespaced:
            namespace, rest = rest[1], rest[2:]
        resource = store.resources.get((group, version, rest[0]))
        if resource is None:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        name = rest[1] if len(rest) > 1 else None
        subresource = rest[2] if len(rest) > 2 else None
        if subresource and subresource not in ('status', 'finalize'):
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        dry_run = query.get('dryRun')
        if dry_run not in (None, 'All'):
            raise ApiError(400, 'BadRequest', 'Invalid dryRun value "%s": supported values: "All"' % dry_run)
        api = self.api = Api(store, resource, namespace, query, dry_run == 'All', self.headers.get('Content-Type') or '')
        if self.command != 'GET' and dry_run != 'All' and resource.plural in ('services', 'ipaddresspools'):
            answer = self._verb(api, name, subresource)
            store.run_controllers()
            return answer
        return self._verb(api, name, subresource)

    def _verb(self, api, name, subresource):
        if self.command == 'GET' and api.query.get('watch') in ('true', '1'):
            wrong = []
            if api.query.get('sendInitialEvents') == 'true' and api.query.get('resourceVersionMatch') != 'NotOlderThan':
                wrong.append('resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan')
            if api.query.get('sendInitialEvents') == 'true' and api.query.get('allowWatchBookmarks') != 'true':
                wrong.append('allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true')
            if wrong:
                raise ApiError(422, 'Invalid', 'ListOptions.meta.k8s.io "" is invalid: %s'
                               % (wrong[0] if len(wrong) == 1 else '[%s]' % ', '.join(wrong)))
            table = k8s_printing.wants_table(self.headers.get('Accept'))
            self.response_type = k8s_printing.TABLE_MEDIA_TYPE if table else 'application/json'
            return 200, WatchStream(api, name, table)
        if self.command == 'GET' and k8s_printing.wants_table(self.headers.get('Accept')):
            self.response_type = k8s_printing.TABLE_MEDIA_TYPE
            _status, answer = api.list() if name is None else api.get(name)
            items = answer['items'] if name is None else [answer]
            resource = api.resource
            crd = api.store.objects.get(('apiextensions.k8s.io', 'customresourcedefinitions', None, resource.crd)) if resource.crd else None
            return 200, k8s_printing.table(resource.kind, items, str(api.store.revision), crd, resource.version,
                                           api.query.get('includeObject', 'Metadata'))
        if name is None:
            if self.command == 'GET':
                return api.list()
            if self.command == 'POST':
                return api.create(self._body())
            if self.command == 'DELETE':
                return api.delete_collection()
        else:
            if self.command == 'GET':
                return api.get(name)
            if self.command == 'PUT':
                return api.replace(name, self._body(), subresource)
            if self.command == 'PATCH':
                return api.patch(name, self._body(), subresource)
            if self.command == 'DELETE':
                return api.delete(name)
        raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')

    def _aggregated(self, store, core):
        """Aggregated discovery (apidiscovery.k8s.io/v2): every group, version and resource in one answer."""
        groups = [{'name': ''}] if core else self._groups(store)
        items = []
        for group in groups:
            versions = []
            for version in [{'version': 'v1'}] if core else group['versions']:
                resources = [r for (g, v, _p), r in sorted(store.resources.items())
                             if g == group['name'] and v == version['version']]
                versions.append({'version': version['version'], 'resources': [r.aggregated() for r in resources],
                                 'freshness': 'Current'})
            items.append({'metadata': {'name': group['name']} if group['name'] else {}, 'versions': versions})
        return {'kind': 'APIGroupDiscoveryList', 'apiVersion': 'apidiscovery.k8s.io/v2', 'metadata': {}, 'items': items}

    def _openapi(self, path, _query):
        """/openapi/v2 and /openapi/v3[/<group-version>] from the pinned release's document (see k8s_openapi)."""
        document = self.server.store.openapi
        if document is None:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        if path == '/openapi/v2':
            accept = self.headers.get('Accept') or ''
            if accept and all(k8s_openapi.SWAGGER_MEDIA_PROTOBUF in part for part in accept.split(',')):
                raise ApiError(406, 'NotAcceptable', 'only the following media types are accepted: application/json')
            self.response_type = 'application/json'
            return 200, document.v2_bytes
        custom = {}  # 'apis/<group>/<version>' -> its CRD-built document
        for (group, version, plural), resource in sorted(self.server.store.resources.items()):
            if resource.crd:
                custom.setdefault('apis/%s/%s' % (group, version), []).append((plural, resource.kind, resource.namespaced, resource.schema))
        if path == '/openapi/v3':
            index = document.v3_index()
            for group_version, resources in custom.items():
                group, version = group_version.split('/')[1:]
                digest = hashlib.sha512(document.crd_v3_bytes(group, version, resources)).hexdigest()[:128].upper()
                index['paths'][group_version] = {'serverRelativeURL': '/openapi/v3/%s?hash=%s' % (group_version, digest)}
            return 200, index
        group_version = path[len('/openapi/v3/'):]
        if group_version in custom:
            group, version = group_version.split('/')[1:]
            return 200, document.crd_v3_bytes(group, version, custom[group_version])
        body = document.v3_bytes(group_version)
        if body is None:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        return 200, body

    @staticmethod
    def _groups(store):
        groups = {}
        for (group, version, _plural), _resource in store.resources.items():
            if group:
                groups.setdefault(group, [])
                if version not in groups[group]:
                    groups[group].append(version)
        result = []
        for group, versions in sorted(groups.items()):
            versions = sorted(versions, reverse=True)  # v1beta2 before v1beta1, v1 alone
            entries = [{'groupVersion': '%s/%s' % (group, v), 'version': v} for v in versions]
            result.append({'name': group, 'versions': entries, 'preferredVersion': entries[0]})
        return result


class WatchStream:
    """A watch (``?watch=true``): ADDED/MODIFIED/DELETED events as the store changes, one JSON object per chunk.

    Without a resourceVersion (or "0") the objects that exist come first as ADDED, as the API server
    sends them; with one, only later changes (the emulator keeps no history to replay). A streaming
    list (``sendInitialEvents=true``, kubectl 1.35+) gets them all, then the BOOKMARK annotated
    ``k8s.io/initial-events-end``. Changes are
    seen by polling every 50 ms; the stream ends after ``timeoutSeconds`` (default 30 min), when the
    client goes away or when the emulator stops. ``kubectl get -w`` gets Table objects (column
    definitions in the first event only, as the API server sends them).
    """

    def __init__(self, api, name, table):
        self.api, self.name, self.table = api, name, table
        self.deadline = time.time() + min(float(api.query.get('timeoutSeconds') or 1800), 1800)
        self.first = True

    def snapshot(self):
        with self.api.store.lock:
            items = self.api._selected()
            return {o['metadata']['name']: (o['metadata'].get('resourceVersion'), self.api.present(o))
                    for o in items if self.name is None or o['metadata']['name'] == self.name}

    def encode(self, kind, obj):
        if self.table and kind != 'BOOKMARK':
            resource = self.api.resource
            crd = self.api.store.objects.get(('apiextensions.k8s.io', 'customresourcedefinitions', None, resource.crd)) if resource.crd else None
            obj = k8s_printing.table(resource.kind, [obj], obj['metadata'].get('resourceVersion', ''), crd, resource.version,
                                     self.api.query.get('includeObject', 'Metadata'))
            if not self.first:
                obj['columnDefinitions'] = []
            self.first = False
        return (json.dumps({'type': kind, 'object': obj}) + '\n').encode()

    def stream(self, handler):
        handler.send_response(200)
        handler.send_header('Content-Type', handler.response_type)
        handler.send_header('Transfer-Encoding', 'chunked')
        handler.end_headers()
        since = self.api.query.get('resourceVersion')
        seen = self.snapshot()
        initial = self.api.query.get('sendInitialEvents') == 'true'  # a streaming list (client-go's WatchList)
        pending = [('ADDED', obj) for _rv, obj in seen.values()] if initial or since in (None, '', '0') else []
        if initial:  # the end of the initial events: a bookmark with the annotation the client waits for
            pending.append(('BOOKMARK', {'kind': self.api.resource.kind, 'apiVersion': self.api.resource.group_version,
                                         'metadata': {'resourceVersion': str(self.api.store.revision),
                                                      'annotations': {'k8s.io/initial-events-end': 'true'}}}))
        try:
            while time.time() < self.deadline and not handler.server.stopping:
                for kind, obj in pending:
                    data = self.encode(kind, obj)
                    handler.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))
                handler.wfile.flush()
                time.sleep(0.05)
                now = self.snapshot()
                pending = [('ADDED' if key not in seen else 'MODIFIED', obj) for key, (rv, obj) in now.items()
                           if key not in seen or seen[key][0] != rv]
                pending += [('DELETED', obj) for key, (_rv, obj) in seen.items() if key not in now]
                seen = now
            handler.wfile.write(b'0\r\n\r\n')
        except OSError:  # the client went away
            handler.close_connection = True


class Api:
    """The verbs on one resource; the caller holds the store lock."""

    def __init__(self, store, resource, namespace, query, dry_run, content_type):
        self.store, self.resource, self.namespace, self.query = store, resource, namespace, query
        self.dry_run, self.content_type = dry_run, content_type.split(';')[0].strip()
        self.group = resource.group
        self.warnings = []  # sent as Warning headers, as the API server's warning.AddWarning

    def key(self, name):
        return (self.group, self.resource.plural, self.namespace if self.resource.namespaced else None, name)

    def qualified(self):
        return '%s.%s' % (self.resource.plural, self.group) if self.group else self.resource.plural

    def not_found(self, name):
        return ApiError(404, 'NotFound', '%s "%s" not found' % (self.qualified(), name),
                        {'name': name, 'group': self.group, 'kind': self.resource.plural})

    def present(self, obj):
        obj = copy.deepcopy(obj)
        obj['apiVersion'] = self.resource.group_version
        obj['kind'] = self.resource.kind
        return obj

    def fetch(self, name):
        obj = self.store.objects.get(self.key(name))
        if obj is None and self.resource.plural == 'endpoints':
            obj = self.store.endpoints_for(self.namespace, name)
        if obj is not None:
            self.store.refresh_workload(self.resource.plural, obj)
        return obj

    def get(self, name):
        obj = self.fetch(name)
        if obj is None:
            raise self.not_found(name)
        return 200, self.present(obj)

    def _selected(self):
        match = parse_selector(self.query.get('labelSelector'))
        fields = []  # (dotted path, wanted value, equal?) like the API server's field selectors (=, ==, !=)
        for part in (self.query.get('fieldSelector') or '').split(','):
            if '!=' in part:
                path, value = part.split('!=', 1)
                fields.append((path.strip(), value.strip(), False))
            elif '=' in part:
                path, value = re.split(r'==?', part, maxsplit=1)
                fields.append((path.strip(), value.strip(), True))
        namespace = self.namespace if self.resource.namespaced else None
        items = []
        for obj in self.store.objects_of(self.group, self.resource.plural, namespace):
            meta = obj['metadata']
            if not match(meta.get('labels')):
                continue
            if not all((self._field(obj, path) == value) == equal for path, value, equal in fields):
                continue
            items.append(self.store.refresh_workload(self.resource.plural, obj))
        return items

    @staticmethod
    def _field(obj, path):
        """A field selector's value: the dotted path's value as text ('' when absent)."""
        value = obj
        for part in path.split('.'):
            value = value.get(part) if isinstance(value, dict) else None
        if path == 'source' and isinstance(obj.get('source'), dict):  # events: source is the reporting component
            value = obj['source'].get('component')
        return '' if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    def list(self):
        items = []
        for obj in self._selected():
            item = self.present(obj)
            items.append(item)
        return 200, {'kind': self.resource.kind + 'List', 'apiVersion': self.resource.group_version,
                     'metadata': {'resourceVersion': str(self.store.revision)}, 'items': items}

    # -- admission --

    def admit(self, obj, old, operation):
        """Defaulting, validation and the webhooks; returns the object to store."""
        resource = self.resource
        if not isinstance(obj, dict):
            raise ApiError(400, 'BadRequest', 'the body of the request must be a JSON object')
        meta = obj.setdefault('metadata', {})
        name = meta.get('name')
        if not name and meta.get('generateName') and operation == 'CREATE':
            name = meta['name'] = meta['generateName'] + uuid.uuid4().hex[:5]
        invalid = []
        if not name:
            invalid.append('metadata.name: Required value: name or generateName is required')
        elif resource.group == 'rbac.authorization.k8s.io':  # RBAC names only have to be path segments
            if name in ('.', '..') or '/' in name or '%' in name:
                invalid.append('metadata.name: Invalid value: "%s": may not contain \'/\' or \'%%\'' % name)
        elif not NAME_RE.match(name) or len(name) > 253:
            invalid.append('metadata.name: Invalid value: "%s": a lowercase RFC 1123 subdomain must consist of lower case '
                           "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character" % name)
        if resource.namespaced:
            if meta.get('namespace') not in (None, self.namespace):
                raise ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request')
            meta['namespace'] = self.namespace
            if ('', 'namespaces', None, self.namespace) not in self.store.objects:
                raise ApiError(404, 'NotFound', 'namespaces "%s" not found' % self.namespace,
                               {'name': self.namespace, 'kind': 'namespaces'})
        else:
            meta.pop('namespace', None)
        expected = resource.group_version
        if obj.get('apiVersion') not in (None, expected) or obj.get('kind') not in (None, resource.kind):
            raise ApiError(400, 'BadRequest', 'the API version in the data (%s) does not match the expected API version (%s)'
                           % (obj.get('apiVersion'), expected) if obj.get('apiVersion') != expected else
                           'the kind in the data (%s) does not match the expected kind (%s)' % (obj.get('kind'), resource.kind))
        obj['apiVersion'], obj['kind'] = expected, resource.kind
        if resource.crd is None and self.store.openapi is not None:
            self._decode_check(obj)
        if resource.plural == 'secrets':
            self._secret(obj, old, invalid)
        if resource.plural == 'services':
            self._service(obj, old, invalid)
        if resource.plural == 'ingresses':
            self._ingress(obj, invalid)
        if resource.plural == 'configmaps':
            for key, value in (obj.get('data') or {}).items():
                if not DATA_KEY_RE.match(key):
                    invalid.append('data[%s]: Invalid value: "%s": a valid config key must consist of alphanumeric characters, '
                                   "'-', '_' or '.'" % (key, key))
                if not isinstance(value, str):
                    invalid.append('data[%s]: Invalid value: must be a string' % key)
        if resource.schema is not None:
            if resource.status_subresource:
                obj.pop('status', None)
                if old and 'status' in old:
                    obj['status'] = copy.deepcopy(old['status'])
            body = {k: v for k, v in obj.items() if k not in ('apiVersion', 'kind', 'metadata', 'status')}
            schema = dict(resource.schema)
            properties = {k: v for k, v in (schema.get('properties') or {}).items() if k not in ('apiVersion', 'kind', 'metadata', 'status')}
            unknown = []
            checked = apply_schema(body, dict(schema, properties=properties,
                                              required=[r for r in schema.get('required') or [] if r != 'metadata']), '', invalid, unknown)
            self._unknown_fields(unknown)
            for key in list(obj):
                if key not in ('apiVersion', 'kind', 'metadata', 'status') and key not in checked:
                    del obj[key]
            obj.update(checked)
        if invalid:
            raise ApiError(422, 'Invalid', '%s "%s" is invalid: %s' % (
                resource.kind if not self.group else '%s.%s' % (resource.kind, self.group), name,
                invalid[0] if len(invalid) == 1 else '[%s]' % ', '.join(invalid)),
                {'name': name, 'group': self.group, 'kind': resource.kind,
                 'causes': [{'reason': 'FieldValueInvalid', 'message': m} for m in invalid]})
        self.store.check_webhooks(resource, obj, operation)
        if resource.plural == 'customresourcedefinitions':
            spec = obj.get('spec') or {}
            expected_name = '%s.%s' % (spec.get('names', {}).get('plural'), spec.get('group'))
            if name != expected_name:
                raise ApiError(422, 'Invalid', 'CustomResourceDefinition.apiextensions.k8s.io "%s" is invalid: metadata.name: '
                               'Invalid value: "%s": must be spec.names.plural+"."+spec.group' % (name, name))
        return obj

    def _typed_apply_patch(self, body, name):
        """Server-side apply turns the patch into a typed object first: a field the schema lacks fails whatever
        fieldValidation says, and (kubernetes#139253, open in 1.36) as a 500 without a reason."""
        unknown = []
        if not isinstance(body, dict):
            return
        if self.resource.crd is None and self.store.openapi is not None:
            try:
                unknown = self.store.openapi.check(body, (self.group, self.resource.version, self.resource.kind), 'Ignore')[1]
            except k8s_openapi.DecodeError:
                return  # a wrong type is reported by the decoding check, as for any write
        elif self.resource.schema is not None:
            spec = {k: v for k, v in body.items() if k not in ('apiVersion', 'kind', 'metadata')}
            apply_schema(spec, dict(self.resource.schema, required=[]), '', [], unknown)
        if unknown:
            gvk = '%s, Kind=%s' % ('%s/%s' % (self.group, self.resource.version) if self.group else '/' + self.resource.version,
                                   self.resource.kind)
            raise ApiError(500, '', 'failed to create typed patch object (%s/%s; %s): .%s: field not declared in schema'
                           % (self.namespace or '', name, gvk, unknown[0]))

    def _directive(self):
        directive = self.query.get('fieldValidation') or 'Warn'  # the API server's default since 1.27
        if directive not in ('Ignore', 'Warn', 'Strict'):
            raise ApiError(400, 'BadRequest', 'fieldValidation must be one of Ignore, Warn or Strict, got %s' % directive)
        return directive

    def _unknown_fields(self, unknown):
        """Pruned unknown fields: dropped (Ignore), a Warning header each (Warn) or a 400 (Strict)."""
        directive, kind = self._directive(), self.resource.kind
        if unknown and directive == 'Strict':
            raise ApiError(400, 'BadRequest', '%s in version "%s" cannot be handled as a %s: strict decoding error: %s'
                           % (kind, self.resource.version, kind, ', '.join('unknown field "%s"' % p for p in unknown)))
        if directive == 'Warn':
            self.warnings.extend('unknown field "%s"' % path for path in unknown)

    def _decode_check(self, obj):
        """The API server decodes built-in kinds into their Go types: wrong types fail, unknown fields per fieldValidation."""
        gvk = (self.group, self.resource.version, self.resource.kind)
        try:
            checked, unknown = self.store.openapi.check(obj, gvk, self._directive())
        except k8s_openapi.DecodeError as exc:
            raise ApiError(400, 'BadRequest', str(exc))
        self._unknown_fields(unknown)
        obj.clear()
        obj.update(checked)

    def _service(self, obj, old, invalid):
        """The API server's Service defaults and allocations: cluster IP, node ports, policies; status kept on update.

        Cluster IPs come from the kubeadm default range 10.96.0.0/12 (the real allocator picks at random; here the
        lowest free address from 10.96.0.10), node ports from 30000-32767 (likewise the lowest free one).
        """
        spec = obj.setdefault('spec', {})
        old_spec = (old or {}).get('spec') or {}
        kind = spec.setdefault('type', 'ClusterIP')
        if kind not in ('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'):
            invalid.append('spec.type: Unsupported value: "%s": supported values: "ClusterIP", "ExternalName", "LoadBalancer", '
                           '"NodePort"' % kind)
            return
        spec.setdefault('sessionAffinity', 'None')
        if kind == 'ExternalName':
            return
        for port in spec.get('ports') or []:
            port.setdefault('protocol', 'TCP')
            port.setdefault('targetPort', port.get('port'))
        if not spec.get('clusterIP') and old_spec.get('clusterIP'):
            spec['clusterIP'], spec['clusterIPs'] = old_spec['clusterIP'], old_spec.get('clusterIPs') or [old_spec['clusterIP']]
        if not spec.get('clusterIP'):
            taken = {(s.get('spec') or {}).get('clusterIP') for s in self.store.objects_of('', 'services')}
            spec['clusterIP'] = next(str(a) for a in ipaddress.ip_network('10.96.0.0/12').hosts()
                                     if (a.packed[2] or a.packed[3] >= 10) and str(a) not in taken)
        spec.setdefault('clusterIPs', [spec['clusterIP']])
        if spec['clusterIP'] != 'None':
            spec.setdefault('ipFamilies', ['IPv%d' % ipaddress.ip_address(spec['clusterIP']).version])
            spec.setdefault('ipFamilyPolicy', 'SingleStack')
        spec.setdefault('internalTrafficPolicy', 'Cluster')
        if kind in ('NodePort', 'LoadBalancer'):
            spec.setdefault('externalTrafficPolicy', 'Cluster')
            if kind == 'LoadBalancer':
                spec.setdefault('allocateLoadBalancerNodePorts', True)
            if kind == 'NodePort' or spec.get('allocateLoadBalancerNodePorts'):
                old_ports = {(p.get('protocol', 'TCP'), p.get('port')): p.get('nodePort') for p in old_spec.get('ports') or []}
                taken = {p.get('nodePort') for s in self.store.objects_of('', 'services') for p in (s.get('spec') or {}).get('ports') or []}
                for port in spec.get('ports') or []:
                    if not port.get('nodePort'):
                        port['nodePort'] = old_ports.get((port['protocol'], port.get('port'))) or \
                            next(n for n in range(30000, 32768) if n not in taken)
                        taken.add(port['nodePort'])
        if old is not None:
            obj['status'] = copy.deepcopy(old.get('status') or {'loadBalancer': {}})
        else:
            obj['status'] = {'loadBalancer': {}}

    @staticmethod
    def _ingress(obj, invalid):
        """networking/v1 Ingress validation (pkg/apis/networking/validation): hosts, path types, paths."""
        spec = obj.get('spec') or {}
        subdomain = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
                     "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        wildcard = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower "
                    "case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used "
                    "for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")

        def host_errors(path, host):
            try:
                ipaddress.ip_address(host)
                return ['%s: Invalid value: "%s": must be a DNS name, not an IP address' % (path, host)]
            except ValueError:
                pass
            if host.startswith('*.'):
                return [] if NAME_RE.match(host[2:]) and len(host) <= 253 else ['%s: Invalid value: "%s": %s' % (path, host, wildcard)]
            return [] if NAME_RE.match(host) and len(host) <= 253 else ['%s: Invalid value: "%s": %s' % (path, host, subdomain)]

        if not spec.get('rules') and not spec.get('defaultBackend'):
            invalid.append('spec: Invalid value: "null": either `defaultBackend` or `rules` must be specified')
        for index, rule in enumerate(spec.get('rules') or []):
            if rule.get('host'):
                invalid.extend(host_errors('spec.rules[%d].host' % index, rule['host']))
            for number, entry in enumerate(((rule.get('http') or {}).get('paths')) or []):
                where = 'spec.rules[%d].http.paths[%d]' % (index, number)
                kind = entry.get('pathType')
                if not kind:
                    invalid.append('%s.pathType: Required value: pathType must be specified' % where)
                elif kind not in ('Exact', 'Prefix', 'ImplementationSpecific'):
                    invalid.append('%s.pathType: Unsupported value: "%s": supported values: "Exact", "ImplementationSpecific", "Prefix"'
                                   % (where, kind))
                elif kind in ('Exact', 'Prefix') and not str(entry.get('path', '')).startswith('/'):
                    invalid.append('%s.path: Invalid value: "%s": must be an absolute path' % (where, entry.get('path', '')))
        for index, tls in enumerate(spec.get('tls') or []):
            for number, host in enumerate(tls.get('hosts') or []):
                invalid.extend(host_errors('spec.tls[%d].hosts[%d]' % (index, number), host))

    def _secret(self, obj, old, invalid):
        string_data = obj.pop('stringData', None) or {}
        data = obj.setdefault('data', {}) if (obj.get('data') is not None or string_data) else obj.get('data')
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        for key, value in (data or {}).items():
            if not DATA_KEY_RE.match(key):
                invalid.append('data[%s]: Invalid value: "%s": a valid config key must consist of alphanumeric characters' % (key, key))
            try:
                base64.b64decode(value, validate=True)
            except (ValueError, TypeError):
                raise ApiError(400, 'BadRequest', 'illegal base64 data in Secret data key %s' % key)
        obj.setdefault('type', 'Opaque')
        if obj['type'] == 'kubernetes.io/tls':
            for required in ('tls.crt', 'tls.key'):
                if required not in (data or {}):
                    invalid.append('data[%s]: Required value' % required)
        if old is not None and old.get('type', 'Opaque') != obj['type']:
            invalid.append('type: Invalid value: "%s": field is immutable' % obj['type'])
        if old is not None and old.get('immutable') and old.get('data') != obj.get('data'):
            invalid.append('data: Forbidden: field is immutable when `immutable` is set')

    def finish(self, obj, old):
        """Server-set metadata, then store (unless dry run)."""
        meta = obj['metadata']
        if old is None:
            meta['uid'] = str(uuid.uuid4())
            meta['creationTimestamp'] = now_iso()
            meta['generation'] = 1
            meta['resourceVersion'] = str(self.store.revision + 1)
        else:
            for key in ('uid', 'creationTimestamp'):
                meta[key] = old['metadata'][key]
            changed = {k: v for k, v in obj.items() if k not in ('metadata', 'status')} != \
                {k: v for k, v in old.items() if k not in ('metadata', 'status')}
            meta['generation'] = old['metadata'].get('generation', 1) + (1 if changed else 0)
            if obj == old or (changed is False and {k: v for k, v in meta.items() if k != 'resourceVersion'} ==
                              {k: v for k, v in old['metadata'].items() if k != 'resourceVersion'} and obj.get('status') == old.get('status')):
                meta['resourceVersion'] = old['metadata']['resourceVersion']  # a no-op write does not bump
                return self.present(obj)
            meta['resourceVersion'] = str(self.store.revision + 1)
        meta.pop('managedFields', None)
        if self.dry_run:
            return self.present(obj)
        self.store.revision += 1
        if self.resource.plural in WORKLOADS:
            obj.pop('status', None) if old is None else None
            if old is None or meta['generation'] != old['metadata'].get('generation'):
                self.store.ready_at[(self.resource.plural, meta.get('namespace'), meta['name'])] = time.time() + self.store.rollout_delay
        if self.resource.plural == 'namespaces':
            meta.setdefault('labels', {})['kubernetes.io/metadata.name'] = meta['name']
            obj.setdefault('spec', {'finalizers': ['kubernetes']})
            obj['status'] = {'phase': 'Active'}
        self.store.objects[self.key(meta['name'])] = obj
        if self.resource.plural == 'customresourcedefinitions':
            if old is not None:
                self.store.unregister_crd(old) if old['spec'].get('names') != obj['spec'].get('names') else None
            self.store.register_crd(obj)
        return self.present(obj)

    def create(self, body):
        body = copy.deepcopy(body)
        name = ((body or {}).get('metadata') or {}).get('name')
        if name and self.store.objects.get(self.key(name)) is not None:
            raise ApiError(409, 'AlreadyExists', '%s "%s" already exists' % (self.qualified(), name),
                           {'name': name, 'group': self.group, 'kind': self.resource.plural})
        obj = self.admit(body, None, 'CREATE')
        if obj['metadata'].get('resourceVersion'):
            raise ApiError(422, 'Invalid', 'metadata.resourceVersion: Invalid value: "%s": must be empty' % obj['metadata']['resourceVersion'])
        if self.resource.plural in WORKLOADS:
            obj.pop('status', None)
        return 201, self.finish(obj, None)

    def replace(self, name, body, subresource=None):
        old = self.store.objects.get(self.key(name))
        if old is None:
            raise self.not_found(name)
        body = copy.deepcopy(body or {})
        if (body.get('metadata') or {}).get('name') not in (None, name):
            raise ApiError(400, 'BadRequest', 'the name of the object (%s) does not match the name on the URL (%s)'
                           % (body['metadata']['name'], name))
        body.setdefault('metadata', {})['name'] = name
        version = body['metadata'].get('resourceVersion')
        if version and version != old['metadata']['resourceVersion']:
            raise ApiError(409, 'Conflict', 'Operation cannot be fulfilled on %s "%s": the object has been modified; please apply '
                           'your changes to the latest version and try again' % (self.qualified(), name),
                           {'name': name, 'group': self.group, 'kind': self.resource.plural})
        if subresource == 'status':
            merged = copy.deepcopy(old)
            merged['status'] = body.get('status')
            return 200, self.finish(merged, old)
        obj = self.admit(body, old, 'UPDATE')
        return 200, self.finish(obj, old)

    def patch(self, name, body, subresource=None):
        old = self.store.objects.get(self.key(name))
        content_type = self.content_type
        if content_type == 'application/strategic-merge-patch+json' and self.resource.crd:
            raise ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: '
                           'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml')
        if content_type == 'application/apply-patch+yaml':
            if not self.query.get('fieldManager'):
                raise ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
            self._typed_apply_patch(body, name)
            if old is None:
                return 201, self.finish(self.admit(copy.deepcopy(body), None, 'CREATE'), None)
            merged = strategic_merge(old, body) if not self.resource.crd else json_merge(old, body)
        elif old is None:
            raise self.not_found(name)
        elif content_type == 'application/json-patch+json':
            if not isinstance(body, list):
                raise ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch')
            merged = json_patch(old, body)
        elif content_type == 'application/merge-patch+json':
            merged = json_merge(old, body)
        elif content_type == 'application/strategic-merge-patch+json':
            if self.store.openapi is not None:  # the schema's merge keys and strategies, as the API server
                merged = self.store.openapi.strategic_merge(old, body, (self.group, self.resource.version, self.resource.kind))
            else:  # without the published schema: lists of named items merge by name
                merged = strategic_merge(old, body)
        else:
            raise ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: '
                           'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'
                           + ('' if self.resource.crd else ', application/strategic-merge-patch+json'))
        version = (body or {}).get('metadata', {}).get('resourceVersion') if isinstance(body, dict) else None
        if version and version != old['metadata']['resourceVersion']:
            raise ApiError(409, 'Conflict', 'Operation cannot be fulfilled on %s "%s": the object has been modified; please apply '
                           'your changes to the latest version and try again' % (self.qualified(), name))
        merged['metadata']['name'] = name
        if subresource == 'status':
            status_only = copy.deepcopy(old)
            status_only['status'] = merged.get('status')
            return 200, self.finish(status_only, old)
        if merged['metadata'].get('uid') != old['metadata']['uid']:
            raise ApiError(409, 'Conflict', 'Precondition failed: UID in precondition does not match')
        obj = self.admit(merged, old, 'UPDATE')
        return 200, self.finish(obj, old)

    def delete(self, name):
        old = self.store.objects.get(self.key(name))
        if old is None:
            raise self.not_found(name)
        if self.resource.group == 'metallb.io':
            self.store.check_webhooks(self.resource, old, 'DELETE')
        if self.dry_run:
            return 200, self.present(old)
        del self.store.objects[self.key(name)]
        self.store.revision += 1
        if self.resource.plural == 'namespaces':
            for key in [k for k in self.store.objects if k[2] == name]:
                del self.store.objects[key]
        if self.resource.plural == 'customresourcedefinitions':
            self.store.unregister_crd(old)
        if self.resource.plural in ('namespaces',):
            gone = self.present(old)
            gone['status'] = {'phase': 'Terminating'}
            return 200, gone
        return 200, self.present(old) if self.resource.crd or self.resource.plural not in ('pods',) else self.present(old)

    def delete_collection(self):
        items = self._selected()
        for obj in items:
            if not self.dry_run:
                del self.store.objects[self.key(obj['metadata']['name'])]
        if items and not self.dry_run:
            self.store.revision += 1
        return 200, {'kind': self.resource.kind + 'List', 'apiVersion': self.resource.group_version,
                     'metadata': {'resourceVersion': str(self.store.revision)}, 'items': [self.present(o) for o in items]}


class K8sEmulator:
    """In-process control: ``K8sEmulator(port=0).start()`` then ``.url``, ``.write_kubeconfig(path)``, ``.stop()``."""

    def __init__(self, host='127.0.0.1', port=0, metallb_crds=True, token=TOKEN, reference_dir=REFERENCE_DIR, tls=False):
        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.server.stopping = False
        self.server.store = Store(metallb_crds=metallb_crds, reference_dir=reference_dir)
        self.server.metallb_crds = metallb_crds
        self.server.token = token
        self.store = self.server.store
        self.host, self.port = self.server.server_address[:2]
        self.ca_pem = None
        if tls:
            self.ca_pem = self._serve_tls()
        self.url = '%s://%s:%d' % ('https' if tls else 'http', self.host, self.port)
        self.thread = None

    def _serve_tls(self):
        """A throwaway CA and a server certificate for the listening address, made now (never stored)."""
        import ssl
        import tempfile
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        now = datetime.datetime.now(datetime.timezone.utc)

        def make(subject, issuer, key, signer, ca):
            builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                       .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                       .not_valid_after(now + datetime.timedelta(days=2))
                       .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
            # the key identifiers and usages that strict verifiers (Python 3.13+) require
            builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
            if ca:
                builder = builder.add_extension(x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            else:
                builder = builder.add_extension(x509.SubjectAlternativeName([
                    x509.IPAddress(ipaddress.ip_address(self.host)), x509.DNSName('localhost')]), critical=False)
                builder = builder.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            return builder.sign(signer, hashes.SHA256())

        ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'kube-edge emulator CA')])
        ca = make(ca_name, ca_name, ca_key, ca_key, True)
        cert = make(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'kube-apiserver')]), ca_name, key, ca_key, False)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as scratch:  # load_cert_chain wants files; they live only this long
            cert_path, key_path = os.path.join(scratch, 'tls.crt'), os.path.join(scratch, 'tls.key')
            with open(cert_path, 'wb') as handle:
                handle.write(cert.public_bytes(serialization.Encoding.PEM))
            with open(key_path, 'wb') as handle:
                handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            context.load_cert_chain(cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        return ca.public_bytes(serialization.Encoding.PEM).decode('ascii')

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name='k8s-emulator', daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.stopping = True  # ends open watches
        self.server.shutdown()
        self.server.server_close()

    def reset(self, metallb_crds=True):
        """Forget every object, request and fault (as ``POST /_emulator/reset``)."""
        self.store.reset(metallb_crds=metallb_crds)
        return self

    def requests(self):
        """The request log (as ``GET /_emulator/requests``)."""
        with self.store.lock:
            return [dict(entry) for entry in self.store.log]

    def clear_requests(self):
        with self.store.lock:
            self.store.log = []

    def faults(self, rollout_delay=None, webhook_down_seconds=None, webhook_down_calls=None, fail=None, metallb_controller=None):
        """Inject faults (as ``POST /_emulator/faults``)."""
        with self.store.lock:
            if metallb_controller is not None:
                self.store.metallb_controller = bool(metallb_controller)
            if webhook_down_calls is not None:
                self.store.webhook_down_calls = int(webhook_down_calls)
            if rollout_delay is not None:
                self.store.rollout_delay = float(rollout_delay)
            if webhook_down_seconds is not None:
                self.store.webhook_down_until = time.time() + float(webhook_down_seconds)
            self.store.injected.extend(dict(f) for f in fail or [])

    def write_kubeconfig(self, path, namespace='default'):
        config = {
            'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'emulator', 'preferences': {},
            'clusters': [{'name': 'emulator', 'cluster': dict(
                {'server': self.url},
                **({'certificate-authority-data': base64.b64encode(self.ca_pem.encode()).decode()} if self.ca_pem else {}))}],
            'users': [{'name': 'emulator', 'user': {'token': self.server.token}}],
            'contexts': [{'name': 'emulator', 'context': {'cluster': 'emulator', 'user': 'emulator', 'namespace': namespace}}],
        }
        with open(path, 'w') as handle:
            yaml.safe_dump(config, handle, sort_keys=False)
        return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=16443)
    parser.add_argument('--kubeconfig', help='write a kubeconfig pointing at the emulator here')
    parser.add_argument('--no-metallb-crds', action='store_true', help='start without the metallb.io CRDs (the v0.12 era)')
    parser.add_argument('--rollout-delay', type=float, default=0.0, help='seconds before Deployments/DaemonSets become ready')
    parser.add_argument('--tls', action='store_true', help='serve HTTPS with a CA made at start-up (in the kubeconfig)')
    args = parser.parse_args(argv)
    if not args.host.startswith('127.'):
        parser.error('the emulator only listens on 127.0.0.0/8')
    emulator = K8sEmulator(args.host, args.port, metallb_crds=not args.no_metallb_crds, tls=args.tls)
    emulator.store.rollout_delay = args.rollout_delay
    if args.kubeconfig:
        emulator.write_kubeconfig(args.kubeconfig)
    print('listening on %s' % emulator.url, flush=True)
    try:
        emulator.server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
