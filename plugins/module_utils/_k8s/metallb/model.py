# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB model: module options -> plain dicts with every default filled, and the value parsers.

Private to the collection. ``normalize(params)`` gives the model every other part works on
(sections ``address_pools``, ``peers``, ``communities``, ``bfd_profiles``); the parsers turn pool
entries, Go durations, BGP communities and node selectors into values, or say why they cannot.
"""

from __future__ import annotations

import copy
import ipaddress
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import MAX_ASN, OPTIONS

SECTIONS = ("address_pools", "peers", "communities", "bfd_profiles")
COMMUNITY_RE = re.compile(r"^(\d+):(\d+)$")
LARGE_COMMUNITY_RE = re.compile(r"^large:(\d+):(\d+):(\d+)$")
DURATION_RE = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def parse_duration(value):
    """Go duration ("90s", "1m30s", "500ms") or a bare number of seconds -> seconds (float); None if invalid."""
    if value is None:
        return None
    text = str(value).strip()
    if re.match(r"^\d+(\.\d+)?$", text):
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
        return "%ds" % int(seconds)
    return "%dms" % round(seconds * 1000)


def parse_address(entry):
    """A pool entry (CIDR or ``a-b`` range) -> (version, networks, widest prefix); ValueError with a reason."""
    text = str(entry).strip()
    if "/" in text:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError("is not a valid CIDR") from None
        return network.version, [network], network.prefixlen
    if "-" in text:
        start, end = [part.strip() for part in text.split("-", 1)]
        try:
            first = ipaddress.ip_address(start)
            last = ipaddress.ip_address(end)
        except ValueError:
            raise ValueError("is not a valid IP range (both ends must be IP addresses)") from None
        if first.version != last.version:
            raise ValueError("mixes IPv4 and IPv6 in one range")
        if first > last:
            raise ValueError("is not a valid IP range: the start %s is after the end %s" % (first, last))
        networks = list(ipaddress.summarize_address_range(first, last))
        return first.version, networks, min(network.prefixlen for network in networks)
    raise ValueError("is neither a CIDR nor a start-end range (write %s/32 or %s/128 for one address)" % (text, text))


def parse_community(value):
    """'A:B' (16-bit halves) or 'large:A:B:C' (32-bit parts) -> 'standard' / 'large'; None when it is not a literal."""
    match = COMMUNITY_RE.match(value)
    if match:
        if all(int(part) <= 65535 for part in match.groups()):
            return "standard"
        raise ValueError('must have two 16-bit numbers (0-65535) as in "64512:100"')
    match = LARGE_COMMUNITY_RE.match(value)
    if match:
        if all(int(part) <= MAX_ASN for part in match.groups()):
            return "large"
        raise ValueError('must have three 32-bit numbers as in "large:64512:1:2"')
    if ":" in value:
        raise ValueError('is neither "A:B", "large:A:B:C" nor the name of a community alias')
    return None


def node_selector(selector):
    """Accept matchLabels/match_labels/match-labels spellings; return the CRD form."""
    selector = selector or {}
    labels = selector.get("matchLabels", selector.get("match_labels", selector.get("match-labels"))) or {}
    expressions = (
        selector.get("matchExpressions", selector.get("match_expressions", selector.get("match-expressions"))) or []
    )
    result = {}
    if labels:
        result["matchLabels"] = dict((str(k), str(v)) for k, v in labels.items())
    if expressions:
        result["matchExpressions"] = [
            dict(
                key=e.get("key"),
                operator=e.get("operator"),
                **({"values": list(e.get("values"))} if e.get("values") is not None else {}),
            )
            for e in expressions
        ]
    return result


def node_selector_v012(selector):
    result = {}
    if selector.get("matchLabels"):
        result["match-labels"] = selector["matchLabels"]
    if selector.get("matchExpressions"):
        result["match-expressions"] = selector["matchExpressions"]
    return result


def normalize(params):
    """Module parameters -> model: every option of the table (``fields.OPTIONS``) present, defaults filled in.

    Works on partial dicts too (tests, the v0.12 migration): what the argument spec would have
    filled in comes from the same table.
    """
    model = dict(
        (section, [with_defaults(entry, OPTIONS[section]["options"]) for entry in params.get(section) or []])
        for section in SECTIONS
    )
    for pool in model["address_pools"]:
        pool["addresses"] = [str(address).strip() for address in pool["addresses"]]
    for entry in model["address_pools"] + model["peers"]:
        entry["node_selectors"] = [node_selector(selector) for selector in entry["node_selectors"]]
    for community in model["communities"]:
        community["value"] = str(community["value"])
    return model


def with_defaults(entry, options):
    """``entry`` with each of ``options`` set: its value, else the option's default ([] for a list without one)."""
    result = {}
    for key, spec in options.items():
        value = entry.get(key)
        if value is None:
            value = spec.get("default")
            if spec.get("type") == "list":
                value = list(value or [])  # a list of its own: the model is changed in place later
        elif spec.get("type") == "bool":
            value = bool(value)
        elif spec.get("type") == "list":
            value = list(value)
        if spec.get("options") and value:
            value = [with_defaults(item, spec["options"]) for item in value]
        result[key] = value
    return result


def merge_models(base, override):
    """Entries of ``override`` replace entries of ``base`` with the same name; the rest are kept."""
    result = {}
    for section in SECTIONS:
        names = set(entry["name"] for entry in override.get(section) or [])
        result[section] = [copy.deepcopy(e) for e in base.get(section) or [] if e["name"] not in names] + copy.deepcopy(
            override.get(section) or []
        )
    return result
