#!/usr/bin/env bash
# The agent restarts (SIGTERM, then a crash with SIGKILL) under traffic:
# pod a pings pod b at 100 packets/s through both restarts without losing
# one.  OVS keeps the flows (nothing is flushed: the counters of b's
# L2Forwarding flow never go down) and the restarted agent re-stamps every
# flow with its new round.  Pods from before the restart can be deleted
# after it, and a new pod gets an address nobody holds.  Across each
# restart a UDP stream between tap pods (iperf3, 500 datagrams/s) loses
# nothing and a TCP transfer between AF_XDP pods completes.  An ADD while
# the agent is down is answered "try again later" (11); its retry after the
# restart succeeds.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin agent-restart
seine_require_cmd ping
seine_node_start
seine_pod_add a
seine_pod_add b
seine_pod_add ta tap
seine_pod_add tb tap
tb_ip=$(seine_pod_ip tb)
a_ip=$(seine_pod_ip a) b_ip=$(seine_pod_ip b) b_mac=$(seine_pod_mac b)
l2_b="table=60,dl_dst=$b_mac"

# rounds: the distinct rounds (low 16 bits of the cookie) of all flows.
rounds() {
    seine_ofctl dump-flows | sed -n 's/.*cookie=0x[0-9a-f]*\([0-9a-f]\{4\}\),.*/\1/p' | sort -u
}

# nflows: how many flows the switch has.
nflows() {
    seine_ofctl dump-flows | grep -c cookie=
}

# agent_ready: the restarted agent answers STATUS (a SIGKILLed agent leaves
# its socket behind, so the socket alone says nothing).
agent_ready() {
    seine_cni STATUS a
}

ck_ok "a pings b" ck_ping a "$b_ip"

# traffic_start HOW: across the restart, a UDP stream at 500 datagrams/s
# between the tap pods and a TCP transfer between the AF_XDP pods, both
# for 6 s (iperf3).
traffic_start() {
    local how=$1
    seine_bg_start "udp-srv-$how" "$(seine_pod_netns tb)" iperf3 -s -1 -p 5301 -B "$tb_ip"
    seine_bg_start "tcp-srv-$how" "$(seine_pod_netns b)" iperf3 -s -1 -p 5302 -B "$b_ip"
    seine_wait_until 5 listening tb 5301
    seine_wait_until 5 listening b 5302
    seine_bg_start "udp-$how" "$(seine_pod_netns ta)" \
        iperf3 -c "$tb_ip" -p 5301 -u -b 2M -l 500 -t 6 --json
    seine_bg_start "tcp-$how" "$(seine_pod_netns a)" \
        iperf3 -c "$b_ip" -p 5302 -t 6 --json
}

listening() {
    ip netns exec "$(seine_pod_netns "$1")" ss -Hlnp "sport = :$2" | grep -q .
}

# traffic_check HOW: the UDP stream lost nothing, the TCP transfer ended
# well and moved data.
traffic_check() {
    local how=$1 sent lost bytes
    seine_bg_wait "udp-$how" 15 || true
    seine_bg_wait "tcp-$how" 15 || true
    sent=$(jq -r '.end.sum.packets // empty' "$SEINE_RUN/bg/udp-$how.log" 2>/dev/null)
    lost=$(jq -r '.end.sum.lost_packets // empty' "$SEINE_RUN/bg/udp-$how.log" 2>/dev/null)
    ck_ge "a UDP stream of 500 datagrams/s between tap pods across the $how restart: $sent sent" \
        "${sent:-0}" 2500
    ck_eq "... lost" "${lost:-no result}" 0
    bytes=$(jq -r '.end.sum_received.bytes // empty' "$SEINE_RUN/bg/tcp-$how.log" 2>/dev/null)
    ck_ok "a 6 s TCP transfer between AF_XDP pods across the $how restart completes ($bytes bytes)" \
        test -z "$(jq -r '.error // empty' "$SEINE_RUN/bg/tcp-$how.log" 2>/dev/null)" \
        -a "${bytes:-0}" -gt 1000000
    for name in "udp-$how" "tcp-$how" "udp-srv-$how" "tcp-srv-$how"; do
        seine_bg_stop "$name"
    done
}

restart() {
    local how=$1 round0 packets0 flows0 round1
    round0=$(rounds)
    flows0=$(nflows)
    ck_eq "before the $how restart all flows carry one round ($round0)" \
        "$(wc -l <<<"$round0")" 1
    seine_bg_start "ping-$how" "$(seine_pod_netns a)" \
        ping -i 0.01 -c 800 -W 1 "$b_ip"
    traffic_start "$how"
    sleep 1
    packets0=$(ck_flow_packets "$l2_b")
    if [ "$how" == SIGKILL ]; then
        seine_agent_stop --kill
    else
        seine_agent_stop
    fi
    ck_no "the agent is gone ($how)" seine_agent_alive
    if [ "$how" == SIGKILL ]; then
        ck_pod_prepare late
        seine_cni_config tap >"$(seine__pod_file late).eth0.conf"
        ck_cni_code "ADD with the agent down: try again later" 11 ADD late
    fi
    sleep 0.5
    ck_ge "b's L2Forwarding flow kept counting with the agent down" \
        "$(ck_flow_packets "$l2_b")" "$packets0"
    seine_agent_start
    ck_ok "the restarted agent answers STATUS" seine_wait_until 20 agent_ready
    packets1=$(ck_flow_packets "$l2_b")
    ck_ge "b's L2Forwarding flow was not reset ($packets0 -> $packets1 packets)" \
        "$packets1" "$packets0"
    round1=$(rounds)
    ck_eq "after the $how restart all flows carry one round" "$(wc -l <<<"$round1")" 1
    ck_eq "... the next one" "$((0x$round1))" "$((0x$round0 + 1))"
    ck_eq "... and the same number of flows" "$(nflows)" "$flows0"
    seine_bg_wait "ping-$how" 15 || true
    ck_eq "800 pings at 100/s across the $how restart: loss" "$(seine_ping_loss "ping-$how")" 0%
    seine_bg_stop "ping-$how"
    traffic_check "$how"
}

restart SIGTERM
restart SIGKILL
ck_cni_ok "... and its retry after the restart succeeds" ADD late
ck_ok "the pod added by the retry pings b" ck_ping late "$b_ip"

ck_cni_ok "CHECK a (added before the restarts) passes" CHECK a
seine_pod_add c
c_ip=$(seine_pod_ip c)
ck_ok "a pod added after the restarts ($c_ip) takes an address a and b do not hold" \
    test "$c_ip" != "$a_ip" -a "$c_ip" != "$b_ip"
ck_ok "c pings b" ck_ping c "$b_ip"
b_port=$(ck_port b)
b_owner=$(ck_owner_of_ofport "$(ck_ofport "$b_port")")
b_cid=$(ck_cid b)
seine_pod_del b
ck_empty "DEL of b (added before the restarts) leaves nothing" \
    "$(ck_leftovers "$b_cid" eth0 "$b_port" "$b_ip" "$b_owner")"
ck_ok "a still pings c" ck_ping a "$c_ip"
ck_done
