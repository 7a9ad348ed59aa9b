#!/usr/bin/env bash
# Two dual-stack nodes (SEINE_DUAL_STACK=1: each Node lists an IPv4 and an
# IPv6 pod CIDR) joined by an IPv4 underlay: IPv6 between pods of
# different nodes goes through the same userspace tunnel (the first
# argument, geneve or vxlan) as IPv4.  Cross-node ping, a packet of the pod
# MTU, a 4 MB TCP transfer over IPv6 both ways (sha256 compared), the
# tunnel port's counters rising with it, a NetworkPolicy on node2 that
# admits one pod of node1 and denies the other by their IPv6 addresses,
# and a removed Node taking its
# IPv6 route with it.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
tunnel=${1:-geneve}
seine_test_begin "ipv6-nodes-$tunnel"
mtu=1450
seine_require_cmd nc sha256sum jq
export SEINE_DUAL_STACK=1
seine_cluster_start "$tunnel" node1 node2
seine_node_use node1
seine_pod_add a >/dev/null
seine_node_use node2
seine_pod_add b >/dev/null
a6=$(seine_pod_ip6 a) b6=$(seine_pod_ip6 b)
seine_node_use node1

ck_eq "a's IPv6 address is in node1's IPv6 subnet" "${a6%:*}:" fd00:10:244:1::
ck_eq "b's IPv6 address is in node2's IPv6 subnet" "${b6%:*}:" fd00:10:244:2::
ck6_ping() { seine_pod_exec "$1" ping -6 -c1 -W1 "$2" >/dev/null 2>&1 \
    || seine_pod_exec "$1" ping -6 -c2 -W1 "$2" >/dev/null 2>&1; }
ck_ok "a (node1) pings b (node2) over IPv6" ck6_ping a "$b6"
ck_ok "b (node2) pings a (node1) over IPv6" ck6_ping b "$a6"
ck_ok "an IPv6 packet of the pod MTU passes ($mtu bytes)" \
    seine_pod_exec a ping -6 -c1 -W2 -M "do" -s $((mtu - 48)) "$b6"
ck_eq "on the way, two routers: the hop limit is 62" \
    "$(seine_pod_exec a ping -6 -c1 -W1 "$b6" | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')" 62

# tun_tx NODE: packets the node's tunnel port has sent.
tun_tx() {
    seine_node_use "$1"
    seine_ofctl dump-ports "$(seine_vsctl get interface seine-tun0 ofport)" \
        | sed -n 's/.*tx pkts=\([0-9]*\).*/\1/p' | head -1
}
file=$SEINE_RUN/payload
head -c 4M /dev/urandom >"$file"
want=$(sha256sum <"$file" | cut -d' ' -f1)
tx0=$(tun_tx node1)
seine_node_use node1
ck_eq "4 MB over TCP/IPv6 a (node1) -> b (node2) arrive intact (sha256)" \
    "$(ck_tcp_transfer a b "$b6" 7201 "$file")" "$want"
ck_eq "4 MB over TCP/IPv6 b (node2) -> a (node1) arrive intact (sha256)" \
    "$(ck_tcp_transfer b a "$a6" 7202 "$file")" "$want"
ck_ok "node1's tunnel port carried them (tx from $tx0 by 1000 and more)" \
    seine_wait_until 5 ck_reaches $((tx0 + 1000)) tun_tx node1
ck_ok "IPv4 still goes the same way" ck_ping a "$(seine_pod_ip b)"

# A NetworkPolicy on node2 sees node1's pods by their IPv6 addresses: it
# admits c and denies a.
seine_node_use node1
seine_pod_add c >/dev/null
c6=$(seine_pod_ip6 c)
seine_node_use node2
ck_publish_pod a node1
ck_publish_pod c node1
seine_bg_start listen-b "$(seine_pod_netns b)" nc -6 -lk -p 8080
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns b) ss -Hltn 'sport = :8080' | grep -q ." || true
ck_policy_admits b "$b6" 8080 c a "policy on node2, over IPv6 to $b6, c at $c6"
seine_bg_stop listen-b

# Without node2's Node object node1 has no route to its IPv6 pods.
seine_node_use node1
seine_nodes_manifest node1 >"$(seine_node_dir)/manifests/nodes.yaml"
route_gone() { ! seine_ofctl dump-flows table=50 | grep -q 'ipv6_dst=fd00:10:244:2::/64'; }
ck_ok "node2 removed from node1's model: its IPv6 route goes" seine_wait_until 10 route_gone
ck_no "and a no longer reaches b over IPv6" ck6_ping a "$b6"
ck_done
