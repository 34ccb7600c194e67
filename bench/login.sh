#!/usr/bin/env bash
# Login storm benchmark (issue 3): 50 concurrent clients doing POST /auth/token at bcrypt cost 12 for DURATION
# seconds, while measuring GET /q/health/live latency and labs_eventloop_lag_seconds (p99) from /q/metrics.
# Usage: bench/login.sh [duration_s] [connections]   (needs wrk, curl, java 17; builds the jar if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
CONNS=${2:-50}
JAR=target/quarkus-app/quarkus-run.jar
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests
command -v wrk >/dev/null || { echo "wrk is required (apt-get install -y wrk)"; exit 1; }

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PORT=$(free_port); MPORT=$(free_port); MGMT_PORT=$(free_port)
TMP=$(mktemp -d)
APP_PID=""
cleanup() { [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null; wait "$APP_PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
mkdir -p "$TMP/experiments"
ADMIN_PW="bench-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
USER_PW="bench-user-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
BASE=http://127.0.0.1:$PORT
MGMT=http://127.0.0.1:$MGMT_PORT # metrics and health: the management interface

PORT=$PORT LABS_HTTP_HOST=127.0.0.1 LABS_MANAGEMENT_PORT=$MGMT_PORT LABS_MANAGEMENT_HOST=127.0.0.1 LABS_EMBEDDED_MONGO_PORT=$MPORT LABS_DATA_DIR="$TMP/data" LABS_EXPERIMENTS_DIR="$TMP/experiments" \
  ADMIN_EMAIL=admin@bench.example ADMIN_PASSWORD="$ADMIN_PW" LABS_TOKEN_SECRET="$(head -c 48 /dev/urandom | base64)" \
  LABS_BCRYPT_COST=${LABS_BCRYPT_COST:-12} LABS_LOGIN_MAX_FAILURES=1000000 LABS_REGISTRY_STARTUP_TIMEOUT=${LABS_REGISTRY_STARTUP_TIMEOUT:-3s} \
  java ${JAVA_OPTS:-} -jar "$JAR" > "$TMP/app.log" 2>&1 &
APP_PID=$!
READY=""
for i in $(seq 1 240); do
  curl -fs "$MGMT/q/health/ready" >/dev/null 2>&1 && { READY=1; break; }
  kill -0 "$APP_PID" 2>/dev/null || { cat "$TMP/app.log"; exit 1; }
  sleep 0.5
done
[ -n "$READY" ] || { echo "app not ready"; tail -30 "$TMP/app.log"; exit 1; }
sleep 2 # auth bootstrap (admin account) runs right after the HTTP server opens
ADMIN_TOKEN=$(curl -s -H 'Content-Type: application/json' -d "{\"email\":\"admin@bench.example\",\"password\":\"$ADMIN_PW\"}" "$BASE/auth/token" \
  | python3 -c "import json,sys;print(json.load(sys.stdin)['access_token'])") || { tail -30 "$TMP/app.log"; exit 1; }
curl -fs -o /dev/null -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench@bench.example\",\"password\":\"$USER_PW\",\"roles\":[]}" "$BASE/admin/api/users"

cat > "$TMP/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@bench.example","password":"$USER_PW"}'
local non200 = 0
response = function(status, headers, body) if status ~= 200 then non200 = non200 + 1 end end
done = function(summary, latency, requests) end
LUA

# event-loop lag p99: max over loops and over samples taken every second during the storm
( for i in $(seq 1 "$DURATION"); do
    curl -fs "$MGMT/q/metrics" | awk '/^labs_eventloop_lag_seconds\{.*quantile="0.99"/ {print $NF}'
    sleep 1
  done ) > "$TMP/lag.txt" &
LAG_PID=$!
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 60s --latency -s "$TMP/login.lua" "$BASE/auth/token" > "$TMP/login.txt" &
LOGIN_PID=$!
sleep 1
# a person opening a plain page (the home page) every 100 ms during the storm: latency p50 / p99 / max
python3 - "$BASE/" "$((DURATION - 2))" > "$TMP/page.txt" <<'PY'
import sys, time, urllib.request
url, secs = sys.argv[1], float(sys.argv[2])
lat, end = [], time.time() + secs
while time.time() < end:
    t = time.perf_counter()
    urllib.request.urlopen(url, timeout=60).read()
    lat.append((time.perf_counter() - t) * 1000)
    time.sleep(0.1)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{len(lat)} {q(0.5):.1f} {q(0.99):.1f} {lat[-1]:.1f}")
PY
wait "$LOGIN_PID"; wait "$LAG_PID" || true

rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1==p {print $2}' "$1"; }
non2xx=$(awk '/Non-2xx/ {print $NF}' "$TMP/login.txt"); non2xx=${non2xx:-0}
lagmax=$(sort -g "$TMP/lag.txt" | tail -1)
echo "Login storm: $CONNS clients, ${DURATION}s, bcrypt cost ${LABS_BCRYPT_COST:-12}, $(nproc) cores"
printf '%-34s %s\n' "metric" "value"
printf '%-34s %s\n' "logins/s (POST /auth/token)" "$(rps "$TMP/login.txt")"
printf '%-34s %s\n' "login non-2xx responses" "$non2xx"
printf '%-34s %s\n' "login latency p50 / p99" "$(pct "$TMP/login.txt" 50%) / $(pct "$TMP/login.txt" 99%)"
read -r pages p50 p99 pmax < "$TMP/page.txt"
printf '%-34s %s\n' "GET / during the storm (n=$pages)" "p50 ${p50} ms / p99 ${p99} ms / max ${pmax} ms"
printf '%-34s %s\n' "labs_eventloop_lag_seconds p99 max" "${lagmax:-n/a} s"
