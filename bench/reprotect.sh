#!/usr/bin/env bash
# bench/reprotect.sh: how fast distributed sparing reprotects a lost drive, as the cluster grows.
# For each cluster size D (--drives, default "8 12 24"; a 4+2 PStore needs 7 drives to be rebuilt
# after one is lost), one run on this machine: D nodes of one drive each, in D zones; the same data
# every time: --volumes volumes (default 128) of --size MiB (default 32) of a 4+2 class across zone,
# written through a client agent with the drives at full speed (four at once), then detached. The
# nodes are restarted with every drive limited to --bandwidth MiB/s (default 2, reads and writes together:
# files standing in for disks), one node is killed, and after the class's repair timeout (10 s) the
# restriper rebuilds its BStores into the sparing space of the others. Measured: from the first
# rebuild started to the last one named in its layout (the controller's reprotect meters, polled
# every 0.2 s), against the best a rebuild into one spare drive could do: the lost bytes over one
# drive's bandwidth. The model for the speedup is (D-1)/(k+1): every rebuilt byte is k bytes read
# and one written, spread over the D-1 drives left. The node lost is node 1, or --lose I, or with
# --lose dkv the node of the DKV's first mirror (its shard is then recovered beside the rebuilds).
#
#   bench/reprotect.sh [--drives "8 12 24"] [--bandwidth MIB] [--volumes N] [--size MIB]
#                      [--per-node N] [--io-threads N] [--lose I|dkv] [--dir DIR]
#
# --io-threads: each node's threads for block I/O (its --io-threads; the node's default when not
# given). A request to a bandwidth-limited drive holds one asleep until its turn.
#
# The last line is "reprotect speedup at 24 drives: X" (the largest D run).
set -euo pipefail

sizes="8 12 24"
bandwidth_mib=2
volumes=128
size_mib=32
per_node=2
io_threads=""
lose=1
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --drives) sizes="$2"; shift 2 ;;
    --bandwidth) bandwidth_mib="$2"; shift 2 ;;
    --volumes) volumes="$2"; shift 2 ;;
    --size) size_mib="$2"; shift 2 ;;
    --per-node) per_node="$2"; shift 2 ;;
    --io-threads) io_threads="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --lose) lose="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "reprotect: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
for tool in nbdcopy nbdinfo python3 curl; do
  command -v "$tool" >/dev/null || { echo "reprotect: $tool is missing" >&2; exit 1; }
done

bench_name=reprotect
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_dir "$dir"
base="$dir"
k=4

# metric NAME: the controller's value of a metric without labels (0 when absent).
metric() {
  curl -sf "$url/metrics" | awk -v m="$1" '$1 == m { v = $2 } END { print (v == "" ? 0 : v) }'
}

# start_node I BANDWIDTH: node I (zone zI) on its drive, with the drive limited when BANDWIDTH is set.
start_node() {
  local i=$1 limit=${2:+,bandwidth=${2}MiB}
  "$cairn" node --drive "$run/d$i.img,size=${drive_mib}MiB$limit" --label "zone=z$i" --label "host=node-$i" --name "n$i" \
      --data "$run/node-$i" --nbd 127.0.0.1:0 --admin 127.0.0.1:0 --controller "$url" \
      --controller-token-file "$run/ctl/tokens/node.token" --heartbeat-every 1s \
      ${io_threads:+--io-threads "$io_threads"} >>"$run/node-$i.log" 2>&1 &
  pids+=($!)
  node_pid[$i]=$!
}

# fill_volume V SOCKET: writes the data into volume vV through the agent: attached, copied, detached.
fill_volume() {
  local v=$1 socket=$2 id
  available() { [ "$("$cairn" volume show "v$v" -o json | json 'd["state"]')" = AVAILABLE ]; }
  until_true 120 available
  "$cairn" volume attach "v$v" --host bench >/dev/null
  id=$("$cairn" volume show "v$v" -o json | json 'd["id"]')
  until_true 120 nbdinfo --size "nbd+unix:///$id?socket=$socket"
  nbdcopy "$run/data.bin" "nbd+unix:///$id?socket=$socket"
  "$cairn" volume detach "v$v" >/dev/null
}

online_count() { "$cairn" node list -o json | json 'sum(1 for n in d if n["state"]=="ONLINE")'; }

