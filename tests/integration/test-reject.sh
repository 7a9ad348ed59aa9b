#!/bin/bash
# Connections to a Service without endpoints are refused, not black-holed:
# a private ovs-vswitchd in the node's namespace sends a client's first
# packets to the controller, and the reject smoke program (argument 1),
# playing both the agent and the client from the client's namespace,
# answers them through ofconn and checks the client's sockets see
# ECONNREFUSED.  Needs root.

smoke=$(realpath "$1")
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
seine_test_begin reject
# A node with OVS only: the smoke program plays the agent.
seine_node_start --no-agent
dir=$(seine_node_dir)
ns=$(seine_node_netns)
client=${SEINE_NS_PREFIX}client
bridge=br-rej
mgmt=unix:$dir/$bridge.mgmt
service=10.96.0.10
ofport=7

# The client: a veth into the bridge (a system port), its gateway's MAC
# known statically, so that its first packet is the one to the service.
seine_netns_add "$client"
ip -n "$ns" link add rej-h type veth peer name eth0 netns "$client"
ip -n "$ns" link set rej-h up
ip -n "$client" link set eth0 address 0a:58:0a:f4:01:0b up
ip -n "$client" addr add 10.244.1.11/24 dev eth0
ip -n "$client" route add default via 10.244.1.1
ip -n "$client" neigh add 10.244.1.1 lladdr 0a:58:0a:f4:01:01 dev eth0 \
    nud permanent

seine_vsctl add-br "$bridge" \
    -- set bridge "$bridge" datapath_type=netdev fail_mode=secure \
       protocols=OpenFlow13,OpenFlow14,OpenFlow15 \
    -- add-port "$bridge" rej-h \
    -- set interface rej-h ofport_request="$ofport"
has_ofport() { [ "$(seine_vsctl get interface rej-h ofport)" = "$ofport" ]; }
seine_wait_until 10 has_ofport || seine_fail "rej-h did not get ofport $ofport"
seine_wait_until 10 test -S "$dir/$bridge.mgmt" || seine_fail "no $bridge.mgmt"

ofctl() { seine_node_exec ovs-ofctl -O OpenFlow15 "$@"; }
ofctl add-flow "$mgmt" \
    "priority=100,udp,nw_dst=$service,tp_dst=53,actions=controller"
ofctl add-flow "$mgmt" \
    "priority=100,tcp,nw_dst=$service,tp_dst=80,actions=controller"

ip netns exec "$client" "$smoke" "$mgmt" "$service" "$ofport" \
    || seine_fail "reject smoke failed"

# The switch saw what the smoke program says it answered: two datagrams
# (one before packet-ins were asked for) and one SYN.  Flow counters lag
# behind the datapath until the revalidators pass.
n_packets() {
    ofctl --no-names dump-flows "$mgmt" "$1,nw_dst=$service" \
        | grep -o 'n_packets=[0-9]*' | cut -d= -f2
}
counted() { [ "$(n_packets udp)" = 2 ] && [ "$(n_packets tcp)" = 1 ]; }
seine_wait_until 5 counted || seine_fail "controller flows counted" \
    "udp $(n_packets udp), tcp $(n_packets tcp); want 2 and 1"
