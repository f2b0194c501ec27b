# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""f5_http_profile logic: X-Forwarded-For on a child of /Common/http, against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import http_profile, virtual
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import http_profile_params, virtual_params


def converge(emulator, check_mode=False, **params):
    with emulator.client() as client:
        result = http_profile.run(client, http_profile_params(**params), check_mode)
    result["requests"] = client.request_count
    return result


def test_create_inherits_and_enables_xff(emulator):
    created = converge(emulator)
    assert created["writes"] == ["POST /mgmt/tm/ltm/profile/http"] and created["requests"] == 4
    status, body = emulator.get("/mgmt/tm/ltm/profile/http/~Common~http_xff")
    assert body["insertXforwardedFor"] == "enabled" and body["defaultsFrom"] == "/Common/http"
    assert body["serverAgentName"] == "BigIP"  # the rest comes from the parent
    assert created["profile"] == {"name": "http_xff", "partition": "Common", "full_path": "/Common/http_xff",
                                  "parent": "/Common/http", "insert_x_forwarded_for": True, "description": ""}
    noop = converge(emulator)
    assert not noop["changed"] and noop["requests"] == 3
    off = converge(emulator, insert_x_forwarded_for=False, description="xff off")
    assert off["writes"] == ["PATCH /mgmt/tm/ltm/profile/http/~Common~http_xff"]
    assert not converge(emulator, insert_x_forwarded_for=None, description="xff off")["changed"]
    assert converge(emulator, description="")["changed"] and not converge(emulator, description="")["changed"]


def test_a_standard_virtual_server_uses_it_instead_of_http(emulator):
    converge(emulator)
    with emulator.client() as client:
        result = virtual.run(client, virtual_params(type="standard", profiles=["http_xff"]))
    assert result["virtual"]["profiles"] == ["/Common/http_xff"]
    status, body = emulator.get("/mgmt/tm/ltm/virtual/~Common~web_vs_80?expandSubcollections=true")
    assert sorted(item["fullPath"] for item in body["profilesReference"]["items"]) == ["/Common/http_xff", "/Common/tcp"]
    with emulator.client() as client:
        assert not virtual.run(client, virtual_params(type="standard", profiles=["http_xff"]))["changed"]
    with pytest.raises(Exception, match="in use by virtual server"):
        converge(emulator, state="absent")


def test_unknown_parent(emulator):
    with pytest.raises(ValidationError, match="parent='/Common/nosuch': the HTTP profile /Common/nosuch does not exist"):
        converge(emulator, parent="nosuch")
    assert not emulator.writes()
