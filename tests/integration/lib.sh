# shellcheck shell=bash disable=SC2016,SC2119,SC2120
# Seine integration test library (bash; source it, do not run it).
#
# A test is one script that gets a node of its own: a network namespace with
# its own ovsdb-server, ovs-vswitchd and seine-agent, all keeping their
# sockets, logs and pidfiles in the test's run folder.  Pods are network
# namespaces wired through the real seine-cni binary, called exactly as a
# container runtime calls it.  Everything a test makes is recorded in its
# run folder (pidfiles, the list of namespaces, the hugepage count it found),
# and the EXIT trap undoes exactly that, also when the test fails half-way:
# no process is ever stopped by name and no namespace is deleted that the
# test did not create.
#
#   #!/usr/bin/env bash
#   . "$(dirname "$0")/lib.sh"
#   seine_test_begin afxdp-ping
#   seine_node_start
#   seine_pod_add a
#   seine_pod_add b
#   seine_pod_exec a ping -c1 -W1 "$(seine_pod_ip b)"
#
# Layout of a run folder (RUN):
#   RUN/netns.list              namespaces created, one a line
#   RUN/hugepages.raised        how many 2 MB pages we added to nr_hugepages
#   RUN/NODE/                   one folder per node: db.sock, conf.db,
#                               *.pid, *.log, *.ctl, agent.yaml, cni.sock,
#                               manifests/, state/, vhost/, br-int.mgmt
#   RUN/pods/POD.*              per pod: netns, node, k8s namespace, uid;
#                               per attachment POD.IF.{cid,conf,json}
#   RUN/bg/*.pid                other background processes (servers, testpmd)
#
# Environment:
#   SEINE_BUILD_DIR   meson build folder (default: <repo>/build)
#   SEINE_KEEP=1      keep the run folder after the test (logs, databases)
#   SEINE_HUGEPAGES   2 MB pages a DPDK node reserves (default 768: OVS
#                     takes 128, one testpmd about 400; each further testpmd
#                     raises the count by what it needs)
#   SEINE_PMD_MAXSLEEP  other_config:pmd-maxsleep in microseconds (default
#                     1000), so idle PMD threads let the machine breathe
#   SEINE_PMD_CPU_MASK  other_config:pmd-cpu-mask (default 0x2: one PMD
#                     thread, on core 1)
#   SEINE_DPDK_UPLINK_DEVARGS  dpdk-devargs of a DPDK uplink in
#                     seine_cluster_start (default net_af_xdp0,iface=u0:
#                     DPDK's AF_XDP driver on the node's underlay veth)

SEINE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SEINE_BUILD_DIR=${SEINE_BUILD_DIR:-$SEINE_TOP/build}
SEINE_AGENT_BIN=${SEINE_AGENT_BIN:-$SEINE_BUILD_DIR/agent/seine-agent}
SEINE_CNI_BIN=${SEINE_CNI_BIN:-$SEINE_BUILD_DIR/cni/seine-cni}
SEINE_OVS_VSWITCHD=/usr/lib/openvswitch-switch/ovs-vswitchd
SEINE_OVS_VSWITCHD_DPDK=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
SEINE_OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
SEINE_HUGEPAGES=${SEINE_HUGEPAGES:-768}
SEINE_PMD_MAXSLEEP=${SEINE_PMD_MAXSLEEP:-1000}
SEINE_PMD_CPU_MASK=${SEINE_PMD_CPU_MASK:-0x2}
SEINE_DPDK_UPLINK_DEVARGS=${SEINE_DPDK_UPLINK_DEVARGS:-net_af_xdp0,iface=u0}
SEINE_BRIDGE=br-int
SEINE_GATEWAY_PORT=seine-gw0
SEINE_NETWORK_NAME=seine
SEINE_CNI_VERSION=1.1.0
SEINE_KEEP=${SEINE_KEEP:-0}
# Set by seine_env_init / seine_test_begin.
SEINE_RUN=
SEINE_NS_PREFIX=
SEINE_NODE=
# Set by seine_cni: what the plugin printed, its stderr and its exit code.
SEINE_CNI_OUT=
SEINE_CNI_ERR=
SEINE_CNI_RC=0

# ---------------------------------------------------------------------------
# Messages and assertions

seine_log() { echo "[$(date +%T.%3N)] $*" >&2; }

seine_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

seine_skip() {
    echo "SKIP: $*" >&2
    exit 77
}

seine_assert_eq() {
    local got=$1 want=$2 what=${3:-value}
    [ "$got" == "$want" ] || seine_fail "$what: got '$got', want '$want'"
}

seine_assert_ne() {
    local got=$1 unwanted=$2 what=${3:-value}
    [ "$got" != "$unwanted" ] || seine_fail "$what: got '$got', expected anything else"
}

seine_assert_match() {
    local got=$1 regex=$2 what=${3:-value}
    [[ $got =~ $regex ]] || seine_fail "$what: '$got' does not match /$regex/"
}

# seine_assert_ok CMD...: runs CMD, fails the test with its output if it fails.
seine_assert_ok() {
    local out
    out=$("$@" 2>&1) || seine_fail "command failed: $*"$'\n'"$out"
}

# seine_assert_fails CMD...: fails the test if CMD succeeds.
seine_assert_fails() {
    if "$@" >/dev/null 2>&1; then
        seine_fail "command succeeded but should have failed: $*"
    fi
}

