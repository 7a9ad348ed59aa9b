# shellcheck shell=bash disable=SC2016
# Assertions and probes shared by the node tests (source after lib.sh).
#
# Every assertion prints one TAP-style line, "ok N - what" or "not ok N -
# what" with the evidence, and a failed one ends the test (the library's
# EXIT trap then dumps the logs and tears the node down).  ck_done prints
# the count at the end.

CK_N=0
# shellcheck disable=SC2034  # read by the tests that source this file
# The flows of one pod attachment (dataplane/pipeline.c): classifier and
# SpoofGuard 3, ARPResponder 2, L3/L2 forwarding 2, hairpin 2.
CK_POD_FLOWS=9
CK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ck_pass() {
    CK_N=$((CK_N + 1))
    echo "ok $CK_N - $*"
}

# ck_fail WHAT [EVIDENCE]: the "not ok" line, then the test ends.
ck_fail() {
    CK_N=$((CK_N + 1))
    SEINE_FAILED="not ok $CK_N - $1"
    [ -z "${2:-}" ] || SEINE_FAILED+=$'\n'$(printf '%s\n' "$2" | sed 's/^/#   /')
    echo "$SEINE_FAILED"
    exit 1
}

ck_done() {
    echo "1..$CK_N"
}

# ck_result WHAT STATUS EVIDENCE: passes when STATUS is 0.
ck_result() {
    if [ "$2" == 0 ]; then
        ck_pass "$1"
    else
        ck_fail "$1" "$3"
    fi
}

# ck_ok WHAT CMD...: CMD succeeds.
ck_ok() {
    local what=$1 out rc=0; shift
    out=$("$@" 2>&1) || rc=$?
    ck_result "$what" "$rc" "exit $rc: $*"$'\n'"$out"
}

# ck_no WHAT CMD...: CMD fails.
ck_no() {
    local what=$1 out rc=0; shift
    out=$("$@" 2>&1) || rc=$?
    ck_result "$what" "$([ "$rc" != 0 ]; echo $?)" "succeeded: $*"$'\n'"$out"
}

ck_eq() {
    local what=$1 got=$2 want=$3
    ck_result "$what" "$([ "$got" == "$want" ]; echo $?)" "got '$got', want '$want'"
}

ck_ne() {
    local what=$1 got=$2 unwanted=$3
    ck_result "$what" "$([ "$got" != "$unwanted" ]; echo $?)" "got '$got', wanted anything else"
}

# ck_ge WHAT GOT MIN / ck_le WHAT GOT MAX: integer bounds.
ck_ge() {
    local what=$1 got=$2 min=$3
    ck_result "$what" "$([ "$got" -ge "$min" ] 2>/dev/null; echo $?)" "got $got, want >= $min"
}

ck_le() {
    local what=$1 got=$2 max=$3
    ck_result "$what" "$([ "$got" -le "$max" ] 2>/dev/null; echo $?)" "got $got, want <= $max"
}

# ck_reaches N CMD...: CMD prints a count of at least N.  Counters of
# flows and ports follow the datapath's with a delay: wait for them with
# seine_wait_until S ck_reaches N CMD...
ck_reaches() { local n=$1; shift; [ "$("$@")" -ge "$n" ] 2>/dev/null; }

# ck_empty WHAT VALUE: VALUE is empty (what is left, what is wrong).
ck_empty() {
    local what=$1 got=$2
    ck_result "$what" "$([ -z "$got" ]; echo $?)" "$got"
}

# ck_cni_code WHAT WANT_CODE CMD POD [IFNAME] [CONFIG]: seine-cni fails
# with the spec error code WANT_CODE.
ck_cni_code() {
    local what=$1 want=$2 got; shift 2
    if seine_cni "$@"; then
        ck_fail "$what" "exit 0, want code $want: $SEINE_CNI_OUT"
    fi
    got=$(jq -r '.code // empty' <<<"$SEINE_CNI_OUT" 2>/dev/null || true)
    if [ "$got" == "$want" ]; then
        ck_pass "$what (code $got: $(jq -r '.details // .msg' <<<"$SEINE_CNI_OUT"))"
    else
        ck_fail "$what" "exit $SEINE_CNI_RC, code '$got', want $want: $SEINE_CNI_OUT $SEINE_CNI_ERR"
    fi
}

