# bench/lib.sh: helpers the benchmark scripts source; each sets bench_name first (for messages).

# A TCP port free on 127.0.0.1 now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# json EXPR: prints EXPR of the JSON document on stdin, bound to d.
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# until_true SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; exits the script if it
# never does within SECONDS.
until_true() {
  local tries=$(($1 * 10)); shift
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$bench_name: timed out waiting for: $*" >&2; exit 1
}

# cpu_ticks PID...: user and system clock ticks the processes have used, all together.
cpu_ticks() {
  local sum=0
  for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$sum"
}

# bench_dir DIR: the run's directory, DIR or a new one under $TMPDIR when DIR is empty (set as
# $dir). Every pid added to the array pids is stopped, and the directory removed (unless KEEP_RUNS
# is set), when the script exits.
bench_dir() {
  dir="$1"
  if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/var/tmp}/cairn-bench.XXXXXX")"; fi
  mkdir -p "$dir"
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_RUNS:-}" ] || rm -rf "$dir" # KEEP_RUNS=1: keep the logs to look at
}

# start_controller CAIRN [ARG...]: builds once (before anything is timed), then starts a controller
# in $dir/ctl on free ports with ARGs; sets $url and exports what the CLI needs to reach it.
start_controller() {
  local cairn="$1"; shift
  "$cairn" --version >/dev/null
  export CAIRN_NO_BUILD=1
  ctl_rest=$(free_port); ctl_raft=$(free_port)
  url="http://127.0.0.1:$ctl_rest"
  ctl_args=("$@")
  restart_controller "$cairn"
  export CAIRN_CONTROLLER="$url" CAIRN_TOKEN_FILE="$dir/ctl/tokens/admin.token"
}

# restart_controller CAIRN: starts the controller of start_controller again (after it was stopped),
# on the same data, ports and arguments; sets $ctl_pid.
restart_controller() {
  "$1" controller --data "$dir/ctl" --listen "127.0.0.1:$ctl_rest" --peers "c1=127.0.0.1:$ctl_raft" --id c1 \
      "${ctl_args[@]}" >>"$dir/controller.log" 2>&1 &
  pids+=($!)
  ctl_pid=$!
  until_true 60 curl -sf "$url/health"
}
