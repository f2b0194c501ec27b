# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: run every area's benchmark, merge the figures, print them, and draw ours vs peers.

    python benchmarks/run.py [--only NAME ...] [--skip-site] [--no-chart]

Each ``benchmarks/bench_<area>.py --out FILE`` writes
``{"metric": {"value": x, "unit": "...", "peer": y_or_null, "target": "...", "note": "..."}}``.
This script adds ``site_noop_seconds`` and ``site_noop_seconds_without_pair`` (the median wall time of
``ansible-playbook -i inventories/lab site.yml`` no-op runs when the lab is up, with and without the
HAProxy pair), writes everything to ``benchmarks/results.json``,
prints a table, and renders ``benchmarks/results.png``: ours vs the peer for every metric counted
in requests and every metric measured in seconds (matplotlib, a bench-only dependency).

A benchmark that fails is reported and left out; the others still count. Exit status 1 then.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import signal
import socket
import subprocess
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results.json")
CHART = os.path.join(HERE, "results.png")
# Each benchmark is meant to stay under 3 minutes; the cap leaves room for a loaded machine.
BENCH_TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "600"))
REQUEST_UNITS = ("requests", "request", "calls", "api calls")
SECOND_UNITS = ("s", "sec", "second", "seconds")


def say(message):
    sys.stdout.write("bench: %s\n" % message)
    sys.stdout.flush()


