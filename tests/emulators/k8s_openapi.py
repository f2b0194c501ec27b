# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The published OpenAPI documents of the pinned Kubernetes release, and decoding checks against them.

Source: ``../shared/reference/kubernetes/swagger.json`` (the OpenAPI v2 document the kubernetes
repository publishes for 1.36), read at run time and never copied into the project. Without it the
emulator serves no OpenAPI document (404, as a server with OpenAPI disabled) and skips these checks;
tests that need them skip with that reason.

- ``/openapi/v2``: the document as published (JSON; a client asking only for the protobuf
  encoding gets 406, as from an API server that cannot produce it).
- ``/openapi/v3`` and ``/openapi/v3/<api/v1 | apis/<group>/<version>>``: the server splits its v3
  document per group-version; here each part is derived from v2: that group-version's paths,
  parameters inlined (the v3 documents carry no shared parameters), ``#/definitions/`` references
  moved to ``#/components/schemas/`` and the schemas they reach. kubectl reads these to learn that
  PATCH takes ``fieldValidation`` (so it leaves validation to the server) and for apply and explain.
- ``check(obj, gvk, directive)``: what the API server's decoder does with a built-in object: a
  value of the wrong JSON type is a 400 with the Go decoder's sentence; an unknown field is
  dropped (Ignore), dropped with a warning (Warn, the default) or a 400 ``strict decoding error``
  (Strict, as kubectl sends).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os

SWAGGER_MEDIA_PROTOBUF = 'application/com.github.proto-openapi.spec.v2'
_CACHE = {}


def swagger_path(reference_root):
    return os.path.join(reference_root, 'kubernetes', 'swagger.json')


def load(reference_root):
    """The parsed v2 document, or None when the reference data is absent (cached per path)."""
    path = swagger_path(reference_root)
    if path not in _CACHE:
        if not os.path.exists(path):
            return None
        with open(path, encoding='utf-8') as handle:
            document = json.load(handle)
        _CACHE[path] = OpenApi(document)
    return _CACHE[path]


def _group_version_of(path):
    """'/api/v1/...' -> 'api/v1'; '/apis/apps/v1/...' -> 'apis/apps/v1'; other paths -> None."""
    parts = path.strip('/').split('/')
    if parts[0] == 'api' and len(parts) >= 2:
        return 'api/%s' % parts[1]
    if parts[0] == 'apis' and len(parts) >= 3:
        return 'apis/%s/%s' % (parts[1], parts[2])
    return None


