# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAProxy to its origins (issue 16): which connection-reuse and HTTP/2 settings measurably help.

    python benchmarks/bench_haproxy_origin.py --out FILE [--duration 2] [--rounds 3] [--no-pin] [--all]

The origins are real nginx configured like ingress-nginx (tests/lab/nodes.py's ``Node``, three nodes of one
cluster and one of another), reached the way the role's HTTP mode reaches them: verified TLS, SNI from the
Host header. The requests go to ``/healthz``, which nginx answers itself from ingress-nginx's catch-all server
(the nodes carry no Ingress here), so that the per-request cost is nginx's and not the lab's Python echo
application's. The HAProxy config is the role's own (bench_haproxy.render_config: the role's defaults through
its input check and template) with one thing changed per variant: the ``http-reuse`` line, or options on the
backends' ``default-server`` lines. Every variant is its own HAProxy on its own front address, all started
once; the rounds alternate between them. Same binary and CPU placement as bench_haproxy.py: wrk alone on the
first CPU, HAProxy (nbthread 1) and nginx on the second.

Two kinds of clients (wrk -t1 -c50, ``--duration`` s per round, median of ``--rounds`` rounds):
- one request per connection (``Connection: close``): each client connection is a new HAProxy session, so only
  reuse across sessions spares the origins a TLS handshake per request;
- keep-alive: each session carries many requests.
Before the rounds every variant meets one-request clients alone for 1 s ("cold", in the notes): aggressive then
shares nothing yet, since it takes only connections that have carried a second request, which keep-alive
clients provide. In the rounds the keep-alive clients go first.
Per variant and client kind: requests/s, HAProxy CPU per request and origin CPU per request (/proc), and the
new origin connections per 1000 requests from the backend's ``connect`` and ``reuse`` counters (show stat).

Metrics:
- ``haproxy_origin_reuse_rps_gain``: req/s of one-request-per-connection clients with the role's default
  ``http-reuse`` divided by req/s with ``http-reuse never``; peer: the same ratio for HAProxy's default (safe).
- ``haproxy_origin_handshakes_per_1000_requests``: new TLS connections to the origins per 1000 requests of
  one-request-per-connection clients with the role's default; peer: HAProxy's default (safe).
- ``haproxy_origin_h2_rps_gain``: keep-alive req/s with ``alpn h2`` on the server lines (HTTP/2 to the
  origins) over the role's config (HTTP/1.1 to the origins).
- ``haproxy_origin_handshakes_after_idle_per_1000_requests``: the same count in the first second after 12 s
  without traffic, with the role's ``pool-purge-delay``; peer: HAProxy's default (5 s).
Measured and reported in the notes, not role settings: ``alpn h2`` with the role's reuse mode, and with ``--all``
``pool-max-conn`` 10 and 0 and ``safe`` with h2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_haproxy as common  # noqa: E402  (after sys.path: the sibling script is the shared harness)

# The origins and front addresses of this bench (bench_haproxy uses .40-.45, bench_haproxy_tls .50-.54).
ORIGINS = [("node01", "rke-cluster-npd", "127.0.3.111"), ("node02", "rke-cluster-npd", "127.0.3.112"),
           ("node03", "rke-cluster-npd", "127.0.3.113"), ("node04", "rke-cluster-prd", "127.0.3.114")]
FRONT_BASE = "127.0.3.%d"
FIRST_FRONT = 121
BACKEND = "be_rke-cluster-npd"
REUSE_MODES = ("never", "safe", "aggressive", "always")
# Measured with --all only: each made things worse or changed nothing (the note of haproxy_origin_reuse_rps_gain).
# name: (http-reuse, None for the role's default; options added to the default-server lines)
MORE_VARIANTS = {
    "pool-max-conn-10": (None, " pool-max-conn 10"),
    "pool-max-conn-0": (None, " pool-max-conn 0"),
    "safe+h2": ("safe", " alpn h2"),
}
IDLE_GAP = 12  # seconds without traffic, longer than two of HAProxy's default pool-purge-delay (5 s)
GAP_REPEATS = 3


