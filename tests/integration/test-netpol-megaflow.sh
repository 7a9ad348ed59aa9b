#!/usr/bin/env bash
# With policies in force, an established connection must be served from
# the userspace datapath's flow cache: after the first packets, a TCP
# stream's packets hit cached datapath flows (EMC/SMC/megaflow) and do not
# go back to the OpenFlow tables (upcalls).  Measured with OVS's own PMD
# counters around an iperf3 run between two policed pods.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin netpol-megaflow
seine_require_cmd iperf3
seine_node_start
seine_pod_add a >/dev/null
seine_pod_add b >/dev/null
b_ip=$(seine_pod_ip b)
manifests=$(seine_node_dir)/manifests

cat >"$manifests/np.yaml.tmp" <<YAML
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-from-a, namespace: default}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]
    ports: [{protocol: TCP, port: 5201}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-to-b, namespace: default}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{protocol: TCP, port: 5201}]
YAML
mv "$manifests/np.yaml.tmp" "$manifests/np.yaml"
seine_wait_until 5 sh -c "ip netns exec $(seine_node_netns) ovs-ofctl -O OpenFlow15 dump-flows unix:$(seine_node_dir)/br-int.mgmt table=71 | grep -q goto_table:95"
ck_pass "policies installed (b isolated for ingress)"

seine_bg_start iperf3-b "$(seine_pod_netns b)" iperf3 -s -p 5201
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns b) ss -Hltn 'sport = :5201' | grep -q ."

# counter NAME: one line of pmd-stats-show summed over PMD threads.
counter() {
    seine_appctl dpif-netdev/pmd-stats-show \
        | awk -v k="$1:" '$0 ~ k { sub(/.*: */, ""); sub(/ .*/, ""); s += $0 } END { print s + 0 }'
}
seine_appctl dpif-netdev/pmd-stats-clear >/dev/null
out=$(seine_pod_exec a iperf3 -c "$b_ip" -p 5201 -t 3 --connect-timeout 2000 2>&1) \
    || ck_fail "iperf3 a -> b through the policies" "$out"
ck_pass "iperf3 a -> b through the policies: $(echo "$out" | awk '/receiver/ {print $(NF-2), $(NF-1)}')"

received=$(counter "packets received")
upcalls=$(counter "miss with success upcall")
echo "# PMD: $received packets received, $upcalls upcalls"
ck_ge "tens of thousands of packets went through the datapath" "$received" 10000
# A TCP stream needs a handful of datapath flows per direction (the
# handshake's new/established states, ACKs); everything after them is a
# cache hit.  1 upcall per 1000 packets leaves room for that.
ck_le "upcalls are under 0.1% of packets (established traffic stays in the cache)" \
    "$((upcalls * 1000))" "$received"

# The datapath flow that carried the stream (the busiest one after the
# conntrack recirculation) is an established-state flow that matches no
# transport port: the policy stages, which match ports, were not consulted
# for it.  Only the connection's first packet has a flow with tcp(dst=...).
seine_appctl dpctl/dump-flows >"$SEINE_RUN/dp.txt"
busiest=$(grep '^ct_state(' "$SEINE_RUN/dp.txt" \
    | awk -F'packets:' '{ split($2, a, ","); print a[1] "\t" $0 }' \
    | sort -rn | head -1 | cut -f2-)
echo "# busiest datapath flow: ${busiest:0:200}"
ck_ok "the stream's datapath flow is an established-state flow" \
    grep -q -- '-new-inv+trk' <<<"$busiest"
ck_no "... that does not match on the transport port" \
    grep -q 'tcp(' <<<"$busiest"
ck_ok "the connection's first packet had its own flow, matching the port" \
    grep -q 'ct_state(+new.*tcp(dst=5201)' "$SEINE_RUN/dp.txt"
ck_done
