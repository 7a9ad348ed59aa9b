#!/usr/bin/env bash
# seine-cni's errors, driven as a container runtime drives it: malformed
# stdin, unknown cniVersion, missing or bad environment, bad configuration,
# and the agent down.  Each case must print the spec's error object with the
# right code on stdout, exit non-zero, and make nothing (no netns link, no
# file in the agent's folders).
set -euo pipefail
cni=${1:?usage: $0 SEINE_CNI_BINARY}

run_dir=$(mktemp -d /tmp/seine-cni-errors.XXXXXX)
trap 'rm -rf "$run_dir"' EXIT
sock=$run_dir/absent.sock

passed=0
failed=0

conf() {
    local version=${1:-1.1.0} extra=${2:-}
    printf '{"cniVersion":"%s","name":"seine","type":"seine","agentSocket":"%s"%s}' \
        "$version" "$sock" "$extra"
}

# expect CODE DESCRIPTION -- ENV... <<< STDIN
expect() {
    local code=$1 what=$2; shift 2
    local out rc=0
    out=$(env -i PATH="$PATH" "$@" "$cni" 2>"$run_dir/stderr") || rc=$?
    local got
    got=$(jq -r '.code // empty' <<<"$out" 2>/dev/null || true)
    local msg
    msg=$(jq -r '.msg // empty' <<<"$out" 2>/dev/null || true)
    if [ "$rc" -ne 0 ] && [ "$got" = "$code" ] && [ -n "$msg" ]; then
        echo "ok - $what (code $got: $msg)"
        passed=$((passed + 1))
    else
        echo "not ok - $what: expected code $code, got rc=$rc out=$out"
        failed=$((failed + 1))
    fi
}

base=(CNI_CONTAINERID=c0ffee CNI_NETNS=/var/run/netns/seine-none CNI_IFNAME=eth0
      CNI_PATH=/opt/cni/bin)

expect 6 "ADD with stdin not JSON" CNI_COMMAND=ADD "${base[@]}" \
    < <(echo 'this is not json')
expect 6 "ADD with a JSON array on stdin" CNI_COMMAND=ADD "${base[@]}" \
    < <(echo '[1,2]')
expect 1 "ADD with an unknown cniVersion" CNI_COMMAND=ADD "${base[@]}" \
    < <(conf 9.9.9)
expect 1 "CHECK with cniVersion 0.3.1 (no CHECK before 0.4.0)" \
    CNI_COMMAND=CHECK "${base[@]}" < <(conf 0.3.1)
expect 1 "STATUS with cniVersion 1.0.0 (STATUS is 1.1.0)" \
    CNI_COMMAND=STATUS < <(conf 1.0.0)
expect 4 "no CNI_COMMAND" "${base[@]}" < <(conf)
expect 4 "unknown CNI_COMMAND" CNI_COMMAND=FROB "${base[@]}" < <(conf)
expect 4 "ADD without CNI_CONTAINERID" CNI_COMMAND=ADD \
    CNI_NETNS=/var/run/netns/x CNI_IFNAME=eth0 < <(conf)
expect 4 "ADD without CNI_NETNS" CNI_COMMAND=ADD CNI_CONTAINERID=c0ffee \
    CNI_IFNAME=eth0 < <(conf)
expect 4 "ADD without CNI_IFNAME" CNI_COMMAND=ADD CNI_CONTAINERID=c0ffee \
    CNI_NETNS=/var/run/netns/x < <(conf)
expect 4 "ADD with a 16-character ifname" CNI_COMMAND=ADD \
    CNI_CONTAINERID=c0ffee CNI_NETNS=/var/run/netns/x \
    CNI_IFNAME=abcdefghijklmnop < <(conf)
expect 7 "ADD with type not seine" CNI_COMMAND=ADD "${base[@]}" \
    < <(echo '{"cniVersion":"1.1.0","name":"n","type":"bridge"}')
expect 7 "ADD without name" CNI_COMMAND=ADD "${base[@]}" \
    < <(echo '{"cniVersion":"1.1.0","type":"seine"}')
expect 7 "ADD with an unknown interfaceType" CNI_COMMAND=ADD "${base[@]}" \
    < <(conf 1.1.0 ',"interfaceType":"sriovx"')
expect 7 "ADD with mtu out of range" CNI_COMMAND=ADD "${base[@]}" \
    < <(conf 1.1.0 ',"mtu":10')
expect 11 "ADD with the agent down" CNI_COMMAND=ADD "${base[@]}" < <(conf)
expect 11 "DEL with the agent down" CNI_COMMAND=DEL "${base[@]}" < <(conf)
expect 50 "STATUS with the agent down" CNI_COMMAND=STATUS < <(conf)

# VERSION works without an agent and lists every supported version.
out=$(env -i PATH="$PATH" CNI_COMMAND=VERSION "$cni" < <(conf))
if [ "$(jq -c .supportedVersions <<<"$out")" = '["0.3.1","0.4.0","1.0.0","1.1.0"]' ]; then
    echo "ok - VERSION"; passed=$((passed + 1))
else
    echo "not ok - VERSION: $out"; failed=$((failed + 1))
fi

# Nothing was made: the run folder holds only what this script wrote.
leftovers=$(find "$run_dir" -mindepth 1 ! -name stderr)
if [ -z "$leftovers" ]; then
    echo "ok - nothing left behind"; passed=$((passed + 1))
else
    echo "not ok - left behind: $leftovers"; failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
