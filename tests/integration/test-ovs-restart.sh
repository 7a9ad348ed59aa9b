#!/usr/bin/env bash
# First ovsdb-server dies (SIGKILL) and comes back over its database under
# pod traffic: not one packet is lost, every port stays (none is
# transient), and the agent reconnects on its own, so an ADD works again.
#
# Then ovs-vswitchd restarts under a running agent: the switch comes back with
# an empty flow table and a new gateway port.  The agent must notice on its
# own (no CNI call), reconnect, and reinstall the node's and the pods'
# flows, so pod traffic resumes within seconds, and CNI calls work again.
# The switch is started with other_config:flow-restore-wait=true, as the
# node's start-up script does over an existing bridge: it holds until the
# agent, having reinstalled every flow, removes the key.  Tap pods come
# back too: their taps outlive the old switch with nobody reading them,
# the new one makes them again in the node's namespace, and the agent
# puts the new ones in the pods in place of the old, set up as ADD did.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
seine_test_begin ovs-restart
seine_require_cmd ping
seine_node_start
seine_pod_add a
seine_pod_add b
seine_pod_add ta tap
seine_pod_add tb tap
b_ip=$(seine_pod_ip b) tb_ip=$(seine_pod_ip tb)

seine_assert_ok seine_pod_exec a ping -c1 -W1 "$b_ip"
echo "ok - pods reach each other before the restart"

ports() { seine_vsctl --no-wait list-ports "$SEINE_BRIDGE" | sort; }
ports0=$(ports)
seine_bg_start ping-ovsdb "$(seine_pod_netns a)" ping -i 0.01 -c 400 -W 1 "$b_ip"
sleep 1
seine_ovsdb_kill
sleep 1
seine_ovsdb_start
seine_bg_wait ping-ovsdb 15 || true
seine_assert_eq "$(seine_ping_loss ping-ovsdb)" 0% "400 pings at 100/s across the ovsdb-server restart: loss"
seine_bg_stop ping-ovsdb
echo "ok - no packet lost while ovsdb-server restarted"
seine_assert_eq "$(ports)" "$ports0" "the bridge's ports after the ovsdb-server restart"
seine_assert_eq "$(seine_vsctl --no-wait --columns=other_config find Interface \
    other_config:transient=true)" "" "transient interfaces"
echo "ok - every port stayed, none transient"
seine_pod_add d
seine_assert_ok seine_pod_exec d ping -c1 -W1 "$b_ip"
echo "ok - the agent reconnected to ovsdb-server: a new pod works"

# restore_wait: the database's flow-restore-wait key ("" when absent).
restore_wait() {
    seine_vsctl --no-wait --if-exists get Open_vSwitch . \
        other_config:flow-restore-wait 2>/dev/null | tr -d '"'
}
no_restore_wait() { [ -z "$(restore_wait)" ]; }

agent_pid=$(cat "$(seine_node_dir)/seine-agent.pid")
kill -STOP "$agent_pid"
seine_vswitchd_stop --kill
seine_vswitchd_start
seine_assert_eq "$(restore_wait)" true "flow-restore-wait over the existing bridge"
seine_assert_fails seine_pod_exec a ping -c1 -W1 "$b_ip"
echo "ok - the restarted switch holds (flow-restore-wait) while the agent is held"
kill -CONT "$agent_pid"
resumed_at=$(date +%s%N)

# The new switch starts with none of our flows; traffic must come back
# without any CNI call.
if seine_wait_until 20 seine_pod_exec a ping -c1 -W1 "$b_ip"; then
    echo "ok - pod traffic resumed after the switch restarted" \
        "($(( ($(date +%s%N) - resumed_at) / 1000000 )) ms after the agent ran again)"
else
    seine_dump_logs
    seine_fail "pods do not reach each other 20 s after ovs-vswitchd restarted"
fi
seine_assert_ok seine_pod_exec a ping -c1 -W1 10.244.1.1
echo "ok - the gateway answers again (its address was restored)"
if seine_wait_until 10 seine_pod_exec ta ping -c1 -W1 "$tb_ip"; then
    echo "ok - tap pods reach each other again (their taps moved back into the pods)"
else
    seine_dump_logs
    seine_fail "tap pods do not reach each other after ovs-vswitchd restarted"
