#!/usr/bin/env bash
# Services in OVS on one node: ClusterIP over TCP and UDP to three
# backends through select groups and conntrack DNAT, with the EndpointSlices
# written as an endpoint controller would.  Counts which backend answered
# every connection (svcprobe.py), and checks ClientIP affinity, endpoint
# removal (new connections only), rejection without endpoints, hairpin,
# NetworkPolicy after DNAT, and that an established service connection
# stays in the datapath's cache.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
seine_test_begin services
seine_require_cmd python3
seine_node_start
probe=$(dirname "$0")/svcprobe.py
manifests=$(seine_node_dir)/manifests

for p in b1 b2 b3 client other; do seine_pod_add "$p" >/dev/null; done
declare -A addr
for p in b1 b2 b3 client other; do addr[$p]=$(seine_pod_ip "$p"); done
for p in b1 b2 b3; do
    seine_bg_start "serve-$p" "$(seine_pod_netns "$p")" \
        python3 -u "$probe" serve "$p" 8080 5353
done
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns b3) \
    ss -Hlun 'sport = :5353' | grep -q ." || seine_fail "backends did not start"

VIP=10.96.0.10
STICKY=10.96.0.11

# service NAME VIP [AFFINITY-YAML]: a Service with an http port (80 ->
# named targetPort http) and a dns port (UDP 53 -> 5353).
service() {
    ck_manifest "svc-$1.yaml" "apiVersion: v1
kind: Service
metadata: {name: $1, namespace: default}
spec:
  clusterIP: $2
  selector: {app: web}
  ports:
  - {name: http, protocol: TCP, port: 80, targetPort: http}
  - {name: dns, protocol: UDP, port: 53, targetPort: 5353}
${3:-}"
}

# slice NAME SERVICE POD...: the EndpointSlice of SERVICE with POD... ready
# (a pod given as POD:terminating is serving but terminating).
slice() {
    local name=$1 svc=$2 p state; shift 2
    {
        printf 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n'
        printf 'metadata:\n  name: %s\n  namespace: default\n' "$name"
        printf '  labels: {kubernetes.io/service-name: %s}\n' "$svc"
        printf 'addressType: IPv4\n'
        printf 'ports:\n- {name: http, protocol: TCP, port: 8080}\n'
        printf -- '- {name: dns, protocol: UDP, port: 5353}\n'
        if [ $# -gt 0 ]; then printf 'endpoints:\n'; else printf 'endpoints: []\n'; fi
        for p in "$@"; do
            state=${p#*:}; p=${p%%:*}
            printf -- '- addresses: ["%s"]\n  nodeName: %s\n' "${addr[$p]}" "$SEINE_NODE"
            if [ "$state" == terminating ]; then
                printf '  conditions: {ready: false, serving: true, terminating: true}\n'
            else
                printf '  conditions: {ready: true}\n'
            fi
        done
    } >"$manifests/.slice-$name.tmp"
    mv "$manifests/.slice-$name.tmp" "$manifests/slice-$name.yaml"
}

# answers FROM PROTO HOST PORT COUNT: the answers, one per line.
answers() {
    seine_pod_exec "$1" python3 "$probe" "$2" "$3" "$4" "$5"
}

# spread WHAT ANSWERS BACKEND...: every BACKEND answered at least once and
# nobody else did.  Callers send 40 connections: with a backend's share of
# the group's 16 hash values at 5, the chance that it gets none is below
# 1e-6.
spread() {
    local what=$1 got=$2 b; shift 2
    local summary
    summary=$(sort <<<"$got" | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
    for b in "$@"; do
        ck_ok "$what: $b answered ($summary)" grep -qx "$b" <<<"$got"
    done
    ck_empty "$what: no other answer ($summary)" \
        "$(grep -vxF -f <(printf '%s\n' "$@") <<<"$got" || true)"
}

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
# The choice is learned by the switch with the first connection; later
# connections see it once the switch has revalidated its datapath flows.
sleep 1
got=$(answers client tcp "$STICKY" 80 20)
ck_eq "ClientIP affinity: 20 connections, one backend ($(sort -u <<<"$got" | tr '\n' ' '))" \
    "$(sort -u <<<"$got" | wc -l)" 1
answers other tcp "$STICKY" 80 1 >/dev/null
sleep 1
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
for try in 1 2 3 4 5 6 7 8 9 10; do
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

rm -f "$manifests"/svc-*.yaml "$manifests"/slice-*.yaml "$manifests"/np-*.yaml
seine_wait_until 5 sh -c "[ \"\$(seine_ofctl dump-groups | grep -c type=select)\" == 0 ]" || true
ck_eq "services removed: no group left" "$(seine_ofctl dump-groups | grep -c 'type=select')" 0
ck_eq "... no service flow left" "$(seine_ofctl dump-flows table=31 | grep -c nat)" 0
ck_done
