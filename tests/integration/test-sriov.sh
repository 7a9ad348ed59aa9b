#!/usr/bin/env bash
# interfaceType sriov on a STAND-IN for an SR-IOV NIC (this machine has
# none): the switchdev-cx6 fixture's sysfs tree, copied into the run folder,
# is the agent's sriov.sysfsRoot, and each VF netdev and its representor
# that the tree names is one real veth pair in the node's namespace
# (enp3s0f0v0 <-> enp3s0f0npf0vf0), so what the pod sends on the "VF" comes
# out of the "representor" on br-int, as through a NIC's embedded switch.
# What the stand-in cannot show: a real VF returns to the host namespace
# when the pod's namespace is deleted, a veth is destroyed with it; the PF's
# netdev is a veth, which reports no IFLA_VF_INFO, so the VF's
# administrative MAC, VLAN, spoofchk, trust and link state are recorded as
# skipped and not written (tests/unit/test_vfsettings.c checks the
# request that writes them).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin sriov
seine_require_cmd nc
fixture=$(cd "$(dirname "$0")/../unit/sriov-fixtures/switchdev-cx6" && pwd)
sysfs=$SEINE_RUN/sysfs
cp -a "$fixture" "$sysfs"
# VF 3 given to DPDK: bound to vfio-pci, no netdev (its representor stays).
(cd "$sysfs/sys" && rm -rf devices/pci0000:00/0000:03:00.5/net class/net/enp3s0f0v3 \
    && mkdir -p bus/pci/drivers/vfio-pci \
    && ln -sfn ../../../bus/pci/drivers/vfio-pci devices/pci0000:00/0000:03:00.5/driver)
mkdir -p "$SEINE_RUN/devinfo"
SEINE_AGENT_CONFIG_EXTRA="sriov: {sysfsRoot: $sysfs, deviceInfoDir: $SEINE_RUN/devinfo}
hwOffload: true"
seine_require_cmd curl
seine_node_start
ck_eq "hwOffload: the agent set other_config:hw-offload" \
    "$(seine_vsctl get Open_vSwitch . other_config:hw-offload)" '"true"'
ck_ok "... and logged that ovs-vswitchd must restart for it" \
    grep -q "restart ovs-vswitchd for flows to be offloaded" "$(seine_node_dir)/seine-agent.log"

# VF N of PF 0000:03:00.0: PCI 0000:03:00.(N+2), netdev enp3s0f0vN,
# representor enp3s0f0npf0vfN (the fixture's names).  The VFs start down
# with MTU 1400 and a MAC of their own, so that DEL's restoring shows.
seine_node_exec ip link add enp3s0f0np0 type veth peer name pf0peer
for n in 0 1 2; do
    seine_node_exec ip link add "enp3s0f0v$n" address "02:00:00:00:03:0$n" mtu 1400 \
        type veth peer name "enp3s0f0npf0vf$n"
done
vf_state() { # NETDEV: "MAC MTU UP|DOWN" in the node namespace
    seine_node_exec ip -j link show dev "$1" \
        | jq -r '.[0] | "\(.address) \(.mtu) \(if (.flags | index("UP")) then "UP" else "DOWN" end)"'
}
vf0_before=$(vf_state enp3s0f0v0)
ck_eq "stand-in VF 0 as made" "$vf0_before" "02:00:00:00:03:00 1400 DOWN"

seine_pod_add a >/dev/null
a_ip=$(seine_pod_ip a)
SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.2", "pciBusID": "0000:03:00.2"}' \
    seine_pod_add v sriov >/dev/null
v_ip=$(seine_pod_ip v)
rec=$(ck_record v)

ck_no "VF 0's netdev left the node namespace" seine_node_exec ip link show dev enp3s0f0v0
ck_eq "VF 0 is the pod's eth0 with its MAC" \
    "$(seine_pod_exec v cat /sys/class/net/eth0/address)" "$(seine_pod_mac v)"
ck_ok "the pod's eth0 has its address" \
    sh -c "ip netns exec $(seine_pod_netns v) ip -4 -o addr show dev eth0 | grep -q ' $v_ip/'"
ck_ok "the pod's default route is via eth0" \
    sh -c "ip netns exec $(seine_pod_netns v) ip route show default | grep -q 'dev eth0'"
