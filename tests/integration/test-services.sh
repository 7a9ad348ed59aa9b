#!/usr/bin/env bash
# Services in OVS on one node: ClusterIP over TCP and UDP to three
# backends through select groups and conntrack DNAT, with the EndpointSlices
# written as an endpoint controller would.  Counts which backend answered
# every connection (svcprobe.py), and checks ClientIP affinity, endpoint
# removal (new connections only), rejection without endpoints, hairpin,
# NetworkPolicy after DNAT, and that an established service connection
# stays in the datapath's cache.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
# shellcheck source=SCRIPTDIR/services.sh
. "$(dirname "$0")/services.sh"
seine_test_begin services
seine_require_cmd python3
seine_node_start
svc_backends b1 b2 b3 -- client other

VIP=10.96.0.10
STICKY=10.96.0.11

service web "$VIP"
slice web-1 web b1 b2 b3
seine_wait_until 5 sh -c "[ \"\$(ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 1)\" != timeout ]" || true

got=$(answers client tcp "$VIP" 80 40)
spread "ClusterIP TCP, 40 connections, named targetPort" "$got" b1 b2 b3
got=$(answers client udp "$VIP" 53 40)
spread "ClusterIP UDP, 40 datagrams" "$got" b1 b2 b3
seine_pod_add tapc tap >/dev/null
got=$(answers tapc tcp "$VIP" 80 40)
spread "ClusterIP TCP from a tap pod" "$got" b1 b2 b3
ck_eq "the groups and frontends are in the switch" \
    "$(seine_ofctl dump-flows table=30 | grep -c "nw_dst=$VIP")" 2
ck_eq "one select group per service port" \
    "$(seine_ofctl dump-groups | grep -c 'type=select')" 2

# The same backends behind a LoadBalancer Service: its external IP and its
# load balancer ingress IP from a pod, its node port from the node's own
# network namespace (nftables sends it into br-int, nodeport.h).
ck_manifest svc-edge.yaml "apiVersion: v1
kind: Service
metadata: {name: edge, namespace: default}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.12
  externalIPs: [192.0.2.10]
  selector: {app: web}
  ports:
  - {name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}
  - {name: dns, protocol: UDP, port: 53, targetPort: 5353, nodePort: 30053}
status:
  loadBalancer: {ingress: [{ip: 192.0.2.11}]}"
slice edge-1 edge b1 b2 b3
seine_wait_until 5 sh -c "ip netns exec $(seine_node_netns) nft list set ip seine nodeports 2>/dev/null | grep -q 30053" || true
got=$(answers client tcp 192.0.2.10 80 40)
spread "externalIP from a pod" "$got" b1 b2 b3
got=$(answers client tcp 192.0.2.11 80 40)
spread "LoadBalancer ingress IP from a pod" "$got" b1 b2 b3
gw=$(seine_pod_gateway client)
got=$(seine_node_exec python3 "$probe" tcp "$gw" 30080 40)
spread "NodePort TCP from the node's network namespace ($gw:30080)" "$got" b1 b2 b3
got=$(seine_node_exec python3 "$probe" udp "$gw" 30053 40)
spread "NodePort UDP from the node's network namespace" "$got" b1 b2 b3
rm -f "$manifests/svc-edge.yaml" "$manifests/slice-edge-1.yaml"
seine_wait_until 5 sh -c "! ip netns exec $(seine_node_netns) nft list table ip seine >/dev/null 2>&1" || true
ck_no "no node port left: the nftables table is gone" \
    seine_node_exec nft list table ip seine

# ClientIP affinity: one client, one backend.
service sticky "$STICKY" "  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 300}}"
slice sticky-1 sticky b1 b2 b3
seine_wait_until 5 sh -c "[ \"\$(ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $STICKY 80 1)\" != timeout ]" || true
got=$(answers client tcp "$STICKY" 80 20)
ck_eq "ClientIP affinity: 20 connections, one backend ($(sort -u <<<"$got" | tr '\n' ' '))" \
    "$(sort -u <<<"$got" | wc -l)" 1
