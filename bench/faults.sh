#!/usr/bin/env bash
# Faults benchmark (issue 11): durability cost and writes lost on SIGKILL per LABS_STORE_DURABILITY (the store alone,
# then the packaged jar), database kill/freeze against the packaged service, database absent at startup.
# See bench/FaultsBench.java. Usage: bench/run.sh faults   (BENCH_SECONDS=5 per round, BENCH_ROUNDS=3 for the store
# part; BENCH_PART=startup: only the database-absent-at-startup part). Tables: stdout, bench/results/faults.md and the
# faults block of docs/benchmarks.md (BENCH_DOCS= to leave it alone). BENCH_REBUILD=1 repackages the jar first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_app
(cd "$ROOT" && ./mvnw -B -q -o test-compile)
CP="$ROOT/target/bench-test.cp"
if [ ! -s "$CP" ] || [ "$ROOT/pom.xml" -nt "$CP" ]; then
  (cd "$ROOT" && ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP" -Dmdep.includeScope=test >/dev/null)
fi
cd "$ROOT"
BENCH_OUT="$RESULTS/faults.md" java -cp "target/classes:target/test-classes:$(cat "$CP")" bench/FaultsBench.java "$ROOT/target/quarkus-app/quarkus-run.jar"
trap - EXIT