# ck_cni_ok WHAT CMD POD [IFNAME] [CONFIG]: seine-cni succeeds.
ck_cni_ok() {
    local what=$1; shift
    if seine_cni "$@"; then
        ck_pass "$what"
    else
        ck_fail "$what" "exit $SEINE_CNI_RC: $SEINE_CNI_OUT $SEINE_CNI_ERR"
    fi
}

# ck_node_start_all_types: a node for every pod type this machine has: a
# DPDK node (vhost-user) when the DPDK build of ovs-vswitchd is installed,
# unless SEINE_TEST_DPDK=0.  Sets CK_DPDK (1 or 0) and CK_TYPES.
# shellcheck disable=SC2034  # read by the tests that source this file
ck_node_start_all_types() {
    CK_DPDK=${SEINE_TEST_DPDK:-1}
    [ -x "$SEINE_OVS_VSWITCHD_DPDK" ] || CK_DPDK=0
    if [ "$CK_DPDK" == 1 ]; then
        seine_node_start --dpdk
        CK_TYPES=(afxdp tap vhostuser)
    else
        seine_node_start
        CK_TYPES=(afxdp tap)
    fi
}

# ---------------------------------------------------------------------------
# What the agent made for an attachment

# ck_cid POD [IFNAME]: the container ID the runtime used.
ck_cid() {
    cat "$SEINE_RUN/pods/$1.${2:-eth0}.cid"
}

# ck_record POD [IFNAME]: the agent's pod record file (may not exist).
ck_record() {
    echo "$(seine_node_dir)/state/pods/$(ck_cid "$1" "${2:-eth0}")_${2:-eth0}.json"
}

# ck_port POD [IFNAME]: the attachment's OVS port, from the agent's record.
ck_port() {
    jq -r .portName "$(ck_record "$1" "${2:-eth0}")"
}

ck_ofport() {
    seine_vsctl get Interface "$1" ofport
}

ck_port_type() {
    seine_vsctl get Interface "$1" type
}

# ck_owner_of_ofport OFPORT: the owner part of the cookie (cookie >> 16,
# hex, no 0x) of the flow that classifies packets from OFPORT in table 0.
ck_owner_of_ofport() {
    local c
    c=$(seine_ofctl dump-flows "table=0,in_port=$1" \
        | sed -n 's/.*cookie=0x\([0-9a-f]*\),.*/\1/p' | sort -u)
    [ "$(wc -w <<<"$c")" == 1 ] || return 1
    printf '%x\n' $((0x$c >> 16))
}

# ck_flows_of OWNER: the flows whose cookie has owner part OWNER.
ck_flows_of() {
    seine_ofctl dump-flows "cookie=0x${1}0000/0xffffffffffff0000" | grep cookie= || true
}

ck_nflows_of() {
    local n
    n=$(ck_flows_of "$1" | grep -c cookie=) || true
    echo "${n:-0}"
}

# ck_flow_packets MATCH: n_packets of the single flow MATCH selects (e.g.
# "table=60,dl_dst=MAC"); "none" if there is not exactly one.
ck_flow_packets() {
    local out
    out=$(seine_ofctl dump-flows "$1" | sed -n 's/.*n_packets=\([0-9]*\),.*/\1/p')
    [ "$(wc -l <<<"$out")" == 1 ] && [ -n "$out" ] && echo "$out" || echo none
}

# ck_table_drops TABLE: n_packets of TABLE's priority-0 drop flow (to the
# Drop table).
ck_table_drops() {
    local out
    out=$(seine_ofctl dump-flows "table=$1" | grep ' priority=0 actions=.*goto_table:95' \
        | sed -n 's/.*n_packets=\([0-9]*\),.*/\1/p')
    [ "$(wc -l <<<"$out")" == 1 ] && [ -n "$out" ] && echo "$out" || echo none
}

