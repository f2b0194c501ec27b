# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each area of site.yml runs alone (--tags haproxy|f5|metallb|ingress_tls) and in check mode.

- Against inventories/example and inventories/lab: `--syntax-check --check --tags X` and
  `--list-hosts --tags X` (which hosts each area's play targets: one host per BIG-IP and per cluster).
- Against the running lab (skipped, saying why, when it is down): `--tags X --check` for real, with
  every OTHER area's main variable set to an undefined vault_* variable. An area that templated
  another area's variables (a role's argument-spec check runs whatever tags are given) would stop on
  it, as `--tags f5` once stopped in the HAProxy play on the HAProxy key from the vault.
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
# The area tags, each area's main role variable, and the inventory group its play targets.
AREAS = {
    "haproxy": ("haproxy_certificates", "haproxy"),
    "f5": ("f5_ltm_clusters", "f5_devices"),
    "metallb": ("metallb_address_pools", "k8s_clusters"),
    "ingress_tls": ("ingress_tls_apps", "k8s_clusters"),
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


def inventory_hosts(inventory, group):
    result = subprocess.run([str(BIN / "ansible-inventory") if (BIN / "ansible-inventory").exists() else "ansible-inventory",
                             "-i", "inventories/%s" % inventory, "--graph", group], cwd=REPO, check=True, text=True,
                            stdout=subprocess.PIPE)
    return sorted(line.split("--")[-1] for line in result.stdout.splitlines() if "--" in line and "@" not in line)


@pytest.mark.parametrize("inventory", INVENTORIES)
@pytest.mark.parametrize("tag", sorted(AREAS))
def test_each_area_alone_syntax_and_check(inventory, tag):
    result = ansible_playbook("-i", "inventories/%s" % inventory, "site.yml", "--syntax-check", "--check", "--tags", tag)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("inventory", INVENTORIES)
@pytest.mark.parametrize("tag", sorted(AREAS))
def test_each_area_targets_its_own_hosts(inventory, tag):
    """An area's play targets one host per device or cluster; the other areas' plays are not run."""
    result = ansible_playbook("-i", "inventories/%s" % inventory, "site.yml", "--list-hosts", "--tags", tag)
    assert result.returncode == 0, result.stdout[-3000:]
    _variable, group = AREAS[tag]
    expected = inventory_hosts(inventory, group)
    assert expected, "inventories/%s has no host in group %s" % (inventory, group)
    # --list-hosts prints every play (tags do not filter plays); the area's play lists its group's hosts.
    plays = re.split(r"\n\s*play #\d+ ", result.stdout)
    mine = [play for play in plays if "TAGS: [%s]" % tag in play]
    assert len(mine) == 1, result.stdout
    listed = sorted(line.strip() for line in mine[0].split("pattern:", 1)[1].splitlines()[2:] if line.strip())
    assert listed == expected, mine[0]


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
    for area, (variable, _group) in sorted(AREAS.items()):
        if area != tag:
            # Extra vars win over the inventory: the other areas' variables cannot be templated.
            arguments += ["-e", "%s={{ vault_not_given_to_a_%s_run }}" % (variable, tag)]
    result = ansible_playbook(*arguments, env=lab.lab_environment())
    assert result.returncode == 0, result.stdout[-5000:]
    hosts = recap(result.stdout)
    _variable, group = AREAS[tag]
    expected = set(inventory_hosts("lab", group))
    assert expected <= set(hosts), "hosts of %s missing from the recap:\n%s" % (group, result.stdout[-2000:])
    # Hosts of the other areas ran nothing (a host with no task is not in the recap).
    assert set(hosts) == expected, "--tags %s ran tasks on %s:\n%s" % (tag, sorted(set(hosts) - expected),
                                                                       result.stdout[-3000:])
    assert all(counts.get("failed", 0) == 0 and counts.get("unreachable", 0) == 0 for counts in hosts.values()), hosts
