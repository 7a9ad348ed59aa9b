#!/usr/bin/env bash
# Dual-stack pods on one node (podCIDRs with an IPv4 and an IPv6 subnet):
# AF_XDP and tap pods get one address of each family from the CNI result,
# in their namespace and on record (a vhost-user pod, on a DPDK node, in
# its pod.json); they reach each other and the
# node over IPv6 through br-int's IPv6 pipeline (neighbour discovery
# answered in OVS, hop limit decremented) and carry TCP over IPv6 byte for
# byte.  A NetworkPolicy isolates over both families and admits its peer
# by its IPv6 address; an IPv6 ipBlock's except holds.  A spoofed IPv6 source, a neighbour advertisement for another
# pod's address and a router advertisement from a pod reach nobody.  An
# agent restart keeps the IPv6 path, and DEL gives both addresses back.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin ipv6
seine_require_cmd ping nc sha256sum ss python3 jq
cidr6=fd00:10:244:1::/64
gw6=fd00:10:244:1::1
# A DPDK node when there is the DPDK build (unless SEINE_TEST_DPDK=0), for
# a vhost-user pod.
dpdk=0
[ ! -x "$SEINE_OVS_VSWITCHD_DPDK" ] || dpdk=${SEINE_TEST_DPDK:-1}
if [ "$dpdk" == 1 ]; then
    seine_node_start --dpdk --cidr6 "$cidr6"
else
    seine_node_start --cidr6 "$cidr6"
fi
seine_pod_add a afxdp
seine_pod_add b tap
seine_pod_add c afxdp
declare -A ip6 mac
for p in a b c; do
    ip6[$p]=$(seine_pod_ip6 "$p")
    mac[$p]=$(seine_pod_mac "$p")
done
gw_mac=$(ck_gateway_mac)

# --- addresses ---------------------------------------------------------------
ck_eq "a's result lists an IPv4 and an IPv6 address" \
    "$(seine_pod_result a | jq -r '[.ips[].address | test(":")] | tostring')" \
    '[false,true]'
ck_eq "a's IPv6 address is in the node's IPv6 subnet" \
    "$(seine_pod_result a | jq -r '.ips[1].address | test("^fd00:10:244:1::[0-9a-f]+/64$")')" true
ck_eq "a's IPv6 gateway is the node's" \
    "$(seine_pod_result a | jq -r '.ips[1].gateway')" "$gw6"
ck_eq "a's result routes ::/0 via the IPv6 gateway" \
    "$(seine_pod_result a | jq -r '.routes[] | select(.dst == "::/0") | .gw')" "$gw6"
ck_eq "three distinct IPv6 pod addresses" \
    "$(printf '%s\n' "${ip6[@]}" | sort -u | wc -l)" 3
# has_addr6 POD|node IFNAME ADDR: ADDR/64 is on the link and usable (not
# tentative).
has_addr6() {
    local where=$1 dev=$2 addr=$3 out
    if [ "$where" == node ]; then
        out=$(seine_node_exec ip -6 -o addr show dev "$dev")
    else
        out=$(seine_pod_exec "$where" ip -6 -o addr show dev "$dev")
    fi
    out=$(grep " $addr/64 " <<<"$out") && ! grep -q tentative <<<"$out"
}
for p in a b; do
    ck_ok "$p has ${ip6[$p]}/64 on eth0, usable (not tentative)" \
        has_addr6 "$p" eth0 "${ip6[$p]}"
    ck_eq "$p's IPv6 default route is via the gateway" \
        "$(seine_pod_exec "$p" ip -6 route show default | awk '{print $3}')" "$gw6"
done
ck_ok "the gateway port has $gw6/64" has_addr6 node "$SEINE_GATEWAY_PORT" "$gw6"
# shellcheck disable=SC2016  # jq's own variable
ck_ok "a's pod record holds its IPv6 address, as format 3" \
    jq -e --arg ip "${ip6[a]}" '.ip6 == $ip and .format == 3' "$(ck_record a)"
ck_ok "the IPv6 allocator holds a's address" \
    test -e "$(seine_node_dir)/state/ipam/fd00:10:244:1::_64/${ip6[a]}"

ctl() { SEINE_AGENT_CTL=$(seine_node_dir)/seine-agent.ctl \
    "$SEINE_BUILD_DIR/seinectl/seinectl" "$@"; }
# pod_row_has A B: a row of "seinectl get pods" shows both.
pod_row_has() { ctl get pods | grep -F "$1" | grep -qF "$2"; }
# shellcheck disable=SC2016  # jq's own variable
pods_json_has_ip6() {
    ctl get pods -o json \
        | jq -e --arg ip "$1" '[.items[] | select(.ip6 == $ip)] | length == 1'
}
ck_ok "seinectl get pods lists a's two addresses" \
    pod_row_has "${ip6[a]}/64" "$(seine_pod_ip a)/24"
