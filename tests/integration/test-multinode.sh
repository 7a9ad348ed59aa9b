#!/usr/bin/env bash
# Two nodes, each a network namespace with its own OVS and agent, joined by
# an underlay veth pair; pods on different nodes reach each other through
# OVS userspace tunnels (geneve or vxlan) or, in noEncap mode, routed by
# the nodes over the underlay: the first argument.  Checks the computed pod
# MTU (underlay MTU - 50 with a tunnel) with DF pings at and above it,
# cross-node ping and a 4 MB TCP transfer both ways (sha256 compared), a
# Service whose endpoint is on the other node, one with an endpoint on each
# (ClusterIP and NodePort), NetworkPolicies (ingress on the destination's
# node, egress on the source's) and an Admin ClusterNetworkPolicy that see
# the real source pod of the other node, egress SNAT to a host outside the
# cluster, and that removing a Node removes its route.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
tunnel=${1:-geneve}
seine_test_begin "multinode-$tunnel"
mtu=1450
[ "$tunnel" != noEncap ] || mtu=1500
seine_require_cmd nc sha256sum python3
probe=$(dirname "$0")/svcprobe.py
seine_cluster_start "$tunnel" node1 node2
seine_node_use node1
seine_pod_add a >/dev/null
seine_pod_add c >/dev/null
seine_node_use node2
seine_pod_add b >/dev/null
a_ip=$(seine_pod_ip a) b_ip=$(seine_pod_ip b)
seine_node_use node1

ck_eq "node IP moved to br-phy" \
    "$(ip -n "$(seine_node_netns node1)" -4 -o addr show dev br-phy | awk '{ print $4 }')" \
    192.168.100.1/24
ck_eq "pod MTU is the underlay's minus the tunnel overhead ($tunnel)" \
    "$(seine_pod_exec a cat /sys/class/net/eth0/mtu)" "$mtu"
ck_ok "a (node1) pings b (node2)" ck_ping a "$b_ip"
ck_ok "b (node2) pings a (node1)" ck_ping b "$a_ip"
ck_ok "a packet of the pod MTU with DF set passes ($mtu bytes)" \
    seine_pod_exec a ping -c1 -W2 -M "do" -s $((mtu - 28)) "$b_ip"
ck_no "one byte more is refused at the pod (message too long)" \
    seine_pod_exec a ping -c1 -W2 -M "do" -s $((mtu - 27)) "$b_ip"
ck_underlay_path "$tunnel"
[ "$tunnel" != noEncap ] \
    || ck_empty "noEncap: no tunnel port" "$(seine_vsctl --if-exists get interface seine-tun0 type)"
ck_tcp_both_ways a b "across nodes"

# A Service on node1 whose endpoint is b on node2.
seine_bg_start echo-b "$(seine_pod_netns b)" python3 -u "$probe" serve b 8080 5353
ck_remote_service web 10.96.0.10 "$b_ip" node2
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns a) python3 $probe tcp 10.96.0.10 80 1 | grep -qx b" || true
ck_eq "a (node1) -> ClusterIP -> b (node2)" \
    "$(seine_pod_exec a python3 "$probe" tcp 10.96.0.10 80 3 | sort -u)" b

# A NetworkPolicy on node2 sees the real source of a's packets (no NAT
# across nodes): b admits only app=other, then app=a.
seine_node_use node2
ck_publish_pod a node1
ck_netpol b-ingress '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: other}}}]'
ck_expect_tcp "policy on node2 without a: a -> b:8080 dropped" no a "$b_ip" 8080
ck_netpol b-ingress '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]'
ck_expect_tcp "policy on node2 admitting app=a: a -> b:8080 allowed" ok a "$b_ip" 8080
rm -f "$(seine_node_dir)/manifests/np-b-ingress.yaml"

# A ClusterNetworkPolicy on node2: an Admin Deny of a's namespace wins over
# a NetworkPolicy that admits a.
ck_netpol b-ingress '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]'
ck_manifest cnp-deny-a.yaml "apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: deny-a}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: b}}}}
  ingress:
  - action: Deny
    from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: a}}}}]"
ck_expect_tcp "Admin Deny on node2 over the NetworkPolicy: a -> b:8080 dropped" no a "$b_ip" 8080
ck_expect_tcp "... the Admin Deny is for a only: c (node1) -> b:8080 dropped by the NetworkPolicy" \
    no c "$b_ip" 8080
rm -f "$(seine_node_dir)/manifests/cnp-deny-a.yaml" "$(seine_node_dir)/manifests/np-b-ingress.yaml"
ck_expect_tcp "policies removed on node2: a -> b:8080" ok a "$b_ip" 8080
seine_node_use node1

# Egress policy on node1 towards a pod of node2: a may reach app=c only.
ck_publish_pod b node2
ck_netpol a-egress '  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: c}}}]'
ck_expect_tcp "egress policy on node1: a -> b (node2):8080 dropped" no a "$b_ip" 8080
ck_netpol a-egress '  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{protocol: TCP, port: 8080}]'
ck_expect_tcp "egress policy on node1 naming b: a -> b (node2):8080 allowed" ok a "$b_ip" 8080
rm -f "$(seine_node_dir)/manifests/np-a-egress.yaml"

