#!/usr/bin/env bash
# bench/drive-read.sh: JMH, random page-cache reads through Cairn's file backend (FFM pread,
# preadv2 RWF_NOWAIT) against the JDK's FileChannel, same file, same run. Last lines: the ratios.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib/common.sh"
cairn_find_jdk
cairn_require_maven
cd "$CAIRN_HOME"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cairn_jmh "$out" FileReadBenchmark "$@"
python3 - "$out" <<'PY'
import csv, sys
rows = {(r["Benchmark"].rsplit(".", 1)[1], r["Param: blockBytes"]): float(r["Score"]) for r in csv.DictReader(open(sys.argv[1]))}
for size in sorted({k[1] for k in rows}, key=int):
    jdk = rows[("jdkFileChannel", size)]
    print(f"{size:>6} B: cairn pread/FileChannel {rows[('cairnPread', size)] / jdk:.2f}, "
          f"cairn preadv2 NOWAIT/FileChannel {rows[('cairnPreadNoWait', size)] / jdk:.2f}")
PY
