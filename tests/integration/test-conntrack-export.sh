#!/usr/bin/env bash
# The flow exporter's pipeline on a real ovs-vswitchd 3.1 (userspace
# datapath), short of the Kubernetes names: a private ovsdb-server and
# ovs-vswitchd in a namespace of their own, a netdev bridge, two peers in
# two more namespaces, and TCP (open, closed, refused, through a DNAT),
# UDP (both ways, one way, in zone 0) and ICMP connections between them
# committed with a mark and a label.  ctdump_smoke (argument 1) asks for
# the conntrack asynchronously and sends a record a connection to an
# nfcapd in the switch's namespace; the checks compare both with what
# ovs-appctl shows.  Needs root.  Everything it starts it stops again.
#
# With CTDUMP_RECORD=DIR it also writes what dpctl/dump-conntrack prints
# with and without -m and -s, as the fixtures test_ctdump.c includes
# (DIR=tests/unit to refresh them).

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
smoke=$(realpath "${1:-$SEINE_BUILD_DIR/tests/integration/ctdump_smoke}")
record_dir=${CTDUMP_RECORD:+$(realpath "$CTDUMP_RECORD")}
seine_test_begin conntrack-export
seine_require_cmd nc ethtool nfcapd nfdump
[ -x "$smoke" ] || seine_skip "$smoke not built"
seine_node_start --no-agent
bridge=br0
vip=10.96.0.10
# The mark and label every committed connection in zone 65001 gets.
label=0x5e1e0000000000010000000000000002

seine_vsctl add-br "$bridge" -- set bridge "$bridge" datapath_type=netdev
for peer in a b; do
    ns=${SEINE_NS_PREFIX}$peer
    seine_netns_add "$ns"
    ip link add "ct-$peer" netns "$(seine_node_netns)" type veth peer name eth0 netns "$ns"
    seine_node_exec ip link set "ct-$peer" up
    # The switch's raw sockets see packets before the checksums are filled.
    ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
    seine_vsctl add-port "$bridge" "ct-$peer"
done
ns_a=${SEINE_NS_PREFIX}a ns_b=${SEINE_NS_PREFIX}b
ip -n "$ns_a" addr add 10.99.0.1/24 dev eth0
ip -n "$ns_b" addr add 10.99.0.2/24 dev eth0
ip -n "$ns_a" link set eth0 up
ip -n "$ns_b" link set eth0 up
# The "service" address is reached through b's MAC; the switch rewrites
# the address only.
ip -n "$ns_a" neigh add 10.99.0.254 lladdr \
    "$(ip -n "$ns_b" -j link show eth0 | jq -r '.[0].address')" dev eth0
ip -n "$ns_a" route add "$vip/32" via 10.99.0.254

flows=$(mktemp)
cat >"$flows" <<FLOWS
table=0,priority=100,arp actions=NORMAL
table=0,priority=90,udp,tp_dst=9999 actions=ct(commit),NORMAL
table=0,priority=80,ip,ct_state=-trk actions=ct(table=1,zone=65001,nat)
table=1,priority=110,tcp,ct_state=+new+trk,nw_dst=$vip,tp_dst=80 actions=ct(commit,zone=65001,nat(dst=10.99.0.2:8080),exec(set_field:7->ct_mark,set_field:$label->ct_label)),NORMAL
table=1,priority=100,ip,ct_state=+new+trk actions=ct(commit,zone=65001,exec(set_field:7->ct_mark,set_field:$label->ct_label)),NORMAL
table=1,priority=100,ip,ct_state=+est+trk actions=NORMAL
table=1,priority=100,ip,ct_state=+rel+trk actions=NORMAL
table=1,priority=0 actions=drop
FLOWS
seine_node_exec ovs-ofctl -O OpenFlow15 add-flows "unix:$(seine_node_dir)/$bridge.mgmt" "$flows"
rm -f "$flows"

