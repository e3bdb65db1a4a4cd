#!/usr/bin/env bash
# bench/nbd-vs-peers.sh: Cairn's NBD export against nbdkit (file plugin) and qemu-nbd
# (cache=writeback), all serving the same 2 GiB of the same file, measured with fio's nbd engine
# in one run.
#
#   bench/nbd-vs-peers.sh [--runtime SECONDS] [--rounds N] [--warmup SECONDS] [--case "RW BS QD"]...
#                         [--dir DIR]
#
# The 2 GiB are an extent of a Cairn drive file; nbdkit (offset filter) and qemu-nbd (--offset)
# serve exactly that byte range of the same file, so all three read and write the same bytes
# through the same page cache. The six cases: 4k random read and write at queue depth 1 and 32,
# 1 MiB sequential read and write at queue depth 8. All three servers run side by side and take
# turns case by case (the order rotating each round), after one untimed warm-up run of every case
# against every server (--warmup, 3 s), each run starting from the same state:
# dirty pages written back (sync) and the range read into the page cache. Each figure is the
# median over the rounds. The last line is the lowest Cairn/nbdkit throughput ratio.
set -euo pipefail

runtime=10
rounds=1
warmup=3
dir=""
cases=()
while [ $# -gt 0 ]; do
  case "$1" in
    --case) cases+=("$2"); shift 2 ;;
    --runtime) runtime="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "nbd-vs-peers: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
for tool in fio nbdkit qemu-nbd nbdinfo python3 curl; do
  command -v "$tool" >/dev/null || { echo "nbd-vs-peers: $tool is missing" >&2; exit 1; }
done
fio --enghelp=nbd >/dev/null 2>&1 || { echo "nbd-vs-peers: this fio has no nbd engine" >&2; exit 1; }

if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-bench.XXXXXX")"; fi
mkdir -p "$dir"
drive="$dir/drive.img"
size=$((2 << 30))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
# keep the raw figures: one line per run (server rw bs qd iops MB/s p99us)
raw_copy="${CAIRN_BENCH_RAW:-}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for_nbd() {
  for _ in $(seq 1 200); do
    nbdinfo --size "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "nbd-vs-peers: nothing serving $1" >&2; exit 1
}

start_cairn() {
  nbd_port=$(free_port); admin_port=$(free_port)
  "$cairn" node --drive "$drive,size=$((size + (1 << 20)))" --nbd "127.0.0.1:$nbd_port" \
      --admin "127.0.0.1:$admin_port" --data "$dir/cairn-node" >>"$dir/cairn.log" 2>&1 &
  pids+=($!)
  cairn_pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$admin_port/health" >/dev/null && break; sleep 0.1; done
}

echo "# preparing $drive (2 GiB extent of random data)" >&2
start_cairn
extent=$(curl -sf -H "Authorization: Bearer $(cat "$dir/cairn-node/admin.token")" \
    -X POST "http://127.0.0.1:$admin_port/v1/extents" -d "{\"sizeBytes\":$size}")
