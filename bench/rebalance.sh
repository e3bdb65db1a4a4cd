#!/usr/bin/env bash
# bench/rebalance.sh: what the rebalance moves when larger nodes join, and what clients feel. One
# run on this machine: six nodes with --small MiB drives (two in each of zones a, b, c) hold
# --volumes 3-leg volumes (class zone-3) and --ec 4+2 volumes (across hosts: six BStores, one per
# node) of --size MiB, written through a client agent; one replicated volume stays attached, and
# fio writes 4k blocks to it at --iops while everything below happens. Then three nodes with
# drives four times larger join, one per zone, and the rebalance moves legs and BStores until the
# drives' fill is within its spread (5 points). Measured:
#   - the spread of the drives' fill before and after, and the time from the join to balance (no
#     move running, no orphan left);
#   - the bytes moved (the controller's count) against the minimum that evens out free space as
#     the final layout does: the bytes the drives that gave up data had to give (the sum over the
#     original drives of what they held before less what they hold after);
#   - fio's p99 write latency on the attached volume before the join and during the rebalance
#     (fio runs in 5 s slices; the worst slice and the median of the slices during).
#
#   bench/rebalance.sh [--small MIB] [--volumes N] [--ec N] [--size MIB] [--iops N]
#                      [--repair-bandwidth SIZE] [--dir DIR]
#
# --repair-bandwidth: the controller's --repair-bandwidth (what each agent's and node's copies may
# move per second; moves share it with repairs); unlimited when not given.
#
# The last line is "rebalance moved/minimum: X".
# (Also printed: a bound below any rebalance, what the drives hold beyond mean + spread.)
set -euo pipefail

small_mib=1024
volumes=16
ec=4
size_mib=64
iops=200
bandwidth=""
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small_mib="$2"; shift 2 ;;
    --volumes) volumes="$2"; shift 2 ;;
    --ec) ec="$2"; shift 2 ;;
    --size) size_mib="$2"; shift 2 ;;
    --iops) iops="$2"; shift 2 ;;
    --repair-bandwidth) bandwidth="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "rebalance: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
for tool in fio nbdcopy nbdinfo python3 curl; do
  command -v "$tool" >/dev/null || { echo "rebalance: $tool is missing" >&2; exit 1; }
done

bench_name=rebalance
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_dir "$dir"
start_controller "$cairn" --offline-after 10s ${bandwidth:+--repair-bandwidth "$bandwidth"}

# start_node NAME ZONE MIB
start_node() {
  "$cairn" node --drive "$dir/$1.img,size=${3}MiB" --label "zone=$2" --label "host=$1" --name "$1" \
      --data "$dir/$1" --nbd 127.0.0.1:0 --admin 127.0.0.1:0 --controller "$url" \
      --controller-token-file "$dir/ctl/tokens/node.token" --heartbeat-every 1s >>"$dir/$1.log" 2>&1 &
  pids+=($!)
}
online_count() { "$cairn" node list -o json | json 'sum(1 for n in d if n["state"]=="ONLINE")'; }

for z in a b c; do
  start_node "n${z}1" "$z" "$small_mib"
  start_node "n${z}2" "$z" "$small_mib"
done
six() { [ "$(online_count)" = 6 ]; }
until_true 120 six
socket="$dir/agent/nbd.sock"
"$cairn" agent --host bench --nbd-socket "$socket" --metrics 127.0.0.1:0 --controller "$url" \
    --controller-token-file "$dir/ctl/tokens/node.token" --report-every 500ms --retry-every 200ms \
    >>"$dir/agent.log" 2>&1 &
pids+=($!)
until_true 60 sh -c "\"$cairn\" cluster agents -o json | grep -q bench"

head -c "$((size_mib << 20))" /dev/urandom >"$dir/data.bin"
for v in $(seq 1 "$volumes"); do
  "$cairn" volume create "v$v" --size "${size_mib}MiB" --class zone-3 >/dev/null
done
"$cairn" class create ec-host --ec 4+2 --spread-across host >/dev/null
for v in $(seq 1 "$ec"); do
  "$cairn" volume create "e$v" --size "${size_mib}MiB" --class ec-host >/dev/null
done
# attach NAME: attaches volume NAME to the agent; prints its NBD URI once it is served.
attach() {
  local id
  until_true 120 sh -c "\"$cairn\" volume show $1 -o json | grep -q '\"AVAILABLE\"'"
  "$cairn" volume attach "$1" --host bench >/dev/null
  id=$("$cairn" volume show "$1" -o json | json 'd["id"]')
  until_true 120 nbdinfo --size "nbd+unix:///$id?socket=$socket"
  echo "nbd+unix:///$id?socket=$socket"
}
for v in $(seq 2 "$volumes") $(seq 1 "$ec" | sed 's/^/e/'); do
  case "$v" in e*) name="$v" ;; *) name="v$v" ;; esac
  uri=$(attach "$name")
  nbdcopy "$dir/data.bin" "$uri"
  "$cairn" volume detach "$name" >/dev/null
