#!/bin/bash
# Runs the dataplane smoke program (argument 1) against a private
# ovsdb-server and ovs-vswitchd, started inside a network namespace this
# script creates and deletes.  Needs root.
set -eu

smoke=$(realpath "$1")
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root"
    exit 77
fi

vswitchd=
for v in /usr/lib/openvswitch-switch/ovs-vswitchd /usr/sbin/ovs-vswitchd; do
    if [ -x "$v" ]; then
        vswitchd=$v
        break
    fi
done
if [ -z "$vswitchd" ]; then
    echo "SKIP: ovs-vswitchd not installed"
    exit 77
fi

ns=seine-t-dp-$$
dir=$(mktemp -d /tmp/seine-t-dp.XXXXXX)

stop() {
    local pidfile=$dir/$1.pid
    if [ -f "$pidfile" ]; then
        local pid
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
}

cleanup() {
    local rc=$?
    stop ovs-vswitchd
    stop ovsdb-server
    if [ "$rc" != 0 ] && [ -f "$dir/ovs-vswitchd.log" ]; then
        echo "# ovs-vswitchd.log (tail):"
        tail -n 30 "$dir/ovs-vswitchd.log" | sed 's/^/# /'
    fi
    ip netns delete "$ns" 2>/dev/null || true
    rm -rf "$dir"
    exit "$rc"
}
trap cleanup EXIT

export OVS_RUNDIR=$dir OVS_DBDIR=$dir OVS_LOGDIR=$dir OVS_SYSCONFDIR=$dir
export OVS_PKGDATADIR=/usr/share/openvswitch OVS_BINDIR=/usr/bin

ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }

ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
in_ns ovsdb-server -vconsole:off "$dir/conf.db" --remote="punix:$dir/db.sock" \
    --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
    --log-file="$dir/ovsdb-server.log" --detach
in_ns ovs-vsctl --db="unix:$dir/db.sock" --no-wait init
in_ns "$vswitchd" -vconsole:off "unix:$dir/db.sock" \
    --pidfile="$dir/ovs-vswitchd.pid" --unixctl="$dir/ovs-vswitchd.ctl" \
    --log-file="$dir/ovs-vswitchd.log" --detach

in_ns "$smoke" "unix:$dir/db.sock" "$dir"
