#!/usr/bin/env bash
# Support matrix: ansible-test sanity (sampled) and units on every claimed ansible-core besides the
# .venv's own, each in its own venv .cache/matrix/<version>/ with the pin and Python of
# requirements/ansible-core-matrix.txt. The full sanity suite runs on the .venv's ansible-core (make
# sanity); here only the tests whose verdict depends on the ansible-core or Python version run
# (MATRIX_SANITY). ansible-lint and molecule pin their own ansible-core, so these venvs hold
# ansible-core alone (ansible-test installs its test requirements itself).
# Usage: scripts/test-matrix.sh [2.16 2.18 ...]   (default: every version of the file)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
MATRIX_SANITY=${MATRIX_SANITY:-"compile import validate-modules pylint ansible-doc"}
wanted=" $* "

find_python() {  # a working python3.X: pyenv's, or from PATH (a pyenv shim there may not run)
  for candidate in "$HOME"/.pyenv/versions/"$1".*/bin/"python$1" "$(command -v "python$1" || true)"; do
    [ -x "$candidate" ] && "$candidate" -c '' 2>/dev/null && { echo "$candidate"; return; }
  done
  return 1
}

status=0
while read -r pin python; do
  case "$pin" in ''|'#'*) continue ;; esac
  version=${pin#ansible-core==}
  minor=${version%.*}
  [ -n "${*:-}" ] && [[ "$wanted" != *" $minor "* ]] && continue
  venv=.cache/matrix/$minor
  interpreter=$(find_python "$python") || { echo "matrix: ansible-core $minor needs python$python, not found" >&2; status=1; continue; }
  if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$pin $python" ]; then
    echo "matrix: building $venv ($pin, Python $python)"
    rm -rf "$venv"
    "$interpreter" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$pin"
    echo "$pin $python" > "$venv/.stamp"
  fi
  # ansible-test bootstraps pip in its venvs from a script it downloads from a host we cannot
  # reach; scripts/setup-venv.sh installs the same stand-in for the .venv's ansible-test.
  getpip=$("$venv/bin/python" -c 'import types; from ansible_test._internal.python_requirements import get_venv_packages; print(get_venv_packages(types.SimpleNamespace(version="'"$python"'"))["pip"].replace(".", "_"))')
  mkdir -p "$HOME/.ansible/test/cache"
  cp scripts/get_pip_standin.py "$HOME/.ansible/test/cache/get_pip_$getpip.py"
  tests=()
  for test in $MATRIX_SANITY; do tests+=(--test "$test"); done
  for stage in sanity units; do
    start=$(date +%s)
    if [ "$stage" = sanity ]; then
      args=(sanity --requirements "${tests[@]}")
    else
      args=(units --requirements)
    fi
    if KUBE_EDGE_TEST_VENV="$root/$venv" scripts/ansible-test.sh "${args[@]}"; then
      result=passed
    else
      result=failed status=1
    fi
    echo "matrix: ansible-core $version (Python $python) $stage $result in $(( $(date +%s) - start )) s"
  done
done < requirements/ansible-core-matrix.txt
exit $status
