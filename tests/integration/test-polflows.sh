#!/bin/bash
# Policy rules as conjunctive flows on a real ovs-vswitchd: runs the
# polflows smoke program (argument 1) in phases against a private
# ovsdb-server and ovs-vswitchd, started inside a network namespace this
# script creates and deletes, and between the phases asks the switch with
# ofproto/trace where packets go.  Needs root.

smoke=$(realpath "$1")
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
seine_test_begin polflows
# A node with OVS only: the smoke program plays the agent.
seine_node_start --no-agent
dir=$(seine_node_dir)
export OVS_RUNDIR=$dir
in_ns() { seine_node_exec "$@"; }
bridge=br-pol
failures=0
n=0

result() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failures=$((failures + 1))
    fi
}

phase() {
    echo "# phase $1"
    if in_ns "$smoke" "unix:$dir/db.sock" "$dir" "$1" | sed 's/^/    /'; then
        result 0 "smoke phase $1"
    else
        result 1 "smoke phase $1"
    fi
}

# The pods: a 10.244.1.11 on ofport 11, b .12 on 12, c .13 on 13; every
# pod sends to the gateway MAC.
ip_of() { echo "10.244.1.$((10 + $1))"; }
mac_of() { printf '0a:58:0a:f4:01:%02x' "$((10 + $1))"; }
pod_no() { case $1 in a) echo 1 ;; b) echo 2 ;; c) echo 3 ;; esac; }

# trace FROM TO PROTO PORT: the switch's trace of a new connection.
trace() {
    local from to proto flags=
    from=$(pod_no "$1") to=$(pod_no "$2")
    # A new TCP connection's first packet is a SYN (ConntrackState drops
    # a policed pod's TCP picked up without one).
    case $3 in tcp) proto=6 flags=,tcp_flags=0x002 ;; udp) proto=17 ;; esac
    in_ns ovs-appctl -t "$dir/ovs-vswitchd.ctl" ofproto/trace "$bridge" \
        "in_port=$((10 + from)),ip,nw_proto=$proto,dl_src=$(mac_of "$from"),dl_dst=0a:58:0a:f4:01:01,nw_src=$(ip_of "$from"),nw_dst=$(ip_of "$to"),nw_ttl=64,${3}_src=40000,${3}_dst=$4$flags" 2>&1 || true
}

# expect_allowed FROM TO PROTO PORT CONJ_ID...: the packet completes each
# conjunction given and leaves through the destination pod's port.
expect_allowed() {
    local from=$1 to=$2 proto=$3 port=$4 out ok=0 id
    shift 4
    out=$(trace "$from" "$to" "$proto" "$port")
    for id in "$@"; do
        grep -q "conj_id=$id" <<<"$out" || ok=1
    done
    grep -q "^ *50\. " <<<"$out" || ok=1
    grep -q "output:NXM_NX_REG1" <<<"$out" || ok=1
    grep -q "^Datapath actions: drop" <<<"$out" && ok=1
    [ "$ok" = 0 ] || while IFS= read -r line; do echo "# $line"; done <<<"$out"
    result "$ok" "$from -> $to $proto $port allowed by conjunction $* and output"
}

# expect_dropped FROM TO PROTO PORT TABLE PATTERN: the packet ends in a
# drop in TABLE, on a flow matching PATTERN (which sends it to the Drop
# table, 95).
expect_dropped() {
    local out ok=0
    out=$(trace "$1" "$2" "$3" "$4")
    grep -A3 -E "^ *$5\. .*$6" <<<"$out" | grep -q "goto_table:95" || ok=1
    grep -q "^Datapath actions: drop" <<<"$out" || ok=1
    grep -q "output:NXM_NX_REG1" <<<"$out" && ok=1
    [ "$ok" = 0 ] || while IFS= read -r line; do echo "# $line"; done <<<"$out"
    result "$ok" "$1 -> $2 $3 $4 dropped in table $5"
}

# clause_actions MATCH: the actions of the egress clause flow MATCH.
clause_actions() {
    in_ns ovs-ofctl -O OpenFlow15 --no-stats dump-flows "$bridge" table=40 \
        | grep -F " priority=100,$1 actions=" | grep -o 'actions=.*' || true
}

phase install

got=$(clause_actions "ip,nw_src=$(ip_of 1)")
[ "$got" = "actions=conjunction(101,1/3),conjunction(102,1/3)" ]
result $? "pod a's clause flow is shared: $got"

expect_allowed a b tcp 80 101 201
expect_allowed a b tcp 1999 101 201
expect_allowed a c udp 53 102
expect_dropped a b tcp 81 41 "nw_src=$(ip_of 1)"
expect_dropped a b tcp 2000 41 "nw_src=$(ip_of 1)"
expect_dropped a b tcp 1500 40 "conj_id=103"
expect_dropped a c udp 54 41 "nw_src=$(ip_of 1)"
expect_dropped c b tcp 80 41 "nw_src=$(ip_of 3)"
# c's egress is isolated and rule 102 lets c reach only c
expect_dropped c b udp 53 41 "nw_src=$(ip_of 3)"

phase traffic
phase remove

got=$(clause_actions "ip,nw_src=$(ip_of 1)")
[ "$got" = "actions=conjunction(101,1/3)" ]
result $? "removing rule 102 left only 101 in pod a's clause: $got"
got=$(clause_actions "ip,nw_src=$(ip_of 3)")
[ -z "$got" ]
result $? "pod c's clause flow (only rule 102's) is gone"
expect_allowed a b tcp 80 101 201
expect_dropped a c udp 53 41 "nw_src=$(ip_of 1)"

echo "# $failures failed"
[ "$failures" = 0 ]
