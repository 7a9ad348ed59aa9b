#!/bin/bash
# The kernel side of a pod attachment, for real: podif_smoke runs inside a
# "node" namespace and wires a veth into a "pod" namespace; ip(8) and
# ethtool(8) then check what the pod would see.  Needs root; both
# namespaces are removed on every exit.
#
# usage: test-podif.sh PATH/TO/podif_smoke
set -u

SMOKE=${1:?usage: test-podif.sh PATH/TO/podif_smoke}

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null \
   || ! command -v ethtool >/dev/null; then
    echo "SKIP: needs root, ip and ethtool"
    exit 77
fi

NODE=seine-t-podif-$$
POD=seine-t-podifpod-$$
POD_PATH=/var/run/netns/$POD

HOSTIF=seinep0
MAC=0a:58:0a:63:00:02
IP=10.99.0.2
GW=10.99.0.1
MTU=1400

passed=0
cleanup() {
    ip netns del "$NODE" 2>/dev/null
    ip netns del "$POD" 2>/dev/null
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "$passed passed, 1 failed"
    exit 1
}
ok() {
    echo "ok: $*"
    passed=$((passed + 1))
}

in_node() { ip netns exec "$NODE" "$@"; }
in_pod() { ip netns exec "$POD" "$@"; }
smoke() { in_node "$SMOKE" "$@"; }

# Runs podif_smoke in the node namespace and compares its exit status.
expect_rc() {
    local want=$1 what=$2
    shift 2
    local rc=0
    smoke "$@" || rc=$?
    [ "$rc" = "$want" ] || fail "$what: exit status $rc, expected $want"
    ok "$what"
}

link_up() {             # NETNS IFNAME
    ip -n "$1" -o link show dev "$2" 2>/dev/null | grep -q '[<,]UP[,>]'
}
link_exists() {         # NETNS IFNAME
    ip -n "$1" link show dev "$2" >/dev/null 2>&1
}
link_names() {          # NETNS
    ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' \
        | sort | tr '\n' ' '
}

ip netns add "$NODE" || fail "cannot create namespace $NODE"
ip netns add "$POD" || fail "cannot create namespace $POD"

# --- create ---------------------------------------------------------------
expect_rc 0 "create veth" create $HOSTIF "$POD_PATH" eth0 $IP/24 $GW $MTU $MAC

link_exists "$POD" eth0 || fail "no eth0 in the pod namespace"
ok "eth0 exists in the pod namespace"
link_up "$POD" eth0 || fail "eth0 is not up"
link_up "$POD" lo || fail "lo is not up in the pod namespace"
ok "eth0 and lo are up"
ip -n "$POD" -o link show dev eth0 | grep -q "mtu $MTU " \
    || fail "eth0 MTU is not $MTU"
ip -n "$POD" -o link show dev eth0 | grep -q "link/ether $MAC " \
    || fail "eth0 MAC is not $MAC"
ok "eth0 has MTU $MTU and MAC $MAC"
ip -n "$POD" -o -4 addr show dev eth0 | grep -q "inet $IP/24 " \
    || fail "eth0 lacks $IP/24: $(ip -n "$POD" -o -4 addr show dev eth0)"
ok "eth0 has $IP/24"
route=$(ip -n "$POD" -4 route show default | sed 's/ *$//')
[ "$route" = "default via $GW dev eth0" ] \
    || fail "default route: '$route'"
ok "default route via $GW dev eth0"
in_pod ethtool -k eth0 | grep -q '^tx-checksumming: off' \
    || fail "tx checksumming is on: $(in_pod ethtool -k eth0 | grep tx-check)"
ok "tx-checksumming off on eth0"

link_up "$NODE" $HOSTIF || fail "host side $HOSTIF is not up"
ip -n "$NODE" -o link show dev $HOSTIF | grep -q "mtu $MTU " \
    || fail "host side MTU is not $MTU"
ok "host side $HOSTIF up with MTU $MTU"
if [ -e /proc/sys/net/ipv6 ]; then
    [ "$(in_node cat /proc/sys/net/ipv6/conf/$HOSTIF/disable_ipv6)" = 1 ] \
        || fail "IPv6 is enabled on $HOSTIF"
    [ -z "$(ip -n "$NODE" -6 addr show dev $HOSTIF)" ] \
        || fail "$HOSTIF has an IPv6 address"
    ok "no IPv6 on the host side"
fi
[ "$(link_names "$NODE")" = "lo $HOSTIF " ] \
    || fail "node namespace links: $(link_names "$NODE")"
[ "$(link_names "$POD")" = "eth0 lo " ] \
    || fail "pod namespace links: $(link_names "$POD")"
ok "no temporary link left in either namespace"

# The pod reaches its gateway through the default route's device.
ip -n "$NODE" addr add $GW/24 dev $HOSTIF || fail "cannot address $HOSTIF"
in_pod ping -c 1 -W 2 $GW >/dev/null || fail "the pod cannot reach $GW"
ok "the pod reaches $GW"

