#!/usr/bin/env bash
# Conntrack only where it is needed (docs/pipeline.md, ConntrackZone):
# between pods no policy isolates, a packet makes one datapath pass (no
# ct, no recirculation); a Service still translates to such a pod, and a
# direct connection to the pod's service port (whose replies meet
# conntrack as possible service replies) still works.  Once a policy
# isolates the pod, its packets take the conntrack pass, the policy's
# verdicts hold, an established connection costs at most two passes, and
# a TCP connection that was opened untracked is dropped.  Without the
# policy, the pod is untracked again.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
# shellcheck source=SCRIPTDIR/services.sh
. "$(dirname "$0")/services.sh"
seine_test_begin ct-bypass
seine_require_cmd iperf3
seine_require_cmd python3
seine_node_start
svc_backends b -- a
a_ip=${addr[a]} b_ip=${addr[b]}
VIP=10.96.0.10

seine_bg_start iperf3-b "$(seine_pod_netns b)" iperf3 -s -p 5201
seine_wait_until 5 ck__listening b 5201

# counter NAME: one line of pmd-stats-show summed over PMD threads.
counter() {
    seine_appctl dpif-netdev/pmd-stats-show \
        | awk -v k="$1:" '$0 ~ k { sub(/.*: */, ""); sub(/ .*/, ""); s += $0 } END { print s + 0 }'
}

# stream WHAT: a 2 s iperf3 TCP stream a -> b:5201 with the PMD counters
# cleared first; sets received and recirc.
stream() {
    local out
    seine_appctl dpif-netdev/pmd-stats-clear >/dev/null
    out=$(seine_pod_exec a iperf3 -c "$b_ip" -p 5201 -t 2 --connect-timeout 2000 2>&1) \
        || ck_fail "iperf3 a -> b $1" "$out"
    received=$(counter "packets received")
    recirc=$(counter "packet recirculations")
    echo "# $1: $received packets, $recirc recirculations,"\
         "$(awk -v r="$received" -v c="$recirc" 'BEGIN { printf "%.3f", (r + c) / (r ? r : 1) }') passes per packet"
    ck_ge "iperf3 a -> b $1: tens of thousands of packets" "$received" 10000
}

# pair_flows: the datapath flows between a and b, either way.
pair_flows() {
    seine_appctl dpctl/dump-flows \
        | grep -E "src=($a_ip|$b_ip)(/[0-9.]+)?,dst=($a_ip|$b_ip)(/[0-9.]+)?," || true
}

# 1. Unisolated pods: one pass per packet, no ct in the datapath.
stream "unisolated"
ck_le "unisolated: under 1% of packets recirculate" "$((recirc * 100))" "$received"
flows=$(pair_flows)
while IFS= read -r line; do echo "# datapath flow: $line"; done <<<"$flows"
ck_ne "unisolated: the datapath has flows between a and b" "$flows" ""
ck_no "unisolated: none of them does ct or recirculates" \
    grep -qE 'ct\(|recirc\(' <<<"$flows"
ck_eq "unisolated: conntrack holds no connection between a and b" \
    "$(seine_appctl dpctl/dump-conntrack zone=65001 | grep -c "dst=$b_ip,sport=[0-9]*,dport=5201" || true)" 0

# 3. A Service to the unisolated pod still translates, and its replies are
# undone; the pod's service port reached directly (untracked: its SYN-ACK
# is no service reply conntrack knows) works too.
service web "$VIP"
slice web-1 web b
seine_wait_until 5 sh -c "[ \"\$(ip netns exec $(seine_pod_netns a) \
    python3 $probe tcp $VIP 80 1)\" = b ]" || true
ck_eq "Service TCP to the unisolated pod: 5 connections answered" \
    "$(answers a tcp "$VIP" 80 5 | sort | uniq -c | awk '{ print $1, $2 }')" "5 b"
ck_eq "Service UDP to the unisolated pod: 5 datagrams answered" \
    "$(answers a udp "$VIP" 53 5 | sort | uniq -c | awk '{ print $1, $2 }')" "5 b"
ck_ok "... through conntrack's DNAT" \
    grep -q "dst=$VIP,sport=[0-9]*,dport=80.*src=$b_ip,dst=$a_ip,sport=8080" \
    <<<"$(seine_appctl dpctl/dump-conntrack zone=65001)"
seine_appctl dpctl/dump-flows | grep -E "$VIP|src=${b_ip}[^,]*,dst=$a_ip" \
    | sed 's/^/# datapath flow (service): /' || true
ck_eq "the service port reached directly: 5 connections answered" \
    "$(answers a tcp "$b_ip" 8080 5 | sort | uniq -c | awk '{ print $1, $2 }')" "5 b"

# A long connection to b opened while b is not isolated.
seine_bg_start hold-a "$(seine_pod_netns a)" python3 -u "$probe" hold "$b_ip" 8080
seine_wait_until 5 grep -q '^ok 5 ' "$SEINE_RUN/bg/hold-a.log" \
    || ck_fail "a held connection a -> b:8080 answers" "$(cat "$SEINE_RUN/bg/hold-a.log")"

# 2. b isolated for ingress, TCP 5201 from a allowed.
ck_netpol b-from-a "  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]
    ports: [{protocol: TCP, port: 5201}]"
seine_wait_until 5 sh -c "ip netns exec $(seine_node_netns) ovs-ofctl -O OpenFlow15 \
    dump-flows unix:$(seine_node_dir)/br-int.mgmt table=20 | grep -q 'nw_dst=$b_ip actions=.*ct('"
ck_pass "policy installed: b's packets take the conntrack pass"
ck_expect_tcp "isolated: a -> b:8080 (no rule allows it) refused" no a "$b_ip" 8080
ck_ok "isolated: the connection opened untracked is dropped" \
    seine_wait_until 8 grep -q '^broken' "$SEINE_RUN/bg/hold-a.log"
seine_bg_stop hold-a
ck_eq "isolated: the Service's connections to b are refused too" \
    "$(answers a tcp "$VIP" 80 2 | sort -u)" timeout
stream "isolated, allowed"
ck_ge "isolated: the stream's packets recirculate (conntrack)" \
    "$((recirc * 100))" "$((received * 90))"
ck_le "isolated: an established connection costs at most two passes" \
    "$((recirc * 100))" "$((received * 102))"
flows=$(pair_flows)
while IFS= read -r line; do echo "# datapath flow: $line"; done <<<"$flows"
ck_ok "isolated: the datapath flows between a and b do ct" \
    grep -q 'ct(' <<<"$flows"
ck_ok "isolated: conntrack holds the allowed connection" \
    grep -q "dst=$b_ip,sport=[0-9]*,dport=5201" \
    <<<"$(seine_appctl dpctl/dump-conntrack zone=65001)"

# Without the policy, b is untracked again.
rm -f "$manifests/np-b-from-a.yaml"
seine_wait_until 5 sh -c "! ip netns exec $(seine_node_netns) ovs-ofctl -O OpenFlow15 \
    dump-flows unix:$(seine_node_dir)/br-int.mgmt table=20 | grep -q 'nw_dst=$b_ip actions'"
ck_pass "policy removed: b's conntrack flows are gone"
ck_expect_tcp "unisolated again: a -> b:8080 works" ok a "$b_ip" 8080
stream "unisolated again"
ck_le "unisolated again: under 1% of packets recirculate" "$((recirc * 100))" "$received"
ck_done
