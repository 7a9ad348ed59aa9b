# shellcheck shell=bash
# traffic.sh: the traffic the datapath benchmarks send between kernel-stack
# endpoints (pods, namespaces), how they read it, and how they keep samples.
# Sourced by bench/datapath and bench/cross-node after
# tests/integration/lib.sh.
#
# Every tool is a real one from Debian: iperf3 for UDP packet rates and TCP
# throughput, sockperf for TCP request/response latency.  Each measured run
# follows a warm-up that is not counted (a 1-second UDP run, iperf3's
# --omit 1 for TCP, sockperf's own 400 ms), and each benchmark repeats every
# run, interleaving the paths so that the machine's drift spreads over all
# of them.
#
# BENCH_SECONDS    length of each measured run
# BENCH_APP_CPUS   the cores generators and sinks are pinned to (taskset -c
#                  list; empty: not pinned).  The benchmarks default it to
#                  every core but the PMD's.

BENCH_SECONDS=${BENCH_SECONDS:-5}
bench__samples="[]"

# bench_app_cpus PMD_MASK: every online core outside PMD_MASK, as a list
# for taskset -c (empty when nothing would be left).
bench_app_cpus() {
    local mask=$(($1)) cpu list=""
    for ((cpu = 0; cpu < $(nproc); cpu++)); do
        (( (mask >> cpu) & 1 )) || list+="${list:+,}$cpu"
    done
    echo "$list"
}

# bench_first_cpu MASK: the lowest core in MASK.
bench_first_cpu() {
    local mask=$(($1)) cpu=0
    while (( mask && !(mask & 1) )); do
        mask=$((mask >> 1))
        cpu=$((cpu + 1))
    done
    echo "$cpu"
}

bench__pin() {
    if [ -n "${BENCH_APP_CPUS:-}" ]; then
        echo "taskset -c $BENCH_APP_CPUS"
    fi
}

# bench_servers_start NETNS IP: an iperf3 and a sockperf server in NETNS.
bench_servers_start() {
    local ns=$1 ip=$2
    # shellcheck disable=SC2046  # the pinning prefix is words on purpose
    seine_bg_start "iperf-$ns" "$ns" $(bench__pin) iperf3 -s
    # shellcheck disable=SC2046
    seine_bg_start "sockperf-$ns" "$ns" $(bench__pin) sockperf server --tcp -i "$ip" -p 11111
    seine_wait_until 5 sh -c "ip netns exec $ns ss -Hltn 'sport = :5201' | grep -q ." \
        || seine_fail "iperf3 server in $ns did not start"
    seine_wait_until 5 sh -c "ip netns exec $ns ss -Hltn 'sport = :11111' | grep -q ." \
        || seine_fail "sockperf server in $ns did not start"
}

bench_servers_stop() {
    seine_bg_stop "iperf-$1"
    seine_bg_stop "sockperf-$1"
}

# bench_udp_pps SRC_NETNS DST_IP PAYLOAD: UDP packets per second received
# with iperf3 sending as fast as it can.  The warm-up is a run of its own:
# with --omit, iperf3 3.12 counts the omitted second's packets as lost.
bench_udp_pps() {
    # shellcheck disable=SC2046
    ip netns exec "$1" $(bench__pin) iperf3 -c "$2" -u -b 0 -l "$3" -t 1 >/dev/null
    # shellcheck disable=SC2046
    ip netns exec "$1" $(bench__pin) iperf3 -c "$2" -u -b 0 -l "$3" \
        -t "$BENCH_SECONDS" -J \
        | jq '(.end.sum.packets - .end.sum.lost_packets) / .end.sum.seconds | round'
}

# bench_tcp_gbps SRC_NETNS DST_IP: TCP throughput received, Gbit/s.
bench_tcp_gbps() {
    # shellcheck disable=SC2046
    ip netns exec "$1" $(bench__pin) iperf3 -c "$2" -t "$BENCH_SECONDS" -O 1 -J \
        | jq '.end.sum_received.bits_per_second / 1e6 | round / 1000'
}

