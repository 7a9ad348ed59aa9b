#!/usr/bin/env bash
# The benchmark suite's harness (bench/run), in its smallest profile: it
# runs, writes results.json with the machine and every figure
# (min <= median <= max, a unit, a run count), a Markdown report, charts
# when gnuplot is there, and bench/compare reads two results.  Not a
# measurement: nothing here judges a speed.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
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
# Every benchmark's JSON (recorded by a quick profile run) maps into
# figures: the root benchmarks are not run here, their mapping is.
fixtures=$SEINE_TOP/tests/integration/bench-fixtures
# figures BENCH: the figures of BENCH's fixture, one JSON object a line.
figures() {
    jq -c --arg bench "$1" -f "$SEINE_TOP/bench/figures.jq" "$fixtures/$1.json"
}
well_formed() {
    figures "$1" | jq -se \
        'length > 0 and all(.unit != "" and .runs >= 1 and .min <= .median and .median <= .max)' \
        >/dev/null
}
for f in "$fixtures"/*.json; do
    b=$(basename "$f" .json)
    ck_ok "$b: its JSON maps into well-formed figures" well_formed "$b"
done
# has_figure BENCH NAME [BASELINE]: BENCH's fixture gives figure NAME
# (compared with BASELINE).
has_figure() {
    figures "$1" | jq -se --arg n "$2" --arg b "${3:-}" \
        'any(.name == $n and ($b == "" or (.baseline == $b and .ratio > 0)))' >/dev/null
}
ck_ok "datapath: each pod type against its NORMAL floor" \
    has_figure datapath datapath.vhostuser.udp64_pmd_cycles datapath.ovs-normal.vhostuser.udp64_pmd_cycles
ck_ok "datapath: TCP round trip p99 of AF_XDP pods" \
    has_figure datapath datapath.afxdp.tcp_rr_p99_us datapath.ovs-normal.afxdp.tcp_rr_p99_us
ck_ok "datapath: Mpps per PMD core of AF_XDP pods against the floor" \
    has_figure datapath datapath.afxdp.udp64_pmd_mpps datapath.ovs-normal.afxdp.udp64_pmd_mpps
ck_ok "datapath: datapath passes of tap pods (main thread)" \
    has_figure datapath datapath.tap.udp64_main_passes datapath.ovs-normal.tap.udp64_main_passes
ck_ok "datapath: the zero-loss rate against the floor" \
    has_figure datapath datapath.tap.udp64_zero_loss_pps datapath.ovs-normal.tap.udp64_zero_loss_pps
ck_ok "datapath: the loaded runs" \
    has_figure datapath datapath.tap_loaded.tcp_gbps datapath.ovs-normal.tap.tcp_gbps
ck_ok "datapath: AF_XDP pods' IPv6 packet rate against their IPv4 one" \
    has_figure datapath datapath.afxdp.ipv6.udp64_pps datapath.afxdp.udp64_pps
ck_ok "datapath: PMD cycles of AF_XDP pods over IPv6 against IPv4" \
    has_figure datapath datapath.afxdp.ipv6.udp64_pmd_cycles datapath.afxdp.udp64_pmd_cycles
ck_ok "datapath: TCP over IPv6 between tap pods against IPv4" \
    has_figure datapath datapath.tap.ipv6.tcp_gbps datapath.tap.tcp_gbps
ck_ok "datapath: the loaded runs over IPv6" \
    has_figure datapath datapath.afxdp_loaded.ipv6.udp64_pmd_passes datapath.afxdp_loaded.udp64_pmd_passes
ck_ok "cross-node: a tunnel against the kernel path" \
    has_figure cross-node cross_node.geneve.tcp_rr_p50_us cross_node.kernel-veth.tcp_rr_p50_us
ck_ok "cni-latency: per type, and pods/s in a burst" has_figure cni-latency cni.tap.add_burst
ck_ok "policy-latency: to flows installed" \
    has_figure policy-latency policy_latency.label_added.flows_installed
ck_ok "scale: flows per Service endpoint" has_figure scale scale.endpoint.flows
ck_ok "metrics-cost: a scrape against a GET of /healthz" \
    has_figure metrics-cost metrics_cost.scrape_ms metrics_cost.healthz_ms
ck_ok "flow-export: agent CPU at N connections against none" \
    has_figure flow-export flow_export.1000.agent_cpu flow_export.idle.agent_cpu
ck_ok "churn: RSS last/first per phase and process" \
    has_figure churn churn.afxdp.vswitchd_rss_ratio
ck_ok "recovery: SIGKILL of ovs-vswitchd to the first AF_XDP packet" \
    has_figure recovery recovery.10afxdp_10tap_1000flows.first_packet_afxdp
ck_ok "live-churn: a stream's p99 under policy churn against idle" \
    has_figure live-churn live_churn.policy.p99 live_churn.idle.p99
ck_done
