#!/usr/bin/env bash
# Traceflow on a real node: seinectl traceflow injects a tagged packet from
# a pod and reports each stage's verdict, with real NetworkPolicies,
# ClusterNetworkPolicies and a Service; --static asks ofproto/trace the
# same.  The destination never receives a trace packet (an nftables
# counter in its netns sees every DSCP a trace uses), live traffic with
# the same DSCP is untouched, and a TCP stream between the same pods loses
# nothing while traces run.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin traceflow
seine_require_cmd nc nft jq
ctl_bin=$SEINE_BUILD_DIR/seinectl/seinectl
[ -x "$ctl_bin" ] || seine_skip "$ctl_bin not built"
seine_node_start
export SEINE_AGENT_CTL
SEINE_AGENT_CTL=$(seine_node_dir)/seine-agent.ctl
VIP=10.96.0.30

for p in a b c; do seine_pod_add "$p" >/dev/null; done
ip_a=$(seine_pod_ip a) ip_b=$(seine_pod_ip b)
ck_listen 80 b
ck_listen 8080 b

ck_trace_counter_start b
traced_at_b() { ck_trace_counter b; }

# trace ARGS...: seinectl traceflow -o json; the JSON in $tf, the exit
# code in $rc; obs FILTER: the observations' field values, one a line.
tf=
rc=0
trace() {
    rc=0
    tf=$("$ctl_bin" traceflow "$@" -o json 2>&1) || rc=$?
}
result() { jq -r '.items[0].result' <<<"$tf"; }
obs() { jq -r ".items[0].nodes[0].observations[] | $1" <<<"$tf"; }
components() { obs '"\(.component):\(.action)"' | paste -sd' '; }

# --- allowed, pod to pod ------------------------------------------------------
trace --from default/a --to default/b --proto tcp --dport 80
ck_eq "a -> b:80: exit 0" "$rc" 0
ck_eq "a -> b:80: Delivered" "$(result)" Delivered
ck_eq "a -> b:80: the stages" "$(components)" "SpoofGuard:Forwarded Output:Delivered"
ck_eq "a -> b:80: delivered to pod b" "$(obs 'select(.component == "Output") | .pod')" default/b
ck_eq "a -> b:80: the packet as sent" \
    "$(jq -r '.items[0].packet | "\(.protocol) \(.srcIP) \(.dstIP) \(.dstPort) \(.dscp % 2)"' <<<"$tf")" \
    "TCP $ip_a $ip_b 80 1"
ck_eq "a -> b:80: the trace's flows are gone" \
    "$(seine_ofctl dump-flows | grep -c 'nw_tos=' || true)" 0
trace --from default/a --to default/b --proto udp --dport 53
ck_eq "a -> b UDP: Delivered" "$(result)" Delivered
trace --from default/a --to default/b --proto icmp
ck_eq "a -> b ICMP: Delivered" "$(result)" Delivered
trace --from default/a --to default/b --proto tcp --dport 80 --static
ck_eq "static a -> b:80: Delivered to b" "$(result) $(jq -r .items[0].mode <<<"$tf") $(obs 'select(.component == "Output") | .pod')" \
    "Delivered static default/b"
rc=0; table=$("$ctl_bin" traceflow --from default/a --to default/b --dport 80 2>&1) || rc=$?
ck_ok "the table names the stages and the result" \
    grep -qE '^- +Result +Delivered' <<<"$table"
ck_ok "the table's Output row names pod b" grep -q 'Output *Delivered *90(Output) *pod default/b' <<<"$table"

# --- errors -------------------------------------------------------------------
trace --from default/nosuch --to default/b --dport 80
ck_eq "an unknown source pod: exit 1" "$rc" 1
ck_ok "an unknown source pod: says so" grep -q 'no pod default/nosuch attached' <<<"$tf"
trace --from default/a --to default/b --proto tcp
ck_eq "TCP without --dport: exit 1" "$rc" 1
trace --from default/a --to default/b --proto gre --dport 1
ck_ok "an unknown protocol: says so" grep -q 'unknown protocol' <<<"$tf"
trace --from default/a
ck_eq "no --to: exit 1" "$rc" 1

# --- an unknown destination ---------------------------------------------------
trace --from default/a --to 192.0.2.7 --proto tcp --dport 80
ck_eq "a -> 192.0.2.7 (outside the cluster): forwarded out of the node" \
    "$(result)" ForwardedOutOfNode

# --- dropped by an ingress NetworkPolicy --------------------------------------
ck_netpol b-from-c '  podSelector: {matchLabels: {app: b}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: c}}}]
    ports: [{protocol: TCP, port: 80}]'
ck_expect_tcp "the NetworkPolicy is in force: a -> b:80 refused" no a "$ip_b" 80
trace --from default/a --to default/b --proto tcp --dport 80
ck_eq "a -> b:80 under b-from-c: Dropped" "$(result)" Dropped
ck_eq "a -> b:80: dropped by ingress isolation, in IngressDefault" \
    "$(obs 'select(.action == "Dropped") | "\(.component) \(.tableName)"')" \
    "NetworkPolicy IngressDefault"
ck_ok "a -> b:80: names the policy that isolates b" \
    grep -q 'default/b-from-c' <<<"$(obs 'select(.action == "Dropped") | .componentInfo')"
trace --from default/c --to default/b --proto tcp --dport 80
ck_eq "c -> b:80: Delivered" "$(result)" Delivered
ck_eq "c -> b:80: allowed by b-from-c, ingress rule 0" \
    "$(obs 'select(.component == "NetworkPolicy") | "\(.action) \(.policy.namespace)/\(.policy.name) \(.policy.rule)"')" \
    "Forwarded default/b-from-c ingress rule 0"
