#!/usr/bin/env bash
# bench/ec-vs-replicated.sh: what erasure coding costs and saves. In one run, on one machine, six
# nodes in six zones, one client agent, and two volumes of the same size on the same nodes:
#   (a) a 4+2 volume (a class --ec 4+2 across zone),
#   (b) a 3-leg volume (class zone-3).
# fio's nbd engine measures 1 MiB sequential write and read at queue depth 8 and 4k random write
# and read at queue depth 32, the two volumes taking turns case by case (in the opposite order
# every other round), each run starting with no dirty pages (sync), for --rounds rounds (default
# 3); every figure is the median. It also counts the raw bytes each volume holds on the drives per
# byte of the volume (the extents the controller placed: legs, or BStores with their headers), and
# where the time goes: the CPU seconds the agent and the six nodes spent per GB the client moved.
#
#   bench/ec-vs-replicated.sh [--runtime SECONDS] [--rounds N] [--size MIB] [--dir DIR]
#                             [--case "RW BS QD"]... [--degraded]
#
# --degraded: once both volumes are filled, the node holding the 4+2 volume's first data BStore is
# killed, and both volumes are measured without it (their classes' repair timeout is an hour, so
# nothing is rebuilt meanwhile): every write to the 4+2 volume then logs its row's missing chunk
# first (the degraded-write log), every read of that chunk rebuilds it from four others.
#
# The last line is "ec/replicated seq write ratio: X": the 4+2 volume's 1 MiB sequential write
# MB/s divided by the 3-leg volume's.
set -euo pipefail

runtime=10
rounds=3
size_mib=512
dir=""
cases=()
degraded=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runtime) runtime="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --size) size_mib="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --case) cases+=("$2"); shift 2 ;;
    --degraded) degraded=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "ec-vs-replicated: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
for tool in fio nbdinfo python3 curl; do
  command -v "$tool" >/dev/null || { echo "ec-vs-replicated: $tool is missing" >&2; exit 1; }
done
fio --enghelp=nbd >/dev/null 2>&1 || { echo "ec-vs-replicated: this fio has no nbd engine" >&2; exit 1; }

bench_name=ec-vs-replicated
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_dir "$dir"
start_controller "$cairn"
# each drive holds one leg of the 3-leg volume (a half of them) or a BStore, and a KV volume or two
drive_mib=$(( size_mib + size_mib / 2 + 256 ))
node_pids=()
declare -A pid_of
for z in a b c d e f; do
  "$cairn" node --drive "$dir/$z.img,size=${drive_mib}MiB" --label "zone=$z" --label "host=node-$z" --name "node-$z" \
      --data "$dir/node-$z" --nbd 127.0.0.1:0 --admin 127.0.0.1:0 --controller "$url" \
      --controller-token-file "$dir/ctl/tokens/node.token" --heartbeat-every 1s >>"$dir/node-$z.log" 2>&1 &
  pids+=($!)
  node_pids+=($!)
  pid_of[node-$z]=$!
done
online() { [ "$("$cairn" node list -o json | json 'sum(1 for n in d if n["state"]=="ONLINE")')" = 6 ]; }
until_true 90 online
dkv() { "$cairn" dkv status -o json | json 'len(d["shards"]) > 0' | grep -q True; }
until_true 90 dkv
agent_socket="$dir/agent/nbd.sock"
"$cairn" agent --host bench --nbd-socket "$agent_socket" --metrics 127.0.0.1:0 --controller "$url" \
    --controller-token-file "$dir/ctl/tokens/node.token" --report-every 500ms --retry-every 200ms \
    >>"$dir/agent.log" 2>&1 &
pids+=($!)
agent_pid=$!
until_true 60 sh -c "\"$cairn\" cluster agents -o json | grep -q bench"
triple_class=zone-3
if [ -n "$degraded" ]; then
  "$cairn" class create ec --ec 4+2 --spread-across zone --repair-timeout 1h >/dev/null
  "$cairn" class create triple --replicas 3 --spread-across zone --repair-timeout 1h >/dev/null
  triple_class=triple
else
  "$cairn" class create ec --ec 4+2 --spread-across zone >/dev/null
fi

