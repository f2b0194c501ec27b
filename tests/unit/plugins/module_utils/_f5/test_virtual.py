# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""f5_virtual logic: type derivation, profile swaps, reference checks, request counts."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import pool, virtual
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import (
    members, pool_params, virtual_params,
)


def converge(emulator, check_mode=False, **params):
    with emulator.client() as client:
        result = virtual.run(client, virtual_params(**params), check_mode)
    result["requests"] = client.request_count
    return result


@pytest.fixture()
def pools(emulator):
    with emulator.client() as client:
        for port in (80, 443):
            pool.run(client, pool_params(name="web_%d" % port, members=members(3, port=port)))
    emulator.clear_log()
    return emulator


def profiles_on_device(emulator, name):
    status, body = emulator.get("/mgmt/tm/ltm/virtual/~Common~%s?expandSubcollections=true" % name)
    return sorted((item["fullPath"], item["context"]) for item in body["profilesReference"]["items"])


def expanded(links):
    return {"name": "vs", "partition": "Common", "fullPath": "/Common/vs", "destination": "/Common/10.0.0.1%2:443",
            "profilesReference": {"items": [
                {"fullPath": path, "context": context, "nameReference": {"link": "https://localhost/mgmt/tm/ltm/profile/%s/~Common~x?ver=16.1.3" % kind}}
                for path, kind, context in links]}}


@pytest.mark.parametrize("links,expected", [
    ([("/Common/fastL4", "fastl4", "all")], "performance-l4"),
    ([("/Common/fasthttp", "fasthttp", "all")], "performance-http"),
    ([("/Common/tcp", "tcp", "all"), ("/Common/http", "http", "all"), ("/Common/star", "client-ssl", "clientside")], "standard"),
    ([("/Common/my-fastl4", "fastl4", "all")], "performance-l4"),
])
def test_type_follows_from_profile_links(links, expected):
    model, kinds = virtual.normalise_virtual(expanded(links))
    assert model["type"] == expected
    assert model["destination"] == "10.0.0.1%2" and model["port"] == 443


def test_bad_input_reported_at_once():
    with pytest.raises(ValidationError) as excinfo:
        virtual.desired_virtual(virtual_params(destination="300.1.1.1", port=70000, client_ssl_profile="star",
                                               type="performance-l4"))
    assert len(excinfo.value.problems) == 3
    assert "destination='300.1.1.1'" in str(excinfo.value) and "port=70000" in str(excinfo.value)
    assert "client_ssl_profile='star' needs type=standard" in str(excinfo.value)


def test_port_zero_needs_the_any_port_opt_in():
    with pytest.raises(ValidationError, match="port=0 is the device's any-port wildcard; set any_port=true"):
        virtual.desired_virtual(virtual_params(port=0))
    assert virtual.desired_virtual(virtual_params(port=0, any_port=True))["port"] == 0


def test_any_port_virtual_and_pool(emulator):
    with emulator.client() as client:
        pool.run(client, pool_params(name="nodeports", any_port=True, members=members(3, port=0)))
    created = converge(emulator, name="nodeports", port=0, any_port=True, pool="nodeports")
    assert created["writes"] == ["POST /mgmt/tm/ltm/virtual"]
    status, body = emulator.get("/mgmt/tm/ltm/virtual/~Common~nodeports")
    assert body["destination"] == "/Common/192.0.2.10:0"
    status, body = emulator.get("/mgmt/tm/ltm/pool/~Common~nodeports/members")
    assert sorted(item["name"] for item in body["items"]) == ["10.0.0.1:0", "10.0.0.2:0", "10.0.0.3:0"]
    assert not converge(emulator, name="nodeports", port=0, any_port=True, pool="nodeports")["changed"]
    with emulator.client() as client:
        assert not pool.run(client, pool_params(name="nodeports", any_port=True, members=members(3, port=0)))["changed"]


def test_create_noop_and_type_swap(pools):
    created = converge(pools, pool="web_80")
    assert created["writes"] == ["POST /mgmt/tm/ltm/virtual"]
    assert created["requests"] == 5  # login, GET virtual, GET pool (new reference), POST, logout
    assert profiles_on_device(pools, "web_vs_80") == [("/Common/fastL4", "all")]
    noop = converge(pools, pool="web_80")
    assert not noop["changed"] and noop["requests"] == 3
    swapped = converge(pools, pool="web_80", type="standard")
    assert swapped["writes"] == ["PATCH /mgmt/tm/ltm/virtual/~Common~web_vs_80"] and swapped["requests"] == 4
    assert profiles_on_device(pools, "web_vs_80") == [("/Common/http", "all"), ("/Common/tcp", "all")]
    diff = swapped["diff"]
    assert diff["before"]["virtual /Common/web_vs_80"]["type"] == "performance-l4"
    assert diff["after"]["virtual /Common/web_vs_80"]["type"] == "standard"
    assert not converge(pools, pool="web_80", type="standard", profiles=["http"])["changed"]
    http = converge(pools, pool="web_80", type="performance-http")
    assert http["changed"] and profiles_on_device(pools, "web_vs_80") == [("/Common/fasthttp", "all")]
    assert not converge(pools, pool="web_80", type=None)["changed"]  # no type given: keeps performance-http
    assert converge(pools, state="absent")["changed"]
    assert not converge(pools, state="absent")["changed"]


def test_check_mode_changes_nothing(pools):
    before = pools.state()
    predicted = converge(pools, check_mode=True, pool="web_80", type="standard")
    assert predicted["changed"] and pools.state() == before
    assert converge(pools, pool="web_80", type="standard")["virtual"] == predicted["virtual"]


def test_missing_references_fail_before_any_write(pools):
    with pytest.raises(ValidationError) as excinfo:
        converge(pools, pool="nosuch", type="standard", profiles=["nosuch-profile"], client_ssl_profile="nossl")
    assert len(excinfo.value.problems) == 3
    assert "pool='/Common/nosuch': the pool /Common/nosuch does not exist" in str(excinfo.value)
    assert not pools.writes()


def test_missing_references_only_warn_in_check_mode(pools):
    result = converge(pools, check_mode=True, pool="later")
    assert result["changed"] and "It must be created earlier in the play." in result["warnings"][0]


def test_profile_conflict_with_type_refused(pools):
    with pytest.raises(ValidationError, match="is a tcp profile, which a performance-l4 virtual server cannot have"):
        converge(pools, pool="web_80", profiles=["tcp-lan-optimized"])
    assert not pools.writes()


def test_snat_vlans_irules_enabled(pools):
    converge(pools, pool="web_80")
    result = converge(pools, pool="web_80", snat="none", vlans=["external"], enabled=False, description="npd")
    assert result["changed"]
    status, body = pools.get("/mgmt/tm/ltm/virtual/~Common~web_vs_80")
    assert body["sourceAddressTranslation"] == {"type": "none"} and body["disabled"] is True
    assert body["vlans"] == ["/Common/external"] and body["vlansEnabled"] is True
    assert not converge(pools, pool="web_80", snat="none", vlans=["external"], enabled=False, description="npd")["changed"]


def test_ipv6_destination(pools):
    converge(pools, pool="web_80", destination="2001:db8::10")
    status, body = pools.get("/mgmt/tm/ltm/virtual/~Common~web_vs_80")
    assert body["destination"] == "/Common/2001:db8::10.80"
    assert not converge(pools, pool="web_80", destination="2001:db8::10")["changed"]
