#!/usr/bin/env bash
# Benchmark (b) and (c) of issue 2: throughput and p99 of GET /api/experiments/{slug} with the config cache on
# and off, beside the constant JSON of /api/ping (the ceiling) and the HTML home page; event-loop lag p99 read
# from labs_eventloop_lag_seconds right after each load. Median of BENCH_RUNS runs of BENCH_DURATION each.
source "$(dirname "$0")/lib.sh"
need wrk wrk
build_app

row() { # row LABEL URL
  local rps=() p99=() lag=()
  BENCH_DURATION_SAVED="$DURATION"; DURATION=3s; wrk_run "$2" >/dev/null; DURATION="$BENCH_DURATION_SAVED" # JIT warm-up, discarded
  for _ in $(seq 1 "$RUNS"); do
    read -r r p < <(wrk_run "$2")
    rps+=("$r"); p99+=("$p")
    lag+=("$(metric 'labs_eventloop_lag_seconds\{.*quantile="0.99"')")
  done
  printf "| %s | %s | %s | %s |\n" "$1" \
    "$(printf '%s\n' "${rps[@]}" | median)" "$(printf '%s\n' "${p99[@]}" | median)" \
    "$(printf '%s\n' "${lag[@]}" | median | awk '{ printf "%.1f", $1 * 1000 }')"
}

{
  echo "| endpoint | req/s | p99 ms | event-loop lag p99 ms |"
  echo "|---|---:|---:|---:|"
  start_app cache-on
  # warm every endpoint first, so the row order does not decide who gets the JIT's attention
  for u in /api/ping /api/experiments/click_tracker /; do DURATION=5s wrk_run "$APP_URL$u" >/dev/null; done
  row "GET /api/ping (constant JSON, ceiling)" "$APP_URL/api/ping"
  row "GET /api/experiments/click_tracker, cache on" "$APP_URL/api/experiments/click_tracker"
  row "GET / (home page)" "$APP_URL/"
  stop_app
  start_app cache-off LABS_CONFIG_CACHE_SIZE=0
  for u in /api/ping /api/experiments/click_tracker; do DURATION=5s wrk_run "$APP_URL$u" >/dev/null; done
  row "GET /api/experiments/click_tracker, cache off" "$APP_URL/api/experiments/click_tracker"
  stop_app
} | tee "$RESULTS/api.md"