declare -A uris
for v in ec:ec "triple:$triple_class"; do
  name=${v%%:*}; class=${v##*:}
  "$cairn" volume create "$name" --size "${size_mib}MiB" --class "$class" >/dev/null
  "$cairn" volume attach "$name" --host bench >/dev/null
  id=$("$cairn" volume show "$name" -o json | json 'd["id"]')
  uris[$name]="nbd+unix:///$id?socket=$agent_socket"
  until_true 120 nbdinfo --size "${uris[$name]}"
done

echo "# filling both volumes, so reads read data" >&2
for t in ec triple; do
  fio --name=fill --ioengine=nbd --uri="${uris[$t]}" --rw=write --bs=1m --iodepth=8 --size="${size_mib}M" \
      --output-format=terse >/dev/null
done
raw() { # volume: bytes of its extents on the drives
  "$cairn" volume show "$1" -o json | json \
    'sum(l["extentSizeBytes"] for l in d["legs"]) + sum(b["sizeBytes"] for p in (d.get("erasure") or {}).get("layouts", []) for b in p["bstores"])'
}
raw_ec=$(raw ec); raw_triple=$(raw triple)
if [ -n "$degraded" ]; then
  lost=$("$cairn" volume show ec -o json | json 'd["erasure"]["layouts"][0]["bstores"][0]["nodeName"]')
  echo "# killing $lost, which holds the 4+2 volume's first data BStore" >&2
  kill -9 "${pid_of[$lost]}"
  left=()
  for p in "${node_pids[@]}"; do [ "$p" = "${pid_of[$lost]}" ] || left+=("$p"); done
  node_pids=("${left[@]}")
  # the agent notices at its first request to it; one write makes both volumes degraded
  for t in ec triple; do
    fio --name=notice --ioengine=nbd --uri="${uris[$t]}" --rw=write --bs=1m --size=8M --output-format=terse >/dev/null
  done
fi

results="$dir/results.txt"
: >"$results"
measure() { # target rw bs qd
  sync
  local a0 n0 a1 n1
  a0=$(cpu_ticks "$agent_pid"); n0=$(cpu_ticks "${node_pids[@]}")
  fio --name=bench --ioengine=nbd --uri="${uris[$1]}" --rw="$2" --bs="$3" --iodepth="$4" --size="${size_mib}M" \
      --time_based --runtime="$runtime" --ramp_time=2 --output-format=json 2>/dev/null >"$dir/fio.json"
  a1=$(cpu_ticks "$agent_pid"); n1=$(cpu_ticks "${node_pids[@]}")
  sed -n '/^{/,$p' "$dir/fio.json" | python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
t, rw, bs, qd, agent, nodes, hz = sys.argv[1:8]
d = job["read" if "read" in rw else "write"]
# bytes moved in the whole run, ramp included, as the CPU time is
moved = sum(job[k]["io_bytes"] for k in ("read", "write")) + d["bw_bytes"] * 2
print(t, rw, bs, qd, round(d["iops"]), round(d["bw_bytes"] / 1e6, 1),
      round(d["clat_ns"]["percentile"]["99.000000"] / 1e3),
      round(int(agent) / int(hz) / (moved / 1e9), 3), round(int(nodes) / int(hz) / (moved / 1e9), 3))
' "$1" "$2" "$3" "$4" "$((a1 - a0))" "$((n1 - n0))" "$(getconf CLK_TCK)" >>"$results"
}
if [ ${#cases[@]} -eq 0 ]; then cases=("write 1m 8" "read 1m 8" "randwrite 4k 32" "randread 4k 32"); fi
for round in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    set -- $c
    echo "# round $round: $1 $2 qd$3" >&2
    order="ec triple"
    if [ $((round % 2)) = 0 ]; then order="triple ec"; fi
    for t in $order; do measure "$t" "$1" "$2" "$3"; done
  done
done

python3 - "$results" "$raw_ec" "$raw_triple" "$((size_mib * 1024 * 1024))" <<'PY'
import sys
from statistics import median
runs = {}
for r in (l.split() for l in open(sys.argv[1])):
    runs.setdefault(tuple(r[:4]), []).append([float(x) for x in r[4:]])
data = {k: [median(x[i] for x in v) for i in range(5)] for k, v in runs.items()}
raw_ec, raw_triple, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
order = [("write", "1m", "8"), ("read", "1m", "8"), ("randwrite", "4k", "32"), ("randread", "4k", "32")]
cases = [c for c in order if ("ec",) + c in data]
print(f"{'case':<18}{'4+2 IOPS':>10}{'MB/s':>9}{'p99 us':>9}{'3-leg IOPS':>12}{'MB/s':>9}{'p99 us':>9}{'ec/3-leg':>10}")
for rw, bs, qd in cases:
    e, t = data[("ec", rw, bs, qd)], data[("triple", rw, bs, qd)]
    print(f"{rw + ' ' + bs + ' qd' + qd:<18}{e[0]:>10.0f}{e[1]:>9.1f}{e[2]:>9.0f}{t[0]:>12.0f}{t[1]:>9.1f}{t[2]:>9.0f}"
          f"{e[1] / t[1]:>10.2f}")
print(f"\nCPU seconds per GB moved{'':<3}{'agent 4+2':>11}{'agent 3 legs':>14}{'nodes 4+2':>11}{'nodes 3 legs':>14}")
for rw, bs, qd in cases:
    e, t = data[("ec", rw, bs, qd)], data[("triple", rw, bs, qd)]
    print(f"{rw + ' ' + bs + ' qd' + qd:<27}{e[3]:>11.2f}{t[3]:>14.2f}{e[4]:>11.2f}{t[4]:>14.2f}")
print(f"\nraw bytes per logical byte: 4+2 {raw_ec / size:.3f}, 3 legs {raw_triple / size:.3f}")
if ("ec", "write", "1m", "8") in data:
    print(f"ec/replicated seq write ratio: "
          f"{data[('ec', 'write', '1m', '8')][1] / data[('triple', 'write', '1m', '8')][1]:.2f}")
PY
