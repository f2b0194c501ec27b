# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzzing: cases run, tracebacks found, injections that reached the HAProxy config.

    python benchmarks/bench_fuzz.py --out FILE                       # make bench
    python benchmarks/bench_fuzz.py --run [--examples N] [--write benchmarks/fuzz.json]   # make fuzz

``--run`` runs the two property tests with N Hypothesis cases each, randomized:
tests/unit/plugins/modules/test_fuzz_argspecs.py (every module's argument spec through main(),
against the emulators) and the haproxy role's input test (tests/unit/**/test_role_input*fuzz*.py:
hostile strings in every role variable, rendered config checked), and writes their merged counts.
``--out`` reports the figures of benchmarks/fuzz.json when ``make fuzz`` wrote it for the commit
checked out (and nothing under plugins/ or tests/ differs from it), else runs a bounded fuzz (the
tests' own default case count) first.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FUZZ_JSON = os.path.join(HERE, "fuzz.json")
MODULE_TEST = "tests/unit/plugins/modules/test_fuzz_argspecs.py"
ROLE_INPUT_TESTS = "tests/unit/**/test_role_input*fuzz*.py"


def run_pytest(paths, examples, report):
    """Run pytest on ``paths`` with the fuzz environment; returns pytest's exit status."""
    env = dict(os.environ, KUBE_EDGE_FUZZ_REPORT=report,
               PYTHONPATH=os.pathsep.join(filter(None, [os.path.join(REPO, ".cache", "collections"),
                                                        os.environ.get("PYTHONPATH")])))
    if examples:
        env["KUBE_EDGE_FUZZ_EXAMPLES"] = str(examples)
    else:
        env.pop("KUBE_EDGE_FUZZ_EXAMPLES", None)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-W", "default"] + paths
    return subprocess.run(command, cwd=REPO, env=env, check=False).returncode


def read(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def source_state():
    """The commit checked out, or None when plugins/ or tests/ have changes not committed (or no git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "plugins", "tests"], cwd=REPO, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return None if dirty else head


def run(examples):
    """Both fuzz tests; the merged record (also when a test failed: the counts say why)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        modules_report = os.path.join(scratch, "modules.json")
        role_report = os.path.join(scratch, "role_input.json")
        modules_status = run_pytest([MODULE_TEST], examples, modules_report)
        role_tests = sorted(os.path.relpath(path, REPO) for path in glob.glob(os.path.join(REPO, ROLE_INPUT_TESTS), recursive=True))
        role_status = run_pytest(role_tests, examples, role_report) if role_tests else None
        modules, role = read(modules_report), read(role_report)
    record = {
        "fuzz_cases": modules.get("fuzz_cases", 0) + role.get("role_input_cases", 0),
        "fuzz_tracebacks": modules.get("fuzz_tracebacks"),
        "fuzz_core_tracebacks": modules.get("fuzz_core_tracebacks"),
        "injections_reaching_config": role.get("injections_reaching_config"),
        "module_cases": modules.get("fuzz_cases", 0),
        "module_cases_past_argspec": modules.get("fuzz_past_argspec", 0),
        "role_input_cases": role.get("role_input_cases", 0),
        "examples_per_test": examples or "default",
        "seconds": round(time.monotonic() - started, 1),
        "commit": source_state(),
        "exit_status": {"modules": modules_status, "role_input": role_status},
        "role_input_tests": role_tests,
        "modules": modules.get("modules", {}),
    }
    return record


def figures(record):
    source = "make fuzz, %s cases per test, %s s" % (record.get("examples_per_test"), record.get("seconds"))
    per_module = ", ".join("%s %d" % (name, entry.get("cases", 0)) for name, entry in sorted(record.get("modules", {}).items()))
    return {
        "fuzz_cases": {"value": record.get("fuzz_cases"), "unit": "cases", "peer": None, "target": ">= 10000",
                       "note": "%d module cases (%d past the argument spec: %s) + %d role-input cases; %s"
                               % (record.get("module_cases", 0), record.get("module_cases_past_argspec", 0), per_module,
                                  record.get("role_input_cases", 0), source)},
        "fuzz_tracebacks": {"value": record.get("fuzz_tracebacks"), "unit": "cases", "peer": None, "target": "0",
                            "note": "cases of any module ending in a traceback or the unexpected-error path "
                                    "(plus %s inside ansible-core's own argument validation, counted apart)"
                                    % record.get("fuzz_core_tracebacks")},
        "injections_reaching_config": {"value": record.get("injections_reaching_config"), "unit": "cases", "peer": None,
                                       "target": "0", "note": "hostile role values that reached haproxy.cfg as "
                                                              "anything but the intended token (%s)"
                                                              % ", ".join(record.get("role_input_tests") or ["no role-input test found"])},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--out", help="write the benchmark figures here (make bench)")
    parser.add_argument("--run", action="store_true", help="run the fuzz tests now (make fuzz)")
    parser.add_argument("--examples", type=int, help="Hypothesis cases per test (default: the tests' own)")
    parser.add_argument("--write", default=FUZZ_JSON, help="where --run writes its record (default benchmarks/fuzz.json)")
    args = parser.parse_args()
    if args.run:
        record = run(args.examples)
        with open(args.write, "w") as handle:
            json.dump(record, handle, indent=2, sort_keys=True)
            handle.write("\n")
    else:
        record = read(FUZZ_JSON)
        state = source_state()
        if not record or state is None or record.get("commit") != state:
            record = run(args.examples)  # no make fuzz record for this code: a bounded run
    results = figures(record)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=2)
    print(json.dumps(results, indent=2))
    failed = record.get("fuzz_tracebacks") or record.get("injections_reaching_config") or any(
        status not in (0, None) for status in record.get("exit_status", {}).values())
    return 1 if args.run and failed else 0


if __name__ == "__main__":
    sys.exit(main())
