#!/usr/bin/env bash
# The benchmark harness. Usage: bench/run.sh [seed|api|login|data|export|scaleout|startup|faults|realtime|functions|all]
# Results are printed and written to bench/results/*.md. Needs wrk (apt-get install -y wrk) for the HTTP parts.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
# startup (the project's JDK 25: JAVA_HOME, else BENCH_JDK25, default the Temurin 25 path): the README's flags
# without a class cache, then the same with the AOT cache of the README's fastest run command (deploy/aot-cache.sh,
# on a copy of the build). RUNS: BENCH_RUNS (default 3).
run_startup() {
  local runs="${BENCH_RUNS:-3}" small='-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms24m -Xmx256m -Xss512k -XX:ReservedCodeCacheSize=64m -XX:+UseCompactObjectHeaders'
  local res="${BENCH_RESULTS:-bench/results}" jdk="${BENCH_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}" java tmp
  if [ -n "${JAVA_HOME:-}" ] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then jdk="$JAVA_HOME"; fi
  [ -x "$jdk/bin/java" ] || { echo "bench: JDK 25 not found (set JAVA_HOME or BENCH_JDK25)" >&2; exit 2; }
  export JAVA_HOME="$jdk"; java="$jdk/bin/java"
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
  rm -f target/quarkus-app/app-cds.jsa target/quarkus-app/app.aot
  echo "## JDK 25, README flags, no class cache"; JAVA="$java" BENCH_JAVA_OPTS="$small" bash bench/startup.sh "$runs"
  cp "$res/startup.md" "$res/startup-jdk25.md"
  tmp=$(mktemp -d /tmp/labs-bench-aot-XXXX); cp -a target/quarkus-app "$tmp/app"
  JAVA_SMALL_POD="$small" sh deploy/aot-cache.sh "$tmp/app" "$java" >/dev/null
  echo "## JDK 25, README flags + AOT cache (deploy/aot-cache.sh: the README's fastest run)"
  JAVA="$java" BENCH_APP_DIR="$tmp/app" BENCH_JAVA_OPTS="$small" bash bench/startup.sh "$runs"
  cp "$res/startup.md" "$res/startup-jdk25-aot.md"
  rm -rf "$tmp"
}
run_seed() { ./mvnw -B -q -Pbench test -Dbench.results="$PWD/bench/results" 2>&1 | grep -v '^\[INFO\]' | sed -n '/Seeding benchmark/,/^$/p;/^|/p'; }
case "$what" in
  seed) run_seed ;;
  api) bash bench/api.sh ;;
  login|data|export) bash "bench/$what.sh" ;;
  startup) run_startup ;;
  scaleout) bash bench/scaleout.sh ;;
  faults) bash bench/faults.sh ;;
  realtime) bash bench/realtime.sh ;;
  functions) bash bench/functions.sh ;;
  all) run_seed; bash bench/api.sh; for b in login data export; do [ -f "bench/$b.sh" ] && bash "bench/$b.sh"; done ;;
  *) echo "usage: bench/run.sh [seed|api|login|data|export|scaleout|startup|faults|realtime|functions|all]" >&2; exit 2 ;;
esac
