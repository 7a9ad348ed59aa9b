#!/usr/bin/env bash
# SpoofGuard (table 10): a pod may send IPv4 only with its own MAC and IP,
# and ARP only with its own MAC and IP as sender.  Pod a writes crafted
# frames straight onto its eth0 (AF_PACKET, sendframe.py); pod b counts
# the UDP datagrams that arrive, tagged by kind.  Only the honest ones may
# arrive, spoofed ARP gets no answer, and table 10's drop flow counts the
# rest.  Last, a flow that lets a's traffic past SpoofGuard shows that the
# same spoofed frames would have arrived: the counts above mean something.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin spoofing
seine_require_cmd python3 ping
seine_node_start
seine_pod_add a
seine_pod_add b
seine_pod_add c
a_ip=$(seine_pod_ip a) a_mac=$(seine_pod_mac a)
b_ip=$(seine_pod_ip b)
c_ip=$(seine_pod_ip c) c_mac=$(seine_pod_mac c)
gw_mac=$(ck_gateway_mac)
other_mac=02:00:5e:00:00:01
free_ip=10.244.1.250
port=9999
n=50

# udp_round TAGS...: starts the counter in b, has a send each kind of frame
# in TAGS (n of each), then a last honest "end", and prints what b counted.
udp_round() {
    local tag
    seine_bg_start udp-count "$(seine_pod_netns b)" \
        python3 "$CK_HERE/sendframe.py" udp-count "$port" 10
    seine_wait_until 5 grep -q listening "$SEINE_RUN/bg/udp-count.log"
    for tag in "$@"; do
        case $tag in
        honest) ck_sendframe a udp eth0 "$a_mac" "$gw_mac" "$a_ip" "$b_ip" "$port" "$n" "$tag" ;;
        ip-free) ck_sendframe a udp eth0 "$a_mac" "$gw_mac" "$free_ip" "$b_ip" "$port" "$n" "$tag" ;;
        ip-of-c) ck_sendframe a udp eth0 "$a_mac" "$gw_mac" "$c_ip" "$b_ip" "$port" "$n" "$tag" ;;
        mac-other) ck_sendframe a udp eth0 "$other_mac" "$gw_mac" "$a_ip" "$b_ip" "$port" "$n" "$tag" ;;
        mac-of-c) ck_sendframe a udp eth0 "$c_mac" "$gw_mac" "$a_ip" "$b_ip" "$port" "$n" "$tag" ;;
        esac
    done
    sleep 0.3
    ck_sendframe a udp eth0 "$a_mac" "$gw_mac" "$a_ip" "$b_ip" "$port" 1 end
    seine_wait_until 5 sh -c "! kill -0 $(cat "$SEINE_RUN/bg/udp-count.pid") 2>/dev/null" || true
    seine_bg_stop udp-count
    tail -n 1 "$SEINE_RUN/bg/udp-count.log"
}

ck_ok "a pings b (the path works)" ck_ping a "$b_ip"

drops0=$(ck_table_drops 10)
got=$(udp_round honest ip-free ip-of-c mac-other mac-of-c honest)
ck_eq "b got exactly the honest datagrams, none of the spoofed ones" \
    "$got" "{\"end\": 1, \"honest\": $((2 * n))}"
drops1=$(ck_table_drops 10)
ck_ge "table 10's drop flow counted the $((4 * n)) spoofed frames" \
    "$((drops1 - drops0))" $((4 * n))

# ARP: the honest request is answered (with the gateway's MAC); one with a
# spoofed sender address or sender MAC is not.
ck_eq "an honest ARP request from a is answered" \
    "$(ck_sendframe a arp eth0 "$a_mac" "$a_mac" "$a_ip" "$b_ip" 1 1)" 1
drops0=$(ck_table_drops 10)
ck_eq "no answer to ARP with a spoofed sender IP (a free address)" \
    "$(ck_sendframe a arp eth0 "$a_mac" "$a_mac" "$free_ip" "$b_ip" 3 1)" 0
ck_eq "no answer to ARP with a spoofed sender IP (pod c's)" \
    "$(ck_sendframe a arp eth0 "$a_mac" "$a_mac" "$c_ip" "$b_ip" 3 1)" 0
ck_eq "no answer to ARP with a spoofed sender MAC" \
    "$(ck_sendframe a arp eth0 "$a_mac" "$other_mac" "$a_ip" "$b_ip" 3 1)" 0
ck_eq "no answer to ARP from a spoofed Ethernet source" \
    "$(ck_sendframe a arp eth0 "$other_mac" "$a_mac" "$a_ip" "$b_ip" 3 1)" 0
drops1=$(ck_table_drops 10)
ck_ge "table 10's drop flow counted the 12 spoofed ARP requests" \
    "$((drops1 - drops0))" 12

# The control: let everything from a's port past SpoofGuard and send the
# same frames again; now they arrive.
a_ofport=$(ck_ofport "$(ck_port a)")
seine_ofctl add-flow "table=10,priority=300,in_port=$a_ofport,ip,actions=goto_table:20"
got=$(udp_round ip-free mac-other)
ck_eq "with SpoofGuard bypassed, the spoofed datagrams do reach b (control)" \
    "$got" "{\"end\": 1, \"ip-free\": $n, \"mac-other\": $n}"
seine_ofctl del-flows --strict "table=10,priority=300,in_port=$a_ofport,ip"
got=$(udp_round honest ip-free)
ck_eq "SpoofGuard holds again once the bypass is gone" \
    "$got" "{\"end\": 1, \"honest\": $n}"
ck_done
