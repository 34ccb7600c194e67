#!/usr/bin/env bash
# Functions benchmark (issue 13), run by `bench/run.sh functions`: (a) a trivial function called through the engine
# (POST /experiments/fnbench/api/_functions/echo: access check, ES256 assertion (reused, LABS_FUNCTIONS_ASSERTION_REUSE),
# data token, Vert.x HTTP client with keep-alive) vs called directly, p50/p99 and calls/s at 16 connections (and 1),
# with the CPU time per call of the engine and of the function process (from /proc: load-independent, unlike the
# latencies); (b) the home page's p99 alone and while every call of another function hangs (16 connections
# hammering it). Writes bench/results/functions.md. Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need wrk wrk
build_app
EXPS=$(mktemp -d /tmp/labs-bench-fn-XXXX); mkdir -p "$EXPS/fnbench"
FPORT=$(free_port)
cat > "$EXPS/fnbench/manifest.json" <<'JSON'
{"name": "Function bench", "status": "active",
 "functions": {"echo": {"url": "/echo", "access": "public"},
               "hang": {"url": "/hang", "access": "public", "timeout_ms": 30000}}}
JSON
cat > "$EXPS/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "{\"n\": 1}"
wrk.headers["Content-Type"] = "application/json"
LUA
FN_PID=""
cleanup() { stop_app; [ -n "$FN_PID" ] && { kill "$FN_PID" 2>/dev/null || true; wait "$FN_PID" 2>/dev/null || true; }; rm -rf "$EXPS"; }
trap cleanup EXIT
java -Dsun.net.httpserver.nodelay=true bench/EchoFunction.java "$FPORT" > "$EXPS/fn.log" 2>&1 &
FN_PID=$!
for _ in $(seq 1 60); do grep -q listening "$EXPS/fn.log" 2>/dev/null && break; sleep 0.5; done
LABS_EXPERIMENTS_DIR="$EXPS" start_app functions LABS_FUNCTIONS_BASE_URLS="fnbench=http://127.0.0.1:$FPORT" \
  LABS_TOKEN_SECRET="$(head -c 48 /dev/urandom | base64)" LABS_FUNCTIONS_CONCURRENCY=64
MACHINE="$(nproc) cores $(uname -m), $(java -version 2>&1 | head -1)"

# lat URL [wrk args]: prints "rps p50_ms p99_ms requests" (CONNS connections, default 16)
lat() {
  local url="$1"; shift
  wrk -t1 -c"${CONNS:-16}" -d"$DURATION" --latency "$@" "$url" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 } if (v ~ /ms$/) { sub(/ms/, "", v); return v + 0 } sub(/s/, "", v); return v * 1000 }
    /Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } / requests in / { n = $1 }
    END { printf "%s %.2f %.2f %d\n", rps, p50, p99, n }'
}
TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system time of a process, in clock ticks
# cpu_lat PID... -- URL [wrk args]: like lat, then "ms_per_call" of CPU for each PID
cpu_lat() {
  local pids=() before=() p
  while [ "$1" != "--" ]; do pids+=("$1"); shift; done; shift
  for p in "${pids[@]}"; do before+=("$(cpu_ticks "$p")"); done
  local out; out=$(lat "$@" || true)
  local n; n=$(echo "$out" | awk '{ print $4 }')
  printf '%s' "$out"
  local i=0
  for p in "${pids[@]}"; do
    awk -v a="${before[$i]}" -v b="$(cpu_ticks "$p")" -v n="$n" -v t="$TICKS" 'BEGIN { printf " %.3f", (n > 0 ? (b - a) * 1000 / t / n : 0) }'
    i=$((i + 1))
  done
  echo
}
wrk -t1 -c16 -d3s -s "$EXPS/post.lua" "$APP_URL/experiments/fnbench/api/_functions/echo" >/dev/null 2>&1 # warm-up
wrk -t1 -c16 -d3s -s "$EXPS/post.lua" "http://127.0.0.1:$FPORT/echo" >/dev/null 2>&1
wrk -t1 -c16 -d3s "$APP_URL/" >/dev/null 2>&1
ECHO="$APP_URL/experiments/fnbench/api/_functions/echo"
read -r D_RPS D_P50 D_P99 D_N D_FCPU < <(cpu_lat "$FN_PID" -- "http://127.0.0.1:$FPORT/echo" -s "$EXPS/post.lua")
read -r E_RPS E_P50 E_P99 E_N E_CPU E_FCPU < <(cpu_lat "$APP_PID" "$FN_PID" -- "$ECHO" -s "$EXPS/post.lua")
read -r D1_RPS D1_P50 D1_P99 D1_N < <(CONNS=1 lat "http://127.0.0.1:$FPORT/echo" -s "$EXPS/post.lua")
read -r E1_RPS E1_P50 E1_P99 E1_N E1_CPU < <(CONNS=1 cpu_lat "$APP_PID" -- "$ECHO" -s "$EXPS/post.lua")
read -r H_RPS H_P50 H_P99 _ < <(lat "$APP_URL/")
wrk -t1 -c16 -d"$DURATION" -s "$EXPS/post.lua" "$APP_URL/experiments/fnbench/api/_functions/hang" >/dev/null 2>&1 &
HANG=$!
sleep 1
read -r HH_RPS HH_P50 HH_P99 _ < <(lat "$APP_URL/")
wait "$HANG" || true
RATIO50=$(awk -v a="$E_P50" -v b="$D_P50" 'BEGIN { printf "%.2f", a / b }')
RATIO99=$(awk -v a="$E_P99" -v b="$D_P99" 'BEGIN { printf "%.2f", a / b }')
RATIO1=$(awk -v a="$E1_P50" -v b="$D1_P50" 'BEGIN { printf "%.2f", a / b }')
{
  echo "## Functions ($(date -u +%F), $MACHINE, wrk 1 thread, 16 connections, $DURATION)"
  echo
  echo "| measurement | calls/s | p50 ms | p99 ms | engine CPU ms/call | function CPU ms/call |"
  echo "|---|---|---|---|---|---|"
  echo "| trivial function, direct, 16 connections | $D_RPS | $D_P50 | $D_P99 | | $D_FCPU |"
  echo "| trivial function, through the engine, 16 connections | $E_RPS | $E_P50 | $E_P99 | $E_CPU | $E_FCPU |"
  echo "| ratio engine / direct, 16 connections | | $RATIO50 | $RATIO99 | | |"
  echo "| trivial function, direct, 1 connection | $D1_RPS | $D1_P50 | $D1_P99 | | |"
  echo "| trivial function, through the engine, 1 connection | $E1_RPS | $E1_P50 | $E1_P99 | $E1_CPU | |"
  echo "| ratio engine / direct, 1 connection | | $RATIO1 | | | |"
  echo "| home page, alone | $H_RPS | $H_P50 | $H_P99 | | |"
  echo "| home page, while 16 connections call a function that hangs | $HH_RPS | $HH_P50 | $HH_P99 | | |"
} | tee "$RESULTS/functions.md"
