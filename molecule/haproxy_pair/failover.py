# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Traffic to the pair's VIP while something happens to the pair (haproxy_pair scenario and its benchmark).

Runs on the host, as root, with the scenario's topology up (topology.sh) and the pair converged. The client
runs inside the kepair-client namespace (``ip netns exec``): one new connection per request, a GET of
/healthz on the VIP every 50 ms with a 1 s timeout. Prints one JSON object:

    python failover.py haproxy-stop      stop HAProxy on the host holding the VIP, then start it again
    python failover.py container-stop    stop the container holding the VIP, then start it again
    python failover.py during CMD ARG..  run CMD (a rolling change) while the client runs

``failover_seconds``: the longest time between two successful responses (covers failed and slow requests);
``errors_after``: failed requests after the first success that started once the VIP was seen on the other
instance (for ``during``: every failed request); ``errors``: all failed requests; ``master_before``/``master_after``: the container holding the VIP.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

VIP = "192.0.2.100"
INSTANCE = "front_npd"
URL = "http://%s/healthz" % VIP
INSTANCES = ("kube-edge-pair-lb1", "kube-edge-pair-lb2")
HERE = os.path.abspath(__file__)


def client(seconds):
    """Inside the client namespace: requests until ``seconds`` passed or SIGTERM; prints [start, end, ok] lists."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    results = []
    deadline = time.time() + seconds
    while not stop and time.time() < deadline:
        start = time.time()
        try:
            with urllib.request.urlopen(URL, timeout=1) as response:
                ok = response.status == 200
        except OSError:
            ok = False
        results.append([start, time.time(), ok])
        time.sleep(max(0.0, 0.05 - (time.time() - start)))
    json.dump(results, sys.stdout)


def podman(*args, check=True):
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check)


def holder():
    """The instance holding the VIP, or None."""
    for name in INSTANCES:
        shown = podman("exec", name, "ip", "-4", "-o", "addr", "show", check=False).stdout
        if " %s/" % VIP in shown:
            return name
    return None


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return None


def start_client(seconds):
    return subprocess.Popen(
        ["ip", "netns", "exec", "kepair-client", sys.executable, HERE, "client", "--seconds", str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )


def finish_client(process):
    process.send_signal(signal.SIGTERM)
    return json.loads(process.communicate(timeout=30)[0])


def summary(results, moved_at=None):
    """Counts and the longest time without a successful response; ``moved_at``: when the VIP was seen moved."""
    successes = [end for unused_start, end, ok in results if ok]
    gaps = [later - earlier for earlier, later in zip(successes, successes[1:])]
    failures = [start for start, unused_end, ok in results if not ok]
    errors_after = len(failures)
    if moved_at is not None:
        recovered = [start for start, unused_end, ok in results if ok and start >= moved_at]
        errors_after = len([start for start in failures if recovered and start > recovered[0]])
    return {
        "requests": len(results),
        "errors": len(failures),
        "errors_after": errors_after,
        "failover_seconds": round(max(gaps), 3) if gaps else None,
    }


def event(stop, restore):
    before = wait_for(holder, 15)
    if before is None:
        raise SystemExit("failover.py: no instance holds %s" % VIP)
    other = next(name for name in INSTANCES if name != before)
    process = start_client(60)
    time.sleep(2)
    stop(before)
    moved = wait_for(lambda: holder() == other, 15)
    moved_at = time.time()
    time.sleep(4)
    results = finish_client(process)
    result = summary(results, moved_at if moved else None)
    result.update(master_before=before, master_after=holder())
    restore(before)
    return result


def stop_haproxy(name):
    podman("exec", name, "systemctl", "stop", "haproxy.service")


def start_haproxy(name):
    podman("exec", name, "systemctl", "start", "haproxy.service")
    wait_for(lambda: backup(name), 30)


def backup(name):
    """The instance on ``name`` is BACKUP again (out of FAULT), as the notify hook recorded it."""
    state = podman("exec", name, "cat", "/run/keepalived-kube-edge/%s.state" % INSTANCE, check=False).stdout
    return state.strip() == "BACKUP"


def stop_container(name):
    podman("stop", "--time", "5", name)


def start_container(name):
    podman("start", name)
    wait_for(
        lambda: podman("exec", name, "systemctl", "is-active", "haproxy", "keepalived", check=False).returncode == 0, 60
    )


def during(command):
    process = start_client(600)
    time.sleep(1)
    completed = subprocess.run(command, check=False)
    time.sleep(1)
    result = summary(finish_client(process))
    result.update(command_status=completed.returncode)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("client", "haproxy-stop", "container-stop", "during"))
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.what == "client":
        client(args.seconds)
        return
    if args.what == "haproxy-stop":
        result = event(stop_haproxy, start_haproxy)
    elif args.what == "container-stop":
        result = event(stop_container, start_container)
    else:
        result = during(args.command)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