# A Service with one endpoint on each node: c's connections reach both; and
# its node port on node1, from node1's own namespace, reaches both too.
seine_bg_start echo-a "$(seine_pod_netns a)" python3 -u "$probe" serve a 8080 5353
ck_manifest svc-both.yaml "apiVersion: v1
kind: Service
metadata: {name: both, namespace: default}
spec:
  type: NodePort
  clusterIP: 10.96.0.11
  ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: both-1, namespace: default, labels: {kubernetes.io/service-name: both}}
addressType: IPv4
ports: [{name: http, protocol: TCP, port: 8080}]
endpoints:
- {addresses: [\"$a_ip\"], nodeName: node1, conditions: {ready: true}}
- {addresses: [\"$b_ip\"], nodeName: node2, conditions: {ready: true}}"
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns c) python3 $probe tcp 10.96.0.11 80 1 | grep -qx '[ab]'" || true
ck_eq "ClusterIP with endpoints on both nodes: c reaches a and b" \
    "$(seine_pod_exec c python3 "$probe" tcp 10.96.0.11 80 20 | sort -u | tr '\n' ' ')" "a b "
# (noEncap: the node's own stack cannot be the client of a node port whose
# endpoint is on another node: the DNATed packet would come back to it, to
# be routed, with its own address as the source; docs/multinode.md.)
if [ "$tunnel" != noEncap ]; then
    ck_eq "NodePort on node1 from its namespace: endpoints on both nodes answer" \
        "$(seine_node_exec python3 "$probe" tcp 10.244.1.1 30080 20 | sort -u | tr '\n' ' ')" "a b "
fi

# Egress to outside the cluster: an "external" host behind node1's other
# link sees node1's address (masqueraded, snat.h), and a gets its answer.
ext=${SEINE_NS_PREFIX}ext
seine_netns_add "$ext"
ip link add x0 netns "$(seine_node_netns node1)" type veth peer name x0 netns "$ext"
ip -n "$(seine_node_netns node1)" addr add 192.168.200.1/24 dev x0
ip -n "$ext" addr add 192.168.200.2/24 dev x0
ip -n "$(seine_node_netns node1)" link set x0 up
ip -n "$ext" link set x0 up
seine_bg_start ext-peer "$ext" python3 -u "$probe" peer 9000
seine_wait_until 5 sh -c "ip netns exec $ext ss -Hltn 'sport = :9000' | grep -q ." || true
ck_eq "egress SNAT: the external host sees node1's address" \
    "$(seine_pod_exec a python3 "$probe" tcp 192.168.200.2 9000 1)" 192.168.200.1
# The MTU seen from outside: a host whose link is 1500 reaches pod a with
# a DF packet of the pod MTU, and one byte more gets ICMP "fragmentation
# needed" with the pod MTU from node1 (its gateway port has that MTU).
ip -n "$ext" route add 10.244.0.0/16 via 192.168.200.1
ck_ok "from outside: a DF packet of the pod MTU reaches a ($mtu bytes)" \
    ip netns exec "$ext" ping -c1 -W2 -M "do" -s $((mtu - 28)) "$a_ip"
frag=$(ip netns exec "$ext" ping -c2 -W2 -M "do" -s $((mtu - 27)) "$a_ip" 2>&1 || true)
ck_ok "from outside: one byte more gets ICMP fragmentation needed, mtu $mtu" \
    grep -Eq "mtu ?= ?$mtu" <<<"$frag"
seine_bg_start peer-b "$(seine_pod_netns b)" python3 -u "$probe" peer 9001
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns b) ss -Hltn 'sport = :9001' | grep -q ." || true
ck_eq "... while b (node2) sees a's own address across the tunnel" \
    "$(seine_pod_exec a python3 "$probe" tcp "$b_ip" 9001 1)" "$a_ip"

# node2 leaves node1's model: its route goes, and comes back with it.
ck_manifest nodes.yaml "$(seine_nodes_manifest node1)"
seine_wait_until 5 sh -c "! ip netns exec $(seine_pod_netns a) ping -c1 -W1 $b_ip" || true
ck_no "node2 removed: a no longer reaches b" ck_ping a "$b_ip"
ck_eq "node2 removed: no flow to its pod subnet on node1" \
    "$(seine_ofctl dump-flows table=50 | grep -c 'nw_dst=10.244.2.0/24' || true)" 0
ck_empty "node2 removed: no route to its pod subnet on node1" \
    "$(ip -n "$(seine_node_netns node1)" route show 10.244.2.0/24)"
ck_manifest nodes.yaml "$(seine_nodes_manifest node1 node2)"
seine_wait_until 5 ck_ping a "$b_ip" || true
ck_ok "node2 back: a reaches b again" ck_ping a "$b_ip"
for n in node1 node2; do
    seine_node_use "$n"
    ck_recompute
done
ck_done
