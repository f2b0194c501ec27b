# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decode the Kubernetes protobuf envelope (``application/vnd.kubernetes.protobuf``) into the JSON shape.

kubectl's typed commands (``kubectl create namespace|secret|configmap|service|ingress ...``) send
their body as protobuf, as a real API server accepts for every built-in kind: the 4-byte magic
``k8s\\0`` then a ``runtime.Unknown`` message {1: typeMeta {1: apiVersion, 2: kind}, 2: raw,
3: contentEncoding, 4: contentType} whose ``raw`` is the kind's own message.

The field numbers below are the wire contract of the kinds' ``generated.proto`` (k8s.io/api,
k8s.io/apimachinery): only the messages of the kinds the lab works with are listed. A body of any
other kind is answered 415 by the emulator with a sentence saying that decoding it is not modelled
(a real API server would accept it), so a test that needs it fails loudly instead of storing garbage.

Decoding follows Go's JSON encoding of the decoded struct: empty strings and zero integers are
omitted (``omitempty``), a zero ``metav1.Time`` is absent, ``bytes`` become base64 text and an
``IntOrString`` becomes a JSON number or string.
"""

from __future__ import annotations

import base64
import datetime

MAGIC = b'k8s\x00'
MEDIA_TYPE = 'application/vnd.kubernetes.protobuf'

# message -> {field number: (JSON name, type)}. Types: string, bool, int, bytes, map (string values),
# mapbytes, Time, IntOrString or a message name; a leading '*' means repeated, 'inline:' a Go
# embedded struct whose fields appear in the parent's JSON.
MESSAGES = {
    'TypeMeta': {1: ('apiVersion', 'string'), 2: ('kind', 'string')},
    'Unknown': {1: ('typeMeta', 'TypeMeta'), 2: ('raw', 'rawbytes'), 3: ('contentEncoding', 'string'), 4: ('contentType', 'string')},
    'ObjectMeta': {
        1: ('name', 'string'), 2: ('generateName', 'string'), 3: ('namespace', 'string'), 4: ('selfLink', 'string'),
        5: ('uid', 'string'), 6: ('resourceVersion', 'string'), 7: ('generation', 'int'), 8: ('creationTimestamp', 'Time'),
        9: ('deletionTimestamp', 'Time'), 10: ('deletionGracePeriodSeconds', 'int'), 11: ('labels', 'map'),
        12: ('annotations', 'map'), 13: ('ownerReferences', '*OwnerReference'), 14: ('finalizers', '*string')},
    'OwnerReference': {1: ('kind', 'string'), 3: ('name', 'string'), 4: ('uid', 'string'), 5: ('apiVersion', 'string'),
                       6: ('controller', 'bool'), 7: ('blockOwnerDeletion', 'bool')},
    'Namespace': {1: ('metadata', 'ObjectMeta'), 2: ('spec', 'NamespaceSpec'), 3: ('status', 'NamespaceStatus')},
    'NamespaceSpec': {1: ('finalizers', '*string')},
    'NamespaceStatus': {1: ('phase', 'string')},
    'Secret': {1: ('metadata', 'ObjectMeta'), 2: ('data', 'mapbytes'), 3: ('type', 'string'), 4: ('stringData', 'map'),
               5: ('immutable', 'bool')},
    'ConfigMap': {1: ('metadata', 'ObjectMeta'), 2: ('data', 'map'), 3: ('binaryData', 'mapbytes'), 4: ('immutable', 'bool')},
    'ServiceAccount': {1: ('metadata', 'ObjectMeta'), 2: ('secrets', '*ObjectReference'),
                       3: ('imagePullSecrets', '*LocalObjectReference'), 4: ('automountServiceAccountToken', 'bool')},
    'ObjectReference': {1: ('kind', 'string'), 2: ('namespace', 'string'), 3: ('name', 'string'), 4: ('uid', 'string'),
                        5: ('apiVersion', 'string'), 6: ('resourceVersion', 'string'), 7: ('fieldPath', 'string')},
    'LocalObjectReference': {1: ('name', 'string')},
    'Service': {1: ('metadata', 'ObjectMeta'), 2: ('spec', 'ServiceSpec'), 3: ('status', 'ServiceStatus')},
    'ServiceSpec': {
        1: ('ports', '*ServicePort'), 2: ('selector', 'map'), 3: ('clusterIP', 'string'), 4: ('type', 'string'),
        5: ('externalIPs', '*string'), 7: ('sessionAffinity', 'string'), 8: ('loadBalancerIP', 'string'),
        9: ('loadBalancerSourceRanges', '*string'), 10: ('externalName', 'string'), 11: ('externalTrafficPolicy', 'string'),
        12: ('healthCheckNodePort', 'int'), 13: ('publishNotReadyAddresses', 'bool'), 17: ('ipFamilyPolicy', 'string'),
        18: ('clusterIPs', '*string'), 19: ('ipFamilies', '*string'), 20: ('allocateLoadBalancerNodePorts', 'bool'),
        21: ('loadBalancerClass', 'string'), 22: ('internalTrafficPolicy', 'string'), 23: ('trafficDistribution', 'string')},
    'ServicePort': {1: ('name', 'string'), 2: ('protocol', 'string'), 3: ('port', 'int'), 4: ('targetPort', 'IntOrString'),
                    5: ('nodePort', 'int'), 6: ('appProtocol', 'string')},
    'ServiceStatus': {1: ('loadBalancer', 'LoadBalancerStatus')},
    'LoadBalancerStatus': {1: ('ingress', '*LoadBalancerIngress')},
    'LoadBalancerIngress': {1: ('ip', 'string'), 2: ('hostname', 'string'), 3: ('ipMode', 'string')},
    'Ingress': {1: ('metadata', 'ObjectMeta'), 2: ('spec', 'IngressSpec'), 3: ('status', 'IngressStatus')},
    'IngressSpec': {1: ('defaultBackend', 'IngressBackend'), 2: ('tls', '*IngressTLS'), 3: ('rules', '*IngressRule'),
                    4: ('ingressClassName', 'string')},
    'IngressBackend': {3: ('resource', 'TypedLocalObjectReference'), 4: ('service', 'IngressServiceBackend')},
    'TypedLocalObjectReference': {1: ('apiGroup', 'string'), 2: ('kind', 'string'), 3: ('name', 'string')},
    'IngressServiceBackend': {1: ('name', 'string'), 2: ('port', 'ServiceBackendPort')},
    'ServiceBackendPort': {1: ('name', 'string'), 2: ('number', 'int')},
    'IngressTLS': {1: ('hosts', '*string'), 2: ('secretName', 'string')},
    'IngressRule': {1: ('host', 'string'), 2: ('ingressRuleValue', 'inline:IngressRuleValue')},
    'IngressRuleValue': {1: ('http', 'HTTPIngressRuleValue')},
    'HTTPIngressRuleValue': {1: ('paths', '*HTTPIngressPath')},
    'HTTPIngressPath': {1: ('path', 'string'), 2: ('backend', 'IngressBackend'), 3: ('pathType', 'string')},
    'IngressStatus': {1: ('loadBalancer', 'IngressLoadBalancerStatus')},
    'IngressLoadBalancerStatus': {1: ('ingress', '*IngressLoadBalancerIngress')},
    'IngressLoadBalancerIngress': {1: ('ip', 'string'), 2: ('hostname', 'string')},
    'Time': {1: ('seconds', 'int'), 2: ('nanos', 'int')},
    'IntOrString': {1: ('type', 'int'), 2: ('intVal', 'int'), 3: ('strVal', 'string')},
    'MapEntry': {1: ('key', 'rawbytes'), 2: ('value', 'rawbytes')},
}

# (apiVersion, kind) -> top-level message
KINDS = {
    ('v1', 'Namespace'): 'Namespace', ('v1', 'Secret'): 'Secret', ('v1', 'ConfigMap'): 'ConfigMap',
    ('v1', 'Service'): 'Service', ('v1', 'ServiceAccount'): 'ServiceAccount',
    ('networking.k8s.io/v1', 'Ingress'): 'Ingress',
}


class ProtobufError(ValueError):
    """The body is not a protobuf envelope this module can decode; ``unsupported`` for a kind not modelled."""

    def __init__(self, message, unsupported=False):
        super().__init__(message)
        self.unsupported = unsupported


def _varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError('truncated varint')
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError('varint too long')


def fields(data):
    """Yield (number, wire type, value) for a message: value is an int (varint/fixed) or bytes."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError('truncated field %d' % number)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = int.from_bytes(data[pos:pos + 8], 'little'), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(data[pos:pos + 4], 'little'), pos + 4
        else:
            raise ProtobufError('unsupported wire type %d' % wire)
        yield number, wire, value


