# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How BIG-IP spells names, paths and addresses (pure helpers, private to the collection)."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.hostnames import is_host_name

NAME_RE = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.\-]*$")
# mcpd keeps an object's full path (/Partition/name) in at most 255 characters.
MAX_PATH_LENGTH = 255

# Built-in objects that live in /Common whatever partition the user works in.
BUILTIN_MONITORS = (
    "http",
    "https",
    "http_head_f5",
    "https_443",
    "https_head_f5",
    "tcp",
    "tcp_half_open",
    "tcp_echo",
    "icmp",
    "gateway_icmp",
    "udp",
    "inband",
    "none",
)
BUILTIN_PROFILES = (
    "fastL4",
    "fasthttp",
    "tcp",
    "tcp-lan-optimized",
    "tcp-wan-optimized",
    "http",
    "clientssl",
    "serverssl",
    "udp",
    "oneconnect",
    "f5-tcp-progressive",
    "f5-tcp-lan",
    "f5-tcp-wan",
)


def full_path(name, partition="Common", builtins=()):
    """A user-given name -> /Partition/name (built-ins resolve to /Common, as on the device)."""
    name = str(name).strip()
    if name.startswith("/"):
        return name
    if name in builtins:
        return "/Common/" + name
    return "/%s/%s" % (partition, name)


def object_identity(params, partition):
    """What names the one object a module manages: name, partition, full path and state."""
    return {
        "name": params["name"],
        "partition": partition,
        "full_path": "/%s/%s" % (partition, params["name"]),
        "state": params.get("state") or "present",
    }


def split_full_path(path):
    parts = path.strip("/").split("/", 1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def short_name(path):
    return path.rsplit("/", 1)[-1]


def name_problem(text, partition=None):
    """Why ``text`` is not a BIG-IP object name (None when it is one)."""
    if not text or not NAME_RE.match(text):
        return "is not a valid BIG-IP object name (letters, digits, '.', '_', '-')"
    if text in (".", ".."):
        return "is not a valid BIG-IP object name ('.' and '..' are path components)"
    if len(text) + (len(str(partition)) + 2 if partition else 1) > MAX_PATH_LENGTH:
        return "is too long: TMOS keeps a full path (/Partition/name) in at most %d characters" % MAX_PATH_LENGTH
    return None


def check_name(problems, field, value, partition=None):
    """Add a problem unless ``value`` is a BIG-IP object name whose full path fits TMOS's limit."""
    text = str(value) if value is not None else ""
    reason = name_problem(text, partition)
    if reason:
        shown = value if len(text) <= 40 else "%s... (%d characters)" % (text[:20], len(text))
        problems.add(field, shown, reason)
        return False
    return True


def check_reference(problems, field, value, partition):
    """A reference by name or by full path (/Partition/name): each component must be a valid name."""
    text = str(value).strip()
    if text.startswith("/"):
        parts = text.strip("/").split("/")
        if len(parts) != 2 or name_problem(parts[0]):
            problems.add(field, value, "is not a BIG-IP name or full path (/Partition/name)")
            return False
        return check_name(problems, field, parts[1], parts[0])
    return check_name(problems, field, text, partition)


def check_dns_name(problems, field, value, wildcard=False):
    """A DNS host name (``*.example.com`` only when ``wildcard``), as a certificate or SNI carries it."""
    if not is_host_name(str(value), wildcard=wildcard):
        problems.add(field, value, "is not a DNS host name%s" % (" (a leading '*.' is allowed)" if wildcard else ""))
        return False
    return True


def parse_address(value):
    """'10.0.0.1' / '10.0.0.1%2' / '2001:db8::1' -> (ipaddress object, route domain or None); ValueError if bad."""
    text = str(value).strip()
    route_domain = None
    if "%" in text:
        text, route_domain = text.split("%", 1)
        if not route_domain.isdigit():
            raise ValueError(value)
        route_domain = int(route_domain)
    return ipaddress.ip_address(text), route_domain


def normalise_address(value):
    address, route_domain = parse_address(value)
    return str(address) + ("%%%d" % route_domain if route_domain is not None else "")


def is_ipv6(value):
    return ":" in str(value).split("%", 1)[0]


def join_address_port(address, port):
    """BIG-IP's member/destination spelling: 10.0.0.1:80, 2001:db8::1.80."""
    return "%s%s%s" % (address, "." if is_ipv6(address) else ":", port)


def split_address_port(value):
    value = str(value).rsplit("/", 1)[-1]
    if value.count(":") > 1:
        address, port = value.rsplit(".", 1)
    else:
        address, port = value.rsplit(":", 1)
    return address, int(port)


def check_address(problems, field, value):
    try:
        parse_address(value)
    except (ValueError, TypeError):
        problems.add(field, value, "is not an IPv4 or IPv6 address (optionally with %<route domain>)")
        return False
    return True


def check_port(problems, field, value, any_port=False):
    """A service port; 0 (the device's "any port") only when the caller opted in with any_port."""
    if value == 0 and isinstance(value, int) and not isinstance(value, bool):
        if any_port:
            return True
        problems.add(
            field,
            value,
            "is the device's any-port wildcard; set any_port=true to expose every port, "
            "otherwise use a port number between 1 and 65535",
        )
        return False
    if value is None or isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        problems.add(field, value, "must be a port number between 1 and 65535")
        return False
    return True


def profile_kind_from_link(link):
    """nameReference link .../ltm/profile/<kind>/~P~name?ver= -> kind (fastl4, client-ssl, ...)."""
    match = re.search(r"/ltm/profile/([^/]+)/", link or "")
    return match.group(1) if match else None
