#!/usr/bin/env bash
# The benchmark harness. Usage: bench/run.sh [seed|api|login|data|export|scaleout|startup|faults|realtime|functions|all]
# Results are printed and written to bench/results/*.md. Needs wrk (apt-get install -y wrk) for the HTTP parts.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
# startup: the README's flags on the default JDK, then the same with an AppCDS archive made by a training start
# (deploy/aot-cache.sh, on a copy of the build), then on a JDK 25 (BENCH_JDK25, default the Temurin 25 path) with
# compact object headers and an AOT cache, when one is installed. RUNS: BENCH_RUNS (default 3).
run_startup() {
  local runs="${BENCH_RUNS:-3}" small='-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms24m -Xmx256m -Xss512k -XX:ReservedCodeCacheSize=64m'
  local res="${BENCH_RESULTS:-bench/results}" jdk25="${BENCH_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}" tmp
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
  rm -f target/quarkus-app/app-cds.jsa target/quarkus-app/app.aot
  echo "## README flags, JDK on PATH"; BENCH_JAVA_OPTS="$small" bash bench/startup.sh "$runs"
  cp "$res/startup.md" "$res/startup-small.md"
  tmp=$(mktemp -d /tmp/labs-bench-cds-XXXX); cp -a target/quarkus-app "$tmp/app"
  JAVA_SMALL_POD="$small" sh deploy/aot-cache.sh "$tmp/app" java >/dev/null
  echo "## README flags + AppCDS archive (deploy/aot-cache.sh)"; BENCH_APP_DIR="$tmp/app" BENCH_JAVA_OPTS="$small" bash bench/startup.sh "$runs"
  cp "$res/startup.md" "$res/startup-cds.md"
  if [ -x "$jdk25" ]; then
    rm -f "$tmp/app/app-cds.jsa"
    JAVA_SMALL_POD="$small -XX:+UseCompactObjectHeaders" sh deploy/aot-cache.sh "$tmp/app" "$jdk25" >/dev/null
    echo "## JDK 25, README flags + compact object headers + AOT cache"
    JAVA="$jdk25" BENCH_APP_DIR="$tmp/app" BENCH_JAVA_OPTS="$small -XX:+UseCompactObjectHeaders" bash bench/startup.sh "$runs"
    cp "$res/startup.md" "$res/startup-jdk25-aot.md"
  fi
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
