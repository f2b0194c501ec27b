# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller action plugins: same validation, results and masking as the module process."""

from __future__ import annotations

import os
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader

from ansible_collections.kube_edge.lb.plugins.action import f5_pool, metallb_config
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.metallb_lab import with_namespace


def run_action(args, check_mode=False, diff=False, plugin=f5_pool, name="kube_edge.lb.f5_pool", environment=None,
               loader=None):
    task = MagicMock(args=args, check_mode=check_mode, diff=diff, async_val=0, action=name, environment=environment)
    connection = MagicMock()
    connection._shell.tmpdir = "/nonexistent"  # never used: nothing is copied to a host
    templar = MagicMock(template=lambda value: value)
    action = plugin.ActionModule(task, connection, MagicMock(), loader or MagicMock(), templar)
    action._load_name = name
    return action.run(task_vars={})


def pool_args(emulator, **extra):
    emulator.device.users["ops"] = "s3cret-password"
    provider = emulator.provider(user="ops", password="s3cret-password")
    base = {"provider": provider, "name": "web_80", "monitors": ["http"],
            "members": [{"address": "10.1.0.%d" % i, "port": 80} for i in range(1, 4)]}
    base.update(extra)
    return base


def test_check_diff_converge_idempotent_and_masked(emulator):
    emulator.reset()
    check = run_action(pool_args(emulator), check_mode=True, diff=True)
    assert check["changed"] and check["diff"] and not emulator.writes()
    real = run_action(pool_args(emulator), diff=True)
    assert real["changed"] and real["pool"] == check["pool"] and real["requests"] == 4
    again = run_action(pool_args(emulator))
    assert not again["changed"] and again["requests"] == 3 and "diff" not in again
    assert again["invocation"]["module_args"]["provider"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "s3cret-password" not in repr(again)


def test_task_environment_reaches_the_fallbacks_and_is_restored(emulator, monkeypatch):
    emulator.reset()
    monkeypatch.delenv("F5_PASSWORD", raising=False)
    args = pool_args(emulator)
    password = args["provider"].pop("password")
    result = run_action(args, environment=[{"F5_PASSWORD": password}])
    assert result["changed"] and "F5_PASSWORD" not in os.environ
    assert password not in repr(result)


def test_bad_arguments_fail_like_the_module(emulator):
    emulator.reset()
    with pytest.raises(AnsibleActionFail, match=r"Unsupported parameters for \(kube_edge.lb.f5_pool\) module: colour"):
        run_action(pool_args(emulator, colour="blue"))
    with pytest.raises(AnsibleActionFail, match="value of lb_method must be one of"):
        run_action(pool_args(emulator, lb_method="fastest"))
    bad = run_action(pool_args(emulator, members=[{"address": "10.1.0.999", "port": 80}]))
    assert bad["failed"] and bad["requests"] == 0 and "members[0].address='10.1.0.999'" in bad["msg"]
    assert not emulator.requests()


def test_metallb_secret_in_a_suboption_is_masked(k8s_emulator, kubeconfig):
    with_namespace(k8s_emulator)
    args = {"kubeconfig": kubeconfig,
            "address_pools": [{"name": "public", "protocol": "bgp", "addresses": ["198.51.100.0/26"]}],
            "peers": [{"name": "tor-a", "peer_address": "10.0.0.1", "peer_asn": 64501, "my_asn": 64500,
                       "password": "md5-secret-value"}]}
    run = dict(plugin=metallb_config, name="kube_edge.lb.metallb_config", loader=DataLoader())
    applied = run_action(args, diff=True, **run)
    assert applied["changed"] and applied["format"] == "crds", applied
    again = run_action(args, **run)
    assert not again["changed"] and again["requests"] > 0
    assert "md5-secret-value" not in repr(applied) + repr(again)
    assert again["invocation"]["module_args"]["peers"][0]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
