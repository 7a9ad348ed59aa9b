#!/usr/bin/env bash
# DEL then ADD of the same container ID and ifname, as `podman network
# reload` and a runtime's retried sandbox setup do, back to back and with
# the pod's own traffic running through it: every re-ADD must leave a pod
# that works (ping), whose interface is up on both sides of OVS, and that
# CHECK calls healthy.  ovs-vswitchd releases a deleted port after the
# database says it is gone, and what it releases it finds by name: a new
# interface under the old name was left down or without its XDP program.
#
# CHECK must fail (105) when the host end is down, the OVS port reports
# its link down, or its ofport is not the one the pod's flows use.
#
# SEINE_TEST_CYCLES (default 100) afxdp cycles; tap does a fifth of them,
# vhost-user (on a DPDK node) a twentieth, each with testpmd reconnected.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin readd
seine_require_cmd ping
cycles=${SEINE_TEST_CYCLES:-100}
ck_node_start_all_types
dpdk=$CK_DPDK
gw=10.244.1.1

seine_pod_add w
w_ip=$(seine_pod_ip w)

# healthy POD: what a user of the pod would see, after one re-ADD.
healthy() {
    local pod=$1 type=$2 port
    port=$(ck_port "$pod")
    # A tap has no host end: OVS holds it by its file descriptor, in the pod.
    [ "$type" != afxdp ] || seine_node_exec ip link show dev "$port" | grep -q '[<,]UP[,>]' \
        || { echo "host end $port down"; return 1; }
    [ "$type" == tap ] || [ "$(seine_vsctl get Interface "$port" link_state)" == up ] \
        || { echo "OVS port $port link_state $(seine_vsctl get Interface "$port" link_state)"; return 1; }
    [ "$type" != tap ] || seine_pod_exec "$pod" ip link show dev eth0 | grep -q '[<,]UP[,>]' \
        || { echo "tap eth0 down in the pod"; return 1; }
    # One lost echo is no failure; a dead pod answers none of three.
    seine_pod_exec "$pod" ping -c3 -i0.2 -W1 -w3 -q "$w_ip" >/dev/null \
        || { echo "no answer from $w_ip"; return 1; }
    seine_cni CHECK "$pod" || { echo "CHECK: $SEINE_CNI_OUT"; return 1; }
}

# readd POD TYPE COUNT: COUNT DEL+ADD cycles with the pod's traffic to w
# running all the while; reports the first cycle that leaves it unhealthy.
readd() {
    local pod=$1 type=$2 count=$3 i why start
    seine_pod_add "$pod" "$type"
    # By its pidfile: a ping left running would outlive the test.
    seine_bg_start "pinger-$pod" "$(seine_pod_netns "$pod")" ping -i 0.01 -q "$w_ip"
    start=$(date +%s)
    for ((i = 1; i <= count; i++)); do
        # Back to back, as a runtime's reload calls the plugin: the switch
        # may still be releasing the old port when the new ADD starts.
        if ! seine_cni DEL "$pod" || ! seine_cni ADD "$pod"; then
            why="cycle $i: $SEINE_CNI_OUT"
            break
        fi
        printf '%s\n' "$SEINE_CNI_OUT" >"$(seine__pod_file "$pod").eth0.json"
        why=$(healthy "$pod" "$type") || break
    done
    seine_bg_stop "pinger-$pod"
    [ -z "$why" ] || ck_fail "$type: $count DEL+ADD cycles of one container ID under traffic" \
        "cycle $i: $why"
    ck_pass "$type: $count DEL+ADD cycles of one container ID under traffic, each followed by ping and CHECK ($(($(date +%s) - start)) s)"
    seine_pod_remove "$pod"
}

readd a afxdp "$cycles"
readd t tap $(( (cycles + 4) / 5 ))

# A busy switch: ovs-vswitchd held (SIGSTOP) while DEL and ADD run, so that
# the old port's release and the new port's creation reach it in one
# reconfiguration.  The new port must still be the one it opens.
vswitchd_pid=$(cat "$(seine_node_dir)/ovs-vswitchd.pid")
cont_vswitchd() { kill -CONT "$vswitchd_pid" 2>/dev/null || true; }
# (a held switch would not stop on the cleanup trap's SIGTERM)
trap 'rc=$?; set +e; cont_vswitchd; (exit "$rc"); seine__exit_trap' EXIT
seine_pod_add s afxdp
for type in afxdp tap; do
    for ((i = 1; i <= 3; i++)); do
        kill -STOP "$vswitchd_pid"
        seine_cni DEL s >/dev/null &
        del=$!
        sleep 0.5
        seine_cni ADD s "eth0" "$(seine_cni_config "$type")" >"$SEINE_RUN/readd-s.json" &
        add=$!
        sleep 1
        cont_vswitchd
        wait "$del" || ck_fail "DEL of s with the switch held ($type, $i)"
        wait "$add" || ck_fail "ADD of s with the switch held ($type, $i)" "$(cat "$SEINE_RUN/readd-s.json")"
        cp "$SEINE_RUN/readd-s.json" "$(seine__pod_file s).eth0.json"
        seine_cni_config "$type" >"$(seine__pod_file s).eth0.conf"
        why=$(healthy s "$type") || ck_fail "$type: re-ADD while the switch is held ($i)" "$why"
    done
    ck_pass "$type: 3 re-ADDs while ovs-vswitchd was held leave a pod that works and CHECK calls healthy"
done
trap seine__exit_trap EXIT
seine_pod_remove s

if [ "$dpdk" == 1 ]; then
    vcycles=$(( (cycles + 19) / 20 ))
    seine_pod_add v vhostuser
    start=$(date +%s)
    for ((i = 1; i <= vcycles; i++)); do
        seine_testpmd_start v
        port=$(ck_port v)
        [ "$(seine_vsctl get Interface "$port" link_state)" == up ] \
            || ck_fail "vhost-user cycle $i: port $port link up" \
                "$(seine_vsctl get Interface "$port" link_state)"
        seine_cni CHECK v || ck_fail "vhost-user cycle $i: CHECK" "$SEINE_CNI_OUT"
        seine_testpmd_stop v
        seine_pod_del v
        seine_pod_add v vhostuser 2>/dev/null
    done
    ck_pass "vhostuser: $vcycles DEL+ADD cycles of one container ID, testpmd connected and CHECK passing each time ($(($(date +%s) - start)) s)"
    ck_cni_code "CHECK of a vhost-user pod whose server is not connected fails" 105 CHECK v
    seine_pod_remove v
fi

# --- CHECK sees a broken interface --------------------------------------------
seine_pod_add b
port=$(ck_port b)
ck_cni_ok "CHECK b passes" CHECK b
seine_node_exec ip link set dev "$port" down
ck_cni_code "CHECK b fails while its host end is down" 105 CHECK b
seine_node_exec ip link set dev "$port" up
seine_wait_until 5 seine_cni CHECK b
ck_cni_ok "CHECK b passes again once it is up" CHECK b
ofport=$(ck_ofport "$port")
seine_vsctl set Interface "$port" ofport_request=$((ofport + 50))
seine_wait_until 5 test "$(ck_ofport "$port")" == $((ofport + 50))
ck_cni_code "CHECK b fails once its port is renumbered away from its flows" 105 CHECK b
ck_ok "w still reaches the gateway" ck_ping w "$gw"
ck_done