# An open TCP connection, one closed (TIME_WAIT), one refused, one through
# the DNAT, still open.
seine_bg_start srv-open "$ns_b" nc -lk 10.99.0.2 5001
seine_bg_start srv-nat "$ns_b" nc -lk 10.99.0.2 8080
seine_bg_start srv-closed "$ns_b" nc -l 10.99.0.2 5004
seine_bg_start srv-udp "$ns_b" nc -lku 10.99.0.2 5002
seine_wait_until 5 sh -c "ip netns exec '$ns_b' ss -Hltn 'sport = :8080' | grep -q ."
ip netns exec "$ns_a" ping -c3 -i0.2 -W1 10.99.0.2 >/dev/null \
    || seine_fail "no ping through the switch"
seine_bg_start cli-open "$ns_a" sh -c '(echo hello; sleep 60) | nc 10.99.0.2 5001'
seine_bg_start cli-nat "$ns_a" sh -c "(echo through-dnat; sleep 60) | nc $vip 80"
ip netns exec "$ns_a" sh -c 'echo closed | nc -N -w2 10.99.0.2 5004' || true
ip netns exec "$ns_a" nc -z -w1 10.99.0.2 5003 || true
ip netns exec "$ns_a" sh -c 'echo datagram | nc -u -w1 10.99.0.2 5002' || true
ip netns exec "$ns_a" sh -c 'echo one-way | nc -u -w1 -p 40000 10.99.0.2 9999' || true
sleep 1

# record NAME ARGS...: the dump as C string literals, one line each, for
# an #include.
record() {
    local name=$1; shift
    seine_appctl dpctl/dump-conntrack "$@" | sort \
        | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/    "/; s/$/\\n"/' >"$record_dir/ctdump_$name.dump"
}
if [ -n "$record_dir" ]; then
    record plain
    record m -m
    record s -s
    record ms -m -s
    record zone -s zone=65001
    seine_log "recorded: $(cat "$record_dir"/ctdump_*.dump | wc -l) lines in $record_dir"
fi

n_all=$(seine_appctl dpctl/dump-conntrack | wc -l)
n_zone=$(seine_appctl dpctl/dump-conntrack zone=65001 | wc -l)
ck_ge "the switch tracks the connections" "$n_all" 7

dir=$(seine_node_dir)
mkdir -p "$dir/flows"
seine_bg_start nfcapd "$(seine_node_netns)" nfcapd -w "$dir/flows" -p 4739 -b 127.0.0.1
seine_wait_until 5 sh -c "ip netns exec '$(seine_node_netns)' ss -Hlun 'sport = :4739' | grep -q ." \
    || seine_fail "nfcapd did not bind"
rc=0
out=$(seine_node_exec "$smoke" "$dir" 65001 udp:127.0.0.1:4739) || rc=$?
ck_eq "ctdump_smoke: queries answered, records encoded and sent" "$rc" 0
ck_eq "asynchronous dumps: as many entries as ovs-appctl shows, none unparsed, one record each" \
    "$(tail -n 1 <<<"$out")" \
    "entries=$n_all zone_entries=$n_zone bad=0 records=$n_all sent=$n_all"
ck_ok "the DNAT: orig to the Service address, post-NAT the endpoint, forced end at flush" \
    grep -qE '^tcp 10\.99\.0\.1:[0-9]+ 10\.96\.0\.10:80 zone=65001 nat=10\.99\.0\.2:8080 state=ESTABLISHED reason=4$' <<<"$out"
ck_eq "the closed and the refused TCP connections: end of flow" \
    "$(grep -cE '^tcp .* state=TIME_WAIT reason=3$' <<<"$out")" 2
ck_ok "UDP in zone 0, one way" \
    grep -qE '^udp 10\.99\.0\.1:40000 10\.99\.0\.2:9999 zone=0 nat=0\.0\.0\.0:0 state=- reason=4$' <<<"$out"
ck_ok "ICMP echo: type 8 in the destination port" \
    grep -qE '^icmp 10\.99\.0\.1:0 10\.99\.0\.2:2048 zone=65001 ' <<<"$out"
seine_bg_stop nfcapd
ck_eq "nfdump: a flow a connection, the DNAT's endpoint among them" \
    "$(nfdump -R "$dir/flows" -o json 2>/dev/null \
       | jq -r '[length, ([.[] | select(.dst_port == 80)][0] | "\(.dst4_xlt_ip):\(.dst_xlt_port)")] | join(" ")')" \
    "$n_all 10.99.0.2:8080"
ck_done
