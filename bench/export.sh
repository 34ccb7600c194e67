#!/usr/bin/env bash
# Export and upload benchmark (issue 5), against the packaged service (bench/run.sh export).
# Usage: bench/export.sh [MiB ...]      (default: 100 1024)   |   bench/export.sh upload   (the uploads only)
# Per size: a fresh store process (bench/MongoServerMain.java, memory backend, its own JVM so the data is not in the
# measured process) and a fresh service (start_app, MONGO_URI pointing at that store); ~1 KiB documents tagged
# experiment_id=click_tracker are inserted into click_tracker_clicks through the driver (bench/ExportSeed.java);
# then idle RSS, and for the export (POST, poll to done): wall time, peak RSS (VmHWM after `echo 5 > clear_refs`;
# else VmRSS sampled every 100 ms) and peak heap (sum of the heap pools of jvm_memory_used_bytes, sampled every
# ~250 ms). Then a 50 MiB bundle (49 MiB of incompressible data) uploaded raw (application/zip) and as multipart.
# The floor: a raw driver read of the same documents from the same store in the same run (ExportSeed.java read:
# the export's filter and batch size, RawBsonDocument, nothing encoded); the export is reported as a ratio to it,
# with the service's and the store's CPU seconds (utime+stime, less sensitive to other load than wall time). BENCH_JFR=1 records
# the service with JFR (settings=profile) and writes hot methods and allocations to results/export-profile-<MiB>.txt.
# BENCH_EXPORT_ONLY=1 skips the uploads (the table is then printed, not written to results/export.md).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need curl curl
need python3 python3
if [ "${1:-}" = upload ]; then SIZES=(); UPLOAD_ONLY=1; else SIZES=("${@:-100 1024}"); SIZES=(${SIZES[*]}); UPLOAD_ONLY=; fi
SLUG=click_tracker
OUT="$RESULTS/export.md"
WORK=$(mktemp -d /tmp/labs-bench-export-XXXX)
STORE_PID=""
cleanup() { { [ -n "${APP_DATA:-}" ] && cp "$APP_DATA/app.log" "${TMPDIR:-/tmp}/labs-bench-export-app.log" 2>/dev/null; } || true; stop_app; { [ -n "$STORE_PID" ] && kill "$STORE_PID" 2>/dev/null; } || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

build_app
CP="$ROOT/target/bench-test.cp"
if [ ! -s "$CP" ] || [ "$ROOT/pom.xml" -nt "$CP" ]; then
  (cd "$ROOT" && ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP" -Dmdep.includeScope=test >/dev/null)
fi

mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
# one line per thread of a process: tid, name (spaces removed), CPU seconds (utime + stime)
threads_cpu() { for f in /proc/"$1"/task/*/stat; do awk -v t="$(getconf CLK_TCK)" '{ match($0, /\(.*\)/); n = substr($0, RSTART + 1, RLENGTH - 2); gsub(/ /, "_", n); split(substr($0, RSTART + RLENGTH + 1), f, " "); printf "%s %s %.2f\n", $1, n, (f[12] + f[13]) / t }' "$f" 2>/dev/null; done; }
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / t }' "/proc/$1/stat"; }
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
  local jfr_opts=""
  if [ -n "${BENCH_JFR:-}" ]; then jfr_opts="-XX:StartFlightRecording=filename=$WORK/export.jfr,settings=profile,dumponexit=true"; fi
  BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xmx1g} $jfr_opts" start_app export LABS_TOKEN_SECRET="$(head -c 48 /dev/urandom | base64)" MONGO_URI="mongodb://127.0.0.1:$STORE_PORT/?serverSelectionTimeoutMS=5000" LABS_DB_NAME=labs_bench
  TOKEN=$(token)
  echo "service up (heap now $(mib "$(heap_now)"))"
}

for size in "${SIZES[@]}"; do
  echo "== export ${size} MiB =="
  with_service $(( size * 5 + 1024 ))
  read -r docs seed_s < <(java -cp "$(cat "$CP")" "$BENCH_DIR/ExportSeed.java" "mongodb://127.0.0.1:$STORE_PORT" labs_bench "$SLUG" "$size" 2>"$WORK/seed.log")
  echo "seeded $docs documents in ${seed_s} s"
  read -r raw_docs raw_bytes raw_s raw_cpu < <(java -cp "$(cat "$CP")" "$BENCH_DIR/ExportSeed.java" "mongodb://127.0.0.1:$STORE_PORT" labs_bench "$SLUG" read 2>>"$WORK/seed.log")
  echo "raw driver read (the floor): $raw_docs documents, $(mib "$raw_bytes") of BSON in ${raw_s} s (${raw_cpu} s CPU)"
  idle_rss
  threads_cpu "$APP_PID" > "$WORK/threads0"
  cpu0=$(cpu_s "$APP_PID"); scpu0=$(cpu_s "$STORE_PID")
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
  cpu1=$(cpu_s "$APP_PID"); scpu1=$(cpu_s "$STORE_PID")
  threads_cpu "$APP_PID" > "$WORK/threads1"
  peak_end
  zip=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("file_size", 0))' "$WORK/job.json")
  phases=$(grep -o 'ZIP written in [0-9]* ms, stored in [0-9]* ms' "$APP_DATA/app.log" | tail -1 || true)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  ratio=$(awk -v w="$wall" -v r="$raw_s" 'BEGIN { printf "%.1f", w / r }')
  heap_growth=$(( PEAK_HEAP - ${IDLE_HEAP:-0} ))
  row "export ${size} MiB ($docs docs)" "${wall} s" "$st; **${ratio}× the raw read** (${raw_s} s, ${raw_cpu} s CPU); service CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }') s, store CPU $(awk -v a="$scpu0" -v b="$scpu1" 'BEGIN { printf "%.1f", b - a }') s; heap +$(mib "$heap_growth"); ZIP $(mib "$zip"); $phases"
  # CPU seconds per service thread during the export (load-independent: where the work is, not how long it waited)
  echo "service threads, CPU s during the export: $(awk 'NR == FNR { a[$1] = $3; next } { d = $3 - a[$1]; if (d > 0.05) printf "%s %.2f\n", $2, d }' \
    "$WORK/threads0" "$WORK/threads1" | sort -k2 -rn | head -8 | tr '\n' ';')"
  [ "$st" = done ] || { tail -20 "$APP_DATA/app.log" >&2; }
  JFR_FILE="$WORK/export.jfr"
  if [ -n "${BENCH_JFR:-}" ]; then
    kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true  # JFR dumps on exit
    JFR_TOOL=$(ls /usr/lib/jvm/*25*/bin/jfr 2>/dev/null | head -1 || true)  # `jfr view` needs JDK 21+; reads 17's files
    if [ -f "$JFR_FILE" ] && [ -n "$JFR_TOOL" ]; then
      { echo "# bench/export.sh $size with BENCH_JFR=1: $(date -u +%FT%TZ)"
        for v in hot-methods allocation-by-class cpu-time-hot-methods; do "$JFR_TOOL" view --width 260 "$v" "$JFR_FILE" 2>/dev/null || true; done
      } > "$RESULTS/export-profile-$size.txt"
      cp "$JFR_FILE" "$RESULTS/export-$size.jfr"
      echo "profile: $RESULTS/export-profile-$size.txt (recording $RESULTS/export-$size.jfr)"
    fi
  fi
  stop_app; stop_store
done

if [ -n "${BENCH_EXPORT_ONLY:-}" ]; then UPLOAD_ONLY=1; SKIP_UPLOADS=1; fi
if [ -z "${SKIP_UPLOADS:-}" ]; then
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
fi

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
