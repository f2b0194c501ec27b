# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks every MetalLB validation section uses: names, IP addresses, integer ranges, the bounded report.

Private to the collection.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.ingress_objects import DNS_LABEL

NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# A message naming thousands of problems helps nobody (and 1,000 duplicates made one of 61 MB).
MAX_PROBLEMS = 20


def check_request_names(params, problems, object_names=()):
    """``namespace`` (an RFC 1123 label, as the API server requires of a namespace) and the ``object_names``
    options (DNS subdomains): they reach request paths, so they are checked before any request."""
    namespace = params.get("namespace")
    if namespace is not None and not (isinstance(namespace, str) and DNS_LABEL.match(namespace)):
        problems.add("namespace", namespace, "is not a namespace name (lower-case letters, digits and '-', at most 63)")
    for field in object_names:
        value = params.get(field)
        if value is not None and not (isinstance(value, str) and len(value) <= 253 and NAME_RE.match(value)):
            problems.add(field, value, "is not an object name (lower-case letters, digits, '-' and '.', at most 253)")


class TooManyProblems(ValidationError):
    """A ValidationError that spells out the first problems and counts the rest."""

    def __init__(self, messages, limit):
        self.total = len(messages)
        super().__init__(messages[:limit])

    def _render(self):
        return "%d problems found, the first %d: %s ... and %d more." % (
            self.total,
            len(self.problems),
            " ".join("(%d) %s" % (index, problem) for index, problem in enumerate(self.problems, 1)),
            self.total - len(self.problems),
        )


def raise_bounded(problems, limit=MAX_PROBLEMS):
    """Raise ValidationError with every problem, or the first ``limit`` of them and a count of the others."""
    if len(problems.messages) > limit:
        raise TooManyProblems(problems.messages, limit)
    problems.raise_if_any()


def parse_node_networks(values):
    """``node_networks`` option -> list of ip_network; ValidationError naming every bad entry."""
    problems = Problems()
    networks = []
    for index, value in enumerate(values or []):
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            problems.add("node_networks[%d]" % index, value, "is not a CIDR such as 192.168.10.0/24")
    raise_bounded(problems)
    return networks


def check_name(problems, field, name, seen):
    if not name:
        problems.add(field, name, "is required")
    elif not NAME_RE.match(str(name)) or len(name) > 63:
        problems.add(field, name, 'must be a lowercase DNS label of at most 63 characters (a-z, 0-9, "-" and ".")')
    elif name in seen:
        problems.add(field, name, "is used twice")
    seen.add(name)


def check_ip(problems, field, value):
    if value in (None, ""):
        return None
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        problems.add(field, value, "is not an IP address")
        return None


def check_range(problems, field, value, low, high):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(field, value, "must be an integer between %d and %d" % (low, high))
