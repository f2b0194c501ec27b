# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What each value of the ``haproxy`` role is: host name, address, port, path, identifier, ...

Private to the collection: may change at any time. Every kind turns one input value into its
normalised form or raises ``Refused`` with the reason; ``role_input`` walks the role's variables
with these kinds and collects every refusal with the variable's path. A value a kind accepts holds
nothing HAProxy (or apt, or systemd) would read as syntax: no whitespace, newline, ``#``, quote,
backslash or brace, except ``ConfigLine``, which is one raw configuration line by design.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.hostnames import HOST_NAME_RE, is_host_name


class Refused(Exception):
    """The value is not what the variable holds; the message is the reason, without the value."""


IDENTIFIER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
FILE_PATH_RE = re.compile(r"^/[A-Za-z0-9._+@,=~/-]*$")
# RFC 3986 path and query characters without the ones HAProxy's parser reads ($ " ' \ # { } space).
URI_PATH_RE = re.compile(r"^/[A-Za-z0-9._~!&*+,;=:@/%-]*(?:\?[A-Za-z0-9._~!&*+,;=:@/%?-]*)?$")
PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
DURATION_RE = re.compile(r"^([0-9]{1,9})(us|ms|s|m|h|d)?$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
# Section keywords of haproxy.cfg: a "raw" extra line starting with one would move the lines the
# template writes after it into a section of the caller's choosing.
SECTION_KEYWORDS = frozenset(
    (
        "global",
        "defaults",
        "frontend",
        "backend",
        "listen",
        "userlist",
        "peers",
        "resolvers",
        "mailers",
        "program",
        "http-errors",
        "ring",
        "log-forward",
        "cache",
        "crt-store",
        "traces",
        "acme",
        "fcgi-app",
    )
)


class Kind:
    """One kind of value. ``describe`` completes "is not ..." in a refusal."""

    describe = "valid"

    def check(self, value):
        raise NotImplementedError


class Text(Kind):
    """A string matching ``pattern`` (the shape of a token HAProxy, apt or systemd reads as one word)."""

    def __init__(self, pattern, describe, empty=False, lower=False):
        self.pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        self.describe = describe
        self.empty = empty
        self.lower = lower

    def check(self, value):
        if not isinstance(value, str):
            raise Refused("is not a string (%s)" % self.describe)
        if value == "" and self.empty:
            return value
        if self.lower:
            value = value.lower()
        if not self.pattern.fullmatch(value) or CONTROL_RE.search(value):
            raise Refused("is not %s" % self.describe)
        return value[:]  # a plain str, whatever str subclass the caller's templating gave


class HostName(Text):
    """A DNS name (RFC 1123 labels), lower-cased; ``wildcard`` also takes ``*.`` in front."""

    def __init__(self, wildcard=False, empty=False):
        super().__init__(HOST_NAME_RE, "a DNS host name", empty=empty, lower=True)
        self.wildcard = wildcard

    def check(self, value):
        if self.wildcard and isinstance(value, str) and value.startswith("*."):
            return "*." + super().check(value[2:])
        return super().check(value)


def ip_address(value):
    """The address in its canonical spelling, or ``None`` when ``value`` is not an IP address."""
    if not isinstance(value, str) or "%" in value:  # no IPv6 zones: HAProxy reads them differently
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class Address(Kind):
    """An IP address, or (``dns``) an IP address or DNS name; ``empty`` means "all addresses"."""

    def __init__(self, dns=True, empty=False):
        self.dns = dns
        self.empty = empty
        self.describe = "an IP address or DNS name" if dns else "an IP address"

    def check(self, value):
        if value == "" and self.empty:
            return value
        address = ip_address(value)
        if address is not None:
            return address
        if self.dns:
            return HostName().check(value) if _is_hostname(value) else _refuse(self.describe)
        raise Refused("is not %s" % self.describe)


def _is_hostname(value):
    return is_host_name(value) and not CONTROL_RE.search(value)


def _refuse(reason):
    raise Refused("is not %s" % reason)


class Integer(Kind):
    """An integer in ``[low, high]``; a string of decimal digits is read as one (YAML and Jinja give both)."""

    def __init__(self, low, high, describe=None):
        self.low = low
        self.high = high
        self.describe = describe or "an integer from %d to %d" % (low, high)

    def check(self, value):
        if isinstance(value, bool):
            raise Refused("is not %s" % self.describe)
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value):
            value = int(value)
        if not isinstance(value, int) or not self.low <= value <= self.high:
            raise Refused("is not %s" % self.describe)
        return value


