#!/usr/bin/env bash
# Export and upload benchmark (issue 5). Starts a memory MongoDB-compatible server in a separate process, then runs
# ExportBenchTest in a Quarkus test JVM against it. Usage: bench/run-admin-bench.sh [MiB ...]   (default: 100)
# Prints, per size: seeding time, export wall time, idle RSS, peak RSS (VmHWM, reset before the export) and peak heap.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-100}")
PORT=${BENCH_MONGO_PORT:-27999}
./mvnw -B -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
java -Xmx4g -cp "$(cat target/bench.cp)" bench/MongoServerMain.java "$PORT" > target/bench-mongo.log 2>&1 &
MONGO_PID=$!
trap 'kill $MONGO_PID 2>/dev/null || true' EXIT
sleep 5
for mib in "${SIZES[@]}"; do
  echo "== ${mib} MiB =="
  TEST_MONGO_URI="mongodb://127.0.0.1:${PORT}/?serverSelectionTimeoutMS=5000" ./mvnw -B -q -o test \
    -Dtest=com.modularlabs.bundle.ExportBenchTest -Dbench.mib="$mib" -Dsurefire.failIfNoSpecifiedTests=false 2>&1 \
    | grep -E '^BENCH' || true
done