# ck_gateway_mac: the MAC of the node's gateway port.
ck_gateway_mac() {
    seine_node_exec cat "/sys/class/net/$SEINE_GATEWAY_PORT/address"
}

# ck_rounds: the distinct rounds (the low 16 bits of the cookie, in hex)
# of the switch's flows, one a line.
ck_rounds() {
    seine_ofctl dump-flows | sed -n 's/.*cookie=0x[0-9a-f]*\([0-9a-f]\{4\}\),.*/\1/p' | sort -u
}

# ck_leftovers CID IFNAME PORT IP OWNER: what is left of an attachment
# after DEL, one item a line; empty when nothing is.
ck_leftovers() {
    local cid=$1 ifname=$2 port=$3 ip=$4 owner=$5 dir
    dir=$(seine_node_dir)
    if seine_node_exec ip link show dev "$port" >/dev/null 2>&1; then
        echo "host link $port"
    fi
    if [ -n "$(seine_vsctl --bare --columns=name find Port "name=$port")" ]; then
        echo "OVS port $port"
    fi
    if [ -n "$(seine_vsctl --bare --columns=name find Interface "name=$port")" ]; then
        echo "OVS interface $port"
    fi
    compgen -G "$dir/vhost/${cid:0:12}-$ifname-*" >/dev/null \
        && echo "vhost folder $(compgen -G "$dir/vhost/${cid:0:12}-$ifname-*")"
    [ -z "$ip" ] || ! ls "$dir"/state/ipam/*/"$ip" >/dev/null 2>&1 \
        || echo "IP allocation $ip"
    [ ! -e "$dir/state/pods/${cid}_$ifname.json" ] || echo "pod record ${cid}_$ifname"
    [ -z "$owner" ] || [ "$(ck_nflows_of "$owner")" == 0 ] \
        || echo "flows of owner $owner: $(ck_flows_of "$owner")"
}

# The name of a pod port and its host link (podstore_port_name()): "seine",
# 8 hex digits of the attachment's hash and 2 of the ADD's sequence number.
CK_POD_PORT_RE='^seine[0-9a-f]\{10\}$'

# ck_node_pod_links: the node namespace's links that look like pod ports.
ck_node_pod_links() {
    seine_node_exec ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' \
        | grep "$CK_POD_PORT_RE" | sort || true
}

ck_ovs_pod_ports() {
    seine_vsctl list-ports "$SEINE_BRIDGE" | grep "$CK_POD_PORT_RE" | sort || true
}

# ---------------------------------------------------------------------------
# Traffic

# ck_ping_ok SRC_POD DST_IP: one ping, retried for a second (first ARP).
ck_ping() {
    local pod=$1 dst=$2
    seine_pod_exec "$pod" ping -c1 -W1 "$dst" >/dev/null 2>&1 \
        || seine_pod_exec "$pod" ping -c2 -W1 "$dst" >/dev/null 2>&1
}

# ck_tcp_transfer SRC_POD DST_POD DST_IP PORT FILE: sends FILE over TCP
# (netcat) from SRC_POD to a listener in DST_POD and prints the sha256 of
# what arrived.
ck_tcp_transfer() {
    local src=$1 dst=$2 ip=$3 port=$4 file=$5 name out family=-4
    name=nc-$dst-$port
    out=$SEINE_RUN/bg/$name.data
    # netcat listens on one family: IPv4 unless told.
    [[ $ip != *:* ]] || family=-6
    seine_bg_start "$name" "$(seine_pod_netns "$dst")" \
        timeout 30 sh -c 'nc "$3" -d -l -p "$1" >"$2"' sh "$port" "$out" "$family"
    seine_wait_until 5 sh -c "ip netns exec '$(seine_pod_netns "$dst")' \
        ss -Hltn 'sport = :$port' | grep -q ." || true
    timeout 30 ip netns exec "$(seine_pod_netns "$src")" \
        nc -N -w 10 "$ip" "$port" <"$file" >/dev/null 2>&1 || true
    seine_wait_until 20 sh -c "! kill -0 $(cat "$SEINE_RUN/bg/$name.pid") 2>/dev/null" || true
    seine_bg_stop "$name"
    sha256sum <"$out" | cut -d' ' -f1
    rm -f "$out"
}

# ck_traffic_start TAG UDP_SRC UDP_DST TCP_SRC TCP_DST: for 6 s (iperf3),
# a UDP stream at 500 datagrams/s from UDP_SRC to UDP_DST and a TCP
# transfer from TCP_SRC to TCP_DST, in the background; ck_traffic_check
# TAG says how they went.
ck_traffic_start() {
    local tag=$1 usrc=$2 udst=$3 tsrc=$4 tdst=$5 uip tip
    uip=$(seine_pod_ip "$udst") tip=$(seine_pod_ip "$tdst")
    seine_bg_start "udp-srv-$tag" "$(seine_pod_netns "$udst")" iperf3 -s -1 -p 5301 -B "$uip"
    seine_bg_start "tcp-srv-$tag" "$(seine_pod_netns "$tdst")" iperf3 -s -1 -p 5302 -B "$tip"
    seine_wait_until 5 ck__listening "$udst" 5301
    seine_wait_until 5 ck__listening "$tdst" 5302
    seine_bg_start "udp-$tag" "$(seine_pod_netns "$usrc")" \
        iperf3 -c "$uip" -p 5301 -u -b 2M -l 500 -t 6 --json
    seine_bg_start "tcp-$tag" "$(seine_pod_netns "$tsrc")" \
        iperf3 -c "$tip" -p 5302 -t 6 --json
    CK_TRAFFIC_TYPES="$(seine_pod_type "$usrc") $(seine_pod_type "$tsrc")"
}

ck__listening() {
    ip netns exec "$(seine_pod_netns "$1")" ss -Hlnp "sport = :$2" | grep -q .
}

# ck_traffic_check TAG ACROSS: the UDP stream lost nothing, the TCP
# transfer ended well and moved data (ACROSS: what happened meanwhile,
# for the messages).
ck_traffic_check() {
    local tag=$1 across=$2 sent lost bytes utype ttype name
    read -r utype ttype <<<"$CK_TRAFFIC_TYPES"
    seine_bg_wait "udp-$tag" 15 || true
    seine_bg_wait "tcp-$tag" 15 || true
    sent=$(jq -r '.end.sum.packets // empty' "$SEINE_RUN/bg/udp-$tag.log" 2>/dev/null)
    lost=$(jq -r '.end.sum.lost_packets // empty' "$SEINE_RUN/bg/udp-$tag.log" 2>/dev/null)
    ck_ge "a UDP stream of 500 datagrams/s between $utype pods across $across: $sent sent" \
        "${sent:-0}" 2500
    ck_eq "... lost" "${lost:-no result}" 0
    bytes=$(jq -r '.end.sum_received.bytes // empty' "$SEINE_RUN/bg/tcp-$tag.log" 2>/dev/null)
    ck_ok "a 6 s TCP transfer between $ttype pods across $across completes ($bytes bytes)" \
        test -z "$(jq -r '.error // empty' "$SEINE_RUN/bg/tcp-$tag.log" 2>/dev/null)" \
        -a "${bytes:-0}" -gt 1000000
    for name in "udp-$tag" "tcp-$tag" "udp-srv-$tag" "tcp-srv-$tag"; do
        seine_bg_stop "$name"
    done
}

# ck_tcp_both_ways POD_A POD_B WHERE: 4 MB of random bytes over TCP from
# POD_A to POD_B and back (ports 5001, 5002), sha256 compared; WHERE says
# what they cross.
ck_tcp_both_ways() {
    local a=$1 b=$2 where=$3 data want
    data=$SEINE_RUN/data.bin
    head -c 4194304 /dev/urandom >"$data"
    want=$(sha256sum <"$data" | cut -d' ' -f1)
    ck_eq "4 MB TCP $a -> $b $where, sha256 equal" \
        "$(ck_tcp_transfer "$a" "$b" "$(seine_pod_ip "$b")" 5001 "$data")" "$want"
    ck_eq "4 MB TCP $b -> $a $where, sha256 equal" \
        "$(ck_tcp_transfer "$b" "$a" "$(seine_pod_ip "$a")" 5002 "$data")" "$want"
}

# ck_underlay_path MODE: node1's packets to node2's pods went the way MODE
# (geneve, vxlan or noEncap) sends them: a datapath flow that pushes the
# tunnel header, or node1's route to node2's pod subnet via its node IP.
ck_underlay_path() {
    if [ "$1" == noEncap ]; then
        ck_eq "noEncap: node1 routes node2's pod subnet via its node IP" \
            "$(ip -n "$(seine_node_netns node1)" route show 10.244.2.0/24 | sed "s/ *$//")" \
            "10.244.2.0/24 via 192.168.100.2 dev br-phy"
    else
        ck_ok "they went out encapsulated (a datapath flow pushes the $1 header)" \
            sh -c "ovs-appctl -t $(seine_node_dir node1)/ovs-vswitchd.ctl dpctl/dump-flows | grep -q 'tnl_push(.*$1'"
    fi
}

# ck_publish_pod POD NODE: POD's object (labelled app=POD, on NODE) with its
# address, for the current node's model, as the API server publishes it.
ck_publish_pod() {
    local ips ip6
    ips="{ip: $(seine_pod_ip "$1")}"
    ip6=$(seine_pod_ip6 "$1")
    [ -z "$ip6" ] || ips+=", {ip: \"$ip6\"}"
    ck_manifest "pod-$1.yaml" "apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: default, labels: {app: $1}}
spec: {nodeName: $2}
status: {podIP: $(seine_pod_ip "$1"), podIPs: [$ips]}"
}

# ck_remote_service NAME VIP IP NODE: ClusterIP Service NAME (TCP 80 ->
# 8080) whose one endpoint is IP on NODE, in the current node's model.
ck_remote_service() {
    ck_manifest "svc-$1.yaml" "apiVersion: v1
kind: Service
metadata: {name: $1, namespace: default}
spec:
  clusterIP: $2
  ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: $1-1, namespace: default, labels: {kubernetes.io/service-name: $1}}
addressType: IPv4
ports: [{name: http, protocol: TCP, port: 8080}]
endpoints: [{addresses: [\"$3\"], nodeName: $4, conditions: {ready: true}}]"
}

# ck_sendframe POD ARGS...: tests/integration/sendframe.py in POD's namespace.
ck_sendframe() {
    local pod=$1; shift
    seine_pod_exec "$pod" python3 "$CK_HERE/sendframe.py" "$@"
}

# ---------------------------------------------------------------------------
# testpmd with options of our own

# ck_testpmd_start POD MODE [TESTPMD_ARGS...]: seine_testpmd_start for the
# pod's eth0, with extra testpmd application arguments (after --), e.g.
# --eth-peer=0,MAC --tx-ip=SRC,DST for txonly.
ck_testpmd_start() {
    local pod=$1 mode=$2 sock; shift 2
    sock=$(seine_pod_socket "$pod" eth0)
    [ -n "$sock" ] || seine_fail "pod $pod/eth0 has no vhost-user socketPath"
    seine_testpmd_start_at "$pod" "$sock" "$mode" "$(seine_pod_mac "$pod" eth0)" eth0 "$@"
}

# ck_snapshot: what the node holds for pods, one item a line (links, OVS
# ports, vhost-user folders, IP allocations, pod records, flow owners), to
# compare before and after an operation that must leave nothing.
ck_snapshot() {
    local dir
    dir=$(seine_node_dir)
    ck_node_pod_links | sed 's/^/link /'
    ck_ovs_pod_ports | sed 's/^/port /'
    seine_vsctl --bare --columns=name list Interface | grep . | sort | sed 's/^/iface /'
    (cd "$dir/vhost" && ls -1) | sed 's/^/vhost /'
    (cd "$dir/state" && find ipam pods -type f ! -name last | sort) | sed 's/^/state /'
    seine_ofctl dump-flows | sed -n 's/.*cookie=0x\([0-9a-f]*\)[0-9a-f]\{4\},.*/owner \1/p' | sort -u
}

