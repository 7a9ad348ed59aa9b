#!/usr/bin/env bash
# The Grafana dashboard asks only for metrics seine-agent exports: every
# PromQL expression of deploy/grafana/*.json names only families written by
# agent/core/agentmetrics.c (histograms with their _bucket, _sum and _count
# series), and parses (promtool check rules, when promtool is installed).
# tests/lint/dashboard.py says how names are found.
#
#   tests/lint/dashboard.sh [DASHBOARD.json...]
#
# Without python3 the test is skipped (exit 77).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd) || exit 1
top=$(cd "$here/../.." && pwd) || exit 1
command -v python3 >/dev/null || { echo "dashboard: python3 is not installed"; exit 77; }

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    for f in "$top"/deploy/grafana/*.json; do
        [ -e "$f" ] && files+=("$f")
    done
fi
[ ${#files[@]} -gt 0 ] || { echo "dashboard: no dashboard"; exit 1; }
promtool=()
if command -v promtool >/dev/null; then
    promtool=(--promtool "$(command -v promtool)")
else
    echo "dashboard: promtool is not installed: expressions are not parsed by Prometheus"
fi
rc=0
for f in "${files[@]}"; do
    echo "dashboard: $f"
    python3 "$here/dashboard.py" "${promtool[@]}" "$top/agent/core/agentmetrics.c" "$f" || rc=1
done
exit "$rc"
