#!/usr/bin/env bash
# bench/repair.sh: how fast a lost leg is rebuilt, what it costs the client, and whether a throttle
# holds. In one run, on one machine:
#   1. a 3-leg volume (zones a, b, c) of --size GiB is attached to an agent and filled with data;
#   2. the client's 4k random-read p99 latency is measured (fio, nbd engine, a steady 1000 IOPS at
#      queue depth 1: a client going about its business, not one competing for the CPU);
#   3. node a is killed; once it is marked offline (5 s) and after the class's 2 s repair timeout
#      the controller places a new leg on
#      node a2 (zone a) and the agent copies every region into it, unthrottled; the full-sync
#      throughput is timed from the first copied byte to the leg in sync, while fio measures the
#      random-read p99 again;
#   4. nbdcopy copies the source node's whole leg extent (the volume's bytes and the leg header)
#      into an extent of the same size on the same destination node (a scratch volume's leg
#      placed there), same run;
#   5. with --throttle SIZE, the controller is restarted with --repair-bandwidth SIZE and a fourth
#      leg is added (zone d): its sync rate is printed against the limit.
#
#   bench/repair.sh [--size GIB] [--throttle SIZE] [--dir DIR]
#
# The last line is "rebuild/nbdcopy ratio: X" (full-sync MB/s divided by nbdcopy's).
set -euo pipefail

size_gib=2
throttle=""
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size_gib="$2"; shift 2 ;;
    --throttle) throttle="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "repair: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
for tool in fio nbdcopy python3 curl; do
  command -v "$tool" >/dev/null || { echo "repair: $tool is missing" >&2; exit 1; }
done

