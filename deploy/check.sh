#!/usr/bin/env bash
# Checks of deploy/ with the external tools, when installed:
#   promtool (Debian package `prometheus`): alert rules, their unit tests, the example scrape config;
#   kustomize, or kubectl's built-in kustomize: every overlay builds.
# A missing tool prints a SKIPPED line; any failing check makes the script exit non-zero.
# The Java tests (./mvnw test -Dtest='com.modularlabs.deploy.*Test') check the same files more deeply.
set -uo pipefail
cd "$(dirname "$0")/.."

failures=0
skipped=0
run() {
  echo "+ $*"
  if "$@"; then echo "  ok"; else echo "  FAILED: $*" >&2; failures=$((failures + 1)); fi
}

if command -v promtool >/dev/null 2>&1; then
  run promtool check rules deploy/prometheus/alerts.yml
  run promtool test rules deploy/prometheus/alerts_test.yml
  run promtool check config deploy/prometheus/prometheus.yml
else
  echo "SKIPPED: promtool not found (apt-get install prometheus): alert rules and scrape config not checked"
  skipped=$((skipped + 1))
fi

if command -v kustomize >/dev/null 2>&1; then
  kustomize_build=(kustomize build)
elif command -v kubectl >/dev/null 2>&1; then
  kustomize_build=(kubectl kustomize)
else
  kustomize_build=()
fi
for overlay in deploy/kubernetes/overlays/*/; do
  overlay=${overlay%/}
  if [ ${#kustomize_build[@]} -eq 0 ]; then
    echo "SKIPPED: neither kustomize nor kubectl found: $overlay not built"
    skipped=$((skipped + 1))
    continue
  fi
  echo "+ ${kustomize_build[*]} $overlay"
  if out=$("${kustomize_build[@]}" "$overlay" 2>&1); then
    echo "  ok ($(grep -c '^kind:' <<<"$out") objects)"
  else
    echo "$out" >&2
    echo "  FAILED: ${kustomize_build[*]} $overlay" >&2
    failures=$((failures + 1))
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "deploy/check.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "deploy/check.sh: all checks passed ($skipped skipped)"