ck_eq "the pod's eth0 has the network's MTU" \
    "$(seine_pod_exec v cat /sys/class/net/eth0/mtu)" 1500
ck_eq "the record's port is the representor" "$(jq -r .portName "$rec")" enp3s0f0npf0vf0
ck_eq "the record's type" "$(jq -r .type "$rec")" sriov
ck_eq "the record holds the VF" "$(jq -r .sriov.deviceID "$rec")" 0000:03:00.2
ck_eq "the record holds the VF's saved state" \
    "$(jq -r '"\(.sriov.netdev) \(.sriov.mac) \(.sriov.mtu) \(.sriov.up)"' "$rec")" \
    "enp3s0f0v0 02:00:00:00:03:00 1400 false"
ck_eq "the VF's settings on the PF recorded as skipped (a veth PF netdev)" \
    "$(jq -r .sriov.vfInfo "$rec")" "skipped: PF netdev enp3s0f0np0 reports no IFLA_VF_INFO for VF 0"
ck_eq "the result names the VF (pciID)" \
    "$(seine_pod_result v | jq -r '.interfaces[] | select(.sandbox != null) | .pciID')" 0000:03:00.2
ck_eq "the representor is an afxdp port" "$(ck_port_type enp3s0f0npf0vf0)" afxdp
rep_ofport=$(ck_ofport enp3s0f0npf0vf0)
owner=$(ck_owner_of_ofport "$rep_ofport")
ck_ge "the pod's flows are on the representor's ofport" "$(ck_nflows_of "$owner")" 3
spoof_guard() { # OFPORT MAC IP: SpoofGuard's flow for a pod on OFPORT
    seine_ofctl dump-flows table=10 | grep -q "ip,in_port=$1,dl_src=$2,nw_src=$3 "
}
ck_ok "... SpoofGuard among them (the pod's MAC and IP from the representor)" \
    spoof_guard "$rep_ofport" "$(seine_pod_mac v)" "$v_ip"

ck_ok "ping sriov pod -> afxdp pod" ck_ping v "$a_ip"
ck_ok "ping afxdp pod -> sriov pod" ck_ping a "$v_ip"
ck_listen 80 a v
ck_expect_tcp "TCP afxdp pod -> sriov pod" ok a "$v_ip" 80
ck_expect_tcp "TCP sriov pod -> afxdp pod" ok v "$a_ip" 80
head -c 2000000 /dev/urandom >"$SEINE_RUN/blob"
ck_eq "2 MB over TCP sriov pod -> afxdp pod arrive whole" \
    "$(ck_tcp_transfer v a "$a_ip" 5001 "$SEINE_RUN/blob")" \
    "$(sha256sum <"$SEINE_RUN/blob" | cut -d' ' -f1)"

# An agent restart reloads the sriov record (format 2) and rebuilds the
# pod's flows on the representor's port; the sweep leaves both alone.
seine_agent_stop
seine_agent_start
ck_ok "after an agent restart: ping sriov pod -> afxdp pod" ck_ping v "$a_ip"
ck_eq "... the representor is still the pod's port" "$(ck_ofport enp3s0f0npf0vf0)" "$rep_ofport"
ck_ok "... and the representor link is still there" seine_node_exec ip link show dev enp3s0f0npf0vf0

# The offload report: the datapath's flows with their offload state, as
# seinectl and the metrics show them (asked every 10 s; this veth NIC
# offloads nothing, and ovs-vswitchd was not restarted).
seine_bg_start ping-v "$(seine_pod_netns v)" ping -i 0.2 "$a_ip"
export SEINE_AGENT_CTL
SEINE_AGENT_CTL=$(seine_node_dir)/seine-agent.ctl
offload_json() { "$SEINE_BUILD_DIR/seinectl/seinectl" offload -o json; }
rep_flows() { # the flows from VF 0's representor that the report lists
    offload_json | jq '[.items[] | select(.match | test("in_port\\(enp3s0f0npf0vf0\\)"))] | length'
}
has_rep_flows() { [ "$(rep_flows)" -gt 0 ]; }
ck_ok "seinectl offload lists the datapath flows of the sriov pod's representor" \
    seine_wait_until 25 has_rep_flows
