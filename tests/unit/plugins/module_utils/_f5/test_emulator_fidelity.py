# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The BIG-IP emulator answers like a device: same fields and value forms as recorded responses.

The recorded bodies live outside the project (``../shared/reference/bigip-recorded`` next to the
clone) and are only read here; the test skips when they are absent.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import http_profile, monitor_http, pool, server_ssl, ssl, virtual
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import (
    http_profile_params, make_pair, members, monitor_params, pool_params, server_ssl_params, ssl_params, virtual_params,
)


def _reference_dir():
    if os.environ.get("KUBE_EDGE_REFERENCE"):
        return os.path.join(os.environ["KUBE_EDGE_REFERENCE"], "bigip-recorded")
    here = os.path.dirname(os.path.abspath(__file__))
    while True:  # ../shared/reference relative to the clone, wherever the tests run from
        candidate = os.path.join(here, "shared", "reference", "bigip-recorded")
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


REFERENCE = _reference_dir()
pytestmark = pytest.mark.skipif(REFERENCE is None, reason="the recorded BIG-IP responses (../shared/reference) are absent")

# Fields a recorded object has only because that device was configured so (not defaults), or
# tuning knobs of built-in profiles that no module in this collection or f5_modules reads.
INSTANCE_FIELDS = {"description", "metadata", "rules", "rulesReference", "vlans", "vlansReference", "persist",
                   "fallbackPersistence", "profiles", "username", "password", "recv", "tmName", "pool", "poolReference",
                   "dhcpRelay", "vlansEnabled", "vlansDisabled", "disabled", "securityLogProfiles", "clonePools", "lastHop",
                   "policiesReference", "ipForward", "l2Forward", "internal", "reject", "stateless"}
PROFILE_IDENTITY = {"kind", "name", "partition", "fullPath", "generation", "selfLink", "appService", "defaultsFrom",
                    "description"}
SSL_SHARED = {"name", "partition", "fullPath", "generation", "selfLink", "alertTimeout", "appService", "authenticate",
              "authenticateDepth", "caFile", "cacheSize", "cacheTimeout", "chain", "cipherGroup", "ciphers", "crlFile",
              "defaultsFrom", "description", "genericAlert", "handshakeTimeout", "mode", "peerCertMode", "renegotiation",
              "retainCertificate", "secureRenegotiation", "serverName", "sessionTicket", "sniDefault", "sniRequire",
              "strictResume", "uncleanShutdown"}
LINK = re.compile(r"^https://localhost/mgmt/tm/[^?]+\?(expandSubcollections=true&)?ver=[0-9.]+$")


