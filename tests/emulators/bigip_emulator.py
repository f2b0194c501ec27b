# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stateful F5 BIG-IP iControl REST emulator for tests (loopback only).

It mirrors the device, never our code: objects carry the same fields and value forms as the
recorded device responses (``kind`` strings, ``/Partition/name`` paths, ``"yes"``/``"no"`` strings,
``selfLink ...?ver=``), and refusals carry the device's status codes and mcpd messages.

Run standalone::

    python tests/emulators/bigip_emulator.py --port 18443 [--user admin --password admin]

or in-process with ``start_in_thread()``. HTTPS with a self-signed certificate generated at start.

Objects: pools with members, nodes, virtual servers with profiles, virtual addresses, monitors,
profiles (fastL4, fasthttp, tcp, http, client-ssl, server-ssl, udp, one-connect), certificate and
key files (with the shipped ``ca-bundle.crt``), rules, SNAT pools, VLANs. A new profile or monitor
starts as a copy of its parent (``defaultsFrom``, refused when missing), as on the device; server-ssl
``caFile`` must name a certificate file; monitor ``destination`` takes the device's forms only.

Test-only endpoints (outside ``/mgmt``):

* ``GET /_emulator/requests``: every request so far, in order, as ``{method, path, query, status}``
  (writes also carry ``body`` with secrets redacted, and ``transaction`` when queued).
* ``POST /_emulator/reset``: clear the request log, the state (back to factory defaults),
  tokens and faults.
* ``POST /_emulator/faults``: ``{"fail_write": N, "fail_status": 400, "fail_message": "..."}``
  fails the Nth write from now (not applied); ``{"expire_tokens": true}`` expires every live token;
  ``{"expire_tokens_after": N}`` expires every live token just before the Nth request from now
  (a token expiring mid-run); ``{"unavailable": N}`` answers the next N requests with the 503 HTML
  page; ``{"mcpd_lost": N}`` answers the next N requests with the 500 "connection to mcpd has been lost";
  ``{"latency_ms": N}`` delays every answer by N ms (a modelled device; 0 = as fast as possible).
* ``GET /_emulator/state``: the raw object store (for debugging).

High availability (what ``tmsh save sys config``, ``run cm config-sync`` and a sync-failover pair
answer; shapes from the recorded ``load_tm_cm_*.json`` responses):

* ``POST /mgmt/tm/sys/config {"command": "save"}`` saves the running configuration.
* ``GET /mgmt/tm/cm/device``, ``/mgmt/tm/cm/device/~Common~<name>``: this unit (``selfDevice``
  ``"true"``) and, in a pair, its peer, each with its ``failoverState`` (active / standby).
* ``GET /mgmt/tm/cm/device-group[/~Common~<name>[/devices]]``: ``device_trust_group`` and ``gtm``
  (sync-only) as on every device, plus the pair's sync-failover group (``--device-group``,
  ``--auto-sync``).
* ``GET /mgmt/tm/cm/sync-status``: ``entries.<link>.nestedStats.entries.{color, mode, status,
  summary}.description``: "Standalone" alone; in a pair "In Sync", "Changes Pending" (a unit has
  changes not synced), "Awaiting Initial Sync", "Disconnected" (the peer does not answer),
  "Sync Failed".
* ``POST /mgmt/tm/cm {"command": "run", "utilCmdArgs": "config-sync to-group <group>"}`` copies this
  unit's configuration (LTM objects, profiles, monitors, certificate files) to the peer, which also
  saves it. With ``--auto-sync`` every change is copied at once.

A pair is two emulators started with each other's port: ``--peer-port``, ``--device-name``,
``--failover-state active|standby``. Faults (``POST /_emulator/faults``): ``{"sync_fail": true}``
(the next config-syncs end in "Sync Failed", nothing copied), ``{"disconnected": true}`` (the
ConfigSync link is down: "Disconnected"), ``{"awaiting_initial_sync": true}``,
``{"changes_pending": true}`` (a change on this unit not synced yet), ``{"failover_after": N}``
(this unit goes standby and its peer active just before the Nth request from now). A standby unit
that does not answer at all is a stopped emulator.
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
import socket
import ssl
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERSION = "16.1.3"
HOST = "https://localhost"

# Kinds the emulator stores, by REST path under /mgmt/tm.
MONITOR_KINDS = ("http", "https", "tcp", "tcp-half-open", "icmp", "gateway-icmp", "udp", "inband")
PROFILE_KINDS = ("fastl4", "fasthttp", "tcp", "http", "client-ssl", "server-ssl", "udp", "one-connect")
KINDS = (
    ["ltm/pool", "ltm/node", "ltm/virtual", "ltm/virtual-address", "ltm/rule", "ltm/snatpool",
     "net/vlan", "net/tunnels/gre", "net/tunnels/ipip", "sys/file/ssl-cert", "sys/file/ssl-key"]
    + ["ltm/monitor/%s" % kind for kind in MONITOR_KINDS]
    + ["ltm/profile/%s" % kind for kind in PROFILE_KINDS]
)
SUBCOLLECTIONS = {"ltm/pool": "members", "ltm/virtual": "profiles"}
LB_METHODS = (
    "dynamic-ratio-member", "dynamic-ratio-node", "fastest-app-response", "fastest-node",
    "least-connections-member", "least-connections-node", "least-sessions", "observed-member",
    "observed-node", "predictive-member", "predictive-node", "ratio-least-connections-member",
    "ratio-least-connections-node", "ratio-member", "ratio-node", "ratio-session", "round-robin",
    "weighted-least-connections-member", "weighted-least-connections-node",
)
SECRET_KEYS = ("password", "passphrase", "oldPassword")

# Field defaults as a device fills them in on create (value forms from the recorded responses).
POOL_DEFAULTS = OrderedDict([
    ("allowNat", "yes"), ("allowSnat", "yes"), ("ignorePersistedWeight", "disabled"),
    ("ipTosToClient", "pass-through"), ("ipTosToServer", "pass-through"),
    ("linkQosToClient", "pass-through"), ("linkQosToServer", "pass-through"),
    ("loadBalancingMode", "round-robin"), ("minActiveMembers", 0), ("minUpMembers", 0),
    ("minUpMembersAction", "failover"), ("minUpMembersChecking", "disabled"),
    ("queueDepthLimit", 0), ("queueOnConnectionLimit", "disabled"), ("queueTimeLimit", 0),
    ("reselectTries", 0), ("serviceDownAction", "none"), ("slowRampTime", 10),
])
MEMBER_DEFAULTS = OrderedDict([
    ("connectionLimit", 0), ("dynamicRatio", 1), ("ephemeral", "false"),
    ("fqdn", {"autopopulate": "disabled"}), ("inheritProfile", "enabled"), ("logging", "disabled"),
    ("monitor", "default"), ("priorityGroup", 0), ("rateLimit", "disabled"), ("ratio", 1),
])
NODE_DEFAULTS = OrderedDict([
    ("connectionLimit", 0), ("dynamicRatio", 1), ("ephemeral", "false"),
    ("fqdn", {"addressFamily": "ipv4", "autopopulate": "disabled", "downInterval": 5, "interval": "3600"}),
    ("logging", "disabled"), ("monitor", "default"), ("rateLimit", "disabled"), ("ratio", 1),
    ("session", "user-enabled"), ("state", "unchecked"),
])
VIRTUAL_DEFAULTS = OrderedDict([
    ("addressStatus", "yes"), ("autoLasthop", "default"), ("cmpEnabled", "yes"), ("connectionLimit", 0),
    ("enabled", True), ("evictionProtected", "disabled"), ("gtmScore", 0), ("ipProtocol", "tcp"),
    ("mirror", "disabled"), ("mobileAppTunnel", "disabled"), ("nat64", "disabled"),
    ("rateLimit", "disabled"), ("rateLimitDstMask", 0), ("rateLimitMode", "object"), ("rateLimitSrcMask", 0),
    ("serversslUseSni", "disabled"), ("serviceDownImmediateAction", "none"),
    ("sourceAddressTranslation", {"type": "none"}), ("sourcePort", "preserve"),
    ("synCookieStatus", "not-activated"), ("translateAddress", "enabled"), ("translatePort", "enabled"),
    ("vlansDisabled", True),
])
VADDR_DEFAULTS = OrderedDict([
    ("arp", "enabled"), ("autoDelete", "true"), ("connectionLimit", 0), ("enabled", "yes"),
    ("floating", "enabled"), ("icmpEcho", "enabled"), ("inheritedTrafficGroup", "false"),
    ("routeAdvertisement", "disabled"), ("serverScope", "any"), ("spanning", "disabled"),
    ("trafficGroup", "/Common/traffic-group-1"), ("unit", 1),
])
MONITOR_DEFAULTS = OrderedDict([
    ("adaptive", "disabled"), ("adaptiveDivergenceType", "relative"), ("adaptiveDivergenceValue", 25),
    ("adaptiveLimit", 200), ("adaptiveSamplingTimespan", 300), ("destination", "*:*"), ("interval", 5),
    ("ipDscp", 0), ("manualResume", "disabled"), ("reverse", "disabled"), ("timeUntilUp", 0),
    ("timeout", 16), ("transparent", "disabled"), ("upInterval", 0),
])
CLIENTSSL_DEFAULTS = OrderedDict([
    ("alertTimeout", "indefinite"), ("allowDynamicRecordSizing", "disabled"), ("allowExpiredCrl", "disabled"),
    ("allowNonSsl", "disabled"), ("appService", "none"), ("authenticate", "once"), ("authenticateDepth", 9),
    ("cacheSize", 262144), ("cacheTimeout", 3600), ("cert", "/Common/default.crt"),
    ("certExtensionIncludes", ["basic-constraints", "subject-alternative-name"]), ("certLifespan", 30),
    ("chain", "none"), ("cipherGroup", "none"), ("ciphers", "DEFAULT"), ("clientCertCa", "none"),
    ("crlFile", "none"), ("defaultsFrom", "/Common/clientssl"), ("description", "none"),
    ("genericAlert", "enabled"), ("handshakeTimeout", "10"), ("inheritCertkeychain", "false"),
    ("key", "/Common/default.key"), ("maxRenegotiationsPerMinute", 5), ("maximumRecordSize", 16384),
    ("mode", "enabled"), ("peerCertMode", "ignore"), ("renegotiation", "enabled"),
    ("retainCertificate", "true"), ("secureRenegotiation", "require"), ("serverName", "none"),
    ("sessionTicket", "disabled"), ("sniDefault", "false"), ("sniRequire", "false"),
    ("strictResume", "disabled"), ("uncleanShutdown", "enabled"),
])
PROFILE_DEFAULTS = OrderedDict([("appService", "none"), ("defaultsFrom", "none"), ("description", "none")])
# The built-in /Common/http profile (TMOS defaults; field names and value forms as a device lists them).
HTTP_PROFILE_DEFAULTS = OrderedDict([
    ("acceptXff", "disabled"), ("appService", "none"), ("basicAuthRealm", "none"), ("defaultsFrom", "none"),
    ("description", "none"), ("encryptCookies", []),
    ("enforcement", OrderedDict([
        ("excessClientHeaders", "reject"), ("excessServerHeaders", "reject"),
        ("knownMethods", ["CONNECT", "DELETE", "GET", "HEAD", "LOCK", "OPTIONS", "POST", "PROPFIND", "PUT", "TRACE", "UNLOCK"]),
        ("maxHeaderCount", 64), ("maxHeaderSize", 32768), ("maxRequests", 0), ("oversizeClientHeaders", "reject"),
        ("oversizeServerHeaders", "reject"), ("pipeline", "allow"), ("truncatedRedirects", "disabled"),
        ("unknownMethod", "allow")])),
    ("explicitProxy", OrderedDict([
        ("badRequestMessage", "none"), ("badResponseMessage", "none"), ("connectErrorMessage", "none"),
        ("defaultConnectHandling", "deny"), ("dnsErrorMessage", "none"), ("dnsResolver", "none"), ("hostNames", []),
        ("ipv6", "no"), ("routeDomain", "none"), ("tunnelName", "none")])),
    ("fallbackHost", "none"), ("fallbackStatusCodes", []), ("headerErase", "none"), ("headerInsert", "none"),
    ("hsts", OrderedDict([("includeSubdomains", "enabled"), ("maximumAge", 16070400), ("mode", "disabled"),
                          ("preload", "disabled")])),
    ("insertXforwardedFor", "disabled"), ("lwsSeparator", "none"), ("lwsWidth", 80), ("oneconnectTransformations", "enabled"),
    ("proxyType", "reverse"), ("redirectRewrite", "none"), ("requestChunking", "preserve"), ("responseChunking", "selective"),
    ("responseHeadersPermitted", []), ("serverAgentName", "BigIP"),
    ("sflow", OrderedDict([("pollInterval", 0), ("pollIntervalGlobal", "yes"), ("samplingRate", 0), ("samplingRateGlobal", "yes")])),
    ("viaHostName", "none"), ("viaRequest", "preserve"), ("viaResponse", "preserve"), ("xffAlternativeNames", []),
])
# The built-in /Common/serverssl profile: encrypts to the server and ignores its certificate (peerCertMode ignore).
SERVERSSL_DEFAULTS = OrderedDict([
    ("alertTimeout", "indefinite"), ("appService", "none"), ("authenticate", "once"), ("authenticateDepth", 9),
    ("authenticateName", "none"), ("caFile", "none"), ("cacheSize", 262144), ("cacheTimeout", 3600), ("cert", "none"),
    ("chain", "none"), ("cipherGroup", "none"), ("ciphers", "DEFAULT"), ("crlFile", "none"), ("defaultsFrom", "none"),
    ("description", "none"), ("expireCertResponseControl", "drop"), ("genericAlert", "enabled"), ("handshakeTimeout", "10"),
    ("key", "none"), ("mode", "enabled"), ("peerCertMode", "ignore"), ("renegotiation", "enabled"),
    ("retainCertificate", "true"), ("secureRenegotiation", "require-strict"), ("serverName", "none"),
    ("sessionTicket", "disabled"), ("sniDefault", "false"), ("sniRequire", "false"), ("strictResume", "disabled"),
    ("uncleanShutdown", "enabled"), ("untrustedCertResponseControl", "drop"),
])
# A unit's place in its pair (the emulator's --device-name, --peer-port, ... options).
HA_DEFAULTS = {"device_name": "bigip1", "failover_state": "active", "peer_port": None, "peer_name": "bigip2",
               "device_group": "kube_edge_failover", "auto_sync": False}