ck_eq "... none of them offloaded" \
    "$(offload_json | jq '[.items[] | select(.offloaded != "no")] | length')" 0
ck_ok "... and the table names its columns" \
    sh -c "'$SEINE_BUILD_DIR/seinectl/seinectl' offload | head -1 | grep -q '^OFFLOADED *DP *PACKETS *MATCH'"
metric() { # LABEL: seine_datapath_flows{offloaded=LABEL}
    seine_node_exec curl -sS --max-time 5 http://127.0.0.1:9464/metrics \
        | awk -v k="seine_datapath_flows{offloaded=\"$1\"}" '$1 == k { print $2 }'
}
ck_ge "the metric counts the flows not offloaded" "$(metric no)" 1
ck_eq "... and none offloaded" "$(metric yes) $(metric partial)" "0 0"
seine_bg_stop ping-v

ck_netpol deny-v '  podSelector: {matchLabels: {app: v}}
  policyTypes: [Ingress]'
ck_expect_tcp "a NetworkPolicy isolating the sriov pod drops a -> v:80" no a "$v_ip" 80
ck_expect_tcp "... and v's egress still passes: v -> a:80" ok v "$a_ip" 80
rm -f "$(seine_node_dir)"/manifests/np-deny-v.yaml
ck_expect_tcp "policy removed: a -> v:80 again" ok a "$v_ip" 80

ck_cni_ok "CHECK of the sriov attachment" CHECK v

# A PCI address is never handed to two pods.
printf '%s\n' "${SEINE_NS_PREFIX}w" >"$(seine__pod_file w).netns"
seine_netns_add "$(seine_pod_netns w)"
echo default >"$(seine__pod_file w).k8sns"
echo "$SEINE_NODE" >"$(seine__pod_file w).node"
w_conf=$(SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.2"}' seine_cni_config sriov)
ck_cni_code "the same deviceID for a second pod is refused" 107 ADD w eth0 "$w_conf"
ck_ok "the refused ADD left VF 0 in pod v" seine_pod_exec v ip link show dev eth0
ck_cni_code "sriov without deviceID is refused" 7 ADD w eth0 "$(seine_cni_config sriov)"
ck_cni_code "a VF that is not in the tree is refused" 103 ADD w eth0 \
    "$(SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.7"}' seine_cni_config sriov)"

# VF settings the network asks for (sriov-cni's keys) need a PF that
# reports its VFs' settings; this stand-in's does not: refused, and
# VF 1 is left as it was, in the node namespace, with no port or record.
vf1_before=$(vf_state enp3s0f0v1)
ck_cni_code "\"vlan\" for a VF whose PF reports no VF settings is refused" 103 ADD w eth0 \
    "$(SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.3", "vlan": 100, "spoofchk": "off"}' seine_cni_config sriov)"
ck_ok "... saying why" grep -q 'the network asks for \\"vlan=100 qos=0 spoofchk=off\\", but VF 0000:03:00.3' \
    <<<"$SEINE_CNI_OUT"
ck_eq "... VF 1 left as it was in the node namespace" "$(vf_state enp3s0f0v1)" "$vf1_before"
ck_empty "... with no OVS port for its representor" \
    "$(seine_vsctl --bare --columns=name find Interface name=enp3s0f0npf0vf1)"
ck_cni_code "\"vlan\" for an afxdp attachment is refused" 7 ADD w eth0 \
    "$(SEINE_CNI_EXTRA='{"vlan": 100}' seine_cni_config afxdp)"

# A DPDK-mode VF needs a DPDK node: this one is not.
ck_cni_code "a DPDK-mode VF (vfio-pci) on a node without DPDK is refused" 104 ADD w eth0 \
    "$(SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.5"}' seine_cni_config sriov)"
ck_eq "... saying DPDK is not initialised" "$(jq -r .details <<<"$SEINE_CNI_OUT")" \
    "DPDK is not initialised in ovs-vswitchd (other_config:dpdk-init=true)"
ck_empty "... and left no device-info file" "$(ls "$SEINE_RUN/devinfo")"
ck_empty "... nor an OVS port for its representor" \
    "$(seine_vsctl --bare --columns=name find Interface name=enp3s0f0npf0vf3)"