id=$(echo "$extent" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
offset=$(echo "$extent" | python3 -c 'import json,sys; print(json.load(sys.stdin)["driveOffset"])')
kill "$cairn_pid"; wait "$cairn_pid" 2>/dev/null || true
head -c "$size" /dev/urandom | dd of="$drive" bs=1M seek=$((offset >> 20)) conv=notrunc status=none

if [ ${#cases[@]} -eq 0 ]; then
  cases=("randread 4k 1" "randread 4k 32" "randwrite 4k 1" "randwrite 4k 32" "read 1m 8" "write 1m 8")
fi
results="$dir/results.txt"
: >"$results"

echo "# starting cairn, nbdkit and qemu-nbd side by side" >&2
start_cairn
declare -A uris
uris[cairn]="nbd://127.0.0.1:$nbd_port/$id"
port=$(free_port)
nbdkit --foreground -i 127.0.0.1 -p "$port" --filter=offset file file="$drive" offset="$offset" range="$size" &
pids+=($!)
uris[nbdkit]="nbd://127.0.0.1:$port/"
port=$(free_port)
qemu-nbd --persistent --shared=8 --format=raw --cache=writeback --offset="$offset" --bind=127.0.0.1 \
    --port="$port" "$drive" &
pids+=($!)
uris[qemu-nbd]="nbd://127.0.0.1:$port/"
servers=(cairn nbdkit qemu-nbd)
for s in "${servers[@]}"; do wait_for_nbd "${uris[$s]}"; done

measure() { # server rw bs qd
  sync
  dd if="$drive" bs=1M skip=$((offset >> 20)) count=$((size >> 20)) status=none of=/dev/null
  fio --name=bench --ioengine=nbd --uri="${uris[$1]}" --rw="$2" --bs="$3" --iodepth="$4" --size=2G \
      --time_based --runtime="$runtime" --ramp_time=2 --output-format=json 2>/dev/null \
    | sed -n '/^{/,$p' \
    | python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
label, rw, bs, qd = sys.argv[1:5]
d = job["read" if "read" in rw else "write"]
p99 = d["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000
print(label, rw, bs, qd, round(d["iops"]), round(d["bw_bytes"] / 1e6, 1), round(p99, 1))
' "$1" "$2" "$3" "$4" >>"$results"
}

# One untimed pass of every case against every server first: Cairn's JIT compiles its request path
# in the first seconds, and a daemon that has served for a while is what the figures describe.
echo "# warming up: ${warmup}s of each case against each server" >&2
for c in "${cases[@]}"; do
  set -- $c
  for s in "${servers[@]}"; do
    fio --name=warmup --ioengine=nbd --uri="${uris[$s]}" --rw="$1" --bs="$2" --iodepth="$3" --size=2G \
        --time_based --runtime="$warmup" >/dev/null 2>&1
  done
done

for round in $(seq 1 "$rounds"); do
  for i in "${!cases[@]}"; do
    set -- ${cases[$i]}
    echo "# round $round of $rounds: $1 $2 qd$3" >&2
    for k in 0 1 2; do
      measure "${servers[$(( (k + round + i) % 3 ))]}" "$1" "$2" "$3"
    done
  done
done

if [ -n "$raw_copy" ]; then cp "$results" "$raw_copy"; fi
python3 - "$results" <<'PY'
import sys
from statistics import median
rows = [l.split() for l in open(sys.argv[1])]
runs = {}
for r in rows:
    runs.setdefault((r[0], r[1], r[2], r[3]), []).append((int(r[4]), float(r[5]), float(r[6])))
data = {k: tuple(median(x[i] for x in v) for i in range(3)) for k, v in runs.items()}
cases = [("randread", "4k", "1"), ("randread", "4k", "32"), ("randwrite", "4k", "1"),
         ("randwrite", "4k", "32"), ("read", "1m", "8"), ("write", "1m", "8")]
servers = ["cairn", "nbdkit", "qemu-nbd"]
cases = [c for c in cases if ("cairn",) + c in data]
print(f"{'case':<22}" + "".join(f"{s + ' IOPS':>14}{'MB/s':>9}{'p99 us':>9}" for s in servers)
      + f"{'cairn/nbdkit':>14}{'cairn/qemu':>12}")
worst_kit, worst_qemu = float("inf"), float("inf")
for rw, bs, qd in cases:
    line = f"{rw + ' ' + bs + ' qd' + qd:<22}"
    for s in servers:
        iops, mbs, p99 = data[(s, rw, bs, qd)]
        line += f"{iops:>14.0f}{mbs:>9.1f}{p99:>9.1f}"
    kit = data[("cairn", rw, bs, qd)][0] / data[("nbdkit", rw, bs, qd)][0]
    qemu = data[("cairn", rw, bs, qd)][0] / data[("qemu-nbd", rw, bs, qd)][0]
    worst_kit, worst_qemu = min(worst_kit, kit), min(worst_qemu, qemu)
    print(line + f"{kit:>14.2f}{qemu:>12.2f}")
print(f"cairn/qemu-nbd min ratio: {worst_qemu:.2f}")
print(f"cairn/nbdkit min ratio: {worst_kit:.2f}")
PY
