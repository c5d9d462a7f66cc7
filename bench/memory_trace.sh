#!/usr/bin/env bash
# Samples the resident memory of one alsel select run every 5 seconds:
#
#   bench/memory_trace.sh MODEL POOL [alsel select flags...]
#
# Prints "seconds VmHWM VmRSS RssAnon RssFile" (kB) per sample, so one sees whether memory grows
# with the lines read or settles (docs/performance.md, "Memory").
set -euo pipefail
ALSEL=${ALSEL:-$(dirname "$0")/../build/alsel}
model=$1
pool=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$ALSEL" select -m "$model" -p "$pool" -o "$out" --no-manifest -q "$@" &
pid=$!
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  fields=$(awk '/^(VmHWM|VmRSS|RssAnon|RssFile):/ {printf " %s", $2}' "/proc/$pid/status" 2>/dev/null || true)
  [[ -n "$fields" ]] && echo "$(($(date +%s) - start))$fields"
  sleep 5
done
wait "$pid"
