# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter plugin is the role's door to role_input: it passes the variables through, refuses non-dicts."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kube_edge.lb.plugins.filter.haproxy_role_input import FilterModule
from ansible_collections.kube_edge.lb.tests.unit.roles.haproxy.rendering import CHAPTER_CLUSTERS, role_variables

FILTER = FilterModule().filters()["haproxy_role_input"]


def test_filter_returns_problems_warnings_and_model():
    result = FILTER(role_variables(haproxy_clusters=CHAPTER_CLUSTERS), distribution="Debian")
    assert result["problems"] == [] and result["config"]["mode"] == "http"
    refused = FILTER(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_http_port=0))
    assert refused["problems"] == ["haproxy_http_port=0 is not a port from 1 to 65535."]


def test_filter_refuses_what_is_not_a_dict():
    with pytest.raises(AnsibleFilterError, match="expects a dict of the haproxy role's variables, got list"):
        FILTER([])