# ck_recompute: what the agent computed incrementally is what a full
# computation gives: "recompute" drops every incremental state, computes
# every desired flow from scratch and needs no change to the switch, whose
# flows and groups are as they were (learned affinity flows aside: they
# are the switch's).
ck_recompute() {
    local before after out
    before=$(ck__switch_state)
    out=$(seine_appctl -t seine-agent recompute) \
        || ck_fail "recompute on $SEINE_NODE" "$out"
    ck_eq "$SEINE_NODE: incremental flows equal a full computation ($out)" \
        "$(sed -n 's/.*; \([0-9]*\) changes.*/\1/p' <<<"$out")" 0
    after=$(ck__switch_state)
    ck_eq "... and the switch's flows and groups are unchanged by recompute" \
        "$after" "$before"
}

ck__switch_state() {
    { seine_ofctl dump-flows --no-stats; seine_ofctl dump-groups; } \
        | { grep -v '^OFPST\|cookie=0x5' || true; } | sort
}

# ck_pod_prepare [--namespace NS] [--annotation KEY=VALUE]... POD: what
# seine_pod_add does before ADD (namespace, Pod manifest, files), for a
# test that runs ADD itself (because it expects it to fail, or times it).
ck_pod_prepare() {
    local annotations=() k8sns=default pod f
    while true; do
        case ${1:-} in
        --annotation) annotations+=("$2") ;;
        --namespace) k8sns=$2 ;;
        *) break ;;
        esac
        shift 2
    done
    pod=$1
    f=$(seine__pod_file "$pod")
    echo "${SEINE_NS_PREFIX}$pod" >"$f.netns"
    echo "$k8sns" >"$f.k8sns"
    seine__uuid >"$f.uid"
    echo "$SEINE_NODE" >"$f.node"
    seine__pod_manifest "$pod" "${annotations[@]}"
    seine_netns_add "$(seine_pod_netns "$pod")"
}

