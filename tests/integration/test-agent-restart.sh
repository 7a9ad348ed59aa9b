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
# The TCP transfer has pods of its own: a sender that fills its port's
# ring would otherwise crowd out the ping's requests on the same ring.
seine_pod_add xa
seine_pod_add xb
a_ip=$(seine_pod_ip a) b_ip=$(seine_pod_ip b) b_mac=$(seine_pod_mac b)
l2_b="table=60,dl_dst=$b_mac"

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

restart() {
    local how=$1 round0 packets0 flows0 round1
    round0=$(ck_rounds)
    flows0=$(nflows)
    ck_eq "before the $how restart all flows carry one round ($round0)" \
        "$(wc -l <<<"$round0")" 1
    seine_bg_start "ping-$how" "$(seine_pod_netns a)" \
        ping -i 0.01 -c 800 -W 1 "$b_ip"
    ck_traffic_start "$how" ta tb xa xb
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
    round1=$(ck_rounds)
    ck_eq "after the $how restart all flows carry one round" "$(wc -l <<<"$round1")" 1
    ck_eq "... the next one" "$((0x$round1))" "$((0x$round0 + 1))"
    ck_eq "... and the same number of flows" "$(nflows)" "$flows0"
    seine_bg_wait "ping-$how" 15 || true
    ck_eq "800 pings at 100/s across the $how restart: loss" "$(seine_ping_loss "ping-$how")" 0%
    seine_bg_stop "ping-$how"
    ck_traffic_check "$how" "the $how restart"
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
