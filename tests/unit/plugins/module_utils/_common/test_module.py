# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one execute path: every outcome is a result with ``warnings``, and ``requests`` for the APIs that count them."""

from __future__ import annotations

import types

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import Api, execute
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import area as metallb
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import K8S


class CountingClient:
    def __init__(self):
        self.request_count = 0
        self.released = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.released = True


def api_and_client(**kwargs):
    client = CountingClient()
    api = Api("test", argument_spec=lambda area: dict(area.OPTIONS), make_client=lambda *args: client, **kwargs)
    return api, client


def area_running(run, **attributes):
    return types.SimpleNamespace(OPTIONS={}, run=run, **attributes)


def test_bad_input_before_the_client_still_carries_requests_and_warnings(k8s_emulator, kubeconfig):
    # metallb_config's node_networks are checked before a client is made.
    params = {"kubeconfig": kubeconfig, "node_networks": ["not-a-cidr"], "address_pools": []}
    result = execute(K8S, metallb, params)
    assert result["failed"] and "node_networks" in result["msg"]
    assert result["requests"] == 0 and result["warnings"] == []


def test_success_failure_and_bug_all_carry_requests_and_warnings():
    api, client = api_and_client()

    def works(client, params, check_mode):
        client.request_count = 2
        return {"changed": True, "diff": {"before": {}, "after": {}}, "warnings": ["careful"]}

    done = execute(api, area_running(works), {}, diff=False)
    assert done == {"changed": True, "warnings": ["careful"], "requests": 2} and client.released

    def refused(client, params, check_mode):
        client.request_count = 1
        error = KubeEdgeError("the API refused it.")
        error.status = 409
        raise error

    failed = execute(api, area_running(refused), {})
    assert failed == {"failed": True, "msg": "the API refused it.", "status": 409, "warnings": [], "requests": 1}

    def buggy(client, params, check_mode):
        raise KeyError("oops")

    bug = execute(api, area_running(buggy), {})
    assert bug["failed"] and bug["msg"].startswith("unexpected error: KeyError") and bug["requests"] == 1  # same client


def test_missing_library_and_uncounted_apis():
    api, dummy = api_and_client(libraries=[("nothing", False)])
    missing = execute(api, area_running(lambda *args: {"changed": False}), {})
    assert missing["failed"] and "nothing" in missing["msg"] and missing["requests"] == 0
    host, dummy = api_and_client(counts_requests=False)
    assert execute(host, area_running(lambda *args: {"changed": False}), {}) == {"changed": False, "warnings": []}


def test_an_area_may_make_its_own_client():
    api, shared = api_and_client()
    own = CountingClient()
    area = area_running(lambda client, params, check_mode: {"changed": client is own}, make_client=lambda *args: own)
    assert execute(api, area, {})["changed"] and own.released and not shared.released
