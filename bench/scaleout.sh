#!/usr/bin/env bash
# Scale-out proof (issue 6): three packaged instances on one database under load, via the failsafe integration
# test src/test/java/com/modularlabs/scale/ScaleOutIT.java (only that IT; unit tests skipped). Needs no wrk.
# Prints the results table, also kept in target/scaleout.md (child logs: target/scaleout-*.log).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
rm -f target/scaleout.md
status=0
./mvnw -B verify -Dit.test=ScaleOutIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "$@" >target/scaleout-maven.log 2>&1 || status=$?
if [ -f target/scaleout.md ]; then
  cat target/scaleout.md
  mkdir -p bench/results && cp target/scaleout.md bench/results/scaleout.md
else
  echo "bench: no target/scaleout.md; maven output:" >&2
fi
if [ "$status" -ne 0 ]; then
  grep -E '^\[(ERROR|INFO)\] (Tests run|BUILD|Failed|  ScaleOutIT)|^-----|<<< FAIL' target/scaleout-maven.log >&2 || tail -40 target/scaleout-maven.log >&2
  echo "bench: scale-out proof FAILED (full output: target/scaleout-maven.log)" >&2
fi
exit "$status"