trace --from default/c --to default/b --proto tcp --dport 80 --static
ck_eq "static c -> b:80: the same rule" \
    "$(result) $(obs 'select(.component == "NetworkPolicy") | .policy.name')" "Delivered b-from-c"
trace --from default/a --to default/b --proto tcp --dport 80 --static
ck_eq "static a -> b:80: Dropped in IngressDefault" \
    "$(result) $(obs 'select(.action == "Dropped") | .tableName')" "Dropped IngressDefault"
rm -f "$(seine_node_dir)/manifests/np-b-from-c.yaml"

# --- dropped by egress policy -------------------------------------------------
ck_netpol a-egress '  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: c}}}]'
ck_expect_tcp "the egress policy is in force: a -> b:80 refused" no a "$ip_b" 80
trace --from default/a --to default/b --proto tcp --dport 80
ck_eq "a -> b under a-egress: dropped in EgressDefault" \
    "$(result) $(obs 'select(.action == "Dropped") | "\(.component) \(.tableName)"')" \
    "Dropped NetworkPolicy EgressDefault"
rm -f "$(seine_node_dir)/manifests/np-a-egress.yaml"
ck_expect_tcp "the egress policy is gone: a -> b:80" ok a "$ip_b" 80

# --- ClusterNetworkPolicy Admin Deny, ingress and egress ----------------------
ck_cnp guard '  tier: Admin
  priority: 10
  subject: {pods: {podSelector: {matchLabels: {app: b}}}}
  ingress:
  - {name: deny-a, action: Deny, from: [{pods: {podSelector: {matchLabels: {app: a}}}}]}'
ck_expect_tcp "the Admin Deny is in force: a -> b:80 refused" no a "$ip_b" 80
trace --from default/a --to default/b --proto tcp --dport 80
ck_eq "a -> b under guard: dropped by the ClusterNetworkPolicy's ingress rule" \
    "$(result) $(obs 'select(.action == "Dropped") | "\(.component) \(.policy.name) \(.policy.rule) \(.policy.ruleName) \(.tableName)"')" \
    "Dropped ClusterNetworkPolicy guard ingress rule 0 deny-a IngressAdmin"
ck_cnp guard '  tier: Admin
  priority: 10
  subject: {pods: {podSelector: {matchLabels: {app: a}}}}
  egress:
  - {name: deny-b, action: Deny, to: [{pods: {podSelector: {matchLabels: {app: b}}}}]}'
ck_expect_tcp "the Admin egress Deny is in force: a -> b:80 refused" no a "$ip_b" 80
trace --from default/a --to default/b --proto udp --dport 80
ck_eq "a -> b under the egress guard: dropped by its egress rule" \
    "$(result) $(obs 'select(.action == "Dropped") | "\(.component) \(.policy.name) \(.policy.rule) \(.tableName)"')" \
    "Dropped ClusterNetworkPolicy guard egress rule 0 EgressAdmin"
rm -f "$(seine_node_dir)/manifests/cnp-guard.yaml"
ck_expect_tcp "the ClusterNetworkPolicy is gone: a -> b:80" ok a "$ip_b" 80

# --- a Service ----------------------------------------------------------------
ck_web_service $VIP "$ip_b"
service_in_force() {
    "$ctl_bin" get services -o json | jq -e --arg v "$VIP" '.items[] | select(.frontends[].ip == $v)'
}
ck_ok "the service reaches the agent" seine_wait_until 10 service_in_force
trace --from default/a --to svc:default/web
ck_eq "a -> svc web: load-balanced to b:8080 and delivered" \
    "$(result) $(obs 'select(.component == "LB") | "\(.service) \(.translatedDstIP):\(.translatedDstPort)"')" \
    "Delivered default/web/http/tcp $ip_b:8080"
ck_eq "a -> svc web: the packet went to the VIP" \
    "$(jq -r '.items[0].packet | "\(.dstIP):\(.dstPort)"' <<<"$tf")" "$VIP:80"

# --- the destination sees no trace packet; live traffic is untouched ----------
ck_eq "b received no trace packet" "$(traced_at_b)" 0
seine_pod_exec c ping -c 3 -i 0.2 -W 1 -Q 12 "$ip_b" >/dev/null 2>&1 || true
ck_ge "live traffic with a trace's DSCP reaches b (the counter works)" "$(traced_at_b)" 3

head -c 32000000 /dev/urandom >"$SEINE_RUN/stream.bin"
want=$(sha256sum <"$SEINE_RUN/stream.bin" | cut -d' ' -f1)
traces_loop() {
    local n=0
    while [ -e "$SEINE_RUN/tracing" ]; do
        "$ctl_bin" traceflow --from default/a --to default/b --proto tcp \
            --dport 5201 -o json | jq -r .items[0].result >>"$SEINE_RUN/traces.out"
        n=$((n + 1))
    done
}
before=$(traced_at_b)
touch "$SEINE_RUN/tracing"
traces_loop &
loop_pid=$!
got=$(ck_tcp_transfer a b "$ip_b" 5201 "$SEINE_RUN/stream.bin")
sleep 1
rm -f "$SEINE_RUN/tracing"
wait "$loop_pid" || true
ck_eq "a 32 MB stream a -> b:5201 during traces arrives intact" "$got" "$want"
ck_ge "traces ran during the stream" "$(grep -c . "$SEINE_RUN/traces.out")" 2
ck_eq "every trace during the stream was Delivered" \
    "$(sort -u "$SEINE_RUN/traces.out" | paste -sd,)" Delivered
ck_eq "b received no trace packet during the stream" "$(traced_at_b)" "$before"
ck_eq "no trace flow is left" "$(seine_ofctl dump-flows | grep -c 'nw_tos=' || true)" 0
ck_done