done
uri=$(attach v1)
nbdcopy "$dir/data.bin" "$uri"

rebalance_json() { "$cairn" rebalance status -o json; }
rebalance_json >"$dir/before.json"

# slice NAME: fio writes 4k blocks at $iops for 5 s; prints its p99 write latency in microseconds.
slice() {
  fio --name=client --ioengine=nbd --uri="$uri" --rw=randwrite --bs=4k --iodepth=4 --rate_iops="$iops" \
      --size=$((size_mib / 2))M --time_based --runtime=5 --output-format=json --output="$dir/$1.json" >/dev/null
  json 'round(d["jobs"][0]["write"]["clat_ns"]["percentile"]["99.000000"] / 1e3)' <"$dir/$1.json"
}
before_p99=()
for i in 1 2 3; do before_p99+=("$(slice "before-$i")"); done

for z in a b c; do start_node "n${z}3" "$z" $((small_mib * 4)); done
nine() { [ "$(online_count)" = 9 ]; }
until_true 120 nine
t0=$(date +%s.%N)
balanced() {
  rebalance_json | json 'd["balanced"] and d["movesRunning"] == 0 and d["movesPlanned"] == 0' | grep -q True \
    && [ "$("$cairn" orphan list -o json | json 'len(d)')" = 0 ]
}
during_p99=()
slices=0
until balanced; do
  slices=$((slices + 1))
  [ "$slices" -le 360 ] || { echo "rebalance: not balanced within 30 minutes" >&2; exit 1; }
  during_p99+=("$(slice "during-$slices")")
done
t1=$(date +%s.%N)
rebalance_json >"$dir/after.json"
# The BStores the nodes that joined hold now (each got there by a move).
bstores_moved=0
for v in $(seq 1 "$ec"); do
  n=$("$cairn" volume show "e$v" -o json \
      | json 'sum(1 for p in d["erasure"]["layouts"] for b in p["bstores"] if b["nodeName"].endswith("3"))')
  bstores_moved=$((bstores_moved + n))
done

python3 - "$dir/before.json" "$dir/after.json" "$t1" "$t0" "${before_p99[*]}" "${during_p99[*]:-}" \
    "$bstores_moved" "$ec" <<'PY'
import json, statistics, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
seconds = float(sys.argv[3]) - float(sys.argv[4])
p99_before = [int(x) for x in sys.argv[5].split()]
p99_during = [int(x) for x in sys.argv[6].split()] or [0]
used_after = {d["driveId"]: d["usedBytes"] for d in after["drives"]}
# What the drives that gave up data had to give for the final layout: the least any sequence of
# moves ending there could move.
minimum = sum(max(0, d["usedBytes"] - used_after.get(d["driveId"], 0)) for d in before["drives"])
moved = after["bytesMoved"] - before["bytesMoved"]
mib = 1 << 20
# Whatever the final layout, a drive within the spread of the others holds at most (mean + spread)
# of its data bytes: what it holds beyond that must move, a bound below any rebalance.
mean = sum(d["usedBytes"] for d in after["drives"]) / sum(d["dataBytes"] for d in after["drives"])
spread = after["thresholdPoints"] / 100
bound = sum(max(0, d["usedBytes"] - (mean + spread) * d["dataBytes"]) for d in before["drives"])
print(f"spread before join  {before['spreadPoints']:.1f} points (6 drives)")
print(f"spread after        {after['spreadPoints']:.1f} points ({len(after['drives'])} drives, threshold {after['thresholdPoints']:.1f})")
print(f"time to balance     {seconds:.1f} s")
print(f"moves               {after['moves'] - before['moves']} ({sys.argv[7]} of them BStores of the {int(sys.argv[8]) * 6} of {sys.argv[8]} 4+2 volumes)")
print(f"bytes moved         {moved / mib:.0f} MiB")
print(f"minimum             {minimum / mib:.0f} MiB (what the drives that gave up data gave, for this final layout)")
print(f"bound               {bound / mib:.0f} MiB (the least any layout within the spread needs)")
print(f"p99 write before    {statistics.median(p99_before)} us (median of {len(p99_before)} slices of 5 s)")
print(f"p99 write during    {statistics.median(p99_during)} us median, {max(p99_during)} us worst ({len(p99_during)} slices)")
print(f"rebalance moved/minimum: {moved / minimum:.2f}" if minimum else "rebalance moved/minimum: n/a (nothing had to move)")
PY
