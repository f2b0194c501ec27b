#!/usr/bin/env bash
# Run one gate of `make test`, time it, and record the result for the closing summary.
# Usage: scripts/stage.sh NAME command [args...]
set -uo pipefail
name=$1; shift
log=${KUBE_EDGE_STAGES:-.cache/stages.tsv}
mkdir -p "$(dirname "$log")"
printf '\n===== %s: %s\n' "$name" "$*"
start=$(date +%s)
"$@"
rc=$?
seconds=$(( $(date +%s) - start ))
if [ $rc -eq 0 ]; then result=passed; else result=failed; fi
printf '%s\t%s\t%s\n' "$name" "$result" "$seconds" >> "$log"
printf '===== %s %s in %ss\n' "$name" "$result" "$seconds"
exit $rc
