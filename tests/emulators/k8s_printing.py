# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side printing (``meta.k8s.io/v1`` Table) as the API server answers ``kubectl get``.

kubectl asks ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`` and prints the columns the
server returns. The columns here are those of the API server's printers for the lab's built-in
kinds (pkg/printers/internalversion: Namespace, Secret, ConfigMap, Service, Ingress, Endpoints,
Deployment, DaemonSet, Pod); any other built-in kind gets the default table convertor (Name,
Created At); a custom resource gets Name plus its CRD version's ``additionalPrinterColumns`` (or
Age when it declares none), with the simple ``.a.b`` JSONPaths those columns use. Priority-1
columns are the ones ``-o wide`` adds. Row objects are PartialObjectMetadata (includeObject=Metadata,
the default) or the full object with ``includeObject=Object``.
"""

from __future__ import annotations

import datetime
import json

TABLE_MEDIA_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
NAME_DESCRIPTION = ('Name must be unique within a namespace. Is required when creating resources, although some resources '
                    'may allow a client to request the generation of an appropriate name automatically. Name is primarily '
                    'intended for creation idempotence and configuration definition. Cannot be updated.')
AGE_DESCRIPTION = ('CreationTimestamp is a timestamp representing the server time when this object was created. It is not '
                   'guaranteed to be set in happens-before order across separate operations. Clients may not set this value. '
                   'It is represented in RFC3339 form and is in UTC.')


def human_duration(seconds):
    """apimachinery's duration.HumanDuration, as the Age column prints it."""
    seconds = int(seconds)
    if seconds < -1:
        return '<invalid>'
    if seconds < 0:
        return '0s'
    if seconds < 120:
        return '%ds' % seconds
    minutes = seconds // 60
    if minutes < 10:
        return '%dm' % minutes if seconds % 60 == 0 else '%dm%ds' % (minutes, seconds % 60)
    if minutes < 180:
        return '%dm' % minutes
    hours = seconds // 3600
    if hours < 8:
        return '%dh' % hours if minutes % 60 == 0 else '%dh%dm' % (hours, minutes % 60)
    if hours < 48:
        return '%dh' % hours
    if hours < 24 * 8:
        return '%dd' % (hours // 24) if hours % 24 == 0 else '%dd%dh' % (hours // 24, hours % 24)
    if hours < 24 * 365 * 2:
        return '%dd' % (hours // 24)
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return '%dy' % (hours // 24 // 365) if days == 0 else '%dy%dd' % (hours // 24 // 365, days)
    return '%dy' % (hours // 24 // 365)


def age(timestamp):
    if not timestamp:
        return '<unknown>'
    then = datetime.datetime.strptime(timestamp, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
    return human_duration((datetime.datetime.now(datetime.timezone.utc) - then).total_seconds())


def _column(name, kind='string', description='', priority=0, fmt=''):
    return {'name': name, 'type': kind, 'format': fmt, 'description': description, 'priority': priority}


def _spec(obj):
    return obj.get('spec') or {}


def _service_external_ip(obj):
    spec, kind = _spec(obj), _spec(obj).get('type', 'ClusterIP')
    external = list(spec.get('externalIPs') or [])
    if kind == 'LoadBalancer':
        ingress = [i.get('ip') or i.get('hostname') for i in ((obj.get('status') or {}).get('loadBalancer') or {}).get('ingress') or []]
        ingress = [i for i in ingress if i] + external
        return ','.join(ingress) if ingress else '<pending>'
    if kind == 'ExternalName':
        return spec.get('externalName', '')
    return ','.join(external) if external else '<none>'


def _service_ports(obj):
    parts = []
    for port in _spec(obj).get('ports') or []:
        text = '%s/%s' % (port.get('port'), port.get('protocol', 'TCP'))
        if port.get('nodePort'):
            text = '%s:%s/%s' % (port.get('port'), port['nodePort'], port.get('protocol', 'TCP'))
        parts.append(text)
    return ','.join(parts) if parts else '<none>'


def _selector(selector):
    return ','.join('%s=%s' % item for item in sorted((selector or {}).items())) or '<none>'


def _ingress_hosts(obj):
    hosts = [rule.get('host') for rule in _spec(obj).get('rules') or [] if rule.get('host')]
    if len(hosts) > 4:
        return '%s + %d more...' % (','.join(hosts[:4]), len(hosts) - 4)
    return ','.join(hosts) if hosts else '*'


def _ingress_address(obj):
    ingress = ((obj.get('status') or {}).get('loadBalancer') or {}).get('ingress') or []
    return ','.join(i.get('ip') or i.get('hostname') or '' for i in ingress)


def _containers(obj, field):
    spec = ((_spec(obj).get('template') or {}).get('spec') or {})
    return ','.join(c.get(field, '') for c in spec.get('containers') or [])


def _status(obj):
    return obj.get('status') or {}


# kind -> (column definitions, cells function); the name column comes first in every table
PRINTERS = {
    'Namespace': ([_column('Status', description='The status of the namespace')],
                  lambda o: [_status(o).get('phase', '')]),
    'Secret': ([_column('Type', description='The type of the secret'),
                _column('Data', 'string', 'The number of entries in the secret')],
               lambda o: [o.get('type', ''), len(o.get('data') or {})]),
    'ConfigMap': ([_column('Data', 'string', 'Number of data in configmap')],
                  lambda o: [len(o.get('data') or {}) + len(o.get('binaryData') or {})]),
    'Service': ([_column('Type', description='The type of the service'),
                 _column('Cluster-IP', description='The cluster ip of the service'),
                 _column('External-IP', description='The external ip of the service'),
                 _column('Port(s)', description='The ports of the service')],
                lambda o: [_spec(o).get('type', 'ClusterIP'), _spec(o).get('clusterIP') or '<none>', _service_external_ip(o),
                           _service_ports(o)]),
    'Ingress': ([_column('Class', description='The name of the IngressClass resource that should be used for this Ingress'),
                 _column('Hosts', description='Hosts that incoming requests are matched against before the ingress rule'),
                 _column('Address', description='Address is a list containing ingress points for the load-balancer'),
                 _column('Ports', description='Ports of TLS configurations that open')],
                lambda o: [_spec(o).get('ingressClassName') or '<none>', _ingress_hosts(o), _ingress_address(o),
                           '80, 443' if _spec(o).get('tls') else '80']),
    'Endpoints': ([_column('Endpoints', description='Endpoints of the service')],
                  lambda o: [','.join('%s:%s' % (a.get('ip'), p.get('port')) for s in o.get('subsets') or []
                                      for a in s.get('addresses') or [] for p in s.get('ports') or []) or '<none>']),
    'Deployment': ([_column('Ready', description='Number of the pod with ready state'),
                    _column('Up-to-date', 'integer', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
                    _column('Available', 'integer', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.')],
                   lambda o: ['%d/%d' % (_status(o).get('readyReplicas', 0), _spec(o).get('replicas', 1)),
                              _status(o).get('updatedReplicas', 0), _status(o).get('availableReplicas', 0)]),
    'DaemonSet': ([_column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
                   _column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod.'),
                   _column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more '
                                               'of the daemon pod running and ready.'),
                   _column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
                   _column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or '
                                                   'more of the daemon pod running and available.'),
                   _column('Node Selector', description='NodeSelector is a selector which must be true for the pod to fit on a node.')],
                  lambda o: [_status(o).get('desiredNumberScheduled', 0), _status(o).get('currentNumberScheduled', 0),
                             _status(o).get('numberReady', 0), _status(o).get('updatedNumberScheduled', 0),
                             _status(o).get('numberAvailable', 0),
                             _selector(((_spec(o).get('template') or {}).get('spec') or {}).get('nodeSelector'))]),
}
# the -o wide columns (priority 1) after the standard ones, and the Age column's place
WIDE = {
    'Service': ([_column('Selector', description='The selector of the service', priority=1)],
                lambda o: [_selector(_spec(o).get('selector'))]),
    'Deployment': ([_column('Containers', description='Names of each container in the template.', priority=1),
                    _column('Images', description='Images referenced by each container in the template.', priority=1),
                    _column('Selector', description='Label selector for pods. Existing ReplicaSets whose pods are selected by '
                                                    'this will be the ones affected by this deployment.', priority=1)],
                   lambda o: [_containers(o, 'name'), _containers(o, 'image'),
                              _selector((_spec(o).get('selector') or {}).get('matchLabels'))]),
    'DaemonSet': ([_column('Containers', description='Names of each container in the template.', priority=1),
                   _column('Images', description='Images referenced by each container in the template.', priority=1),
                   _column('Selector', description='A label query over pods that are managed by the daemon set.', priority=1)],
                  lambda o: [_containers(o, 'name'), _containers(o, 'image'),
                             _selector((_spec(o).get('selector') or {}).get('matchLabels'))]),
}


def _jsonpath(obj, path):
    """The ``.a.b`` subset of JSONPath that CRD printer columns use; None when absent."""
    value = obj
    for part in path.strip('.').split('.'):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _crd_columns(crd, version):
    for entry in ((crd or {}).get('spec') or {}).get('versions') or []:
        if entry.get('name') == version and entry.get('additionalPrinterColumns'):
            return entry['additionalPrinterColumns']
    return [{'name': 'Age', 'type': 'date', 'jsonPath': '.metadata.creationTimestamp'}]


def _crd_cell(column, obj):
    value = _jsonpath(obj, column.get('jsonPath', ''))
    if value is None:
        return None
    if column.get('type') == 'date' and isinstance(value, str):
        return age(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(',', ':'))  # the JSONPath printer's rendering of a non-scalar
    return value


def _row_object(obj, include):
    if include == 'None':
        return None
    if include == 'Object':
        return obj
    return {'kind': 'PartialObjectMetadata', 'apiVersion': 'meta.k8s.io/v1', 'metadata': obj.get('metadata') or {}}


def _event_object(event):
    involved = event.get('involvedObject') or {}
    return '%s/%s' % ((involved.get('kind') or '').lower(), involved.get('name', ''))


def _event_source(event):
    source = event.get('source') or {}
    text = source.get('component') or event.get('reportingComponent') or ''
    return '%s, %s' % (text, source['host']) if source.get('host') else text


# Events print without a leading Name column (it is the last, wide one)
EVENT_COLUMNS = [
    _column('Last Seen', description='Time when last event occurred'),
    _column('Type', description='Type of this event (Normal, Warning), new types could be added in the future.'),
    _column('Reason', description='This should be a short, machine understandable string that gives the reason for this event being generated.'),
    _column('Object', description='The object this Event is about.'),
    _column('Subobject', description='The subobject this Event is about.', priority=1),
    _column('Source', description='The component reporting this event. Should be a short machine understandable string.', priority=1),
    _column('Message', description='A human-readable description of the status of this operation.'),
    _column('First Seen', description='The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', priority=1),
    _column('Count', description='The number of times this event has occurred.', priority=1),
    _column('Name', description=NAME_DESCRIPTION, priority=1, fmt='name'),
]


def _event_cells(event):
    return [age(event.get('lastTimestamp') or event.get('eventTime')), event.get('type', ''), event.get('reason', ''),
            _event_object(event), (event.get('involvedObject') or {}).get('fieldPath', ''), _event_source(event),
            event.get('message', '').strip(), age(event.get('firstTimestamp')), event.get('count', 1), event['metadata']['name']]


def table(kind, items, resource_version, crd=None, version=None, include='Metadata'):
    """A meta.k8s.io/v1 Table of ``items`` (already in their API shape)."""
    name = _column('Name', description=NAME_DESCRIPTION, fmt='name')
    if kind == 'Event' and crd is None:
        definitions, rows = EVENT_COLUMNS, [_event_cells(obj) for obj in items]
    elif crd is not None:
        columns = _crd_columns(crd, version)
        definitions = [name] + [_column(c['name'], c.get('type', 'string'), c.get('description', ''), c.get('priority', 0),
                                        c.get('format', '')) for c in columns]
        rows = [[obj['metadata']['name']] + [_crd_cell(c, obj) for c in columns] for obj in items]
    elif kind in PRINTERS:
        standard, cells = PRINTERS[kind]
        wide, wide_cells = WIDE.get(kind, ([], lambda o: []))
        definitions = [name] + standard + [_column('Age', description=AGE_DESCRIPTION)] + wide
        rows = [[obj['metadata']['name']] + cells(obj) + [age(obj['metadata'].get('creationTimestamp'))] + wide_cells(obj)
                for obj in items]
    else:
        definitions = [name, _column('Created At', 'date', AGE_DESCRIPTION)]
        rows = [[obj['metadata']['name'], obj['metadata'].get('creationTimestamp')] for obj in items]
    return {'kind': 'Table', 'apiVersion': 'meta.k8s.io/v1', 'metadata': {'resourceVersion': resource_version},
            'columnDefinitions': definitions,
            'rows': [dict({'cells': cells}, **({'object': _row_object(obj, include)} if include != 'None' else {}))
                     for cells, obj in zip(rows, items)]}


def wants_table(accept):
    """True when the Accept header asks for a meta.k8s.io/v1 Table first (as kubectl get does)."""
    first = (accept or '').split(',')[0].replace(' ', '')
    return 'as=Table' in first and 'g=meta.k8s.io' in first and 'v=v1' in first.split(';')
