#!/usr/bin/env bash
# Functions benchmark (issue 13), run by `bench/run.sh functions`: (a) a trivial function called through the engine
# (POST /experiments/fnbench/api/_functions/echo: access check, ES256 assertion, data token, JDK HTTP client) vs
# called directly, p50/p99 at 16 connections; (b) the home page's p99 alone and while every call of another
# function hangs (16 connections hammering it). Writes bench/results/functions.md. Needs wrk.
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

# lat URL [wrk args]: prints "rps p50_ms p99_ms"
lat() {
  local url="$1"; shift
  wrk -t1 -c16 -d"$DURATION" --latency "$@" "$url" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 } if (v ~ /ms$/) { sub(/ms/, "", v); return v + 0 } sub(/s/, "", v); return v * 1000 }
    /Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    END { printf "%s %.2f %.2f\n", rps, p50, p99 }'
}
wrk -t1 -c16 -d3s -s "$EXPS/post.lua" "$APP_URL/experiments/fnbench/api/_functions/echo" >/dev/null 2>&1 # warm-up
wrk -t1 -c16 -d3s -s "$EXPS/post.lua" "http://127.0.0.1:$FPORT/echo" >/dev/null 2>&1
wrk -t1 -c16 -d3s "$APP_URL/" >/dev/null 2>&1
read -r D_RPS D_P50 D_P99 < <(lat "http://127.0.0.1:$FPORT/echo" -s "$EXPS/post.lua")
read -r E_RPS E_P50 E_P99 < <(lat "$APP_URL/experiments/fnbench/api/_functions/echo" -s "$EXPS/post.lua")
read -r H_RPS H_P50 H_P99 < <(lat "$APP_URL/")
wrk -t1 -c16 -d"$DURATION" -s "$EXPS/post.lua" "$APP_URL/experiments/fnbench/api/_functions/hang" >/dev/null 2>&1 &
HANG=$!
sleep 1
read -r HH_RPS HH_P50 HH_P99 < <(lat "$APP_URL/")
wait "$HANG" || true
RATIO50=$(awk -v a="$E_P50" -v b="$D_P50" 'BEGIN { printf "%.2f", a / b }')
RATIO99=$(awk -v a="$E_P99" -v b="$D_P99" 'BEGIN { printf "%.2f", a / b }')
{
  echo "## Functions ($(date -u +%F), $MACHINE, wrk 1 thread, 16 connections, $DURATION)"
  echo
  echo "| measurement | req/s | p50 ms | p99 ms |"
  echo "|---|---|---|---|"
  echo "| trivial function, direct | $D_RPS | $D_P50 | $D_P99 |"
  echo "| trivial function, through the engine | $E_RPS | $E_P50 | $E_P99 |"
  echo "| ratio engine / direct | | $RATIO50 | $RATIO99 |"
  echo "| home page, alone | $H_RPS | $H_P50 | $H_P99 |"
  echo "| home page, while 16 connections call a function that hangs | $HH_RPS | $HH_P50 | $HH_P99 |"
} | tee "$RESULTS/functions.md"
