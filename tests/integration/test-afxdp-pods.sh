#!/usr/bin/env bash
# Pods on one node: three AF_XDP pods and one tap pod reach each other and
# the gateway, carry TCP both ways without corrupting a byte, pass CNI
# CHECK, and fail it (code 105) once something they need is taken away.
# Multus: a second attachment net1 (vhost-user on a DPDK node, else tap)
# gets its own address, port and flows, and its DEL leaves eth0 alone.
#
# SEINE_TEST_DPDK=1 runs it on a DPDK node (net1 is then vhost-user).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin afxdp-pods
seine_require_cmd ping nc sha256sum ss
dpdk=${SEINE_TEST_DPDK:-0}
if [ "$dpdk" == 1 ]; then
    seine_node_start --dpdk
else
    seine_node_start
fi
gw=10.244.1.1

seine_pod_add a afxdp
seine_pod_add b afxdp
seine_pod_add c afxdp
seine_pod_add t tap
pods=(a b c t)
declare -A ip
for p in "${pods[@]}"; do
    ip[$p]=$(seine_pod_ip "$p")
done

ck_eq "pod a's port is an afxdp port" "$(ck_port_type "$(ck_port a)")" afxdp
ck_eq "pod t's port is a tap port" "$(ck_port_type "$(ck_port t)")" tap
ck_eq "four distinct pod addresses" \
    "$(printf '%s\n' "${ip[@]}" | sort -u | wc -l)" 4

# --- reachability ---------------------------------------------------------
for p in "${pods[@]}"; do
    ck_ok "$p (${ip[$p]}) pings the gateway $gw" ck_ping "$p" "$gw"
    for q in "${pods[@]}"; do
        [ "$p" != "$q" ] || continue
        ck_ok "$p pings $q (${ip[$q]})" ck_ping "$p" "${ip[$q]}"
    done
done

# --- TCP, checked byte for byte ------------------------------------------
file=$SEINE_RUN/payload
head -c 4M /dev/urandom >"$file"
want=$(sha256sum <"$file" | cut -d' ' -f1)
port=7000
for pair in a:b b:a a:t t:a; do
    src=${pair%:*} dst=${pair#*:}
    port=$((port + 1))
    ck_eq "4 MB over TCP $src -> $dst arrive intact (sha256)" \
        "$(ck_tcp_transfer "$src" "$dst" "${ip[$dst]}" "$port" "$file")" "$want"
done

# --- CNI CHECK -------------------------------------------------------------
for p in "${pods[@]}"; do
    ck_cni_ok "CHECK $p passes" CHECK "$p"
done

# --- Multus: net1 on pod a ---------------------------------------------------
if [ "$dpdk" == 1 ]; then net1_type=vhostuser; else net1_type=tap; fi
a_port=$(ck_port a)
a_owner=$(ck_owner_of_ofport "$(ck_ofport "$a_port")")
seine_pod_add a "$net1_type" net1
net1_ip=$(seine_pod_ip a net1)
net1_port=$(ck_port a net1)
ck_ne "net1 has an address of its own ($net1_ip)" "$net1_ip" "${ip[a]}"
ck_ne "net1 has an OVS port of its own ($net1_port)" "$net1_port" "$a_port"
ck_eq "net1's port is a $net1_type port" "$(ck_port_type "$net1_port")" \
    "$([ "$net1_type" == vhostuser ] && echo dpdkvhostuserclient || echo tap)"
net1_owner=$(ck_owner_of_ofport "$(ck_ofport "$net1_port")")
ck_ne "net1's flows have an owner of their own ($net1_owner)" "$net1_owner" "$a_owner"
ck_eq "net1 has its $CK_POD_FLOWS flows" "$(ck_nflows_of "$net1_owner")" "$CK_POD_FLOWS"
ck_eq "eth0 still has its $CK_POD_FLOWS flows" "$(ck_nflows_of "$a_owner")" "$CK_POD_FLOWS"
if [ "$net1_type" == tap ]; then
    ck_ok "net1 is in pod a with $net1_ip" \
        sh -c "ip -n '$(seine_pod_netns a)' -o -4 addr show dev net1 | grep -q 'inet $net1_ip/'"
    ck_ok "pod a reaches the gateway from net1" \
        seine_pod_exec a ping -c1 -W1 -I net1 "$gw"
fi
ck_cni_ok "CHECK a/net1 passes" CHECK a net1

seine_pod_del a net1
ck_empty "DEL a/net1 leaves nothing of net1" \
    "$(ck_leftovers "$(ck_cid a net1)" net1 "$net1_port" "$net1_ip" "$net1_owner")"
ck_no "net1 is gone from pod a" seine_pod_exec a ip link show dev net1
ck_eq "eth0 keeps its $CK_POD_FLOWS flows after DEL a/net1" "$(ck_nflows_of "$a_owner")" "$CK_POD_FLOWS"
ck_ok "a still pings the gateway after DEL a/net1" ck_ping a "$gw"
ck_ok "a still pings b after DEL a/net1" ck_ping a "${ip[b]}"
ck_eq "4 MB over TCP a -> b still arrive intact after DEL a/net1" \
    "$(ck_tcp_transfer a b "${ip[b]}" 7100 "$file")" "$want"

# --- CHECK notices what is missing (105) ----------------------------------
c_mac=$(seine_pod_mac c)
seine_ofctl del-flows --strict "table=60,priority=200,dl_dst=$c_mac"
ck_cni_code "CHECK c fails once its L2Forwarding flow is deleted" 105 CHECK c
seine_pod_exec b ip addr del "${ip[b]}/24" dev eth0
ck_cni_code "CHECK b fails once its address is removed" 105 CHECK b
ck_cni_ok "CHECK t still passes" CHECK t

# A secondary attachment must not take the pod's default route: eth0 is the
# cluster network (Multus' default route rule).
ck_eq "pod a's default route is via eth0 after ADD and DEL of net1" \
    "$(ip -n "$(seine_pod_netns a)" -4 route show default | awk '{ print $3 "@" $5 }')" \
    "$gw@eth0"
ck_cni_ok "CHECK a/eth0 passes after ADD and DEL of net1" CHECK a
ck_done
