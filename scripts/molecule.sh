#!/usr/bin/env bash
# Run molecule with the project's environment: the venv, the staged collections, podman settings and
# the systemd image (built on first use). Usage: scripts/molecule.sh test -s smoke
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export CONTAINERS_CONF="$root/.config/containers/containers.conf"
export ANSIBLE_COLLECTIONS_PATH="$root/.cache/collections"
KUBE_EDGE_IMAGE=$(scripts/build-image.sh | tail -1)
export KUBE_EDGE_IMAGE
exec molecule "$@"
