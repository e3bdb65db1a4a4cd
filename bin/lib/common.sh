# Shared by bin/cairn and bin/test: finds a JDK 25 and knows how to build Cairn.
# Sourced, not run. Sets CAIRN_HOME, JAVA_HOME and CAIRN_JAVA.

CAIRN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Prints the major version of a java binary, or nothing if it does not run.
cairn_java_major() {
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# Finds a JDK 25: JAVA_HOME first, then java on PATH, then /usr/lib/jvm/*.
cairn_find_jdk() {
  local candidates=() c
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  c="$(command -v java 2>/dev/null || true)"
  [ -n "$c" ] && candidates+=("$(readlink -f "$c")")
  for c in /usr/lib/jvm/*/bin/java; do
    [ -x "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    if [ -x "$c" ] && [ "$(cairn_java_major "$c")" = "25" ] && [ -x "$(dirname "$c")/javac" ]; then
      CAIRN_JAVA="$c"
      JAVA_HOME="$(cd "$(dirname "$c")/.." && pwd)"
      export JAVA_HOME
      return 0
    fi
  done
  {
    echo "cairn: no JDK 25 found."
    echo "  looked at: JAVA_HOME (${JAVA_HOME:-unset}), java on PATH, /usr/lib/jvm/*"
    for c in "${candidates[@]}"; do
      echo "    $c -> version $(cairn_java_major "$c" || true)"
    done
    echo "  install a JDK 25 (e.g. Temurin 25) or point JAVA_HOME at one."
  } >&2
  return 1
}

cairn_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "cairn: Maven (mvn) is needed to build Cairn; install it (Debian: apt-get install maven)." >&2
    return 1
  fi
}
