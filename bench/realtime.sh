#!/usr/bin/env bash
# Realtime benchmark (issue 12), run by `bench/run.sh realtime`: RT_OWNERS subscribers on an owner-scoped
# collection (one user each) + RT_PUBLIC on a public one, one service, RT_RATE writes/s for RT_SECONDS s.
# Reports delivery latency p50/p99 (write acknowledged -> event received), events/s, lost events, and heap per
# idle subscriber (used heap after full GC, before vs with all subscribers connected). Writes bench/results/realtime.md.
# Store: mongo-java-server memory backend in its own process (bench/MongoServerMain.java), or MONGO_URI.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
OWNERS="${RT_OWNERS:-1800}"; PUBLIC="${RT_PUBLIC:-200}"; RATE="${RT_RATE:-100}"; SECONDS_="${RT_SECONDS:-60}"
build_app
[ -f target/bench.cp ] || ./mvnw -B -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
EXPS=$(mktemp -d /tmp/labs-bench-exps-XXXX); mkdir -p "$EXPS/rtbench"
cat > "$EXPS/rtbench/manifest.json" <<'JSON'
{"name": "Realtime bench", "status": "active",
 "collections": {"private": {"read": "owner", "create": "user", "update": "owner", "delete": "owner"},
                 "board": {"read": "public", "create": "public"}}}
JSON
MONGO_PID=""
cleanup() { stop_app; [ -n "$MONGO_PID" ] && { kill "$MONGO_PID" 2>/dev/null || true; wait "$MONGO_PID" 2>/dev/null || true; }; rm -rf "$EXPS"; }
trap cleanup EXIT
if [ -n "${MONGO_URI:-}" ]; then
  URI="$MONGO_URI"; STORE="MongoDB at MONGO_URI"
else
  MPORT=$(free_port)
  java -Xmx1g -cp "$(cat target/bench.cp)" bench/MongoServerMain.java "$MPORT" > "$EXPS/mongo.log" 2>&1 &
  MONGO_PID=$!
  for _ in $(seq 1 60); do grep -q listening "$EXPS/mongo.log" 2>/dev/null && break; sleep 0.5; done
  URI="mongodb://127.0.0.1:$MPORT/?serverSelectionTimeoutMS=5000"; STORE="mongo-java-server 1.47 memory backend, own process"
fi
LABS_EXPERIMENTS_DIR="$EXPS" start_app realtime MONGO_URI="$URI" LABS_DB_NAME=labs_rtbench LABS_TOKEN_SECRET="$(head -c 48 /dev/urandom | base64)" \
  LABS_BCRYPT_COST=4 LABS_TOKEN_LIFETIME=1H LABS_REALTIME_MAX_CONNECTIONS_PER_ADDRESS=10000 LABS_SLOW_QUERY_MS=1000
MACHINE="$(nproc) cores $(uname -m), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
echo "machine: $MACHINE; store: $STORE; $OWNERS owner + $PUBLIC public subscribers, $RATE writes/s for $SECONDS_ s"
OUT=$(java -Xmx1g -cp "$(cat target/bench.cp)" bench/RealtimeBench.java "$APP_URL" "$OWNERS" "$PUBLIC" "$RATE" "$SECONDS_" "$APP_PID" | tee /dev/stderr)
IFS='|' read -r _ o p rdy total failed expected got p50 p99 max lost eps perSub hb hi early cpuEv cpuMs <<<"$(grep '^RESULT|' <<<"$OUT")"
DROPS=$(metric 'labs_realtime_events_dropped_total')
DUPS=$(grep -o 'duplicate events [0-9]*' <<<"$OUT" | awk '{print $3}')
cp "$APP_DATA/app.log" "$RESULTS/realtime-app.log" 2>/dev/null || true
cat > "$RESULTS/realtime.md" <<MD
# Realtime benchmark (issue 12)

Command: \`bench/run.sh realtime\` (RT_OWNERS=$o RT_PUBLIC=$p RT_RATE=$RATE RT_SECONDS=$SECONDS_), $(date -u +%Y-%m-%d).
Machine: $MACHINE. Store: $STORE. Service: packaged jar, -Xmx1g.
Client: one JVM on the same machine (java.net.http, one SSE connection per subscriber).

| measurement | value |
|---|---|
| subscribers connected (owner-scoped + public) | $rdy of $((o + p)) |
| writes (half public, half to a random owner's collection) | $total ($failed failed) |
| events expected (of acknowledged writes) / received | $expected / $got |
| **lost events** (an acknowledged write's event missing at a subscriber that may read it) | **$lost** |
| events received twice | $DUPS |
| delivery latency p50 / p99 / max (ms, write ack -> receipt) | **$p50 / $p99** / $max |
| events delivered per second (whole run incl. drain) | $eps |
| events dropped by the server (slow consumers) | $DROPS |
| heap per idle subscriber (KiB; used heap after GC, $hb MiB -> $hi MiB) | **$perSub** |
| events that arrived before the writer saw its 201 (counted as 0 ms) | $early |
| service CPU per event delivered (ms; $cpuMs ms user+system over the write and drain phase) | $cpuEv |
MD
echo "realtime: p50 $p50 ms, p99 $p99 ms, $eps events/s, lost $lost, duplicates $DUPS, heap per idle subscriber $perSub KiB, CPU per event $cpuEv ms"
echo "wrote $RESULTS/realtime.md"
