#!/usr/bin/env bash
# ADD then DEL leaves nothing, for every interface type: no host link, no
# pod-side link, no OVS port, no vhost-user folder, no IP allocation, no
# pod record, no flow with the attachment's cookie.  Many ADD/DEL cycles
# leave nothing either and the node keeps working.  DEL is idempotent and
# succeeds for unknown containers; failed ADDs leave nothing.
#
# The node is a DPDK node (vhost-user pods); SEINE_TEST_DPDK=0 runs the
# test on a plain node without the vhost-user parts.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin add-del
seine_require_cmd ping
afxdp_cycles=${SEINE_TEST_CYCLES:-50}
vhost_cycles=${SEINE_TEST_VHOST_CYCLES:-10}
ck_node_start_all_types
dpdk=$CK_DPDK types=("${CK_TYPES[@]}")
gw=10.244.1.1

# A pod that lives through the whole test: what it holds is the baseline.
seine_pod_add w
base=$(ck_snapshot)

# add_del_one POD TYPE: ADD, check that every piece exists, DEL, check
# that none is left.
add_del_one() {
    local pod=$1 type=$2 cid port ofport owner ip present
    seine_pod_add "$pod" "$type"
    cid=$(ck_cid "$pod")
    port=$(ck_port "$pod")
    ip=$(seine_pod_ip "$pod")
    ofport=$(ck_ofport "$port")
    owner=$(ck_owner_of_ofport "$ofport")
    present=$(ck_leftovers "$cid" eth0 "$port" "$ip" "$owner")
    case $type in
    afxdp) ck_eq "$type pod $pod: host link, port, IP, record and flows exist" \
        "$(grep -c -e '^host link' -e '^OVS port' -e '^IP alloc' -e '^pod record' \
            -e '^flows of' <<<"$present")" 5 ;;
    tap) ck_eq "$type pod $pod: port, IP, record and flows exist" \
        "$(grep -c -e '^OVS port' -e '^IP alloc' -e '^pod record' -e '^flows of' \
            <<<"$present")" 4 ;;
    vhostuser) ck_eq "$type pod $pod: port, vhost folder, IP, record and flows exist" \
        "$(grep -c -e '^OVS port' -e '^vhost folder' -e '^IP alloc' -e '^pod record' \
            -e '^flows of' <<<"$present")" 5 ;;
    esac
    ck_eq "$type pod $pod has $CK_POD_FLOWS flows with owner $owner" "$(ck_nflows_of "$owner")" "$CK_POD_FLOWS"
    [ "$type" == vhostuser ] \
        || ck_ok "$type pod $pod has eth0" seine_pod_exec "$pod" ip link show dev eth0
    seine_pod_del "$pod"
    ck_empty "$type pod $pod: DEL leaves nothing" \
        "$(ck_leftovers "$cid" eth0 "$port" "$ip" "$owner")"
    ck_eq "$type pod $pod: only lo is left in the pod's namespace" \
        "$(ip -n "$(seine_pod_netns "$pod")" -o link show | awk -F': ' '{ print $2 }')" lo
    ck_cni_ok "$type pod $pod: DEL again succeeds" DEL "$pod"
    ck_eq "$type pod $pod: the node holds what it held before" "$(ck_snapshot)" "$base"
    seine_pod_remove "$pod"
}

for type in "${types[@]}"; do
    add_del_one "p-$type" "$type"
done

ck_cni_ok "DEL of an unknown container succeeds" DEL never-added
ck_eq "... and changes nothing" "$(ck_snapshot)" "$base"

# A crash between making a vhost-user folder and its port: DEL, with no
# record and no port to name the folder, still removes it.
ck_pod_prepare crashed
cid=$(seine__new_id)
echo "$cid" >"$(seine__pod_file crashed).eth0.cid"
mkdir -p "$(seine_node_dir)/vhost/${cid:0:12}-eth0-7f"
echo '{}' >"$(seine_node_dir)/vhost/${cid:0:12}-eth0-7f/pod.json"
ck_cni_ok "DEL of an attachment with only a vhost-user folder left succeeds" \
    DEL crashed eth0 "$(seine_cni_config vhostuser)"
ck_no "... and removes the folder" test -e "$(seine_node_dir)/vhost/${cid:0:12}-eth0-7f"
seine_pod_remove crashed

# --- cycles ------------------------------------------------------------------
cycles() {
    local type=$1 count=$2 i
    for ((i = 0; i < count; i++)); do
        seine_pod_add "c$i" "$type" 2>/dev/null
        seine_pod_remove "c$i"
    done
}
start=$(date +%s)
cycles afxdp "$afxdp_cycles"
ck_eq "$afxdp_cycles afxdp ADD/DEL cycles leave nothing ($(($(date +%s) - start)) s)" \
    "$(ck_snapshot)" "$base"
if [ "$dpdk" == 1 ]; then
    start=$(date +%s)
    cycles vhostuser "$vhost_cycles"
    ck_eq "$vhost_cycles vhostuser ADD/DEL cycles leave nothing ($(($(date +%s) - start)) s)" \
        "$(ck_snapshot)" "$base"
fi

# --- failed ADDs -------------------------------------------------------------
# A namespace that does not exist.
ck_pod_prepare nons
ip netns del "$(seine_pod_netns nons)"
if seine_cni ADD nons; then
    ck_fail "ADD into a namespace that does not exist fails" "$SEINE_CNI_OUT"
fi
ck_pass "ADD into a namespace that does not exist fails (code $(jq -r .code <<<"$SEINE_CNI_OUT"): $(jq -r '.details // .msg' <<<"$SEINE_CNI_OUT"))"
ck_eq "... and leaves nothing" "$(ck_snapshot)" "$base"
ck_cni_ok "... and its DEL succeeds" DEL nons

# A vhost-user socket path longer than a unix socket address holds.
ck_pod_prepare longdir
long=$(seine_node_dir)/vhost/$(printf 'd%.0s' {1..90})
config=$(seine_cni_config vhostuser | jq -c --arg d "$long" '.vhostSocketDir = $d')
ck_cni_code "ADD with a socket path over 107 bytes fails" 7 ADD longdir eth0 "$config"
ck_eq "... and leaves nothing" "$(ck_snapshot)" "$base"
ck_no "... not even the long folder" test -e "$long"
ck_cni_ok "... and its DEL succeeds" DEL longdir eth0 "$config"

# An interface type annotation the agent does not know.
ck_pod_prepare --annotation seine.io/interface-type=bogus bogus
ck_cni_code "ADD of a pod annotated seine.io/interface-type: bogus fails" 7 ADD bogus
ck_eq "... and leaves nothing" "$(ck_snapshot)" "$base"
ck_eq "... not even in the pod's namespace" \
    "$(ip -n "$(seine_pod_netns bogus)" -o link show | awk -F': ' '{ print $2 }')" lo
ck_cni_ok "... and its DEL succeeds" DEL bogus

# --- the node still works ----------------------------------------------------
seine_pod_add last
ck_ok "a pod added after all this reaches the gateway" ck_ping last "$gw"
ck_ok "... and the pod that lived through it all" ck_ping last "$(seine_pod_ip w)"
ck_cni_ok "CHECK of that first pod passes" CHECK w
ck_done
