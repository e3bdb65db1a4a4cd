#!/usr/bin/env bash
# bench/cli-startup.sh: how long a CLI call takes, against the same REST call made by curl. Starts
# a local cluster in a directory of its own (or uses the one --dir names), creates three volumes,
# then times, over several runs each (after one warm-up run, which also writes the CLI's class
# cache if a build made it stale):
#   cairn --help             (served by the CLI's resident JVM, as every call after a first)
#   cairn volume list        (the same, against the running controller)
#   cairn --help, cairn volume list with CAIRN_NO_RESIDENT=1 (each call a JVM of its own)
#   cairn volume list as a first call (no resident JVM running: a JVM of its own, which starts one)
#   curl .../v1/volumes      (the same call, with the same token)
# and prints the median, fastest and slowest of each in milliseconds of wall time. The resident
# JVM lives in a directory of the benchmark's own and is stopped at the end, as is the cluster
# unless --dir named it.
#
#   bench/cli-startup.sh [--runs N] [--dir DIR]
#
# The last lines are "own JVM/curl volume list ratio: X" and "cli/curl volume list ratio: X" (the
# call as a user makes it after a first; the goal: at most 10, the aim 5).
set -euo pipefail

runs=15
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "cli-startup: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$runs" in ''|*[!0-9]*) echo "cli-startup: --runs takes a number" >&2; exit 2 ;; esac
[ "$runs" -ge 1 ] || { echo "cli-startup: --runs must be at least 1" >&2; exit 2; }
command -v curl >/dev/null || { echo "cli-startup: curl is needed" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
own=no
if [ -z "$dir" ]; then
  dir="$(mktemp -d)"
  own=yes
fi
export CAIRN_RESIDENT_DIR="$dir.resident"
cleanup() {
  # The resident JVM leaves within a second once its pipe is gone.
  "$cairn" resident stop >/dev/null 2>&1 || true
  rm -rf "$CAIRN_RESIDENT_DIR"
  if [ "$own" = yes ]; then
    "$cairn" cluster down --dir "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
}
trap cleanup EXIT

if [ "$own" = yes ]; then
  "$cairn" cluster up --dir "$dir" >"$dir.up.log" 2>&1 || { cat "$dir.up.log" >&2; rm -f "$dir.up.log"; exit 1; }
  rm -f "$dir.up.log"
fi
# shellcheck disable=SC1091
source "$dir/env"
if [ "$own" = yes ]; then
  for v in bench-a bench-b bench-c; do
    "$cairn" volume create "$v" --size 64MiB --class zone-3 >/dev/null
  done
fi
token="$(cat "$CAIRN_TOKEN_FILE")"

# Milliseconds of wall time of one run of "$@", its output dropped; fails if the command fails.
millis() {
  local start end
  start="$(date +%s%N)"
  "$@" >/dev/null 2>&1 || { echo "cli-startup: failed: $*" >&2; exit 1; }
  end="$(date +%s%N)"
  echo $(((end - start) / 1000000))
}

# Runs "$@" once to warm up, then $runs times; prints "median min max".
# $setup, if set, runs before each run, untimed.
measure() {
  local times=() i
  ${setup:-true}
  millis "$@" >/dev/null
  for ((i = 0; i < runs; i++)); do
    ${setup:-true}
    times+=("$(millis "$@")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "%d %d %d\n", t[int((NR + 1) / 2)], t[1], t[NR] }'
}

# Waits (10 s at most) until the resident JVM is (ready) or is not (gone) running.
resident() {
  local i pid
  for ((i = 0; i < 100; i++)); do
    pid=""
    [ ! -f "$CAIRN_RESIDENT_DIR/pid" ] || read -r pid <"$CAIRN_RESIDENT_DIR/pid" || true
    if [ "$1" = ready ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then return 0; fi
    if [ "$1" = gone ] && ! pgrep -f "dev.cairn.cli.Resident $CAIRN_RESIDENT_DIR " >/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "cli-startup: the resident JVM is not $1 after 10 s" >&2
  exit 1
}

# Before each first call: no resident JVM (the one the call before started is stopped once ready).
no_resident() {
  if pgrep -f "dev.cairn.cli.Resident $CAIRN_RESIDENT_DIR " >/dev/null; then
    resident ready
    "$cairn" resident stop >/dev/null
    resident gone
  fi
}

own_help="$(CAIRN_NO_RESIDENT=1 measure "$cairn" --help)"
own_list="$(CAIRN_NO_RESIDENT=1 measure "$cairn" volume list)"
first="$(setup=no_resident measure "$cairn" volume list)"
"$cairn" volume list >/dev/null
resident ready
help="$(measure "$cairn" --help)"
list="$(measure "$cairn" volume list)"
rest="$(measure curl -sf -H "Authorization: Bearer $token" "$CAIRN_CONTROLLER/v1/volumes")"

echo "$runs runs each, wall time in ms"
printf '%-40s %8s %8s %8s\n' CASE MEDIAN MIN MAX
for row in "cairn --help (own JVM):$own_help" "cairn volume list (own JVM):$own_list" \
    "cairn volume list (first call):$first" "cairn --help:$help" "cairn volume list:$list" \
    "curl /v1/volumes:$rest"; do
  read -r median fastest slowest <<<"${row#*:}"
  printf '%-40s %8d %8d %8d\n' "${row%%:*}" "$median" "$fastest" "$slowest"
done
awk -v own="${own_list%% *}" -v cli="${list%% *}" -v curl="${rest%% *}" 'BEGIN {
  if (curl < 1) curl = 1
  printf "own JVM/curl volume list ratio: %.1f\n", own / curl
  printf "cli/curl volume list ratio: %.1f\n", cli / curl
}'
