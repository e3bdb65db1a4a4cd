# Shared by bin/cairn and bin/test: finds a JDK 25 and knows how to build Cairn.
# Sourced, not run. Sets CAIRN_HOME, JAVA_HOME and CAIRN_JAVA.

CAIRN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Prints the major version of a java binary, or nothing if it does not run. The JDK's release file
# says it without starting a JVM (which would add a twentieth of a second to every CLI call).
cairn_java_major() {
  local release="${1%/*}/../release" line v
  if [ -f "$release" ]; then
    while IFS= read -r line; do
      case "$line" in
        JAVA_VERSION=\"*)
          v="${line#JAVA_VERSION=\"}"
          echo "${v%%[!0-9]*}"
          return 0
          ;;
      esac
    done <"$release"
  fi
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# Whether $1 is the java of a JDK 25 (a javac beside it); if so, uses it.
cairn_use_jdk() {
  if [ -x "$1" ] && [ "$(cairn_java_major "$1")" = "25" ] && [ -x "${1%/*}/javac" ]; then
    CAIRN_JAVA="$1"
    JAVA_HOME="${1%/bin/java}"
    export JAVA_HOME
    return 0
  fi
  return 1
}

# Finds a JDK 25: JAVA_HOME first, then java on PATH, then /usr/lib/jvm/*. Looks no further than
# the first that fits (every CLI call runs this).
cairn_find_jdk() {
  local tried=() c
  if [ -n "${JAVA_HOME:-}" ]; then
    cairn_use_jdk "$JAVA_HOME/bin/java" && return 0
    tried+=("$JAVA_HOME/bin/java")
  fi
  c="$(command -v java 2>/dev/null || true)"
  if [ -n "$c" ]; then
    c="$(readlink -f "$c")"
    cairn_use_jdk "$c" && return 0
    tried+=("$c")
  fi
  for c in /usr/lib/jvm/*/bin/java; do
    if [ -x "$c" ]; then
      cairn_use_jdk "$c" && return 0
      tried+=("$c")
    fi
  done
  {
    echo "cairn: no JDK 25 found."
    echo "  looked at: JAVA_HOME (${JAVA_HOME:-unset}), java on PATH, /usr/lib/jvm/*"
    for c in "${tried[@]}"; do
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

# cairn_jmh CSV BENCHMARK [JMH ARGS...]: builds the bench module and runs one JMH benchmark class,
# its results in CSV (after cairn_find_jdk and cairn_require_maven, from $CAIRN_HOME).
cairn_jmh() {
  local csv="$1" benchmark="$2"
  shift 2
  mvn -B -q -DskipTests -Dspotless.check.skip=true -Dcheckstyle.skip=true -pl bench -am package
  "$CAIRN_JAVA" --enable-native-access=ALL-UNNAMED -cp "bench/target/cairn-bench.jar:bench/target/lib/*" \
    org.openjdk.jmh.Main "$benchmark" -rf csv -rff "$csv" "$@"
}
