#!/usr/bin/env bash
# Print the per-stage timings of `make test` and a closing count line.
log=${KUBE_EDGE_STAGES:-.cache/stages.tsv}
[ -f "$log" ] || exit 0
printf '\n%-28s %-7s %8s\n' stage result seconds
awk -F'\t' '{ printf "%-28s %-7s %8s\n", $1, $2, $3; total += $3 }
  END { printf "%-28s %-7s %8s\n", "total", "", total }' "$log"
passed=$(grep -c $'\tpassed\t' "$log")
failed=$(grep -c $'\tfailed\t' "$log")
printf '\nstages: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
