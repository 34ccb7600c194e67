#!/usr/bin/env bash
# Shared helpers for the HTTP benchmarks: build once, start the packaged service on free ports with a throw-away
# embedded store, read Prometheus metrics, stop it. Source this file; do not run it.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results}"
RUNS="${BENCH_RUNS:-3}"
DURATION="${BENCH_DURATION:-10s}"
mkdir -p "$RESULTS"
# the project's JDK (25, README): JAVA_HOME when set, else the Temurin 25 path when present, for every java started here
if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
if [ -n "${JAVA_HOME:-}" ]; then export PATH="$JAVA_HOME/bin:$PATH"; fi

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: '$1' is missing (Debian: apt-get install -y $2)" >&2; exit 2; }; }

build_app() {
  if [ ! -f "$ROOT/target/quarkus-app/quarkus-run.jar" ] || [ -n "${BENCH_REBUILD:-}" ]; then
    (cd "$ROOT" && ./mvnw -B -q package -DskipTests)
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_app NAME [ENV=VALUE ...]: starts the service; sets APP_PID, APP_URL, MGMT_URL, APP_DATA.
start_app() {
  local name="$1"; shift
  APP_PORT=$(free_port); local mport; mport=$(free_port); MGMT_PORT=$(free_port)
  APP_DATA=$(mktemp -d "/tmp/labs-bench-$name-XXXX")
  APP_URL="http://127.0.0.1:$APP_PORT"
  MGMT_URL="http://127.0.0.1:$MGMT_PORT" # metrics and health: the management interface
  env PORT="$APP_PORT" LABS_HTTP_HOST=127.0.0.1 LABS_MANAGEMENT_PORT="$MGMT_PORT" LABS_MANAGEMENT_HOST=127.0.0.1 LABS_EMBEDDED_MONGO_PORT="$mport" LABS_DATA_DIR="$APP_DATA" \
      LABS_EXPERIMENTS_DIR="${LABS_EXPERIMENTS_DIR:-$ROOT/experiments}" ADMIN_PASSWORD="${ADMIN_PASSWORD:-bench-admin-password-1}" \
      "$@" java ${BENCH_JAVA_OPTS:--Xmx1g} -jar "$ROOT/target/quarkus-app/quarkus-run.jar" >"$APP_DATA/app.log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 120); do
    if curl -fs "$MGMT_URL/q/health/started" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$APP_PID" 2>/dev/null; then echo "bench: the service died; log:" >&2; tail -30 "$APP_DATA/app.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "bench: the service did not start in 60 s" >&2; tail -30 "$APP_DATA/app.log" >&2; exit 1
}

stop_app() {
  if [ -n "${APP_PID:-}" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  APP_PID=""
  [ -n "${APP_DATA:-}" ] && rm -rf "$APP_DATA"
}
trap stop_app EXIT

# metric NAME_AND_LABEL_REGEX: prints the max value of matching Prometheus sample lines.
metric() {
  curl -fs "$MGMT_URL/q/metrics" | grep -E "^$1" | awk '{ if ($NF+0 > m) m = $NF+0 } END { printf "%.6f\n", m+0 }'
}

# wrk_run URL [extra wrk args]: prints "req_per_s p99_ms".
wrk_run() {
  local url="$1"; shift
  wrk -t"${BENCH_WRK_THREADS:-1}" -c"${BENCH_CONNECTIONS:-16}" -d"$DURATION" --latency "$@" "$url" 2>/dev/null | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 } p99 = v }
    END { printf "%s %s\n", rps, p99 }'
}

# median of numbers on stdin
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)] }'; }