# What a config-sync copies (device-specific objects such as VLANs stay).
SYNCED_KINDS = tuple(kind for kind in KINDS if not kind.startswith("net/"))
# Fields a child profile or monitor does not take over from its parent (defaultsFrom names the parent).
NOT_INHERITED = ("name", "partition", "generation", "defaultsFrom", "description", "appService")


class DeviceRefusal(Exception):
    """A request the device answers with an error status and body."""

    def __init__(self, status, message, api_error=3, kind=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.api_error = api_error
        self.kind = kind


def not_found(type_name, full_path):
    return DeviceRefusal(404, "01020036:3: The requested %s (%s) was not found." % (type_name, full_path))


def kind_string(kind_path, collection=False):
    last = kind_path.rsplit("/", 1)[-1]
    return "tm:%s:%s%s" % (kind_path.replace("/", ":"), last, "collectionstate" if collection else "state")


def link(path, query=None):
    return "%s/mgmt/tm/%s?%sver=%s" % (HOST, path, (query + "&") if query else "", VERSION)


def object_id(full_path):
    """/Common/web -> ~Common~web (the URL form)."""
    return full_path.replace("/", "~")


def parse_object_id(segment, default_partition="Common"):
    """~Common~web or web -> (partition, name); the path was percent-decoded once already, as on the device."""
    if segment.startswith("~"):
        parts = segment[1:].split("~")
        return parts[0], "~".join(parts[1:]).replace("~", "/")
    return default_partition, segment


def full_path_of(name, partition="Common"):
    name = str(name)
    if name.startswith("/"):
        return name
    return "/%s/%s" % (partition, name)


def split_full_path(full_path):
    parts = full_path.strip("/").split("/")
    return parts[0], "/".join(parts[1:])


def split_address_port(value):
    """10.0.0.1:80 / 10.0.0.1%2:80 / 2001:db8::1.80 -> (address, port)."""
    value = value.rsplit("/", 1)[-1]
    if value.count(":") > 1:
        address, port = value.rsplit(".", 1)
    else:
        address, port = value.rsplit(":", 1)
    return address, port


def valid_address(address):
    try:
        ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return True


def parse_monitor(value):
    """A pool monitor string -> list of monitor full paths."""
    value = (value or "").strip()
    if not value or value == "none":
        return []
    match = re.match(r"^min\s+(\d+)\s+of\s+\{(.*)\}$", value)
    if match:
        return match.group(2).split()
    return [part.strip() for part in value.split(" and ") if part.strip()]


class Device:
    """The object store and the device's rules. Thread-safety is the server's job (one lock)."""

    def __init__(self, users=None, ha=None):
        self.users = dict(users or {"admin": "admin"})
        # What the unit is in its pair (configuration, kept across resets): see HA_DEFAULTS.
        self.ha_config = dict(HA_DEFAULTS, **(ha or {}))
        self.reset()

    # ---- lifecycle -------------------------------------------------------------------------
    def reset(self):
        self.store = dict((kind, OrderedDict()) for kind in KINDS)
        self.generation = 1
        self.uploads = {}
        self.tokens = {}
        self.transactions = {}
        self.log = []
        self.faults = {"fail_write": 0, "fail_status": 400, "fail_message": None, "unavailable": 0, "mcpd_lost": 0,
                       "expire_tokens_after": 0, "latency_ms": 0, "sync_fail": False, "disconnected": False,
                       "awaiting_initial_sync": False, "changes_pending": False, "failover_after": 0}
        self.failover_state = self.ha_config["failover_state"]
        self.peer_failover_state = "standby" if self.failover_state == "active" else "active"
        self.unsynced = False  # a change on this unit not yet copied to the peer
        self.sync_failed = False
        self.saves = 0
        self._factory_objects()

    def _next_generation(self):
        self.generation += 1
        return self.generation

    def _factory_objects(self):
        for kind in MONITOR_KINDS:
            name = kind.replace("-", "_")
            fields = OrderedDict(MONITOR_DEFAULTS)
            if kind in ("http", "https"):
                fields["send"] = "GET /\\r\\n"
            self._put("ltm/monitor/" + kind, "Common", name, fields)
        builtin_profiles = [
            ("fastl4", "fastL4"), ("fasthttp", "fasthttp"), ("tcp", "tcp"), ("tcp", "tcp-lan-optimized"),
            ("tcp", "tcp-wan-optimized"), ("http", "http"), ("server-ssl", "serverssl"), ("udp", "udp"),
            ("one-connect", "oneconnect"),
        ]
        for kind, name in builtin_profiles:
            fields = OrderedDict({"http": HTTP_PROFILE_DEFAULTS, "server-ssl": SERVERSSL_DEFAULTS}.get(kind, PROFILE_DEFAULTS))
            if name not in ("fastL4", "fasthttp", "tcp", "http", "udp", "oneconnect", "serverssl"):
                fields["defaultsFrom"] = "/Common/" + kind
            self._put("ltm/profile/" + kind, "Common", name, fields)
        default_cert = b"-----BEGIN CERTIFICATE-----\ndefault\n-----END CERTIFICATE-----\n"
        self._put("sys/file/ssl-cert", "Common", "default.crt", self._file_fields("default.crt", default_cert, cert=True))
        self._put("sys/file/ssl-key", "Common", "default.key", self._file_fields("default.key", b"default-key", cert=False))
        # The CA bundle every BIG-IP ships (a server-ssl profile's caFile for publicly issued certificates).
        bundle = b"-----BEGIN CERTIFICATE-----\nca-bundle\n-----END CERTIFICATE-----\n"
        self._put("sys/file/ssl-cert", "Common", "ca-bundle.crt", self._file_fields("ca-bundle.crt", bundle, cert=True))
        self.store["sys/file/ssl-cert"]["/Common/ca-bundle.crt"]["isBundle"] = "true"
        clientssl = OrderedDict(CLIENTSSL_DEFAULTS)
        clientssl["defaultsFrom"] = "none"
        self._put("ltm/profile/client-ssl", "Common", "clientssl", clientssl)
        self._put("net/vlan", "Common", "external", OrderedDict([("tag", 4094), ("mtu", 1500)]))
        self._put("net/vlan", "Common", "internal", OrderedDict([("tag", 4093), ("mtu", 1500)]))

    def _put(self, kind, partition, name, fields):
        obj = OrderedDict([("name", name), ("partition", partition), ("generation", self._next_generation())])
        obj.update(fields)
        self.store[kind][full_path_of(name, partition)] = obj
        return obj

    def check_pairs(self):
        """Every client-ssl profile's certificate and key must belong together (checked at commit)."""
        for profile_path, profile in self.store["ltm/profile/client-ssl"].items():
            for entry in profile.get("certKeyChain") or []:
                cert = self.store["sys/file/ssl-cert"].get(entry.get("cert")) or {}
                key = self.store["sys/file/ssl-key"].get(entry.get("key")) or {}
                if not pair_matches(cert.get("_content"), key.get("_content")):
                    raise DeviceRefusal(400, "010717e5:3: Client SSL profile (%s): certificate (%s) and key (%s) do not match."
                                        % (profile_path, entry.get("cert"), entry.get("key")))

    def snapshot(self):
        return copy.deepcopy((self.store, self.uploads, self.generation))

    def restore(self, snap):
        self.store, self.uploads, self.generation = snap

    # ---- lookup helpers --------------------------------------------------------------------
    def find(self, kind, full_path):
        return self.store[kind].get(full_path)

    def resolve(self, kinds, name, partition):
        """Find ``name`` (relative names: the partition, then /Common) among ``kinds``."""
        candidates = [full_path_of(name, partition)]
        if not str(name).startswith("/") and partition != "Common":
            candidates.append(full_path_of(name, "Common"))
        for candidate in candidates:
            for kind in kinds:
                if candidate in self.store[kind]:
                    return kind, candidate
        return None, candidates[0]

    # ---- rendering -------------------------------------------------------------------------
    def render(self, kind, obj, expand=False):
        full_path = full_path_of(obj["name"], obj["partition"])
        out = OrderedDict([("kind", kind_string(kind)), ("name", obj["name"]), ("partition", obj["partition"]),
                           ("fullPath", full_path), ("generation", obj["generation"]),
                           ("selfLink", link("%s/%s" % (kind, object_id(full_path)), "expandSubcollections=true" if expand else None))])
        for key, value in obj.items():
            if key in ("name", "partition", "generation") or key.startswith("_"):
                continue
            out[key] = copy.deepcopy(value)
        renderer = getattr(self, "_render_" + kind.replace("/", "_").replace("-", "_"), None)
        if renderer:
            renderer(kind, obj, out, expand)
        return out

    def _render_ltm_pool(self, kind, obj, out, expand):
        base = "%s/%s/members" % (kind, object_id(out["fullPath"]))
        ref = OrderedDict([("link", link(base)), ("isSubcollection", True)])
        if expand:
            ref["items"] = [self.render_member(obj, member) for member in obj["_members"].values()]
        metadata = out.pop("metadata", None)
        out["membersReference"] = ref
        if metadata:
            out["metadata"] = metadata

    def render_member(self, pool, member):
        pool_path = full_path_of(pool["name"], pool["partition"])
        full_path = full_path_of(member["name"], member["partition"])
        out = OrderedDict([("kind", "tm:ltm:pool:members:membersstate"), ("name", member["name"]),
                           ("partition", member["partition"]), ("fullPath", full_path),
                           ("generation", member["generation"]),
                           ("selfLink", link("ltm/pool/%s/members/%s" % (object_id(pool_path), object_id(full_path))))])
        out["address"] = member["address"]
        for key in MEMBER_DEFAULTS:
            out[key] = copy.deepcopy(member[key])
        if member.get("description"):
            out["description"] = member["description"]
        monitored = bool(parse_monitor(pool.get("monitor"))) or member["monitor"] not in ("default", "/Common/none")
        if member["_state"] == "user-down":
            out["session"], out["state"] = "user-disabled", "user-down"
        else:
            out["session"] = "user-disabled" if member["_session"] == "user-disabled" else (
                "monitor-enabled" if monitored else "user-enabled")
            out["state"] = "up" if monitored else "unchecked"
        ordered = OrderedDict((key, out[key]) for key in sorted(out, key=lambda k: (
            list(out).index(k) if k in ("kind", "name", "partition", "fullPath", "generation", "selfLink") else 10, k)))
        return ordered

    def _render_ltm_virtual(self, kind, obj, out, expand):
        base = "%s/%s" % (kind, object_id(out["fullPath"]))
        profiles = OrderedDict([("link", link(base + "/profiles")), ("isSubcollection", True)])
        if expand:
            profiles["items"] = [self.render_profile_ref(obj, ref) for ref in obj["_profiles"].values()]
        if "enabled" in out and not out["enabled"]:
            del out["enabled"]
            out["disabled"] = True
        for list_key, ref_kind in (("rules", "ltm/rule"), ("vlans", "net/vlan")):
            if out.get(list_key):
                out[list_key + "Reference"] = [{"link": link("%s/%s" % (ref_kind, object_id(path)))} for path in out[list_key]]
            else:
                out.pop(list_key, None)
        if out.get("pool"):
            out["poolReference"] = {"link": link("ltm/pool/" + object_id(out["pool"]))}
        out["policiesReference"] = OrderedDict([("link", link(base + "/policies")), ("isSubcollection", True)])
        out["profilesReference"] = profiles

    def render_profile_ref(self, virtual, ref):
        vs_path = full_path_of(virtual["name"], virtual["partition"])
        return OrderedDict([
            ("kind", "tm:ltm:virtual:profiles:profilesstate"), ("name", ref["name"]), ("partition", ref["partition"]),
            ("fullPath", ref["fullPath"]), ("generation", ref["generation"]),
            ("selfLink", link("ltm/virtual/%s/profiles/%s" % (object_id(vs_path), object_id(ref["fullPath"])))),
            ("context", ref["context"]),
            ("nameReference", {"link": link("%s/%s" % (ref["kind"], object_id(ref["fullPath"])))}),
        ])

    def _render_sys_file_ssl_cert(self, kind, obj, out, expand):
        base = "%s/%s" % (kind, object_id(out["fullPath"]))
        out["bundleCertificatesReference"] = OrderedDict([("link", link(base + "/bundle-certificates")), ("isSubcollection", True)])
        out["certValidatorsReference"] = OrderedDict([("link", link(base + "/cert-validators")), ("isSubcollection", True)])

    def _render_ltm_virtual_address(self, kind, obj, out, expand):
        if out.get("trafficGroup"):
            out["trafficGroupReference"] = {"link": link("cm/traffic-group/" + object_id(out["trafficGroup"]))}

    def _render_ltm_profile_client_ssl(self, kind, obj, out, expand):
        for key, ref_kind in (("cert", "sys/file/ssl-cert"), ("key", "sys/file/ssl-key")):
            if out.get(key) and out[key] != "none":
                out[key + "Reference"] = {"link": link("%s/%s" % (ref_kind, object_id(out[key])))}
        if out.get("defaultsFrom") not in (None, "none"):
            out["defaultsFromReference"] = {"link": link("ltm/profile/client-ssl/" + object_id(out["defaultsFrom"]))}
        chain = out.get("certKeyChain") or [OrderedDict([("name", "default"), ("cert", out.get("cert")),
                                                         ("key", out.get("key")), ("chain", out.get("chain", "none"))])]
        rendered = []
        for entry in chain:
            item = OrderedDict([("name", entry["name"]), ("appService", "none"), ("cert", entry["cert"])])
            item["certReference"] = {"link": link("sys/file/ssl-cert/" + object_id(entry["cert"]))}
            item["chain"] = entry.get("chain") or "none"
            if item["chain"] != "none":
                item["chainReference"] = {"link": link("sys/file/ssl-cert/" + object_id(item["chain"]))}
            item["key"] = entry["key"]
            item["keyReference"] = {"link": link("sys/file/ssl-key/" + object_id(entry["key"]))}
            rendered.append(item)
        out["certKeyChain"] = rendered

    def render_collection(self, kind, query):
        expand = query.get("expandSubcollections") == "true"
        items = [self.render(kind, obj, expand) for obj in self.store[kind].values()]
        items = apply_filter(items, query.get("$filter"))
        skip, top = int(query.get("$skip", 0) or 0), query.get("$top")
        items = items[skip:skip + int(top)] if top else items[skip:]
        out = OrderedDict([("kind", kind_string(kind, collection=True)),
                           ("selfLink", link(kind, "expandSubcollections=true" if expand else None))])
        if items:
            out["items"] = [select(item, query.get("$select")) for item in items]
        return out

    # ---- generic CRUD ----------------------------------------------------------------------
    def create(self, kind, body):
        if not isinstance(body, dict) or not body.get("name"):
            raise DeviceRefusal(400, "one or more properties must be specified", api_error=1)
        name = str(body["name"])
        partition = body.get("partition") or "Common"
        if name.startswith("/"):
            partition, name = split_full_path(name)
        if partition not in self.partitions():
            raise DeviceRefusal(400, "The requested folder (/%s) was not found." % partition, api_error=1)
        full_path = full_path_of(name, partition)
        if full_path in self.store[kind]:
            raise DeviceRefusal(409, "01020066:3: The requested %s (%s) already exists in partition %s."
                                % (type_name(kind), full_path, partition))
        fields = dict((key, value) for key, value in body.items() if key not in ("name", "partition", "fullPath", "kind"))
        builder = getattr(self, "_build_" + kind.replace("/", "_").replace("-", "_"), None)
        obj = OrderedDict([("name", name), ("partition", partition), ("generation", self._next_generation())])
        inherited = self._inherited(kind, fields, partition)
        if inherited is not None:
            obj.update(inherited)
        if builder:
            builder(obj, fields, create=True)
        else:
            if inherited is None:
                obj.update(self._defaults_for(kind))
            obj.update(fields)
        self.store[kind][full_path] = obj
        return obj

    def _inherited(self, kind, fields, partition):
        """A profile or monitor starts as a copy of its parent (defaultsFrom, else the kind's built-in)."""
        if not (kind.startswith("ltm/profile/") or kind.startswith("ltm/monitor/")) or kind == "ltm/profile/client-ssl":
            return None
        builtin = "/Common/" + {"fastl4": "fastL4", "server-ssl": "serverssl", "one-connect": "oneconnect"}.get(
            kind.rsplit("/", 1)[1], kind.rsplit("/", 1)[1].replace("-", "_"))
        found, parent_path = self.resolve([kind], fields.get("defaultsFrom") or builtin, partition)
        if found is None:
            raise DeviceRefusal(400, "01020036:3: The requested parent %s (%s) was not found."
                                % ("monitor" if kind.startswith("ltm/monitor/") else "profile", parent_path))
        parent = self.store[kind][parent_path]
        inherited = OrderedDict((key, copy.deepcopy(value)) for key, value in parent.items()
                                if key not in NOT_INHERITED and not key.startswith("_"))
        if kind.startswith("ltm/profile/"):
            inherited["appService"] = "none"
            inherited["description"] = "none"
        inherited["defaultsFrom"] = parent_path
        fields["defaultsFrom"] = parent_path
        return inherited

    def update(self, kind, full_path, body, replace=False):
        obj = self.store[kind].get(full_path)
        if obj is None:
            raise not_found(type_name(kind), full_path)
        fields = dict((key, value) for key, value in (body or {}).items() if key not in ("name", "partition", "fullPath", "kind", "generation", "selfLink"))
        new = copy.deepcopy(obj)
        if replace:
            for key in list(new):
                if key not in ("name", "partition", "generation") and not key.startswith("_"):
                    del new[key]
        builder = getattr(self, "_build_" + kind.replace("/", "_").replace("-", "_"), None)
        if builder:
            builder(new, fields, create=replace)
        else:
            if replace:
                new.update(self._defaults_for(kind))
            new.update(fields)
        new["generation"] = self._next_generation()
        self.store[kind][full_path] = new
        return new

    def delete(self, kind, full_path):
        obj = self.store[kind].get(full_path)
        if obj is None:
            raise not_found(type_name(kind), full_path)
        self._check_delete(kind, full_path, obj)
        del self.store[kind][full_path]
        if kind == "ltm/virtual":
            self._gc_virtual_addresses()

    def partitions(self):
        return {"Common"} | set(self.extra_partitions)

    extra_partitions = ("Tenant", "k8s")

    def _defaults_for(self, kind):
        if kind.startswith("ltm/monitor/"):
            defaults = OrderedDict(MONITOR_DEFAULTS)
            defaults["defaultsFrom"] = "/Common/" + kind.rsplit("/", 1)[1].replace("-", "_")
            return defaults
        if kind == "ltm/profile/client-ssl":
            return OrderedDict(CLIENTSSL_DEFAULTS)
        if kind.startswith("ltm/profile/"):
            defaults = OrderedDict(PROFILE_DEFAULTS)
            defaults["defaultsFrom"] = "/Common/" + {"fastl4": "fastL4", "server-ssl": "serverssl",
                                                     "one-connect": "oneconnect"}.get(kind.rsplit("/", 1)[1], kind.rsplit("/", 1)[1])
            return defaults
        if kind == "ltm/node":
            return OrderedDict(NODE_DEFAULTS)
        return OrderedDict()

    def _check_delete(self, kind, full_path, obj):
        if kind == "ltm/pool":
            for vs_path, vs in self.store["ltm/virtual"].items():
                if vs.get("pool") == full_path:
                    raise DeviceRefusal(400, "01070265:3: The Pool (%s) cannot be deleted because it is in use by a Virtual Server (%s)."
                                        % (full_path, vs_path))
        if kind == "ltm/node":
            for pool_path, pool in self.store["ltm/pool"].items():
                for member in pool["_members"].values():
                    if member["_node"] == full_path:
                        raise DeviceRefusal(400, "01070110:3: Node address '%s' is referenced by a member of pool '%s'."
                                            % (full_path, pool_path))
        if kind.startswith("ltm/profile/"):
            for vs_path, vs in self.store["ltm/virtual"].items():
                if full_path in vs["_profiles"]:
                    raise DeviceRefusal(400, "01070621:3: The profile (%s) is in use by virtual server (%s)." % (full_path, vs_path))
        if kind in ("sys/file/ssl-cert", "sys/file/ssl-key"):
            for profile_path, profile in self.store["ltm/profile/client-ssl"].items():
                used = [profile.get("cert"), profile.get("key"), profile.get("chain")]
                for entry in profile.get("certKeyChain") or []:
                    used += [entry.get("cert"), entry.get("key"), entry.get("chain")]
                if full_path in used:
                    raise DeviceRefusal(400, "01071349:3: File object by name (%s) is in use by client-ssl profile (%s)."
                                        % (full_path, profile_path))
            for profile_path, profile in self.store["ltm/profile/server-ssl"].items():
                if full_path in (profile.get("caFile"), profile.get("cert"), profile.get("key"), profile.get("chain")):
                    raise DeviceRefusal(400, "01071349:3: File object by name (%s) is in use by server-ssl profile (%s)."
                                        % (full_path, profile_path))
        if kind.startswith("ltm/monitor/"):
            for pool_path, pool in self.store["ltm/pool"].items():
                if full_path in parse_monitor(pool.get("monitor")):
                    raise DeviceRefusal(400, "01070083:3: Monitor %s is in use by pool %s." % (full_path, pool_path))

    # ---- pools and members -----------------------------------------------------------------
    def _monitor_string(self, value, partition, owner):
        if value is None:
            return None
        names = parse_monitor(value)
        resolved = []
        for name in names:
            if name in ("none", "/Common/none"):
                continue
            kind, path = self.resolve(["ltm/monitor/" + k for k in MONITOR_KINDS], name, partition)
            if kind is None:
                raise DeviceRefusal(400, "01020036:3: The requested monitor (%s) was not found." % path)
            resolved.append(path)
        match = re.match(r"^\s*min\s+(\d+)\s+of\s+\{", value or "")
        if match:
            quorum = int(match.group(1))
            if quorum > len(resolved):
                raise DeviceRefusal(400, "01070083:3: Monitor rule for %s requires %d monitors to be up, but only %d are listed."
                                    % (owner, quorum, len(resolved)))
            return "min %d of { %s }" % (quorum, " ".join(resolved))
        return " and ".join(resolved)

    def _build_ltm_pool(self, obj, fields, create):
        full_path = full_path_of(obj["name"], obj["partition"])
        if create:
            for key, value in POOL_DEFAULTS.items():
                obj.setdefault(key, value)
            obj.setdefault("_members", OrderedDict())
        members = fields.pop("members", None)
        for key, value in fields.items():
            if key == "monitor":
                value = self._monitor_string(value, obj["partition"], full_path)
                if not value:
                    obj.pop("monitor", None)
                    continue
            if key == "loadBalancingMode" and value not in LB_METHODS:
                raise DeviceRefusal(400, 'invalid property value "loadBalancingMode":"%s"' % value, api_error=1)
            if key in ("membersReference",):
                continue
            obj[key] = value
        if members is not None:
            new_members = OrderedDict()
            for body in members:
                member = self._build_member(obj, body if isinstance(body, dict) else {"name": body}, obj["_members"])
                key = full_path_of(member["name"], member["partition"])
                if key in new_members:
                    raise DeviceRefusal(409, "01020066:3: The requested Pool Member (%s %s) already exists in partition %s."
                                        % (full_path, key.rsplit(":", 1)[0], member["partition"]))
                new_members[key] = member
            obj["_members"] = new_members
        if "description" in obj and obj["description"] in ("", None):
            del obj["description"]

    def _build_member(self, pool, body, existing=None, base=None):
        name = str(body.get("name", ""))
        partition = body.get("partition") or pool["partition"]
        if name.startswith("/"):
            partition, name = split_full_path(name)
        try:
            node_name, port = split_address_port(name)
            port_number = int(port)
        except ValueError:
            raise DeviceRefusal(400, "01070587:3: The requested pool member (%s) has an invalid port." % name)
        if not 0 <= port_number <= 65535:
            raise DeviceRefusal(400, "01070587:3: The requested pool member port (%s) is out of range." % port)
        node_path = full_path_of(node_name, partition)
        node = self.store["ltm/node"].get(node_path)
        address = body.get("address")
        if node is None:
            address = address or node_name
            if not valid_address(address):
                raise DeviceRefusal(400, "01070734:3: Configuration error: invalid pool member address (%s)." % address)
            for other_path, other in self.store["ltm/node"].items():
                if other["address"] == address:
                    raise DeviceRefusal(400, "0107003a:3: Pool member node (%s) and existing node (%s) cannot use the same IP Address."
                                        % (node_path, other_path))
            fields = OrderedDict([("address", address)])
            fields.update(NODE_DEFAULTS)
            self._put("ltm/node", partition, node_name, fields)
        elif address and address != node["address"]:
            raise DeviceRefusal(400, "0107003a:3: Pool member node (%s) and existing node (%s) cannot use the same IP Address."
                                % (full_path_of(address, partition), node_path))
        else:
            address = node["address"]
        member = OrderedDict(copy.deepcopy(base) if base else ())
        member.update([("name", name), ("partition", partition), ("address", address), ("_node", node_path)])
        if not base:
            member["generation"] = self._next_generation()
            member.update(copy.deepcopy(MEMBER_DEFAULTS))
            member["_state"], member["_session"] = "user-up", "user-enabled"
        else:
            member["generation"] = self._next_generation()
        for key, value in body.items():
            if key in ("name", "partition", "address", "fullPath", "kind", "generation", "selfLink"):
                continue
            if key == "state":
                if value not in ("user-up", "user-down"):
                    raise DeviceRefusal(400, 'invalid property value "state":"%s"' % value, api_error=1)
                member["_state"] = value
            elif key == "session":
                if value not in ("user-enabled", "user-disabled", "monitor-enabled"):
                    raise DeviceRefusal(400, 'invalid property value "session":"%s"' % value, api_error=1)
                member["_session"] = "user-disabled" if value == "user-disabled" else "user-enabled"
            elif key == "monitor":
                member["monitor"] = "default" if value in ("default", "", None) else self._monitor_string(value, partition, name)
            elif key in ("ratio", "priorityGroup", "connectionLimit", "dynamicRatio"):
                try:
                    member[key] = int(value)
                except (TypeError, ValueError):
                    raise DeviceRefusal(400, 'invalid property value "%s":"%s"' % (key, value), api_error=1)
            elif key == "description":
                if value in ("", "none", None):
                    member.pop("description", None)
                else:
                    member["description"] = value
            elif key in MEMBER_DEFAULTS or key in ("profiles",):
                member[key] = value
            else:
                raise DeviceRefusal(400, 'Found unexpected json pair at configuration item /ltm/pool/members: '
                                         'The json pair "%s":%s is not allowed.' % (key, json.dumps(value)), api_error=1)
        if member["_state"] == "user-down":
            member["_session"] = "user-disabled"
        return member

    # ---- virtual servers -------------------------------------------------------------------
    def _build_ltm_virtual(self, obj, fields, create):
        full_path = full_path_of(obj["name"], obj["partition"])
        if create:
            for key, value in VIRTUAL_DEFAULTS.items():
                obj.setdefault(key, copy.deepcopy(value))
            obj.setdefault("_profiles", OrderedDict())
            if "destination" not in fields:
                raise DeviceRefusal(400, "01070734:3: Configuration error: virtual server %s requires a destination." % full_path)
        profiles = fields.pop("profiles", None)
        for key, value in fields.items():
            if key == "destination":
                value = self._destination(value, obj["partition"], full_path)
                address = split_address_port(value)[0]
                obj.setdefault("mask", "255.255.255.255" if "." in address and ":" not in address else "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
                obj.setdefault("source", "0.0.0.0/0" if ":" not in address else "::/0")
            elif key == "pool":
                if value in ("", "none", None):
                    obj.pop("pool", None)
                    continue
                kind, path = self.resolve(["ltm/pool"], value, obj["partition"])
                if kind is None:
                    raise DeviceRefusal(400, "01070712:3: Values (%s) specified for virtual server pool (%s): foreign key index (pool) "
                                             "do not point at an item that exists in the database." % (path, full_path))
                value = path
            elif key in ("enabled", "disabled"):
                obj["enabled"] = bool(value) if key == "enabled" else not bool(value)
                continue
            elif key in ("vlansEnabled", "vlansDisabled"):
                obj.pop("vlansEnabled", None)
                obj.pop("vlansDisabled", None)
                obj[key] = True
                continue
            elif key in ("rules", "vlans"):
                ref_kind = "ltm/rule" if key == "rules" else "net/vlan"
                resolved = []
                for item in value or []:
                    kind, path = self.resolve([ref_kind], item, obj["partition"])
                    if kind is None:
                        raise DeviceRefusal(400, "01020036:3: The requested %s (%s) was not found."
                                            % ("rule" if key == "rules" else "VLAN", path))
                    resolved.append(path)
                value = resolved
            elif key == "sourceAddressTranslation":
                value = dict(value or {"type": "none"})
                if value.get("type") == "snat":
                    kind, path = self.resolve(["ltm/snatpool"], value.get("pool", ""), obj["partition"])
                    if kind is None:
                        raise DeviceRefusal(400, "01020036:3: The requested SNAT Pool (%s) was not found." % path)
                    value["pool"] = path
                elif value.get("type") not in ("automap", "none", "lsn"):
                    raise DeviceRefusal(400, 'invalid property value "sourceAddressTranslation":%s' % json.dumps(value), api_error=1)
            elif key == "ipProtocol":
                # The device takes protocol numbers too and reads them back as names.
                value = {"6": "tcp", "17": "udp", "132": "sctp", "0": "any"}.get(str(value), value)
                if value not in ("tcp", "udp", "sctp", "any"):
                    raise DeviceRefusal(400, 'invalid property value "ipProtocol":"%s"' % value, api_error=1)
            elif key in ("profilesReference", "policiesReference", "rulesReference", "vlansReference", "poolReference"):
                continue
            obj[key] = value
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if create:
            obj["creationTime"] = now
            obj["vsIndex"] = 1 + max([vs.get("vsIndex", 0) for vs in self.store["ltm/virtual"].values()] + [0])
        obj["lastModifiedTime"] = now
        if profiles is not None:
            obj["_profiles"] = self._profile_refs(obj, profiles)
        elif create and not obj["_profiles"]:
            obj["_profiles"] = self._profile_refs(obj, [])
        self._check_profiles(obj)
        if obj.get("description") in ("", None):
            obj.pop("description", None)
        self._ensure_virtual_address(obj)

    def _destination(self, value, partition, owner):
        value = str(value)
        dest_partition = partition
        if value.startswith("/"):
            dest_partition, value = split_full_path(value)
        try:
            address, port = split_address_port(value)
            port_number = int(port)
        except ValueError:
            raise DeviceRefusal(400, "01070734:3: Configuration error: invalid destination (%s) on virtual server %s." % (value, owner))
        if not valid_address(address) or not 0 <= port_number <= 65535:
            raise DeviceRefusal(400, "01070734:3: Configuration error: invalid destination (%s) on virtual server %s." % (value, owner))
        separator = "." if ":" in address else ":"
        return "/%s/%s%s%d" % (dest_partition, address, separator, port_number)

    def _profile_refs(self, obj, profiles):
        refs = OrderedDict()
        if not profiles:
            profiles = [{"name": "/Common/fastL4", "context": "all"}]
        for item in profiles:
            item = item if isinstance(item, dict) else {"name": item}
            name = item.get("fullPath") or item.get("name")
            if item.get("partition") and not str(name).startswith("/"):
                name = full_path_of(name, item["partition"])
            kind, path = self.resolve(["ltm/profile/" + k for k in PROFILE_KINDS], name, obj["partition"])
            if kind is None:
                raise DeviceRefusal(400, "01020036:3: The requested profile (%s) was not found." % path)
            default_context = {"ltm/profile/client-ssl": "clientside", "ltm/profile/server-ssl": "serverside"}.get(kind, "all")
            context = item.get("context") or default_context
            if context not in ("all", "clientside", "serverside"):
                raise DeviceRefusal(400, 'invalid property value "context":"%s"' % context, api_error=1)
            partition, pname = split_full_path(path)
            refs[path] = OrderedDict([("name", pname), ("partition", partition), ("fullPath", path), ("kind", kind),
                                      ("context", context), ("generation", self._next_generation())])
        return refs

    def _check_profiles(self, obj):
        full_path = full_path_of(obj["name"], obj["partition"])
        kinds = [ref["kind"].rsplit("/", 1)[1] for ref in obj["_profiles"].values()]
        fast = [k for k in kinds if k in ("fastl4", "fasthttp")]
        if fast and (len(fast) > 1 or any(k in ("tcp", "http", "udp", "client-ssl", "server-ssl") for k in kinds)):
            raise DeviceRefusal(400, "01070734:3: Configuration error: Found disallowed profile on %s: "
                                     "Not Any Of (FastL4 Profile, FastHTTP Profile)" % full_path)
        if "fasthttp" in kinds and obj.get("ipProtocol") not in ("tcp", None):
            raise DeviceRefusal(400, "01070734:3: Configuration error: Virtual server %s lists profiles incompatible with its protocol." % full_path)
        if any(k in ("http", "client-ssl", "server-ssl", "one-connect") for k in kinds) and "tcp" not in kinds:
            raise DeviceRefusal(400, "01070734:3: Configuration error: Virtual server %s has a profile that requires a TCP profile." % full_path)
        if "tcp" in kinds and obj.get("ipProtocol") not in ("tcp", None):
            raise DeviceRefusal(400, "01070734:3: Configuration error: Virtual server %s lists profiles incompatible with its protocol." % full_path)

    def _ensure_virtual_address(self, obj):
        if not obj.get("destination"):
            return
        partition, rest = split_full_path(obj["destination"])
        address = split_address_port(rest)[0]
        path = full_path_of(address, partition)
        if path not in self.store["ltm/virtual-address"]:
            fields = OrderedDict([("address", address)])
            fields.update(VADDR_DEFAULTS)
            fields["mask"] = obj.get("mask", "255.255.255.255")
            self._put("ltm/virtual-address", partition, address, fields)
        self._gc_virtual_addresses()

    def _gc_virtual_addresses(self):
        used = set()
        for vs in self.store["ltm/virtual"].values():
            if vs.get("destination"):
                partition, rest = split_full_path(vs["destination"])
                used.add(full_path_of(split_address_port(rest)[0], partition))
        for path in list(self.store["ltm/virtual-address"]):
            if self.store["ltm/virtual-address"][path].get("autoDelete") == "true" and path not in used:
                del self.store["ltm/virtual-address"][path]

    # ---- HTTP monitors, HTTP and server-ssl profiles ---------------------------------------
    def _apply_flat(self, obj, fields, enums, references=()):
        """Set fields, refusing values outside a field's set; ``"none"``/``""`` text clears optional text fields."""
        for key, value in fields.items():
            if key.endswith("Reference"):
                continue
            if key in enums and value not in enums[key]:
                raise DeviceRefusal(400, 'invalid property value "%s":"%s"' % (key, value), api_error=1)
            obj[key] = value
        for key, kind, owner in references:
            value = obj.get(key)
            if value in (None, "", "none"):
                obj[key] = "none"
                continue
            found, path = self.resolve([kind], value, obj["partition"])
            if found is None:
                raise DeviceRefusal(400, "01070712:3: Values (%s) specified for %s (%s): foreign key index (%s) do not point at "
                                         "an item that exists in the database." % (path, owner, full_path_of(obj["name"], obj["partition"]), key))
            obj[key] = path

    def _build_ltm_monitor_http(self, obj, fields, create):
        if "destination" in fields and not valid_monitor_destination(str(fields["destination"])):
            raise DeviceRefusal(400, 'invalid property value "destination":"%s"' % fields["destination"], api_error=1)
        for key in ("interval", "timeout", "timeUntilUp", "upInterval"):
            if key in fields:
                try:
                    fields[key] = int(fields[key])
                except (TypeError, ValueError):
                    raise DeviceRefusal(400, 'invalid property value "%s":"%s"' % (key, fields[key]), api_error=1)
        self._apply_flat(obj, fields, {"reverse": ("enabled", "disabled"), "transparent": ("enabled", "disabled"),
                                       "manualResume": ("enabled", "disabled")})
        for key in ("recv", "recvDisable", "description", "username"):
            if obj.get(key) in ("", "none"):  # cleared: the device lists the field no more
                del obj[key]
        if create:
            obj.setdefault("defaultsFrom", "/Common/http")

    def _build_ltm_profile_http(self, obj, fields, create):
        self._apply_flat(obj, fields, {"insertXforwardedFor": ("enabled", "disabled"), "acceptXff": ("enabled", "disabled"),
                                       "proxyType": ("reverse", "explicit", "transparent")})
        if obj.get("description") in ("", None):
            obj["description"] = "none"

    def _build_ltm_profile_server_ssl(self, obj, fields, create):
        self._apply_flat(obj, fields, {"peerCertMode": ("ignore", "require"),
                                       "untrustedCertResponseControl": ("drop", "ignore"),
                                       "expireCertResponseControl": ("drop", "ignore")},
                         references=(("caFile", "sys/file/ssl-cert", "server ssl profile"),))
        if obj.get("description") in ("", None):
            obj["description"] = "none"

    # ---- client-ssl profiles and ssl files -------------------------------------------------
    def _build_ltm_profile_client_ssl(self, obj, fields, create):
        if create:
            for key, value in CLIENTSSL_DEFAULTS.items():
                obj.setdefault(key, copy.deepcopy(value))
        for key, value in fields.items():
            if key in ("cert", "key", "chain"):
                value = self._ssl_ref(key, value, obj["partition"])
            elif key == "certKeyChain":
                chain = []
                for entry in value or []:
                    chain.append(OrderedDict([
                        ("name", entry.get("name") or "default"),
                        ("cert", self._ssl_ref("cert", entry.get("cert"), obj["partition"])),
                        ("key", self._ssl_ref("key", entry.get("key"), obj["partition"])),
                        ("chain", self._ssl_ref("chain", entry.get("chain") or "none", obj["partition"])),
                    ]))
                value = chain
                if chain:
                    obj["cert"], obj["key"], obj["chain"] = chain[0]["cert"], chain[0]["key"], chain[0]["chain"]
            elif key == "defaultsFrom":
                kind, value = self.resolve(["ltm/profile/client-ssl"], value, obj["partition"])
                if kind is None:
                    raise DeviceRefusal(400, "01020036:3: The requested parent profile (%s) was not found." % value)
            elif key.endswith("Reference"):
                continue
            obj[key] = value
        if "certKeyChain" not in fields and any(k in fields for k in ("cert", "key", "chain")):
            obj["certKeyChain"] = [OrderedDict([("name", "default"), ("cert", obj.get("cert")), ("key", obj.get("key")),
                                                ("chain", obj.get("chain", "none"))])]
        if obj.get("description") in ("", None):
            obj["description"] = "none"

    def _ssl_ref(self, what, value, partition):
        if value in (None, "", "none"):
            if what == "chain":
                return "none"
            raise DeviceRefusal(400, "01070734:3: Configuration error: a client-ssl profile needs a %s." % what)
        kind = "sys/file/ssl-key" if what == "key" else "sys/file/ssl-cert"
        found, path = self.resolve([kind], value, partition)
        if found is None:
            raise DeviceRefusal(400, "010717e3:3: Client SSL profile %s file (%s) does not exist." % (what, path))
        return path

    def _file_fields(self, name, content, cert):
        sha = hashlib.sha1(content).hexdigest()
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        fields = OrderedDict()
        if cert:
            fields.update(cert_details(content))
        fields["checksum"] = "SHA1:%d:%s" % (len(content), sha)
        fields["createTime"] = now
        fields["createdBy"] = "admin"
        if not cert:
            fields.update(key_details(content))
        fields["lastUpdateTime"] = now
        fields["mode"] = 33188 if cert else 33184
        fields["revision"] = 1
        if not cert:
            fields["securityType"] = "normal"
        fields["size"] = len(content)
        fields["sourcePath"] = "file:///var/config/rest/downloads/%s" % name
        fields["updatedBy"] = "admin"
        if cert:
            fields["version"] = 3
        return fields

    def _build_ssl_file(self, obj, fields, create, cert):
        source = fields.get("sourcePath") or fields.get("from-local-file")
        if not source:
            if create:
                raise DeviceRefusal(400, "01070712:3: a sourcePath is required to install %s." % obj["name"])
            return
        path = source.replace("file://", "")
        file_name = path.rsplit("/", 1)[-1]
        content = self.uploads.get(file_name)
        if content is None:
            raise DeviceRefusal(400, "01070712:3: Caught exception: File not found: %s" % path)
        if cert and b"BEGIN CERTIFICATE" not in content:
            raise DeviceRefusal(400, "01070712:3: Values (%s) specified for ssl-cert: The certificate is not valid." % obj["name"])
        if not cert and b"PRIVATE KEY" not in content:
            raise DeviceRefusal(400, "01070712:3: Values (%s) specified for ssl-key: The key is not valid." % obj["name"])
        revision = obj.get("revision", 0)
        obj.update(self._file_fields(file_name, content, cert))
        obj["_content"] = content
        obj["revision"] = revision + 1
        obj["sourcePath"] = source

    def _build_sys_file_ssl_cert(self, obj, fields, create):
        self._build_ssl_file(obj, fields, create, cert=True)

    def _build_sys_file_ssl_key(self, obj, fields, create):
        self._build_ssl_file(obj, fields, create, cert=False)


def type_name(kind):
    return {
        "ltm/pool": "Pool", "ltm/node": "Node", "ltm/virtual": "Virtual Server", "ltm/virtual-address": "Virtual Address",
        "ltm/rule": "rule", "ltm/snatpool": "SNAT Pool", "net/vlan": "VLAN",
        "sys/file/ssl-cert": "Certificate File Object", "sys/file/ssl-key": "Key File Object",
    }.get(kind, "monitor" if kind.startswith("ltm/monitor/") else "profile" if kind.startswith("ltm/profile/") else kind)


def cert_details(content):
    details = OrderedDict([("certificateKeyCurveName", "none"), ("certificateKeySize", 2048)])
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        cert = x509.load_pem_x509_certificate(content)
        public = cert.public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            details["certificateKeyCurveName"] = public.curve.name
        details["certificateKeySize"] = getattr(public, "key_size", 0)
        expires = cert.not_valid_after_utc if hasattr(cert, "not_valid_after_utc") else cert.not_valid_after
        details["expirationDate"] = int(expires.timestamp())
        details["expirationString"] = expires.strftime("%b %d %H:%M:%S %Y GMT")
        details["isBundle"] = "false"
        details["issuer"] = cert.issuer.rfc4514_string()
        details["keyType"] = "ec-public" if isinstance(public, ec.EllipticCurvePublicKey) else (
            "rsa-public" if isinstance(public, rsa.RSAPublicKey) else "unknown")
        details["serialNumber"] = str(cert.serial_number)
        details["subject"] = cert.subject.rfc4514_string()
    except Exception:  # a placeholder certificate (the factory default.crt)
        details.update([("expirationDate", 2098025169), ("expirationString", "Jun 25 16:46:09 2036 GMT"),
                        ("isBundle", "false"), ("issuer", "CN=localhost.localdomain"), ("keyType", "rsa-public"),
                        ("serialNumber", "1"), ("subject", "CN=localhost.localdomain")])
    return details


def pair_matches(cert_pem, key_pem):
    if not cert_pem or not key_pem:
        return True  # factory placeholders
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return (x509.load_pem_x509_certificate(cert_pem).public_key().public_bytes(*spki)
                == load_pem_private_key(key_pem, password=None).public_key().public_bytes(*spki))
    except Exception:
        return True


def key_details(content):
    details = OrderedDict([("curveName", "none"), ("keySize", 2048), ("keyType", "rsa-private")])
    try:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
        key = load_pem_private_key(content, password=None)
        details["keySize"] = key.key_size
        if isinstance(key, ec.EllipticCurvePrivateKey):
            details["curveName"], details["keyType"] = key.curve.name, "ec-private"
    except Exception:  # the factory default.key placeholder
        pass
    return details


def valid_monitor_destination(value):
    """*:*, *:80, 10.0.0.1:80, 10.0.0.1%2:*, 2001:db8::1.80 (a monitor's alias address and port)."""
    if value.count(":") > 1:
        address, _sep, port = value.rpartition(".")
    else:
        address, _sep, port = value.rpartition(":")
    if not _sep or (address != "*" and not valid_address(address)):
        return False
    return port == "*" or (port.isdigit() and 1 <= int(port) <= 65535)


def apply_filter(items, expression):
    """The one $filter form that works under /mgmt/tm: ``partition eq X``."""
    if not expression:
        return items
    match = re.match(r"^\s*partition\s+eq\s+(\S+)\s*$", expression)
    if not match:
        raise DeviceRefusal(400, "Query parameter $filter is not supported for this expression: %s" % expression, api_error=1)
    return [item for item in items if item.get("partition") == match.group(1)]


def select(item, fields):
    if not fields:
        return item
    wanted = [field.strip() for field in fields.split(",") if field.strip()]
    return OrderedDict((key, value) for key, value in item.items() if key in wanted)


def redact(body):
    if isinstance(body, dict):
        return dict((key, "********" if key in SECRET_KEYS else redact(value)) for key, value in body.items())
    if isinstance(body, list):
        return [redact(item) for item in body]
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""

    def log_message(self, format, *args):  # the request log is /_emulator/requests
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # --- plumbing ---------------------------------------------------------------------------
    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, payload, content_type="application/json; charset=UTF-8"):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        # Headers and body in one write: two small writes cost a delayed-ACK round (~40 ms) each.
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(data)
        self.flush_headers()

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        raw = self._read_body()
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = dict((key, values[-1]) for key, values in parse_qs(url.query, keep_blank_values=True).items())
        device = self.server.device
        if path.startswith("/_emulator/peer/"):  # the pair's own link: never under this unit's lock when only read
            status, payload = self._peer_link(device, method, path, raw)
            return self._send(status, payload)
        with self.server.lock:
            if path.startswith("/_emulator/"):
                status, payload = self._emulator(method, path, raw)
                return self._send(status, payload)
            entry = OrderedDict([("method", method), ("path", path), ("query", unquote(url.query)), ("status", None)])
            device.log.append(entry)
            status, payload, content_type = self._handle(device, method, path, query, raw, entry)
            entry["status"] = status
            latency = device.faults.get("latency_ms") or 0
        if latency:  # a modelled device's processing time, outside the lock like concurrent mcpd work
            time.sleep(latency / 1000.0)
        self._send(status, payload, content_type)

    def _emulator(self, method, path, raw):
        device = self.server.device
        if path == "/_emulator/requests" and method == "GET":
            return 200, device.log
        if path == "/_emulator/reset" and method == "POST":
            device.reset()
            return 200, {"reset": True}
        if path == "/_emulator/state" and method == "GET":
            return 200, dict((kind, [dict((k, v) for k, v in obj.items() if k != "_content") for obj in objs.values()])
                             for kind, objs in device.store.items() if objs)
        if path == "/_emulator/faults" and method == "POST":
            body = json.loads(raw or b"{}")
            if body.get("expire_tokens"):
                for token in device.tokens.values():
                    token["expired"] = True
            for key in ("fail_write", "fail_status", "fail_message", "unavailable", "mcpd_lost", "expire_tokens_after",
                        "latency_ms", "sync_fail", "disconnected", "awaiting_initial_sync", "changes_pending",
                        "failover_after"):
                if key in body:
                    device.faults[key] = body[key]
            return 200, device.faults
        return 404, {"code": 404, "message": "unknown emulator endpoint %s" % path}

    def _error(self, status, message, api_error=3, kind=None, path=None):
        body = OrderedDict([("code", status), ("message", message)])
        if kind:
            body["referer"] = "127.0.0.1"
            body["restOperationId"] = int(time.time() * 1000) % 10000000
            body["kind"] = kind
        else:
            body["errorStack"] = []
            body["apiError"] = api_error
        return status, body, "application/json; charset=UTF-8"

    def _handle(self, device, method, path, query, raw, entry):
        faults = device.faults
        if faults["failover_after"]:
            faults["failover_after"] -= 1
            if faults["failover_after"] == 0:  # the pair fails over just before this request
                self._fail_over(device)
        if faults["expire_tokens_after"]:
            faults["expire_tokens_after"] -= 1
            if faults["expire_tokens_after"] == 0:  # the token expires just before this request
                for token in device.tokens.values():
                    token["expired"] = True
        if faults["unavailable"]:
            faults["unavailable"] -= 1
            return 503, b"<html><head><title>Configuration Utility restarting...</title></head><body>" \
                        b"Configuration Utility restarting...</body></html>", "text/html"
        if faults["mcpd_lost"]:
            faults["mcpd_lost"] -= 1
            return self._error(500, "The connection to mcpd has been lost, try again.", api_error=32768003)
        if not path.startswith("/mgmt/"):
            return self._error(404, "Public URI path not registered: %s" % path, kind=":resterrorresponse")
        body = None
        if raw and not path.startswith("/mgmt/shared/file-transfer/"):
            try:
                body = json.loads(raw)
            except ValueError:
                return self._error(400, "Found invalid JSON body in the request.", api_error=1)
        if body is not None and method != "GET":
            entry["body"] = redact(body)
        if path == "/mgmt/shared/authn/login" and method == "POST":
            return self._login(device, body or {})
        user = self._authenticate(device)
        if isinstance(user, tuple):
            return user
        if method != "GET" and not path.startswith("/mgmt/shared/authz/tokens"):
            if faults["fail_write"]:
                faults["fail_write"] -= 1
                if faults["fail_write"] == 0:
                    faults["fail_write"] = 0
                    return self._error(faults.get("fail_status") or 400, faults.get("fail_message")
                                       or "01070734:3: Configuration error: injected fault on %s %s" % (method, path))
        try:
            if path.startswith("/mgmt/shared/authz/tokens"):
                return self._token(device, method, path, body)
            if path.startswith("/mgmt/shared/file-transfer/uploads/"):
                return self._upload(device, method, path, raw)
            if path.startswith("/mgmt/tm/transaction"):
                return self._transaction(device, method, path, body)
            coordination = self.headers.get("X-F5-REST-Coordination-Id")
            if coordination and method != "GET":
                transaction = device.transactions.get(str(coordination))
                if transaction is None or transaction["state"] != "STARTED":
                    raise DeviceRefusal(400, "Transaction %s is not found or not in STARTED state." % coordination, api_error=1)
                entry["transaction"] = str(coordination)
                self._validate_path(path)
                transaction["commands"].append({"method": method, "path": path, "query": query, "body": body})
                echo = OrderedDict(body or {})
                return 200, echo, "application/json; charset=UTF-8"
            if method == "GET":
                status, payload = self._tm(device, method, path, query, body)
                return status, payload, "application/json; charset=UTF-8"
            snap = device.snapshot()  # one request is atomic on the device
            try:
                status, payload = self._tm(device, method, path, query, body)
                device.check_pairs()
            except DeviceRefusal:
                device.restore(snap)
                raise
            if not re.match(r"^/mgmt/tm/(cm|sys/config|util)(/|$)", path):
                self._changed(device)
            return status, payload, "application/json; charset=UTF-8"
        except DeviceRefusal as refusal:
            return self._error(refusal.status, refusal.message, refusal.api_error, refusal.kind)

    # --- auth -------------------------------------------------------------------------------
    def _login(self, device, body):
        username, password = body.get("username"), body.get("password")
        if device.users.get(username) != password or password is None:
            return self._error(401, "Authentication failed.", kind=":resterrorresponse")
        if username != "admin":
            live = [t for t in device.tokens.values() if t["userName"] == username and not t.get("expired")]
            if len(live) >= 100:
                return self._error(400, "user %s has reached maximum active login tokens" % username, kind=":resterrorresponse")
        token = base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")
        now = time.time()
        record = OrderedDict([
            ("token", token), ("name", token), ("userName", username), ("user", {"link": HOST + "/mgmt/shared/authz/users/" + username}),
            ("groupReferences", []), ("timeout", 1200), ("startTime", datetime.datetime.now(datetime.timezone.utc).isoformat()),
            ("address", "127.0.0.1"), ("partition", "[All]"), ("generation", 1), ("lastUpdateMicros", int(now * 1e6)),
            ("expirationMicros", int((now + 1200) * 1e6)), ("kind", "shared:authz:tokens:authtokenitemstate"),
            ("selfLink", HOST + "/mgmt/shared/authz/tokens/" + token),
        ])
        device.tokens[token] = record
        login_link = HOST + "/mgmt/cm/system/authn/providers/tmos/1f44a60e-11a7-3c51-a49f-82983026b41b/login"
        response = OrderedDict([("username", username), ("loginReference", {"link": login_link}),
                                ("loginProviderName", body.get("loginProviderName") or "tmos"),
                                ("token", dict((k, v) for k, v in record.items() if k != "expired")),
                                ("generation", 0), ("lastUpdateMicros", 0)])
        return 200, response, "application/json; charset=UTF-8"

    def _authenticate(self, device):
        token = self.headers.get("X-F5-Auth-Token")
        if token:
            record = device.tokens.get(token)
            if record is None:
                return self._error(401, "X-F5-Auth-Token does not exist.", kind=":resterrorresponse")
            if record.get("expired") or record["expirationMicros"] < time.time() * 1e6:
                return self._error(401, "X-F5-Auth-Token has expired.", kind=":resterrorresponse")
            return record["userName"]
        header = self.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            try:
                username, password = base64.b64decode(header[6:]).decode().split(":", 1)
            except (ValueError, UnicodeDecodeError):
                username, password = None, None
            if username and device.users.get(username) == password:
                return username
            return self._error(401, "Authentication required!", kind=":resterrorresponse")
        return self._error(401, "Authorization failed: no user authentication header or token detected. Uri:%s" % self.path,
                           kind=":resterrorresponse")

    def _token(self, device, method, path, body):
        token = path.rstrip("/").rsplit("/", 1)[-1]
        if token == "tokens":
            if method == "DELETE":
                device.tokens.clear()
                return 200, {"items": []}, "application/json; charset=UTF-8"
            return 200, {"items": list(device.tokens.values())}, "application/json; charset=UTF-8"
        record = device.tokens.get(token)
        if record is None:
            return self._error(404, "Object not found - %s" % token, api_error=1)
        if method == "DELETE":
            del device.tokens[token]
            return 200, record, "application/json; charset=UTF-8"
        if method == "PATCH":
            timeout = int((body or {}).get("timeout", record["timeout"]))
            if timeout > 36000:
                return self._error(406, "Auth-token absolute timeout (36000 seconds) exceeded", kind=":resterrorresponse")
            record["timeout"] = timeout
            record["expirationMicros"] = int((time.time() + timeout) * 1e6)
        return 200, record, "application/json; charset=UTF-8"

    # --- uploads and transactions -----------------------------------------------------------
    def _upload(self, device, method, path, raw):
        if method != "POST":
            raise DeviceRefusal(405, "Method not allowed", api_error=1)
        name = path.rsplit("/", 1)[-1]
        content_range = self.headers.get("Content-Range") or "0-%d/%d" % (len(raw) - 1, len(raw))
        match = re.match(r"^(\d+)-(\d+)/(\d+)$", content_range.strip())
        if not match:
            raise DeviceRefusal(400, "Content-Range header is invalid: %s" % content_range, api_error=1)
        start, end, total = (int(value) for value in match.groups())
        previous = device.uploads.get(name, b"") if start else b""
        device.uploads[name] = previous[:start] + raw
        return 200, OrderedDict([
            ("remainingByteCount", max(total - end - 1, 0)), ("usedChunks", {str(start): len(raw)}),
            ("totalByteCount", total), ("localFilePath", "/var/config/rest/downloads/" + name),
            ("temporaryFilePath", "/var/config/rest/downloads/tmp/" + name), ("generation", 0),
            ("lastUpdateMicros", int(time.time() * 1e6)),
        ]), "application/json; charset=UTF-8"

    def _transaction(self, device, method, path, body):
        parts = path.rstrip("/").split("/")  # ['', 'mgmt', 'tm', 'transaction', id?, 'commands'?]
        if len(parts) == 4:
            if method == "POST":
                trans_id = int(time.time() * 1000) + len(device.transactions)
                device.transactions[str(trans_id)] = {"transId": trans_id, "state": "STARTED", "commands": []}
                return 200, self._trans_body(device.transactions[str(trans_id)]), "application/json; charset=UTF-8"
            return 200, {"kind": "tm:transactioncollectionstate", "selfLink": link("transaction"),
                         "items": [self._trans_body(t) for t in device.transactions.values()]}, "application/json; charset=UTF-8"
        transaction = device.transactions.get(parts[4])
        if transaction is None:
            raise DeviceRefusal(404, "Transaction with id %s not found." % parts[4], api_error=1)
        if len(parts) == 6 and parts[5] == "commands":
            items = [OrderedDict([("method", c["method"]), ("uri", HOST + c["path"]), ("body", c["body"]),
                                  ("evalOrder", n), ("commandId", n), ("kind", "tm:transaction:commandsstate")])
                     for n, c in enumerate(transaction["commands"], 1)]
            return 200, {"kind": "tm:transaction:commandscollectionstate", "items": items}, "application/json; charset=UTF-8"
        if method == "DELETE":
            del device.transactions[parts[4]]
            return 200, {}, "application/json; charset=UTF-8"
        if method == "PATCH" and (body or {}).get("state") == "VALIDATING":
            snap = device.snapshot()
            try:
                for command in transaction["commands"]:
                    self._tm(device, command["method"], command["path"], command["query"], command["body"])
                device.check_pairs()
                if (body or {}).get("validateOnly"):
                    device.restore(snap)
            except DeviceRefusal as refusal:
                device.restore(snap)
                transaction["state"] = "FAILED"
                raise DeviceRefusal(400, "transaction failed:%s" % refusal.message, api_error=2)
            transaction["state"] = "COMPLETED"
            self._changed(device)
            return 200, self._trans_body(transaction), "application/json; charset=UTF-8"
        return 200, self._trans_body(transaction), "application/json; charset=UTF-8"

    def _trans_body(self, transaction):
        return OrderedDict([("transId", transaction["transId"]), ("state", transaction["state"]), ("timeoutSeconds", 120),
                            ("asyncExecution", False), ("validateOnly", False), ("executionTimeout", 300),
                            ("executionTime", 0), ("failureReason", ""), ("kind", "tm:transactionstate"),
                            ("selfLink", link("transaction/%s" % transaction["transId"]))])

    # --- /mgmt/tm ---------------------------------------------------------------------------
    def _validate_path(self, path):
        self._route(path)

    def _route(self, path):
        rest = path[len("/mgmt/tm/"):].strip("/") if path.startswith("/mgmt/tm/") else None
        if rest is None:
            raise DeviceRefusal(404, "Public URI path not registered: %s" % path, kind=":resterrorresponse")
        for kind in sorted(KINDS, key=len, reverse=True):
            if rest == kind or rest.startswith(kind + "/"):
                tail = rest[len(kind):].strip("/")
                segments = tail.split("/") if tail else []
                return kind, segments
        return None, rest

    def _tm(self, device, method, path, query, body):
        if re.match(r"^/mgmt/tm/(cm|sys/config)(/|$)", path):
            return self._high_availability(device, method, path, query, body)
        kind, segments = self._route(path)
        if kind is None:
            return self._organizing(device, method, path, segments, body)
        if not segments:
            if method == "GET":
                return 200, device.render_collection(kind, query)
            if method == "POST":
                if kind in ("sys/file/ssl-cert", "sys/file/ssl-key") and (body or {}).get("command") == "install":
                    body = {"name": body.get("name"), "sourcePath": body.get("from-local-file")}
                obj = device.create(kind, body or {})
                return 200, device.render(kind, obj)
            raise DeviceRefusal(405, "Method %s not allowed on a collection." % method, api_error=1)
        partition, name = parse_object_id(segments[0])
        full_path = full_path_of(name, partition)
        obj = device.find(kind, full_path)
        if len(segments) == 1:
            if method == "GET":
                if obj is None:
                    raise not_found(type_name(kind), full_path)
                return 200, select(device.render(kind, obj, query.get("expandSubcollections") == "true"), query.get("$select"))
            if method in ("PATCH", "PUT"):
                obj = device.update(kind, full_path, body, replace=(method == "PUT"))
                return 200, device.render(kind, obj)
            if method == "DELETE":
                device.delete(kind, full_path)
                return 200, {}
            raise DeviceRefusal(405, "Method not allowed", api_error=1)
        sub = segments[1]
        if obj is None:
            raise not_found(type_name(kind), full_path)
        if SUBCOLLECTIONS.get(kind) != sub:
            if sub == "policies" and kind == "ltm/virtual":
                return 200, {"kind": "tm:ltm:virtual:policies:policiescollectionstate",
                             "selfLink": link("ltm/virtual/%s/policies" % object_id(full_path))}
            raise DeviceRefusal(404, "Public URI path not registered: %s" % path, kind=":resterrorresponse")
        if kind == "ltm/pool":
            return self._members(device, method, obj, full_path, segments[2:], query, body)
        return self._vs_profiles(device, method, obj, full_path, segments[2:], query, body)

    def _organizing(self, device, method, path, rest, body):
        prefix = rest.strip("/")
        if method == "GET" and prefix == "sys/provision":
            items = []
            for module in ("afm", "am", "apm", "asm", "avr", "fps", "gtm", "ilx", "lc", "ltm", "pem", "swg", "urldb"):
                items.append(OrderedDict([("kind", "tm:sys:provision:provisionstate"), ("name", module), ("fullPath", module),
                                          ("generation", 1), ("selfLink", link("sys/provision/" + module)),
                                          ("cpuRatio", 0), ("diskRatio", 0), ("level", "nominal" if module == "ltm" else "none"),
                                          ("memoryRatio", 0)]))
            return 200, {"kind": "tm:sys:provision:provisioncollectionstate", "selfLink": link("sys/provision"), "items": items}
        if method == "POST" and prefix == "util/unix-rm":
            target = str((body or {}).get("utilCmdArgs") or "")
            device.uploads.pop(target.rsplit("/", 1)[-1], None)
            return 200, {"kind": "tm:util:unix-rm:runstate", "command": "run", "utilCmdArgs": target}
        children = sorted(set(kind[len(prefix) + 1:].split("/")[0] for kind in KINDS if kind.startswith(prefix + "/")))
        if method == "GET" and (children or prefix in ("sys", "ltm", "net")):
            if prefix == "sys":
                children = sorted(set(children) | {"provision", "global-settings", "version"})
            return 200, {"kind": "tm:%s:%scollectionstate" % (prefix.replace("/", ":"), prefix.rsplit("/", 1)[-1]),
                         "selfLink": link(prefix),
                         "items": [{"reference": {"link": link("%s/%s" % (prefix, child))}} for child in children]}
        raise DeviceRefusal(404, "Public URI path not registered: %s" % path, kind=":resterrorresponse")

    def _members(self, device, method, pool, pool_path, segments, query, body):
        if not segments:
            if method == "GET":
                items = [device.render_member(pool, member) for member in pool["_members"].values()]
                out = OrderedDict([("kind", "tm:ltm:pool:members:memberscollectionstate"),
                                   ("selfLink", link("ltm/pool/%s/members" % object_id(pool_path)))])
                if items:
                    out["items"] = [select(item, query.get("$select")) for item in items]
                return 200, out
            if method == "POST":
                member = device._build_member(pool, body or {})
                key = full_path_of(member["name"], member["partition"])
                if key in pool["_members"]:
                    raise DeviceRefusal(409, "01020066:3: The requested Pool Member (%s %s %s) already exists in partition %s."
                                        % (pool_path, member["_node"], key.rsplit(":", 1)[-1].rsplit(".", 1)[-1], member["partition"]))
                pool["_members"][key] = member
                pool["generation"] = device._next_generation()
                return 200, device.render_member(pool, member)
            raise DeviceRefusal(405, "Method not allowed", api_error=1)
        partition, name = parse_object_id(segments[0], pool["partition"])
        key = full_path_of(name, partition)
        member = pool["_members"].get(key)
        if member is None:
            raise DeviceRefusal(404, "01020036:3: The requested Pool Member (%s %s) was not found." % (pool_path, key.replace(":", " ")))
        if method == "GET":
            return 200, select(device.render_member(pool, member), query.get("$select"))
        if method in ("PATCH", "PUT"):
            update = dict(body or {})
            update["name"] = key
            pool["_members"][key] = device._build_member(pool, update, base=member if method == "PATCH" else None)
            return 200, device.render_member(pool, pool["_members"][key])
        if method == "DELETE":
            del pool["_members"][key]
            return 200, {}
        raise DeviceRefusal(405, "Method not allowed", api_error=1)

    def _vs_profiles(self, device, method, vs, vs_path, segments, query, body):
        if not segments:
            if method == "GET":
                out = OrderedDict([("kind", "tm:ltm:virtual:profiles:profilescollectionstate"),
                                   ("selfLink", link("ltm/virtual/%s/profiles" % object_id(vs_path)))])
                items = [device.render_profile_ref(vs, ref) for ref in vs["_profiles"].values()]
                if items:
                    out["items"] = [select(item, query.get("$select")) for item in items]
                return 200, out
            if method == "POST":
                new = copy.deepcopy(vs)
                refs = device._profile_refs(new, [body or {}])
                path = list(refs)[0]
                if path in new["_profiles"]:
                    raise DeviceRefusal(409, "01020066:3: The requested profile (%s) already exists on %s." % (path, vs_path))
                new["_profiles"].update(refs)
                device._check_profiles(new)
                device.store["ltm/virtual"][vs_path] = new
                return 200, device.render_profile_ref(new, refs[path])
            raise DeviceRefusal(405, "Method not allowed", api_error=1)
        partition, name = parse_object_id(segments[0], vs["partition"])
        key = full_path_of(name, partition)
        ref = vs["_profiles"].get(key)
        if ref is None:
            raise DeviceRefusal(404, "01020036:3: The requested profile (%s) was not found on %s." % (key, vs_path))
        if method == "GET":
            return 200, device.render_profile_ref(vs, ref)
        if method == "DELETE":
            new = copy.deepcopy(vs)
            del new["_profiles"][key]
            if not new["_profiles"]:
                raise DeviceRefusal(400, "01070734:3: Configuration error: virtual server %s needs at least one profile." % vs_path)
            device._check_profiles(new)
            device.store["ltm/virtual"][vs_path] = new
            return 200, {}
        raise DeviceRefusal(405, "Method not allowed", api_error=1)

    # --- high availability: save, devices, device groups, sync ---------------------------------
    def _changed(self, device):
        """A configuration change on this unit: pending for the peer, or copied at once with auto-sync."""
        device.unsynced = True
        device.sync_failed = False
        if device.ha_config["peer_port"] and device.ha_config["auto_sync"]:
            self._sync_to_peer(device)

    def _sync_to_peer(self, device):
        if device.faults["sync_fail"]:
            device.sync_failed = True
            return
        if device.faults["disconnected"]:
            return
        store = dict((kind, device.store[kind]) for kind in SYNCED_KINDS)
        answer = peer_call(device.ha_config["peer_port"], "POST", "/_emulator/peer/receive",
                           {"store": to_wire(store), "uploads": to_wire(device.uploads)})
        if answer is not None:
            device.unsynced = False
            device.faults["changes_pending"] = False
            device.faults["awaiting_initial_sync"] = False

    def _fail_over(self, device):
        """This unit goes standby, its peer active (as ``run sys failover standby`` would)."""
        device.failover_state, device.peer_failover_state = "standby", "active"
        if device.ha_config["peer_port"]:
            peer_call(device.ha_config["peer_port"], "POST", "/_emulator/peer/failover", {"failover_state": "active"})

    def _peer_link(self, device, method, path, raw):
        """What one unit of the pair asks the other (loopback, emulator-to-emulator only)."""
        body = json.loads(raw or b"{}")
        if path == "/_emulator/peer/info" and method == "GET":
            return 200, {"name": device.ha_config["device_name"], "failover_state": device.failover_state,
                         "unsynced": device.unsynced or bool(device.faults["changes_pending"]),
                         "disconnected": bool(device.faults["disconnected"]),
                         "awaiting_initial_sync": bool(device.faults["awaiting_initial_sync"])}
        if path == "/_emulator/peer/failover" and method == "POST":
            device.failover_state = body["failover_state"]
            device.peer_failover_state = "standby" if device.failover_state == "active" else "active"
            return 200, {"failover_state": device.failover_state}
        if path == "/_emulator/peer/receive" and method == "POST":
            with self.server.lock:
                for kind, objects in from_wire(body["store"]).items():
                    device.store[kind] = objects
                device.uploads = from_wire(body["uploads"])
                device.unsynced = False
                device.faults["changes_pending"] = False
                device.faults["awaiting_initial_sync"] = False
                device.saves += 1  # a unit that receives a manual config-sync saves it
            return 200, {"received": True}
        return 404, {"code": 404, "message": "unknown peer endpoint %s" % path}

    def _peer_info(self, device):
        if not device.ha_config["peer_port"] or device.faults["disconnected"]:
            return None
        info = peer_call(device.ha_config["peer_port"], "GET", "/_emulator/peer/info")
        if info is None or info.get("disconnected"):
            return None
        return info

    def _devices(self, device, peer):
        names = [(device.ha_config["device_name"], device.failover_state, True)]
        if device.ha_config["peer_port"]:
            names.append((device.ha_config["peer_name"], peer["failover_state"] if peer else device.peer_failover_state,
                          False))
        items = []
        for name, state, is_self in names:
            items.append(OrderedDict([
                ("kind", "tm:cm:device:devicestate"), ("name", name), ("partition", "Common"),
                ("fullPath", "/Common/" + name), ("generation", 1), ("selfLink", link("cm/device/~Common~" + name)),
                ("baseMac", "08:00:27:27:74:8%d" % len(items)), ("build", "0.0.6"),
                ("chassisType", "individual"), ("configsyncIp", "127.0.3.%d" % (len(items) + 1)),
                ("edition", "Point Release 3"), ("failoverState", state), ("haCapacity", 0),
                ("hostname", name), ("managementIp", "127.0.0.1"), ("marketingName", "BIG-IP Virtual Edition"),
                ("mirrorIp", "any6"), ("mirrorSecondaryIp", "any6"), ("multicastIp", "any6"), ("multicastPort", 0),
                ("platformId", "Z100"), ("product", "BIG-IP"), ("selfDevice", "true" if is_self else "false"),
                ("timeZone", "UTC"), ("unicastAddress", [{"effectiveIp": "management-ip", "effectivePort": 1026,
                                                         "ip": "management-ip", "port": 1026}]),
                ("version", VERSION),
            ]))
        return items

    def _device_groups(self, device):
        groups = [("device_trust_group", "sync-only", "enabled", [device.ha_config["device_name"]]),
                  ("gtm", "sync-only", "disabled", [])]
        if device.ha_config["peer_port"]:
            groups[0] = ("device_trust_group", "sync-only", "enabled",
                         [device.ha_config["device_name"], device.ha_config["peer_name"]])
            groups.append((device.ha_config["device_group"], "sync-failover",
                           "enabled" if device.ha_config["auto_sync"] else "disabled",
                           sorted([device.ha_config["device_name"], device.ha_config["peer_name"]])))
        items = OrderedDict()
        for name, kind, auto_sync, members in groups:
            items[name] = (OrderedDict([
                ("kind", "tm:cm:device-group:device-groupstate"), ("name", name), ("partition", "Common"),
                ("fullPath", "/Common/" + name), ("generation", 1), ("selfLink", link("cm/device-group/~Common~" + name)),
                ("asmSync", "disabled"), ("autoSync", auto_sync), ("fullLoadOnSync", "false"),
                ("incrementalConfigSyncSizeMax", 1024),
                ("networkFailover", "enabled" if kind == "sync-failover" else "disabled"),
                ("saveOnAutoSync", "false"), ("type", kind),
                ("devicesReference", {"link": link("cm/device-group/~Common~%s/devices" % name), "isSubcollection": True}),
            ]), members)
        return items

    def _sync_status(self, device, peer):
        group = device.ha_config["device_group"]
        if not device.ha_config["peer_port"]:
            color, mode, status, summary, details = "black", "standalone", "Standalone", " ", []
        elif peer is None:
            color, mode, status = "red", "high-availability", "Disconnected"
            summary = "The local device is disconnected from all other devices in the device group"
            details = ["%s: disconnected" % device.ha_config["peer_name"]]
        elif device.faults["awaiting_initial_sync"] or peer["awaiting_initial_sync"]:
            color, mode, status = "blue", "high-availability", "Awaiting Initial Sync"
            summary = "The device group is awaiting the initial config sync"
            details = ["%s (%s): awaiting initial config sync" % (group, device.ha_config["device_name"])]
        elif device.sync_failed:
            color, mode, status = "red", "high-availability", "Sync Failed"
            summary = "A validation error occurred while syncing to a remote device"
            details = ["%s: Sync Failed" % group]
        elif device.unsynced or device.faults["changes_pending"] or peer["unsynced"]:
            color, mode, status = "yellow", "high-availability", "Changes Pending"
            mine = device.unsynced or device.faults["changes_pending"]
            units = ((device.ha_config["device_name"], mine), (device.ha_config["peer_name"], peer["unsynced"]))
            changed = [name for name, pending in units if pending]
            if len(changed) == 2:
                summary = "There is a possible change conflict between %s and %s." % tuple(changed)
            else:
                summary = "%s has changes not yet synced to the device group" % changed[0]
            details = ["%s (%s): Changes Pending" % (group, name) for name in changed]
        else:
            color, mode, status = "green", "high-availability", "In Sync"
            summary = "All devices in the device group are in sync"
            details = ["%s (In Sync): All devices in the device group are in sync" % group]
        detail_entries = OrderedDict(
            ("%s/mgmt/tm/cm/syncStatus/0/details/%d" % (HOST, number),
             {"nestedStats": {"entries": {"details": {"description": text}}}})
            for number, text in enumerate(details))
        entries = OrderedDict([
            ("color", {"description": color}),
            ("%s/mgmt/tm/cm/syncStatus/0/details" % HOST, {"nestedStats": {"entries": detail_entries}}),
            ("mode", {"description": mode}), ("status", {"description": status}),
            ("summary", {"description": summary}),
        ])
        return OrderedDict([
            ("kind", "tm:cm:sync-status:sync-statusstats"), ("selfLink", link("cm/sync-status")),
            ("entries", {"%s/mgmt/tm/cm/sync-status/0" % HOST: {"nestedStats": {"entries": entries}}}),
        ])

    def _high_availability(self, device, method, path, query, body):
        rest = path[len("/mgmt/tm/"):].strip("/")
        body = body or {}
        if rest == "sys/config":
            if method != "POST":
                raise DeviceRefusal(405, "Method %s not allowed on sys/config." % method, api_error=1)
            if body.get("command") != "save":
                raise DeviceRefusal(400, "Invalid command: %r (this emulator runs save only)." % body.get("command"),
                                    api_error=1)
            device.saves += 1
            return 200, OrderedDict([("kind", "tm:sys:config:savestate"), ("command", "save")])
        if rest == "cm":
            if method != "POST" or body.get("command") != "run":
                raise DeviceRefusal(400, "Invalid command for cm: %r." % body.get("command"), api_error=1)
            args = str(body.get("utilCmdArgs") or "")
            match = re.match(r"^config-sync\s+to-group\s+(\S+)$", args.strip())
            if not match:
                raise DeviceRefusal(400, "Syntax Error: \"%s\" unexpected argument" % args, api_error=2)
            group = match.group(1).rsplit("/", 1)[-1]
            groups = self._device_groups(device)
            if group not in groups:
                raise DeviceRefusal(400, "01071413:3: Device group (/Common/%s) does not exist." % group)
            if groups[group][0]["type"] == "sync-failover" or group == "device_trust_group":
                if device.ha_config["peer_port"]:
                    self._sync_to_peer(device)
            return 200, OrderedDict([("kind", "tm:cm:runstate"), ("command", "run"), ("utilCmdArgs", args)])
        if method != "GET":
            raise DeviceRefusal(405, "Method %s not allowed on %s." % (method, rest), api_error=1)
        peer = self._peer_info(device)
        if rest == "cm/sync-status":
            return 200, self._sync_status(device, peer)
        if rest == "cm/device" or rest.startswith("cm/device/"):
            items = self._devices(device, peer)
            if rest == "cm/device":
                return 200, {"kind": "tm:cm:device:devicecollectionstate", "selfLink": link("cm/device"),
                             "items": [select(item, query.get("$select")) for item in items]}
            partition, name = parse_object_id(rest.split("/", 2)[2])
            for item in items:
                if item["fullPath"] == full_path_of(name, partition):
                    return 200, select(item, query.get("$select"))
            raise not_found("device", full_path_of(name, partition))
        if rest == "cm/device-group" or rest.startswith("cm/device-group/"):
            groups = self._device_groups(device)
            if rest == "cm/device-group":
                return 200, {"kind": "tm:cm:device-group:device-groupcollectionstate", "selfLink": link("cm/device-group"),
                             "items": [select(entry[0], query.get("$select")) for entry in groups.values()]}
            segments = rest.split("/")[2:]
            partition, name = parse_object_id(segments[0])
            if name not in groups or partition != "Common":
                raise not_found("device group", full_path_of(name, partition))
            group, members = groups[name]
            if len(segments) == 1:
                return 200, select(group, query.get("$select"))
            if segments[1:] == ["devices"]:
                items = [OrderedDict([("kind", "tm:cm:device-group:devices:devicesstate"), ("name", member),
                                      ("partition", "Common"), ("fullPath", "/Common/" + member), ("generation", 1),
                                      ("selfLink", link("cm/device-group/~Common~%s/devices/~Common~%s" % (name, member))),
                                      ("setSyncLeader", False)]) for member in members]
                return 200, {"kind": "tm:cm:device-group:devices:devicescollectionstate",
                             "selfLink": link("cm/device-group/~Common~%s/devices" % name), "items": items}
        if rest == "cm":
            children = ("cert", "device", "device-group", "key", "sync-status", "traffic-group", "trust-domain")
            return 200, {"kind": "tm:cm:cmcollectionstate", "selfLink": link("cm"),
                         "items": [{"reference": {"link": link("cm/" + child)}} for child in children]}
        raise DeviceRefusal(404, "Public URI path not registered: %s" % path, kind=":resterrorresponse")


def to_wire(value):
    """JSON for the pair's link: bytes (certificate and key contents) as {"__bytes__": base64}."""
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return OrderedDict((key, to_wire(item)) for key, item in value.items())
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    return value


def from_wire(value):
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return OrderedDict((key, from_wire(item)) for key, item in value.items())
    if isinstance(value, list):
        return [from_wire(item) for item in value]
    return value


def peer_call(port, method, path, body=None, timeout=3):
    """One request to the peer emulator on 127.0.0.1; None when it does not answer."""
    import urllib.request
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # the peer's throwaway certificate: loopback only
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request("https://127.0.0.1:%d%s" % (int(port), path), data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return json.loads(response.read() or b"{}", object_pairs_hook=OrderedDict)
    except (OSError, ValueError):
        return None


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, device, certfile, keyfile):
        super().__init__(address, Handler)
        self.device = device
        self.lock = threading.RLock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        self.socket = context.wrap_socket(self.socket, server_side=True)


def generate_certificate(directory, host="127.0.0.1"):
    """A throwaway self-signed certificate for the HTTPS listener, written to ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bigip-emulator.localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(host))]), False)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = os.path.join(directory, "emulator.crt"), os.path.join(directory, "emulator.key")
    with open(certfile, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return certfile, keyfile


def make_server(host="127.0.0.1", port=0, users=None, ha=None):
    directory = tempfile.mkdtemp(prefix="bigip-emulator-")
    certfile, keyfile = generate_certificate(directory, host)
    server = EmulatorServer((host, port), Device(users, ha), certfile, keyfile)
    server.certfile = certfile
    return server


def start_in_thread(host="127.0.0.1", port=0, users=None, ha=None):
    """Start an emulator in a daemon thread; returns the server (``server.server_address[1]`` = port).

    ``ha``: the unit's place in a pair (keys of HA_DEFAULTS; ``peer_port`` makes it one of two).
    """
    server = make_server(host, port, users, ha)
    thread = threading.Thread(target=server.serve_forever, name="bigip-emulator", daemon=True)
    thread.start()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description="F5 BIG-IP iControl REST emulator (loopback, tests only)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18443)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--peer-port", type=int, help="the other unit of a pair (an emulator on 127.0.0.1:PORT)")
    parser.add_argument("--device-name", default=HA_DEFAULTS["device_name"])
    parser.add_argument("--peer-name", default=HA_DEFAULTS["peer_name"])
    parser.add_argument("--failover-state", choices=["active", "standby"], default="active")
    parser.add_argument("--device-group", default=HA_DEFAULTS["device_group"])
    parser.add_argument("--auto-sync", action="store_true", help="the sync-failover group copies every change at once")
    args = parser.parse_args(argv)
    if not args.host.startswith("127."):
        parser.error("the emulator listens on loopback only (127.0.0.0/8)")
    ha = {"peer_port": args.peer_port, "device_name": args.device_name, "peer_name": args.peer_name,
          "failover_state": args.failover_state, "device_group": args.device_group, "auto_sync": args.auto_sync}
    server = make_server(args.host, args.port, {args.user: args.password}, ha)
    print("bigip emulator listening on https://%s:%d" % (args.host, server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
