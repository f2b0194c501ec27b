#!/usr/bin/env bash
# Run ansible-test on a staged copy at .cache/ansible-test/ansible_collections/kube_edge/lb (ansible-test
# only runs below an ansible_collections/<ns>/<name> path), in --venv mode with the .venv's Python.
# Usage: scripts/ansible-test.sh sanity [--test NAME] [paths...] | scripts/ansible-test.sh units
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage="$root/.cache/ansible-test/ansible_collections/kube_edge/lb"
rm -rf "$stage"
mkdir -p "$stage"
# Exactly the files git would ship: tracked plus untracked-but-not-ignored.
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$stage" -xf -
python=$("$root/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$stage"
exec "$root/.venv/bin/ansible-test" "$@" --venv --python "$python" --color no
