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
