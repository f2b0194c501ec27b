# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LTM HTTP monitors (/mgmt/tm/ltm/monitor/http): the settings, how the device spells them, checks.

The device keeps ``send`` with literal ``\\r\\n`` escapes; line breaks given as real characters are
turned into those escapes, so both spellings compare equal. Converged by objects.run. Private to
the collection.
"""

from __future__ import annotations

import re
import sys

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import objects
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import (
    BUILTIN_MONITORS,
    check_address,
    check_reference,
    full_path,
    is_ipv6,
    normalise_address,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.references import missing_parent, outcome

KIND = "ltm/monitor/http"
LABEL = "HTTP monitor"
RESULT = "monitor"
# The module's options besides name, partition, state and provider (see _f5/module.py).
OPTIONS = dict(
    parent=dict(type="str", default="http"),
    send=dict(type="str"),
    receive=dict(type="str"),
    receive_disable=dict(type="str"),
    address=dict(type="str"),
    port=dict(type="int"),
    interval=dict(type="int"),
    timeout=dict(type="int"),
    description=dict(type="str"),
)


def _int_or_none(value):
    return None if value is None else int(value)


FIELDS = (
    ("parent", "defaultsFrom", objects.identity, objects.identity),
    ("send", "send", objects.none_if_empty, objects.text_or_empty),
    ("receive", "recv", objects.none_if_empty, objects.text_or_empty),
    ("receive_disable", "recvDisable", objects.none_if_empty, objects.text_or_empty),
    ("destination", "destination", objects.identity, objects.identity),
    ("interval", "interval", int, _int_or_none),
    ("timeout", "timeout", int, _int_or_none),
    ("description", "description", objects.none_if_empty, objects.text_or_empty),
)
IMMUTABLE = ("parent",)
# What the device gives a new monitor for the settings the task leaves unmanaged (the /Common/http parent's values).
CREATE_DEFAULTS = {
    "parent": "/Common/http",
    "send": "GET /\\r\\n",
    "receive": "",
    "receive_disable": "",
    "destination": "*:*",
    "interval": 5,
    "timeout": 16,
    "description": "",
}
MAX_SECONDS = 86400
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REQUEST_LINE = re.compile(r"^[A-Z]+ \S+( HTTP/1\.[01])?$")


def escape_line_breaks(text):
    """Real CR/LF characters -> the device's literal \\r and \\n escapes."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def check_send(problems, value):
    text = escape_line_breaks(value)
    if CONTROL.search(text):
        problems.add("send", value, "contains control characters; write line breaks as \\r\\n")
        return None
    lines = text.split("\\r\\n")
    if not REQUEST_LINE.match(lines[0]):
        problems.add("send", value, "must start with an HTTP request line such as 'GET /healthz HTTP/1.0'")
        return None
    if lines[0].endswith("HTTP/1.1") and not any(line.lower().startswith("host:") for line in lines[1:]):
        problems.add(
            "send",
            value,
            "uses HTTP/1.1 without a Host header, which servers answer with 400; use HTTP/1.0 or add 'Host: <name>'",
        )
        return None
    return text


def destination(address, port):
    """address/port options -> the device's destination (*:*, *:80, 10.0.0.1:80, 2001:db8::1.80)."""
    if address is None and port is None:
        return None
    address = address or "*"
    port_text = "*" if not port else str(port)
    return "%s%s%s" % (address, "." if is_ipv6(address) else ":", port_text)


def desired(params, partition, problems):
    settings = dict((option, None) for option, _field, _to, _from in FIELDS)
    parent = params.get("parent") or "http"
    if check_reference(problems, "parent", parent, partition):
        settings["parent"] = full_path(parent, partition, BUILTIN_MONITORS)
    if params.get("send") is not None:
        settings["send"] = check_send(problems, params["send"])
    for option in ("receive", "receive_disable", "description"):
        value = params.get(option)
        if value is not None and CONTROL.search(escape_line_breaks(value)):
            problems.add(option, value, "contains control characters")
        elif value is not None:
            settings[option] = value
    address, port = params.get("address"), params.get("port")
    if address not in (None, "*") and check_address(problems, "address", address):
        address = normalise_address(address)
    if port is not None and not 0 <= port <= 65535:
        problems.add("port", port, "must be a port number between 1 and 65535 (0 for any port)")
    settings["destination"] = destination(address, port)
    for option in ("interval", "timeout"):
        value = params.get(option)
        if value is not None and not 1 <= value <= MAX_SECONDS:
            problems.add(option, value, "must be a number of seconds between 1 and %d" % MAX_SECONDS)
        else:
            settings[option] = value
    if (
        settings["interval"] is not None
        and settings["timeout"] is not None
        and settings["interval"] >= settings["timeout"]
    ):
        problems.add(
            "interval",
            settings["interval"],
            "must be less than timeout=%d (F5 advises 3 x interval + 1)" % settings["timeout"],
        )
    return settings


def references(client, desired, after, current, check_mode):
    """The parent must exist; interval < timeout must hold for the result (one of them may be the device's)."""
    if after["interval"] >= after["timeout"]:
        raise ValidationError(
            [
                "interval=%d must be less than timeout=%d (F5 advises 3 x interval + 1)."
                % (after["interval"], after["timeout"])
            ]
        )
    if current is not None:
        return []
    return outcome(missing_parent(client, KIND, LABEL, after["parent"], "/Common/http"), check_mode)


def run(client, params, check_mode=False):
    return objects.run(sys.modules[__name__], client, params, check_mode)
