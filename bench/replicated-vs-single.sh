#!/usr/bin/env bash
# bench/replicated-vs-single.sh: what replication costs. In one run, on one machine, fio's nbd
# engine measures
#   (a) a 1-leg volume (class single) through the Cairn agent,
#   (b) a 3-leg volume (class zone-3, three nodes in three zones) through the same agent,
#   (c) qemu-nbd serving one plain file,
# all three on Unix sockets (the agent serves its volumes on one, only its user may connect),
# at 4k random write and read, queue depth 32, and 1 MiB sequential write, queue depth 8. The three
# targets take turns case by case (in the opposite order every other round), each run starting with
# no dirty pages (sync), for --rounds rounds (default 5); every figure is the median. For the Cairn
# targets it also counts the CPU time the agent and the nodes spent per GB moved. Then it measures a
# resync: with the 3-leg volume's bitmap clean, one node is killed, a known set of regions is
# written, the node is restarted, and the bytes the resync copied are compared with the bytes of
# those regions.
#
#   bench/replicated-vs-single.sh [--runtime SECONDS] [--rounds N] [--size GIB] [--regions N]
#                                 [--dir DIR] [--case "RW BS QD"]... [--no-resync]
#
# --case runs only the cases named (e.g. --case "randread 4k 32"); --no-resync skips the resync.
# The last line is "replicated/single write ratio: X": the 3-leg volume's 1 MiB sequential write
# MB/s divided by the 1-leg volume's.
set -euo pipefail

runtime=10
rounds=5
size_gib=1
regions=32
dir=""
cases=()
resync=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runtime) runtime="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --size) size_gib="$2"; shift 2 ;;
    --regions) regions="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --case) cases+=("$2"); shift 2 ;;
    --no-resync) resync=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "replicated-vs-single: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
for tool in fio qemu-nbd qemu-io nbdinfo python3 curl; do
  command -v "$tool" >/dev/null || { echo "replicated-vs-single: $tool is missing" >&2; exit 1; }
done
fio --enghelp=nbd >/dev/null 2>&1 || { echo "replicated-vs-single: this fio has no nbd engine" >&2; exit 1; }

bench_name=replicated-vs-single
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_dir "$dir"
start_controller "$cairn" --offline-after 3s
drive_size=$(( (size_gib * 2 + 1) ))GiB
declare -A node_pid
start_node() { # zone
  "$cairn" node --drive "$dir/$1.img,size=$drive_size" --label "zone=$1" --label "host=node-$1" \
      --data "$dir/node-$1" --nbd 127.0.0.1:0 --admin 127.0.0.1:0 --controller "$url" \
      --controller-token-file "$dir/ctl/tokens/node.token" --heartbeat-every 1s >>"$dir/node-$1.log" 2>&1 &
  pids+=($!)
  node_pid[$1]=$!
}
for z in a b c; do start_node "$z"; done
online() { [ "$("$cairn" node list -o json | json 'sum(1 for n in d if n["state"]=="ONLINE")')" = 3 ]; }
until_true 60 online
agent_socket="$dir/agent/nbd.sock"
"$cairn" agent --host bench --nbd-socket "$agent_socket" --metrics 127.0.0.1:0 --controller "$url" \
    --controller-token-file "$dir/ctl/tokens/node.token" --report-every 500ms --retry-every 200ms \
    >>"$dir/agent.log" 2>&1 &
pids+=($!)
agent_pid=$!
until_true 60 sh -c "\"$cairn\" cluster agents -o json | grep -q bench"