PORT = Integer(1, 65535, "a port from 1 to 65535")

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class Boolean(Kind):
    describe = "a boolean"

    def check(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise Refused("is not a boolean")


class OneOf(Kind):
    def __init__(self, *choices):
        self.choices = choices
        self.describe = "one of %s" % ", ".join(str(choice) for choice in choices)

    def check(self, value):
        for choice in self.choices:
            if isinstance(choice, str) and isinstance(value, str) and value == choice:
                return choice
            if isinstance(choice, int) and not isinstance(value, bool):  # True is not 1
                if isinstance(value, int) and value == choice:
                    return choice
                if isinstance(value, str) and re.fullmatch(r"[0-9]{1,4}", value) and int(value) == choice:
                    return choice
        raise Refused("is not %s" % self.describe)


class Duration(Kind):
    """An HAProxy time (``<n>[us|ms|s|m|h|d]``, no unit meaning milliseconds), greater than zero."""

    describe = "a duration such as 500ms, 2s or 1m"

    def check(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        match = DURATION_RE.fullmatch(value) if isinstance(value, str) else None
        if not match or int(match.group(1)) == 0:
            raise Refused("is not %s" % self.describe)
        return value[:]


class FilePath(Text):
    """An absolute path on the target; ``at_names`` are accepted as they are (``@system-ca``)."""

    def __init__(self, at_names=(), empty=False):
        super().__init__(FILE_PATH_RE, "an absolute file path without spaces or quotes", empty=empty)
        self.at_names = at_names

    def check(self, value):
        if value in self.at_names:
            return value
        value = super().check(value)
        if "/../" in value + "/" or value.endswith("/.."):
            raise Refused("is not %s (no .. components)" % self.describe)
        return value


class UriPath(Text):
    def __init__(self):
        super().__init__(URI_PATH_RE, "an absolute URI path such as /healthz")

    def check(self, value):
        value = super().check(value)
        if PERCENT_RE.search(value):
            raise Refused("is not %s (%% must start an escape such as %%2F)" % self.describe)
        return value


class PortRange(Kind):
    """``30000-32767`` or one port (``31001``), returned as ``[low, high]``."""

    describe = "a port or a port range such as 30000-32767"

    def check(self, value):
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        match = re.fullmatch(r"([0-9]{1,5})(?:-([0-9]{1,5}))?", text) if isinstance(text, str) else None
        if not match:
            raise Refused("is not %s" % self.describe)
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not 1 <= low <= high <= 65535:
            raise Refused("is not %s within 1-65535, low end first" % self.describe)
        return [low, high]


class Url(Kind):
    """An http(s) URL whose every character is one apt, get_url and deb822 read as part of the URL."""

    describe = "an http:// or https:// URL without spaces, quotes or fragment"
    _URL_RE = re.compile(
        r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?"
        r"(/[A-Za-z0-9._~!&*+,;=:@/%-]*)?(\?[A-Za-z0-9._~!&*+,;=:@/%?-]*)?$"
    )

    def __init__(self, empty=True):
        self.empty = empty

    def check(self, value):
        if value == "" and self.empty:
            return value
        match = self._URL_RE.fullmatch(value) if isinstance(value, str) else None
        if not match or CONTROL_RE.search(value):
            raise Refused("is not %s" % self.describe)
        host = match.group(1)
        valid_host = ip_address(host[1:-1]) if host.startswith("[") else (ip_address(host) or _is_hostname(host))
        if not valid_host:
            raise Refused("is not %s (the host part is not a DNS name or IP address)" % self.describe)
        return value[:]


class ConfigLine(Kind):
    """One raw configuration line (an ``*_extra`` entry): one line, not a section header."""

    describe = "one configuration line"

    def check(self, value):
        if not isinstance(value, str) or not value.strip():
            raise Refused("is not one non-empty configuration line")
        if CONTROL_RE.search(value):
            raise Refused("holds a newline or another control character, so it is not one configuration line")
        if value.split()[0].lower() in SECTION_KEYWORDS:
            raise Refused("starts a new section, which would take over the lines that follow it")
        return value.strip()[:]


class Words(Kind):
    """Keywords separated by single spaces, each one of ``keywords``; those in ``takes_value`` are followed by
    one of ``values`` (``ssl-min-ver TLSv1.2``)."""

    def __init__(self, keywords, takes_value=(), values=()):
        self.keywords = frozenset(keywords)
        self.takes_value = frozenset(takes_value)
        self.values = frozenset(values)
        self.describe = "keywords separated by single spaces (%s)" % ", ".join(sorted(self.keywords | self.takes_value))

    def check(self, value):
        if not isinstance(value, str) or CONTROL_RE.search(value):
            raise Refused("is not %s" % self.describe)
        words = value.split(" ")
        position = 0
        while position < len(words):
            word = words[position]
            if word in self.takes_value and position + 1 < len(words) and words[position + 1] in self.values:
                position += 2
            elif word in self.keywords:
                position += 1
            else:
                raise Refused("is not %s" % self.describe)
        return value[:]


class AnyText(Kind):
    """Free text that never reaches a configuration file (PEM content or a controller path)."""

    describe = "a non-empty string"

    def check(self, value):
        if not isinstance(value, str) or not value.strip():
            raise Refused("is not a non-empty string")
        return value[:]


class ListOf(Kind):
    def __init__(self, item, min_items=0):
        self.item = item
        self.min_items = min_items
        self.describe = "a list"


class Record(Kind):
    """A dict with these ``fields`` (name -> kind); ``required`` must be there, others may be left out.

    ``removed`` maps old field names to the sentence that says what replaced them; ``secret`` fields
    are never shown in a refusal.
    """

    def __init__(self, fields, required=(), removed=None, secret=()):
        self.fields = fields
        self.required = frozenset(required)
        self.removed = removed or {}
        self.secret = frozenset(secret)
        self.describe = "a dict"


class MapOf(Kind):
    """A dict whose keys are ``key`` and values ``value`` (make variables)."""

    def __init__(self, key, value):
        self.key = key
        self.value = value
        self.describe = "a dict"
