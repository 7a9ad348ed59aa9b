# shellcheck shell=bash
# record.sh: what the JSON of every benchmark that brings up nodes starts
# with: the commit measured and the host (kernel, CPU, OVS and agent
# versions).  Sourced after tests/integration/lib.sh.

# bench_record: {commit, host} as JSON.
bench_record() {
    jq -n --arg commit "$(git -C "$SEINE_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
        --arg kernel "$(uname -r)" \
        --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
        --argjson cpus "$(nproc)" --arg ovs "$(ovs-vsctl --version | head -n1)" \
        --arg agent "$("$SEINE_AGENT_BIN" --version | head -n1)" \
        '{commit: $commit,
          host: {kernel: $kernel, cpu: $cpu, cpus: $cpus, ovs: $ovs, agent: $agent}}'
}
