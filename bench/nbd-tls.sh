#!/usr/bin/env bash
# bench/nbd-tls.sh: what TLS costs on a storage node's NBD export, and on nbdkit's (GnuTLS) in the
# same run. nbdcopy copies the same random data into one export and back out of it (to null:), over
# plain NBD, x509 (Cairn: the JDK's TLS) and a pre-shared key (Cairn: BouncyCastle's TLS): a Cairn
# node's extent, then nbdkit's file plugin on a file of the same size, one server at a time, the
# order rotating each round, each after an untimed copy (which warms Cairn's JIT). Certificates are
# made with openssl as the README shows; nbdcopy runs with its defaults (4 connections, 64 requests
# of 256 KiB each).
#
#   bench/nbd-tls.sh [--size MIB] [--rounds N] [--dir DIR]
#
# Prints each server and mode's median MB/s for writes and reads, and its ratio to the same
# server without TLS.
set -euo pipefail

size_mib=1024
rounds=3
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size_mib="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "nbd-tls: unknown argument $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cairn="$here/../bin/cairn"
for tool in nbdcopy nbdinfo nbdkit openssl python3; do
  command -v "$tool" >/dev/null || { echo "nbd-tls: $tool is missing" >&2; exit 1; }
done
if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-tls-bench.XXXXXX")"; fi
mkdir -p "$dir/tls"
node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

echo "# certificates, keys and $size_mib MiB of random data in $dir" >&2
(
  cd "$dir/tls"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout ca-key.pem -out ca-cert.pem -days 1 -subj "/CN=bench CA" 2>/dev/null
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout node-key.pem -out node.csr -subj "/CN=bench node" 2>/dev/null
  openssl x509 -req -in node.csr -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial -days 1 \
    -out node-cert.pem -extfile <(printf 'subjectAltName=IP:127.0.0.1\n') 2>/dev/null
  chmod 600 node-key.pem ca-key.pem
  mkdir nbdkit # the names nbdkit looks for
  cp ca-cert.pem nbdkit/ca-cert.pem; cp node-cert.pem nbdkit/server-cert.pem; cp node-key.pem nbdkit/server-key.pem
  umask 077
  printf 'bench:%s\n' "$(openssl rand -hex 32)" > nbd.psk
  openssl rand -hex 24 > admin.token
)
head -c $((size_mib << 20)) /dev/urandom > "$dir/data.bin"
truncate -s $((size_mib << 20)) "$dir/nbdkit.img"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() { # server mode; sets uri
  case "$1" in
    cairn) start_cairn "$2" ;;
    nbdkit) start_nbdkit "$2" ;;
  esac
}

start_cairn() { # mode; sets uri
  local port tls=()
  port=$(free_port)
  case "$1" in
    x509) tls=(--tls-cert "$dir/tls/node-cert.pem" --tls-key "$dir/tls/node-key.pem") ;;
    psk) tls=(--tls-psk-file "$dir/tls/nbd.psk") ;;
  esac
  : >"$dir/node.log"
  "$cairn" node --drive "$dir/drive.img,size=$((size_mib + 64))MiB" --extent "bench=${size_mib}MiB" \
      --nbd "127.0.0.1:$port" --admin 127.0.0.1:0 --admin-token-file "$dir/tls/admin.token" \
      "${tls[@]}" >"$dir/node.log" 2>&1 &
  node_pid=$!
  local id=""
  for _ in $(seq 1 600); do
    id=$(sed -n "s|.*extent 'bench'.*://127.0.0.1:$port/\(.*\)$|\1|p" "$dir/node.log")
    [ -n "$id" ] && break
    sleep 0.1
  done
  [ -n "$id" ] || { echo "nbd-tls: the node did not start:" >&2; cat "$dir/node.log" >&2; exit 1; }
  uri=$(export_uri "$1" "$port" "$id")
}

start_nbdkit() { # mode; sets uri
  local port tls=()
  port=$(free_port)
  case "$1" in
    x509) tls=(--tls=require --tls-certificates "$dir/tls/nbdkit") ;;
    psk) tls=(--tls=require --tls-psk "$dir/tls/nbd.psk") ;;
  esac
  nbdkit --foreground --exit-with-parent -i 127.0.0.1 -p "$port" "${tls[@]}" file file="$dir/nbdkit.img" \
      >/dev/null 2>&1 &
  node_pid=$!
  uri=$(export_uri "$1" "$port" "")
  for _ in $(seq 1 200); do
    nbdinfo --size "$uri" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "nbd-tls: nbdkit did not start" >&2; exit 1
}

export_uri() { # mode port export
  case "$1" in
    plain) echo "nbd://127.0.0.1:$2/$3" ;;
    x509) echo "nbds://127.0.0.1:$2/$3?tls-certificates=$dir/tls" ;;
    psk) echo "nbds://bench@127.0.0.1:$2/$3?tls-psk-file=$dir/tls/nbd.psk" ;;
  esac
}

stop_node() {
  kill "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
}

mbps() { # seconds -> MB/s of the data
  python3 -c "import sys; print(round($size_mib * 1.048576 / float(sys.argv[1]), 1))" "$1"
}

timed() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end"
}

results="$dir/results.txt"
: >"$results"
modes=(plain x509 psk)
for round in $(seq 1 "$rounds"); do
  for server in cairn nbdkit; do
    for k in 0 1 2; do
      mode=${modes[$(( (k + round) % 3 ))]}
      echo "# round $round of $rounds: $server $mode" >&2
      start_server "$server" "$mode"
      nbdcopy "$dir/data.bin" "$uri" >/dev/null # warm-up, untimed
      echo "$server $mode write $(mbps "$(timed nbdcopy "$dir/data.bin" "$uri")")" >>"$results"
      echo "$server $mode read $(mbps "$(timed nbdcopy "$uri" null:)")" >>"$results"
      stop_node
    done
  done
done

python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    server, mode, op, mb = line.split()
    runs.setdefault((server, mode, op), []).append(float(mb))
print(f"{'server':7} {'mode':6} {'write MB/s':>11} {'read MB/s':>10} {'write/plain':>12} {'read/plain':>11}")
for server in ("cairn", "nbdkit"):
    pw = statistics.median(runs[(server, "plain", "write")])
    pr = statistics.median(runs[(server, "plain", "read")])
    for mode in ("plain", "x509", "psk"):
        w = statistics.median(runs[(server, mode, "write")])
        r = statistics.median(runs[(server, mode, "read")])
        print(f"{server:7} {mode:6} {w:11.1f} {r:10.1f} {w / pw:12.2f} {r / pr:11.2f}")
PY