# ---------------------------------------------------------------------------
# Assertions that do not end the test, for tests that report every case of
# a table before failing

CK_FAILED=0

# ck_check WHAT STATUS EVIDENCE: like ck_result, but a failure is counted
# and the test goes on; ck_finish ends it.
ck_check() {
    CK_N=$((CK_N + 1))
    if [ "$2" == 0 ]; then
        echo "ok $CK_N - $1"
        return 0
    fi
    CK_FAILED=$((CK_FAILED + 1))
    echo "not ok $CK_N - $1"
    [ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/#   /'
}

# ck_finish: the count; fails (status 1) when any ck_check failed.
ck_finish() {
    ck_done
    [ "$CK_FAILED" == 0 ] || { echo "# $CK_FAILED of $CK_N checks failed"; return 1; }
}

# ---------------------------------------------------------------------------
# Policy probes: real TCP connections between pod namespaces, and policies
# written into the node's manifests folder as a state source sees them

# ck_listen PORT POD...: a TCP listener (nc -lk) on PORT in each POD.
ck_listen() {
    local port=$1 pod; shift
    for pod in "$@"; do
        seine_bg_start "listen-$pod-$port" "$(seine_pod_netns "$pod")" \
            nc -lk -p "$port"
    done
    seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns "$pod") \
        ss -Hltn 'sport = :$port' | grep -q ."
}