def say(message):
    sys.stderr.write("bench_haproxy_origin: %s\n" % message)
    sys.stderr.flush()


def role_purge(text):
    found = re.search(r" pool-purge-delay (\S+)$", text, flags=re.MULTILINE)
    return found.group(1) if found else "5s"


def role_reuse(text):
    found = re.search(r"^\s+http-reuse (\S+)$", text, flags=re.MULTILINE)
    return found.group(1) if found else "safe"


def variant_config(work, base, index, reuse, server_options):
    """The role's rendered config on its own front address and stats socket, with one setting changed."""
    address = FRONT_BASE % (FIRST_FRONT + index)
    text = base.replace("%s:" % common.FRONTEND, "%s:" % address)
    text = text.replace(os.path.join(work, "admin.sock"), os.path.join(work, "admin-%d.sock" % index))
    if reuse is not None:
        text = re.sub(r"^\s+http-reuse \S+\n", "", text, flags=re.MULTILINE)
        text = text.replace("    option forwardfor\n", "    option forwardfor\n    http-reuse %s\n" % reuse)
    if server_options:
        for keyword in re.findall(r" (\S+) \S+", server_options):  # the variant's value replaces the role's
            text = re.sub(r"^(    default-server .*) %s \S+" % re.escape(keyword), r"\1", text, flags=re.MULTILINE)
        text = re.sub(r"^(    default-server .*)$", r"\1" + server_options, text, flags=re.MULTILINE)
    # One thread, as on the one server CPU; the role's default (all CPUs) would start two.
    text = text.replace("global\n", "global\n    nbthread 1\n", 1)
    path = os.path.join(work, "haproxy-%d.cfg" % index)
    with open(path, "w") as handle:
        handle.write(text)
    return address, path, os.path.join(work, "admin-%d.sock" % index)


def backend_counters(socket_path):
    """The backend's (connect, reuse) counters from the stats socket."""
    lines = common.show_stat(socket_path)
    header = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        fields = line.split(",")
        if fields[:2] == [BACKEND, "BACKEND"]:
            return int(fields[header.index("connect")] or 0), int(fields[header.index("reuse")] or 0)
    raise RuntimeError("no %s in show stat" % BACKEND)


def start_nodes(work, nginx):
    """The four nginx nodes, configured like ingress-nginx by tests/lab/nodes.py, in this bench's state dir."""
    # tests/lab/certs.py and nodes.py: importable once bench_haproxy has put tests/lab on sys.path.
    import certs  # pylint: disable=import-outside-toplevel,import-error
    import nodes  # pylint: disable=import-outside-toplevel,import-error

    started = []
    for name, cluster, address in ORIGINS:
        node = nodes.Node(name, cluster, address, [], work)
        node.prepare(certs, nginx)
        node.start(nginx)
        started.append(node)
    deadline = time.monotonic() + 10
    while not all(node.workers_started() for node in started):
        if time.monotonic() > deadline or any(not node.running() for node in started):
            raise RuntimeError("nginx did not start: %s" % "; ".join(node.last_error() for node in started))
        time.sleep(0.05)
    return started


def measure(wrk_binary, address, admin, pids, origin_pids, duration, connection_close):
    connect_before, reuse_before = backend_counters(admin)
    cpu_before, origin_before = common.cpu_seconds(pids), common.cpu_seconds(origin_pids)
    run = common.wrk(wrk_binary, "https://%s/healthz" % address, duration, connection_close)
    connect_after, reuse_after = backend_counters(admin)
    requests = max(run["requests"], 1)
    return {
        "rps": run["rps"], "errors": run["errors"], "requests": run["requests"],
        "cpu_us": (common.cpu_seconds(pids) - cpu_before) * 1e6 / requests,
        "origin_cpu_us": (common.cpu_seconds(origin_pids) - origin_before) * 1e6 / requests,
        "connects_per_1000": (connect_after - connect_before) * 1000.0 / requests,
        "reuses_per_1000": (reuse_after - reuse_before) * 1000.0 / requests,
    }


