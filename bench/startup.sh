#!/usr/bin/env bash
# Start and footprint benchmark (issue 10, P7), against the packaged service (bench/run.sh startup).
# Usage: bench/startup.sh [RUNS]   (default 3; medians are reported)
# Cases: the bundled experiments on an external store (bench/MongoServerMain.java, memory backend, its own JVM),
# the same on the embedded store (in-process, H2 backend), and the bundled ones plus 1000 generated manifests on a
# fresh external store (the cold seed: the service's own labs_seed_duration_seconds, first seeding in a new JVM).
# "ready" = wall time from launching `java` until /q/health/ready answers 200 (the HTTP listener opens after the
# startup observers: registry, seeding, admin); idle RSS = VmRSS 5 s after ready; classes = -Xlog:class+load lines.
# JVM flags: BENCH_JAVA_OPTS (default: none, the JVM's defaults); JAVA (default: java on PATH); BENCH_APP_DIR
# (default target/quarkus-app): another build to measure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need curl curl
need python3 python3
RUNS="${1:-3}"
JAVA="${JAVA:-java}"
OUT="$RESULTS/startup.md"
WORK=$(mktemp -d /tmp/labs-bench-startup-XXXX)
STORE_PID=""
cleanup() { stop_app; [ -n "$STORE_PID" ] && kill "$STORE_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

build_app
CP="$ROOT/target/bench-test.cp"
if [ ! -s "$CP" ] || [ "$ROOT/pom.xml" -nt "$CP" ]; then
  (cd "$ROOT" && ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP" -Dmdep.includeScope=test >/dev/null)
fi

start_store() {
  STORE_PORT=$(free_port)
  java -Xmx512m -cp "$(cat "$CP")" "$BENCH_DIR/MongoServerMain.java" "$STORE_PORT" >"$WORK/store.log" 2>&1 &
  STORE_PID=$!
  for _ in $(seq 1 120); do grep -q listening "$WORK/store.log" 2>/dev/null && return 0; sleep 0.25; done
  echo "bench: the store did not start" >&2; cat "$WORK/store.log" >&2; exit 1
}
stop_store() { [ -n "$STORE_PID" ] && { kill "$STORE_PID" 2>/dev/null || true; wait "$STORE_PID" 2>/dev/null || true; }; STORE_PID=""; }

# 1000 generated experiments beside the bundled ones (one collection each, no managed indexes).
MANY="$WORK/many"
mkdir -p "$MANY"
cp -r "$ROOT/experiments/." "$MANY/"
for i in $(seq -w 1 1000); do
  mkdir -p "$MANY/gen_$i"
  printf '{"name":"Generated %s","description":"startup benchmark","data_scope":["self"],"collections":{"items":{"read":"public","create":"public"}}}' "$i" >"$MANY/gen_$i/manifest.json"
done

# launch CASE EXPDIR [ENV=VALUE ...]: starts the service, waits for ready; sets READY_MS, RSS_MIB, CLASSES, SEED_MS, STARTED_S.
launch() {
  local case="$1" expdir="$2"; shift 2
  APP_PORT=$(free_port); local mport; mport=$(free_port); MGMT_PORT=$(free_port)
  APP_DATA=$(mktemp -d "$WORK/app-XXXX")
  APP_URL="http://127.0.0.1:$APP_PORT"
  MGMT_URL="http://127.0.0.1:$MGMT_PORT" # health and metrics: the management interface
  local t0; t0=$(date +%s%N)
  env PORT="$APP_PORT" LABS_HTTP_HOST=127.0.0.1 LABS_MANAGEMENT_PORT="$MGMT_PORT" LABS_MANAGEMENT_HOST=127.0.0.1 LABS_EMBEDDED_MONGO_PORT="$mport" LABS_DATA_DIR="$APP_DATA" \
      LABS_EXPERIMENTS_DIR="$expdir" ADMIN_PASSWORD=bench-admin-password-1 "$@" \
      "$JAVA" ${BENCH_JAVA_OPTS:-} -Xlog:class+load:file="$APP_DATA/classes.log" -jar "${BENCH_APP_DIR:-$ROOT/target/quarkus-app}/quarkus-run.jar" >"$APP_DATA/app.log" 2>&1 &
  APP_PID=$!
  while ! curl -fs -o /dev/null "$MGMT_URL/q/health/ready" 2>/dev/null; do
    if ! kill -0 "$APP_PID" 2>/dev/null; then echo "bench: the service died; log:" >&2; tail -30 "$APP_DATA/app.log" >&2; exit 1; fi
    if [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 120000 ]; then echo "bench: not ready in 120 s" >&2; exit 1; fi
    sleep 0.01
  done
  READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  # CPU seconds the service used until ready (user + system): steadier than wall time on a shared machine
  CPU_S=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$APP_PID/stat")
  sleep 5
  RSS_MIB=$(awk '$1 == "VmRSS:" { printf "%.0f", $2 / 1024 }' "/proc/$APP_PID/status")
  CLASSES=$(grep -c 'source:' "$APP_DATA/classes.log" || true)
  SEED_MS=$(curl -fs "$MGMT_URL/q/metrics" | awk '/^labs_seed_duration_seconds_sum/ { printf "%.0f", $NF * 1000 }')
  STARTED_S=$(grep -o 'started in [0-9.]*s' "$APP_DATA/app.log" | head -1 | grep -o '[0-9.]*' || echo "?")
  stop_app
}

declare -A R
for run in $(seq 1 "$RUNS"); do
  start_store
  launch external "$ROOT/experiments" MONGO_URI="mongodb://127.0.0.1:$STORE_PORT/?serverSelectionTimeoutMS=5000" LABS_DB_NAME="b$run"
  R[ext_ready]+="$READY_MS "; R[ext_cpu]+="$CPU_S "; R[ext_rss]+="$RSS_MIB "; R[ext_cls]+="$CLASSES "; R[ext_q]+="$STARTED_S "
  launch external-1000 "$MANY" MONGO_URI="mongodb://127.0.0.1:$STORE_PORT/?serverSelectionTimeoutMS=5000" LABS_DB_NAME="m$run"
  R[many_ready]+="$READY_MS "; R[many_cpu]+="$CPU_S "; R[many_seed]+="$SEED_MS "; R[many_rss]+="$RSS_MIB "
  stop_store
  launch embedded "$ROOT/experiments"
  R[emb_ready]+="$READY_MS "; R[emb_cpu]+="$CPU_S "; R[emb_rss]+="$RSS_MIB "; R[emb_cls]+="$CLASSES "; R[emb_q]+="$STARTED_S "
done
med() { tr ' ' '\n' | grep -v '^$' | median; }
{
  echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"; echo; echo "JVM: $("$JAVA" -version 2>&1 | head -1); flags: \`${BENCH_JAVA_OPTS:-(defaults)}\`; median of $RUNS runs"
  echo
  echo "| case | ready ms | CPU s until ready | Quarkus \"started in\" s | idle RSS MiB | classes loaded | cold seed ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  echo "| bundled experiments, external store | $(echo "${R[ext_ready]}" | med) | $(echo "${R[ext_cpu]}" | med) | $(echo "${R[ext_q]}" | med) | $(echo "${R[ext_rss]}" | med) | $(echo "${R[ext_cls]}" | med) | |"
  echo "| bundled experiments, embedded store | $(echo "${R[emb_ready]}" | med) | $(echo "${R[emb_cpu]}" | med) | $(echo "${R[emb_q]}" | med) | $(echo "${R[emb_rss]}" | med) | $(echo "${R[emb_cls]}" | med) | |"
  echo "| bundled + 1000 manifests, external store (cold) | $(echo "${R[many_ready]}" | med) | $(echo "${R[many_cpu]}" | med) | | $(echo "${R[many_rss]}" | med) | | $(echo "${R[many_seed]}" | med) |"
  echo
  echo "raw: ${R[ext_ready]}| ${R[emb_ready]}| ${R[many_ready]}| seed ${R[many_seed]}"
} | tee "$OUT"
