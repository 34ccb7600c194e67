#!/usr/bin/env bash
# Start and footprint benchmark (issue 10, P7), against the packaged service (bench/run.sh startup).
# Usage: bench/startup.sh [RUNS]   (default 3; medians are reported)
# Cases: the bundled experiments on an external store (bench/MongoServerMain.java, memory backend, its own JVM), first
# start (empty database: seeding, the admin's bcrypt) and restart (same database); the same on the embedded store
# (in-process, H2 backend); and the bundled ones plus 1000 generated manifests on a new database (the cold
# seed: the service's own labs_seed_duration_seconds, first seeding in a new service JVM), then RSS after 10 s of wrk
# on the home page (memory after load).
# The external store is a Java program: a fresh store JVM runs its decoding and indexing code interpreted the first
# times (hundreds of ms of its CPU), which a real MongoDB does not. So the first start and the cold seed are measured
# twice: on a warmed store (MongoServerMain ... warm: generic createIndexes/insertMany/find traffic on a scratch
# database it drops, then one service start with the 1000 manifests on another scratch database, then until the
# store's CPU is idle (its JIT compilers done); the figures that stand for a real MongoDB, which has no JIT) and, as
# before, on a fresh store JVM (the "fresh store JVM" rows). "store CPU" = CPU seconds the store process used
# during that start.
# "ready" = wall time from launching `java` until /q/health/ready answers 200 (the HTTP listener opens after the
# startup observers: registry, seeding, admin); CPU = user + system seconds of the process until ready, also split
# by thread (main = boot and startup observers, C1 = JIT, loops = Vert.x event loops, bcrypt); idle RSS = VmRSS 5 s
# after ready; classes = -Xlog:class+load lines (from CDS/AOT archive: "shared").
# JVM flags: BENCH_JAVA_OPTS (default: the README's run flags; BENCH_JAVA_OPTS=' ' for the JVM's defaults); JAVA
# (default: $JAVA_HOME/bin/java, else java on PATH; the project's JDK is 25);
# BENCH_APP_DIR (default target/quarkus-app): another build. The service runs from the app
# directory; when it holds app-cds.jsa (JDK 17-24) or app.aot (JDK 25+) made by deploy/aot-cache.sh, that is used.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need curl curl
need python3 python3
RUNS="${1:-3}"
JAVA="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
JAVA_OPTS="${BENCH_JAVA_OPTS-${JAVA_SMALL:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms24m -Xmx256m -Xss512k -XX:ReservedCodeCacheSize=64m -XX:+UseCompactObjectHeaders}}"
APP_DIR="${BENCH_APP_DIR:-$ROOT/target/quarkus-app}"
CACHE=""
[ -f "$APP_DIR/app-cds.jsa" ] && CACHE="-XX:SharedArchiveFile=app-cds.jsa"
[ -f "$APP_DIR/app.aot" ] && "$JAVA" -version 2>&1 | grep -q 'version "2[5-9]' && CACHE="-XX:AOTCache=app.aot"
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

# start_store [warm]
start_store() {
  STORE_PORT=$(free_port)
  java -Xmx512m -cp "$(cat "$CP")" "$BENCH_DIR/MongoServerMain.java" "$STORE_PORT" "$@" >"$WORK/store.log" 2>&1 &
  STORE_PID=$!
  for _ in $(seq 1 240); do grep -q listening "$WORK/store.log" 2>/dev/null && return 0; sleep 0.25; done
  echo "bench: the store did not start" >&2; cat "$WORK/store.log" >&2; exit 1
}
# waits (at most 60 s) until the store process uses under 5 % of a core over half a second: its JIT compilers done
settle_store() {
  local a b
  for _ in $(seq 1 120); do
    a=$(proc_cpu "$STORE_PID"); sleep 0.5; b=$(proc_cpu "$STORE_PID")
    awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.03) }' && return 0
  done
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

# CPU seconds (user + system) of PID so far; 0 without a PID
proc_cpu() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" || echo 0; }

