#!/bin/sh
# Makes a JDK 25 AOT cache (app.aot) for the packaged service by one training start: the service starts on a
# throw-away embedded store on free ports, is stopped (SIGTERM) once /q/health/ready answers, and the JVM writes the
# cache on exit. Usage: deploy/aot-cache.sh [QUARKUS_APP_DIR (target/quarkus-app)] [JAVA (a JDK >= 25)]
# Then run from that directory:  java -XX:AOTCache=app.aot -jar quarkus-run.jar   (same JDK, same paths).
set -eu
app="${1:-target/quarkus-app}"
java="${2:-java}"
cd "$app"
data=$(mktemp -d)
port=$((20000 + $$ % 20000)); store=$((port + 1))
PORT=$port LABS_HTTP_HOST=127.0.0.1 LABS_EMBEDDED_MONGO_PORT=$store LABS_DATA_DIR="$data" ADMIN_PASSWORD=aot-training-only-1 \
  "$java" -XX:AOTCacheOutput=app.aot ${JAVA_SMALL_POD:-} -jar quarkus-run.jar >"$data/training.log" 2>&1 &
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
ls -l app.aot