# DEL puts the VF back as it was, in the node namespace.
cid=$(ck_cid v)
seine_pod_del v
ck_eq "after DEL VF 0 is back with its name, MAC, MTU and link state" \
    "$(vf_state enp3s0f0v0)" "$vf0_before"
ck_no "... and gone from the pod's namespace" seine_pod_exec v ip link show dev eth0
ck_empty "DEL left no port, address, record or flows" \
    "$(ck_leftovers "$cid" eth0 enp3s0f0npf0vf0 "$v_ip" "$owner" | grep -v '^host link' || true)"
ck_cni_ok "a second DEL succeeds" DEL v
ck_eq "... and leaves VF 0 as it was" "$(vf_state enp3s0f0v0)" "$vf0_before"

# The VF is free again: the pod that was refused gets it.
ck_cni_ok "VF 0 freed: the refused pod's ADD now succeeds" ADD w eth0 "$w_conf"
ck_cni_ok "... and its DEL" DEL w eth0 "$w_conf"
ck_eq "... VF 0 back again" "$(vf_state enp3s0f0v0)" "$vf0_before"

# DEL of the pod holding VF 0 and ADD of another naming it, at once, five
# times, the roles swapped each round: the agent serves one attachment
# change at a time and drops a record only once its VF is back, so the ADD
# is refused as busy (107, or 11 while the DEL is served) and a retry gets
# the VF, or it comes after the DEL; never a VF half reset.
sriov_pod_files() { # POD: a pod's namespace and files, as for w
    printf '%s\n' "${SEINE_NS_PREFIX}$1" >"$(seine__pod_file "$1").netns"
    seine_netns_add "$(seine_pod_netns "$1")"
    echo default >"$(seine__pod_file "$1").k8sns"
    echo "$SEINE_NODE" >"$(seine__pod_file "$1").node"
}
sriov_pod_files x
ck_cni_ok "pod w takes VF 0" ADD w eth0 "$w_conf"
holder=w other=x direct=0 retried=0 race_bad=""
for round in 1 2 3 4 5; do
    (seine_cni DEL "$holder" eth0 "$w_conf" >/dev/null 2>&1 || true
     echo "$SEINE_CNI_RC" >"$SEINE_RUN/race.del") &
    del_pid=$!
    tries=0
    until seine_cni ADD "$other" eth0 "$w_conf"; do
        code=$(jq -r '.code // empty' <<<"$SEINE_CNI_OUT" 2>/dev/null || true)
        case $code in
        107|11) ;;
        *) race_bad+=" round $round: ADD code '$code'"; break ;;
        esac
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || { race_bad+=" round $round: busy for 10 s"; break; }
        sleep 0.1
    done
    wait "$del_pid"
    if [ "$tries" -eq 0 ]; then direct=$((direct + 1)); else retried=$((retried + 1)); fi
    mac=$(jq -r '.interfaces[] | select(.sandbox != null) | .mac' <<<"$SEINE_CNI_OUT")
    [ "$(cat "$SEINE_RUN/race.del")" == 0 ] || race_bad+=" round $round: DEL exit $(cat "$SEINE_RUN/race.del")"
    [ "$(seine_pod_exec "$other" cat /sys/class/net/eth0/address 2>/dev/null)" == "$mac" ] \
        || race_bad+=" round $round: $other's eth0 is not the VF with its MAC $mac"
    ! seine_pod_exec "$holder" ip link show dev eth0 >/dev/null 2>&1 \
        || race_bad+=" round $round: $holder still has eth0"
    t=$holder holder=$other other=$t
done
ck_empty "5 rounds of DEL and ADD of VF 0 at once ($direct after the DEL, $retried retried)" "$race_bad"
ck_cni_ok "... DEL of the last holder" DEL "$holder" eth0 "$w_conf"
ck_eq "... VF 0 back as it was" "$(vf_state enp3s0f0v0)" "$vf0_before"