# per-thread CPU seconds of PID, grouped by thread name without its number: "main C1 loops bcrypt other"
thread_cpu() {
  for t in /proc/"$1"/task/*; do cat "$t/stat" 2>/dev/null; done | awk -v hz="$(getconf CLK_TCK)" '{
    n = $0; sub(/^[0-9]+ \(/, "", n); sub(/\) [A-Z] .*$/, "", n); r = $0; sub(/^.*\) /, "", r); split(r, a, " "); c = (a[12] + a[13]) / hz
    if (n == "java") m += c; else if (n ~ /^C[12] Compiler/) j += c; else if (n ~ /eventloo/) l += c; else if (n ~ /bcrypt/) b += c; else o += c
  } END { printf "%.2f %.2f %.2f %.2f %.2f", m, j, l, b, o }'
}

# launch CASE EXPDIR [ENV=VALUE ...]: starts the service, waits for ready; sets READY_MS, CPU_S, THREADS, RSS_MIB,
# CLASSES, SHARED, SEED_MS, STARTED_S (and LOAD_RSS_MIB when LOAD_AFTER is set).
launch() {
  local case="$1" expdir="$2"; shift 2
  APP_PORT=$(free_port); local mport; mport=$(free_port); MGMT_PORT=$(free_port)
  APP_DATA=$(mktemp -d "$WORK/app-XXXX")
  APP_URL="http://127.0.0.1:$APP_PORT"
  MGMT_URL="http://127.0.0.1:$MGMT_PORT" # health and metrics: the management interface
  local t0 s0; t0=$(date +%s%N); s0=$(proc_cpu "$STORE_PID")
  env PORT="$APP_PORT" LABS_HTTP_HOST=127.0.0.1 LABS_MANAGEMENT_PORT="$MGMT_PORT" LABS_MANAGEMENT_HOST=127.0.0.1 LABS_EMBEDDED_MONGO_PORT="$mport" LABS_DATA_DIR="$APP_DATA" \
      LABS_EXPERIMENTS_DIR="$expdir" ADMIN_PASSWORD=bench-admin-password-1 "$@" \
      sh -c 'cd "$1" && shift && exec "$@"' sh "$APP_DIR" "$JAVA" $JAVA_OPTS $CACHE -Xlog:class+load:file="$APP_DATA/classes.log" -jar quarkus-run.jar >"$APP_DATA/app.log" 2>&1 &
  APP_PID=$!
  while ! curl -fs -o /dev/null "$MGMT_URL/q/health/ready" 2>/dev/null; do
    if ! kill -0 "$APP_PID" 2>/dev/null; then echo "bench: the service died; log:" >&2; tail -30 "$APP_DATA/app.log" >&2; exit 1; fi
    if [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 120000 ]; then echo "bench: not ready in 120 s" >&2; exit 1; fi
    sleep 0.01
  done
  READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  # CPU seconds the service used until ready (user + system): steadier than wall time on a shared machine
  CPU_S=$(proc_cpu "$APP_PID")
  STORE_CPU_S=$(awk -v a="$(proc_cpu "$STORE_PID")" -v b="$s0" 'BEGIN { printf "%.2f", a - b }')
  THREADS=$(thread_cpu "$APP_PID")
  sleep 5
  RSS_MIB=$(awk '$1 == "VmRSS:" { printf "%.0f", $2 / 1024 }' "/proc/$APP_PID/status")
  CLASSES=$(grep -c 'source:' "$APP_DATA/classes.log" || true)
  SHARED=$(grep -c 'source: shared' "$APP_DATA/classes.log" || true)
  SEED_MS=$(curl -fs "$MGMT_URL/q/metrics" | awk '/^labs_seed_duration_seconds_sum/ { printf "%.0f", $NF * 1000 }')
  STARTED_S=$(grep -o 'started in [0-9.]*s' "$APP_DATA/app.log" | head -1 | grep -o '[0-9.]*' || echo "?")
  if [ -n "${LOAD_AFTER:-}" ]; then
    wrk -t1 -c16 -d10s "$APP_URL/" >/dev/null 2>&1 || echo "bench: wrk failed (apt-get install -y wrk)" >&2
    sleep 2
    LOAD_RSS_MIB=$(awk '$1 == "VmRSS:" { printf "%.0f", $2 / 1024 }' "/proc/$APP_PID/status")
  fi
  stop_app
}

need wrk wrk
declare -A R T
ext() { echo MONGO_URI="mongodb://127.0.0.1:$STORE_PORT/?serverSelectionTimeoutMS=5000" LABS_DB_NAME="$1"; }
for run in $(seq 1 "$RUNS"); do
  # a warmed store (stands in for a real MongoDB): first start, then the cold seed of 1000 on another new database
  start_store warm
  # plus one service start with the 1000 manifests on a scratch database: the store's own JIT compiles what the
  # service's commands run, which the generic warm-up above does not all reach; then it settles
  launch warm-up "$MANY" $(ext "warmup$run"); settle_store
  launch external-warm "$ROOT/experiments" $(ext "w$run")
  R[w_ready]+="$READY_MS "; R[w_cpu]+="$CPU_S "; R[w_st]+="$STORE_CPU_S "; R[w_rss]+="$RSS_MIB "; R[w_cls]+="$CLASSES "; R[w_q]+="$STARTED_S "; R[w_sh]+="$SHARED "
  T[w]+="$THREADS;"; settle_store
  launch external-1000-warm "$MANY" $(ext "wm$run")
  R[wm_ready]+="$READY_MS "; R[wm_cpu]+="$CPU_S "; R[wm_st]+="$STORE_CPU_S "; R[wm_seed]+="$SEED_MS "; R[wm_rss]+="$RSS_MIB "; T[wm]+="$THREADS;"
  stop_store
  # a fresh store JVM (the figures before session 5): first start, restart, then the 1000 on a new database
  start_store
  launch external "$ROOT/experiments" $(ext "b$run")
  R[ext_ready]+="$READY_MS "; R[ext_cpu]+="$CPU_S "; R[ext_st]+="$STORE_CPU_S "; R[ext_rss]+="$RSS_MIB "; R[ext_cls]+="$CLASSES "; R[ext_q]+="$STARTED_S "; R[ext_sh]+="$SHARED "
  T[ext]+="$THREADS;"
  launch restart "$ROOT/experiments" $(ext "b$run")
  R[re_ready]+="$READY_MS "; R[re_cpu]+="$CPU_S "; R[re_st]+="$STORE_CPU_S "; R[re_rss]+="$RSS_MIB "; R[re_cls]+="$CLASSES "; R[re_q]+="$STARTED_S "; R[re_sh]+="$SHARED "
  T[re]+="$THREADS;"
  LOAD_AFTER=1 launch external-1000 "$MANY" $(ext "m$run")
  R[many_ready]+="$READY_MS "; R[many_cpu]+="$CPU_S "; R[many_st]+="$STORE_CPU_S "; R[many_seed]+="$SEED_MS "; R[many_rss]+="$RSS_MIB "; R[many_load]+="$LOAD_RSS_MIB "
  T[many]+="$THREADS;"
  stop_store
  LOAD_AFTER=1 launch embedded "$ROOT/experiments"
  R[emb_ready]+="$READY_MS "; R[emb_cpu]+="$CPU_S "; R[emb_rss]+="$RSS_MIB "; R[emb_cls]+="$CLASSES "; R[emb_q]+="$STARTED_S "; R[emb_sh]+="$SHARED "
  R[emb_load]+="$LOAD_RSS_MIB "; T[emb]+="$THREADS;"
done
med() { tr ' ' '\n' | grep -v '^$' | median; }
# median per column of "m j l b o;m j l b o;..."
tmed() { local out="" i; for i in 1 2 3 4 5; do out+="$(echo "$1" | tr ';' '\n' | grep -v '^$' | awk -v i=$i '{ print $i }' | median) / "; done; echo "${out% / }"; }
{
  echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"; echo
  echo "JVM: $("$JAVA" -version 2>&1 | head -1); flags: \`${JAVA_OPTS:-(defaults)}\` ${CACHE:+plus \`$CACHE\`}; median of $RUNS runs"
  echo
  echo "| case | ready ms | CPU s until ready | CPU s main / C1 / event loops / bcrypt / other | store CPU s during the start | Quarkus \"started in\" s | idle RSS MiB | RSS after 10 s of home page load MiB | classes loaded (from archive) | cold seed ms |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"
  row() { # row LABEL KEY [RSS-after-load] [seed]
    local k="$2"
    echo "| $1 | $(echo "${R[${k}_ready]}" | med) | $(echo "${R[${k}_cpu]}" | med) | $(tmed "${T[$k]}") | $(echo "${R[${k}_st]:-}" | med) | $(echo "${R[${k}_q]:-}" | med) | $(echo "${R[${k}_rss]}" | med) | $(echo "${R[${k}_load]:-}" | med) | $(echo "${R[${k}_cls]:-}" | med)${R[${k}_sh]:+ ($(echo "${R[${k}_sh]}" | med))} | $(echo "${R[${k}_seed]:-}" | med) |"
  }
  row "bundled experiments, external store (warmed), first start" w
  row "bundled experiments, external store (fresh store JVM), first start" ext
  row "bundled experiments, external store, restart" re
  row "bundled experiments, embedded store" emb
  row "bundled + 1000 manifests, external store (warmed), new database" wm
  row "bundled + 1000 manifests, external store (fresh store JVM, after the two starts above), new database" many
  echo
  echo "raw ready ms: warmed store ${R[w_ready]}| fresh store JVM ${R[ext_ready]}| restart ${R[re_ready]}| embedded ${R[emb_ready]}| 1000 warmed ${R[wm_ready]}| 1000 fresh store JVM ${R[many_ready]}"
  echo "raw cold seed ms: warmed store ${R[wm_seed]}| fresh store JVM ${R[many_seed]}"
} | tee "$OUT"
