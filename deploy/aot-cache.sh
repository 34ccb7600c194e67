#!/bin/sh
# Makes a class cache for the packaged service by one training start: the service starts on a throw-away embedded
# store, is stopped (SIGTERM) once it has started, and the JVM writes the cache on exit.
#   JDK >= 25: an AOT cache (app.aot, JEP 483/515): classes loaded, linked and profiled.
#              Run from that directory:  java <same flags> -XX:AOTCache=app.aot -jar quarkus-run.jar
#   JDK 17-24: a dynamic AppCDS archive (app-cds.jsa) of every class the start loaded (Quarkus' own
#              quarkus.package.jar.aot.enabled archive stops after static init and holds about half of them).
#              Run from that directory:  java <same flags> -XX:SharedArchiveFile=app-cds.jsa -jar quarkus-run.jar
# Usage: deploy/aot-cache.sh [QUARKUS_APP_DIR (target/quarkus-app)] [JAVA]. JAVA_SMALL_POD: the run's JVM flags (a
# cache maps only when GC and object-header flags match the training run). Same JDK and same paths when run.
set -eu
app="${1:-target/quarkus-app}"
java="${2:-java}"
cd "$app"
data=$(mktemp -d)
port=$((20000 + $$ % 20000)); store=$((port + 1)); mgmt=$((port + 2))
feature=$("$java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
if [ "${feature:-0}" -ge 25 ]; then out=app.aot; record="-XX:AOTCacheOutput=app.aot"; else out=app-cds.jsa; record="-XX:ArchiveClassesAtExit=app-cds.jsa"; fi
rm -f "$out"
PORT=$port LABS_HTTP_HOST=127.0.0.1 LABS_EMBEDDED_MONGO_PORT=$store LABS_MANAGEMENT_PORT=$mgmt LABS_MANAGEMENT_HOST=127.0.0.1 \
  LABS_DATA_DIR="$data" ADMIN_PASSWORD=aot-training-only-1 \
  "$java" $record ${JAVA_SMALL_POD:-} -jar quarkus-run.jar >"$data/training.log" 2>&1 &
pid=$!
i=0
# the JDK's own HTTP client is not scriptable from sh; the ready line in the log is the signal
until grep -q "started in" "$data/training.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 600 ] || { tail -20 "$data/training.log"; kill $pid; exit 1; }
  kill -0 $pid 2>/dev/null || { tail -20 "$data/training.log"; exit 1; }
  sleep 0.5
done
kill $pid; wait $pid || true
rm -rf "$data"
ls -l "$out"