def summary(runs):
    """Medians of every figure, plus the req/s range."""
    figures = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    figures["rps_range"] = (min(run["rps"] for run in runs), max(run["rps"] for run in runs))
    figures["errors"] = sum(run["errors"] for run in runs)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (the median counts)")
    parser.add_argument("--no-pin", action="store_true", help="let the scheduler place wrk, HAProxy and nginx")
    parser.add_argument("--all", action="store_true", help="also the pool-max-conn and safe+h2 variants")
    args = parser.parse_args()
    common.OPTIONS["pin"] = not args.no_pin
    common.ORIGINS = ORIGINS
    common.FRONTEND = FRONT_BASE % (FIRST_FRONT - 1)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        raise SystemExit("nginx is needed for the origins (apt-get install nginx)")
    subprocess.run([os.path.join(common.REPO, "molecule", "haproxy_shared", "fetch_artifacts.sh")], check=True,
                   stdout=subprocess.DEVNULL)
    common.haproxy_build()
    wrk_binary = common.ensure_wrk()
    haproxy = os.path.join(common.PREFIX, "sbin", "haproxy")

    work = tempfile.mkdtemp(prefix="bench-haproxy-origin-")
    processes = common.Processes()
    started_nodes = []
    results = {}
    split = common.cpu_split()
    try:
        pems = common.make_certificates(work)  # the "ingress" certificate the nodes' catch-all server serves
        with open(common.render_config(work, pems)) as handle:
            base = handle.read()
        default_reuse = role_reuse(base)
        variants = {mode: (mode, "") for mode in REUSE_MODES}
        variants["h2"] = (default_reuse, " alpn h2")
        if args.all:
            variants.update((name, (reuse or default_reuse, options)) for name, (reuse, options) in MORE_VARIANTS.items())
        measured = list(variants)
        variants["purge-5s"] = (default_reuse, " pool-purge-delay 5s")  # HAProxy's default, the idle-gap test only
        if split:  # nginx (started by nodes.Node, no taskset) inherits this process's CPU
            os.sched_setaffinity(0, {int(split[1])})
        started_nodes = start_nodes(work, nginx)
        origin_pids = [node.process.pid for node in started_nodes if node.cluster == "rke-cluster-npd"]
        servers = {}
        for index, (name, (reuse, options)) in enumerate(variants.items()):
            address, config, admin = variant_config(work, base, index, reuse, options)
            check = subprocess.run([haproxy, "-c", "-f", config], capture_output=True, text=True, check=False)
            if check.returncode != 0:
                raise RuntimeError("haproxy -c refused %s: %s" % (name, check.stdout + check.stderr))
            processes.start(name, common.pinned([haproxy, "-db", "-f", config], 1))
            servers[name] = (address, admin)
        if split:
            os.sched_setaffinity(0, {int(cpu) for cpu in split})
        for address, _admin in servers.values():
            common.wait_port(address, 443)
        time.sleep(1.5)  # first health checks

        def run(name, kind, duration):
            address, admin = servers[name]
            return measure(wrk_binary, address, admin, [processes.procs[name].pid], origin_pids, duration,
                           kind == "close")

        # Cold: HAProxy has met one-request clients only. aggressive shares only connections that have already
        # carried a second request, which one-request clients never make.
        cold = {name: run(name, "close", 1) for name in measured}
        # Then alternating rounds; the keep-alive clients go first, as browsers share the edge with API clients.
        runs = {(name, kind): [] for name in measured for kind in ("close", "keepalive")}
        for _round in range(args.rounds):
            for kind in ("keepalive", "close"):
                for name in measured:
                    runs[(name, kind)].append(run(name, kind, args.duration))
        figures = {key: summary(value) for key, value in runs.items()}
        for (name, kind), figure in sorted(figures.items()):
            say("%-17s %-9s %6.0f req/s (%5.0f-%5.0f) haproxy %5.0f us/req origins %5.0f us/req "
                "connects %6.1f reuses %6.1f /1000 errors %d" % (
                    name, kind, figure["rps"], figure["rps_range"][0], figure["rps_range"][1], figure["cpu_us"],
                    figure["origin_cpu_us"], figure["connects_per_1000"], figure["reuses_per_1000"],
                    figure["errors"]))
        # After an idle gap: do idle connections survive it (HAProxy purges unused ones every pool-purge-delay)?
        gap = {default_reuse: [], "purge-5s": []}
        for _repeat in range(GAP_REPEATS):
            for name in gap:
                run(name, "keepalive", 1)
                run(name, "close", 1)
            time.sleep(IDLE_GAP)
            for name in gap:
                gap[name].append(run(name, "close", 1)["connects_per_1000"])
        say("after %d s idle, new origin connections/1000: %s" % (IDLE_GAP, gap))
        say("cold one-request clients: %s" % {
            name: "%.0f req/s, %.0f connections/1000" % (run_["rps"], run_["connects_per_1000"])
            for name, run_ in cold.items()})
        results.update(metrics(figures, runs, cold, default_reuse, role_purge(base), gap, args, split))
    finally:
        processes.stop_all()
        for node in started_nodes:
            node.stop()
        shutil.rmtree(work, ignore_errors=True)
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
    say("wrote %s" % args.out)
    return 0