# one_run D: prints "D lost_mib seconds best_seconds speedup model".
one_run() {
  local d=$1
  run="$base/d$d"
  mkdir -p "$run"
  # Sparse files with room for twice a drive's share of the raw bytes (4+2: 1.5 per logical byte).
  drive_mib=$((volumes * size_mib * 3 / 2 * 2 / d + 512))
  dir="$run" start_controller "$cairn" --offline-after 10s --repair-syncs-per-node "$per_node"
  declare -gA node_pid=()
  for i in $(seq 1 "$d"); do start_node "$i" ""; done
  online() { [ "$(online_count)" = "$d" ]; }
  until_true 120 online
  dkv() { "$cairn" dkv status -o json | json 'len(d["shards"]) > 0' | grep -q True; }
  until_true 120 dkv
  local socket="$run/agent/nbd.sock"
  "$cairn" agent --host bench --nbd-socket "$socket" --metrics 127.0.0.1:0 --controller "$url" \
      --controller-token-file "$run/ctl/tokens/node.token" --report-every 500ms --retry-every 200ms \
      >>"$run/agent.log" 2>&1 &
  pids+=($!)
  until_true 60 sh -c "\"$cairn\" cluster agents -o json | grep -q bench"
  "$cairn" class create ec --ec 4+2 --spread-across zone --repair-timeout 10s >/dev/null
  head -c "$((size_mib << 20))" /dev/urandom >"$run/data.bin"
  for v in $(seq 1 "$volumes"); do
    "$cairn" volume create "v$v" --size "${size_mib}MiB" --class ec >/dev/null
  done
  # Four volumes filled at once (each attached, written, detached).
  local filling=() p
  for v in $(seq 1 "$volumes"); do
    fill_volume "$v" "$socket" &
    filling+=($!)
    if [ "${#filling[@]}" -ge 4 ]; then
      wait "${filling[0]}" || { echo "reprotect: filling a volume failed" >&2; exit 1; }
      filling=("${filling[@]:1}")
    fi
  done
  for p in "${filling[@]}"; do
    wait "$p" || { echo "reprotect: filling a volume failed" >&2; exit 1; }
  done

  # The same nodes on the same drives, now limited to the bandwidth. The controller stops first
  # (and starts last), so that nobody takes the restarting nodes for lost ones.
  kill "$ctl_pid"; wait "$ctl_pid" 2>/dev/null || true
  for i in $(seq 1 "$d"); do kill "${node_pid[$i]}"; done
  for i in $(seq 1 "$d"); do wait "${node_pid[$i]}" 2>/dev/null || true; done
  for i in $(seq 1 "$d"); do start_node "$i" "$bandwidth_mib"; done
  dir="$run" restart_controller "$cairn"
  until_true 120 online
  sleep 5 # every node heartbeats a few times: none is taken for lost
  [ "$(metric cairn_controller_reprotect_started_total | cut -d. -f1)" = 0 ] \
      || { echo "reprotect: a reprotect started before a node was lost" >&2; exit 1; }

  # Lose one node: every BStore it held is rebuilt elsewhere.
  local lost victim=$lose
  if [ "$lose" = dkv ]; then
    victim=$("$cairn" dkv status -o json | json 'd["shards"][0]["mirrors"][0]["node"][1:]')
  fi
  [ -n "${node_pid[$victim]:-}" ] || { echo "reprotect: no node $victim to lose (--lose $lose)" >&2; exit 2; }
  echo "reprotect: D=$d, losing node n$victim" >&2
  lost=0
  for v in $(seq 1 "$volumes"); do
    lost=$((lost + $("$cairn" volume show "v$v" -o json \
        | json "sum(1 for p in d['erasure']['layouts'] for b in p['bstores'] if b['nodeName'] == 'n$victim')")))
  done
  kill -9 "${node_pid[$victim]}"
  started() { [ "$(metric cairn_controller_reprotect_started_total | cut -d. -f1)" -gt 0 ]; }
  until_true 120 started
  local t0 t1
  t0=$(date +%s.%N)
  while [ "$(metric cairn_controller_reprotect_rebuilt_total | cut -d. -f1)" -lt "$lost" ]; do
    sleep 0.2
    if [ "$(python3 -c "import time; print(int(time.time() - $t0))")" -gt 1800 ]; then
      echo "reprotect: D=$d did not end within 30 minutes" >&2; exit 1
    fi
  done
  t1=$(date +%s.%N)
  local lost_mib=$((lost * size_mib / k))
  python3 -c "
d, lost, t, b = $d, $lost_mib, $t1 - $t0, $bandwidth_mib
best = lost / b
print(d, lost, '%.1f' % t, '%.1f' % best, '%.2f' % (best / t), '%.2f' % ((d - 1) / ($k + 1)))"
  # When the lost node held a DKV mirror, its shard recovered meanwhile (layouts wait for it).
  python3 - "$run/controller.log" <<'PY' >&2
import sys, datetime
t = lambda line: datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00"))
start = None
for line in open(sys.argv[1]):
    if "to be recovered" in line:
        start = t(line)
    elif "recovered at epoch" in line and start is not None:
        print("reprotect: a DKV mirror was on the lost node; its shard recovered in %.1f s" % (t(line) - start).total_seconds())
        start = None
PY
  bench_cleanup_run
}

# Stops this run's daemons (not the whole benchmark's directory).
bench_cleanup_run() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  [ -n "${KEEP_RUNS:-}" ] || rm -rf "$run"
}

results=()
for d in $sizes; do
  one_run "$d" >"$base/result-$d"
  results+=("$(tail -1 "$base/result-$d")")
done
dir="$base"
printf '%-7s %-10s %-10s %-12s %-9s %-9s %-9s\n' DRIVES LOST_MIB SECONDS ONE_SPARE_S SPEEDUP MODEL OF_MODEL
last=""
for r in "${results[@]}"; do
  read -r d lost t best speedup model <<<"$r"
  of=$(python3 -c "print('%.2f' % ($speedup / $model))")
  printf '%-7s %-10s %-10s %-12s %-9s %-9s %-9s\n' "$d" "$lost" "$t" "$best" "$speedup" "$model" "$of"
  last="$d $speedup"
done
echo "(bandwidth ${bandwidth_mib} MiB/s per drive, ${volumes} volumes of ${size_mib} MiB, 4+2, ${per_node} rebuilds per node${io_threads:+, $io_threads I/O threads per node})"
echo "reprotect speedup at ${last% *} drives: ${last#* }"