# seine_wait_until TIMEOUT_S CMD...: polls CMD every 0.1 s; 0 once it
# succeeds, 1 after TIMEOUT_S seconds.
seine_wait_until() {
    local timeout=$1; shift
    local deadline=$(( $(date +%s%N) + timeout * 1000000000 ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------
# Run folder, namespaces, processes

# seine_env_init RUN NS_PREFIX: points the library at a run folder (made if
# missing) and a namespace prefix.  seine_test_begin calls it; the sandbox
# calls it with a fixed folder, so later invocations find the same state.
seine_env_init() {
    SEINE_RUN=$1
    SEINE_NS_PREFIX=$2
    mkdir -p "$SEINE_RUN/pods" "$SEINE_RUN/bg"
    touch "$SEINE_RUN/netns.list"
    SEINE_NODE=$(cat "$SEINE_RUN/current-node" 2>/dev/null || echo node1)
}

seine_require_root() {
    [ "$(id -u)" == 0 ] || seine_skip "needs root (network namespaces, OVS)"
}

# seine_require_cmd CMD...: skips the test when a tool is missing.
seine_require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || seine_skip "'$c' not installed"
    done
}

# seine_require_build: skips the test unless the agent and plugin are built.
seine_require_build() {
    [ -x "$SEINE_AGENT_BIN" ] || seine_skip "$SEINE_AGENT_BIN not built"
    [ -x "$SEINE_CNI_BIN" ] || seine_skip "$SEINE_CNI_BIN not built"
}

# seine_test_begin NAME: a fresh run folder and namespace prefix for this
# test, strict shell options, and the cleanup trap.
seine_test_begin() {
    local name=$1
    set -eEuo pipefail
    seine_require_root
    seine_require_cmd ip ovsdb-server ovs-vsctl jq
    SEINE_TEST_NAME=$name
    # Short folder and prefix: vhost-user socket paths must stay under 108
    # bytes and interface names derived from them under 16.
    local run
    run=$(mktemp -d "/tmp/seine-${name:0:16}.XXXXXX")
    seine_env_init "$run" "seine-t-${name:0:12}-$$-"
    trap seine__exit_trap EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    seine_log "test $name: run folder $SEINE_RUN"
}

seine__exit_trap() {
    local rc=$?
    set +eE
    trap - ERR
    if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
        seine_dump_logs
    fi
    seine_teardown
    # Again after the logs: a test runner that shows only the end of a
    # long output still shows what failed.
    [ -z "${SEINE_FAILED:-}" ] || printf '%s\n' "$SEINE_FAILED" >&2
    [ "$rc" == 0 ] && seine_log "test ${SEINE_TEST_NAME:-}: passed"
    exit "$rc"
}

# seine_dump_logs: the tail of every log in the run folder, for failures.
seine_dump_logs() {
    local f
    for f in "$SEINE_RUN"/*/*.log "$SEINE_RUN"/bg/*.log; do
        [ -s "$f" ] || continue
        echo "----- ${f#"$SEINE_RUN"/} (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done
}

# seine_netns_add NAME: creates namespace NAME (loopback up) and records it.
seine_netns_add() {
    local ns=$1
    if ! ip netns list | grep -qx -e "$ns" -e "$ns (id: .*)"; then
        ip netns add "$ns"
        echo "$ns" >>"$SEINE_RUN/netns.list"
    fi
    ip -n "$ns" link set lo up
}

seine__netns_exists() {
    [ -e "/run/netns/$1" ]
}

# seine__pid_alive PIDFILE PATTERN: the pid in PIDFILE is running and its
# command line contains PATTERN (guards against a recycled pid).
seine__pid_alive() {
    local pidfile=$1 pattern=$2 pid
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

# seine__stop_pidfile PIDFILE PATTERN [TIMEOUT_S]: SIGTERM, then SIGKILL
# after TIMEOUT_S (default 5); removes the pidfile.
seine__stop_pidfile() {
    local pidfile=$1 pattern=$2 timeout=${3:-5} pid i
    if seine__pid_alive "$pidfile" "$pattern"; then
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < timeout * 10; i++)); do
            [ -d "/proc/$pid" ] || break
            # A child of ours stays a zombie until reaped.
            grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
            sleep 0.1
        done
        if [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
            seine_log "$pattern (pid $pid) ignored SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
        fi
        wait "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

# seine_bg_start NAME NETNS CMD...: runs CMD in the background in NETNS
# (empty: the current namespace), stdin held open so interactive tools wait,
# stdout/stderr to RUN/bg/NAME.log, pid in RUN/bg/NAME.pid.  SIGHUP is
# ignored so a process outlives the terminal that started it.
seine_bg_start() {
    local name=$1 ns=$2; shift 2
    local pidfile=$SEINE_RUN/bg/$name.pid fifo=$SEINE_RUN/bg/$name.stdin
    local -a prefix=()
    [ -z "$ns" ] || prefix=(ip netns exec "$ns")
    rm -f "$fifo"
    mkfifo "$fifo"
    # The program to recognise the process by later (after the exec of
    # "stdbuf -oL" or "taskset -c CPUS").
    local prog=$1
    case $1 in
    stdbuf) prog=$3 ;;
    taskset) prog=$4 ;;
    esac
    echo "$prog" >"$SEINE_RUN/bg/$name.cmd"
    "${prefix[@]}" sh -c 'trap "" HUP; echo $$ >"$1"; shift; exec "$@"' \
        sh "$pidfile" "$@" <>"$fifo" >"$SEINE_RUN/bg/$name.log" 2>&1 &
    seine_wait_until 5 test -s "$pidfile" || seine_fail "$name did not start"
}

# seine_bg_stop NAME: stops a process started by seine_bg_start.
seine_bg_stop() {
    local name=$1
    seine__stop_pidfile "$SEINE_RUN/bg/$name.pid" \
        "$(cat "$SEINE_RUN/bg/$name.cmd" 2>/dev/null || echo "$name")"
    rm -f "$SEINE_RUN/bg/$name.stdin"
}

seine_bg_alive() {
    seine__pid_alive "$SEINE_RUN/bg/$1.pid" \
        "$(cat "$SEINE_RUN/bg/$1.cmd" 2>/dev/null || echo "$1")"
}

seine__bg_ended() { ! seine_bg_alive "$1"; }

# seine_bg_wait NAME SECONDS: waits until a process started by
# seine_bg_start has ended by itself (1 if it still runs after SECONDS).
seine_bg_wait() { seine_wait_until "$2" seine__bg_ended "$1"; }

# seine_ping_loss NAME: the packet loss (e.g. "0%") a ping started by
# seine_bg_start reported, or "no result".
seine_ping_loss() {
    local loss
    loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$SEINE_RUN/bg/$1.log")
    echo "${loss:-no result}${loss:+%}"
}

# ---------------------------------------------------------------------------
# Hugepages (2 MB)

seine__hugepages() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# seine_hugepages_reserve N: makes sure N 2 MB pages are free, raising
# nr_hugepages if needed.  What we add is recorded, and
# seine_hugepages_restore takes exactly that back off: relative, not
# absolute, so runs side by side (a test while the sandbox is up) do not
# take each other's pages away.
seine_hugepages_reserve() {
    local want=$1 free total target raised try
    # Retried, a little later each time: ovs-vswitchd may still be taking
    # pages for a vhost-user port that has just come up (its mempool), and
    # another run on the machine may take some between our raise and our
    # check.
    for try in 1 2 3 4 5 6 7 8 9 10; do
        free=$(seine__hugepages HugePages_Free)
        total=$(seine__hugepages HugePages_Total)
        [ "$free" -ge "$want" ] && return 0
        target=$((total + want - free))
        echo "$target" >/proc/sys/vm/nr_hugepages
        raised=$(( $(seine__hugepages HugePages_Total) - total ))
        echo $(( $(cat "$SEINE_RUN/hugepages.raised" 2>/dev/null || echo 0) + raised )) \
            >"$SEINE_RUN/hugepages.raised"
        seine_log "hugepages: nr_hugepages $total -> $target"
        sleep "$((try / 10)).$((try % 10))"
    done
    free=$(seine__hugepages HugePages_Free)
    if [ "$free" -lt "$want" ]; then
        seine_hugepages_restore
        seine_skip "only $free of $want 2 MB hugepages could be reserved"
    fi
}

seine_hugepages_restore() {
    local raised total target
    [ -e "$SEINE_RUN/hugepages.raised" ] || return 0
    raised=$(cat "$SEINE_RUN/hugepages.raised")
    total=$(seine__hugepages HugePages_Total)
    target=$((total - raised))
    [ "$target" -ge 0 ] || target=0
    echo "$target" >/proc/sys/vm/nr_hugepages
    rm -f "$SEINE_RUN/hugepages.raised"
    seine_log "hugepages: nr_hugepages $total -> $target (given back)"
}

# ---------------------------------------------------------------------------
# Nodes: OVS and the agent in a namespace

seine_node_dir() { echo "$SEINE_RUN/${1:-$SEINE_NODE}"; }
seine_node_netns() { echo "${SEINE_NS_PREFIX}${1:-$SEINE_NODE}"; }

# seine_node_use NODE: makes NODE the node later calls act on.
seine_node_use() {
    SEINE_NODE=$1
    echo "$1" >"$SEINE_RUN/current-node"
}

seine_vsctl() {
    ovs-vsctl --timeout=10 --db="unix:$(seine_node_dir)/db.sock" "$@"
}

# seine_appctl [-t TARGET] ARGS...: ovs-appctl to the node's ovs-vswitchd,
# or to TARGET = ovsdb-server | seine-agent | a socket path.
seine_appctl() {
    local target=ovs-vswitchd
    if [ "${1:-}" == -t ]; then
        target=$2
        shift 2
    fi
    [[ $target == /* ]] || target=$(seine_node_dir)/$target.ctl
    ovs-appctl --timeout=10 -t "$target" "$@"
}

# seine_ofctl CMD [ARGS...]: ovs-ofctl (OpenFlow 1.5) on the node's bridge
# through its management socket.  For assertions only: the agent owns the
# flows.
seine_ofctl() {
    local cmd=$1; shift
    ip netns exec "$(seine_node_netns)" \
        ovs-ofctl -O OpenFlow15 "$cmd" "unix:$(seine_node_dir)/$SEINE_BRIDGE.mgmt" "$@"
}

# seine_node_exec CMD...: runs CMD in the node's namespace.
seine_node_exec() {
    ip netns exec "$(seine_node_netns)" "$@"
}

# seine_node_start [--dpdk] [--no-agent] [--name NODE] [--cidr CIDR]
#                  [--type DEFAULT_IFTYPE] [--uplink IFNAME [--tunnel TYPE]
#                  [--dpdk-uplink DEVARGS] [--node-ip IP/PREFIX]]
# (TYPE: geneve, vxlan, or noEncap for routing over the underlay)
# Starts a node: namespace, ovsdb-server, ovs-vswitchd (the DPDK build with
# --dpdk, after reserving hugepages), agent config, manifests folder and
# seine-agent, and waits until the agent serves CNI requests.  With
# --dpdk-uplink (which implies --dpdk) the uplink IFNAME is a DPDK port on
# the device DEVARGS, and --node-ip the address br-phy gets (agentconf
# uplinkType, uplinkDevargs, nodeIP).
seine_node_start() {
    local dpdk=0 agent=1 node=node1 cidr=10.244.1.0/24 cidr6="" iftype=afxdp
    local uplink="" tunnel=geneve devargs="" node_ip=""
    while [ $# -gt 0 ]; do
        case $1 in
        --dpdk) dpdk=1 ;;
        --dpdk-uplink) dpdk=1; devargs=$2; shift ;;
        --node-ip) node_ip=$2; shift ;;
        --uplink) uplink=$2; shift ;;
        --tunnel) tunnel=$2; shift ;;
        --no-agent) agent=0 ;;
        --name) node=$2; shift ;;
        --cidr) cidr=$2; shift ;;
        --cidr6) cidr6=$2; shift ;;
        --type) iftype=$2; shift ;;
        *) seine_fail "seine_node_start: unknown option $1" ;;
        esac
        shift
    done
    seine_node_use "$node"
    local dir ns
    dir=$(seine_node_dir)
    ns=$(seine_node_netns)
    mkdir -p "$dir"/{manifests,state,vhost}
    echo "$cidr" >"$dir/cidr"
    echo "$cidr6" >"$dir/cidr6"
    echo "$dpdk" >"$dir/dpdk"
    echo "$uplink" >"$dir/uplink"
    echo "$tunnel" >"$dir/tunnel"
    echo "$devargs" >"$dir/uplink-devargs"
    echo "$node_ip" >"$dir/node-ip"
    seine_netns_add "$ns"
    [ "$dpdk" == 0 ] || seine_hugepages_reserve "$SEINE_HUGEPAGES"
    seine_ovs_start
    seine__agent_config "$iftype"
    seine__node_manifest
    [ "$agent" == 0 ] || seine_agent_start
}

# seine_ovs_start: ovsdb-server and ovs-vswitchd of the current node.
seine_ovs_start() {
    local dir ns
    dir=$(seine_node_dir)
    ns=$(seine_node_netns)
    [ -e "$dir/conf.db" ] || ovsdb-tool create "$dir/conf.db" "$SEINE_OVS_SCHEMA"
    seine_ovsdb_start
    seine_vsctl --no-wait init
    seine_vsctl --no-wait set Open_vSwitch . \
        other_config:pmd-cpu-mask="$SEINE_PMD_CPU_MASK" \
        other_config:pmd-maxsleep="$SEINE_PMD_MAXSLEEP"
    if [ "$(cat "$dir/dpdk")" == 1 ]; then
        seine_vsctl --no-wait set Open_vSwitch . \
            other_config:dpdk-init=true \
            other_config:dpdk-extra="--no-pci --in-memory --file-prefix=$(seine__dpdk_prefix)" \
            other_config:dpdk-socket-mem=256 \
            other_config:dpdk-lcore-mask=0x1
    fi
    seine_vswitchd_start
}

# seine_ovsdb_start: ovsdb-server of the current node over its database
# (kept across a restart).
seine_ovsdb_start() {
    local dir ns
    dir=$(seine_node_dir)
    ns=$(seine_node_netns)
    ip netns exec "$ns" env OVS_RUNDIR="$dir" OVS_DBDIR="$dir" OVS_LOGDIR="$dir" \
        ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
        --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
        --log-file="$dir/ovsdb-server.log" -vconsole:off --detach \
        2>>"$dir/ovsdb-server.stderr" \
        || seine_fail "ovsdb-server did not start (see $dir/ovsdb-server.log)"
}

# seine_ovsdb_kill: ovsdb-server of the current node dies (SIGKILL).
seine_ovsdb_kill() {
    local dir pid
    dir=$(seine_node_dir)
    if seine__pid_alive "$dir/ovsdb-server.pid" ovsdb-server; then
        pid=$(cat "$dir/ovsdb-server.pid")
        kill -KILL "$pid"
        seine_wait_until 5 test ! -d "/proc/$pid" || true
    fi
    rm -f "$dir/ovsdb-server.pid"
}

# seine_vswitchd_start: ovs-vswitchd of the current node (the DPDK build on
# a --dpdk node), e.g. again after seine_vswitchd_stop in a restart test.
seine_vswitchd_start() {
    local dir ns vswitchd=$SEINE_OVS_VSWITCHD dpdk
    dir=$(seine_node_dir)
    ns=$(seine_node_netns)
    dpdk=$(cat "$dir/dpdk")
    if [ "$dpdk" == 1 ]; then
        vswitchd=$SEINE_OVS_VSWITCHD_DPDK
        [ -x "$vswitchd" ] || seine_skip "$vswitchd not installed"
    fi
    # Over an existing bridge (a restart) the switch must not forward with
    # an empty flow table: the agent removes the key once its flows are in.
    if seine_vsctl --no-wait br-exists "$SEINE_BRIDGE"; then
        seine_vsctl --no-wait set Open_vSwitch . other_config:flow-restore-wait=true
    fi
    ip netns exec "$ns" env OVS_RUNDIR="$dir" OVS_DBDIR="$dir" OVS_LOGDIR="$dir" \
        "$vswitchd" "unix:$dir/db.sock" \
        --pidfile="$dir/ovs-vswitchd.pid" --unixctl="$dir/ovs-vswitchd.ctl" \
        --log-file="$dir/ovs-vswitchd.log" -vconsole:off --detach \
        2>>"$dir/ovs-vswitchd.stderr" \
        || seine_fail "ovs-vswitchd did not start (see $dir/ovs-vswitchd.log)"
    if [ "$dpdk" == 1 ]; then
        seine_vsctl --timeout=30 wait-until Open_vSwitch . dpdk_initialized=true \
            || seine_fail "DPDK did not initialise in ovs-vswitchd"
    fi
    seine_log "node $SEINE_NODE: OVS up in netns $ns ($(basename "$vswitchd"))"
}

# seine_vswitchd_stop [--kill]: stops ovs-vswitchd (SIGTERM, or SIGKILL to
# simulate a crash); ovsdb-server and the agent keep running.
seine_vswitchd_stop() {
    local dir pid
    dir=$(seine_node_dir)
    if [ "${1:-}" == --kill ] && seine__pid_alive "$dir/ovs-vswitchd.pid" ovs-vswitchd; then
        pid=$(cat "$dir/ovs-vswitchd.pid")
        kill -KILL "$pid"
        seine_wait_until 5 test ! -d "/proc/$pid" || true
    fi
    seine__stop_pidfile "$dir/ovs-vswitchd.pid" ovs-vswitchd 10
}

seine_ovs_stop() {
    local dir
    dir=$(seine_node_dir)
    seine_vswitchd_stop
    seine__stop_pidfile "$dir/ovsdb-server.pid" ovsdb-server
    rm -rf "/var/run/dpdk/$(seine__dpdk_prefix)"
}

# DPDK keeps a runtime folder (telemetry socket) per --file-prefix: one per
# node and run, so that runs side by side never share one.
seine__dpdk_prefix() {
    echo "seine-$(basename "$SEINE_RUN")-${1:-$SEINE_NODE}"
}

# seine__pod_cidrs DIR: the node's pod subnets as agent.yaml says them: a
# dual-stack node (seine_node_start --cidr6) lists both families.
seine__pod_cidrs() {
    if [ -n "$(cat "$1/cidr6" 2>/dev/null)" ]; then
        echo "podCIDRs: [$(cat "$1/cidr"), $(cat "$1/cidr6")]"
    else
        echo "podCIDR: $(cat "$1/cidr")"
    fi
}

seine__agent_config() {
    local iftype=$1 dir
    dir=$(seine_node_dir)
    cat >"$dir/agent.yaml" <<EOF
ovsdb: unix:$dir/db.sock
ovsRunDir: $dir
bridge: $SEINE_BRIDGE
gatewayPort: $SEINE_GATEWAY_PORT
nodeName: $SEINE_NODE
$(seine__pod_cidrs "$dir")
defaultInterfaceType: $iftype
mtu: 1500
cniSocket: $dir/cni.sock
stateDir: $dir/state
vhostSocketDir: $dir/vhost
stateSource: {type: manifests, path: $dir/manifests}
logLevel: info
EOF
    # SEINE_AGENT_CONFIG_EXTRA: more lines of agent.yaml, for a test's own
    # settings.
    [ -z "${SEINE_AGENT_CONFIG_EXTRA:-}" ] \
        || printf '%s\n' "$SEINE_AGENT_CONFIG_EXTRA" >>"$dir/agent.yaml"
    if [ -s "$dir/uplink" ]; then
        printf 'uplink: %s\n' "$(cat "$dir/uplink")" >>"$dir/agent.yaml"
        if [ "$(cat "$dir/tunnel")" == noEncap ]; then
            printf 'encapMode: noEncap\n' >>"$dir/agent.yaml"
        else
            printf 'tunnelType: %s\n' "$(cat "$dir/tunnel")" >>"$dir/agent.yaml"
        fi
        if [ -n "$(cat "$dir/uplink-devargs" 2>/dev/null)" ]; then
            printf 'uplinkType: dpdk\nuplinkDevargs: %s\n' \
                "$(cat "$dir/uplink-devargs")" >>"$dir/agent.yaml"
        fi
        if [ -n "$(cat "$dir/node-ip" 2>/dev/null)" ]; then
            printf 'nodeIP: %s\n' "$(cat "$dir/node-ip")" >>"$dir/agent.yaml"
        fi
    fi
}

# seine_nodes_manifest NODE...: the Node objects of a cluster, one manifest:
# a node whose name ends in N has pod CIDR 10.244.N.0/24 and node IP
# 192.168.100.N; with SEINE_DUAL_STACK=1 also the IPv6 pod CIDR
# fd00:10:244:N::/64.
seine_nodes_manifest() {
    local n i
    for n in "$@"; do
        i=${n##*[!0-9]}
        printf -- '---\napiVersion: v1\nkind: Node\nmetadata: {name: %s}\n' "$n"
        if [ "${SEINE_DUAL_STACK:-0}" == 1 ]; then
            printf 'spec: {podCIDR: 10.244.%s.0/24, podCIDRs: [10.244.%s.0/24, %s]}\n' \
                "$i" "$i" "$(seine_pod_cidr6_of "$n")"
        else
            printf 'spec: {podCIDR: 10.244.%s.0/24}\n' "$i"
        fi
        printf 'status: {addresses: [{type: InternalIP, address: 192.168.100.%s}]}\n' "$i"
    done
}

# seine_pod_cidr6_of NODE: the IPv6 pod CIDR of a dual-stack cluster's node.
seine_pod_cidr6_of() { echo "fd00:10:244:${1##*[!0-9]}::/64"; }

# seine_cluster_start MODE NODE_A NODE_B [--dpdk-uplink NODE]: two nodes
# (addressed as in seine_nodes_manifest) joined by an underlay veth pair,
# each with both Nodes in its model, their agents running with uplink u0
# (AF_XDP) in MODE (geneve, vxlan or noEncap).  With --dpdk-uplink, NODE
# runs ovs-vswitchd's DPDK build and its uplink is the DPDK port "dpdk0"
# on its end of the pair through DPDK's AF_XDP driver
# (SEINE_DPDK_UPLINK_DEVARGS); that end has no address of its own, as a
# NIC bound to vfio-pci has no kernel interface, and the node IP comes
# from nodeIP; SEINE_DPDK_UPLINK_CONFIG holds more agent.yaml lines for
# that node alone.  SEINE_DUAL_STACK=1 makes both nodes dual-stack.
seine_cluster_start() {
    local mode=$1 a=$2 b=$3 dpdk_node="" n i
    [ "${4:-}" != --dpdk-uplink ] || dpdk_node=$5
    local -a cidrs
    for n in "$a" "$b"; do
        i=${n##*[!0-9]}
        cidrs=(--cidr "10.244.$i.0/24")
        [ "${SEINE_DUAL_STACK:-0}" != 1 ] || cidrs+=(--cidr6 "$(seine_pod_cidr6_of "$n")")
        if [ "$n" == "$dpdk_node" ]; then
            SEINE_AGENT_CONFIG_EXTRA="${SEINE_AGENT_CONFIG_EXTRA:-}
${SEINE_DPDK_UPLINK_CONFIG:-}" seine_node_start --no-agent --name "$n" "${cidrs[@]}" \
                --uplink dpdk0 --tunnel "$mode" \
                --dpdk-uplink "$SEINE_DPDK_UPLINK_DEVARGS" --node-ip "192.168.100.$i/24"
        else
            seine_node_start --no-agent --name "$n" "${cidrs[@]}" \
                --uplink u0 --tunnel "$mode"
        fi
    done
    seine_underlay_link "$a" "192.168.100.${a##*[!0-9]}" \
        "$b" "192.168.100.${b##*[!0-9]}"
    [ -z "$dpdk_node" ] || ip -n "$(seine_node_netns "$dpdk_node")" addr flush dev u0
    for n in "$a" "$b"; do
        seine_node_use "$n"
        rm -f "$(seine_node_dir)/manifests/node-$n.yaml"
        seine_nodes_manifest "$a" "$b" >"$(seine_node_dir)/manifests/nodes.yaml"
        seine_agent_start
    done
}

# seine_pmd_clear: clears the current node's PMD counters.
seine_pmd_clear() {
    seine_appctl dpif-netdev/pmd-stats-clear >/dev/null
}

# seine_pmd_stats: "PACKETS CYCLES_PER_PACKET PASSES_PER_PACKET" over the
# current node's PMD threads since the last clear (OVS's own counters:
# packets received, processing cycles, recirculations).
seine_pmd_stats() {
    seine_appctl dpif-netdev/pmd-stats-show | awk '
        /^pmd thread/ { pmd = 1 } /^main thread/ { pmd = 0 }
        pmd && /packets received:/ { p += $3 }
        pmd && /processing cycles:/ { c += $3 }
        pmd && /packet recirculations:/ { r += $3 }
        END { printf "%d %.1f %.2f\n", p, p ? c / p : 0, p ? (p + r) / p : 0 }'
}

# seine_underlay_bridge NETNS NODE...: an underlay for any number of nodes:
# a Linux bridge in network namespace NETNS (made here), and for each node
# a veth pair, "u0" in the node's namespace with the node's IP (as in
# seine_nodes_manifest, /24), its peer on the bridge.
seine_underlay_bridge() {
    local ns=$1 n i; shift
    seine_netns_add "$ns"
    ip -n "$ns" link add br0 type bridge
    ip -n "$ns" link set br0 up
    for n in "$@"; do
        i=${n##*[!0-9]}
        ip link add u0 netns "$(seine_node_netns "$n")" type veth \
            peer name "to-$n" netns "$ns" || seine_fail "cannot join $n to the underlay"
        ip -n "$ns" link set "to-$n" master br0 up
        ip -n "$(seine_node_netns "$n")" addr add "192.168.100.$i/24" dev u0
        ip -n "$(seine_node_netns "$n")" link set u0 up
    done
}

# seine_underlay_link NODE_A IP_A NODE_B IP_B [MTU]: joins two nodes' network
# namespaces with a veth pair, "u0" in each, IP_A and IP_B (/24) on them:
# the underlay their agents' uplink (--uplink u0) uses.
seine_underlay_link() {
    local a=$1 ipa=$2 b=$3 ipb=$4 mtu=${5:-1500}
    ip link add u0 netns "$(seine_node_netns "$a")" mtu "$mtu" type veth \
        peer name u0 netns "$(seine_node_netns "$b")" mtu "$mtu" \
        || seine_fail "cannot join $a and $b"
    ip -n "$(seine_node_netns "$a")" addr add "$ipa/24" dev u0
    ip -n "$(seine_node_netns "$b")" addr add "$ipb/24" dev u0
    ip -n "$(seine_node_netns "$a")" link set u0 up
    ip -n "$(seine_node_netns "$b")" link set u0 up
}

seine__node_manifest() {
    local dir
    dir=$(seine_node_dir)
    cat >"$dir/manifests/node-$SEINE_NODE.yaml" <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $SEINE_NODE
spec:
  podCIDR: $(cat "$dir/cidr")
EOF
}

# seine_agent_start [--no-wait]: starts seine-agent in the node's namespace
# and waits for its CNI socket (not with --no-wait, for an agent that is
# expected never to be ready); on a timeout the agent's log goes to stderr.
seine_agent_start() {
    local dir ns timeout=${SEINE_AGENT_TIMEOUT:-30}
    dir=$(seine_node_dir)
    ns=$(seine_node_netns)
    [ -x "$SEINE_AGENT_BIN" ] || seine_skip "$SEINE_AGENT_BIN not built"
    if ! ip netns exec "$ns" "$SEINE_AGENT_BIN" --config="$dir/agent.yaml" \
            --pidfile="$dir/seine-agent.pid" --log-file="$dir/seine-agent.log" \
            --unixctl="$dir/seine-agent.ctl" --detach -vconsole:off -vfile:info \
            2>>"$dir/seine-agent.stderr"; then
        seine__dump_file "$dir/seine-agent.stderr"
        seine__dump_file "$dir/seine-agent.log"
        seine_fail "seine-agent did not start"
    fi
    [ "${1:-}" != --no-wait ] || return 0
    if ! seine_wait_until "$timeout" test -S "$dir/cni.sock"; then
        seine__dump_file "$dir/seine-agent.log"
        seine_fail "seine-agent: no CNI socket $dir/cni.sock after ${timeout}s"
    fi
    seine_log "node $SEINE_NODE: seine-agent ready (pid $(cat "$dir/seine-agent.pid"))"
}

# seine_agent_stop [--kill]: stops the agent (SIGTERM, or SIGKILL to
# simulate a crash, which leaves its CNI socket behind).
seine_agent_stop() {
    local dir pid
    dir=$(seine_node_dir)
    if [ "${1:-}" == --kill ]; then
        if seine__pid_alive "$dir/seine-agent.pid" seine-agent; then
            pid=$(cat "$dir/seine-agent.pid")
            kill -KILL "$pid"
            seine_wait_until 5 test ! -d "/proc/$pid" || true
        fi
        return 0
    fi
    seine__stop_pidfile "$dir/seine-agent.pid" seine-agent 10
}

seine_agent_alive() {
    seine__pid_alive "$(seine_node_dir)/seine-agent.pid" seine-agent
}

seine__dump_file() {
    echo "----- $1" >&2
    cat "$1" >&2 2>/dev/null || echo "(missing)" >&2
    echo "-----" >&2
}

# ---------------------------------------------------------------------------
# Pods through the real CNI plugin

seine__pod_file() { echo "$SEINE_RUN/pods/$1"; }

# seine_pod_netns POD: the pod's namespace name.
seine_pod_netns() {
    cat "$(seine__pod_file "$1").netns" 2>/dev/null || echo "${SEINE_NS_PREFIX}$1"
}

# seine_cni_config [TYPE]: the network configuration a runtime would pass
# (interfaceType omitted when TYPE is empty: the agent then decides from the
# pod's annotation or its default).  SEINE_CNI_EXTRA, if set, is a JSON
# object of more keys (what Multus injects, such as "deviceID").
seine_cni_config() {
    local type=${1:-} dir
    dir=$(seine_node_dir)
    jq -cn --arg v "$SEINE_CNI_VERSION" --arg n "$SEINE_NETWORK_NAME" \
        --arg sock "$dir/cni.sock" --arg vhost "$dir/vhost" --arg t "$type" \
        --argjson extra "${SEINE_CNI_EXTRA:-{\}}" \
        '{cniVersion: $v, name: $n, type: "seine", agentSocket: $sock,
          mtu: 1500, vhostSocketDir: $vhost}
         + (if $t == "" then {} else {interfaceType: $t} end) + $extra'
}

# seine_cni CMD POD [IFNAME] [CONFIG]: invokes seine-cni once, as a runtime
# does (SEINE_CNI_ARGS, if set, is appended to CNI_ARGS: "IP=...;MAC=...").  CONFIG is the JSON network configuration (default: the one ADD
# used for this attachment, else seine_cni_config).  Returns the plugin's
# exit code; SEINE_CNI_OUT and SEINE_CNI_ERR hold its stdout and stderr, and
# RUN/pods/cni.log keeps every call.
seine_cni() {
    local cmd=$1 pod=$2 ifname=${3:-eth0} config=${4:-}
    local f cid ns uid netns rc=0
    f=$(seine__pod_file "$pod")
    if [ -z "$config" ]; then
        if [ -s "$f.$ifname.conf" ]; then
            config=$(cat "$f.$ifname.conf")
        else
            config=$(seine_cni_config)
        fi
    fi
    [ -s "$f.$ifname.cid" ] || seine__new_id >"$f.$ifname.cid"
    cid=$(cat "$f.$ifname.cid")
    ns=$(cat "$f.k8sns" 2>/dev/null || echo default)
    uid=$(cat "$f.uid" 2>/dev/null || echo "")
    netns=/var/run/netns/$(seine_pod_netns "$pod")
    local errf=$SEINE_RUN/pods/cni.stderr
    SEINE_CNI_OUT=$(printf '%s' "$config" | env -i PATH="$PATH" \
        CNI_COMMAND="$cmd" CNI_CONTAINERID="$cid" CNI_NETNS="$netns" \
        CNI_IFNAME="$ifname" CNI_PATH="$(dirname "$SEINE_CNI_BIN")" \
        CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=$ns;K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=$cid${uid:+;K8S_POD_UID=$uid}${SEINE_CNI_ARGS:+;$SEINE_CNI_ARGS}" \
        "$SEINE_CNI_BIN" 2>"$errf") || rc=$?
    SEINE_CNI_RC=$rc
    SEINE_CNI_ERR=$(cat "$errf")
    {
        echo "=== $cmd $pod $ifname: exit $rc"
        printf '%s\n' "$SEINE_CNI_OUT"
        [ -z "$SEINE_CNI_ERR" ] || printf 'stderr: %s\n' "$SEINE_CNI_ERR"
    } >>"$SEINE_RUN/pods/cni.log"
    return "$rc"
}

seine__new_id() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

seine__uuid() { cat /proc/sys/kernel/random/uuid; }

# seine_pod_add [--namespace NS] [--uid UID] [--netns NAME] [--no-manifest]
#               [--annotation KEY=VALUE]... POD [TYPE] [IFNAME]
# Creates the pod's namespace (once per pod), writes a Pod manifest for the
# agent (unless --no-manifest: the caller provides it), runs seine-cni ADD
# and saves the result to RUN/pods/POD.IFNAME.json.  Fails the test with the
# plugin's error when ADD fails.
seine_pod_add() {
    local k8sns=default uid="" netns="" manifest=1 annotations=()
    while [ $# -gt 0 ]; do
        case $1 in
        --namespace) k8sns=$2; shift ;;
        --uid) uid=$2; shift ;;
        --netns) netns=$2; shift ;;
        --no-manifest) manifest=0 ;;
        --annotation) annotations+=("$2"); shift ;;
        -*) seine_fail "seine_pod_add: unknown option $1" ;;
        *) break ;;
        esac
        shift
    done
    local pod=$1 type=${2:-} ifname=${3:-eth0} f
    f=$(seine__pod_file "$pod")
    if [ ! -e "$f.netns" ]; then
        echo "${netns:-${SEINE_NS_PREFIX}$pod}" >"$f.netns"
        echo "$k8sns" >"$f.k8sns"
        # A written manifest gets a uid; a caller's manifest may carry one.
        [ -n "$uid" ] || [ "$manifest" == 0 ] || uid=$(seine__uuid)
        [ -z "$uid" ] || echo "$uid" >"$f.uid"
        echo "$SEINE_NODE" >"$f.node"
        [ "$manifest" == 0 ] || seine__pod_manifest "$pod" "${annotations[@]}"
    fi
    seine_netns_add "$(seine_pod_netns "$pod")"
    seine_cni_config "$type" >"$f.$ifname.conf"
    if ! seine_cni ADD "$pod" "$ifname"; then
        seine_fail "CNI ADD $pod/$ifname exited $SEINE_CNI_RC: $SEINE_CNI_OUT${SEINE_CNI_ERR:+
stderr: $SEINE_CNI_ERR}"
    fi
    printf '%s\n' "$SEINE_CNI_OUT" >"$f.$ifname.json"
    seine_log "pod $pod/$ifname: $(seine_pod_ip "$pod" "$ifname") ($(seine_pod_type "$pod" "$ifname"))"
}

seine__pod_manifest() {
    local pod=$1; shift
    local f k8sns uid a dir
    f=$(seine__pod_file "$pod")
    k8sns=$(cat "$f.k8sns")
    uid=$(cat "$f.uid")
    dir=$(seine_node_dir)/manifests
    {
        printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$k8sns"
    } >"$dir/namespace-$k8sns.yaml"
    {
        printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  uid: %s\n' \
            "$pod" "$k8sns" "$uid"
        printf '  labels:\n    app: %s\n' "$pod"
        if [ $# -gt 0 ]; then
            printf '  annotations:\n'
            for a in "$@"; do
                printf '    %s: "%s"\n' "${a%%=*}" "${a#*=}"
            done
        fi
        printf 'spec:\n  nodeName: %s\n' "$SEINE_NODE"
    } >"$dir/pod-$k8sns-$pod.yaml"
}

# seine_pod_del POD [IFNAME]: CNI DEL; fails the test if the plugin fails.
seine_pod_del() {
    local pod=$1 ifname=${2:-eth0} f
    f=$(seine__pod_file "$pod")
    seine_cni DEL "$pod" "$ifname" \
        || seine_fail "CNI DEL $pod/$ifname exited $SEINE_CNI_RC: $SEINE_CNI_OUT"
    rm -f "$f.$ifname.json"
}

# seine_pod_remove POD: deletes every attachment of POD, then its namespace
# and manifest.
seine_pod_remove() {
    local pod=$1 f j ifname ns
    f=$(seine__pod_file "$pod")
    for j in "$f".*.cid; do
        [ -e "$j" ] || continue
        ifname=${j#"$f."}
        ifname=${ifname%.cid}
        seine_pod_del "$pod" "$ifname"
        rm -f "$f.$ifname".*
    done
    ns=$(seine_pod_netns "$pod")
    if seine__netns_exists "$ns"; then
        ip netns del "$ns"
        sed -i "/^${ns}\$/d" "$SEINE_RUN/netns.list"
    fi
    rm -f "$(seine_node_dir "$(cat "$f.node" 2>/dev/null)")/manifests/pod-$(cat "$f.k8sns" 2>/dev/null)-$pod.yaml"
    rm -f "$f".*
}

# seine_pod_result POD [IFNAME]: the saved ADD result (JSON).
seine_pod_result() {
    cat "$(seine__pod_file "$1").${2:-eth0}.json"
}

# The pod's interface in the result: the one with a sandbox, else the first.
seine__pod_iface_jq='(.interfaces // []) as $i
    | ([$i[] | select(.sandbox != null and .sandbox != "")] + $i)[0] // {}'

seine_pod_ip() {
    seine_pod_result "$1" "${2:-eth0}" | jq -r '.ips[0].address | split("/")[0]'
}

# seine_pod_ip6 POD [IFNAME]: a dual-stack pod's IPv6 address, from its
# result; nothing for an IPv4-only pod.
seine_pod_ip6() {
    seine_pod_result "$1" "${2:-eth0}" \
        | jq -r '[.ips[] | select(.address | contains(":"))][0].address // empty
                 | split("/")[0]'
}

seine_pod_cidr() {
    seine_pod_result "$1" "${2:-eth0}" | jq -r '.ips[0].address'
}

seine_pod_gateway() {
    seine_pod_result "$1" "${2:-eth0}" | jq -r '.ips[0].gateway // empty'
}

seine_pod_mac() {
    seine_pod_result "$1" "${2:-eth0}" | jq -r "$seine__pod_iface_jq | .mac // empty"
}

seine_pod_socket() {
    seine_pod_result "$1" "${2:-eth0}" \
        | jq -r '[.interfaces[]? | .socketPath // empty][0] // empty'
}

# seine_pod_type POD [IFNAME]: vhostuser when the result has a socketPath,
# else the interfaceType asked for, else the agent's default.
seine_pod_type() {
    local pod=$1 ifname=${2:-eth0} type f
    f=$(seine__pod_file "$pod")
    if [ -n "$(seine_pod_socket "$pod" "$ifname")" ]; then
        echo vhostuser
        return
    fi
    type=$(jq -r '.interfaceType // empty' "$f.$ifname.conf")
    if [ -z "$type" ]; then
        type=$(awk '$1 == "defaultInterfaceType:" { print $2 }' \
            "$(seine_node_dir "$(cat "$f.node")")/agent.yaml")
    fi
    echo "${type:-afxdp}"
}

# seine_pod_exec POD CMD...: runs CMD in the pod's namespace.
seine_pod_exec() {
    local pod=$1; shift
    ip netns exec "$(seine_pod_netns "$pod")" "$@"
}

# seine_pods: the pods of this run, one a line.
seine_pods() {
    local f
    for f in "$SEINE_RUN"/pods/*.netns; do
        [ -e "$f" ] || continue
        f=${f##*/}
        echo "${f%.netns}"
    done
}

# ---------------------------------------------------------------------------
# DPDK testpmd as a vhost-user pod's application

# seine_testpmd_start POD [MODE] [IFNAME]: starts dpdk-testpmd in POD's
# namespace as the vhost-user server on the socket the CNI result names,
# forwarding mode MODE (rxonly, txonly, io, macswap, ...; default rxonly),
# and waits for the link to come up.  Needs a DPDK node (hugepages).
seine_testpmd_start() {
    local pod=$1 mode=${2:-rxonly} ifname=${3:-eth0} sock mac
    sock=$(seine_pod_socket "$pod" "$ifname")
    [ -n "$sock" ] || seine_fail "pod $pod/$ifname has no vhost-user socketPath"
    mac=$(seine_pod_mac "$pod" "$ifname")
    seine_testpmd_start_at "$pod" "$sock" "$mode" "$mac" "$ifname"
}

# seine_testpmd_start_at NAME SOCKET MODE [MAC] [IFNAME] [TESTPMD_ARGS...]:
# the same for a socket given directly (NAME: a pod, whose namespace is
# used if it exists), with extra testpmd application arguments, e.g.
# --eth-peer=0,MAC --tx-ip=SRC,DST for txonly.  SEINE_TESTPMD_CORES holds
# testpmd's core options (default "-l 0,1": forwarding on core 1).
seine_testpmd_start_at() {
    local pod=$1 sock=$2 mode=$3 mac=${4:-} ifname=${5:-eth0}
    shift $(($# < 5 ? $# : 5))
    local name=testpmd-$pod-$ifname ns="" vdev prefix
    local -a cores
    read -r -a cores <<<"${SEINE_TESTPMD_CORES:--l 0,1}"
    ns=$(seine_pod_netns "$pod")
    seine__netns_exists "$ns" || ns=""
    command -v dpdk-testpmd >/dev/null || seine_skip "dpdk-testpmd not installed"
    vdev="virtio_user0,path=$sock,server=1,queues=1${mac:+,mac=$mac}"
    # DPDK's runtime folder is per --file-prefix: one per testpmd, and one
    # per run so parallel runs never share it.
    prefix=$(seine__dpdk_prefix "$pod-$ifname")
    # About 400 pages with this mbuf count (measured); without the limit
    # testpmd takes whatever is free.
    seine_hugepages_reserve 450
    seine_bg_start "$name" "$ns" stdbuf -oL dpdk-testpmd "${cores[@]}" --in-memory \
        --single-file-segments --no-pci --file-prefix="$prefix" --vdev="$vdev" \
        --log-level=pmd.net.virtio.*:notice \
        -- --forward-mode="$mode" --auto-start --no-mlockall --disable-link-check \
        --total-num-mbufs=16384 "$@"
    echo "$prefix" >"$SEINE_RUN/bg/$name.prefix"
    # testpmd's own link check busy-waits on a core OVS needs; OVS's view
    # of the port (its vhost-user client connected) is the one that matters.
    if ! seine_wait_until 30 seine__testpmd_ready "$name" "$sock"; then
        seine__dump_file "$SEINE_RUN/bg/$name.log"
        seine_bg_alive "$name" || seine_fail "testpmd for $pod exited"
        seine_fail "vhost-user port on $sock did not come up in OVS"
    fi
}

seine__testpmd_ready() {
    seine_bg_alive "$1" && seine__vhost_link_up "$2" \
        && [ -S "/var/run/dpdk/$(cat "$SEINE_RUN/bg/$1.prefix")/dpdk_telemetry.v2" ]
}

# seine__vhost_link_up SOCKET: the OVS interface using SOCKET is up.
seine__vhost_link_up() {
    [ "$(seine_vsctl --bare --columns=link_state find Interface \
        "options:vhost-server-path=\"$1\"")" == up ]
}

seine_testpmd_stop() {
    local pod=$1 ifname=${2:-eth0} name prefix
    name=testpmd-$pod-$ifname
    seine_bg_stop "$name"
    prefix=$(cat "$SEINE_RUN/bg/$name.prefix" 2>/dev/null || true)
    [ -z "$prefix" ] || rm -rf "/var/run/dpdk/$prefix"
}

# seine_testpmd_stats POD [IFNAME]: the port's counters as JSON, e.g.
# {"ipackets": 12, "opackets": 0, "ibytes": ..., "obytes": ..., "imissed":
# ..., "ierrors": ..., "oerrors": ..., "rx_nombuf": ...}, read through
# DPDK's telemetry socket.
seine_testpmd_stats() {
    local pod=$1 ifname=${2:-eth0} prefix sock
    prefix=$(cat "$SEINE_RUN/bg/testpmd-$pod-$ifname.prefix")
    sock=/var/run/dpdk/$prefix/dpdk_telemetry.v2
    python3 - "$sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
s.recv(4096)                      # the greeting
s.send(b"/ethdev/stats,0")
reply = json.loads(s.recv(65536))
stats = reply["/ethdev/stats"]
print(json.dumps({k: v for k, v in stats.items() if not isinstance(v, list)}))
PY
}

# seine_testpmd_rx POD [IFNAME]: packets received so far.
seine_testpmd_rx() {
    seine_testpmd_stats "$@" | jq -r .ipackets
}

# seine_testpmd_link POD [IFNAME]: "up" or "down" (testpmd's side).
seine_testpmd_link() {
    local pod=$1 ifname=${2:-eth0} prefix
    prefix=$(cat "$SEINE_RUN/bg/testpmd-$pod-$ifname.prefix")
    python3 - "/var/run/dpdk/$prefix/dpdk_telemetry.v2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
s.recv(4096)
s.send(b"/ethdev/link_status,0")
print(json.loads(s.recv(65536))["/ethdev/link_status"]["status"].lower())
PY
}

# ---------------------------------------------------------------------------
# Traffic

# seine_udp_send POD DST_IP COUNT [PORT]: COUNT UDP datagrams from POD.
seine_udp_send() {
    local pod=$1 dst=$2 count=$3 port=${4:-9}
    seine_pod_exec "$pod" bash -c '
        for ((i = 0; i < $2; i++)); do
            echo seine >"/dev/udp/$1/$3" || exit 1
        done' sh "$dst" "$count" "$port"
}

# seine_tcp_check SRC_NETNS DST_NETNS DST_IP [PORT]: a short TCP transfer
# (1 MB with iperf3) from SRC_NETNS to a server in DST_NETNS; 0 on success.
seine_tcp_check() {
    local src=$1 dst=$2 ip=$3 port=${4:-5201} name rc=0
    name=iperf3-$dst-$port
    seine_bg_start "$name" "$dst" iperf3 -s -1 -p "$port" -B "$ip"
    seine_wait_until 5 sh -c "ip netns exec '$dst' ss -Hltn 'sport = :$port' | grep -q ."
    timeout 10 ip netns exec "$src" iperf3 -c "$ip" -p "$port" -n 1M \
        --connect-timeout 2000 >/dev/null 2>&1 || rc=$?
    seine_bg_stop "$name"
    return "$rc"
}

# ---------------------------------------------------------------------------
# Teardown

# seine_tmpfs_mount DIR SIZE: a tmpfs of SIZE (e.g. 1m) on DIR, which the
# teardown unmounts (a folder of the run on a file system of its own, to
# fill or make read-only).
seine_tmpfs_mount() {
    mount -t tmpfs -o "size=$2,mode=0700" seine-test "$1"
    echo "$1" >>"$SEINE_RUN/mounts.list"
}

# seine_teardown: stops every process the run started (pidfiles), deletes
# every namespace it created (recorded list), unmounts what
# seine_tmpfs_mount mounted, restores hugepages and removes
# the run folder (kept with SEINE_KEEP=1).  Processes go first: a namespace
# whose processes live on does not go away.
seine_teardown() {
    [ -n "$SEINE_RUN" ] && [ -d "$SEINE_RUN" ] || return 0
    local f name dir ns
    for f in "$SEINE_RUN"/bg/*.pid; do
        [ -e "$f" ] || continue
        name=${f##*/}
        seine_bg_stop "${name%.pid}"
    done
    for f in "$SEINE_RUN"/bg/testpmd-*.prefix; do
        [ -e "$f" ] && rm -rf "/var/run/dpdk/$(cat "$f")"
    done
    for dir in "$SEINE_RUN"/*/; do
        [ -e "$dir/ovsdb-server.pid" ] || [ -e "$dir/ovs-vswitchd.pid" ] \
            || [ -e "$dir/seine-agent.pid" ] || continue
        seine__stop_pidfile "$dir/seine-agent.pid" seine-agent 10
        seine__stop_pidfile "$dir/ovs-vswitchd.pid" ovs-vswitchd 10
        seine__stop_pidfile "$dir/ovsdb-server.pid" ovsdb-server
        rm -rf "/var/run/dpdk/$(seine__dpdk_prefix "$(basename "$dir")")"
    done
    if [ -s "$SEINE_RUN/mounts.list" ]; then
        while read -r dir; do
            umount "$dir" 2>/dev/null || umount -l "$dir" || seine_log "could not unmount $dir"
        done <"$SEINE_RUN/mounts.list"
        : >"$SEINE_RUN/mounts.list"
    fi
    while read -r ns; do
        [ -n "$ns" ] || continue
        seine__netns_exists "$ns" || continue
        seine__netns_pids_kill "$ns"
        ip netns del "$ns" || seine_log "could not delete netns $ns"
    done <"$SEINE_RUN/netns.list"
    : >"$SEINE_RUN/netns.list"
    seine_hugepages_restore
    if [ "$SEINE_KEEP" == 1 ]; then
        seine_log "kept $SEINE_RUN"
    else
        rm -rf "$SEINE_RUN"
    fi
}

# A process left in one of our namespaces (started there by a test without
# seine_bg_start) would keep it alive: stop it, it is ours.
seine__netns_pids_kill() {
    local ns=$1 pids
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [ -n "${pids// /}" ] || return 0
    seine_log "netns $ns: stopping leftover processes $pids"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    sleep 0.5
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -z "${pids// /}" ] || kill -KILL $pids 2>/dev/null
}
