# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation at scale: overlaps found by sorting (O(n log n)), messages bounded."""

from __future__ import annotations

import ipaddress
import random
import time

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.checks import MAX_PROBLEMS
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import normalize, parse_address
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.validate import validate
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.validate_pools import Span, check_overlaps


def many_pools(count):
    """``count`` disjoint pools (a /29 or a range each, IPv4 and IPv6), in a shuffled order."""
    pools = []
    for index in range(count):
        base = ipaddress.ip_address('10.0.0.0') + index * 8
        if index % 3 == 0:
            entry = '%s-%s' % (base, base + 7)
        elif index % 3 == 1:
            entry = '%s/29' % base
        else:
            entry = '2001:db8::%x:0/120' % index
        pools.append({'name': 'pool-%d' % index, 'addresses': [entry]})
    random.Random(7).shuffle(pools)
    return {'address_pools': pools}


def validate_seconds(params, **kwargs):
    started = time.perf_counter()
    validate(normalize(params), **kwargs)
    return time.perf_counter() - started


def best_of_3(params, **kwargs):
    """The shared 2-core CI machine is busy at times: the best of three runs measures the code, not the neighbours."""
    return min(validate_seconds(params, **kwargs) for _round in range(3))


def test_5000_pools_validate_in_under_a_second():
    assert best_of_3(many_pools(5000)) < 1.0


def test_5000_pools_with_5000_cluster_pools_validate_in_about_a_second():
    existing = dict(('theirs-%d' % i, ['172.16.%d.%d/30' % (i // 64, (i % 64) * 4)]) for i in range(5000))
    # twice the entries of the test above (0.4 s on an idle core), with room for a busy CI machine
    assert best_of_3(many_pools(5000), existing_pools=existing) < 2.0


def test_1000_duplicates_give_a_bounded_message():
    params = {'address_pools': [{'name': 'p%d' % i, 'addresses': ['10.0.0.0/24']} for i in range(1000)]}
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        validate(normalize(params))
    assert time.perf_counter() - started < 1.0
    message = str(caught.value)
    assert message.startswith('999 problems found, the first %d:' % MAX_PROBLEMS)
    assert message.endswith('and %d more.' % (999 - MAX_PROBLEMS))
    assert len(message) < 10000


def brute_force_overlapping(spans):
    """Indexes of our spans that overlap any other span (the quadratic definition)."""
    result = set()
    for i, a in enumerate(spans):
        for j, b in enumerate(spans):
            if i != j and a.version == b.version and any(x.overlaps(y) for x in a.networks for y in b.networks):
                result.add((i, j))
    return result


@pytest.mark.parametrize('seed', range(40))
def test_sorted_overlap_check_matches_the_pairwise_definition(seed):
    rng = random.Random(seed)
    spans = []
    for index in range(rng.randint(2, 40)):
        start = rng.randint(0, 240)
        entry = '10.0.0.%d-10.0.0.%d' % (start, min(255, start + rng.randint(0, 20)))
        _version, networks, _widest = parse_address(entry)
        ours = index >= 3 or rng.random() < 0.5
        spans.append(Span(4, networks, 'f%d' % index, 'p%d' % index, entry, ours))
    problems = Problems()
    reported = check_overlaps(problems, spans)
    pairs = brute_force_overlapping(spans)
    # exactly our entries that overlap an entry declared before them (the old pairwise loop's subjects)
    assert reported == set(i for i, j in pairs if j < i and spans[i].ours)
    assert len(problems.messages) == len(reported)
    for message in problems.messages:  # the entry named really overlaps and was declared earlier
        field = message.split('=', 1)[0]
        subject = [i for i, span in enumerate(spans) if span.field == field][0]
        other = [j for j, span in enumerate(spans) if '(%s)' % span.field in message][0]
        assert (subject, other) in pairs and other < subject
