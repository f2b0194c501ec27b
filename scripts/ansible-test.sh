#!/usr/bin/env bash
# Run ansible-test on a staged copy at .cache/ansible-test/<pid>/ansible_collections/kube_edge/lb
# (ansible-test only runs below an ansible_collections/<ns>/<name> path), in --venv mode with the
# .venv's Python (or $KUBE_EDGE_TEST_VENV's: scripts/test-matrix.sh runs other ansible-core versions).
# Each run has its own stage, so parallel runs do not remove each other's files.
# Usage: scripts/ansible-test.sh sanity [--test NAME] [paths...] | scripts/ansible-test.sh units
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base="$root/.cache/ansible-test/$$"
stage="$base/ansible_collections/kube_edge/lb"
trap 'rm -rf "$base"' EXIT
mkdir -p "$stage"
# Exactly the files git would ship: tracked plus untracked-but-not-ignored.
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$stage" -xf -
# The stage sits inside this checkout, so give it a repository of its own: otherwise ansible-test
# asks the outer one for the file list and finds no targets.
git -C "$stage" init -q && git -C "$stage" add -A
venv=${KUBE_EDGE_TEST_VENV:-$root/.venv}
python=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$stage"
"$venv/bin/ansible-test" "$@" --venv --python "$python" --color no