in_sync() { # volume
  "$cairn" volume show "$1" -o json | json 'all(l.get("sync")=="IN_SYNC" for l in d["legs"])' | grep -q True
}
declare -A uris
for v in single:single triple:zone-3; do
  name=${v%%:*}; class=${v##*:}
  "$cairn" volume create "$name" --size "${size_gib}GiB" --class "$class" >/dev/null
  "$cairn" volume attach "$name" --host bench >/dev/null
  until_true 120 in_sync "$name"
  id=$("$cairn" volume show "$name" -o json | json 'd["id"]')
  uris[$name]="nbd+unix:///$id?socket=$agent_socket"
done
truncate -s "${size_gib}G" "$dir/plain.img"
qemu-nbd --persistent --shared=8 --format=raw --cache=writeback --socket="$dir/qemu-nbd.sock" \
    "$dir/plain.img" &
pids+=($!)
uris[qemu-nbd]="nbd+unix:///?socket=$dir/qemu-nbd.sock"
until_true 30 nbdinfo --size "${uris[qemu-nbd]}"

echo "# filling the three targets, so reads read data" >&2
for t in single triple qemu-nbd; do
  fio --name=fill --ioengine=nbd --uri="${uris[$t]}" --rw=write --bs=1m --iodepth=8 --size="${size_gib}G" \
      --output-format=terse >/dev/null
done

results="$dir/results.txt"
: >"$results"
measure() { # target rw bs qd: one run, after writing back every dirty page
  sync
  local a0 n0 a1 n1
  a0=$(cpu_ticks "$agent_pid"); n0=$(cpu_ticks "${node_pid[@]}")
  fio --name=bench --ioengine=nbd --uri="${uris[$1]}" --rw="$2" --bs="$3" --iodepth="$4" --size="${size_gib}G" \
      --time_based --runtime="$runtime" --ramp_time=2 --output-format=json 2>/dev/null >"$dir/fio.json"
  a1=$(cpu_ticks "$agent_pid"); n1=$(cpu_ticks "${node_pid[@]}")
  sed -n '/^{/,$p' "$dir/fio.json" | python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
t, rw, bs, qd, agent, nodes, hz = sys.argv[1:8]
d = job["read" if "read" in rw else "write"]
# bytes moved in the whole run, ramp included, as the CPU time is
moved = sum(job[k]["io_bytes"] for k in ("read", "write")) + d["bw_bytes"] * 2
print(t, rw, bs, qd, round(d["iops"]), round(d["bw_bytes"] / 1e6, 1),
      round(int(agent) / int(hz) / (moved / 1e9), 3), round(int(nodes) / int(hz) / (moved / 1e9), 3))
' "$1" "$2" "$3" "$4" "$((a1 - a0))" "$((n1 - n0))" "$(getconf CLK_TCK)" >>"$results"
}
if [ ${#cases[@]} -eq 0 ]; then cases=("randwrite 4k 32" "randread 4k 32" "write 1m 8"); fi
for round in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    set -- $c
    echo "# round $round: $1 $2 qd$3" >&2
    # odd rounds in one order, even rounds in the other, so no target always runs first
    order="single triple qemu-nbd"
    if [ $((round % 2)) = 0 ]; then order="qemu-nbd triple single"; fi
    for t in $order; do measure "$t" "$1" "$2" "$3"; done
  done
done

before=0; after=0; dirty_regions=0
if [ "$resync" = 1 ]; then
  echo "# resync: kill node c, write $regions regions, restart it" >&2
  sleep 12 # two bitmap sweeps (5 s each) and then some: regions written above are clean again
  copied() { "$cairn" volume show triple -o json | json 'd.get("resync", {}).get("copiedBytes", 0)'; }
  before=$(copied)
  kill -9 "${node_pid[c]}"
  failed() { "$cairn" volume show triple -o json | json 'any(l.get("sync")=="FAILED" for l in d["legs"])' | grep -q True; }
  until_true 60 failed
  cmds=()
  for i in $(seq 0 $((regions - 1))); do cmds+=(-c "write -P $((i % 250 + 1)) $((i * 7 % (size_gib * 1024)))M 4k"); done
  qemu-io -f raw "${cmds[@]}" "${uris[triple]}" >/dev/null
  dirty_regions=$(for i in $(seq 0 $((regions - 1))); do echo $((i * 7 % (size_gib * 1024))); done | sort -u | wc -l)
  start_node c
  until_true 120 in_sync triple
  after=$(copied)
fi

python3 - "$results" "$((after - before))" "$dirty_regions" <<'PY'
import sys
from statistics import median
runs = {}
for r in (l.split() for l in open(sys.argv[1])):
    runs.setdefault(tuple(r[:4]), []).append([float(x) for x in r[4:]])
data = {k: [median(x[i] for x in v) for i in range(4)] for k, v in runs.items()}
copied, dirty = int(sys.argv[2]), int(sys.argv[3])
cases = [c for c in [("randwrite", "4k", "32"), ("randread", "4k", "32"), ("write", "1m", "8")]
         if ("single",) + c in data]
targets = ["single", "triple", "qemu-nbd"]
print(f"{'case':<18}" + "".join(f"{t + ' IOPS':>16}{'MB/s':>9}" for t in targets) + f"{'3-leg/1-leg':>13}")
for rw, bs, qd in cases:
    line = f"{rw + ' ' + bs + ' qd' + qd:<18}"
    for t in targets:
        iops, mbs = data[(t, rw, bs, qd)][:2]
        line += f"{iops:>16.0f}{mbs:>9.1f}"
    print(line + f"{data[('triple', rw, bs, qd)][1] / data[('single', rw, bs, qd)][1]:>13.2f}")
print(f"\nCPU seconds per GB moved{'':<3}{'agent 1 leg':>13}{'agent 3 legs':>14}{'node 1 leg':>12}{'nodes 3 legs':>14}")
for rw, bs, qd in cases:
    s, t = data[("single", rw, bs, qd)], data[("triple", rw, bs, qd)]
    print(f"{rw + ' ' + bs + ' qd' + qd:<27}{s[2]:>13.2f}{t[2]:>14.2f}{s[3]:>12.2f}{t[3]:>14.2f}")
print()
region = 1 << 20
if dirty:
    print(f"resync after writing {dirty} regions during an outage: copied {copied} bytes"
          f" = {copied / (dirty * region):.3f}x the dirty regions' {dirty * region} bytes")
def ratio(rw, bs, qd):
    return data[("triple", rw, bs, qd)][1] / data[("single", rw, bs, qd)][1]
if ("single", "randread", "4k", "32") in data:
    print(f"replicated/single read ratio: {ratio('randread', '4k', '32'):.2f}")
if ("single", "write", "1m", "8") in data:
    print(f"replicated/single write ratio: {ratio('write', '1m', '8'):.2f}")
PY
