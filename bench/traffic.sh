# shellcheck shell=bash
# traffic.sh: the traffic the datapath benchmarks send between kernel-stack
# endpoints (pods, namespaces), how they read it, and how they keep samples.
# Sourced by bench/datapath and bench/cross-node after
# tests/integration/lib.sh.
#
# Every tool is a real one from Debian: trafgen (netsniff-ng) and iperf3
# for UDP packet rates, iperf3 for TCP throughput, sockperf for TCP
# request/response latency.  Each measured run follows a warm-up that is not
# counted (a second of the same traffic, iperf3's --omit 1 for TCP,
# sockperf's own 400 ms), and each benchmark repeats every run, interleaving
# the paths so that the machine's drift spreads over all of them.
#
# trafgen sends through PACKET_MMAP from one worker, which it binds to core 0
# itself (taskset does not hold it); it is faster than any path measured
# here, so the rate received is the path's.  Its frames are what the
# sender's kernel would send: the route's source address, the next hop's
# MAC from the sender's own neighbour table (ARP, or neighbour discovery
# for an IPv6 destination; a Seine pod's gateway), TTL or hop limit 64,
# UDP port 9.
#
# BENCH_SECONDS    length of each measured run
# BENCH_APP_CPUS   the cores generators and sinks are pinned to (taskset -c
#                  list; empty: not pinned).  The benchmarks default it to
#                  every core but the PMD's.
# BENCH_PMD        which of the node's datapath threads to read during a UDP
#                  run: 1 the PMD threads, main the main thread (tap ports),
#                  unset or 0 none
# BENCH_IPERF_UDP  1: also iperf3's UDP rate (udp<size>_iperf3_pps)

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
# payload that leaves SRC_NETNS towards DST_IP unfragmented (the IP header
# and UDP's 8 bytes less than the MTU: 28 over IPv4, 48 over IPv6).
bench_payload() {
    local dev hdr=28
    if [ "$3" != mtu ]; then
        echo "$3"
        return
    fi
    [[ $2 != *:* ]] || hdr=48
    dev=$(ip -n "$1" -j route get "$2" | jq -r '.[0].dev')
    echo $(( $(ip -n "$1" -j link show "$dev" | jq '.[0].mtu') - hdr ))
}