got=$(answers other tcp "$STICKY" 80 5)
ck_eq "ClientIP affinity: another client sticks to its own backend" \
    "$(sort -u <<<"$got" | wc -l)" 1

# A long connection to b3 survives b3's removal (terminating); new
# connections go to b1 and b2 only.
hold_b3() {
    seine_bg_stop hold 2>/dev/null || true
    seine_bg_start hold "$(seine_pod_netns client)" \
        python3 -u "$probe" hold "$VIP" 80
    seine_wait_until 5 grep -q '^ok 3 ' "$SEINE_RUN/bg/hold.log"
}
# Each try lands on b3 with a chance of 1/3: 20 tries all miss with 3e-4.
for try in $(seq 20); do
    hold_b3 || seine_fail "long connection did not start"
    grep -q '^ok 3 b3$' "$SEINE_RUN/bg/hold.log" && break
done
ck_ok "a long connection landed on b3 (try $try)" \
    grep -q '^ok 3 b3$' "$SEINE_RUN/bg/hold.log"
slice web-1 web b1 b2 b3:terminating
seine_wait_until 5 sh -c "! ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 6 | grep -qx b3" || true
got=$(answers client tcp "$VIP" 80 40)
spread "b3 terminating: new connections" "$got" b1 b2
before=$(grep -c '^ok ' "$SEINE_RUN/bg/hold.log")
sleep 1
after=$(grep -c '^ok ' "$SEINE_RUN/bg/hold.log")
ck_ge "b3 terminating: its established connection still answers ($before -> $after)" \
    "$after" $((before + 5))
ck_no "... and never broke" grep -q '^broken' "$SEINE_RUN/bg/hold.log"
seine_bg_stop hold

# Datapath: the established service connection ran from the flow cache:
# no datapath flow for it carries the group's hash recirculation.
ck_empty "no datapath flow re-runs the group for established traffic" \
    "$(seine_appctl dpctl/dump-flows | grep 'ct_state(-new' | grep 'hash(' || true)"

# No ready endpoint: the connection is refused at once, the datagram gets
# ICMP port unreachable.
slice web-1 web
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 1 | grep -qx refused" || true
ck_eq "no endpoints: TCP refused (RST)" "$(answers client tcp "$VIP" 80 3 | sort -u)" refused
ck_eq "no endpoints: UDP refused (ICMP port unreachable)" \
    "$(answers client udp "$VIP" 53 3 | sort -u)" refused

# Hairpin: b1 reaches itself through the service.
slice web-1 web b1
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns b1) \
    python3 $probe tcp $VIP 80 1 | grep -qx b1" || true
ck_eq "hairpin: b1 -> VIP -> b1 over TCP" "$(answers b1 tcp "$VIP" 80 5 | sort -u)" b1
ck_eq "hairpin: b1 -> VIP -> b1 over UDP" "$(answers b1 udp "$VIP" 53 5 | sort -u)" b1

# NetworkPolicy applies after DNAT: the backends deny the client pod.
slice web-1 web b1 b2 b3
ck_manifest np-web.yaml "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-not-client, namespace: default}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [b1, b2, b3]}]}
  ingress:
  - from: [{podSelector: {matchLabels: {app: other}}}]"
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 1 | grep -qx timeout" || true
ck_eq "policy after DNAT: client -> VIP dropped" \
    "$(answers client tcp "$VIP" 80 2 | sort -u)" timeout
got=$(answers other tcp "$VIP" 80 40)
spread "policy after DNAT: other -> VIP allowed" "$got" b1 b2 b3

ck_recompute
rm -f "$manifests"/svc-*.yaml "$manifests"/slice-*.yaml "$manifests"/np-*.yaml
seine_wait_until 5 sh -c "[ \"\$(seine_ofctl dump-groups | grep -c type=select)\" == 0 ]" || true
ck_eq "services removed: no group left" "$(seine_ofctl dump-groups | grep -c 'type=select')" 0
ck_eq "... no service flow left" "$(seine_ofctl dump-flows table=31 | grep -c nat)" 0
ck_done