# A node reboot: every pod namespace is gone and the NIC's VFs are back in
# the host (the stand-in moves VF 0 out by hand, as the kernel creates it
# afresh), while the pod record and the representor's OVS port remain.
# The agent's sweep at start takes the dead attachment down, so a new
# pod's ADD gets the VF, and the old sandbox's DEL, whenever the runtime
# sends it, finds nothing.
SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.2"}' seine_pod_add b sriov >/dev/null
b_ip=$(seine_pod_ip b)
b_cid=$(ck_cid b)
b_owner=$(ck_owner_of_ofport "$(ck_ofport enp3s0f0npf0vf0)")
seine_agent_stop --kill
rm -f "$(seine_node_dir)/cni.sock"     # with /run, at a reboot
seine_pod_exec b ip link set eth0 netns "$(seine_node_netns)" name enp3s0f0v0
ip netns del "$(seine_pod_netns b)"
seine_agent_start
ck_ok "after the reboot the sweep took down b's attachment (its namespace is gone)" \
    grep -q "sweep: pod record $b_cid/eth0: its namespace .* is gone" "$(seine_node_dir)/seine-agent.log"
ck_empty "... left no port, address, record or flows" \
    "$(ck_leftovers "$b_cid" eth0 enp3s0f0npf0vf0 "$b_ip" "$b_owner" | grep -v '^host link' || true)"
ck_eq "... and put VF 0 back as it was" "$(vf_state enp3s0f0v0)" "$vf0_before"
ck_cni_ok "a new pod's ADD gets VF 0 after the reboot" ADD x eth0 "$w_conf"
ck_ok "... and pings the afxdp pod" ck_ping x "$a_ip"
ck_cni_ok "the old sandbox's DEL after the reboot succeeds" DEL b
ck_ok "... and leaves VF 0 in the new pod" seine_pod_exec x ip link show dev eth0
ck_cni_ok "... DEL of the new pod" DEL x eth0 "$w_conf"
ck_eq "... VF 0 back as it was" "$(vf_state enp3s0f0v0)" "$vf0_before"

# DEL once the pod's namespace is gone (the stand-in's veth goes with it).
SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.3"}' seine_pod_add u sriov >/dev/null
u_ip=$(seine_pod_ip u)
u_owner=$(ck_owner_of_ofport "$(ck_ofport enp3s0f0npf0vf1)")
u_cid=$(ck_cid u)
ck_ok "ping sriov pod u (VF 1) -> afxdp pod" ck_ping u "$a_ip"
ip netns del "$(seine_pod_netns u)"
ck_cni_ok "DEL after the pod's namespace was deleted" DEL u
ck_empty "... left no port, address, record or flows" \
    "$(ck_leftovers "$u_cid" eth0 enp3s0f0npf0vf1 "$u_ip" "$u_owner")"
ck_ok "... the agent logged that VF 1 was nowhere to restore" \
    grep -q "VF 0000:03:00.3 (enp3s0f0v1) is neither" "$(seine_node_dir)/seine-agent.log"
ck_cni_ok "... and a second DEL succeeds" DEL u

# The pod's namespace goes, and the kernel hands a real VF back to the
# host under a name of its own (devN when its name is taken): the stand-in
# does that by hand, moving VF 2 out as dev7 and renaming it in the tree.
SEINE_CNI_EXTRA='{"deviceID": "0000:03:00.4"}' seine_pod_add r sriov >/dev/null
r_ip=$(seine_pod_ip r)
r_cid=$(ck_cid r)
seine_pod_exec r ip link set eth0 netns "$(seine_node_netns)" name dev7
mv "$sysfs/sys/devices/pci0000:00/0000:03:00.4/net/enp3s0f0v2" \
    "$sysfs/sys/devices/pci0000:00/0000:03:00.4/net/dev7"
rm "$sysfs/sys/class/net/enp3s0f0v2"
ln -s ../../devices/pci0000:00/0000:03:00.4/net/dev7 "$sysfs/sys/class/net/dev7"
ip netns del "$(seine_pod_netns r)"
ck_cni_ok "DEL of a VF the kernel returned to the host as dev7" DEL r
ck_eq "... found by its PCI address and restored: name, MAC, MTU, link state" \
    "$(vf_state enp3s0f0v2)" "02:00:00:00:03:02 1400 DOWN"
ck_no "... no dev7 left" seine_node_exec ip link show dev dev7
ck_empty "... and no port, address or record" \
    "$(ck_leftovers "$r_cid" eth0 enp3s0f0npf0vf2 "$r_ip" "" | grep -v '^host link' || true)"

ck_recompute
ck_done
