#!/usr/bin/env bash
# Build the collection tarball, check it holds only what users need, install it somewhere else and
# list its plugins from there: what a user who installs the release gets.
# Writes .cache/build/build.json ({"bytes", "files", "tarball"}; benchmarks/bench_build.py reads it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^version: *//p' "$root/galaxy.yml")
mkdir -p "$root/.cache/build"
ansible-galaxy collection build --force --output-path "$root/.cache/build" "$root"
tarball="$root/.cache/build/kube_edge-lb-$version.tar.gz"

# What galaxy.yml's build_ignore must keep out: the test bed, the lab, benchmarks, developer tooling.
files=$(tar -tzf "$tarball" | grep -v '/$')
forbidden='^(tests|molecule|benchmarks|scripts|requirements|collections|inventories/lab|\.ci|\.config|\.cache|\.venv|changelogs/fragments)(/|$)|^(Makefile|ansible\.cfg|execution-environment\.yml|site\.yml|ruff\.toml|pyproject\.toml|mypy\.ini|tox\.ini|noxfile\.py|\.[^/]*)$'
if leaked=$(grep -E "$forbidden" <<<"$files"); then
  echo "build: the tarball ships development files (extend galaxy.yml build_ignore):" >&2
  echo "$leaked" >&2
  exit 1
fi
for needed in README.md LICENSE MANIFEST.json FILES.json meta/runtime.yml changelogs/changelog.yaml; do
  grep -qx "$needed" <<<"$files" || { echo "build: $needed missing from the tarball" >&2; exit 1; }
done
if [ -f "$root/CHANGELOG.rst" ]; then
  grep -qx CHANGELOG.rst <<<"$files" || { echo "build: CHANGELOG.rst missing from the tarball" >&2; exit 1; }
fi
count=$(wc -l <<<"$files")
bytes=$(stat -c %s "$tarball")
printf '{"tarball": "%s", "bytes": %d, "files": %d}\n' "$(basename "$tarball")" "$bytes" "$count" >"$root/.cache/build/build.json"

elsewhere=$(mktemp -d)
trap 'rm -rf "$elsewhere"' EXIT
cd "$elsewhere"
unset ANSIBLE_CONFIG
export ANSIBLE_COLLECTIONS_PATH="$elsewhere"
ansible-galaxy collection install --offline --no-deps -p "$elsewhere" "$tarball" >/dev/null
listed=$(ansible-doc -l kube_edge.lb)
echo "$listed"
# Every module in the tree must be listed by the installed copy.
for module in "$root"/plugins/modules/*.py; do
  name=kube_edge.lb.$(basename "$module" .py)
  grep -q "^$name " <<<"$listed" || { echo "build: $name missing from the installed tarball" >&2; exit 1; }
done
echo "build: $(basename "$tarball") ($bytes bytes, $count files) installs and lists $(wc -l <<<"$listed") modules"