def form(value):
    """The value form: what kind of string/number it is, not the value itself."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        if LINK.match(value):
            return "link"
        if value.startswith("/"):
            return "path"
        if value in ("enabled", "disabled"):
            return "enabled/disabled"
        if value in ("yes", "no"):
            return "yes/no"
        if value in ("true", "false"):
            return "true/false"
        return "str"
    return type(value).__name__


def compare(recorded, emulated, where, problems, only=None):
    for key, value in recorded.items():
        if only is not None and key not in only:
            continue
        if key not in emulated:
            if key not in INSTANCE_FIELDS:
                problems.append("%s: field %r missing" % (where, key))
            continue
        got = emulated[key]
        if key == "kind":
            if value != got:
                problems.append("%s: kind %r != recorded %r" % (where, got, value))
            continue
        if form(value) != form(got) and {form(value), form(got)} != {"str", "path"}:
            if not (key in ("idleTimeout", "handshakeTimeout", "interval") and {form(value), form(got)} <= {"int", "str"}):
                problems.append("%s: %s form %s (%r) != recorded %s (%r)" % (where, key, form(got), got, form(value), value))
            continue
        if key in INSTANCE_FIELDS:
            continue
        if isinstance(value, dict):
            compare(value, got, "%s.%s" % (where, key), problems)
        elif isinstance(value, list) and value and got and isinstance(value[0], dict):
            compare(value[0], got[0], "%s.%s[0]" % (where, key), problems)


def recorded(name):
    with open(os.path.join(REFERENCE, name)) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def configured(emulator_server, tmp_path_factory):
    """The device with one of everything the collection manages."""
    emulator = emulator_server
    emulator.reset()
    directory = tmp_path_factory.mktemp("pki")
    cert, key, _pem = make_pair(directory)
    with emulator.client() as client:
        pool.run(client, pool_params(name="web", members=members(2), description="web pool"))
        ssl.run(client, ssl_params(cert, key))
        virtual.run(client, virtual_params(name="vs_l4", pool="web", vlans=["external"]))
        virtual.run(client, virtual_params(name="vs_std", port=443, type="standard", client_ssl_profile="star", pool="web"))
        monitor_http.run(client, monitor_params(name="healthz", description="healthz on 80"))
        http_profile.run(client, http_profile_params())
        server_ssl.run(client, server_ssl_params(ca_file="ca-bundle.crt", server_name="app.example.com"))
        virtual.run(client, virtual_params(name="vs_xff", port=8443, type="standard", profiles=["http_xff", "nodes_tls"],
                                           client_ssl_profile="star", pool="web"))
        client.request("POST", "/mgmt/tm/ltm/monitor/https", body={"name": "healthzs", "defaultsFrom": "/Common/https"})
    return emulator


CASES = [
    ("load_ltm_pool.json", "/mgmt/tm/ltm/pool/~Common~web", None),
    ("load_ltm_pool_with_metadata.json", "/mgmt/tm/ltm/pool/~Common~web", None),
    ("collection_load_ltm_pools.json", "/mgmt/tm/ltm/pool", None),
    ("pool_members_subcollection.json", "/mgmt/tm/ltm/pool/~Common~web/members", None),
    ("collection_load_ltm_pool_members.json", "/mgmt/tm/ltm/pool/~Common~web/members", None),
    ("load_ltm_node_1.json", "/mgmt/tm/ltm/node/~Common~10.0.0.1", None),
    ("collection_load_ltm_nodes.json", "/mgmt/tm/ltm/node", None),
    ("load_ltm_virtual_1.json", "/mgmt/tm/ltm/virtual/~Common~vs_l4", None),
    ("load_ltm_virtual_2.json", "/mgmt/tm/ltm/virtual/~Common~vs_l4?expandSubcollections=true", None),
    ("load_ltm_virtual_3.json", "/mgmt/tm/ltm/virtual/~Common~vs_std?expandSubcollections=true", None),
    ("collection_load_ltm_virtual_servers_facts.json", "/mgmt/tm/ltm/virtual?expandSubcollections=true", None),
    ("load_ltm_virtual_address_default.json", "/mgmt/tm/ltm/virtual-address/~Common~192.0.2.10", None),
    ("load_ltm_monitor_http.json", "/mgmt/tm/ltm/monitor/http/~Common~healthz", None),
    ("collection_load_http_monitors.json", "/mgmt/tm/ltm/monitor/http", None),
    ("load_ltm_monitor_https.json", "/mgmt/tm/ltm/monitor/https/~Common~healthzs",
     {"kind", "name", "partition", "fullPath", "generation", "selfLink", "defaultsFrom", "destination", "interval", "timeout"}),
    ("load_tm_sys_file_ssl_cert_no_password.json", "/mgmt/tm/sys/file/ssl-cert/~Common~star.crt", None),
    ("load_tm_sys_file_ssl_key_no_password.json", "/mgmt/tm/sys/file/ssl-key/~Common~star.key", None),
    ("load_ltm_profile_clientssl.json", "/mgmt/tm/ltm/profile/client-ssl/~Common~star",
     PROFILE_IDENTITY | {"cert", "key", "chain", "certKeyChain", "ciphers", "serverName", "sniDefault", "certReference",
                         "keyReference", "defaultsFromReference", "inheritCertkeychain"}),
    ("collection_load_clientssl_profiles.json", "/mgmt/tm/ltm/profile/client-ssl", PROFILE_IDENTITY | {"cert", "key", "chain"}),
    ("collection_load_fastl4_profiles.json", "/mgmt/tm/ltm/profile/fastl4", PROFILE_IDENTITY),
    ("collection_load_fasthttp_profiles.json", "/mgmt/tm/ltm/profile/fasthttp", PROFILE_IDENTITY),
    ("load_ltm_fastl4_profile_1.json", "/mgmt/tm/ltm/profile/fastl4/~Common~fastL4", PROFILE_IDENTITY),
    ("load_ltm_http_profile_1.json", "/mgmt/tm/ltm/profile/http/~Common~http", None),
    # The profile f5_http_profile makes (X-Forwarded-For on), field for field like the recorded built-in.
    ("load_ltm_http_profile_1.json", "/mgmt/tm/ltm/profile/http/~Common~http_xff", None),
    ("load_ltm_virtual_3.json", "/mgmt/tm/ltm/virtual/~Common~vs_xff?expandSubcollections=true", None),
    # No server-ssl body was recorded; the client-ssl one shares the SSL settings' names and value forms.
    ("load_ltm_profile_clientssl.json", "/mgmt/tm/ltm/profile/server-ssl/~Common~nodes_tls", SSL_SHARED),
    ("load_ltm_profile_clientssl.json", "/mgmt/tm/ltm/profile/server-ssl/~Common~serverssl", SSL_SHARED),
    ("load_ltm_profile_tcp_1.json", "/mgmt/tm/ltm/profile/tcp/~Common~tcp-lan-optimized", PROFILE_IDENTITY),
]


@pytest.mark.parametrize("name,path,only", CASES, ids=["%s-%s" % (case[0], case[1].split("~")[-1].split("?")[0]) for case in CASES])
def test_emulator_matches_recorded_response(configured, name, path, only):
    status, emulated = configured.get(path)
    assert status == 200, emulated
    reference = recorded(name)
    problems = []
    if isinstance(reference, list):  # a bare list of subcollection items
        reference = {"items": reference}
    if "items" in reference:
        if "kind" in reference:
            compare({k: v for k, v in reference.items() if k != "items"}, emulated, name, problems)
        assert emulated.get("items"), "the emulator returned no items for %s" % path
        by_name = dict((item["name"], item) for item in emulated["items"])
        for item in reference["items"]:
            match = by_name.get(item["name"]) or emulated["items"][-1]  # objects made here come after built-ins
            compare(item, match, "%s[%s]" % (name, item["name"]), problems, only)
    else:
        compare(reference, emulated, name, problems, only)
    assert not problems, "\n".join(problems)


def test_error_bodies_have_the_device_shape(configured):
    status, body = configured.get("/mgmt/tm/ltm/pool/~Common~nosuch")
    assert status == 404 and set(body) == {"code", "message", "errorStack", "apiError"}
    assert re.match(r"^01020036:3: The requested Pool \(/Common/nosuch\) was not found\.$", body["message"])
    status, body = configured.get("/mgmt/tm/ltm/nosuchkind")
    assert status == 404 and body["kind"] == ":resterrorresponse" and body["message"].startswith("Public URI path not registered")


def test_new_kinds_refuse_like_the_device(configured):
    with configured.client() as client:
        response = client.session.post(client.base + "/mgmt/tm/ltm/monitor/http", json={"name": "healthz"},
                                       auth=("admin", "admin"), verify=False)
    assert response.status_code == 409 and set(response.json()) == {"code", "message", "errorStack", "apiError"}
    assert response.json()["message"] == "01020066:3: The requested monitor (/Common/healthz) already exists in partition Common."
    status, body = configured.get("/mgmt/tm/ltm/profile/server-ssl/~Common~nosuch")
    assert status == 404 and body["message"] == "01020036:3: The requested profile (/Common/nosuch) was not found."