def run_benchmark(script):
    """Run one bench_*.py; return (metrics dict, error string or None)."""
    handle, out = tempfile.mkstemp(prefix="bench-", suffix=".json")
    os.close(handle)
    started = time.monotonic()
    try:
        # Its own session, so that a benchmark over time is stopped with everything it started.
        process = subprocess.Popen([sys.executable, script, "--out", out], cwd=REPO, start_new_session=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output = process.communicate(timeout=BENCH_TIMEOUT)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            process.communicate()
            raise
        if process.returncode != 0:
            return {}, "exit %d: %s" % (process.returncode, output.strip()[-800:])
        with open(out) as stream:
            metrics = json.load(stream)
        if not isinstance(metrics, dict):
            return {}, "wrote %s, not a JSON object" % type(metrics).__name__
        return metrics, None
    except subprocess.TimeoutExpired:
        return {}, "did not finish in %d s" % BENCH_TIMEOUT
    except (OSError, ValueError) as error:
        return {}, "unreadable result: %s" % error
    finally:
        say("%s took %.1f s" % (os.path.basename(script), time.monotonic() - started))
        os.unlink(out)


def lab_is_up():
    """The lab's parts answer: lb01's front end (or a worker node) and both emulators."""
    def open_(address, port):
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return True
        except OSError:
            return False
    return open_("127.0.1.11", 443) and open_("127.0.0.1", 18443) and open_("127.0.0.1", 16443)


def site_noop_seconds(no_op_runs=3):
    """Wall times of site.yml no-op runs on the lab (a first run converges whatever is not yet): the whole HA
    lab, and the same without the HAProxy pair (the lab as it was when issue 16 set the target)."""
    sys.path.insert(0, os.path.join(REPO, "tests", "lab"))
    import lab  # pylint: disable=import-outside-toplevel,import-error
    env = lab.lab_environment()
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if not os.path.exists(playbook):
        playbook = "ansible-playbook"
    command = [playbook, "-i", "inventories/lab", "site.yml"]

    def timed(attempt, extra=()):
        say("site.yml on the lab (%s run)" % attempt)
        started = time.monotonic()
        result = subprocess.run(command + list(extra), cwd=REPO, env=env, check=False, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=1800)
        seconds = time.monotonic() - started
        if result.returncode != 0:
            raise RuntimeError("site.yml failed (%s run): %s" % (attempt, result.stdout[-1500:]))
        recap = result.stdout[result.stdout.rfind("PLAY RECAP"):]
        return seconds, [part for part in recap.split() if part.startswith("changed=") and part != "changed=0"]

    first, _changed = timed("converge")
    results = {}
    for name, extra, what in (
        ("site_noop_seconds", (), "the whole HA lab: lb01, the HAProxy pair (rolled one host at a time), the BIG-IP "
                                  "pair, two clusters"),
        ("site_noop_seconds_without_pair", ("--limit", "!haproxy_pair"), "the lab without the HAProxy pair (lb01, "
                                                                         "the BIG-IP pair, two clusters)"),
    ):
        runs = [timed("no-op%s" % (" " + " ".join(extra) if extra else ""), extra) for _run in range(no_op_runs)]
        changed = sorted({part for _seconds, parts in runs for part in parts})
        results[name] = {
            "value": round(statistics.median(seconds for seconds, _parts in runs), 2),
            "unit": "s",
            "peer": None,
            "target": "< 20 s, changed=0",
            "note": "`ansible-playbook -i inventories/lab site.yml%s` no-op, median of %d runs (%s s) after a converge "
                    "run (%.1f s); %s%s" % (
                        "".join(" " + part for part in extra), no_op_runs,
                        ", ".join("%.1f" % seconds for seconds, _parts in runs), first, what,
                        "; NOT a no-op: %s" % " ".join(changed) if changed else "; changed=0"),
        }
    return results


def print_table(results):
    rows = [("metric", "value", "unit", "peer", "target")]
    for name in sorted(results):
        entry = results[name]
        rows.append((name, fmt(entry.get("value")), str(entry.get("unit", "")), fmt(entry.get("peer")),
                     str(entry.get("target") or "")))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "%.3g" % value if abs(value) < 1000 else "%.0f" % value
    return str(value)


def chart_groups(results):
    """(title, unit label, [(metric, ours, peer)]) for the request-count and wall-time comparisons."""
    groups = [("Requests per run (fewer is better)", "requests", []),
              ("Wall time (less is better)", "seconds", [])]
    for name in sorted(results):
        entry = results[name]
        ours, peer = entry.get("value"), entry.get("peer")
        if not isinstance(ours, (int, float)) or not isinstance(peer, (int, float)):
            continue
        unit = str(entry.get("unit", "")).strip().lower()
        if unit in REQUEST_UNITS:
            groups[0][2].append((name, ours, peer))
        elif unit in SECOND_UNITS:
            groups[1][2].append((name, ours, peer))
        elif unit == "ms":
            groups[1][2].append((name, ours / 1000.0, peer / 1000.0))
    return [group for group in groups if group[2]]


def render_chart(results, path):
    groups = chart_groups(results)
    if not groups:
        say("chart skipped: no metric has both our value and a peer value in requests or seconds")
        return False
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    except ImportError:
        say("chart skipped: matplotlib is not installed (requirements/dev.txt, `make setup`)")
        return False
    height = 0.4 + sum(1.2 + 0.45 * len(items) for _title, _unit, items in groups)
    figure, axes = plt.subplots(len(groups), 1, figsize=(8, max(3.0, height)), squeeze=False)
    for axis, (title, unit, items) in zip(axes[:, 0], groups):
        labels = [name for name, _ours, _peer in items]
        positions = list(range(len(items)))
        axis.barh([p + 0.2 for p in positions], [peer for _n, _o, peer in items], height=0.4,
                  color="#b0b0b0", label="peer")
        axis.barh([p - 0.2 for p in positions], [ours for _n, ours, _p in items], height=0.4,
                  color="#1f6fb2", label="kube_edge.lb")
        for position, (_name, ours, peer) in zip(positions, items):
            axis.text(ours, position - 0.2, " %s" % fmt(ours), va="center", fontsize=7)
            axis.text(peer, position + 0.2, " %s" % fmt(peer), va="center", fontsize=7)
        axis.set_yticks(positions)
        axis.set_yticklabels(labels, fontsize=8)
        axis.invert_yaxis()
        axis.set_xlabel(unit)
        axis.set_title(title, fontsize=10)
        axis.margins(x=0.15)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles[::-1], labels[::-1], loc="upper center", ncol=2, fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, 0, 1, 0.94))
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the benchmarks and merge their results.")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only bench_NAME.py (repeatable)")
    parser.add_argument("--skip-site", action="store_true", help="do not time site.yml on the lab")
    parser.add_argument("--no-chart", action="store_true")
    parser.add_argument("--results", default=RESULTS, help="where to write the merged JSON")
    parser.add_argument("--chart", default=CHART, help="where to write the PNG chart")
    args = parser.parse_args(argv)

    scripts = sorted(glob.glob(os.path.join(HERE, "bench_*.py")))
    if args.only:
        scripts = [script for script in scripts if os.path.basename(script)[6:-3] in args.only]
    results, failures = {}, []
    if args.only and os.path.exists(args.results):
        # A partial run refreshes its own metrics and keeps the others' last figures.
        with open(args.results) as stream:
            results = json.load(stream)
    for script in scripts:
        say("running %s" % os.path.relpath(script, REPO))
        metrics, error = run_benchmark(script)
        if error:
            failures.append("%s: %s" % (os.path.basename(script), error))
            say("FAILED %s: %s" % (os.path.basename(script), error))
        for name, entry in metrics.items():
            if name in results and not args.only:
                failures.append("%s: metric %s is also written by another benchmark" % (os.path.basename(script), name))
            results[name] = entry

    if args.skip_site:
        say("site_noop_seconds skipped (--skip-site)")
    elif not lab_is_up():
        say("site_noop_seconds skipped: the lab is not up (`make lab-up` or `make run` first)")
    else:
        try:
            results.update(site_noop_seconds())
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as error:
            failures.append("site_noop_seconds: %s" % error)
            say("FAILED site_noop_seconds: %s" % error)

    with open(args.results, "w") as stream:
        json.dump(results, stream, indent=2, sort_keys=True)
        stream.write("\n")
    say("wrote %s (%d metrics)" % (os.path.relpath(args.results, REPO), len(results)))
    print_table(results)
    if not args.no_chart and render_chart(results, args.chart):
        say("wrote %s" % os.path.relpath(args.chart, REPO))
    if failures:
        say("%d failure(s):\n  %s" % (len(failures), "\n  ".join(failures)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
