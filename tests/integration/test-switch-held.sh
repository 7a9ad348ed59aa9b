#!/usr/bin/env bash
# The agent never waits on the switch in its loop.  With ovs-vswitchd held
# (SIGSTOP: alive, its sockets open, answering nothing):
#  - an ADD, which waits for the switch to open its port, and a DEL, which
#    waits for the bundle without the pod's flows, are answered "try again
#    later" (11) once cniTimeoutMs has passed, and the failed ADD leaves no
#    port, interface or address behind;
#  - the control socket answers while each of them is outstanding;
#  - the OpenFlow connection times out (switchTimeoutMs) and the agent says
#    it is not ready.
# Once the switch runs again the agent reconnects in the background, reads
# its flows and commits the difference: the retried DEL and ADD succeed and
# the new pod works, and incremental equals full (recompute).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin switch-held
seine_require_cmd ping
cni_timeout=3000
export SEINE_AGENT_CONFIG_EXTRA="cniTimeoutMs: $cni_timeout
switchTimeoutMs: 2000"
seine_node_start

seine_pod_add w
w_ip=$(seine_pod_ip w)
seine_pod_add a
a_port=$(ck_port a)

vswitchd_pid=$(cat "$(seine_node_dir)/ovs-vswitchd.pid")
cont_vswitchd() { kill -CONT "$vswitchd_pid" 2>/dev/null || true; }
# (a held switch would not stop on the cleanup trap's SIGTERM)
trap 'rc=$?; set +e; cont_vswitchd; (exit "$rc"); seine__exit_trap' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# held_request WHAT CMD POD [IFNAME CONFIG]: CMD with the switch held must
# answer 11 after cniTimeoutMs (and in well under seine-cni's 60 s), while
# the control socket answers.
held_request() {
    local what=$1 out rc=0 t0 ms c0 code; shift
    t0=$(now_ms)
    (
        rc=0
        seine_cni "$@" || rc=$?
        printf '%s\n' "$SEINE_CNI_OUT"
        exit "$rc"
    ) >"$SEINE_RUN/held.out" &
    local req=$!
    sleep 1
    c0=$(now_ms)
    out=$(seine_appctl -t seine-agent flows/commits) \
        || ck_fail "$what: the control socket answers while it waits" "$out"
    kill -0 "$req" 2>/dev/null \
        || ck_fail "$what: still waiting when the control socket answered"
    ck_pass "$what: the control socket answers in $(($(now_ms) - c0)) ms while the request waits for the held switch"
    wait "$req" || rc=$?
    ms=$(($(now_ms) - t0))
    code=$(jq -r '.code // empty' "$SEINE_RUN/held.out" 2>/dev/null || true)
    if [ "$rc" == 0 ] || [ "$code" != 11 ]; then
        ck_fail "$what: answered 11" "exit $rc: $(cat "$SEINE_RUN/held.out")"
    fi
    if [ "$ms" -lt $((cni_timeout - 100)) ] || [ "$ms" -ge 20000 ]; then
        ck_fail "$what: answered after cniTimeoutMs, well before 60 s" "$ms ms"
    fi
    ck_pass "$what: answered 11 after $ms ms (cniTimeoutMs $cni_timeout): $(jq -r .msg "$SEINE_RUN/held.out")"
}

seine_vsctl list-ports "$SEINE_BRIDGE" | sort >"$SEINE_RUN/ports.before"
seine_node_exec ip -o link show | awk -F': ' '{print $2}' | sort >"$SEINE_RUN/links.before"

seine_netns_add "$(seine_pod_netns h)"
seine_netns_add "$(seine_pod_netns h2)"
kill -STOP "$vswitchd_pid"
held_request "ADD h with ovs-vswitchd held" ADD h eth0 "$(seine_cni_config afxdp)"
seine_vsctl list-ports "$SEINE_BRIDGE" | sort >"$SEINE_RUN/ports.after"
seine_node_exec ip -o link show | awk -F': ' '{print $2}' | sort >"$SEINE_RUN/links.after"
ck_eq "... and leaves no OVS port behind" \
    "$(comm -13 "$SEINE_RUN/ports.before" "$SEINE_RUN/ports.after" | tr '\n' ' ')" ""
ck_eq "... nor a host interface" \
    "$(comm -13 "$SEINE_RUN/links.before" "$SEINE_RUN/links.after" | tr '\n' ' ')" ""
ck_eq "... nor an interface in the pod" \
    "$(seine_pod_exec h ip -o link show dev eth0 2>/dev/null | wc -l)" 0

# The held ADD may have outlasted switchTimeoutMs: the switch runs again
# until the agent is back, so that the DEL finds its connection up.
cont_vswitchd
seine_wait_until 20 seine_cni STATUS a || ck_fail "the agent is ready again" "$SEINE_CNI_OUT"
losses=$(grep -c "OpenFlow connection lost" "$(seine_node_dir)/seine-agent.log" || true)
more_losses() { [ "$(grep -c "OpenFlow connection lost" "$(seine_node_dir)/seine-agent.log")" -gt "$losses" ]; }
kill -STOP "$vswitchd_pid"
held_request "DEL a with ovs-vswitchd held (its flows' bundle unanswered)" DEL a
# The echo every 2 s is unanswered too: the connection times out.
seine_wait_until 10 more_losses \
    || ck_fail "the agent notices the switch stopped answering OpenFlow"
ck_cni_code "a request while the connection is down is told to try again" 11 ADD h2 eth0 "$(seine_cni_config afxdp)"
cont_vswitchd

# The runtime retries until the agent answers.
retry() { seine_wait_until 30 seine_cni "$@"; }
retry DEL a || ck_fail "DEL a retried once the switch runs again" "$SEINE_CNI_OUT"
ck_pass "DEL a retried once the switch runs again succeeds"
ck_eq "... and port $a_port is gone" "$(seine_vsctl list-ports "$SEINE_BRIDGE" | grep -c "^$a_port$")" 0
retry DEL h2 || ck_fail "DEL h2" "$SEINE_CNI_OUT"
seine_pod_add h
ck_cni_ok "ADD h retried once the switch runs again: CHECK passes" CHECK h
seine_pod_exec h ping -c3 -i0.2 -W1 -w5 -q "$w_ip" >/dev/null \
    || ck_fail "h reaches w"
ck_pass "h reaches w ($w_ip)"
ck_recompute
ck_done
