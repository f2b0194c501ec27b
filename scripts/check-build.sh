#!/usr/bin/env bash
# Build the collection tarball, install it somewhere else, and list its plugins from there:
# what a user who installs the release gets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^version: *//p' "$root/galaxy.yml")
mkdir -p "$root/.cache/build"
ansible-galaxy collection build --force --output-path "$root/.cache/build" "$root"
tarball="$root/.cache/build/kube_edge-lb-$version.tar.gz"
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
echo "build: $(basename "$tarball") installs and lists $(wc -l <<<"$listed") modules"