fi
seine_assert_ok seine_pod_exec ta ping -c1 -W1 "$b_ip"
echo "ok - ... and the AF_XDP pods"
seine_assert_match "$(cat "$(seine_node_dir)/seine-agent.log")" "moved back into" "the agent log"
seine_wait_until 10 no_restore_wait \
    || seine_fail "flow-restore-wait still set after the flows were restored"
seine_assert_match "$(cat "$(seine_node_dir)/seine-agent.log")" "flow-restore-wait removed" "the agent log"
echo "ok - the agent removed flow-restore-wait once its flows were in place"

n_flows=$(seine_ofctl dump-flows | grep -c cookie=)
[ "$n_flows" -gt 30 ] || seine_fail "only $n_flows flows after the restart"
echo "ok - $n_flows flows reinstalled"

seine_pod_add c
seine_assert_ok seine_pod_exec c ping -c1 -W1 "$b_ip"
echo "ok - a pod added after the restart works"
seine_assert_ok seine_cni CHECK a eth0
echo "ok - CHECK of a pod from before the restart passes"

# ovs-vswitchd dies in the middle of an ADD (SIGKILL while the agent waits
# for the switch to open the pod's port) and comes back.  The new switch
# numbers its ports anew: the ADD waits for the agent to reconnect and
# rebuild the other pods' flows, reads its port's new number and completes
# (before, its flows could meet another pod's stale ones: 102 "File
# exists").  Only the CNI timeout may end it first, with "try again later"
# (11); then the runtime's DEL and a retried ADD make the pod.  Its last
# DEL leaves nothing of it.
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
printf '%s\n' "${SEINE_NS_PREFIX}e" >"$(seine__pod_file e).netns"
seine_netns_add "$(seine_pod_netns e)"
echo default >"$(seine__pod_file e).k8sns"
echo "$SEINE_NODE" >"$(seine__pod_file e).node"
e_conf=$(seine_cni_config afxdp)
(seine_cni ADD e eth0 "$e_conf" || true
 echo "$SEINE_CNI_RC" >"$SEINE_RUN/midadd.rc"
 printf '%s' "$SEINE_CNI_OUT" >"$SEINE_RUN/midadd.out") &
add_pid=$!
sleep 0.05
[ ! -e "$SEINE_RUN/midadd.rc" ] || seine_fail "the ADD ended before the switch was killed: nothing was cut"
seine_vswitchd_stop --kill
seine_vswitchd_start
wait "$add_pid"
add_rc=$(cat "$SEINE_RUN/midadd.rc")
if [ "$add_rc" == 0 ]; then
    echo "ok - the ADD cut by the switch's death completed once it was back"
else
    code=$(jq -r '.code // empty' "$SEINE_RUN/midadd.out")
    case $code in
    11) echo "ok - the ADD cut by the switch's death failed with code $code: $(jq -r .msg "$SEINE_RUN/midadd.out")" ;;
    *) seine_fail "the ADD cut by the switch's death: exit $add_rc, $(cat "$SEINE_RUN/midadd.out")" ;;
    esac
    seine_wait_until 20 seine_cni DEL e eth0 "$e_conf" \
        || seine_fail "DEL after the failed ADD: $SEINE_CNI_OUT"
    seine_wait_until 20 seine_cni ADD e eth0 "$e_conf" \
        || seine_fail "the retried ADD: $SEINE_CNI_OUT"
    echo "ok - after the runtime's DEL the retried ADD succeeded"
fi
e_ip=$(jq -r .ip "$(ck_record e)")
seine_wait_until 20 seine_pod_exec e ping -c1 -W1 "$b_ip" \
    || seine_fail "pod e does not reach b after the switch restart"
echo "ok - pod e reaches b"
e_port=$(ck_port e)
e_owner=$(ck_owner_of_ofport "$(ck_ofport "$e_port")")
e_cid=$(ck_cid e)
seine_cni DEL e eth0 "$e_conf" || seine_fail "DEL e: $SEINE_CNI_OUT"
seine_assert_eq "$(ck_leftovers "$e_cid" eth0 "$e_port" "$e_ip" "$e_owner")" "" \
    "what DEL left of the pod whose ADD the switch's death cut"
seine_assert_eq "$(ck_node_pod_links | grep -vx "$(ck_port a)" | grep -vx "$(ck_port b)" \
    | grep -vx "$(ck_port c)" | grep -vx "$(ck_port d)" || true)" "" \
    "pod links on the node besides the live pods'"
echo "ok - DEL left nothing of it"