ck_ok "seinectl get pods -o json has a's ip6" pods_json_has_ip6 "${ip6[a]}"

# A vhost-user pod (on a DPDK node) finds both addresses in pod.json.
if [ "$dpdk" == 1 ]; then
    seine_pod_add v vhostuser
    conf=$(dirname "$(seine_pod_socket v)")/pod.json
    ck_eq "v's pod.json has its IPv6 address, prefix and gateway" \
        "$(jq -r '"\(.ip6)/\(.prefixLength6) via \(.gateway6)"' "$conf")" \
        "$(seine_pod_ip6 v)/64 via $gw6"
    ck_eq "... next to its IPv4 address" "$(jq -r .ip "$conf")" "$(seine_pod_ip v)"
    seine_pod_remove v
fi

# CNI CHECK looks at both families.
for p in a b; do
    ck_cni_ok "CHECK $p passes" CHECK "$p"
done
seine_pod_exec b ip -6 route del default
ck_cni_code "CHECK b fails without its IPv6 default route" 105 CHECK b
seine_pod_exec b ip -6 route add default via "$gw6" dev eth0
seine_pod_exec b ip -6 addr del "${ip6[b]}/64" dev eth0
ck_cni_code "CHECK b fails without its IPv6 address" 105 CHECK b
ck_ok "and says which address" grep -q "does not have address ${ip6[b]}/64" <<<"$SEINE_CNI_OUT"
seine_pod_exec b ip -6 addr add "${ip6[b]}/64" dev eth0 nodad
seine_pod_exec b ip -6 route replace default via "$gw6" dev eth0
ck_cni_ok "CHECK b passes again" CHECK b

# --- reachability ------------------------------------------------------------
ck6_ping() { seine_pod_exec "$1" ping -6 -c1 -W1 "$2" >/dev/null 2>&1 \
    || seine_pod_exec "$1" ping -6 -c2 -W1 "$2" >/dev/null 2>&1; }
for p in a b; do
    ck_ok "$p pings the gateway $gw6" ck6_ping "$p" "$gw6"
    for q in a b c; do
        [ "$p" != "$q" ] || continue
        ck_ok "$p pings $q (${ip6[$q]})" ck6_ping "$p" "${ip6[$q]}"
    done
done
ck_ok "the node pings a over IPv6" seine_node_exec ping -6 -c2 -W1 "${ip6[a]}"
ck_eq "a resolved the gateway to the gateway port's MAC (answered in OVS)" \
    "$(seine_pod_exec a ip -6 neigh show "$gw6" dev eth0 | awk '{print $3}')" "$gw_mac"
ck_eq "the node resolved a to a's MAC" \
    "$(seine_node_exec ip -6 neigh show "${ip6[a]}" dev "$SEINE_GATEWAY_PORT" | awk '{print $3}')" \
    "${mac[a]}"
ck_eq "a packet routed pod to pod has its hop limit decremented (64 -> 63)" \
    "$(seine_pod_exec a ping -6 -c1 -W1 "${ip6[b]}" | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')" 63

