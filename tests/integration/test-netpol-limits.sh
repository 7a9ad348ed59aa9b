#!/usr/bin/env bash
# A NetworkPolicy at the OpenFlow message limit, on a real switch: 4,001
# ingress rules select pod b, so b's clause flow would need 4,001
# conjunction actions.  One flow_mod holds 4,000 (FLOWTAB_MAX_CONJS), and
# ovs-vswitchd takes that flow.  4,000 rules are applied, the one left
# over (the last by rule id, a hash) is refused and named in the log by
# its place in the spec; rule 0 lets a in on port 80 and rule 4000 lets c
# in, and each works unless it is the one refused.  The agent keeps
# serving.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin netpol-limits
seine_require_cmd nc
seine_node_start
for p in a b c; do seine_pod_add "$p" >/dev/null; done
b_ip=$(seine_pod_ip b)
dir=$(seine_node_dir)
ck_listen 80 b

rules() {
    local i
    echo "  - from: [{podSelector: {matchLabels: {app: a}}}]"
    echo "    ports: [{protocol: TCP, port: 80}]"
    for ((i = 1; i < 4000; i++)); do
        echo "  - from: [{ipBlock: {cidr: 172.16.$((i / 256)).$((i % 256))/32}}]"
        echo "    ports: [{protocol: TCP, port: 80}]"
    done
    echo "  - from: [{podSelector: {matchLabels: {app: c}}}]"
    echo "    ports: [{protocol: TCP, port: 80}]"
}

# conjs: the conjunction actions of b's clause flow (the one matching its
# address as a destination), 0 while it is not there.
conjs() {
    seine_ofctl dump-flows | grep "nw_dst=$b_ip " | grep -o 'conjunction(' | wc -l
}
full_clause() { [ "$(conjs)" -ge 4000 ]; }

start=$(date +%s%N)
ck_netpol many-rules "  podSelector: {matchLabels: {app: b}}
  ingress:
$(rules)"
ck_ok "b's clause flow reaches the switch with its conjunctions" seine_wait_until 60 full_clause
seine_log "4,001-rule policy applied in $((($(date +%s%N) - start) / 1000000)) ms"
ck_eq "... exactly 4,000 of them: one OpenFlow message" "$(conjs)" 4000
ck_ge "the switch holds a flow for each applied rule" \
    "$(seine_ofctl dump-flows | grep -c 'conj_id=')" 4000
ck_ok "the agent says why it refused a rule" \
    grep -q "already has 4000 conjunctions" "$dir/seine-agent.log"
refused=$(sed -n 's|.*NetworkPolicy rule default/many-rules/ingress/\([0-9]*\) not applied.*|\1|p' \
    "$dir/seine-agent.log" | sort -u)
ck_eq "... and names the one rule it refused by its place in the spec" \
    "$(wc -w <<<"$refused")" 1
conj=$(sed -n 's/.*conjunction \([0-9]*\) refused.*/\1/p' "$dir/seine-agent.log" | head -1)
ck_ne "... with its conjunction id" "$conj" ""
ck_eq "... which no flow of the switch carries" \
    "$(seine_ofctl dump-flows | grep -c "conj_id=${conj}[^0-9]")" 0
verdict() { if [ "$refused" == "$1" ]; then echo no; else echo ok; fi; }
ck_expect_tcp "rule 0 (from app=a, port 80): a -> b:80 ($(verdict 0))" "$(verdict 0)" a "$b_ip" 80
ck_expect_tcp "rule 4000 (from app=c, port 80): c -> b:80 ($(verdict 4000))" "$(verdict 4000)" \
    c "$b_ip" 80
ck_ok "the agent still serves CNI requests" seine_cni STATUS a
seine_pod_add d >/dev/null
ck_ok "... and adds pods: d pings a" ck_ping d "$(seine_pod_ip a)"
ck_done