def _to_v3(value):
    """A v2 schema fragment in v3 form: component references, a lone $ref with siblings wrapped in allOf."""
    if isinstance(value, list):
        return [_to_v3(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {k: _to_v3(v) for k, v in value.items()}
    ref = result.get('$ref')
    if isinstance(ref, str) and ref.startswith('#/definitions/'):
        result['$ref'] = '#/components/schemas/' + ref[len('#/definitions/'):]
        if len(result) > 1:
            result = dict({k: v for k, v in result.items() if k != '$ref'}, allOf=[{'$ref': result['$ref']}])
    return result


def _refs(value, found):
    if isinstance(value, dict):
        ref = value.get('$ref')
        if isinstance(ref, str):
            found.add(ref.rsplit('/', 1)[-1])
        for item in value.values():
            _refs(item, found)
    elif isinstance(value, list):
        for item in value:
            _refs(item, found)
    return found


class OpenApi:
    def __init__(self, document):
        self.document = document
        self.definitions = document['definitions']
        self.v2_bytes = json.dumps(document).encode()
        self.by_gvk = {}
        for name, schema in self.definitions.items():
            for gvk in schema.get('x-kubernetes-group-version-kind') or []:
                self.by_gvk[(gvk.get('group', ''), gvk['version'], gvk['kind'])] = name
        self._v3 = {}

    # -- serving --

    def _parameter(self, parameter):
        if '$ref' in parameter:
            parameter = self.document['parameters'][parameter['$ref'].rsplit('/', 1)[-1]]
        parameter = copy.deepcopy(parameter)
        if parameter.get('in') == 'body':
            return None
        schema = {k: parameter.pop(k) for k in ('type', 'uniqueItems', 'items', 'format') if k in parameter}
        parameter['schema'] = schema
        return parameter

    def _operation(self, operation):
        operation = copy.deepcopy(operation)
        body = None
        parameters = []
        for parameter in operation.pop('parameters', []):
            resolved = self.document['parameters'][parameter['$ref'].rsplit('/', 1)[-1]] if '$ref' in parameter else parameter
            if resolved.get('in') == 'body':
                body = resolved
            else:
                parameters.append(self._parameter(parameter))
        if parameters:
            operation['parameters'] = parameters
        consumes = operation.pop('consumes', None) or ['*/*']
        produces = operation.pop('produces', None) or ['application/json']
        if body is not None:
            operation['requestBody'] = {'content': {c: {'schema': _to_v3(body['schema'])} for c in consumes},
                                        'required': bool(body.get('required'))}
        responses = {}
        for code, answer in (operation.pop('responses', None) or {}).items():
            entry = {'description': answer.get('description', '')}
            if 'schema' in answer:
                entry['content'] = {p: {'schema': _to_v3(answer['schema'])} for p in produces}
            responses[code] = entry
        operation['responses'] = responses
        operation.pop('schemes', None)
        return operation

    def v3_index(self):
        """The /openapi/v3 discovery: one entry per group-version, with a content hash in its URL."""
        groups = sorted({gv for gv in (_group_version_of(p) for p in self.document['paths']) if gv})
        return {'paths': {gv: {'serverRelativeURL': '/openapi/v3/%s?hash=%s' % (gv, self.v3_hash(gv))} for gv in groups}}

    def v3_hash(self, group_version):
        return hashlib.sha512(self.v3_bytes(group_version) or b'').hexdigest()[:128].upper()

    def v3_bytes(self, group_version):
        if group_version not in self._v3:
            self._v3[group_version] = self._build_v3(group_version)
        return self._v3[group_version]

    def _build_v3(self, group_version):
        paths = {}
        for path, item in self.document['paths'].items():
            if _group_version_of(path) != group_version:
                continue
            entry = {}
            for key, value in item.items():
                if key == 'parameters':
                    entry['parameters'] = [p for p in (self._parameter(p) for p in value) if p]
                else:
                    entry[key] = self._operation(value)
            paths[path] = entry
        if not paths:
            return None
        names = set()
        todo = {n for n in _refs(paths, set()) if n in self.definitions}
        for parameter in self.document['parameters'].values():
            todo |= {n for n in _refs(parameter, set()) if n in self.definitions}
        while todo:
            name = todo.pop()
            if name in names:
                continue
            names.add(name)
            todo |= {n for n in _refs(self.definitions[name], set()) if n in self.definitions} - names
        document = {'openapi': '3.0.0', 'info': {'title': 'Kubernetes', 'version': 'unversioned'}, 'paths': _to_v3(paths),
                    'components': {'schemas': {n: _to_v3(self.definitions[n]) for n in sorted(names)},
                                   'securitySchemes': {'BearerToken': {'type': 'apiKey', 'description': 'Bearer Token authentication',
                                                                       'name': 'authorization', 'in': 'header'}}}}
        return json.dumps(document).encode()

    def crd_v3_bytes(self, group, version, resources):
        """A custom resource group-version's v3 document, as the apiextensions server builds it from the CRDs.

        ``resources``: (plural, kind, namespaced, openAPIV3Schema) of each served kind. Schemas are named
        like the real ones (``io.metallb.v1beta1.IPAddressPool``); metadata refers to ObjectMeta. Paths carry
        the operations kubectl looks at (PATCH with ``fieldValidation`` and the group-version-kind).
        """
        prefix = '.'.join(reversed(group.split('.')))
        schemas, paths = {}, {}
        query = [{'name': name, 'in': 'query', 'description': text, 'schema': {'type': 'string', 'uniqueItems': True}}
                 for name, text in (('dryRun', 'When present, indicates that modifications should not be persisted.'),
                                    ('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
                                    ('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request '
                                                        '(POST/PUT/PATCH) containing unknown or duplicate fields.'))]
        for plural, kind, namespaced, schema in resources:
            gvk = {'group': group, 'version': version, 'kind': kind}
            name = '%s.%s.%s' % (prefix, version, kind)
            body = copy.deepcopy(schema or {'type': 'object', 'x-kubernetes-preserve-unknown-fields': True})
            body.setdefault('properties', {}).update({
                'apiVersion': {'type': 'string', 'description': 'APIVersion defines the versioned schema of this representation of an object.'},
                'kind': {'type': 'string', 'description': 'Kind is a string value representing the REST resource this object represents.'},
                'metadata': {'allOf': [{'$ref': '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'}],
                             'description': "Standard object's metadata."}})
            body['x-kubernetes-group-version-kind'] = [gvk]
            schemas[name] = body
            schemas[name + 'List'] = {'type': 'object', 'required': ['items'], 'x-kubernetes-group-version-kind': [dict(gvk, kind=kind + 'List')],
                                      'properties': {'apiVersion': {'type': 'string'}, 'kind': {'type': 'string'},
                                                     'items': {'type': 'array', 'items': {'$ref': '#/components/schemas/' + name}},
                                                     'metadata': {'allOf': [{'$ref': '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'}]}}}

            def operation(action, schema_name, with_body, params, gvk=tuple(gvk.items()), name=name):
                answer = {'description': 'OK', 'content': {'application/json': {'schema': {'$ref': '#/components/schemas/' + schema_name}}}}
                entry = {'operationId': '%s%s' % (action, schema_name.replace('.', '')), 'parameters': params, 'responses': {'200': answer},
                         'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': dict(gvk)}
                if with_body:
                    types = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'] \
                        if action == 'patch' else ['application/json', 'application/yaml']
                    entry['requestBody'] = {'content': {t: {'schema': {'$ref': '#/components/schemas/' + name}} for t in types}, 'required': True}
                return entry

            base = '/apis/%s/%s%s/%s' % (group, version, '/namespaces/{namespace}' if namespaced else '', plural)
            paths['/apis/%s/%s/%s' % (group, version, plural)] = {'get': operation('list', name + 'List', False, [])}
            paths[base] = {'get': operation('list', name + 'List', False, []), 'post': operation('post', name, True, query)}
            paths[base + '/{name}'] = {'get': operation('get', name, False, []), 'put': operation('put', name, True, query),
                                       'patch': operation('patch', name, True, query + [
                                           {'name': 'force', 'in': 'query', 'schema': {'type': 'boolean', 'uniqueItems': True}}]),
                                       'delete': operation('delete', name, False, query[:1])}
        todo = {'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'}
        while todo:
            definition = todo.pop()
            if definition in schemas or definition not in self.definitions:
                continue
            schemas[definition] = _to_v3(self.definitions[definition])
            todo |= {n for n in _refs(self.definitions[definition], set()) if n in self.definitions}
        document = {'openapi': '3.0.0', 'info': {'title': 'Kubernetes CRD Swagger', 'version': 'v0.1.0'}, 'paths': paths,
                    'components': {'schemas': dict(sorted(schemas.items()))}}
        return json.dumps(document).encode()

    # -- strategic merge patch --

    def strategic_merge(self, original, patch, gvk):
        """Apply a strategic merge patch as the API server does for a built-in kind.

        Lists merge by the schema's ``x-kubernetes-patch-merge-key`` where its patch strategy is
        ``merge`` (primitive lists: union) and are replaced otherwise; the directives kubectl sends are
        honoured: ``$patch`` (replace, delete), ``$setElementOrder/<list>``, ``$retainKeys`` and
        ``$deleteFromPrimitiveList/<list>``; a null deletes a key.
        """
        name = self.by_gvk.get(gvk)
        return self._merge_map(original, patch, {'$ref': '#/definitions/' + name} if name else {})

    def _merge_map(self, original, patch, schema):
        if not isinstance(patch, dict):
            return copy.deepcopy(patch)
        resolved = self._resolve(schema)
        if patch.get('$patch') == 'replace':
            return copy.deepcopy({k: v for k, v in patch.items() if k != '$patch'})
        if patch.get('$patch') == 'delete':
            return None
        properties = resolved.get('properties') or {}
        extra = resolved.get('additionalProperties') if isinstance(resolved.get('additionalProperties'), dict) else {}
        result = copy.deepcopy(original) if isinstance(original, dict) else {}
        orders = {}
        for key, value in patch.items():
            if key in ('$patch', '$retainKeys'):
                continue
            if key.startswith('$setElementOrder/'):
                orders[key.split('/', 1)[1]] = value
                continue
            if key.startswith('$deleteFromPrimitiveList/'):
                field = key.split('/', 1)[1]
                result[field] = [item for item in result.get(field) or [] if item not in value]
                continue
            sub = properties.get(key) or extra
            if value is None:
                result.pop(key, None)
            elif isinstance(value, list):
                result[key] = self._merge_list(result.get(key), value, sub)
            elif isinstance(value, dict):
                merged = self._merge_map(result.get(key), value, sub)
                if merged is None:
                    result.pop(key, None)
                else:
                    result[key] = merged
            else:
                result[key] = value
        for field, order in orders.items():
            key = (properties.get(field) or {}).get('x-kubernetes-patch-merge-key')
            if isinstance(result.get(field), list):
                wanted = [entry.get(key) if key and isinstance(entry, dict) else entry for entry in order]
                rank = {value: index for index, value in enumerate(wanted)}
                items = result[field]
                result[field] = sorted(items, key=lambda item: rank.get(item.get(key) if key and isinstance(item, dict) else item, len(rank)))
        if isinstance(patch.get('$retainKeys'), list):
            result = {k: v for k, v in result.items() if k in patch['$retainKeys']}
        return result

    def _merge_list(self, original, patch, schema):
        strategy = (schema.get('x-kubernetes-patch-strategy') or '').split(',')
        key = schema.get('x-kubernetes-patch-merge-key')
        items_schema = (self._resolve(schema).get('items') or {}) if schema else {}
        if 'merge' not in strategy or any(isinstance(i, dict) and i.get('$patch') == 'replace' for i in patch):
            return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and '$patch' in i)]
        result = copy.deepcopy(original) if isinstance(original, list) else []
        if key is None:
            return result + [item for item in patch if item not in result]
        for item in patch:
            if not isinstance(item, dict):
                continue
            index = next((i for i, old in enumerate(result) if isinstance(old, dict) and old.get(key) == item.get(key)), None)
            if item.get('$patch') == 'delete':
                result = [old for old in result if not (isinstance(old, dict) and old.get(key) == item.get(key))]
            elif index is None:
                result.append(self._merge_map(None, item, items_schema))
            else:
                result[index] = self._merge_map(result[index], item, items_schema)
        return result

    # -- decoding checks --

    def check(self, obj, gvk, directive='Warn'):
        """Return (object with unknown fields dropped, unknown field paths); raise DecodeError on a wrong type."""
        name = self.by_gvk.get(gvk)
        if name is None:
            return obj, []
        unknown = []
        kind = gvk[2]
        checked = self._walk(obj, {'$ref': '#/definitions/' + name}, '', kind, unknown, kind, gvk[1])
        if unknown and directive == 'Strict':
            raise DecodeError('%s in version "%s" cannot be handled as a %s: strict decoding error: %s'
                              % (kind, gvk[1], kind, ', '.join('unknown field "%s"' % p for p in unknown)))
        return checked, unknown

    def _resolve(self, schema):
        while '$ref' in schema:
            schema = self.definitions[schema['$ref'].rsplit('/', 1)[-1]]
        return schema

    @staticmethod
    def _go_type(schema, definitions_name=None):
        if definitions_name:
            parts = definitions_name.split('.')
            return '%s.%s' % (parts[-2], parts[-1])
        kind, fmt = schema.get('type'), schema.get('format')
        if fmt == 'int-or-string':
            return 'intstr.IntOrString'
        if kind == 'integer':
            return fmt or 'int'
        if kind == 'number':
            return 'float64'
        if kind == 'boolean':
            return 'bool'
        if kind == 'array':
            return '[]' + OpenApi._go_type(schema.get('items') or {}, (schema.get('items') or {}).get('$ref', '').rsplit('/', 1)[-1] or None)
        if kind == 'object':
            return 'map[string]%s' % OpenApi._go_type(schema.get('additionalProperties') or {'type': 'string'})
        return 'string'

    def _walk(self, value, schema, path, struct, unknown, kind, version):
        ref_name = schema.get('$ref', '').rsplit('/', 1)[-1] or None
        resolved = self._resolve(schema)
        if value is None:
            return value
        expected = resolved.get('type')
        fmt = resolved.get('format')

        def wrong(json_type):
            go_type = self._go_type(resolved, ref_name if expected == 'object' and 'properties' in resolved else None)
            raise DecodeError('%s in version "%s" cannot be handled as a %s: json: cannot unmarshal %s into Go struct field %s.%s of type %s'
                              % (kind, version, kind, json_type, struct, path, go_type))

        json_type = ('bool' if isinstance(value, bool) else 'number' if isinstance(value, (int, float)) else 'string'
                     if isinstance(value, str) else 'array' if isinstance(value, list) else 'object')
        if fmt == 'int-or-string':
            if json_type not in ('number', 'string'):
                wrong(json_type)
            return value
        if expected == 'string' and json_type != 'string':
            wrong(json_type)
        if expected == 'integer' and (json_type != 'number' or isinstance(value, float) and not value.is_integer()):
            wrong(json_type)
        if expected == 'number' and json_type != 'number':
            wrong(json_type)
        if expected == 'boolean' and json_type != 'bool':
            wrong(json_type)
        if expected == 'array':
            if json_type != 'array':
                wrong(json_type)
            return [self._walk(item, resolved.get('items') or {}, path, struct, unknown, kind, version) for item in value]
        if expected == 'object' or 'properties' in resolved:
            if json_type != 'object':
                wrong(json_type)
            properties = resolved.get('properties')
            if properties is None:  # a map (additionalProperties) or free-form object
                extra = resolved.get('additionalProperties')
                if isinstance(extra, dict):
                    return {k: self._walk(v, extra, '%s.%s' % (path, k) if path else k, struct, unknown, kind, version)
                            for k, v in value.items()}
                return value
            inner = ref_name.rsplit('.', 1)[-1] if ref_name else struct
            result = {}
            for key, item in value.items():
                sub = '%s.%s' % (path, key) if path else key
                if key in properties:
                    result[key] = self._walk(item, properties[key], sub, inner, unknown, kind, version)
                else:
                    unknown.append(sub)
            return result
        return value


class DecodeError(ValueError):
    """The 400 BadRequest a decoding failure gets (wrong JSON type, or an unknown field under Strict)."""