if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-repair.XXXXXX")"; fi
mkdir -p "$dir"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${CAIRN_BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
until_true() { # seconds command...
  local tries=$(($1 * 20)); shift
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "repair: timed out waiting for: $*" >&2; exit 1
}
now() { python3 -c 'import time; print(time.monotonic())'; }

"$cairn" --version >/dev/null # builds once, before anything is timed
export CAIRN_NO_BUILD=1
rest=$(free_port); raft=$(free_port)
url="http://127.0.0.1:$rest"
start_controller() { # extra args...
  "$cairn" controller --data "$dir/ctl" --listen "127.0.0.1:$rest" --peers "c1=127.0.0.1:$raft" --id c1 \
      --offline-after 5s "$@" >>"$dir/controller.log" 2>&1 &
  ctl_pid=$!
  pids+=($ctl_pid)
  until_true 60 curl -sf "$url/health"
}
start_controller
export CAIRN_CONTROLLER="$url" CAIRN_TOKEN_FILE="$dir/ctl/tokens/admin.token"
node_token="$dir/ctl/tokens/node.token"
drive_size=$(( size_gib * 2 + 1 ))GiB
declare -A node_pid
start_node() { # name zone
  "$cairn" node --drive "$dir/$1.img,size=$drive_size" --label "zone=$2" --label "host=$1" \
      --nbd 127.0.0.1:0 --admin 127.0.0.1:0 --controller "$url" \
      --controller-token-file "$node_token" --heartbeat-every 1s >>"$dir/node-$1.log" 2>&1 &
  pids+=($!)
  node_pid[$1]=$!
}
start_node a a; start_node b b; start_node c c
online() { [ "$("$cairn" node list -o json | json "sum(1 for n in d if n['state']=='ONLINE')")" = "$1" ]; }
until_true 60 online 3
agent_port=$(free_port)
"$cairn" agent --host bench --nbd "127.0.0.1:$agent_port" --metrics 127.0.0.1:0 --controller "$url" \
    --controller-token-file "$node_token" --report-every 200ms --retry-every 200ms >>"$dir/agent.log" 2>&1 &
pids+=($!)
until_true 60 sh -c "\"$cairn\" cluster agents -o json | grep -q bench"

"$cairn" class create bench-3 --replicas 3 --spread-across zone --repair-timeout 2s >/dev/null
"$cairn" volume create vol --size "${size_gib}GiB" --class bench-3 >/dev/null
"$cairn" volume attach vol --host bench >/dev/null
admin_token="$dir/ctl/tokens/admin.token"
api() { curl -sf -H "Authorization: Bearer $(cat "$admin_token")" "$url$1"; }
show() { api /v1/volumes/vol; } # curl, not the CLI: polling must not cost a JVM start
json_arg() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" "${@:2}"; }
healthy() { show | json_arg 'd["health"]=="HEALTHY" and len(d["legs"])==int(sys.argv[1]) and all(l.get("sync")=="IN_SYNC" for l in d["legs"])' "$1" | grep -q True; }
until_true 120 healthy 3
vid=$(show | json 'd["id"]')
uri="nbd://127.0.0.1:$agent_port/$vid"
# Nodes a2 (zone a) and d (zone d) join only now, so the volume's legs are on a, b, c.
start_node a2 a; start_node d d
until_true 60 online 5

echo "# filling ${size_gib} GiB" >&2
fio --name=fill --ioengine=nbd --uri="$uri" --rw=write --bs=1m --iodepth=8 --size="${size_gib}G" \
    --output-format=terse >/dev/null

p99() { # seconds: 4k random-read p99 latency in microseconds, of a steady light client (1000 IOPS)
  fio --name=lat --ioengine=nbd --uri="$uri" --rw=randread --bs=4k --iodepth=1 --rate_iops=1000 \
      --size="${size_gib}G" \
      --time_based --runtime="$1" --output-format=json 2>/dev/null | sed -n '/^{/,$p' \
    | json 'round(d["jobs"][0]["read"]["clat_ns"]["percentile"]["99.000000"] / 1000)'
}
echo "# client p99 before the repair" >&2
p99_before=$(p99 5)

source_node_id=$(show | json '[l["nodeId"] for l in d["legs"] if l["nodeLabels"].get("host")=="b"][0]')

echo "# killing node a; the repair starts after the 2 s repair timeout" >&2
sync # both copies start with no dirty page cache to write back
kill -9 "${node_pid[a]}"
syncing() { show | json_arg 'any(not l["synced"] and l["nodeLabels"].get("host")=="a2" and l.get("sync")=="SYNCING" for l in d["legs"])' | grep -q True; }
until_true 120 syncing
t0=$(now)
p99 3 >"$dir/p99-during" &
p99_pid=$!
until_true 600 healthy 3
t1=$(now)
wait "$p99_pid"
p99_during=$(cat "$dir/p99-during")
bytes=$((size_gib << 30))
rebuild_mbs=$(python3 -c "print(round($bytes / ($t1 - $t0) / 1e6, 1))")

echo "# nbdcopy of the same bytes from node b's leg into an extent on node a2" >&2
a2_id=$("$cairn" node list -o json | json '[n["id"] for n in d if n["labels"].get("host")=="a2"][0]')
"$cairn" class create one-host --replicas 1 --spread-across host >/dev/null
"$cairn" volume create scratch --size "${size_gib}GiB" --class one-host >/dev/null
"$cairn" volume add-replica scratch --node "$a2_id" >/dev/null
desired() { # node id -> its desired extents, with what opens them
  curl -sf -H "Authorization: Bearer $(cat "$node_token")" "$url/v1/internal/nodes/$1/desired"
}
export_of() { # node id, extent id -> NBD URI of that extent
  local addr
  addr=$("$cairn" node show "$1" -o json | json 'd["nbdAddress"]')
  desired "$1" | json_arg '["nbd://" + sys.argv[2] + "/" + e["id"] + ";gen=" + str(e["generation"]) + ";key=" + e["secret"] for e in d["extents"] if e["id"]==sys.argv[1]][0]' "$2" "$addr"
}
src_extent=$(show | json '[l["extentId"] for l in d["legs"] if l["nodeLabels"].get("host")=="b"][0]')
dst_extent=$("$cairn" volume show scratch -o json | json_arg '[l["extentId"] for l in d["legs"] if l["nodeId"]==sys.argv[1]][0]' "$a2_id")
ready() { "$cairn" volume show scratch -o json | json_arg 'all(l["state"]=="READY" for l in d["legs"])' | grep -q True; }
until_true 60 ready
src_uri=$(export_of "$source_node_id" "$src_extent")
dst_uri=$(export_of "$a2_id" "$dst_extent")
sync
t0=$(now)
nbdcopy "$src_uri" "$dst_uri"
t1=$(now)
extent_bytes=$(show | json 'd["legs"][0]["extentSizeBytes"]') # the whole extent: header and data
nbdcopy_mbs=$(python3 -c "print(round($extent_bytes / ($t1 - $t0) / 1e6, 1))")

throttled=""
if [ -n "$throttle" ]; then
  echo "# restarting the controller with --repair-bandwidth $throttle; adding a fourth leg (zone d)" >&2
  kill "$ctl_pid"; wait "$ctl_pid" 2>/dev/null || true
  start_controller --repair-bandwidth "$throttle"
  until_true 60 online 4
  sleep 1 # the agent's next long poll carries the new limit
  "$cairn" volume add-replica vol >/dev/null
  d_syncing() { show | json_arg 'any(not l["synced"] and l.get("sync")=="SYNCING" for l in d["legs"])' | grep -q True; }
  until_true 120 d_syncing
  t0=$(now)
  until_true 3600 healthy 4
  t1=$(now)
  limit=$(python3 -c "
import re,sys
m=re.fullmatch(r'(\d+)\s*([kmgt]?)(i?b)?', '$throttle'.strip().lower())
print(int(m.group(1)) * (1024 ** ' kmgt'.index(m.group(2) or ' ')))")
  throttled=$(python3 -c "print(round($bytes / ($t1 - $t0) / 1e6, 1), round($limit / 1e6, 1))")
fi

python3 - "$rebuild_mbs" "$nbdcopy_mbs" "$p99_before" "$p99_during" "$size_gib" "$throttled" <<'PY'
import sys
rebuild, copy, before, during, gib, throttled = sys.argv[1:7]
print(f"full sync of a {gib} GiB leg (unthrottled): {rebuild} MB/s")
print(f"nbdcopy, same bytes, same nodes:           {copy} MB/s")
print(f"client 4k random-read p99: {before} us before the sync, {during} us during it")
if throttled:
    got, limit = throttled.split()
    print(f"throttled sync: {got} MB/s with a limit of {limit} MB/s")
print(f"rebuild/nbdcopy ratio: {float(rebuild) / float(copy):.2f}")
PY
