#!/usr/bin/env bash
# Runs one fuzz target over its seed corpus for SEINE_FUZZ_SECONDS (10 by
# default; scripts/test gives CI its own): TARGET CORPUS_DIR.  New inputs
# libFuzzer finds go to a scratch corpus, never into CORPUS_DIR; a crash,
# leak or timeout is written under SEINE_FUZZ_ARTIFACTS (default: a new
# folder in /tmp), which this prints and keeps, and fails the test.
set -euo pipefail
target=$1 corpus=$2
seconds=${SEINE_FUZZ_SECONDS:-10}
name=$(basename "$target")
artifacts=${SEINE_FUZZ_ARTIFACTS:-$(mktemp -d /tmp/seine-fuzz.XXXXXX)}/$name
scratch=$(mktemp -d "/tmp/seine-fuzz-$name-corpus.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

# -timeout: an input that takes seconds is a hang, reported as a crash.
# The outer timeout only bounds a fuzzer that stops checking the clock.
status=0
timeout --kill-after=10 $((seconds + 120)) "$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$scratch" "$corpus" </dev/null || status=$?

if [ "$status" != 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
    echo "$name: failed (status $status); what fails it is in $artifacts:" >&2
    ls -l "$artifacts" >&2
    exit 1
fi
rmdir "$artifacts"
rmdir "$(dirname "$artifacts")" 2>/dev/null || true
echo "$name: $seconds s without a crash"