# bench_tcp_rr SRC_NETNS DST_IP: "P50 P99", the round trip of a 64-byte
# TCP request and its reply in microseconds (sockperf ping-pong: one
# request in flight at a time).
bench_tcp_rr() {
    # shellcheck disable=SC2046
    ip netns exec "$1" $(bench__pin) sockperf ping-pong --tcp -i "$2" -p 11111 \
        -m 64 -t "$BENCH_SECONDS" --full-rtt 2>&1 \
        | awk '/percentile 50.000 =/ { p50 = $NF } /percentile 99.000 =/ { p99 = $NF }
               END { if (p50 == "" || p99 == "") exit 1; print p50, p99 }'
}

# bench_sample PATH METRIC VALUE [BASELINE]: keeps one sample of PATH's
# METRIC; BASELINE names the path the figure is compared with.
bench_sample() {
    [ -n "$3" ] && [ "$3" != null ] || return 0
    bench__samples=$(jq -c --arg p "$1" --arg m "$2" --argjson v "$3" --arg b "${4:-}" '
        (map(.path == $p and .metric == $m) | index(true)) as $i
        | if $i then .[$i].samples += [$v]
          else . + [{path: $p, metric: $m, samples: [$v]}
                    + (if $b != "" then {baseline: $b} else {} end)] end' \
        <<<"$bench__samples")
}

# bench_payload SRC_NETNS DST_IP SIZE: SIZE, or for "mtu" the largest UDP
# payload that leaves SRC_NETNS towards DST_IP unfragmented.
bench_payload() {
    local dev
    if [ "$3" != mtu ]; then
        echo "$3"
        return
    fi
    dev=$(ip -n "$1" -j route get "$2" | jq -r '.[0].dev')
    echo $(( $(ip -n "$1" -j link show "$dev" | jq '.[0].mtu') - 28 ))
}

# bench_kernel_path SRC_NETNS DST_IP PATH PAYLOADS [BASELINE]: one round of
# every kernel-stack figure for PATH: UDP packets/s per payload (a size or
# "mtu", see bench_payload), TCP throughput, TCP round trip p50 and p99.
# With BENCH_PMD=1 the current node's PMD cycles per packet during each UDP
# run too.
bench_kernel_path() {
    local src=$1 ip=$2 path=$3 payloads=$4 base=${5:-} size pps p50 p99
    for size in $payloads; do
        [ "${BENCH_PMD:-0}" != 1 ] || seine_pmd_clear
        pps=$(bench_udp_pps "$src" "$ip" "$(bench_payload "$src" "$ip" "$size")")
        bench_sample "$path" "udp${size}_pps" "$pps" "$base"
        if [ "${BENCH_PMD:-0}" == 1 ]; then
            bench_sample "$path" "udp${size}_pmd_cycles" \
                "$(seine_pmd_stats | awk '{ print $2 }')" "$base"
        fi
    done
    bench_sample "$path" tcp_gbps "$(bench_tcp_gbps "$src" "$ip")" "$base"
    read -r p50 p99 <<<"$(bench_tcp_rr "$src" "$ip")"
    bench_sample "$path" tcp_rr_p50_us "$p50" "$base"
    bench_sample "$path" tcp_rr_p99_us "$p99" "$base"
}

# bench_samples: every sample kept, as JSON: [{path, metric, unit,
# samples[, baseline]}].
bench_samples() {
    jq -c 'map(. + {unit: (.metric
        | if endswith("_pps") then "packets/s"
          elif contains("_pmd_cycles") then "PMD cycles/packet"
          elif endswith("_gbps") then "Gbit/s"
          elif endswith("_us") then "us"
          else "" end)})' <<<"$bench__samples"
}

# bench_table: the samples' medians, one line per path and metric.
bench_table() {
    printf '\n%-36s %-20s %5s %12s %12s %12s\n' path metric runs median min max
    bench_samples | jq -r '.[] | (.samples | sort) as $s
        | [.path, .metric, ($s | length), $s[(($s | length) - 1) / 2 | floor], $s[0], $s[-1]]
        | @tsv' \
        | awk -F'\t' '{ printf "%-36s %-20s %5s %12s %12s %12s\n", $1, $2, $3, $4, $5, $6 }'
}