# ck_tcp SRC_POD DST_IP PORT: a TCP connection from SRC_POD succeeds.
ck_tcp() {
    seine_pod_exec "$1" timeout 3 nc -z -w 1 "$2" "$3" >/dev/null 2>&1
}

ck__tcp_refused() { ! ck_tcp "$@"; }

# ck_expect_tcp WHAT ok|no SRC_POD DST_IP PORT: the connection's verdict
# becomes the expected one within 5 s (inotify, resolution, the bundle).
ck_expect_tcp() {
    local what=$1 want=$2; shift 2
    if [ "$want" == ok ]; then
        if seine_wait_until 5 ck_tcp "$@"; then
            ck_pass "$what"
        else
            ck_fail "$what" "connection $* refused or timed out"
        fi
    elif seine_wait_until 5 ck__tcp_refused "$@"; then
        ck_pass "$what"
    else
        ck_fail "$what" "connection $* still succeeds"
    fi
}

# ck_policy_admits DST DST_IP PORT ADMIT DENY WHERE: with no policy, pod
# DENY reaches DST at DST_IP:PORT; a NetworkPolicy on the current node
# isolating app=DST and admitting app=ADMIT drops DENY's connections and
# lets ADMIT's through; once it is gone DENY gets through again.  WHERE
# says which path the checks take (for their names).
ck_policy_admits() {
    local dst=$1 ip=$2 port=$3 admit=$4 deny=$5 where=$6
    ck_expect_tcp "no policy: $deny -> $dst:$port ($where)" ok "$deny" "$ip" "$port"
    ck_netpol "$dst-ingress" "  podSelector: {matchLabels: {app: $dst}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: $admit}}}]"
    ck_expect_tcp "policy admitting app=$admit: $deny -> $dst:$port dropped" \
        no "$deny" "$ip" "$port"
    ck_expect_tcp "... and $admit -> $dst:$port allowed" ok "$admit" "$ip" "$port"
    rm -f "$(seine_node_dir)/manifests/np-$dst-ingress.yaml"
    ck_expect_tcp "policy removed: $deny -> $dst:$port again" ok "$deny" "$ip" "$port"
}

