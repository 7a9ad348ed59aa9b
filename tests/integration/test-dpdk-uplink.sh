#!/usr/bin/env bash
# Two nodes as in test-multinode.sh, but node1 runs ovs-vswitchd's DPDK
# build and its br-phy uplink is a DPDK port (uplinkType: dpdk) on DPDK's
# AF_XDP driver over its end of the underlay veth, which keeps no address
# (a NIC bound to vfio-pci has no kernel interface): the node IP comes from
# nodeIP, and its MTU is uplinkMtu, 1400.  node2 keeps its AF_XDP uplink.
# In the mode given as the first argument (geneve, vxlan or noEncap): the
# uplink's OVS rows, the node IP and MTU on br-phy, the pods' MTU on both,
# cross-node ping and a 4 MB TCP transfer both ways (sha256 compared)
# through the DPDK port's counters, a NetworkPolicy on
# node1 that denies one peer of node2 and admits the other and the same on
# node2 for the peers of node1, a Service on
# each node whose endpoint is on the other; then the two errors an
# operator gets: a switch without DPDK, and a device OVS cannot attach,
# each named with its devargs and the switch's reason.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
tunnel=${1:-geneve}
seine_test_begin "dpdk-uplink-$tunnel"
# node1's uplink MTU is set (uplinkMtu), below node2's 1500, and with it
# its pods' MTU.
uplink_mtu=1400 mtu=1350
[ "$tunnel" != noEncap ] || mtu=1400
seine_require_cmd nc sha256sum python3 ovs-ofctl
[ -x "$SEINE_OVS_VSWITCHD_DPDK" ] || seine_skip "$SEINE_OVS_VSWITCHD_DPDK not installed"
probe=$(dirname "$0")/svcprobe.py
SEINE_DPDK_UPLINK_CONFIG="uplinkRxqs: 1
uplinkMtu: $uplink_mtu" seine_cluster_start "$tunnel" node1 node2 --dpdk-uplink node1
seine_node_use node1
seine_pod_add a >/dev/null
seine_pod_add c >/dev/null
seine_node_use node2
seine_pod_add b >/dev/null
seine_pod_add d >/dev/null
a_ip=$(seine_pod_ip a) b_ip=$(seine_pod_ip b)

# uplink_rx NODE PORT: packets br-phy's PORT on NODE has received, read
# from the switch now (Interface.statistics lag by seconds).
uplink_rx() {
    ip netns exec "$(seine_node_netns "$1")" ovs-ofctl -O OpenFlow15 dump-ports \
        "unix:$(seine_node_dir "$1")/br-phy.mgmt" "$2" \
        | sed -n 's/.*rx pkts=\([0-9]*\).*/\1/p' | head -1
}

seine_node_use node1
ck_eq "node1: the uplink dpdk0 is a DPDK port" "$(seine_vsctl get interface dpdk0 type)" dpdk
ck_eq "... on the device of uplinkDevargs" \
    "$(seine_vsctl get interface dpdk0 options:dpdk-devargs)" "\"$SEINE_DPDK_UPLINK_DEVARGS\""
ck_eq "... with uplinkMtu (mtu_request) in effect" \
    "$(seine_vsctl get interface dpdk0 mtu_request) $(seine_vsctl get interface dpdk0 mtu)" \
    "$uplink_mtu $uplink_mtu"
ck_eq "... and uplinkRxqs its n_rxq" "$(seine_vsctl get interface dpdk0 options:n_rxq)" '"1"'
ck_eq "... link up, no error" \
    "$(seine_vsctl get interface dpdk0 link_state) $(seine_vsctl get interface dpdk0 error)" "up []"
ck_eq "... driven by DPDK's AF_XDP driver" \
    "$(seine_vsctl get interface dpdk0 status:driver_name)" net_af_xdp
ck_eq "node1: nodeIP on br-phy" \
    "$(ip -n "$(seine_node_netns node1)" -4 -o addr show dev br-phy | awk '{ print $4 }')" \
    192.168.100.1/24
ck_eq "... and the uplink's MTU" \
    "$(ip -n "$(seine_node_netns node1)" -o link show br-phy | sed -n 's/.* mtu \([0-9]*\).*/\1/p')" \
    "$uplink_mtu"
seine_node_use node2
ck_eq "node2: the uplink u0 is an AF_XDP port" "$(seine_vsctl get interface u0 type)" afxdp
ck_eq "node2: node IP moved from u0 to br-phy" \
    "$(ip -n "$(seine_node_netns node2)" -4 -o addr show dev br-phy | awk '{ print $4 }')" \
    192.168.100.2/24
# uplink_of NODE: "PORT TYPE" of NODE's uplink as its agent reports it
# (seinectl get nodes, NODE's own entry).
uplink_of() {
    SEINE_AGENT_CTL=$(seine_node_dir "$1")/seine-agent.ctl \
        "$SEINE_BUILD_DIR/seinectl/seinectl" get nodes -o json \
        | jq -r --arg n "$1" '.items[] | select(.name == $n) | "\(.uplink) \(.uplinkType)"'
}
ck_eq "seinectl on node1: uplink dpdk0, dpdk" "$(uplink_of node1)" "dpdk0 dpdk"
ck_eq "seinectl on node2: uplink u0, afxdp" "$(uplink_of node2)" "u0 afxdp"
seine_node_use node1
ck_eq "pod MTU on node1 is its uplink's minus the tunnel overhead ($tunnel)" \
    "$(seine_pod_exec a cat /sys/class/net/eth0/mtu)" "$mtu"
