# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 12's smaller F5 findings, each reproduced: empty descriptions, route-domain members,
names that reach a URL, names TMOS refuses, and a negative provider timeout."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import pool, virtual
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import execute
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import (
    members, pool_params, virtual_params,
)


def run(emulator, area, params):
    with emulator.client() as client:
        return area.run(client, params)


def test_empty_description_is_not_a_change_on_every_run(emulator):
    described = members(2, description="rack 1")
    run(emulator, pool, pool_params(description="web", members=described))
    removed = run(emulator, pool, pool_params(description="", members=members(2, description="")))
    assert removed["changed"] and removed["pool"]["description"] is None
    assert removed["pool"]["members"][0]["description"] is None
    assert not run(emulator, pool, pool_params(description="", members=members(2, description="")))["changed"]
    run(emulator, virtual, virtual_params(description="vs"))
    assert run(emulator, virtual, virtual_params(description=""))["changed"]
    assert not run(emulator, virtual, virtual_params(description=""))["changed"]


def test_route_domain_members_without_a_name(emulator):
    wanted = [dict(members(1)[0], address="10.0.0.1%2"), dict(members(1)[0], address="10.0.0.2%20")]
    created = run(emulator, pool, pool_params(members=wanted))
    assert created["changed"]
    assert [m["name"] for m in created["pool"]["members"]] == ["10.0.0.1%2", "10.0.0.2%20"]
    status, body = emulator.get("/mgmt/tm/ltm/node/~Common~10.0.0.2%2520")
    assert status == 200 and body["address"] == "10.0.0.2%20"
    assert not run(emulator, pool, pool_params(members=wanted))["changed"]


def test_object_names_are_percent_encoded_in_urls():
    assert object_url("ltm/pool", "Common", "a#b?c") == "/mgmt/tm/ltm/pool/~Common~a%23b%3Fc"
    assert object_url("ltm/pool", "Common", "web", "members", "Common", "10.0.0.1%20:80") == \
        "/mgmt/tm/ltm/pool/~Common~web/members/~Common~10.0.0.1%2520:80"


@pytest.mark.parametrize("field,value", [
    ("pool", "/Com#mon/web"), ("pool", "/Common/we?b"), ("profiles", ["/Common/a#b"]), ("irules", ["/x/y/z"]),
    ("client_ssl_profile", "/Common/.."),
])
def test_references_that_would_cut_the_url_are_refused(emulator, field, value):
    params = virtual_params(type="standard", **{field: value})
    with pytest.raises(ValidationError, match=r"^%s" % field):
        run(emulator, virtual, params)
    assert not emulator.writes() and not [e for e in emulator.requests() if "/ltm/" in e["path"]]


def test_monitor_references_are_checked_whole():
    with pytest.raises(ValidationError, match=r"monitors\[0\]='/Tenant#x/http' is not a BIG-IP name"):
        pool.desired_pool(pool_params(monitors=["/Tenant#x/http"]))


@pytest.mark.parametrize("name", [".", "..", "n" * 250])
def test_names_tmos_refuses(name):
    for area, params in ((pool, pool_params(name=name)), (virtual, virtual_params(name=name))):
        with pytest.raises(ValidationError, match=r"^name="):
            (pool.desired_pool if area is pool else virtual.desired_virtual)(params)
    with pytest.raises(ValidationError, match="members\\[0\\].name"):
        pool.desired_pool(pool_params(members=[dict(members(1)[0], name=name)]))


def test_long_name_message_stays_short():
    with pytest.raises(ValidationError) as excinfo:
        pool.desired_pool(pool_params(name="n" * 5000))
    assert len(str(excinfo.value)) < 200 and "(5000 characters)" in str(excinfo.value)


@pytest.mark.parametrize("timeout", [-1, 0])
def test_bad_provider_timeout_is_one_sentence(emulator, timeout):
    result = execute(pool, dict(pool_params(), provider=emulator.provider(timeout=timeout)))
    assert result["failed"] and "exception" not in result
    assert result["msg"] == "provider.timeout=%d must be a number of seconds between 1 and 86400." % timeout
    assert not emulator.requests()


def test_boolean_provider_timeout_is_one_sentence(emulator):
    # Found by the argument-spec fuzz test: Ansible's int check passes True, requests raised ValueError.
    result = execute(pool, dict(pool_params(), provider=emulator.provider(timeout=True)))
    assert result["failed"] and "exception" not in result
    assert result["msg"] == "provider.timeout=True must be a number of seconds between 1 and 86400."
    assert not emulator.requests()


def test_missing_ca_path_is_one_sentence(emulator, tmp_path):
    # Found by the argument-spec fuzz test: requests raised OSError for a CA bundle that does not exist.
    missing = str(tmp_path / "no-such-ca.pem")
    result = execute(pool, dict(pool_params(), provider=emulator.provider(validate_certs=True, ca_path=missing)))
    assert result["failed"] and "exception" not in result
    assert result["msg"] == ("provider.ca_path=%r does not exist: name a CA bundle file or a directory of CA "
                             "certificates." % missing)
    assert not emulator.requests()
