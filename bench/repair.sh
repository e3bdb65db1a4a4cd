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
#      into an extent of the same size on the same destination node (made through its admin API,
#      so that nobody else writes it), same run;
#   5. the volume is detached and a fourth leg added on node d (zone d): with no agent serving the
#      volume, node d copies it itself from an in-sync leg over NBD (the node-side copy), timed
#      from its extent made to the leg in sync; nbdcopy then copies the same source leg into an
#      extent on node d;
#   6. with --throttle SIZE, the controller is restarted with --repair-bandwidth SIZE, the volume
#      attached again and a fifth leg added (zone e): its sync rate is printed against the limit.
#
#   bench/repair.sh [--size GIB] [--throttle SIZE] [--dir DIR]
#
# The last two lines are "rebuild/nbdcopy ratio: X" (the agent's full sync, MB/s divided by
# nbdcopy's between the same nodes) and "node-side copy/nbdcopy ratio: Y".
set -euo pipefail

size_gib=2
throttle=""
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size_gib="$2"; shift 2 ;;
    --throttle) throttle="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
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
      --data "$dir/node-$1" --nbd 127.0.0.1:0 --admin 127.0.0.1:0 --controller "$url" \
      --controller-token-file "$node_token" --heartbeat-every 1s >>"$dir/node-$1.log" 2>&1 &
  pids+=($!)
  node_pid[$1]=$!
}
start_node a a; start_node b b; start_node c c
online() { [ "$("$cairn" node list -o json | json "sum(1 for n in d if n['state']=='ONLINE')")" = "$1" ]; }
until_true 60 online 3
agent_socket="$dir/agent/nbd.sock" # the agent serves its volumes on a Unix socket only its user may use
"$cairn" agent --host bench --nbd-socket "$agent_socket" --metrics 127.0.0.1:0 --controller "$url" \
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
uri="nbd+unix:///$vid?socket=$agent_socket"
# Nodes a2, d and e join only now, so the volume's legs are on a, b, c.
start_node a2 a; start_node d d; start_node e e
until_true 60 online 6

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

desired() { # node id -> its desired extents, with what opens them
  curl -sf -H "Authorization: Bearer $(cat "$node_token")" "$url/v1/internal/nodes/$1/desired"
}
node_of() { "$cairn" node list -o json | json_arg '[n["id"] for n in d if n["labels"].get("host")==sys.argv[1]][0]' "$1"; }
nbd_of() { "$cairn" node show "$1" -o json | json 'd["nbdAddress"]'; }
leg_uri() { # node id, extent id -> NBD URI of that leg, with what opens it now
  desired "$1" | json_arg '["nbd://" + sys.argv[2] + "/" + e["id"] + ";gen=" + str(e["generation"]) + ";key=" + e["secret"] for e in d["extents"] if e["id"]==sys.argv[1]][0]' "$2" "$(nbd_of "$1")"
}
extent_bytes=$(show | json 'd["legs"][0]["extentSizeBytes"]') # the whole extent: header and data
scratch_uri() { # node name -> NBD URI of a new extent of the legs' size, made through its admin API
  local admin id
  admin=$("$cairn" node list -o json | json_arg '[n["adminUrl"] for n in d if n["labels"].get("host")==sys.argv[1]][0]' "$1")
  id=$(curl -sf -H "Authorization: Bearer $(cat "$dir/node-$1/admin.token")" -X POST "$admin/v1/extents" \
      -d "{\"sizeBytes\": $extent_bytes}" | json 'd["id"]')
  echo "nbd://$(nbd_of "$(node_of "$1")")/$id"
}
nbdcopy_mbs() { # source URI, destination URI -> MB/s
  local t0 t1
  sync
  t0=$(now)
  nbdcopy "$1" "$2"
  t1=$(now)
  python3 -c "print(round($extent_bytes / ($t1 - $t0) / 1e6, 1))"
}

