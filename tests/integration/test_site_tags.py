# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each area of site.yml runs alone (--tags haproxy|f5|metallb|ingress_tls) and in check mode.

- Against inventories/example and inventories/lab: `--syntax-check --check --tags X` and
  `--list-hosts --tags X` (which hosts each area's plays target: one host per BIG-IP and per cluster;
  the HAProxy area also targets the hosts of the haproxy_pair group, in playbooks/haproxy_pair.yml).
- Against the running lab (skipped, saying why, when it is down): `--tags X --check` for real, with
  every OTHER area's main variables set to an undefined vault_* variable. An area that templated
  another area's variables (a role's argument-spec check runs whatever tags are given) would stop on
  it, as `--tags f5` once stopped in the HAProxy play on the HAProxy key from the vault. The pair's
  VRRP password (keepalived_auth_pass) is one of the HAProxy area's variables.
- Without a haproxy_pair group (inventories/example), the pair's plays target no host and print no
  host-pattern warning.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The area tags, each area's main role variables, and the inventory groups its plays target.
AREAS = {
    "haproxy": (("haproxy_certificates", "keepalived_auth_pass"), ("haproxy", "haproxy_pair")),
    "f5": (("f5_ltm_clusters",), ("f5_devices",)),
    "metallb": (("metallb_address_pools",), ("k8s_clusters",)),
    "ingress_tls": (("ingress_tls_apps",), ("k8s_clusters",)),
}
INVENTORIES = ("example", "lab")


def ansible_playbook(*args, env=None):
    executable = BIN / "ansible-playbook"
    command = [str(executable) if executable.exists() else (shutil.which("ansible-playbook") or "ansible-playbook")]
    environment = dict(os.environ if env is None else env)
    environment.setdefault("ANSIBLE_CONFIG", str(REPO / "ansible.cfg"))
    collections = REPO / ".cache" / "collections"
    if collections.is_dir():
        environment.setdefault("ANSIBLE_COLLECTIONS_PATH", str(collections))
    environment["ANSIBLE_NOCOLOR"] = "1"
    return subprocess.run(command + list(args), cwd=REPO, env=environment, check=False, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)


def inventory_hosts(inventory, *groups):
    """The hosts of the groups (an inventory without one of them: none from it)."""
    hosts = set()
    for group in groups:
        result = subprocess.run([str(BIN / "ansible-inventory") if (BIN / "ansible-inventory").exists() else "ansible-inventory",
                                 "-i", "inventories/%s" % inventory, "--graph", group], cwd=REPO, check=False, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if result.returncode == 0:
            hosts.update(line.split("--")[-1] for line in result.stdout.splitlines() if "--" in line and "@" not in line)
    return sorted(hosts)


def listed_plays(output):
    """[(tags, hosts)] of every play `--list-hosts` prints (tags do not filter plays there)."""
    plays = []
    for play in re.split(r"\n\s*play #\d+ ", output)[1:]:
        tags = re.search(r"TAGS: \[([^\]]*)\]", play).group(1).split(",")
        hosts = [line.strip() for line in play.split("pattern:", 1)[1].splitlines()[2:] if line.strip()]
        plays.append(({tag.strip() for tag in tags if tag.strip()}, hosts))
    return plays


@pytest.mark.parametrize("inventory", INVENTORIES)
@pytest.mark.parametrize("tag", sorted(AREAS))
def test_each_area_alone_syntax_and_check(inventory, tag):
    result = ansible_playbook("-i", "inventories/%s" % inventory, "site.yml", "--syntax-check", "--check", "--tags", tag)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("inventory", INVENTORIES)
@pytest.mark.parametrize("tag", sorted(AREAS))
def test_each_area_targets_its_own_hosts(inventory, tag):
    """An area's plays target one host per device or cluster (and the pair's hosts); no other area's play does."""
    result = ansible_playbook("-i", "inventories/%s" % inventory, "site.yml", "--list-hosts", "--tags", tag)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "WARNING" not in result.stdout, result.stdout
    _variables, groups = AREAS[tag]
    expected = inventory_hosts(inventory, *groups)
    assert expected, "inventories/%s has no host in groups %s" % (inventory, ", ".join(groups))
    plays = listed_plays(result.stdout)
    mine = [hosts for tags, hosts in plays if tag in tags]
    assert mine, result.stdout
    # The pair's later plays target the groups group_by makes at run time: empty here.
    assert sorted({host for hosts in mine for host in hosts}) == expected, result.stdout


def test_example_has_two_clusters_and_a_device():
    """The example shows the estate shape: a host per cluster (named in the one description) and per BIG-IP."""
    import yaml  # pylint: disable=import-outside-toplevel

    clusters = yaml.safe_load((REPO / "inventories/example/group_vars/all/clusters.yml").read_text())["kube_edge_clusters"]
    names = sorted(cluster["name"] for cluster in clusters)
    assert inventory_hosts("example", "k8s_clusters") == names
    assert len(inventory_hosts("example", "f5_devices")) >= 1


# --- against the running lab --------------------------------------------------------------------

def load_lab():
    spec = importlib.util.spec_from_file_location("kube_edge_lab_tags", REPO / "tests" / "lab" / "lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lab():
    module = load_lab()
    clusters, _vip = module.load_lab_description()
    for process in module.processes(clusters):
        if os.path.exists(process.script) and not process.pid():
            pytest.skip("the lab is not up (%s is not running); start it with `python tests/lab/lab.py up`" % process.name)
    if module.container_state() != "running":
        pytest.skip("the lab is not up (container %s is not running)" % module.CONTAINER)
    if module.pair_state() not in (None, "running"):
        pytest.skip("the lab's HAProxy pair is not up (%s); start it with `python tests/lab/lab.py up`" % module.pair_state())
    return module


def recap(output):
    """{host: {ok, changed, failed, ...}} from the PLAY RECAP."""
    hosts = {}
    for line in output.split("PLAY RECAP", 1)[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if match:
            hosts[match.group(1)] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return hosts


@pytest.mark.parametrize("tag", sorted(AREAS))
def test_each_area_alone_in_check_mode_against_the_lab(lab, tag):
    arguments = ["-i", "inventories/lab", "site.yml", "--check", "--tags", tag]
    for area, (variables, _groups) in sorted(AREAS.items()):
        if area != tag:
            # Extra vars win over the inventory: the other areas' variables cannot be templated.
            for variable in variables:
                arguments += ["-e", "%s={{ vault_not_given_to_a_%s_run }}" % (variable, tag)]
    result = ansible_playbook(*arguments, env=lab.lab_environment())
    assert result.returncode == 0, result.stdout[-5000:]
    hosts = recap(result.stdout)
    _variables, groups = AREAS[tag]
    expected = set(inventory_hosts("lab", *groups))
    assert expected <= set(hosts), "hosts of %s missing from the recap:\n%s" % (", ".join(groups), result.stdout[-2000:])
    # Hosts of the other areas ran nothing (a host with no task is not in the recap).
    assert set(hosts) == expected, "--tags %s ran tasks on %s:\n%s" % (tag, sorted(set(hosts) - expected),
                                                                       result.stdout[-3000:])
    assert all(counts.get("failed", 0) == 0 and counts.get("unreachable", 0) == 0 for counts in hosts.values()), hosts