# --- TCP over IPv6, checked byte for byte -------------------------------------
file=$SEINE_RUN/payload
head -c 4M /dev/urandom >"$file"
want=$(sha256sum <"$file" | cut -d' ' -f1)
port=7100
for pair in a:b b:a a:c; do
    src=${pair%:*} dst=${pair#*:}
    port=$((port + 1))
    ck_eq "4 MB over TCP/IPv6 $src -> $dst arrive intact (sha256)" \
        "$(ck_tcp_transfer "$src" "$dst" "${ip6[$dst]}" "$port" "$file")" "$want"
done

# --- what a pod may not send ---------------------------------------------------
# A source address that is not the pod's: a takes a second address and
# pings from it.
drops0=$(ck_table_drops 10)
seine_pod_exec a ip -6 addr add fd00:10:244:1::99/64 dev eth0 nodad
ck_no "a cannot ping b from an address that is not its own" \
    seine_pod_exec a ping -6 -c3 -W1 -I fd00:10:244:1::99 "${ip6[b]}"
seine_pod_exec a ip -6 addr del fd00:10:244:1::99/64 dev eth0
drops1=$(ck_table_drops 10)
ck_ge "SpoofGuard's drop flow counted the spoofed echo requests" \
    "$((drops1 - drops0))" 3

# A neighbour advertisement from a for b's address (override set) must not
# take b's address over, on the node or anywhere else.
ck_ok "the node reaches b (its neighbour entry for b is b's MAC)" \
    seine_node_exec ping -6 -c1 -W1 "${ip6[b]}"
# nd_drops TYPE: packets SpoofGuard's drop of pod ICMPv6 type TYPE took.
nd_drops() {
    seine_ofctl dump-flows table=10 | grep "icmp_type=$1 .*goto_table:95" \
        | sed -n 's/.*n_packets=\([0-9]*\),.*/\1/p'
}
drops0=$(nd_drops 136)
ck_sendframe a na eth0 "${ip6[b]}" "${mac[a]}" ff02::1 5
ck_sendframe a na eth0 "${ip6[b]}" "${mac[a]}" "$gw6" 5
ck_eq "the node still has b's MAC for b's address" \
    "$(seine_node_exec ip -6 neigh show "${ip6[b]}" dev "$SEINE_GATEWAY_PORT" | awk '{print $3}')" \
    "${mac[b]}"
ck_ok "the node still reaches b" seine_node_exec ping -6 -c1 -W1 "${ip6[b]}"
ck_ok "c still reaches b" ck6_ping c "${ip6[b]}"
ck_ok "SpoofGuard's drop of advertisements counted the 10 spoofed ones" \
    seine_wait_until 5 ck_reaches $((drops0 + 10)) nd_drops 136

# A router advertisement from a: nobody takes its prefix or its route.
drops0=$(nd_drops 134)
ck_sendframe a ra eth0 ff02::1 5
ck_sendframe a ra eth0 "$gw6" 5
ck_ok "SpoofGuard's drop of router advertisements counted the 10" \
    seine_wait_until 5 ck_reaches $((drops0 + 10)) nd_drops 134
# learned_ra WHERE: what WHERE (a pod, or the node) took from the
# advertisement: an address of its prefix or a route it taught.
learned_ra() {
    local out
    if [ "$1" == node ]; then
        out=$(seine_node_exec ip -6 addr; seine_node_exec ip -6 route)
    else
        out=$(seine_pod_exec "$1" ip -6 addr; seine_pod_exec "$1" ip -6 route)
    fi
    grep -E '2001:db8:bad:|proto ra' <<<"$out"
}
for p in b c node; do
    ck_no "$p took no address or route from the advertisement" learned_ra "$p"
done

# --- NetworkPolicy over both families ------------------------------------------
# One listener on b takes both families (an IPv6 socket that is not
# IPv6-only).
seine_bg_start listen-b "$(seine_pod_netns b)" nc -6 -lk -p 8080
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns b) ss -Hltn 'sport = :8080' | grep -q ." || true
b4=$(seine_pod_ip b)
ck_expect_tcp "no policy: c -> b:8080 over IPv6" ok c "${ip6[b]}" 8080
ck_netpol b-ingress '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]'
ck_expect_tcp "b isolated, app=a admitted: c -> b over IPv6 dropped" no c "${ip6[b]}" 8080
ck_expect_tcp "... and over IPv4" no c "$b4" 8080
ck_expect_tcp "... a -> b over IPv6 allowed (a by its IPv6 address)" ok a "${ip6[b]}" 8080
ck_expect_tcp "... and over IPv4" ok a "$b4" 8080
ck_no "... c cannot ping b over IPv6 (isolation covers ICMPv6)" ck6_ping c "${ip6[b]}"
ck_netpol b-ingress "  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{ipBlock: {cidr: '$cidr6', except: ['${ip6[c]}/128']}}]"
ck_expect_tcp "an IPv6 ipBlock with c excepted: c -> b over IPv6 dropped" no c "${ip6[b]}" 8080
ck_expect_tcp "... a -> b over IPv6 allowed" ok a "${ip6[b]}" 8080
ck_expect_tcp "... and IPv4, which no block names, dropped" no a "$b4" 8080
rm -f "$(seine_node_dir)/manifests/np-b-ingress.yaml"
ck_expect_tcp "policy removed: c -> b over IPv6 again" ok c "${ip6[b]}" 8080
seine_bg_stop listen-b

# --- restart and DEL -------------------------------------------------------------
seine_agent_stop
seine_agent_start
ck_ok "after an agent restart a still pings b over IPv6" ck6_ping a "${ip6[b]}"
ck_ok "and the node still pings a" seine_node_exec ping -6 -c2 -W1 "${ip6[a]}"

a_ip6=${ip6[a]}
seine_pod_remove a
ck_no "DEL gave a's IPv6 address back" \
    test -e "$(seine_node_dir)/state/ipam/fd00:10:244:1::_64/$a_ip6"
ck_ok "b still pings c after a is gone" ck6_ping b "${ip6[c]}"
ck_done
