#!/usr/bin/env bash
# The benchmark harness. Usage: bench/run.sh [seed|api|login|data|export|scaleout|startup|faults|realtime|functions|all]
# Results are printed and written to bench/results/*.md. Needs wrk (apt-get install -y wrk) for the HTTP parts.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
run_seed() { ./mvnw -B -q -Pbench test -Dbench.results="$PWD/bench/results" 2>&1 | grep -v '^\[INFO\]' | sed -n '/Seeding benchmark/,/^$/p;/^|/p'; }
case "$what" in
  seed) run_seed ;;
  api) bash bench/api.sh ;;
  login|data|export|startup) bash "bench/$what.sh" ;;
  scaleout) bash bench/scaleout.sh ;;
  faults) bash bench/faults.sh ;;
  realtime) bash bench/realtime.sh ;;
  functions) bash bench/functions.sh ;;
  all) run_seed; bash bench/api.sh; for b in login data export; do [ -f "bench/$b.sh" ] && bash "bench/$b.sh"; done ;;
  *) echo "usage: bench/run.sh [seed|api|login|data|export|scaleout|startup|faults|realtime|functions|all]" >&2; exit 2 ;;
esac
