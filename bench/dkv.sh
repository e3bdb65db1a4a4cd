#!/usr/bin/env bash
# bench/dkv.sh: the DKV's data path against etcd, in one run on one machine. Values of one full
# slot (4,056 bytes); 1 and 32 concurrent clients, each with keys of its own; puts, then gets:
#   (a) Cairn's DKV: one shard mirrored on three KV volumes, one on each of three storage node
#       processes (bin/cairn node, standalone), every put written to all three with FUA;
#   (b) etcd: a three-member cluster on loopback (Debian's etcd-server), through its v3 JSON
#       gateway, requests spread over the members;
#   (c) the floor: fio, 4 KiB random writes with O_DIRECT|O_DSYNC on the same file system, 1 and
#       32 jobs.
# Every data directory is under --dir (default a new directory in ${TMPDIR:-/var/tmp}). Each case
# runs --seconds (default 10) per round, for --rounds rounds (default 3), the targets taking turns;
# figures are medians. The controller's part of the DKV (layout and epochs in the replicated state,
# placement, recovery) is not in this path: the layout is fixed at epoch 1.
#
#   bench/dkv.sh [--seconds N] [--rounds N] [--dir DIR]
#
# The last line is "dkv/etcd put throughput ratio (32 clients): X".
set -euo pipefail

seconds=10
rounds=3
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "dkv: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../bin/lib/common.sh"
cairn_find_jdk
cairn_require_maven
cairn="$here/../bin/cairn"
for tool in etcd fio curl python3; do
  command -v "$tool" >/dev/null || {
    echo "dkv: $tool is missing (Debian: apt-get install etcd-server fio curl python3)" >&2
    exit 1
  }
done

if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-dkv-bench.XXXXXX")"; fi
mkdir -p "$dir"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

(cd "$CAIRN_HOME" && mvn -B -q -DskipTests -Dspotless.check.skip=true -Dcheckstyle.skip=true -pl bench,cli -am package)
export CAIRN_NO_BUILD=1

# (a) three storage nodes, a 64 MiB KV volume on each.
mirrors=()
for n in 1 2 3; do
  "$cairn" node --drive "$dir/n$n.img,size=1GiB" --data "$dir/node-$n" --nbd 127.0.0.1:0 --admin 127.0.0.1:0 \
    --ready-file "$dir/node-$n.ready" >>"$dir/node-$n.log" 2>&1 &
  pids+=($!)
done
for n in 1 2 3; do
  for _ in $(seq 600); do [ -s "$dir/node-$n.ready" ] && break; sleep 0.1; done
  [ -s "$dir/node-$n.ready" ] || { echo "dkv: node $n did not start; see $dir/node-$n.log" >&2; exit 1; }
  admin="$(json "$dir/node-$n.ready" 'd["admin"]')"
  nbd="$(json "$dir/node-$n.ready" 'd["nbd"]')"
  token="$(cat "$(json "$dir/node-$n.ready" 'd["adminTokenFile"]')")"
  id="$(curl -sf -H "Authorization: Bearer $token" -X POST "$admin/v1/extents" \
    -d '{"sizeBytes": 67108864, "generation": 1, "secret": "bench", "kind": "kv"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
  mirrors+=("${nbd#nbd://}/$id/bench")
done

# (b) three etcd members.
cluster=""
members=()
declare -a cports pports
for e in 1 2 3; do cports[$e]="$(free_port)"; pports[$e]="$(free_port)"; done
for e in 1 2 3; do cluster="${cluster:+$cluster,}e$e=http://127.0.0.1:${pports[$e]}"; done
for e in 1 2 3; do
  etcd --name "e$e" --data-dir "$dir/etcd-$e" \
    --listen-client-urls "http://127.0.0.1:${cports[$e]}" --advertise-client-urls "http://127.0.0.1:${cports[$e]}" \
    --listen-peer-urls "http://127.0.0.1:${pports[$e]}" --initial-advertise-peer-urls "http://127.0.0.1:${pports[$e]}" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token cairn-bench \
    >>"$dir/etcd-$e.log" 2>&1 &
  pids+=($!)
  members+=("http://127.0.0.1:${cports[$e]}")
done
for e in 1 2 3; do
  for _ in $(seq 300); do curl -sf "${members[$((e-1))]}/health" | grep -q true && break; sleep 0.1; done
  curl -sf "${members[$((e-1))]}/health" | grep -q true || { echo "dkv: etcd $e is not healthy; see $dir/etcd-$e.log" >&2; exit 1; }
done

load() { # TARGET OP CLIENTS
  local targets=("${mirrors[@]}")
  [ "$1" = etcd ] && targets=("${members[@]}")
  "$CAIRN_JAVA" --enable-native-access=ALL-UNNAMED -cp "$CAIRN_HOME/bench/target/cairn-bench.jar:$CAIRN_HOME/bench/target/lib/*" \
    dev.cairn.bench.DkvLoad "$1" "$2" "$3" "$seconds" "${targets[@]}" 2>>"$dir/load.log"
}
floor() { # JOBS
  sync
  fio --name=floor --directory="$dir" --size=64m --rw=randwrite --bs=4k --direct=1 --sync=1 --ioengine=psync \
    --numjobs="$1" --group_reporting --runtime="$seconds" --time_based --output-format=json --output="$dir/fio.json" >/dev/null
  json "$dir/fio.json" '"floor put %d %.0f %.3f %.3f" % ('"$1"', d["jobs"][0]["write"]["iops"], d["jobs"][0]["write"]["clat_ns"]["percentile"]["50.000000"]/1e6, d["jobs"][0]["write"]["clat_ns"]["percentile"]["99.000000"]/1e6)'
  rm -f "$dir"/floor.*
}

results="$dir/results.txt"
: >"$results"
for r in $(seq "$rounds"); do
  order=(dkv etcd)
  [ $((r % 2)) = 0 ] && order=(etcd dkv)
  for op in put get; do
    for clients in 1 32; do
      for t in "${order[@]}"; do load "$t" "$op" "$clients" >>"$results"; done
    done
  done
  floor 1 >>"$results"
  floor 32 >>"$results"
  echo "dkv: round $r of $rounds done" >&2
done

python3 - "$results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    t, op, c, ops, p50, p99 = line.split()
    rows.setdefault((t, op, int(c)), []).append((float(ops), float(p50), float(p99)))
print(f"{'target':<6} {'op':<4} {'clients':>7} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
for (t, op, c), v in sorted(rows.items(), key=lambda kv: (kv[0][1] != "put", kv[0][2], kv[0][0])):
    print(f"{t:<6} {op:<4} {c:>7} {statistics.median(x[0] for x in v):>9.0f} "
          f"{statistics.median(x[1] for x in v):>8.3f} {statistics.median(x[2] for x in v):>8.3f}")
dkv = statistics.median(x[0] for x in rows[("dkv", "put", 32)])
etcd = statistics.median(x[0] for x in rows[("etcd", "put", 32)])
print(f"dkv/etcd put throughput ratio (32 clients): {dkv / etcd:.2f}")
EOF
