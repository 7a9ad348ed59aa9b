#!/usr/bin/env bash
# Seine's IPFIX flow records (observe/flowrecord through observe/ipfix and
# observe/ipfixsend, sent by ipfix_probe, argument 1) decoded by real
# collectors, in a network namespace this script creates and deletes:
#   - nfcapd 1.7 over UDP, read back with nfdump: the 5-tuple and the
#     byte counts, both directions (nfdump skips private-enterprise
#     elements, so Seine's own fields are tshark's to check);
#   - tshark's IPFIX dissector over UDP and TCP: the 5-tuple, the bytes
#     and the pod-name enterprise element;
#   - a restarted nfcapd, which knows no template, decodes the records
#     again once the probe re-sends its templates (every 2 s over UDP);
#   - a restarted TCP collector gets the templates again on the new
#     connection.
# Needs root.  Every process it starts it stops by its pid.
#
#   sudo tests/integration/ipfix-collectors.sh BUILD/tests/integration/ipfix_probe

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
probe=$(realpath "${1:-$SEINE_BUILD_DIR/tests/integration/ipfix_probe}")
seine_test_begin ipfix-collectors
seine_require_cmd nfcapd nfdump tshark nc
[ -x "$probe" ] || seine_skip "$probe not built"

ns=${SEINE_NS_PREFIX}collect
seine_netns_add "$ns"
dir=$SEINE_RUN/ipfix
mkdir -p "$dir"
udp_port=4739
tcp_port=4740
refresh_s=2
# Record i of the probe: 10.244.1.5:(40000 + i) -> 10.96.0.10:80 TCP,
# DNAT to 10.244.2.7:8080, 4242 bytes out and 3131 back, from pod web-1.
tuple="10.244.1.5 10.96.0.10 80 6"

COLLECT_NS=$ns COLLECT_DIR=$dir COLLECT_UDP_PORT=$udp_port
# shellcheck source=SCRIPTDIR/collectors.sh
. "$(dirname "$0")/collectors.sh"

# pod_names NAME PROTO PORT: how many data records carry sourcePodName
# (Seine's element 2) "web-1".
pod_names() { enterprise_count "$1" "$2" "$3" 2 web-1; }

# probe NAME PROTO PORT SECONDS: the probe in the background, one record
# a second; probe_wait NAME: its counters once it has finished.
probe() {
    seine_bg_start "probe-$1" "$ns" "$probe" "$2:127.0.0.1:$3" "$4" "$refresh_s"
}

probe_done() { ! seine_bg_alive "probe-$1"; }

probe_wait() {
    seine_wait_until 30 probe_done "$1" || seine_fail "the probe did not finish"
    seine_bg_stop "probe-$1"
    tail -n 1 "$SEINE_RUN/bg/probe-$1.log"
}

# counter NAME STATS: one of the probe's counters.
counter() { grep -o "$1=[0-9]*" <<<"$2" | cut -d= -f2; }

# count_matching LINES: how many lines are the probe's flow, with both
# byte counts.
count_matching() {
    grep -c "^$tuple 4242,3131 4000[0-9]\$" <<<"$1" || true
}

# -- UDP: both collectors at once ------------------------------------------
capture_start udp "udp port $udp_port"
nfcapd_start first
probe udp udp "$udp_port" 4
stats=$(probe_wait udp)
ck_eq "probe over UDP: 4 records sent, none dropped" \
    "$(counter records "$stats") $(counter drops "$stats")" "4 0"
nfcapd_stop first
capture_stop udp

flows=$(nfdump_flows first)
ck_eq "nfdump: 4 flows, 5-tuple and bytes both ways" "$(count_matching "$flows")" 4
ck_eq "nfdump: source ports 40000 to 40003" \
    "$(awk '{ print $6 }' <<<"$flows" | sort | tr '\n' ' ')" "40000 40001 40002 40003 "
ck_eq "nfdump: the post-NAT destination (postNATDestinationIPv4Address, postNAPTDestinationTransportPort)" \
    "$(nfdump -R "$COLLECT_DIR/first" -o json 2>/dev/null | jq -r '.[0] | "\(.dst4_xlt_ip):\(.dst_xlt_port)"')" \
    10.244.2.7:8080
flows=$(decoded_flows udp udp "$udp_port")
ck_eq "tshark (UDP): 4 flows, 5-tuple and bytes both ways" "$(count_matching "$flows")" 4
ck_eq "tshark (UDP): sourcePodName web-1 under Seine's enterprise number" \
    "$(pod_names udp udp "$udp_port")" 4
ck_eq "tshark (UDP): the post-NAT destination" \
    "$(decode udp udp "$udp_port" -Y cflow.srcaddr -T fields -E separator=: \
       -e cflow.post_natdestination_ipv4_address -e cflow.post_naptdestination_transport_port \
       | sort -u)" 10.244.2.7:8080
ck_ge "tshark (UDP): templates sent at the start and on refresh" \
    "$(decode udp udp "$udp_port" -Y cflow.template_id -T fields -e frame.number | wc -l)" 2

# -- UDP: nfcapd restarted under a running exporter -------------------------
# The new nfcapd knows no template: it decodes records only after the
# probe's next refresh.
nfcapd_start before
probe restart udp "$udp_port" 9
sleep 3
nfcapd_stop before
nfcapd_start after
probe_wait restart >/dev/null
nfcapd_stop after
before=$(count_matching "$(nfdump_flows before)")
after=$(count_matching "$(nfdump_flows after)")
ck_ge "nfcapd before the restart decoded records ($before)" "$before" 2
ck_ge "the restarted nfcapd decodes records again, templates re-sent ($after)" \
    "$after" 3
ck_le "and none twice: before + after <= 9" "$((before + after))" 9

# -- TCP: tshark, and a collector that goes away ----------------------------
capture_start tcp "tcp port $tcp_port"
seine_bg_start sink1 "$ns" nc -lk 127.0.0.1 "$tcp_port"
seine_wait_until 5 sh -c "ip netns exec '$ns' ss -Hltn 'sport = :$tcp_port' | grep -q ." \
    || seine_fail "the TCP sink did not listen"
probe tcp tcp "$tcp_port" 8
sleep 3
seine_bg_stop sink1
seine_bg_start sink2 "$ns" nc -lk 127.0.0.1 "$tcp_port"
stats=$(probe_wait tcp)
seine_bg_stop sink2
capture_stop tcp
ck_eq "probe over TCP: one reconnect" "$(counter reconnects "$stats")" 1

flows=$(count_matching "$(decoded_flows tcp tcp "$tcp_port")")
ck_ge "tshark (TCP): $flows of 8 flows with 5-tuple and bytes both ways" "$flows" 6
ck_ge "tshark (TCP): sourcePodName web-1" "$(pod_names tcp tcp "$tcp_port")" 6
template_streams=$(decode tcp tcp "$tcp_port" -Y cflow.template_id -T fields -e tcp.stream \
                   | sort -u | wc -l)
ck_eq "tshark (TCP): templates once on each of the two connections" "$template_streams" 2
ck_eq "tshark (TCP): no template refresh within a connection" \
    "$(decode tcp tcp "$tcp_port" -Y cflow.template_id -T fields -e tcp.stream | wc -l)" 2
ck_done
