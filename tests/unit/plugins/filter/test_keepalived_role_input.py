# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter plugin is the keepalived role's door to role_input: it passes the variables through, refuses non-dicts."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kube_edge.lb.plugins.filter.keepalived_role_input import FilterModule
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._keepalived.test_keepalived_checks import (
    role_variables,
)

FILTER = FilterModule().filters()["keepalived_role_input"]


def test_filter_returns_problems_warnings_and_model():
    assert FILTER(role_variables())["config"]["instances"][0]["address"] == "192.0.2.100"
    instances = [{"name": "a", "virtual_router_id": 300, "address": "192.0.2.100"}]
    assert FILTER(role_variables(keepalived_instances=instances))["problems"] == [
        "keepalived_instances[0].virtual_router_id=300 is not a VRRP router id from 1 to 255."
    ]


def test_filter_refuses_what_is_not_a_dict():
    with pytest.raises(AnsibleFilterError, match="expects a dict of the keepalived role's variables, got list"):
        FILTER([])