def _signed(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def _scalar(kind, value):
    if kind == 'string':
        return value.decode('utf-8')
    if kind == 'bool':
        return bool(value)
    if kind == 'int':
        return _signed(value)
    if kind == 'bytes':
        return base64.b64encode(value).decode('ascii')
    if kind == 'rawbytes':
        return value
    return decode_message(kind, value)


def decode_message(name, data):
    """One message as the dict Go's JSON encoding of the decoded struct would print."""
    table = MESSAGES[name]
    if name == 'Time':
        raw = {n: v for n, _w, v in fields(data)}
        if not raw.get(1):
            return None
        return datetime.datetime.fromtimestamp(_signed(raw[1]), datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    if name == 'IntOrString':
        raw = {n: v for n, _w, v in fields(data)}
        return raw.get(3, b'').decode('utf-8') if raw.get(1) == 1 else _signed(raw.get(2, 0))
    result = {}
    for number, _wire, value in fields(data):
        if number not in table:
            continue  # unknown fields are skipped, as Go's protobuf decoder does
        key, kind = table[number]
        if kind.startswith('*'):
            result.setdefault(key, []).append(_scalar(kind[1:], value))
        elif kind in ('map', 'mapbytes'):
            entry = {n: v for n, _w, v in fields(value)}
            text = entry.get(2, b'')
            result.setdefault(key, {})[entry.get(1, b'').decode('utf-8')] = (
                text.decode('utf-8') if kind == 'map' else base64.b64encode(text).decode('ascii'))
        elif kind.startswith('inline:'):
            result.update(decode_message(kind[len('inline:'):], value))
        else:
            result[key] = _scalar(kind, value)
    return {k: v for k, v in result.items() if v not in ('', 0, None) or isinstance(v, bool)}


def decode(body):
    """The JSON-shaped object inside a protobuf envelope; ProtobufError when it cannot be read."""
    if not body.startswith(MAGIC):
        raise ProtobufError('provided data does not appear to be a protobuf message, expected prefix %r' % MAGIC)
    envelope = decode_message('Unknown', body[len(MAGIC):])
    type_meta = envelope.get('typeMeta') or {}
    api_version, kind = type_meta.get('apiVersion', ''), type_meta.get('kind', '')
    message = KINDS.get((api_version, kind))
    if message is None:
        raise ProtobufError('decoding %s %s from protobuf is not modelled by the emulator' % (api_version, kind), unsupported=True)
    obj = {'apiVersion': api_version, 'kind': kind}
    obj.update(decode_message(message, envelope.get('raw', b'')))
    return obj
