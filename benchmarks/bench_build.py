# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection tarball a user downloads: its size and file count.

    python benchmarks/bench_build.py --out FILE

Runs scripts/check-build.sh (build, content check, install elsewhere) and reports the figures it
records in .cache/build/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORD = os.path.join(REPO, ".cache", "build", "build.json")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    subprocess.run([os.path.join(REPO, "scripts", "check-build.sh")], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    with open(RECORD) as handle:
        record = json.load(handle)
    note = "%s: plugins, roles, playbooks, meta, docs, example inventory; no tests, lab, benchmarks or dev tooling" % record["tarball"]
    results = {
        "collection_tarball_bytes": {"value": record["bytes"], "unit": "bytes", "peer": None,
                                     "target": "only what users need (scripts/check-build.sh)", "note": note},
        "collection_tarball_files": {"value": record["files"], "unit": "files", "peer": None,
                                     "target": "no tests/, molecule/, benchmarks/, inventories/lab/", "note": note},
    }
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
