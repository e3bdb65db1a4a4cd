#!/usr/bin/env bash
# bench/idle-log.sh: how fast the controller's replicated log grows while nothing changes. Starts a
# local cluster (six nodes in three zones, a controller, an agent) in a directory of its own, lets
# it settle, then reads cairn_controller_raft_applied_index from the controller's /metrics twice,
# a window apart; with --volume, a volume is created and attached first. Stops the cluster at the
# end (its directory is removed unless --dir named it).
#
#   bench/idle-log.sh [--window SECONDS] [--settle SECONDS] [--volume] [--dir DIR]
#
# Prints the two indexes and, as its last line, "idle log entries per minute: X" (the goal: at
# most 2; every unchanged heartbeat logged, as before liveness left the log, was about 170).
set -euo pipefail

window=60
settle=20
volume=no
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --window) window="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    --volume) volume=yes; shift ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "idle-log: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
keep=yes
if [ -z "$dir" ]; then
  dir="$(mktemp -d)"
  keep=no
fi
cleanup() {
  "$cairn" cluster down --dir "$dir" >/dev/null 2>&1 || true
  if [ "$keep" = no ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

"$cairn" cluster up --dir "$dir" >"$dir.up.log" 2>&1 || { cat "$dir.up.log" >&2; exit 1; }
rm -f "$dir.up.log"
# shellcheck disable=SC1091
source "$dir/env"
if [ "$volume" = yes ]; then
  "$cairn" volume create idle --size 256MiB --class zone-3 >/dev/null
  host="$("$cairn" cluster agents -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["host"])')"
  "$cairn" volume attach idle --host "$host" >/dev/null
fi
metrics="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"])' "$dir/controller/ready.json")"
applied() {
  curl -sf "$metrics" | awk '/^cairn_controller_raft_applied_index/ { printf "%d\n", $2 }'
}

sleep "$settle"
first="$(applied)"
sleep "$window"
second="$(applied)"
echo "applied index $first, $window s later $second"
python3 -c "import sys; print('idle log entries per minute: %.1f' % ((int(sys.argv[2]) - int(sys.argv[1])) * 60 / int(sys.argv[3])))" \
  "$first" "$second" "$window"
