# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An HAProxy pair with a floating VIP: failover and rolling-change figures, measured for real.

    python benchmarks/bench_haproxy_pair.py --out FILE

Builds the molecule scenario ``haproxy_pair`` (create, converge: two systemd containers with real
keepalived and HAProxy, each in a network namespace of its own, lab nodes and a client in two more; see
molecule/haproxy_pair/topology.sh), measures with its ``failover.py`` and destroys it again, whatever
happened. The client sends a GET of /healthz to the VIP every 50 ms, one new connection each, 1 s timeout.

- ``haproxy_vip_failover_seconds``: the longest time without a successful response while (a) HAProxy is
  stopped on the host holding the VIP, then (b) that container is stopped; the worse of the two.
- ``haproxy_vip_failover_errors_after``: failed requests after traffic resumed on the other host, (a) + (b).
- ``haproxy_rolling_change_errors``: failed requests while playbooks/haproxy_pair.yml rolls a configuration
  change (the health-check interval) across the pair, one host at a time, the standby first.

Needs root, podman and ip (the scenario's needs); without them every figure is null with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = "haproxy_pair"
FAILOVER = os.path.join(REPO, "molecule", SCENARIO, "failover.py")
MOLECULE = os.path.join(REPO, "scripts", "molecule.sh")


def say(message):
    print("bench_haproxy_pair: %s" % message, file=sys.stderr, flush=True)


def molecule(*args, timeout=600):
    say("molecule %s" % " ".join(args))
    subprocess.run([MOLECULE, *args], check=True, timeout=timeout, stdout=subprocess.DEVNULL, cwd=REPO)


def failover(*args, timeout=300):
    completed = subprocess.run(
        [sys.executable, FAILOVER, *args], capture_output=True, text=True, check=True, timeout=timeout
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    say("%s: %s" % (args[0], result))
    return result


def metrics(haproxy_stop, container_stop, rolling, reason=None):
    def value(compute):
        return None if reason else compute()

    note = reason or (
        "HAProxy stopped on the VIP holder: %s s, %s errors (%s after the move); container stopped: %s s, %s errors "
        "(%s after); rolling change: %s of %s requests failed"
        % (
            haproxy_stop["failover_seconds"],
            haproxy_stop["errors"],
            haproxy_stop["errors_after"],
            container_stop["failover_seconds"],
            container_stop["errors"],
            container_stop["errors_after"],
            rolling["errors"],
            rolling["requests"],
        )
    )
    return {
        "haproxy_vip_failover_seconds": {
            "value": value(lambda: max(haproxy_stop["failover_seconds"], container_stop["failover_seconds"])),
            "unit": "s",
            "peer": None,
            "target": "< 3",
            "note": note,
        },
        "haproxy_vip_failover_errors_after": {
            "value": value(lambda: haproxy_stop["errors_after"] + container_stop["errors_after"]),
            "unit": "requests",
            "peer": None,
            "target": "0",
            "note": note,
        },
        "haproxy_rolling_change_errors": {
            "value": value(lambda: rolling["errors"]),
            "unit": "requests",
            "peer": None,
            "target": "0",
            "note": note,
        },
    }


def missing():
    if os.geteuid() != 0:
        return "skipped: needs root (network namespaces)"
    for tool in ("podman", "ip"):
        if shutil.which(tool) is None:
            return "skipped: %s is not installed" % tool
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    reason = missing()
    if reason:
        results = metrics(None, None, None, reason)
    else:
        started = time.time()
        try:
            molecule("destroy", "-s", SCENARIO)
            molecule("create", "-s", SCENARIO)
            molecule("converge", "-s", SCENARIO)
            haproxy_stop = failover("haproxy-stop")
            container_stop = failover("container-stop")
            # A real configuration change on both hosts (haproxy.cfg's check interval), rolled by the playbook.
            rolling = failover(
                "during", MOLECULE, "converge", "-s", SCENARIO, "--", "--extra-vars", "haproxy_check_interval=2s"
            )
            if rolling.get("command_status"):
                raise RuntimeError("the rolling change failed (exit %s)" % rolling["command_status"])
            results = metrics(haproxy_stop, container_stop, rolling)
        finally:
            molecule("destroy", "-s", SCENARIO)
        say("done in %.0f s" % (time.time() - started))
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
