#!/bin/bash
# IPv6 through the pipeline of a dual-stack node, on a real switch: the
# smoke program (argument 1) installs the node's and two pods' flows as
# the agent does; the pods are namespaces on AF_XDP veth ports.  Pods reach
# each other and the node by IPv6, neighbour discovery is answered in OVS
# with the gateway's MAC (and the pods' MACs to the gateway), duplicate
# address detection sees no answer, and ofproto/trace drops a spoofed
# source, a spoofed advertisement and a pod's router advertisement.  Needs
# root.

smoke=$(realpath "$1")
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
seine_test_begin ipv6-pipeline
seine_node_start --no-agent
dir=$(seine_node_dir)
ns=$(seine_node_netns)
in_ns() { ip netns exec "$ns" "$@"; }
gw_mac=0a:58:0a:f4:01:01

seine_vsctl add-br "$SEINE_BRIDGE" -- set Bridge "$SEINE_BRIDGE" \
    datapath_type=netdev fail_mode=secure protocols=OpenFlow15 \
    -- add-port "$SEINE_BRIDGE" "$SEINE_GATEWAY_PORT" \
    -- set Interface "$SEINE_GATEWAY_PORT" type=internal ofport_request=1 \
    "mac=\"$gw_mac\""
in_ns ip link set "$SEINE_GATEWAY_PORT" up
in_ns ip addr add 10.244.1.1/24 dev "$SEINE_GATEWAY_PORT"
in_ns ip -6 addr add fd00:10:244:1::1/64 dev "$SEINE_GATEWAY_PORT" nodad

# pod_ns N: the namespace of pod N (10.244.1.N, fd00:10:244:1::N, ofport N).
pod_ns() { echo "${SEINE_NS_PREFIX}p$1"; }
in_pod() { local n=$1; shift; ip netns exec "$(pod_ns "$n")" "$@"; }
for n in 2 3; do
    seine_netns_add "$(pod_ns "$n")"
    ip link add "v$n" netns "$ns" type veth peer name eth0 netns "$(pod_ns "$n")"
    in_ns sysctl -qw "net.ipv6.conf.v$n.disable_ipv6=1"
    in_ns ip link set "v$n" up
    in_pod "$n" ip link set eth0 address "0a:58:0a:f4:01:0$n" up
    in_pod "$n" ip addr add "10.244.1.$n/24" dev eth0
    in_pod "$n" ip -6 addr add "fd00:10:244:1::$n/64" dev eth0 nodad
    in_pod "$n" ip -6 route add default via fd00:10:244:1::1
    seine_vsctl add-port "$SEINE_BRIDGE" "v$n" -- set Interface "v$n" \
        type=afxdp options:xdp-mode=native "ofport_request=$n"
done

out=$(in_ns "$smoke" "$dir" "$SEINE_BRIDGE" 1 "$gw_mac" \
      2,10.244.1.2,fd00:10:244:1::2 3,10.244.1.3,fd00:10:244:1::3) \
    || seine_fail "pipeline not installed: $out"
seine_log "$out"

# The first ping also waits for the AF_XDP ports to come up.
seine_wait_until 10 in_pod 2 ping -6 -c1 -W1 fd00:10:244:1::3 \
    || seine_fail "pod 2 cannot ping pod 3 by IPv6"
seine_assert_ok in_pod 2 ping -6 -c2 -W1 fd00:10:244:1::1
seine_assert_ok in_ns ping -6 -c2 -W1 fd00:10:244:1::3
seine_assert_ok in_pod 3 ping -c2 -W1 10.244.1.2
seine_log "ping -6: pod to pod, pod to gateway, node to pod; IPv4 as before"

# Pods learn the gateway's MAC for every address, as from a router; the
# node learns each pod's own.
seine_assert_match "$(in_pod 2 ip -6 neigh show fd00:10:244:1::3)" \
    "lladdr $gw_mac router" "pod 2's neighbour pod 3"
seine_assert_match "$(in_pod 2 ip -6 neigh show fd00:10:244:1::1)" \
    "lladdr $gw_mac router" "pod 2's neighbour the gateway"
seine_assert_match "$(in_ns ip -6 neigh show fd00:10:244:1::3)" \
    "lladdr 0a:58:0a:f4:01:03" "the gateway's neighbour pod 3"
seine_assert_match "$(in_pod 3 ip -6 neigh show fe80::1)" "^$" \
    "pod 3's neighbours before it asks for a link-local address"
in_pod 3 ping -6 -c1 -W1 fe80::1%eth0 >/dev/null 2>&1 || true
seine_assert_match "$(in_pod 3 ip -6 neigh show fe80::1)" \
    "lladdr $gw_mac router" "pod 3's link-local neighbour"

# Duplicate address detection: no answer, the address becomes usable.
in_pod 3 ip -6 addr add fd00:10:244:1::99/64 dev eth0
dad_done() { ! in_pod 3 ip -6 addr show dev eth0 tentative | grep -q ::99; }
seine_wait_until 5 dad_done || seine_fail "::99 stayed tentative"
if in_pod 3 ip -6 addr show dev eth0 dadfailed | grep -q ::99; then
    seine_fail "::99 failed duplicate address detection"
fi

trace() {
    seine_appctl ofproto/trace "$SEINE_BRIDGE" "$1" \
        | sed -n 's/^Datapath actions: //p'
}
pod2=in_port=2,icmp6,dl_src=0a:58:0a:f4:01:02
seine_assert_eq "$(trace "$pod2,dl_dst=$gw_mac,ipv6_src=fd00:10:244:1::3,ipv6_dst=fd00:10:244:1::1,icmpv6_type=128")" \
    drop "a spoofed source"
seine_assert_eq "$(trace "$pod2,dl_dst=33:33:00:00:00:01,ipv6_src=fd00:10:244:1::2,ipv6_dst=ff02::1,icmpv6_type=136,icmpv6_code=0,nd_target=fd00:10:244:1::1,nd_tll=0a:58:0a:f4:01:02,nw_ttl=255")" \
    drop "an advertisement for the gateway's address"
seine_assert_eq "$(trace "$pod2,dl_dst=33:33:00:00:00:01,ipv6_src=fe80::858:aff:fef4:102,ipv6_dst=ff02::1,icmpv6_type=134,nw_ttl=255")" \
    drop "a pod's router advertisement"
seine_assert_match "$(trace "$pod2,dl_dst=33:33:ff:00:00:01,ipv6_src=fd00:10:244:1::2,ipv6_dst=ff02::1:ff00:1,icmpv6_type=135,icmpv6_code=0,nd_target=fd00:10:244:1::1,nd_sll=0a:58:0a:f4:01:02,nw_ttl=255")" \
    "nd_ext\(nd_reserved=0xe0000000,nd_options_type=2\).*nd\(tll=$gw_mac\)" \
    "a pod's solicitation answered"
seine_log "ofproto/trace: spoofed source, spoofed advertisement, router advertisement dropped"
