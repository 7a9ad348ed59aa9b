#!/usr/bin/env bash
# The benchmark suite's harness (bench/run), in its smallest profile: it
# runs, writes results.json with the machine and every figure
# (min <= median <= max, a unit, a run count), a Markdown report, charts
# when gnuplot is there, and bench/compare reads two results.  Not a
# measurement: nothing here judges a speed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
seine_test_begin bench-harness
seine_require_cmd jq
out=$SEINE_RUN/results
ck_ok "bench/run --profile smoke" \
    env SEINE_BUILD_DIR="$SEINE_BUILD_DIR" "$SEINE_TOP/bench/run" --profile smoke --out "$out"
ck_ok "results.json describes the machine" \
    jq -e '.machine.cpus > 0 and (.machine.kernel | length) > 0 and .profile == "smoke"' "$out/results.json"
ck_ge "results.json holds figures" "$(jq '.figures | length' "$out/results.json")" 4
ck_ok "every figure has a unit, runs and min <= median <= max" \
    jq -e '.figures | all(.unit != "" and .runs >= 1 and .min <= .median and .median <= .max)' \
    "$out/results.json"
ck_ok "a figure measured against a baseline carries its ratio" \
    jq -e '[.figures[] | select(.baseline)] | length > 0 and all(.ratio > 0)' "$out/results.json"
ck_ge "the report has a row per figure" "$(grep -c '^| policy-scale |' "$out/report.md")" \
    "$(jq '.figures | length' "$out/results.json")"
if command -v gnuplot >/dev/null; then
    ck_ok "charts drawn" sh -c "ls '$out'/plot-*.png >/dev/null"
fi
ck_eq "bench/compare of a result with itself: every ratio 1" \
    "$("$SEINE_TOP/bench/compare" "$out/results.json" "$out/results.json" | awk 'NR > 4 { print $(NF) == "noisy" ? $(NF - 1) : $NF }' | sort -u)" 1
ck_done