def _ratios(runs, ours, theirs):
    return [a["rps"] / b["rps"] for a, b in zip(runs[ours], runs[theirs])]


def metrics(figures, runs, cold, default_reuse, role_purge, gap, args, split):
    placement = "wrk on CPU %s, HAProxy (nbthread 1) and nginx on CPU %s" % split if split else "unpinned"
    setup = "wrk -t1 -c50, %d alternating %d s rounds (keep-alive clients, then one-request clients), medians; %s; origins: 3 nginx nodes configured like " \
        "ingress-nginx (tests/lab/nodes.py), verified TLS, /healthz from the catch-all server" % (
            args.rounds, args.duration, placement)
    close = {mode: figures[(mode, "close")] for mode in REUSE_MODES}
    keep = {mode: figures[(mode, "keepalive")] for mode in REUSE_MODES}
    gain = _ratios(runs, (default_reuse, "close"), ("never", "close"))
    safe_gain = _ratios(runs, ("safe", "close"), ("never", "close"))
    always_gain = _ratios(runs, ("always", "close"), ("never", "close"))
    h2_gain = _ratios(runs, ("h2", "keepalive"), (default_reuse, "keepalive"))
    h2_close = _ratios(runs, ("h2", "close"), (default_reuse, "close"))
    more = ["%s: one-request %.0f req/s, %.0f new origin connections/1000; keep-alive %.0f req/s, %.0f/1000" % (
        name, figures[(name, "close")]["rps"], figures[(name, "close")]["connects_per_1000"],
        figures[(name, "keepalive")]["rps"], figures[(name, "keepalive")]["connects_per_1000"])
        for name in MORE_VARIANTS if (name, "close") in figures]

    def line(name, figure):
        return "%s %.0f req/s (%.0f-%.0f), HAProxy %.0f us/req, origins %.0f us/req, %.0f new origin " \
            "connections/1000" % (name, figure["rps"], figure["rps_range"][0], figure["rps_range"][1],
                                  figure["cpu_us"], figure["origin_cpu_us"], figure["connects_per_1000"])

    dropped = "Measured and not added to the role: alpn h2 to the origins (haproxy_origin_h2_rps_gain); " \
        "pool-max-conn limits only lower reuse (--all%s); pool-low-conn matters only between threads, and " \
        "HAProxy runs one thread here" % ((": " + "; ".join(more)) if more else " measures them")
    return {
        "haproxy_origin_reuse_rps_gain": {
            "value": round(statistics.median(gain), 2), "unit": "ratio",
            "peer": round(statistics.median(safe_gain), 2), "target": ">= 1.2",
            "note": "one request per client connection (Connection: close): req/s with the role's http-reuse %s over "
                    "http-reuse never (ratios %.2f-%.2f); peer = HAProxy's default safe over never; always over "
                    "never %.2f (%.2f-%.2f). One-request clients: %s. Keep-alive clients: %s. Cold (a fresh HAProxy "
                    "that has met one-request clients only, 1 s): %s; aggressive shares only connections that have "
                    "carried a second request. %s. %s" % (
                        default_reuse, min(gain), max(gain), statistics.median(always_gain), min(always_gain),
                        max(always_gain), "; ".join(line(m, close[m]) for m in REUSE_MODES),
                        "; ".join(line(m, keep[m]) for m in REUSE_MODES),
                        ", ".join("%s %.0f req/s, %.0f new origin connections/1000" % (
                            m, cold[m]["rps"], cold[m]["connects_per_1000"]) for m in REUSE_MODES), setup, dropped)},
        "haproxy_origin_handshakes_per_1000_requests": {
            "value": round(close[default_reuse]["connects_per_1000"], 1), "unit": "connections",
            "peer": round(close["safe"]["connects_per_1000"], 1), "target": "<= 300",
            "note": "new TLS connections from HAProxy to the origins per 1000 requests of one-request-per-connection "
                    "clients (the backend's connect counter in show stat), role's http-reuse %s; peer = HAProxy's "
                    "default safe; never %.0f, always %.0f; keep-alive clients: %.1f with the role's setting, %.1f "
                    "with safe; %s" % (default_reuse, close["never"]["connects_per_1000"],
                                       close["always"]["connects_per_1000"], keep[default_reuse]["connects_per_1000"],
                                       keep["safe"]["connects_per_1000"], setup)},
        "haproxy_origin_handshakes_after_idle_per_1000_requests": {
            "value": round(statistics.median(gap[default_reuse]), 1), "unit": "connections",
            "peer": round(statistics.median(gap["purge-5s"]), 1), "target": "<= half the peer",
            "note": "new TLS connections to the origins per 1000 requests in the first second of one-request clients "
                    "after %d s without traffic (keep-alive and one-request clients before it), with the role's "
                    "pool-purge-delay %s; peer = HAProxy's default 5s, which closes idle connections it has not "
                    "needed lately every 5 s; median of %d runs (%s vs %s; a 30 s purge falls into some 12 s gaps); "
                    "%s" % (IDLE_GAP, role_purge, GAP_REPEATS, ", ".join("%.0f" % v for v in gap[default_reuse]),
                            ", ".join("%.0f" % v for v in gap["purge-5s"]), setup)},
        "haproxy_origin_h2_rps_gain": {
            "value": round(statistics.median(h2_gain), 2), "unit": "ratio", "peer": 1.0, "target": ">= 1.1",
            "note": "keep-alive clients: req/s with alpn h2 on the server lines (HTTP/2 to the nginx nodes) over the "
                    "role's config (HTTP/1.1 to them), ratios %.2f-%.2f; HAProxy %.0f vs %.0f us/req, origins %.0f vs "
                    "%.0f us/req; one-request clients: ratio %.2f; but %d of %d keep-alive requests failed with h2 "
                    "(client connections closed without a response; %d with HTTP/1.1): nginx ends an HTTP/2 "
                    "connection after 1000 requests (keepalive_requests) with GOAWAY, and HAProxy 2.6 drops the "
                    "requests in flight on it (a probe with keepalive_requests 1000000 lost none); so not a role "
                    "setting; peer = HTTP/1.1 against itself; %s" % (
                        min(h2_gain), max(h2_gain), figures[("h2", "keepalive")]["cpu_us"],
                        keep[default_reuse]["cpu_us"], figures[("h2", "keepalive")]["origin_cpu_us"],
                        keep[default_reuse]["origin_cpu_us"], statistics.median(h2_close),
                        figures[("h2", "keepalive")]["errors"], sum(r["requests"] for r in runs[("h2", "keepalive")]),
                        keep[default_reuse]["errors"], setup)},
    }


if __name__ == "__main__":
    sys.exit(main())
