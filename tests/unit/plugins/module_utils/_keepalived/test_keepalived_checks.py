# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The keepalived role's input: every value typed, the rules between them, one sentence per problem."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._keepalived.role_input import check


def role_variables(**overrides):
    """The role's defaults plus a pair's instance, as the role's validate step passes them."""
    variables = {
        "keepalived_instances": [{"name": "front_prd", "virtual_router_id": 51, "address": "192.0.2.100"}],
        "keepalived_interface": "eth0",
        "keepalived_priority": 100,
        "keepalived_state": "BACKUP",
        "keepalived_preempt": False,
        "keepalived_preempt_delay": 0,
        "keepalived_advert_int": 1,
        "keepalived_unicast_source": "192.0.2.11",
        "keepalived_unicast_peers": ["192.0.2.12"],
        "keepalived_auth_pass": "s3cr3t-x",
        "keepalived_track_command": ["/usr/bin/systemctl", "is-active", "--quiet", "haproxy.service"],
        "keepalived_track_interval": 1,
        "keepalived_track_fall": 2,
        "keepalived_track_rise": 2,
        "keepalived_nonlocal_bind": True,
        "keepalived_config_path": "/etc/keepalived/keepalived.conf",
        "keepalived_notify_path": "/etc/keepalived/notify.sh",
    }
    variables.update(overrides)
    return variables


def test_good_input_gives_the_model():
    result = check(role_variables())
    assert result["problems"] == [] and result["message"] == ""
    instance = result["config"]["instances"][0]
    assert instance == {
        "name": "front_prd",
        "virtual_router_id": 51,
        "address": "192.0.2.100",
        "prefix": 32,
        "interface": "eth0",
        "priority": 100,
    }
    assert result["config"]["track_script"] == "/usr/bin/systemctl is-active --quiet haproxy.service"


def test_instance_overrides_interface_and_priority():
    instances = [
        {"name": "a", "virtual_router_id": "7", "address": "192.0.2.100", "interface": "veth1", "priority": 150}
    ]
    config = check(role_variables(keepalived_instances=instances))["config"]
    assert config["instances"][0]["interface"] == "veth1"
    assert config["instances"][0]["priority"] == 150 and config["instances"][0]["virtual_router_id"] == 7


@pytest.mark.parametrize(
    ("router_id", "sentence"),
    [
        (0, "keepalived_instances[0].virtual_router_id=0 is not a VRRP router id from 1 to 255."),
        (256, "keepalived_instances[0].virtual_router_id=256 is not a VRRP router id from 1 to 255."),
        (True, "keepalived_instances[0].virtual_router_id=True is not a VRRP router id from 1 to 255."),
    ],
)
def test_router_id_out_of_range_is_refused(router_id, sentence):
    instances = [{"name": "a", "virtual_router_id": router_id, "address": "192.0.2.100"}]
    result = check(role_variables(keepalived_instances=instances))
    assert result["problems"] == [sentence] and result["config"] == {}


@pytest.mark.parametrize("priority", [0, 255, -1, "high"])
def test_priority_out_of_range_is_refused(priority):
    result = check(role_variables(keepalived_priority=priority))
    assert result["problems"] == [
        "keepalived_priority=%r is not a VRRP priority from 1 to 254 (255 is reserved for the address owner)."
        % priority
    ]


def test_same_vip_in_two_instances_is_refused():
    instances = [
        {"name": "a", "virtual_router_id": 1, "address": "192.0.2.100"},
        {"name": "b", "virtual_router_id": 2, "address": "192.0.2.100"},
    ]
    assert check(role_variables(keepalived_instances=instances))["problems"] == [
        "keepalived_instances[1].address='192.0.2.100' is also the VIP of keepalived_instances[0] "
        "(one VIP belongs to one VRRP instance, or both would claim it)."
    ]


