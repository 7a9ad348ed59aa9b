#!/usr/bin/env bash
# shellcheck disable=SC2016  # jq and awk programs
# seine-pmd and the agent's PMD plan on a real node: the agent applies a
# shared plan at start-up (pmd.apply) over the library's 0x1 / 500 us, the
# drift metric sees a key changed by hand, seine-pmd plans, applies (and
# applies again, changing nothing), and show reports the values OVS reads
# back and the PMD that polls the pod ports, with no drift.  Refused plans
# change nothing.  Everything is the test's own OVS in its own namespace;
# the machine's hugepages are not touched (no DPDK).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
# Not the plan's values, so that applying it changes them.
SEINE_PMD_CPU_MASK=0x1
SEINE_PMD_MAXSLEEP=500
SEINE_AGENT_CONFIG_EXTRA="pmd: {apply: true, intent: shared}"
seine_test_begin pmd-config
seine_require_cmd curl ping
pmd_bin=$SEINE_BUILD_DIR/pmd-config/seine-pmd
[ -x "$pmd_bin" ] || seine_skip "$pmd_bin not built"
[ "$(nproc)" -ge 2 ] || seine_skip "a shared plan wants a second CPU for its PMD"
seine_node_start
dir=$(seine_node_dir)

# pmd ARGS...: seine-pmd against the node's OVS; output in $out, exit in $rc.
out=
rc=0
pmd() {
    rc=0
    out=$("$pmd_bin" "$@" --db "unix:$dir/db.sock" --rundir "$dir" 2>&1) || rc=$?
}
other_config() {
    seine_vsctl get Open_vSwitch . "other_config:$1" | tr -d '"'
}
# drift KEY: the agent's seine_pmd_config_drift sample for KEY.
drift() {
    seine_node_exec curl -sS --max-time 5 http://127.0.0.1:9464/metrics \
        | awk -v m="seine_pmd_config_drift{key=\"$1\"}" '$1 == m { print $2 }'
}
drift_is() { [ "$(drift "$1")" == "$2" ]; }

# --- the agent's plan at start-up ----------------------------------------------
# The shared PMD takes the last CPU of the first node.
last_cpu=$(tr ',' '\n' </sys/devices/system/node/node0/cpulist | tail -n 1 \
           | sed 's/.*-//')
want_mask=$(printf '0x%x' $((1 << last_cpu)))
ck_eq "the agent applied its shared plan at start-up: pmd-cpu-mask" \
    "$(other_config pmd-cpu-mask)" "$want_mask"
ck_eq "... and the OVS 3.1 sleep key" "$(other_config pmd-maxsleep)" 1000
ck_ok "the agent logged what it changed" \
    grep -q "pmd: pmd-cpu-mask 0x1 -> $want_mask" "$dir/seine-agent.log"
ck_ok "seine_pmd_config_drift: pmd-cpu-mask does not drift" \
    seine_wait_until 10 drift_is pmd-cpu-mask 0
seine_vsctl set Open_vSwitch . other_config:pmd-cpu-mask=0x1
ck_ok "seine_pmd_config_drift: 1 once pmd-cpu-mask is changed by hand" \
    seine_wait_until 10 drift_is pmd-cpu-mask 1

# --- plan ------------------------------------------------------------------------
pmd plan --intent shared -o json
ck_eq "plan -o json: exit 0" "$rc" 0
ck_eq "plan -o json: not refused" "$(jq -r .refused <<<"$out")" false
ck_eq "plan -o json: pmd-cpu-mask" \
    "$(jq -r '.values[] | select(.name == "pmd-cpu-mask") | .value' <<<"$out")" "$want_mask"
ck_eq "plan -o json: every value has a reason" \
    "$(jq '[.values[] | select(.reason == "")] | length' <<<"$out")" 0
ck_eq "plan -o json: the sleep key ovs-vswitchd's version names" \
    "$(jq -r '.values[] | select(.name | test("sleep")) | .name' <<<"$out")" pmd-maxsleep
pmd plan --intent shared
ck_ok "plan: a table of names, values and reasons" grep -q '^NAME *VALUE *RESTART *REASON' <<<"$out"

