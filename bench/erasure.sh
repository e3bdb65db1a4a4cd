#!/usr/bin/env bash
# bench/erasure.sh: JMH, one thread: Cairn's erasure codec (its vector kernel and its scalar one)
# against ISA-L (Debian's libisal2, called through FFM in the same JVM, on the same direct buffers):
# encode, and reconstruct with m data shards lost, for 4+2, 6+3, 8+3 and 10+4 over shards of 64 KiB
# and 1 MiB. Prints GB/s of data (k shards per operation) and, last, the 8+3 1 MiB encode ratio.
# Extra arguments go to JMH (for example -p code=8+3 -wi 2 -i 3 for a quick look).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib/common.sh"
cairn_find_jdk
cairn_require_maven
cd "$CAIRN_HOME"
if ! ldconfig -p | grep -q 'libisal\.so\.2'; then
  echo "bench/erasure.sh: ISA-L is not installed (apt-get install libisal2); it is the peer this benchmark measures against" >&2
  exit 1
fi
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cairn_jmh "$out" ErasureBenchmark "$@"
python3 - "$out" <<'PY'
import csv, sys
rows = {}
for r in csv.DictReader(open(sys.argv[1])):
    op = r["Benchmark"].rsplit(".", 1)[1]
    code, codec, shard = r["Param: code"], r["Param: codec"], int(r["Param: shardBytes"])
    k = int(code.split("+")[0])
    rows[(op, code, shard, codec)] = float(r["Score"]) * k * shard / 1e9
print(f"{'operation':<12} {'code':<5} {'shard':>8} {'vector':>8} {'scalar':>8} {'isal':>8} {'vector/isal':>12}  (GB/s of data)")
keys = sorted({(o, c, s) for (o, c, s, _) in rows}, key=lambda t: (t[0], int(t[1].split("+")[0]), t[2]))
for op, code, shard in keys:
    v, s, i = (rows.get((op, code, shard, x)) for x in ("vector", "scalar", "isal"))
    f = lambda x: f"{x:8.2f}" if x is not None else f"{'-':>8}"
    ratio = f"{v / i:12.2f}" if v and i else f"{'-':>12}"
    size = f"{shard // 1024} KiB" if shard < 1 << 20 else f"{shard >> 20} MiB"
    print(f"{op:<12} {code:<5} {size:>8} {f(v)} {f(s)} {f(i)} {ratio}")
v, i = rows.get(("encode", "8+3", 1 << 20, "vector")), rows.get(("encode", "8+3", 1 << 20, "isal"))
print(f"rs/isal encode ratio (8+3, 1 MiB): {v / i:.2f}" if v and i else "rs/isal encode ratio (8+3, 1 MiB): not measured")
PY