echo "# nbdcopy of the same bytes from node b's leg into an extent on node a2" >&2
src_extent=$(show | json '[l["extentId"] for l in d["legs"] if l["nodeLabels"].get("host")=="b"][0]')
nbdcopy_mbs=$(nbdcopy_mbs "$(leg_uri "$source_node_id" "$src_extent")" "$(scratch_uri a2)")

echo "# the volume detached, a leg added on node d: node d copies it itself" >&2
"$cairn" volume detach vol >/dev/null
d_id=$(node_of d)
"$cairn" volume add-replica vol --node "$d_id" >/dev/null
d_made() { show | json_arg 'any(l["nodeId"]==sys.argv[1] and l["state"]=="READY" for l in d["legs"])' "$d_id" | grep -q True; }
d_synced() { show | json_arg 'any(l["nodeId"]==sys.argv[1] and l["synced"] for l in d["legs"])' "$d_id" | grep -q True; }
sync
until_true 60 d_made
t0=$(now)
until_true 600 d_synced
t1=$(now)
node_copy_mbs=$(python3 -c "print(round($bytes / ($t1 - $t0) / 1e6, 1))")
copy_source=$(sed -n 's/.*copying [0-9]* region(s), [0-9]* bytes, from leg \([0-9a-f-]*\).*/\1/p' "$dir/node-d.log" | tail -n 1)
copy_source_node=$(show | json_arg '[l["nodeId"] for l in d["legs"] if l["extentId"]==sys.argv[1]][0]' "$copy_source")
echo "# nbdcopy of the same bytes from that source leg into an extent on node d" >&2
"$cairn" volume attach vol --host bench >/dev/null # the legs' credentials move on: read them again
until_true 120 healthy 4
node_nbdcopy_mbs=$(nbdcopy_mbs "$(leg_uri "$copy_source_node" "$copy_source")" "$(scratch_uri d)")

throttled=""
if [ -n "$throttle" ]; then
  echo "# restarting the controller with --repair-bandwidth $throttle; adding a fifth leg (zone e)" >&2
  kill "$ctl_pid"; wait "$ctl_pid" 2>/dev/null || true
  start_controller --repair-bandwidth "$throttle"
  until_true 60 online 5
  sleep 1 # the agent's next long poll carries the new limit
  "$cairn" volume add-replica vol >/dev/null
  e_syncing() { show | json_arg 'any(not l["synced"] and l.get("sync")=="SYNCING" for l in d["legs"])' | grep -q True; }
  until_true 120 e_syncing
  t0=$(now)
  until_true 3600 healthy 5
  t1=$(now)
  limit=$(python3 -c "
import re,sys
m=re.fullmatch(r'(\d+)\s*([kmgt]?)(i?b)?', '$throttle'.strip().lower())
print(int(m.group(1)) * (1024 ** ' kmgt'.index(m.group(2) or ' ')))")
  throttled=$(python3 -c "print(round($bytes / ($t1 - $t0) / 1e6, 1), round($limit / 1e6, 1))")
fi

python3 - "$rebuild_mbs" "$nbdcopy_mbs" "$p99_before" "$p99_during" "$size_gib" "$throttled" \
    "$node_copy_mbs" "$node_nbdcopy_mbs" <<'PY'
import sys
rebuild, copy, before, during, gib, throttled, node, node_copy = sys.argv[1:9]
print(f"full sync of a {gib} GiB leg by the agent (unthrottled): {rebuild} MB/s")
print(f"nbdcopy, same bytes, same nodes:                      {copy} MB/s")
print(f"client 4k random-read p99: {before} us before the sync, {during} us during it")
print(f"node-side copy of a {gib} GiB leg (volume detached):    {node} MB/s")
print(f"nbdcopy, same bytes, same nodes:                      {node_copy} MB/s")
if throttled:
    got, limit = throttled.split()
    print(f"throttled sync: {got} MB/s with a limit of {limit} MB/s")
print(f"rebuild/nbdcopy ratio: {float(rebuild) / float(copy):.2f}")
print(f"node-side copy/nbdcopy ratio: {float(node) / float(node_copy):.2f}")
PY