# bench_link_stat NETNS DEV COUNTER: one of DEV's statistics counters.
bench_link_stat() {
    ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# bench_addr_dev NETNS IP: the interface of NETNS that holds IP.
bench_addr_dev() {
    ip -n "$1" -j addr show \
        | jq -r --arg ip "$2" '.[] | select(any(.addr_info[]; .local == $ip)) | .ifname' \
        | head -n1
}

# bench_trafgen_conf SRC_NETNS DST_IP PAYLOAD FILE: writes FILE, trafgen's
# packet (Ethernet, IPv4 or IPv6 as DST_IP is, UDP to port 9, PAYLOAD zero
# bytes) as SRC_NETNS's kernel would address it, and prints the interface
# it leaves by.
bench_trafgen_conf() {
    local ns=$1 dst=$2 size=$3 file=$4 route dev src hop mac type l3
    route=$(ip -n "$ns" -j route get "$dst")
    dev=$(jq -r '.[0].dev' <<<"$route")
    src=$(jq -r '.[0].prefsrc' <<<"$route")
    hop=$(jq -r '.[0].gateway // .[0].dst' <<<"$route")
    # One ping resolves the next hop as the pod's own traffic would.
    ip netns exec "$ns" ping -c 1 -W 1 -I "$dev" "$dst" >/dev/null 2>&1 || true
    mac=$(ip -n "$ns" -j neigh show to "$hop" dev "$dev" | jq -r '.[0].lladdr // empty')
    [ -n "$mac" ] || seine_fail "no neighbour entry for $hop in $ns"
    # Over IPv6 trafgen fills in the next header (UDP) and the UDP checksum
    # over the IPv6 pseudo-header, which a receiver requires (IPv6 has no
    # checksum-less UDP).
    if [[ $dst == *:* ]]; then
        type=0x86dd l3="ipv6(saddr=$src, daddr=$dst, hoplimit=64)"
    else
        type=0x0800 l3="ipv4(saddr=$src, daddr=$dst, ttl=64)"
    fi
    cat >"$file" <<EOF
{
  eth(da=$mac, sa=$(ip -n "$ns" -j link show "$dev" | jq -r '.[0].address'), type=$type),
  $l3,
  udp(sp=9, dp=9),
  fill(0x00, $size)
}
EOF
    echo "$dev"
}

# bench__trafgen_start NETNS DEV CONF [TRAFGEN_ARGS...]: trafgen in the
# background (bench__trafgen_stop NETNS ends it), its one worker on core 0,
# the IRQ affinities left alone.
bench__trafgen_start() {
    local ns=$1 dev=$2 conf=$3; shift 3
    seine_bg_start "trafgen-$ns" "$ns" trafgen -i "$conf" -o "$dev" -P 1 -C -Q "$@"
}

# bench__trafgen_stop NETNS: ends trafgen and its worker process.  It ends
# on SIGINT (its ^C), not SIGTERM, and a worker whose parent was killed
# would keep sending.
bench__trafgen_stop() {
    local name=trafgen-$1 pid kids k
    pid=$(cat "$SEINE_RUN/bg/$name.pid" 2>/dev/null) || return 0
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
    # shellcheck disable=SC2086  # a list of pids
    kill -INT "$pid" $kids 2>/dev/null || true
    seine_bg_wait "$name" 5 || true
    seine_bg_stop "$name"
    for k in $kids; do
        if [ "$(cat "/proc/$k/comm" 2>/dev/null)" == trafgen ]; then
            kill -KILL "$k" 2>/dev/null || true
        fi
    done
}

# bench_pmd_read: "CYCLES PASSES MPPS" of the node's datapath threads since
# the last seine_pmd_clear (BENCH_PMD=1: the PMD threads; main: the main
# thread, which OVS gives no cycle counts: "- PASSES -").  CYCLES:
# processing cycles per packet received; PASSES: datapath passes per packet
# (recirculations + 1); MPPS: packets received per second of PMD busy time
# (the processing share of the time since the clear), in millions.
bench_pmd_read() {
    local dur
    dur=$(seine_appctl dpif-netdev/pmd-perf-show | awk '/^Measurement duration:/ { print $3; exit }')
    seine_appctl dpif-netdev/pmd-stats-show | awk -v dur="${dur:-0}" -v want="$BENCH_PMD" '
        /^pmd thread/ { t = "1" } /^main thread/ { t = "main" }
        t != want { next }
        /packets received:/ { p += $3; n = $3 }
        /packet recirculations:/ { r += $3 }
        /idle cycles:/ { idle = $3 }
        /processing cycles:/ { c += $3; if (idle + $3 > 0) busy += dur * $3 / (idle + $3) }
        END {
            if (!p) exit 1
            if (want == "main") printf "- %.2f -\n", (p + r) / p
            else printf "%.1f %.2f %.3f\n", c / p, (p + r) / p, (busy > 0 ? p / busy / 1e6 : 0)
        }'
}

# bench_udp_gen SRC_NETNS DST_NETNS DST_IP PAYLOAD: trafgen at full speed
# for a second of warm-up and BENCH_SECONDS measured: "RX_PPS TX_PPS
# [CYCLES PASSES MPPS]", packets per second received at DST_IP's interface
# and sent by SRC_NETNS's, and with BENCH_PMD the node's counters over the
# same seconds (bench_pmd_read).
bench_udp_gen() {
    local src=$1 dstns=$2 dst=$3 size=$4 conf dev rdev tx0 rx0 tx1 rx1 pmd=""
    conf=$(mktemp "$SEINE_RUN/trafgen.XXXXXX")
    dev=$(bench_trafgen_conf "$src" "$dst" "$size" "$conf")
    rdev=$(bench_addr_dev "$dstns" "$dst")
    bench__trafgen_start "$src" "$dev" "$conf"
    sleep 1
    [ "${BENCH_PMD:-0}" == 0 ] || seine_pmd_clear
    tx0=$(bench_link_stat "$src" "$dev" tx_packets)
    rx0=$(bench_link_stat "$dstns" "$rdev" rx_packets)
    sleep "$BENCH_SECONDS"
    tx1=$(bench_link_stat "$src" "$dev" tx_packets)
    rx1=$(bench_link_stat "$dstns" "$rdev" rx_packets)
    [ "${BENCH_PMD:-0}" == 0 ] || pmd=$(bench_pmd_read || echo "- - -")
    bench__trafgen_stop "$src"
    rm -f "$conf"
    echo "$(( (rx1 - rx0) / BENCH_SECONDS )) $(( (tx1 - tx0) / BENCH_SECONDS )) $pmd"
}

# bench__rx_settled NETNS DEV: DEV's rx_packets once it has stopped
# growing: what a path still queues after its sender stopped (an AF_XDP
# port's rings) is delivered, not lost.  At most 3 seconds.
bench__rx_settled() {
    local now last=-1 i
    for ((i = 0; i < 15; i++)); do
        now=$(bench_link_stat "$1" "$2" rx_packets)
        [ "$now" != "$last" ] || break
        last=$now
        sleep 0.2
    done
    echo "$now"
}

# bench_zero_loss SRC_NETNS DST_NETNS DST_IP PAYLOAD MAX_PPS STEPS SECONDS:
# the highest rate of trafgen's paced mode (--rate) that loses under 0.1 %
# of what the sender's interface sent (RFC 2544's throughput, with its loss
# tolerance): a binary search of STEPS trials of SECONDS each, the first at
# MAX_PPS (the search ends there if it passes), each next one halfway
# between the highest rate that passed (0 at first) and the lowest that
# failed.  Prints the rate, 0 if none passed.
bench_zero_loss() {
    local src=$1 dstns=$2 dst=$3 size=$4 hi=$5 steps=$6 secs=$7
    local conf dev rdev lo=0 rate step tx0 rx0 sent got
    conf=$(mktemp "$SEINE_RUN/trafgen.XXXXXX")
    dev=$(bench_trafgen_conf "$src" "$dst" "$size" "$conf")
    rdev=$(bench_addr_dev "$dstns" "$dst")
    rate=$hi
    for ((step = 0; step < steps; step++)); do
        tx0=$(bench_link_stat "$src" "$dev" tx_packets)
        rx0=$(bench_link_stat "$dstns" "$rdev" rx_packets)
        bench__trafgen_start "$src" "$dev" "$conf" --rate "${rate}pps" --num $((rate * secs))
        seine_bg_wait "trafgen-$src" $((secs + 5)) || true
        bench__trafgen_stop "$src"
        sent=$(( $(bench_link_stat "$src" "$dev" tx_packets) - tx0 ))
        got=$(( $(bench__rx_settled "$dstns" "$rdev") - rx0 ))
        if (( sent > 0 && (sent - got) * 1000 < sent )); then
            lo=$rate
        else
            hi=$rate
        fi
        seine_log "zero-loss $dst: $rate packets/s offered, $sent sent, $got received"
        # The first rate passed: nothing higher is tried.
        [ "$lo" != "$hi" ] || break
        rate=$(( (lo + hi) / 2 ))
    done
    rm -f "$conf"
    echo "$lo"
}

# bench_tcp_path SRC_NETNS DST_IP PATH [BASELINE]: TCP throughput and the
# TCP round trip p50 and p99 of PATH; throughput only to an IPv6 DST_IP
# (Debian 12's sockperf, 3.7, takes IPv4 addresses only).
bench_tcp_path() {
    local src=$1 ip=$2 path=$3 base=${4:-} p50 p99
    bench_sample "$path" tcp_gbps "$(bench_tcp_gbps "$src" "$ip")" "$base"
    [[ $ip != *:* ]] || return 0
    read -r p50 p99 <<<"$(bench_tcp_rr "$src" "$ip")"
    bench_sample "$path" tcp_rr_p50_us "$p50" "$base"
    bench_sample "$path" tcp_rr_p99_us "$p99" "$base"
}

# bench_gen_path SRC_NETNS DST_NETNS DST_IP PATH PAYLOADS [BASELINE]: one
# round of PATH's figures with trafgen for UDP: per payload the packets/s
# received (udp<size>_pps) and offered (udp<size>_offered_pps), with
# BENCH_PMD the datapath's cycles and passes per packet and Mpps per PMD
# core (udp<size>_pmd_cycles, _pmd_passes, _pmd_mpps; for the main thread
# udp<size>_main_passes only), with BENCH_IPERF_UDP=1 iperf3's UDP rate;
# then bench_tcp_path.
bench_gen_path() {
    local src=$1 dstns=$2 ip=$3 path=$4 payloads=$5 base=${6:-} size rx tx cyc pas mpps
    for size in $payloads; do
        read -r rx tx cyc pas mpps <<<"$(bench_udp_gen "$src" "$dstns" "$ip" "$size")"
        bench_sample "$path" "udp${size}_pps" "$rx" "$base"
        bench_sample "$path" "udp${size}_offered_pps" "$tx" "$base"
        case ${BENCH_PMD:-0} in
        1)
            bench_sample "$path" "udp${size}_pmd_cycles" "$(bench__num "$cyc")" "$base"
            bench_sample "$path" "udp${size}_pmd_passes" "$(bench__num "$pas")" "$base"
            bench_sample "$path" "udp${size}_pmd_mpps" "$(bench__num "$mpps")" "$base"
            ;;
        main)
            bench_sample "$path" "udp${size}_main_passes" "$(bench__num "$pas")" "$base"
            ;;
        esac
        if [ "${BENCH_IPERF_UDP:-0}" == 1 ]; then
            bench_sample "$path" "udp${size}_iperf3_pps" \
                "$(bench_udp_pps "$src" "$ip" "$(bench_payload "$src" "$ip" "$size")")" "$base"
        fi
    done
    bench_tcp_path "$src" "$ip" "$path" "$base"
}

