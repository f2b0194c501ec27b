#!/usr/bin/env bash
# Build .venv from the pinned files and stage the collections the tests use.
# Picks the newest interpreter present (3.13, 3.12, then 3.11); a rerun with unchanged pins is a no-op.
set -euo pipefail
# This host's pip config names local indexes that may be absent; pip warns for each package.
quiet_pip() { "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2); }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# The Makefile puts .venv/bin first on PATH; the interpreter must come from outside the venv we rebuild.
PATH=$(tr ':' '\n' <<<"$PATH" | grep -vxF "$root/.venv/bin" | paste -sd:)

find_python() {
  local v cand
  for v in 3.13 3.12 3.11; do
    # pyenv shims answer for versions that are installed but not selected, so try the real binaries too.
    for cand in "python$v" $(printf '%s\n' "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v"*/bin/python"$v" | sort -rV) "/usr/bin/python$v"; do
      if "$cand" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        command -v "$cand" 2>/dev/null || echo "$cand"
        return 0
      fi
    done
  done
  return 1
}

python=$(find_python) || { echo "setup: no python3.13, 3.12 or 3.11 with venv found" >&2; exit 1; }
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$pyver" in
  3.11) constraints=requirements/constraints-py311.txt ;;   # ansible-core 2.19 is the newest for 3.11
  *) constraints=requirements/constraints-py313.txt ;;      # ansible-core 2.21 on 3.12+
esac

stamp=$(cat requirements/dev.txt requirements/runtime.txt "$constraints" | sha256sum | cut -c1-16)-$pyver
if [ "$(cat .venv/.kube-edge-stamp 2>/dev/null)" != "$stamp" ]; then
  echo "setup: building .venv with $python (Python $pyver, $constraints)"
  rm -rf .venv
  "$python" -m venv .venv
  quiet_pip .venv/bin/python -m pip install -q --upgrade pip
  quiet_pip .venv/bin/python -m pip install -q -r requirements/dev.txt -c "$constraints"
  echo "$stamp" > .venv/.kube-edge-stamp
else
  echo "setup: .venv is up to date (Python $pyver)"
fi

# The collection itself, resolvable by FQCN without writing to $HOME: .cache/collections is in ansible.cfg.
mkdir -p .cache/collections/ansible_collections/kube_edge
ln -sfn ../../../.. .cache/collections/ansible_collections/kube_edge/lb

# Collections the tests need come from the PyPI `ansible` bundle (Galaxy is unreachable); only these four.
bundle=$(grep -E '^ansible==' "$constraints" | cut -d= -f3)
marker=.cache/collections/.bundle-$bundle
if [ ! -f "$marker" ]; then
  echo "setup: extracting test collections from the ansible $bundle bundle"
  quiet_pip .venv/bin/python -m pip download -q --no-deps -d .cache/wheels "ansible==$bundle"
  .venv/bin/python scripts/extract-collections.py ".cache/wheels/ansible-$bundle-py3-none-any.whl" .cache/collections \
    containers.podman kubernetes.core f5networks.f5_modules community.crypto
  touch "$marker"
fi

# ansible-test bootstraps pip in its venvs from a script it downloads from a host we cannot reach;
# this stand-in does the same with ensurepip + pip from the package index.
getpip=$(.venv/bin/python - <<'PY'
import types
from ansible_test._internal.python_requirements import get_venv_packages
for version in ("3.13", "3.12", "3.11"):
    print(get_venv_packages(types.SimpleNamespace(version=version))["pip"].replace(".", "_"))
PY
)
mkdir -p "$HOME/.ansible/test/cache"
for v in $(echo "$getpip" | sort -u); do
  cp scripts/get_pip_standin.py "$HOME/.ansible/test/cache/get_pip_$v.py"
done
echo "setup: done (ansible-core $(.venv/bin/python -c 'import ansible.release; print(ansible.release.__version__)'))"
