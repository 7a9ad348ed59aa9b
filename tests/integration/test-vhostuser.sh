#!/usr/bin/env bash
# shellcheck disable=SC2016
# vhost-user pods on a DPDK node, driven by dpdk-testpmd: txonly in pod v1
# sends UDP from its own MAC and IP to the gateway MAC (as a routed pod
# must), rxonly in pod v2 counts what arrives.  With v1's source IP
# spoofed, SpoofGuard drops everything and v2's count stays flat.  An
# AF_XDP pod receives from a vhost-user pod too, and vhost-user pods are
# Service endpoints (testpmd 5tswap) and Service clients (txonly).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin vhostuser
seine_require_cmd dpdk-testpmd python3 stdbuf
[ -x "$SEINE_OVS_VSWITCHD_DPDK" ] || seine_skip "$SEINE_OVS_VSWITCHD_DPDK not installed"
seine_node_start --dpdk
seine_pod_add v1 vhostuser
seine_pod_add v2 vhostuser
seine_pod_add a afxdp
v1_ip=$(seine_pod_ip v1) v2_ip=$(seine_pod_ip v2) a_ip=$(seine_pod_ip a)
gw_mac=$(ck_gateway_mac)
min=1000

ck_eq "v1's port is dpdkvhostuserclient" "$(ck_port_type "$(ck_port v1)")" dpdkvhostuserclient
ck_ok "v1's vhost-user folder holds pod.json with its MAC and IP" \
    jq -e --arg m "$(seine_pod_mac v1)" --arg i "$v1_ip" '.mac == $m and .ip == $i' \
    "$(dirname "$(seine_pod_socket v1)")/pod.json"

# rx_delta POD SECONDS: packets POD's testpmd received in SECONDS.
rx_delta() {
    local r0 r1
    r0=$(seine_testpmd_rx "$1")
    sleep "$2"
    r1=$(seine_testpmd_rx "$1")
    echo $((r1 - r0))
}

# txonly SRC_IP DST_IP: (re)starts v1's testpmd sending SRC_IP -> DST_IP.
txonly() {
    seine_bg_alive testpmd-v1-eth0 && seine_testpmd_stop v1
    ck_testpmd_start v1 txonly --eth-peer="0,$gw_mac" --tx-ip="$1,$2"
}

ck_testpmd_start v2 rxonly
txonly "$v1_ip" "$v2_ip"
# ovs-vswitchd, the vhost-user client, connects to a new testpmd's socket
# on its next retry: up to a second or so after testpmd is ready.
v1_link_up() { [ "$(seine_testpmd_link v1)" == up ]; }
ck_ok "testpmd in v1 reports the link up" seine_wait_until 10 v1_link_up
sent=$(seine_testpmd_stats v1 | jq .opackets)
got=$(rx_delta v2 2)
ck_ge "v2 (rxonly) received >= $min packets from v1 (txonly) in 2 s" "$got" "$min"
ck_ge "v1's SpoofGuard IPv4 flow matched them" \
    "$(ck_flow_packets "table=10,ip,in_port=$(ck_ofport "$(ck_port v1)")")" "$min"
ck_ge "v1 (txonly) sent them ($sent so far)" "$sent" "$min"

# The same sender with a source address that is not its own.
txonly 10.244.1.250 "$v2_ip"
sleep 0.5
drops0=$(ck_table_drops 10)
got=$(rx_delta v2 2)
drops1=$(ck_table_drops 10)
ck_eq "with v1's source IP spoofed, v2 receives nothing" "$got" 0
ck_ge "table 10's drop flow counted v1's spoofed packets" \
    "$((drops1 - drops0))" "$min"

# vhost-user -> AF_XDP.
txonly "$v1_ip" "$a_ip"
sleep 0.5
rx0=$(seine_pod_exec a cat /sys/class/net/eth0/statistics/rx_packets)
sleep 2
rx1=$(seine_pod_exec a cat /sys/class/net/eth0/statistics/rx_packets)
ck_ge "afxdp pod a's eth0 received >= $min packets from v1 in 2 s" \
    "$((rx1 - rx0))" "$min"
ck_eq "v2 received nothing meant for a" "$(rx_delta v2 1)" 0
seine_testpmd_stop v1

# Services with vhost-user pods.  v2 is the endpoint of a UDP ClusterIP
# and answers with testpmd's 5tswap (addresses and ports swapped back):
# the AF_XDP client gets its answer from the cluster IP.  v1 (txonly) is
# a client of a Service whose endpoint is AF_XDP pod a.  Last, an agent
# restart under a UDP echo stream between a and v2 loses nothing.
seine_testpmd_stop v2
ck_testpmd_start v2 5tswap
ck_manifest svc.yaml "apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  clusterIP: 10.96.0.53
  ports: [{protocol: UDP, port: 53, targetPort: 7}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: echo-1, namespace: default, labels: {kubernetes.io/service-name: echo}}
