#!/usr/bin/env bash
# Data API benchmark (issue 4), run by `bench/run.sh data`: (a) API vs raw driver for a 20-document indexed list,
# (b) keyset page 1 vs page 500, beside a raw skip-based query at the same offset. Writes bench/results/data.md.
#
# Store: by default mongo-java-server's memory backend in its own process (bench/MongoServerMain.java, the engine the
# tests use), reached by the packaged service through MONGO_URI. That store has no secondary indexes: every find
# scans the collection, so each request costs O(N) whatever the index or the page (the H2-backed embedded store
# took 2-4 s per find at 100,000 documents and the old bench did not finish). With MONGO_URI set, the bench runs
# against that real MongoDB instead, where the managed index {experiment_id, grp, _id} is used.
# Usage: bench/run.sh data   or   bench/data.sh   (env: DATA_BENCH_N, default 100000; DATA_BENCH_RUNS, default 31)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N="${DATA_BENCH_N:-100000}"; RUNS="${DATA_BENCH_RUNS:-31}"; WARM="${DATA_BENCH_WARM:-5}"
build_app
[ -f target/bench.cp ] || ./mvnw -B -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
EXPS=$(mktemp -d /tmp/labs-bench-exps-XXXX); mkdir -p "$EXPS/bench"
cat > "$EXPS/bench/manifest.json" <<'JSON'
{"name": "Bench", "status": "active",
 "collections": {"rows": {"read": "public", "create": "public", "update": "public", "delete": "public"}},
 "managed_indexes": {"rows": [{"name": "grp_id", "type": "regular", "keys": [["experiment_id", 1], ["grp", 1], ["_id", 1]]}]}}
JSON
DB=labs_bench
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
  URI="mongodb://127.0.0.1:$MPORT/?serverSelectionTimeoutMS=5000"; STORE="mongo-java-server 1.47 memory backend, own process (scans: no secondary indexes)"
fi
LABS_EXPERIMENTS_DIR="$EXPS" start_app data MONGO_URI="$URI" LABS_DB_NAME="$DB" LABS_TOKEN_SECRET="$(head -c 48 /dev/urandom | base64)"
MACHINE="$(nproc) cores $(uname -m), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
echo "machine: $MACHINE; store: $STORE; N=$N, $RUNS runs (+$WARM warm-up) per measurement"
START=$(date +%s)
OUT=$(java -cp "$(cat target/bench.cp)" bench/DataBench.java "$APP_URL" "$URI" "$DB" "$N" "$RUNS" "$WARM" | tee /dev/stderr)
SECS=$(( $(date +%s) - START ))
IFS='|' read -r _ n runs api rawa ratio p1 p500 skip0 skipk walk rawkey <<<"$(grep '^RESULT|' <<<"$OUT")"
cat > "$RESULTS/data.md" <<MD
# Data API benchmark (issue 4)

Command: \`bench/run.sh data\` (DATA_BENCH_N=$n, DATA_BENCH_RUNS=$runs), $(date -u +%Y-%m-%d).
Machine: $MACHINE. Store: $STORE. Service: packaged jar, -Xmx1g.
Seeded with insertMany through the driver; the raw queries use the sync driver in the bench JVM (not the
service's reactive driver), over the same loopback connection as the service. Times are medians of $runs
interleaved sequential runs. Bench wall time: ${SECS} s.

| measurement | median ms |
|---|---|
| (a) API: list 20 by indexed filter \`grp=7\` | $api |
| (a) raw driver: same find (experiment_id + grp, sort _id, limit 20) | $rawa |
| (a) **ratio API / raw** | **$ratio** |
| (b) API keyset page 1 (limit 20) | $p1 |
| (b) API keyset page 500 (limit 20, \`after\` cursor at offset 9,980) | $p500 |
| (b) raw skip 0, limit 20 | $skip0 |
| (b) raw skip 9,980, limit 20 | $skipk |
| (b) raw keyset page 500: \`_id > last of page 499\`, limit 20 | $rawkey |
| walk to page 500 with limit-1000 pages (s) | $walk |

Reading it: this store has no secondary indexes, so every find scans and sorts all $n documents; a request's cost is
the scan, whatever the page. (a) is therefore the API's overhead on top of a ~scan-sized query, not on top of an
index lookup. On a real MongoDB the indexed raw find is far cheaper, so the ratio there is expected to be higher:
not measured here (no mongod on this machine); run with MONGO_URI to get it. (b) keyset page 500 costs what page 1 costs plus evaluating the \`after\` condition on every scanned
document (compare the raw keyset row); no page walks past the earlier pages, so the cost does not grow with the
page number. A skip-based query would, on an indexed store, read and discard the 9,980 earlier index entries.
N=$n: the issue's size; with the memory store seeding takes seconds and the whole run well under a minute
(the H2-backed embedded store needed 2-4 s per find at this size and the old API-seeded bench never finished).
MD
echo "wrote $RESULTS/data.md"
