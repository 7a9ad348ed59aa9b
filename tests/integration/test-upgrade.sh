#!/usr/bin/env bash
# An upgrade under traffic.  The previous release's agent and plugin
# (tests/integration/upgrade-from names its version and commit; both are
# built from this repository's history, once, into /var/cache/seine) run a
# node with AF_XDP and tap pods.  Its agent is then replaced by
# this tree's (SIGTERM, start), as a DaemonSet rollout does, while a ping
# at 100/s between AF_XDP pods, a UDP stream between tap pods and a TCP
# transfer between two other AF_XDP pods run: none loses a packet.  (vhost-user
# pods across an agent restart: test-vhostuser.)
# The new agent adopts every flow (re-stamped with its round, none of the
# old round left), writes the state and cookie formats (formats.h), and
# serves pods the old plugin added, and the old plugin too (the plugin
# binary on a node is replaced after the agent).  A state folder of a
# newer format stops the new agent with nothing changed.
# SEINE_RECORD_STATE=DIR copies the old agent's state folder to DIR (how
# tests/unit/state-fixtures/VERSION was made).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin upgrade
seine_require_cmd git iperf3
read -r prev_version prev_commit <"$(dirname "$0")/upgrade-from"

# release_build: the build folder of the previous release's agent and
# plugin, built on first use.
release_build() {
    local dir=/var/cache/seine/release-$prev_version-${prev_commit:0:8}
    if [ ! -x "$dir/build/agent/seine-agent" ] || [ ! -x "$dir/build/cni/seine-cni" ]; then
        git -C "$SEINE_TOP" cat-file -e "$prev_commit^{commit}" 2>/dev/null \
            || seine_fail "release $prev_version ($prev_commit) is not in the history of" \
                "$SEINE_TOP: the upgrade test builds it from there (a clone, not an export)"
        rm -rf "$dir"
        mkdir -p "$dir/src"
        git -C "$SEINE_TOP" archive "$prev_commit" | tar -x -C "$dir/src"
        SEINE_BUILD_DIR=$dir/build SEINE_BUILD_TARGETS="agent/seine-agent cni/seine-cni" \
            "$dir/src/scripts/build" -Dintegration_tests=false >&2 \
            || seine_fail "building release $prev_version failed"
    fi
    echo "$dir/build"
}

old=$(release_build)
new_agent=$SEINE_AGENT_BIN new_cni=$SEINE_CNI_BIN
SEINE_AGENT_BIN=$old/agent/seine-agent SEINE_CNI_BIN=$old/cni/seine-cni
seine_log "release $prev_version from $old"
seine_node_start
dir=$(seine_node_dir)
seine_pod_add a afxdp
seine_pod_add b afxdp
seine_pod_add ta tap
seine_pod_add tb tap
# The TCP transfer has pods of its own: a sender that fills its port's
# ring would otherwise crowd out the ping's requests on the same ring.
seine_pod_add xa afxdp
seine_pod_add xb afxdp
b_ip=$(seine_pod_ip b)
ck_ok "release $prev_version's agent is running" \
    grep -q "seine-agent $prev_version started" "$dir/seine-agent.log"
ck_ok "... and wrote no state format" test ! -e "$dir/state/format"
if [ -n "${SEINE_RECORD_STATE:-}" ]; then
    mkdir -p "$SEINE_RECORD_STATE"
    cp -r "$dir/state/pods" "$dir/state/round" "$SEINE_RECORD_STATE/"
fi

agent_ready() { seine_cni STATUS b; }

round0=$(ck_rounds)
ck_eq "before the upgrade all flows carry one round ($round0)" "$(wc -l <<<"$round0")" 1

seine_bg_start ping "$(seine_pod_netns a)" ping -i 0.01 -c 800 -W 1 "$b_ip"
ck_traffic_start upgrade ta tb xa xb
sleep 1
seine_agent_stop
ck_no "release $prev_version's agent is gone (SIGTERM)" seine_agent_alive
SEINE_AGENT_BIN=$new_agent
seine_agent_start
ck_ok "the new agent answers STATUS to release $prev_version's plugin" \
    seine_wait_until 20 agent_ready
new_version=$(sed -n "s/^ *version: '\\(.*\\)',$/\\1/p" "$SEINE_TOP/meson.build")
ck_ok "... and is this tree's ($new_version)" \
    grep -q "seine-agent $new_version started" "$dir/seine-agent.log"

seine_bg_wait ping 15 || true
ck_eq "800 pings at 100/s between AF_XDP pods across the upgrade: loss" \
    "$(seine_ping_loss ping)" 0%
seine_bg_stop ping
ck_traffic_check upgrade "the upgrade"

round1=$(ck_rounds)
ck_eq "after the upgrade all flows carry one round" "$(wc -l <<<"$round1")" 1
ck_eq "... the next one" "$((0x$round1))" "$((0x$round0 + 1))"
for pod in a b ta tb; do
    ck_ge "pod $pod's flows are there" "$(ck_nflows_of "$(ck_owner_of_ofport "$(ck_ofport "$(ck_port "$pod")")")")" 1
done
ck_eq "the new agent wrote the state format" "$(cat "$dir/state/format" 2>/dev/null)" 1
ck_eq "... and the cookie format" \
    "$(seine_vsctl --no-wait get Open_vSwitch . external_ids:seine-cookie-format 2>/dev/null)" '"1"'

# The old plugin against the new agent, then the new plugin.
seine_pod_add c tap
ck_ok "release $prev_version's plugin adds a pod through the new agent; it pings b" \
    ck_ping c "$b_ip"
c_cid=$(ck_cid c) c_port=$(ck_port c) c_ip=$(seine_pod_ip c)
seine_pod_del c
ck_empty "... and its DEL leaves nothing" "$(ck_leftovers "$c_cid" eth0 "$c_port" "$c_ip" "")"
SEINE_CNI_BIN=$new_cni
ck_cni_ok "the new plugin's CHECK of a pod release $prev_version added passes" CHECK a
a_cid=$(ck_cid a) a_port=$(ck_port a) a_ip=$(seine_pod_ip a)
a_owner=$(ck_owner_of_ofport "$(ck_ofport "$a_port")")
seine_pod_del a
ck_empty "... its DEL leaves nothing" \
    "$(ck_leftovers "$a_cid" eth0 "$a_port" "$a_ip" "$a_owner")"
seine_pod_add d afxdp
ck_ok "a pod the new plugin adds pings b" ck_ping d "$b_ip"
ck_ok "... and its record says its format" \
    jq -e '.format == 1' "$dir/state/pods/$(ck_cid d)_eth0.json"

# A downgrade over newer state is refused before anything changes.
seine_agent_stop
echo 2 >"$dir/state/format"
snap=$(ck_snapshot)
ck_no "the agent refuses a state folder of format 2" \
    ip netns exec "$(seine_node_netns)" "$SEINE_AGENT_BIN" --config="$dir/agent.yaml" \
    --pidfile="$dir/seine-agent.pid" --log-file="$dir/seine-agent.log" \
    --unixctl="$dir/seine-agent.ctl" --detach -vconsole:off -vfile:info
ck_ok "... saying why" grep -q "state format 2 is newer than this agent's (1)" \
    "$dir/seine-agent.log"
ck_eq "... leaving the state and the switch as they were" "$(ck_snapshot)" "$snap"
ck_eq "... and the format file" "$(cat "$dir/state/format")" 2
echo 1 >"$dir/state/format"
seine_agent_start
ck_ok "with the format put back, the agent serves b again" seine_wait_until 20 agent_ready
ck_ok "d still pings b" ck_ping d "$b_ip"
ck_done