def test_router_id_and_name_unique_per_interface():
    instances = [
        {"name": "a", "virtual_router_id": 1, "address": "192.0.2.100"},
        {"name": "a", "virtual_router_id": 1, "address": "192.0.2.101"},
        {"name": "c", "virtual_router_id": 1, "address": "192.0.2.102", "interface": "eth1"},
    ]
    problems = check(role_variables(keepalived_instances=instances))["problems"]
    assert problems == [
        "keepalived_instances[1].name='a' is also the name of keepalived_instances[0].",
        "keepalived_instances[1].virtual_router_id=1 is also the router id of keepalived_instances[0] on "
        "interface eth0 (one router id per interface).",
    ]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("keepalived_interface", "eth0 ", "is not a network interface name"),
        ("keepalived_interface", "a-very-long-interface", "is not a network interface name"),
        ("keepalived_interface", "..", "is not a network interface name"),
        ("keepalived_interface", "eth0\n}", "is not a network interface name"),
        ("keepalived_unicast_source", "2001:db8::1", "is not an IPv4 address"),
        ("keepalived_unicast_source", "192.0.2.300", "is not an IPv4 address"),
        ("keepalived_state", "PRIMARY", "is not one of"),
        ("keepalived_track_command", ["/bin/sh", "-c", "rm -rf /"], "is not a command argument"),
        ("keepalived_config_path", "relative/path", "is not"),
    ],
)
def test_values_are_checked_for_what_they_are(name, value, reason):
    problems = check(role_variables(**{name: value}))["problems"]
    assert len(problems) == 1 and reason in problems[0] and problems[0].startswith(name), problems


def test_vip_must_be_ipv4():
    instances = [{"name": "a", "virtual_router_id": 1, "address": "2001:db8::10"}]
    assert check(role_variables(keepalived_instances=instances))["problems"] == [
        "keepalived_instances[0].address='2001:db8::10' is not an IPv4 address "
        "(VRRPv2 with authentication carries IPv4 only)."
    ]


@pytest.mark.parametrize("password", ["", "ninechars", 'quo"te', "with space", "hash#1", "bang!"])
def test_password_is_refused_without_being_shown(password):
    problems = check(role_variables(keepalived_auth_pass=password))["problems"]
    assert problems == [
        "keepalived_auth_pass='<secret, not shown>' is not 1 to 8 of letters, digits and ._~@%+=:,/^*- "
        "(keepalived reads ! and # as comments)."
    ]


def test_missing_password_is_required():
    assert check(role_variables(keepalived_auth_pass=None))["problems"] == ["keepalived_auth_pass=None is required."]


def test_peers_are_other_hosts_and_never_a_vip():
    instances = [{"name": "a", "virtual_router_id": 1, "address": "192.0.2.12"}]
    problems = check(
        role_variables(keepalived_instances=instances, keepalived_unicast_peers=["192.0.2.12", "192.0.2.11"])
    )["problems"]
    assert problems == [
        "keepalived_instances[0].address='192.0.2.12' is a unicast address of a peer, not a floating one.",
        "keepalived_unicast_peers[1]='192.0.2.11' is keepalived_unicast_source, this host itself.",
    ]


def test_nopreempt_needs_backup_state():
    assert check(role_variables(keepalived_state="MASTER"))["problems"] == [
        "keepalived_state='MASTER' cannot start as MASTER with keepalived_preempt false (nopreempt needs the "
        "initial state BACKUP)."
    ]
    assert check(role_variables(keepalived_state="MASTER", keepalived_preempt=True))["problems"] == []


def test_warnings_for_ignored_delay_and_foreign_subnet():
    instances = [{"name": "a", "virtual_router_id": 1, "address": "198.51.100.10", "prefix": 24}]
    warnings = check(role_variables(keepalived_instances=instances, keepalived_preempt_delay=30))["warnings"]
    assert warnings == [
        "keepalived_instances[0].address 198.51.100.10/24 does not contain keepalived_unicast_source 192.0.2.11: "
        "the VIP is not on the pair's subnet.",
        "keepalived_preempt_delay is ignored: keepalived_preempt is false (nopreempt).",
    ]


def test_every_problem_at_once():
    result = check(role_variables(keepalived_priority=0, keepalived_advert_int=0, keepalived_instances=[]))
    assert len(result["problems"]) == 3 and result["message"].startswith("3 problems found: (1) ")