# ck_manifest FILE CONTENT: writes FILE into the node's manifests folder
# atomically (temporary file, then rename).
ck_manifest() {
    local dir
    dir=$(seine_node_dir)/manifests
    printf '%s\n' "$2" >"$dir/$1.tmp" && mv "$dir/$1.tmp" "$dir/$1"
}

# ck_netpol NAME SPEC: NetworkPolicy NAME in namespace default; SPEC is the
# YAML body of its spec, indented by two spaces.
# ck_web_service VIP IP [NODE]: Service default/web (TCP 80 -> 8080, pods
# app=b) and its EndpointSlice with endpoint IP ready on NODE (default:
# this node).
ck_web_service() {
    ck_manifest svc-web.yaml "apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: $1
  selector: {app: b}
  ports:
  - {name: http, protocol: TCP, port: 80, targetPort: 8080}"
    ck_manifest slice-web-1.yaml "apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: default
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports:
- {name: http, protocol: TCP, port: 8080}
endpoints:
- addresses: [\"$2\"]
  nodeName: ${3:-$SEINE_NODE}
  conditions: {ready: true}"
}

# ck_cnp NAME SPEC: ClusterNetworkPolicy NAME; SPEC is the YAML body of its
# spec, indented by two spaces.
ck_cnp() {
    ck_manifest "cnp-$1.yaml" "$(printf 'apiVersion: policy.networking.k8s.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata:\n  name: %s\nspec:\n%s' "$1" "$2")"
}

# ck_trace_counter_start POD: an nftables counter in POD's namespace of
# every packet with a DSCP a Traceflow tag uses (odd, 3..63);
# ck_trace_counter POD: its packets.
ck_trace_counter_start() {
    seine_pod_exec "$1" nft -f - <<'NFT'
table inet tf {
    counter traced { }
    chain in {
        type filter hook prerouting priority -300;
        ip dscp { 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39, 41, 43, 45, 47, 49, 51, 53, 55, 57, 59, 61, 63 } counter name traced
    }
}
NFT
}
ck_trace_counter() {
    seine_pod_exec "$1" nft -j list counter inet tf traced \
        | jq '.nftables[] | select(.counter) | .counter.packets'
}

ck_netpol() {
    ck_manifest "np-$1.yaml" "$(printf 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: %s\n  namespace: default\nspec:\n%s' "$1" "$2")"
}