# --- apply -----------------------------------------------------------------------
pmd apply --intent shared -o json
ck_eq "apply: exit 0" "$rc" 0
ck_eq "apply: it changed pmd-cpu-mask back" \
    "$(jq -r '.changes[] | select(.name == "pmd-cpu-mask") | "\(.live) \(.want) \(.changed)"' <<<"$out")" \
    "0x1 $want_mask true"
ck_eq "apply: no restart needed" "$(jq '.restartFor | length' <<<"$out")" 0
pmd apply --intent shared -o json
ck_eq "apply again: nothing to change (idempotent)" "$(jq .changed <<<"$out")" 0
for key in pmd-cpu-mask pmd-maxsleep pmd-rxq-assign pmd-auto-lb; do
    ck_eq "OVSDB has the plan's $key" "$(other_config "$key")" \
        "$(jq -r --arg k "$key" '.plan.values[] | select(.name == $k) | .value' <<<"$out")"
done

# --- show, with pods on the PMD --------------------------------------------------
seine_pod_add a
seine_pod_add b
ck_ok "a pings b" ck_ping a "$(seine_pod_ip b)"
port_a=$(ck_port a)
port_b=$(ck_port b)
pmd show -o json
ck_eq "show: exit 0" "$rc" 0
ck_eq "show: OVS reads back pmd-cpu-mask" "$(jq -r '.config["pmd-cpu-mask"]' <<<"$out")" \
    "$(other_config pmd-cpu-mask)"
ck_eq "show: OVS reads back pmd-maxsleep" "$(jq -r '.config["pmd-maxsleep"]' <<<"$out")" 1000
ck_eq "show: one PMD, on the planned CPU" "$(jq -c '[.pmds[].coreId]' <<<"$out")" "[$last_cpu]"
ck_eq "show: it polls both pod ports" \
    "$(jq -r --arg a "$port_a" --arg b "$port_b" \
        '[.pmds[0].rxqs[].port | select(. == $a or . == $b)] | length' <<<"$out")" 2
rxq=$(seine_appctl dpif-netdev/pmd-rxq-show)
ck_ok "pmd-rxq-show: core $last_cpu polls $port_a" \
    awk -v c="core_id $last_cpu:" -v p="$port_a" \
    'index($0, c) { on = 1; next } /^pmd thread/ { on = 0 } on && $2 == p { f = 1 } END { exit !f }' <<<"$rxq"
ck_eq "show: nothing drifts" "$(jq .drifting <<<"$out")" 0
ck_eq "show: the PMD cores are the planned ones" \
    "$(jq -r '.drift[] | select(.name == "pmd-cores") | .drifts' <<<"$out")" false
ck_ok "show: the busy share and cycles per packet are numbers" \
    jq -e '.pmds[0] | (.busyPercent | type == "number") and (.cyclesPerPacket | type == "number")' <<<"$out"
pmd show
ck_ok "show: a table of the PMD threads" grep -q '^CORE *NUMA *BUSY% *CYCLES/PKT' <<<"$out"
ck_ok "seine_pmd_config_drift: 0 again for pmd-cpu-mask" \
    seine_wait_until 10 drift_is pmd-cpu-mask 0
ck_ok "seine_pmd_config_drift: the PMD cores match (within dpstats' 10 s)" \
    seine_wait_until 15 drift_is pmd-cores 0

# --- refusals and exit codes -----------------------------------------------------
far=$(printf '0x1%0250d' 0)
pmd apply --intent shared --set "pmd-cpu-mask=$far"
ck_eq "apply of a mask naming CPU 1000: refused, exit 1" "$rc" 1
ck_ok "... it says the CPU is on no node" grep -q "CPU 1000 is on no NUMA node" <<<"$out"
ck_eq "... and nothing changed" "$(other_config pmd-cpu-mask)" "$want_mask"
if [ -z "$(tr -d '\n' </sys/devices/system/cpu/isolated)" ]; then
    pmd plan --intent dedicated
    ck_eq "plan --intent dedicated without isolated CPUs: refused, exit 1" "$rc" 1
fi
rc=0
"$pmd_bin" show --db "unix:$dir/db.sock" --rundir "$dir/nowhere" >/dev/null 2>&1 || rc=$?
ck_eq "show without ovs-vswitchd: exit 3" "$rc" 3
pmd plan --intents shared
ck_eq "an unknown option: exit 2" "$rc" 2

ck_recompute
ck_done