# --- check ----------------------------------------------------------------
expect_rc 0 "check passes" check "$POD_PATH" eth0 $IP/24 $GW $MTU $MAC
why=$(smoke check "$POD_PATH" eth0 10.99.0.7/24 $GW $MTU $MAC 2>&1)
echo "$why" | grep -q "does not have address 10.99.0.7/24" \
    || fail "check of a wrong address: '$why'"
why=$(smoke check "$POD_PATH" eth0 $IP/24 10.99.0.9 $MTU $MAC 2>&1)
echo "$why" | grep -q "no default route via 10.99.0.9" \
    || fail "check of a wrong gateway: '$why'"
why=$(smoke check "$POD_PATH" eth9 $IP/24 $GW $MTU $MAC 2>&1)
echo "$why" | grep -q "no interface eth9" \
    || fail "check of a missing interface: '$why'"
ok "check names what is wrong"
ip -n "$POD" link set eth0 down
why=$(smoke check "$POD_PATH" eth0 $IP/24 $GW $MTU $MAC 2>&1)
echo "$why" | grep -q "eth0 is down" || fail "check of a down link: '$why'"
ip -n "$POD" link set eth0 up
ip -n "$POD" route replace default via $GW dev eth0 proto boot
ok "check sees a link that is down"

# --- create twice ---------------------------------------------------------
expect_rc 17 "same host name again: EEXIST" \
    create $HOSTIF "$POD_PATH" eth0 $IP/24 $GW $MTU $MAC
expect_rc 17 "same pod interface again: EEXIST" \
    create seinep1 "$POD_PATH" eth0 10.99.0.3/24 $GW $MTU 0a:58:0a:63:00:03
link_exists "$NODE" seinep1 && fail "the failed create left seinep1 behind"
[ "$(link_names "$POD")" = "eth0 lo " ] \
    || fail "pod namespace links after failed creates: $(link_names "$POD")"
expect_rc 0 "the first veth is intact" \
    check "$POD_PATH" eth0 $IP/24 $GW $MTU $MAC
expect_rc 2 "missing pod namespace: ENOENT" \
    create seinep2 /var/run/netns/seine-t-none-$$ eth0 $IP/24 $GW $MTU $MAC
link_exists "$NODE" seinep2 && fail "seinep2 left behind"

# --- delete ---------------------------------------------------------------
expect_rc 0 "delete host side" delete-host $HOSTIF
link_exists "$NODE" $HOSTIF && fail "$HOSTIF still exists"
link_exists "$POD" eth0 && fail "eth0 still exists in the pod"
ok "both ends are gone"
expect_rc 0 "delete again" delete-host $HOSTIF
expect_rc 0 "delete inside, link gone" delete-in "$POD_PATH" eth0
expect_rc 0 "delete inside, namespace gone" \
    delete-in /var/run/netns/seine-t-none-$$ eth0

# --- an interface made elsewhere, moved in --------------------------------
ip -n "$NODE" tuntap add seinetap0 mode tap || fail "cannot add a tap"
expect_rc 0 "move into the pod namespace" move seinetap0 "$POD_PATH"
link_exists "$NODE" seinetap0 && fail "seinetap0 is still in the node"
expect_rc 0 "setup moved" setup-moved seinetap0 "$POD_PATH" net1 \
    10.99.0.3/24 $GW 1300 0a:58:0a:63:00:03
ip -n "$POD" -o -4 addr show dev net1 | grep -q "inet 10.99.0.3/24 " \
    || fail "net1 lacks its address"
link_up "$POD" net1 || fail "net1 is not up"
expect_rc 0 "check the moved interface" \
    check "$POD_PATH" net1 10.99.0.3/24 $GW 1300 0a:58:0a:63:00:03
expect_rc 0 "delete the moved interface" delete-in "$POD_PATH" net1
link_exists "$POD" net1 && fail "net1 still exists"

# --- the node's gateway port ----------------------------------------------
ip -n "$NODE" tuntap add seine-gw0 mode tap || fail "cannot add seine-gw0"
ip -n "$NODE" addr add 10.98.0.9/24 dev seine-gw0
ip -n "$NODE" addr add 10.98.1.9/24 dev seine-gw0
for round in 1 2; do
    mac=$(smoke host-addr seine-gw0 $GW/24 1450) || fail "host-addr failed"
    addrs=$(ip -n "$NODE" -o -4 addr show dev seine-gw0 | awk '{ print $4 }')
    [ "$addrs" = "$GW/24" ] || fail "seine-gw0 addresses: $addrs"
    link_up "$NODE" seine-gw0 || fail "seine-gw0 is not up"
    ip -n "$NODE" -o link show dev seine-gw0 | grep -q "mtu 1450 " \
        || fail "seine-gw0 MTU"
    ip -n "$NODE" -o link show dev seine-gw0 | grep -q "link/ether $mac " \
        || fail "host-addr reported MAC $mac"
    ok "gateway port addressed (round $round)"
done
[ "$(smoke host-mac seine-gw0)" = "$mac" ] || fail "host-mac"
expect_rc 0 "gateway port exists" host-exists seine-gw0
expect_rc 19 "missing link: ENODEV" host-exists seine-nosuch
expect_rc 19 "address on a missing link: ENODEV" \
    host-addr seine-nosuch $GW/24 0

echo "$passed passed, 0 failed"
