#!/usr/bin/env bash
# Export and upload benchmark (issue 5), against the packaged service (bench/run.sh export).
# Usage: bench/export.sh [MiB ...]      (default: 100 1024)   |   bench/export.sh upload   (the uploads only)
# Per size: a fresh store process (bench/MongoServerMain.java, memory backend, its own JVM so the data is not in the
# measured process) and a fresh service (start_app, MONGO_URI pointing at that store); ~1 KiB documents tagged
# experiment_id=click_tracker are inserted into click_tracker_clicks through the driver (bench/ExportSeed.java);
# then idle RSS, and for the export (POST, poll to done): wall time, peak RSS (VmHWM after `echo 5 > clear_refs`;
# else VmRSS sampled every 100 ms) and peak heap (sum of the heap pools of jvm_memory_used_bytes, sampled every
# ~250 ms). Then a 50 MiB bundle (49 MiB of incompressible data) uploaded raw (application/zip) and as multipart.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need curl curl
need python3 python3
if [ "${1:-}" = upload ]; then SIZES=(); UPLOAD_ONLY=1; else SIZES=("${@:-100 1024}"); SIZES=(${SIZES[*]}); UPLOAD_ONLY=; fi
SLUG=click_tracker
OUT="$RESULTS/export.md"
WORK=$(mktemp -d /tmp/labs-bench-export-XXXX)
STORE_PID=""
cleanup() { [ -n "${APP_DATA:-}" ] && cp "$APP_DATA/app.log" "${TMPDIR:-/tmp}/labs-bench-export-app.log" 2>/dev/null; stop_app; [ -n "$STORE_PID" ] && kill "$STORE_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

build_app
CP="$ROOT/target/bench-test.cp"
if [ ! -s "$CP" ] || [ "$ROOT/pom.xml" -nt "$CP" ]; then
  (cd "$ROOT" && ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP" -Dmdep.includeScope=test >/dev/null)
fi

mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 * 1024 }' "/proc/$1/status"; }
heap_now() { curl -fs "$MGMT_URL/q/metrics" | awk '/^jvm_memory_used_bytes\{.*area="heap"/ { s += $NF } END { printf "%.0f\n", s }'; }

start_store() {
  STORE_PORT=$(free_port)
  java ${BENCH_STORE_OPTS:--Xmx${1}m} -cp "$(cat "$CP")" "$BENCH_DIR/MongoServerMain.java" "$STORE_PORT" >"$WORK/store.log" 2>&1 &
  STORE_PID=$!
  for _ in $(seq 1 60); do grep -q listening "$WORK/store.log" 2>/dev/null && return 0; sleep 0.5; done
  echo "bench: the store did not start" >&2; cat "$WORK/store.log" >&2; exit 1
}
stop_store() { [ -n "$STORE_PID" ] && { kill "$STORE_PID" 2>/dev/null || true; wait "$STORE_PID" 2>/dev/null || true; }; STORE_PID=""; }

# peak_begin / peak_end: around an operation of the service; peak_end sets PEAK_RSS and PEAK_HEAP (bytes).
peak_begin() {
  HWM_OK=""
  if echo 5 > "/proc/$APP_PID/clear_refs" 2>/dev/null; then HWM_OK=1; fi
  rm -f "$WORK/rss.max" "$WORK/heap.max"
  ( m=0; h=0; i=0
    while kill -0 "$APP_PID" 2>/dev/null && [ ! -f "$WORK/stop" ]; do
      r=$(status_kb "$APP_PID" VmRSS); [ "${r:-0}" -gt "$m" ] && m=$r && echo "$m" > "$WORK/rss.max"
      if [ $((i % 2)) -eq 0 ]; then x=$(heap_now 2>/dev/null || true); [ "${x:-0}" -gt "$h" ] && h=$x && echo "$h" > "$WORK/heap.max"; fi
      i=$((i + 1)); sleep 0.1
    done ) &
  SAMPLER=$!
}
peak_end() {
  touch "$WORK/stop"; wait "$SAMPLER" 2>/dev/null || true; rm -f "$WORK/stop"
  PEAK_RSS=$(cat "$WORK/rss.max" 2>/dev/null || echo 0)
  if [ -n "$HWM_OK" ]; then local hwm; hwm=$(status_kb "$APP_PID" VmHWM); if [ "$hwm" -gt "$PEAK_RSS" ]; then PEAK_RSS=$hwm; fi; fi
  PEAK_HEAP=$(cat "$WORK/heap.max" 2>/dev/null || echo 0)
  local h; h=$(heap_now || true); if [ "${h:-0}" -gt "$PEAK_HEAP" ]; then PEAK_HEAP=$h; fi
}

token() {
  curl -fs -H 'Content-Type: application/json' -d "{\"email\":\"admin@example.com\",\"password\":\"${ADMIN_PASSWORD:-bench-admin-password-1}\"}" \
    "$APP_URL/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

idle_rss() { sleep 2; IDLE_RSS=$(status_kb "$APP_PID" VmRSS); IDLE_HEAP=$(heap_now || true); }

ROWS=()
row() { ROWS+=("| $1 | $2 | $(mib "$IDLE_RSS") | $(mib "$PEAK_RSS") (+$(mib $((PEAK_RSS - IDLE_RSS)))) | $(mib "$PEAK_HEAP") | $3 |"); echo "${ROWS[-1]}"; }

with_service() {  # with_service STORE_MIB: fresh store + service
  start_store "$1"
  start_app export LABS_TOKEN_SECRET="$(head -c 48 /dev/urandom | base64)" MONGO_URI="mongodb://127.0.0.1:$STORE_PORT/?serverSelectionTimeoutMS=5000" LABS_DB_NAME=labs_bench
  TOKEN=$(token)
  echo "service up (heap now $(mib "$(heap_now)"))"
}

for size in "${SIZES[@]}"; do
  echo "== export ${size} MiB =="
  with_service $(( size * 5 + 1024 ))
  read -r docs seed_s < <(java -cp "$(cat "$CP")" "$BENCH_DIR/ExportSeed.java" "mongodb://127.0.0.1:$STORE_PORT" labs_bench "$SLUG" "$size" 2>"$WORK/seed.log")
  echo "seeded $docs documents in ${seed_s} s"
  idle_rss
  peak_begin
  t0=$(date +%s.%N)
  id=$(curl -fs -X POST -H "Authorization: Bearer $TOKEN" "$APP_URL/admin/api/experiments/$SLUG/exports" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  st=queued
  while [ "$st" = queued ] || [ "$st" = running ]; do
    sleep 0.25
    curl -fs -H "Authorization: Bearer $TOKEN" "$APP_URL/admin/api/exports/$id" > "$WORK/job.json"
    st=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$WORK/job.json")
  done
  t1=$(date +%s.%N)
  peak_end
  zip=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("file_size", 0))' "$WORK/job.json")
  phases=$(grep -o 'ZIP written in [0-9]* ms, stored in [0-9]* ms' "$APP_DATA/app.log" | tail -1 || true)
  row "export ${size} MiB ($docs docs)" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }')" "$st; ZIP $(mib "$zip"); $phases"
  [ "$st" = done ] || { tail -20 "$APP_DATA/app.log" >&2; }
  stop_app; stop_store
done

# A 50 MiB bundle: manifest + 49 MiB of random bytes (stored, incompressible), under the 50 MiB limit.
python3 - "$WORK/bundle.zip" "$ROOT/experiments/$SLUG/manifest.json" <<'PY'
import json, os, sys, zipfile
path, manifest = sys.argv[1], json.load(open(sys.argv[2]))
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("manifest.json", json.dumps(manifest))
    z.writestr("static/index.html", "<!doctype html><title>bench</title><p>bench bundle</p>")
    with z.open("static/blob.bin", "w", force_zip64=False) as f:
        for _ in range(49):
            f.write(os.urandom(1 << 20))
PY
BUNDLE_SIZE=$(stat -c %s "$WORK/bundle.zip")
echo "== upload $(mib "$BUNDLE_SIZE") bundle =="
with_service 1024
upload() {  # upload LABEL CURL_BODY_ARGS...
  local label="$1"; shift
  idle_rss
  peak_begin
  local t0 t1 code
  t0=$(date +%s.%N)
  code=$(curl -s -o "$WORK/up.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@" "$APP_URL/admin/api/experiments/$SLUG/bundle" || echo " (curl exit $?)")
  t1=$(date +%s.%N)
  peak_end
  row "upload $(mib "$BUNDLE_SIZE") bundle, $label" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }')" "HTTP $code $(head -c 160 "$WORK/up.json" 2>/dev/null | tr '|\n' '  ')"
}
upload "raw application/zip" --data-binary "@$WORK/bundle.zip" -H 'Content-Type: application/zip'
upload "multipart" -F "file=@$WORK/bundle.zip;type=application/zip"
# Over the limit, chunked (no Content-Length for Vert.x to refuse up front): 51 MiB, then the client stalls for 10 s.
# A 413 well under 10 s shows the service reads the body as it arrives and stops at the cap.
upload "raw, 51 MiB chunked then a 10 s stall (over the limit)" --data-binary @- -H 'Content-Type: application/zip' \
  -H 'Transfer-Encoding: chunked' < <(head -c $((51 * 1048576)) /dev/urandom; sleep 10)
stop_app; stop_store

{
  echo "# Export and upload benchmark"
  echo
  echo "\`bench/export.sh ${SIZES[*]:-upload}\` on $(nproc) cores ($(uname -m)), $(date -u +%Y-%m-%d); service: packaged jar, ${BENCH_JAVA_OPTS:--Xmx1g};"
  echo "store: mongo-java-server (memory backend) in its own JVM on the same cores. Peak RSS: VmHWM of the service process"
  echo "(reset before each operation) or VmRSS sampled every 100 ms; peak heap: jvm_memory_used_bytes{area=\"heap\"} sampled."
  echo
  echo "| case | wall | idle RSS | peak RSS (growth) | peak heap | notes |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} > "$OUT.tmp"
if [ -n "$UPLOAD_ONLY" ]; then cat "$OUT.tmp"; rm -f "$OUT.tmp"; else mv "$OUT.tmp" "$OUT"; cat "$OUT"; fi
