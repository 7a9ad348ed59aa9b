#!/usr/bin/env bash
# Traceflow across two nodes joined by a geneve tunnel: the trace packet
# goes on through the tunnel with the trace tunnel key, the receiving
# node's agent reports its part on its metrics endpoint, and seinectl on
# the source node shows the whole path: a Service VIP load-balanced on
# node1 to an endpoint on node2, a pod on node2, and a NetworkPolicy drop
# on node2.  With node2's agent down, the answer says node2's part is
# missing.  The destination pod never receives a trace packet.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin traceflow-nodes
seine_require_cmd nc nft jq
ctl_bin=$SEINE_BUILD_DIR/seinectl/seinectl
[ -x "$ctl_bin" ] || seine_skip "$ctl_bin not built"
# The agents reach each other's metrics endpoint over the underlay (inside
# the test's own namespaces).
export SEINE_AGENT_CONFIG_EXTRA="metrics: {address: 0.0.0.0, port: 9464, insecure: true}"
seine_cluster_start geneve node1 node2
seine_node_use node1
seine_pod_add a >/dev/null
seine_node_use node2
seine_pod_add b >/dev/null
ck_listen 8080 b
ck_trace_counter_start b
traced_at_b() { ck_trace_counter b; }
b_ip=$(seine_pod_ip b)
seine_node_use node1
export SEINE_AGENT_CTL
SEINE_AGENT_CTL=$(seine_node_dir node1)/seine-agent.ctl
ck_ok "a (node1) pings b (node2)" ck_ping a "$b_ip"

tf=
rc=0
trace() {
    rc=0
    tf=$("$ctl_bin" traceflow "$@" -o json 2>&1) || rc=$?
}
part() { jq -r ".items[0].nodes[] | select(.node == \"$1\") | .observations[] | $2" <<<"$tf"; }

# --- pod to pod across nodes ----------------------------------------------------
trace --from default/a --to "$b_ip" --proto tcp --dport 8080
ck_eq "a -> b:8080: Delivered on node2" "$(jq -r '.items[0].result' <<<"$tf")" Delivered
ck_eq "a -> b:8080: node1's part ends in the tunnel to node2" \
    "$(part node1 'select(.component == "Output") | "\(.action) \(.node) \(.tunnelDstIP)"')" \
    "ForwardedToTunnel node2 192.168.100.2"
ck_eq "a -> b:8080: node2 received it from the tunnel and delivered it to b" \
    "$(part node2 '"\(.component):\(.action)"' | paste -sd' ')" \
    "Forwarding:Received Output:Delivered"
ck_eq "a -> b:8080: node2 names pod b" "$(part node2 'select(.component == "Output") | .pod')" default/b
ck_empty "a -> b:8080: no part is missing" "$(jq -r '.items[0].missing // empty | .[]' <<<"$tf")"
trace --from default/a --to "$b_ip" --proto icmp
ck_eq "a -> b ICMP across nodes: Delivered on node2" \
    "$(jq -r '.items[0].result, (.items[0].nodes | length)' <<<"$tf" | paste -sd' ')" "Delivered 2"
trace --from default/a --to "$b_ip" --proto tcp --dport 8080 --static
ck_eq "static a -> b: ends in the tunnel to node2" \
    "$(jq -r .items[0].result <<<"$tf") $(part node1 'select(.component == "Output") | .node')" \
    "ForwardedToTunnel node2"

# --- a Service on node1 whose endpoint is on node2 -----------------------------
ck_web_service 10.96.0.10 "$b_ip" node2
service_in_force() {
    "$ctl_bin" get services -o json | jq -e '.items[] | select(.frontends[].ip == "10.96.0.10")'
}
ck_ok "the service reaches node1's agent" seine_wait_until 10 service_in_force
trace --from default/a --to svc:default/web
ck_eq "a -> svc web: load-balanced on node1 to b:8080" \
    "$(part node1 'select(.component == "LB") | "\(.service) \(.translatedDstIP):\(.translatedDstPort)"')" \
    "default/web/http/tcp $b_ip:8080"
ck_eq "a -> svc web: through the tunnel, delivered to b on node2" \
    "$(jq -r .items[0].result <<<"$tf") $(part node1 'select(.component == "Output") | .action') $(part node2 'select(.component == "Output") | .pod')" \
    "Delivered ForwardedToTunnel default/b"

# --- a NetworkPolicy on node2 drops it ------------------------------------------
seine_node_use node2
ck_netpol b-ingress '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: other}}}]'
seine_node_use node1
ck_expect_tcp "node2's policy is in force: a -> b:8080 refused" no a "$b_ip" 8080
trace --from default/a --to "$b_ip" --proto tcp --dport 8080
ck_eq "a -> b under node2's policy: Dropped on node2" "$(jq -r .items[0].result <<<"$tf")" Dropped
ck_eq "a -> b: node2 says which policy isolates b" \
    "$(part node2 'select(.action == "Dropped") | "\(.component) \(.tableName) \(.componentInfo)"')" \
    "NetworkPolicy IngressDefault isolated for ingress by default/b-ingress: no rule allows it"
ck_eq "b received no trace packet" "$(traced_at_b)" 0

# --- node2's agent is down: its part is missing ---------------------------------
seine_node_use node2
seine_agent_stop
seine_node_use node1
trace --from default/a --to "$b_ip" --proto tcp --dport 8080 --timeout 3
ck_eq "node2's agent down: the answer ends at node1's tunnel output" \
    "$(jq -r '.items[0].result, (.items[0].nodes | length)' <<<"$tf" | paste -sd' ')" \
    "ForwardedToTunnel 1"
ck_ok "node2's agent down: the answer says its part is missing" \
    grep -q "the receiving node's part: http://192.168.100.2:9464" <<<"$(jq -r '.items[0].missing[]' <<<"$tf")"
ck_done
