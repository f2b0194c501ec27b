# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""haproxy_checks_up_ratio: nodes UP / nodes, as HAProxy's own health checks see the realistic lab.

    python benchmarks/bench_lab_checks.py --out FILE

The lab's worker nodes are real nginx configured like ingress-nginx (tests/lab/nodes.py), so a
health check that real ingress controllers do not answer shows here as nodes DOWN. Needs the lab up
(`make lab-up`; `make bench` starts it). When HAProxy on lb01 has not been configured yet, this runs
the HAProxy play of site.yml (``--limit haproxy``) first. The figure is read from HAProxy's runtime
API (``show stat``) once the states have settled: no server in a transition ("UP 1/2", "DOWN 1/2")
and the same answer twice, a check interval apart. Target 1.0.

Exits 1 with one sentence when the lab is not up.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# tests/lab is not a package: load the lab's driver by path (its report reads HAProxy the same way).
_SPEC = importlib.util.spec_from_file_location("kube_edge_lab", os.path.join(REPO, "tests", "lab", "lab.py"))
lab = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(lab)

SETTLE_SECONDS = 30
SAMPLE_INTERVAL = 3  # longer than the lab's check interval (the role's default, 2s)


def settled_states():
    """HAProxy's server states once no server is in a transition and two samples agree."""
    deadline = time.monotonic() + SETTLE_SECONDS
    previous = None
    while True:
        states = lab.haproxy_server_states()
        if isinstance(states, str):
            return states
        statuses = [(backend, server, status) for backend, server, status, _check in states]
        stable = statuses == previous and not any("/" in status for _b, _s, status in statuses)
        if stable or time.monotonic() > deadline:
            return states
        previous = statuses
        time.sleep(SAMPLE_INTERVAL)


def configure_haproxy():
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if not os.path.exists(playbook):
        playbook = "ansible-playbook"
    result = subprocess.run([playbook, "-i", "inventories/lab", "site.yml", "--limit", "haproxy"], cwd=REPO,
                            env=lab.lab_environment(), check=False, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=1200)
    if result.returncode != 0:
        raise SystemExit("bench_lab_checks: site.yml --limit haproxy failed: %s" % result.stdout[-1500:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    clusters, vip = lab.load_lab_description()
    nodes = lab.node_list(clusters)
    if lab.container_state() != "running" or not all(lab.port_open(address, 80) for _n, _c, address in nodes):
        sys.stderr.write("bench_lab_checks: the lab is not up (lb01 and the worker nodes); start it with "
                         "`make lab-up` or `make run`\n")
        return 1
    if isinstance(lab.haproxy_server_states(), str) or not lab.port_open(vip, 443):
        sys.stdout.write("bench_lab_checks: HAProxy on lb01 is not configured yet; running site.yml --limit haproxy\n")
        configure_haproxy()
    states = settled_states()
    if isinstance(states, str):
        sys.stderr.write("bench_lab_checks: %s\n" % states)
        return 1
    up = [state for state in states if state[2] == "UP"]
    down = ["%s/%s %s (%s)" % state for state in states if state[2] != "UP"]
    note = ("%d of %d backend servers UP after site.yml on the lab (real nginx nodes configured like "
            "ingress-nginx, %d nodes in %d clusters)" % (len(up), len(states), len(nodes), len(clusters)))
    if down:
        note += "; not UP: " + ", ".join(down)
    results = {
        "haproxy_checks_up_ratio": {
            "value": round(len(up) / len(states), 3),
            "unit": "ratio",
            "peer": None,
            "target": "1.0 (every node UP)",
            "note": note,
        }
    }
    with open(args.out, "w") as stream:
        json.dump(results, stream, indent=2, sort_keys=True)
    sys.stdout.write("%s\n" % note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
