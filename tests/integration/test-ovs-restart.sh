#!/usr/bin/env bash
# ovs-vswitchd restarts under a running agent: the switch comes back with
# an empty flow table and a new gateway port.  The agent must notice on its
# own (no CNI call), reconnect, and reinstall the node's and the pods'
# flows, so pod traffic resumes within seconds, and CNI calls work again.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
seine_test_begin ovs-restart
seine_require_cmd ping
seine_node_start
seine_pod_add a
seine_pod_add b
b_ip=$(seine_pod_ip b)

seine_assert_ok seine_pod_exec a ping -c1 -W1 "$b_ip"
echo "ok - pods reach each other before the restart"

seine_vswitchd_stop
seine_vswitchd_start

# The new switch starts with none of our flows; traffic must come back
# without any CNI call.
if seine_wait_until 20 seine_pod_exec a ping -c1 -W1 "$b_ip"; then
    echo "ok - pod traffic resumed after the switch restarted"
else
    seine_dump_logs
    seine_fail "pods do not reach each other 20 s after ovs-vswitchd restarted"
fi
seine_assert_ok seine_pod_exec a ping -c1 -W1 10.244.1.1
echo "ok - the gateway answers again (its address was restored)"

n_flows=$(seine_ofctl dump-flows | grep -c cookie=)
[ "$n_flows" -gt 30 ] || seine_fail "only $n_flows flows after the restart"
echo "ok - $n_flows flows reinstalled"

seine_pod_add c
seine_assert_ok seine_pod_exec c ping -c1 -W1 "$b_ip"
echo "ok - a pod added after the restart works"
seine_assert_ok seine_cni CHECK a eth0
echo "ok - CHECK of a pod from before the restart passes"