ck_eq "... and on node2 its own uplink's (1500) minus the same" \
    "$(seine_pod_exec b cat /sys/class/net/eth0/mtu)" "$((mtu + 100))"

ck_ok "a (node1, DPDK uplink) pings b (node2, AF_XDP uplink)" ck_ping a "$b_ip"
ck_ok "b (node2) pings a (node1)" ck_ping b "$a_ip"
ck_ok "a packet of the pod MTU with DF set passes ($mtu bytes)" \
    seine_pod_exec a ping -c1 -W2 -M "do" -s $((mtu - 28)) "$b_ip"
ck_underlay_path "$tunnel"
rx0=$(uplink_rx node1 dpdk0)
ck_tcp_both_ways a b "across the DPDK and the AF_XDP uplink"
rx1=$(uplink_rx node1 dpdk0)
# 4 MB in 1,400-byte segments is about 3,000 packets each way.
ck_ge "the transfers came in through the DPDK port (rx $rx0 -> $rx1)" \
    "$((rx1 - rx0))" 2500

# A NetworkPolicy on node1 sees both peers of node2 by their own
# addresses: it admits d and denies b.
seine_bg_start echo-a "$(seine_pod_netns a)" python3 -u "$probe" serve a 8080 5353
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns a) ss -Hltn 'sport = :8080' | grep -q ." || true
ck_publish_pod b node2
ck_publish_pod d node2
ck_policy_admits a "$a_ip" 8080 d b "policy on node1, peers of node2"

seine_bg_start echo-b "$(seine_pod_netns b)" python3 -u "$probe" serve b 8080 5353
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns b) ss -Hltn 'sport = :8080' | grep -q ." || true
# And the other way: a NetworkPolicy on node2 sees node1's pods, whose
# traffic leaves through the DPDK uplink: it admits c and denies a.
seine_node_use node2
ck_publish_pod a node1
ck_publish_pod c node1
ck_policy_admits b "$b_ip" 8080 c a "policy on node2, peers of node1 behind the DPDK uplink"
seine_node_use node1
ck_remote_service to-b 10.96.0.10 "$b_ip" node2
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns c) python3 $probe tcp 10.96.0.10 80 1 | grep -qx b" || true
ck_eq "c (node1) -> ClusterIP -> b (node2), out through the DPDK uplink" \
    "$(seine_pod_exec c python3 "$probe" tcp 10.96.0.10 80 3 | sort -u)" b
seine_node_use node2
ck_remote_service to-a 10.96.0.11 "$a_ip" node1
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns d) python3 $probe tcp 10.96.0.11 80 1 | grep -qx a" || true
ck_eq "d (node2) -> ClusterIP -> a (node1), in through the DPDK uplink" \
    "$(seine_pod_exec d python3 "$probe" tcp 10.96.0.11 80 3 | sort -u)" a
for n in node1 node2; do
    seine_node_use "$n"
    ck_recompute
done

# log_has NODE TEXT: the node's agent log holds TEXT (fixed string).
log_has() { grep -qF -- "$2" "$(seine_node_dir "$1")/seine-agent.log"; }

# A DPDK uplink asked of a switch without DPDK (the plain build): the agent
# says so, naming the devargs, and makes no port.
SEINE_AGENT_CONFIG_EXTRA="uplinkType: dpdk
uplinkDevargs: net_af_xdp0,iface=u9
nodeIP: 192.168.100.3/24" \
    seine_node_start --no-agent --name node3 --cidr 10.244.3.0/24 --uplink dpdk0 --tunnel "$tunnel"
seine_agent_start --no-wait
ck_ok "no DPDK in the switch: the agent says why, with the devargs" seine_wait_until 10 log_has node3 \
    "uplink dpdk0 (dpdk-devargs net_af_xdp0,iface=u9): DPDK is not initialised in ovs-vswitchd"
ck_empty "... and adds no port" "$(seine_vsctl --if-exists get interface dpdk0 type)"

# A device OVS cannot attach: the agent names the devargs and gives OVS's
# own reason (the Interface's error column).
seine_node_use node1
seine_agent_stop
sed -i 's/^uplinkDevargs: .*/uplinkDevargs: net_af_xdp1,iface=nosuch0/' "$(seine_node_dir)/agent.yaml"
seine_agent_start --no-wait
seine_wait_until 15 sh -c "[ \"\$(ovs-vsctl --db=unix:$(seine_node_dir)/db.sock get interface dpdk0 error)\" != '[]' ]" || true
ovs_error=$(seine_vsctl get interface dpdk0 error | tr -d '"')
ck_ne "a bad device: OVS reports an error for the port" "$ovs_error" "[]"
ck_ok "... and the agent log names the devargs and OVS's error ($ovs_error)" seine_wait_until 15 log_has node1 \
    "uplink dpdk0 (dpdk-devargs net_af_xdp1,iface=nosuch0): OVS cannot use the device: $ovs_error"
ck_done