# bench__num VALUE: VALUE, or nothing when it is "-" (not measured).
bench__num() {
    [ "$1" == - ] || echo "$1"
}

# bench_kernel_path SRC_NETNS DST_IP PATH PAYLOADS [BASELINE]: one round of
# every kernel-stack figure for PATH: UDP packets/s per payload (a size or
# "mtu", see bench_payload), TCP throughput, TCP round trip p50 and p99.
# With BENCH_PMD=1 the current node's PMD cycles per packet during each UDP
# run too.
bench_kernel_path() {
    local src=$1 ip=$2 path=$3 payloads=$4 base=${5:-} size pps
    for size in $payloads; do
        [ "${BENCH_PMD:-0}" != 1 ] || seine_pmd_clear
        pps=$(bench_udp_pps "$src" "$ip" "$(bench_payload "$src" "$ip" "$size")")
        bench_sample "$path" "udp${size}_pps" "$pps" "$base"
        if [ "${BENCH_PMD:-0}" == 1 ]; then
            bench_sample "$path" "udp${size}_pmd_cycles" \
                "$(seine_pmd_stats | awk '{ print $2 }')" "$base"
        fi
    done
    bench_tcp_path "$src" "$ip" "$path" "$base"
}

# bench_samples: every sample kept, as JSON: [{path, metric, unit,
# samples[, baseline]}].
bench_samples() {
    jq -c 'map(. + {unit: (.metric
        | if endswith("_mpps") then "Mpps/PMD core"
          elif endswith("_pps") then "packets/s"
          elif contains("_pmd_cycles") then "PMD cycles/packet"
          elif contains("_passes") then "passes/packet"
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