addressType: IPv4
ports: [{protocol: UDP, port: 7}]
endpoints: [{addresses: [\"$v2_ip\"], conditions: {ready: true}}]
---
apiVersion: v1
kind: Service
metadata: {name: sink, namespace: default}
spec:
  clusterIP: 10.96.0.9
  ports: [{protocol: UDP, port: 9, targetPort: 9}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: sink-1, namespace: default, labels: {kubernetes.io/service-name: sink}}
addressType: IPv4
ports: [{protocol: UDP, port: 9}]
endpoints: [{addresses: [\"$a_ip\"], conditions: {ready: true}}]"
probe=$(dirname "$0")/svcprobe.py
seine_wait_until 10 sh -c "ip netns exec $(seine_pod_netns a) python3 $probe udp 10.96.0.53 53 1 | grep -qx hello" || true
ck_eq "AF_XDP client -> ClusterIP -> vhost-user endpoint (5tswap) -> answer" \
    "$(seine_pod_exec a python3 "$probe" udp 10.96.0.53 53 5 | sort -u)" hello
txonly "$v1_ip" 10.96.0.9
sleep 0.5
rx0=$(seine_pod_exec a cat /sys/class/net/eth0/statistics/rx_packets)
sleep 2
rx1=$(seine_pod_exec a cat /sys/class/net/eth0/statistics/rx_packets)
ck_ge "vhost-user client (txonly) -> ClusterIP -> AF_XDP endpoint a: >= $min packets in 2 s" \
    "$((rx1 - rx0))" "$min"
seine_testpmd_stop v1
ck_ok "a still reaches the gateway" ck_ping a 10.244.1.1
ck_cni_code "CHECK v1 fails once its vhost-user server (testpmd) is gone" 105 CHECK v1
ck_cni_ok "CHECK v2, whose server runs, passes" CHECK v2

# The agent restarts (SIGTERM) while AF_XDP pod a streams 500 datagrams/s
# to v2, which echoes them (5tswap): OVS keeps the vhost-user port and its
# flows, and every datagram comes back.
seine_bg_start vstream "$(seine_pod_netns a)" \
    python3 "$probe" stream "$(seine_pod_ip v2)" 7 500 6
sleep 1.5
seine_agent_stop
seine_agent_start
seine_bg_wait vstream 15 || true
ck_eq "500 datagrams/s for 6 s from AF_XDP pod a to vhost-user pod v2 and back across an agent restart" \
    "$(cat "$SEINE_RUN/bg/vstream.log")" "sent 3000 echoed 3000"
ck_eq "... and v2's vhost-user link is up after the restart" \
    "$(seine_vsctl --bare --columns=link_state find Interface name="$(ck_port v2)")" up

# ovs-vswitchd dies (SIGKILL) and comes back over its database, held by
# flow-restore-wait until the agent has reinstalled every flow.  The new
# switch connects again, as the vhost-user client, to the socket v2's
# testpmd still serves (virtio_user in server mode waits for it), and the
# echo through v2 comes back: the time from the SIGKILL to the first echo
# is logged, then a stream checks that nothing is lost once it is back.
v2_link_up() {
    [ "$(seine_vsctl --bare --columns=link_state find Interface name="$(ck_port v2)")" == up ]
}
echo_hello() {
    seine_pod_exec a python3 "$probe" udp "$v2_ip" 7 1 2>/dev/null | grep -qx hello
}
ck_ok "v2 echoes before the switch restart" echo_hello
t0=$(date +%s%N)
seine_vswitchd_stop --kill
seine_vswitchd_start
ck_ok "after the ovs-vswitchd restart v2's vhost-user port is connected again" \
    seine_wait_until 30 v2_link_up
ck_ok "... and the echo through v2 comes back" seine_wait_until 30 echo_hello
seine_log "vhost-user echo back $(( ($(date +%s%N) - t0) / 1000000 )) ms after the ovs-vswitchd SIGKILL"
ck_eq "... the agent removed flow-restore-wait" \
    "$(seine_vsctl --if-exists get Open_vSwitch . other_config:flow-restore-wait 2>/dev/null || true)" ""
seine_bg_start vstream2 "$(seine_pod_netns a)" \
    python3 "$probe" stream "$v2_ip" 7 500 4
seine_bg_wait vstream2 15 || true
ck_eq "... then 500 datagrams/s for 4 s from a to v2 and back, none lost" \
    "$(cat "$SEINE_RUN/bg/vstream2.log")" "sent 2000 echoed 2000"
ck_done
