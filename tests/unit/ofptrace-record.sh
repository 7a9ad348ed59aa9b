#!/usr/bin/env bash
# Records the ofproto/trace answers test_ofptrace.c parses, from a real
# ovs-vswitchd, into tests/unit/ofptrace_*.trace (C string literals, as
# the test includes them).  Needs root: it starts its own ovsdb-server
# and ovs-vswitchd in a network namespace of its own, loads flows shaped
# like Seine's pipeline (docs/pipeline.md) and stops and deletes all of it
# at the end.  Run it again after an OVS upgrade and look at the diff.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/ofptrace-record.XXXXXX)
ns=seine-ofptrace-rec
db="unix:$dir/db.sock"

cleanup() {
    local pidfile
    for pidfile in "$dir/ovs-vswitchd.pid" "$dir/ovsdb-server.pid"; do
        if [ -s "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
        fi
    done
    sleep 1
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

in_ns() { ip netns exec "$ns" env OVS_RUNDIR="$dir" OVS_DBDIR="$dir" OVS_LOGDIR="$dir" "$@"; }
vsctl() { ovs-vsctl --db="$db" "$@"; }
appctl() { ovs-appctl -t "$dir/ovs-vswitchd.ctl" "$@"; }
ofctl() { ovs-ofctl -O OpenFlow15 "$1" "unix:$dir/br-int.mgmt" "${@:2}"; }

ip netns add "$ns"
ip -n "$ns" link set lo up
ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
in_ns ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
    --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
    --log-file="$dir/ovsdb-server.log" -vconsole:off --detach
vsctl --no-wait init
in_ns /usr/lib/openvswitch-switch/ovs-vswitchd "$db" \
    --pidfile="$dir/ovs-vswitchd.pid" --unixctl="$dir/ovs-vswitchd.ctl" \
    --log-file="$dir/ovs-vswitchd.log" -vconsole:off --detach

# br-int: gateway 1, geneve tunnel 2, pods 3-5 (10.244.1.2-4), and port 9
# the pipeline does not know.  br-phy holds the node address
# 192.168.100.1, so that tunnel output is encapsulated (tnl_push).
brargs=(datapath_type=netdev fail_mode=secure protocols=OpenFlow15)
vsctl add-br br-int -- set bridge br-int "${brargs[@]}" \
    -- add-port br-int seine-gw0 -- set interface seine-gw0 type=internal ofport_request=1 \
    -- add-port br-int seine-tun0 -- set interface seine-tun0 type=geneve \
       options:remote_ip=flow options:key=flow ofport_request=2 \
    -- add-port br-int pod1 -- set interface pod1 type=internal ofport_request=3 \
    -- add-port br-int pod2 -- set interface pod2 type=internal ofport_request=4 \
    -- add-port br-int pod3 -- set interface pod3 type=internal ofport_request=5 \
    -- add-port br-int stray0 -- set interface stray0 type=internal ofport_request=9 \
    -- add-br br-phy -- set bridge br-phy "${brargs[@]}" \
       other_config:hwaddr=0a:58:c0:a8:64:01 \
    -- add-port br-phy u0 -- set interface u0 type=internal \
    -- add-br br-empty -- set bridge br-empty "${brargs[@]}"
for dev in seine-gw0 pod1 pod2 pod3 stray0 br-phy u0; do
    ip -n "$ns" link set "$dev" up
done
ip -n "$ns" addr add 192.168.100.1/24 dev br-phy
ovs-ofctl -O OpenFlow15 add-flow "unix:$dir/br-phy.mgmt" priority=0,actions=NORMAL
for _ in $(seq 50); do
    appctl ovs/route/show | grep -q '192.168.100.0/24' && break
    sleep 0.1
done
appctl tnl/arp/set br-phy 192.168.100.2 0a:58:c0:a8:64:02 >/dev/null

# Cookies: kind 1 node, 2 pod, 3 policy rule, 4 service (dataplane/cookie.h).
ofctl add-groups - <<'EOF'
group_id=4,type=select,selection_method=dp_hash,bucket=bucket_id:0,actions=load:0xaf40104->NXM_NX_REG3[],load:0x1f90->NXM_NX_REG4[0..15],load:0x4->NXM_NX_REG4[16..31],load:0x1->NXM_NX_REG0[4],resubmit(,31)
group_id=6,type=select,selection_method=hash,fields=ip_src,bucket=bucket_id:0,actions=load:0xaf40104->NXM_NX_REG3[],load:0x1f90->NXM_NX_REG4[0..15],load:0x6->NXM_NX_REG4[16..31],load:0x1->NXM_NX_REG0[4],resubmit(,31)
EOF
ofctl add-flows - <<'EOF'
cookie=0x1000000000010001,table=0,priority=200,ip,in_port=1 actions=set_field:0x2/0xf->reg0,goto_table:20
cookie=0x1000000000010001,table=0,priority=200,ip,in_port=2 actions=set_field:0x3/0xf->reg0,set_field:0a:58:0a:f4:01:01->eth_dst,goto_table:20
cookie=0x2000000000070001,table=0,priority=190,in_port=3 actions=set_field:0x1/0xf->reg0,goto_table:10
cookie=0x2000000000080001,table=0,priority=190,in_port=4 actions=set_field:0x1/0xf->reg0,goto_table:10
cookie=0x2000000000090001,table=0,priority=190,in_port=5 actions=set_field:0x1/0xf->reg0,goto_table:10
cookie=0x1000000000010001,table=0,priority=0 actions=drop
cookie=0x2000000000070001,table=10,priority=200,ip,in_port=3,dl_src=0a:58:0a:f4:01:02,nw_src=10.244.1.2 actions=goto_table:20
cookie=0x2000000000080001,table=10,priority=200,ip,in_port=4,dl_src=0a:58:0a:f4:01:03,nw_src=10.244.1.3 actions=goto_table:20
cookie=0x2000000000090001,table=10,priority=200,ip,in_port=5,dl_src=0a:58:0a:f4:01:04,nw_src=10.244.1.4 actions=goto_table:20
cookie=0x1000000000010001,table=10,priority=0 actions=drop
cookie=0x1000000000010001,table=20,priority=200,ip,nw_dst=169.254.169.252 actions=ct(zone=65002,nat,table=20)
cookie=0x1000000000010001,table=20,priority=100,ip actions=ct(zone=65001,nat,table=21)
cookie=0x1000000000010001,table=20,priority=0 actions=drop
cookie=0x1000000000010001,table=21,priority=210,ct_state=+inv+trk actions=drop
cookie=0x1000000000010001,table=21,priority=200,ct_state=-new+trk actions=goto_table:50
cookie=0x1000000000010001,table=21,priority=0 actions=goto_table:30
cookie=0x4000000000040001,table=30,priority=200,tcp,nw_dst=10.96.0.10,tp_dst=80 actions=group:4
cookie=0x4000000000060001,table=30,priority=200,tcp,nw_dst=10.96.0.11,tp_dst=80 actions=group:6
cookie=0x1000000000010001,table=30,priority=0 actions=goto_table:31
cookie=0x4000000000040001,table=31,priority=200,tcp,reg0=0x10/0x10,reg3=0xaf40104,reg4=0x41f90 actions=ct(commit,zone=65001,nat(dst=10.244.1.4:8080),table=35)
cookie=0x4000000000060001,table=31,priority=200,tcp,reg0=0x10/0x10,reg3=0xaf40104,reg4=0x61f90 actions=ct(commit,zone=65001,nat(dst=10.244.1.4:8080),table=35)
cookie=0x1000000000010001,table=31,priority=0 actions=goto_table:35
cookie=0x1000000000010001,table=35,priority=0 actions=goto_table:40
cookie=0x3000000000050001,table=40,priority=1000,ip,reg0=0x1/0xf,nw_src=10.244.1.2 actions=conjunction(5,1/2)
cookie=0x3000000000050001,table=40,priority=1000,tcp,tp_dst=8080 actions=conjunction(5,2/2)
cookie=0x3000000000050001,table=40,priority=1000,conj_id=5,ip actions=goto_table:50
cookie=0x1000000000010001,table=40,priority=0 actions=goto_table:41
cookie=0x3000000000010001,table=41,priority=100,ip,reg0=0x1/0xf,nw_src=10.244.1.2 actions=drop
cookie=0x1000000000010001,table=41,priority=0 actions=goto_table:42
cookie=0x1000000000010001,table=42,priority=0 actions=goto_table:50
cookie=0x2000000000070001,table=50,priority=200,ip,reg0=0x1/0xf,dl_dst=0a:58:0a:f4:01:01,nw_dst=10.244.1.2 actions=mod_dl_src:0a:58:0a:f4:01:01,mod_dl_dst:0a:58:0a:f4:01:02,dec_ttl,goto_table:60
cookie=0x2000000000080001,table=50,priority=200,ip,reg0=0x1/0xf,dl_dst=0a:58:0a:f4:01:01,nw_dst=10.244.1.3 actions=mod_dl_src:0a:58:0a:f4:01:01,mod_dl_dst:0a:58:0a:f4:01:03,dec_ttl,goto_table:60
cookie=0x2000000000090001,table=50,priority=200,ip,reg0=0x1/0xf,dl_dst=0a:58:0a:f4:01:01,nw_dst=10.244.1.4 actions=mod_dl_src:0a:58:0a:f4:01:01,mod_dl_dst:0a:58:0a:f4:01:04,dec_ttl,goto_table:60
cookie=0x1000000000020001,table=50,priority=190,ip,dl_dst=0a:58:0a:f4:01:01,nw_dst=10.244.2.0/24 actions=set_field:0a:58:0a:f4:01:01->eth_src,dec_ttl,set_field:192.168.100.2->tun_dst,set_field:0x2->reg1,goto_table:80
cookie=0x1000000000010001,table=50,priority=0 actions=goto_table:60
cookie=0x1000000000010001,table=60,priority=200,dl_dst=0a:58:0a:f4:01:01 actions=set_field:0x1->reg1,goto_table:65
cookie=0x2000000000070001,table=60,priority=200,dl_dst=0a:58:0a:f4:01:02 actions=set_field:0x3->reg1,goto_table:65
cookie=0x2000000000080001,table=60,priority=200,dl_dst=0a:58:0a:f4:01:03 actions=set_field:0x4->reg1,goto_table:65
cookie=0x2000000000090001,table=60,priority=200,dl_dst=0a:58:0a:f4:01:04 actions=set_field:0x5->reg1,goto_table:65
cookie=0x1000000000010001,table=60,priority=0 actions=drop
cookie=0x1000000000010001,table=65,priority=40010,ct_state=-new+trk actions=goto_table:80
cookie=0x1000000000010001,table=65,priority=40000,reg0=0x2/0xf actions=goto_table:80
cookie=0x1000000000010001,table=65,priority=0 actions=goto_table:70
cookie=0x1000000000010001,table=70,priority=0 actions=goto_table:71
cookie=0x3000000000020001,table=71,priority=100,ip,reg1=0x4 actions=drop
cookie=0x1000000000010001,table=71,priority=0 actions=goto_table:72
cookie=0x1000000000010001,table=72,priority=0 actions=goto_table:80
cookie=0x1000000000010001,table=80,priority=100,ct_state=+new+trk,ip actions=ct(commit,zone=65001),goto_table:90
cookie=0x1000000000010001,table=80,priority=0 actions=goto_table:90
cookie=0x1000000000010001,table=90,priority=0 actions=output:NXM_NX_REG1[]
EOF

# record NAME BRIDGE FLOW [OPTION...]: the trace, as C string literals.
record() {
    local name=$1 bridge=$2 flow=$3
    appctl ofproto/trace "${@:4}" "$bridge" "$flow" \
        | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' \
        >"$out/ofptrace_$name.trace"
    echo "ofptrace_$name.trace"
}
pod1=in_port=3,dl_src=0a:58:0a:f4:01:02,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.2,nw_ttl=64
pod3=in_port=5,dl_src=0a:58:0a:f4:01:04,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.4,nw_ttl=64
record allowed br-int "tcp,$pod1,nw_dst=10.244.1.4,tp_src=40000,tp_dst=8080"
record established br-int "tcp,$pod1,nw_dst=10.244.1.4,tp_src=40000,tp_dst=8080" \
    --ct-next trk,est
record policy_drop br-int "tcp,$pod1,nw_dst=10.244.1.4,tp_src=40002,tp_dst=22"
record ingress_drop br-int "tcp,$pod3,nw_dst=10.244.1.3,tp_src=40003,tp_dst=80"
record service br-int "tcp,$pod1,nw_dst=10.96.0.11,tp_src=40001,tp_dst=80"
record service_dphash br-int "tcp,$pod1,nw_dst=10.96.0.10,tp_src=40001,tp_dst=80"
record tunnel br-int "udp,$pod3,nw_dst=10.244.2.5,nw_tos=32,udp_src=5353,udp_dst=53"
record classifier_drop br-int \
    "tcp,in_port=9,dl_src=0a:58:0a:f4:01:09,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.9,nw_dst=10.244.1.4,tp_dst=8080"
record no_flows br-empty "ip,in_port=LOCAL,nw_src=10.244.1.1,nw_dst=10.244.1.4"
record ttl_expired br-int "tcp,${pod1/nw_ttl=64/nw_ttl=1},nw_dst=10.244.1.4,tp_src=40004,tp_dst=8080"
