#!/usr/bin/env bash
# Crash consistency: ADD/DEL operations of mixed attachment types (afxdp,
# tap and, on a DPDK node, vhost-user) on a few pod slots, the agent
# SIGKILLed at random points during an operation and started again each
# time.  After each kill the test does what a runtime does: an ADD that
# failed is deleted (or, every other time, abandoned: the runtime lost
# track of it), a DEL that failed is retried, and both must succeed.
# At the end, and again after a CNI GC with the runtime's list of valid
# attachments (spec 1.1), the node holds exactly the live attachments: no
# IP allocation, OVS port, host link, vhost-user folder or pod record more,
# and each live pod has its flows, passes CHECK and reaches the gateway.
# What a crash at start-up left on purpose (a half-written record, an
# address without a record, a record without its port) and what appears
# while the agent runs (a veth, a vhost-user folder, an owned OVS port)
# are swept too.
#
# SEINE_CRASH_SEED replays a run's operations, kill points and delays (the
# printed seed); where in an operation a kill lands also depends on timing.
# SEINE_CRASH_OPS (200), SEINE_CRASH_KILLS (20), SEINE_CRASH_SLOTS (8),
# SEINE_TEST_DPDK=0 (no vhost-user).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin crash-consistency
seine_require_cmd ping
ops=${SEINE_CRASH_OPS:-200}
kills=${SEINE_CRASH_KILLS:-20}
slots=${SEINE_CRASH_SLOTS:-8}
seed=${SEINE_CRASH_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
ck_node_start_all_types
types=("${CK_TYPES[@]}")
gw=10.244.1.1
dir=$(seine_node_dir)
ipam=$dir/state/ipam/10.244.1.0_24
echo "# seed $seed (SEINE_CRASH_SEED=$seed replays it): $ops operations," \
    "$kills kills, $slots slots, types ${types[*]}"
RANDOM=$seed
base=$(ck_snapshot)
base_owners=$(seine_ofctl dump-flows | sed -n 's/.*cookie=0x\([0-9a-f]*\)[0-9a-f]\{4\},.*/\1/p' | sort -u)

# The slots: pod[i] is slot i's pod (a namespace and a manifest), live[i]
# the type of its attachment, empty when it has none.  A slot whose ADD
# the runtime abandoned gets a new pod; abandoned lists the old ones.
pod=() live=() abandoned=()
for ((i = 0; i < slots; i++)); do
    pod[i]=s$i
    ck_pod_prepare "${pod[i]}"
    live[i]=""
done

# The kill points: distinct operation numbers, each with the point of the
# call to kill at, in thousandths of how long the last call of the same
# command and type took (so every kill lands during a call, at any step).
declare -A kill_at=() took_ms=()
while [ "${#kill_at[@]}" -lt "$kills" ]; do
    kill_at[$((RANDOM % ops))]=$((RANDOM % 1000))
done

agent_ready() { seine_cni STATUS s0; }

# cni_prepare OP SLOT TYPE: what a runtime has before the call; an ADD is
# a new sandbox, so a new container ID.
cni_prepare() {
    local op=$1 i=$2 type=$3 f
    f=$(seine__pod_file "${pod[i]}")
    if [ "$op" == ADD ]; then
        seine__new_id >"$f.eth0.cid"
        seine_cni_config "$type" >"$f.eth0.conf"
    fi
}

# cni_op OP SLOT: the plugin call; ADD's result is kept.
cni_op() {
    local op=$1 i=$2
    seine_cni "$op" "${pod[i]}" \
        && { [ "$op" != ADD ] || printf '%s\n' "$SEINE_CNI_OUT" >"$(seine__pod_file "${pod[i]}").eth0.json"; }
}

# recover OP SLOT RC: what the runtime does after a call the crash cut
# short, against the restarted agent: DEL of a failed ADD (or, every other
# time, none: a runtime that lost track of it, which only the sweep and GC
# clean up) and DEL again of a failed DEL.
recover() {
    local op=$1 i=$2 rc=$3
    if [ "$op" == ADD ] && [ "$rc" == 0 ]; then
        return 0
    fi
    if [ "$op" == ADD ] && [ $((RANDOM % 2)) == 0 ]; then
        echo "#   the runtime abandons ${pod[i]}'s ADD without a DEL"
        abandoned+=("${pod[i]}")
        pod[i]=s${i}-$n_killed
        ck_pod_prepare "${pod[i]}"
        live[i]=""
        return 0
    fi
    seine_cni DEL "${pod[i]}" \
        || ck_fail "kill $n_killed: the runtime's DEL of ${pod[i]} after the crash succeeds" \
            "exit $SEINE_CNI_RC: $SEINE_CNI_OUT"
    live[i]=""
}

# The first restart also finds what a crash at the worst time leaves in
# the state directory: a half-written record, an address whose ADD never
# got its record, and a record whose DEL removed the port and no more.
plant_state() {
    echo '{"containerID": "half' >"$dir/state/pods/half_eth0.json.tmp"
    echo 'orphan/eth0' >"$ipam/10.244.1.253"
    echo 'stale/eth0' >"$ipam/10.244.1.252"
    jq -n '{containerID: "stale", ifname: "eth0", netns: "/var/run/netns/none",
            type: "afxdp", portName: "seine00000000c1", owner: 0,
            mac: "0a:58:0a:f4:01:fc", ip: "10.244.1.252", prefixLength: 24,
            mtu: 1500, defaultRoute: true}' >"$dir/state/pods/stale_eth0.json"
}

check_planted_state() {
    ck_empty "the restarted agent removed the half-written record, the address without a record and the record without its port" \
        "$(ls "$dir/state/pods/half_eth0.json.tmp" "$dir/state/pods/stale_eth0.json" \
            "$ipam/10.244.1.253" "$ipam/10.244.1.252" 2>/dev/null)"
}

n_killed=0 restart_ms_max=0 restart_ms_sum=0 swept=0
start=$(date +%s%N)
for ((op_n = 0; op_n < ops; op_n++)); do
    i=$((RANDOM % slots))
    if [ -n "${live[i]}" ]; then
        op=DEL type=${live[i]}
    else
        op=ADD type=${types[RANDOM % ${#types[@]}]}
        live[i]=$type
    fi
    cni_prepare "$op" "$i" "$type"
    if [ -z "${kill_at[$op_n]:-}" ]; then
        t0=$(date +%s%N)
        cni_op "$op" "$i" \
            || ck_fail "operation $op_n: $op $type ${pod[i]} succeeds" "exit $SEINE_CNI_RC: $SEINE_CNI_OUT"
        took_ms[$op-$type]=$(( ($(date +%s%N) - t0) / 1000000 ))
        [ "$op" == ADD ] || live[i]=""
        continue
    fi
    delay=$(( ${took_ms[$op-$type]:-300} * ${kill_at[$op_n]} / 1000 ))
    rm -f "$SEINE_RUN/op.rc"
    (
        rc=0
        cni_op "$op" "$i" || rc=$?
        printf '%s' "$SEINE_CNI_OUT" >"$SEINE_RUN/op.out"
        echo "$rc" >"$SEINE_RUN/op.rc"
    ) &
    op_pid=$!
    sleep "$(printf '0.%03d' "$delay")"
    seine_agent_stop --kill
    wait "$op_pid" || true
    rc=$(cat "$SEINE_RUN/op.rc")
    n_killed=$((n_killed + 1))
    [ "$n_killed" != 1 ] || plant_state
    t0=$(date +%s%N)
    seine_agent_start 2>/dev/null
    seine_wait_until 30 agent_ready || ck_fail "kill $n_killed: the agent serves again"
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    restart_ms_sum=$((restart_ms_sum + ms))
    [ "$ms" -le "$restart_ms_max" ] || restart_ms_max=$ms
    pieces=$(sed -n 's/.*sweep at start: \([0-9]*\) pieces.*/\1/p' "$dir/seine-agent.log" | tail -n1)
    swept=$((swept + ${pieces:-0}))
    echo "# kill $n_killed at operation $op_n: $op $type ${pod[i]}, SIGKILL after $delay ms (${kill_at[$op_n]}/1000 of ${took_ms[$op-$type]:-300} ms);" \
        "the plugin exited $rc$( [ "$rc" == 0 ] || printf ' (code %s)' "$(jq -r '.code // "?"' "$SEINE_RUN/op.out" 2>/dev/null)");" \
        "restart ${ms} ms, sweep removed ${pieces:-?} pieces"
    [ "$n_killed" != 1 ] || check_planted_state
    if [ "$op" == DEL ] && [ "$rc" == 0 ]; then
        live[i]=""
    fi
    recover "$op" "$i" "$rc"
done
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
ck_eq "$ops operations with $kills kills done ($elapsed_ms ms; restarts $((restart_ms_sum / kills)) ms on average, $restart_ms_max ms at most; the sweeps removed $swept pieces)" \
    "$n_killed" "$kills"

sorted() { grep . | sort || true; }
names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sorted; }

# want_attachment POD TYPE: adds what a whole attachment of POD holds to
# the want_* lists of check_node, and what is wrong with it to 'bad'.
want_attachment() {
    local p=$1 type=$2 rec port owner
    rec=$(ck_record "$p")
    [ -e "$rec" ] || { bad+=" $p has no record;"; return 0; }
    port=$(jq -r .portName "$rec")
    want_recs+="$(basename "$rec")"$'\n'
    want_ips+="$(jq -r .ip "$rec")"$'\n'
    want_ports+="$port"$'\n'
    [ "$type" != afxdp ] || want_links+="$port"$'\n'
    [ "$type" != vhostuser ] || want_dirs+="$(basename "$(jq -r .socketDir "$rec")")"$'\n'
    owner=$(ck_owner_of_ofport "$(ck_ofport "$port")") \
        || { bad+=" $p: no single owner of port $port;"; return 0; }
    want_owners+=$'\n'"$owner"
    [ "$(ck_nflows_of "$owner")" == "$CK_POD_FLOWS" ] \
        || bad+=" $p: $(ck_nflows_of "$owner") flows, want $CK_POD_FLOWS;"
    [ "$(seine_vsctl get Port "$port" external_ids:seine-owner)" == "\"$(ck_cid "$p")/eth0\"" ] \
        || bad+=" $p: port $port has another owner;"
    if [ "$type" != vhostuser ]; then
        seine_cni CHECK "$p" || bad+=" $p: CHECK failed: $SEINE_CNI_OUT;"
        ck_ping "$p" "$gw" || bad+=" $p does not reach the gateway;"
    fi
}

# check_node WHAT [strict]: the node holds exactly the live attachments.
# An abandoned ADD may have finished before the kill: its attachment is
# then whole, and GC removes it; with 'strict' none may be left.
check_node() {
    local what=$1 strict=${2:-} i p type want_recs="" want_ips="" want_ports=""
    local want_links="" want_dirs="" want_owners="$base_owners" lo_only="" bad="" n_kept=0
    for ((i = 0; i < slots; i++)); do
        p=${pod[i]} type=${live[i]}
        if [ -n "$type" ]; then
            want_attachment "$p" "$type"
            [ "$(jq -r .ip "$(ck_record "$p")" 2>/dev/null)" == "$(seine_pod_ip "$p")" ] \
                || bad+=" $p: its record's address is not its ADD result's;"
        elif [ "$(ip -n "$(seine_pod_netns "$p")" -o link show | awk -F': ' '{ print $2 }')" != lo ]; then
            lo_only+=" $p"
        fi
    done
    for p in "${abandoned[@]}"; do
        if [ -z "$strict" ] && [ -e "$(ck_record "$p")" ]; then
            want_attachment "$p" "$(jq -r .type "$(ck_record "$p")")"
            n_kept=$((n_kept + 1))
        elif [ "$(ip -n "$(seine_pod_netns "$p")" -o link show | awk -F': ' '{ print $2 }')" != lo ]; then
            lo_only+=" $p"
        fi
    done
    ck_eq "$what: pod records are the live attachments' (and $n_kept of ${#abandoned[@]} abandoned ADDs that finished)" \
        "$(names "$dir/state/pods")" "$(sorted <<<"$want_recs")"
    ck_eq "... IP allocations" "$(names "$ipam" | grep -v '^last' || true)" "$(sorted <<<"$want_ips")"
    ck_eq "... OVS pod ports" "$(ck_ovs_pod_ports)" "$(sorted <<<"$want_ports")"
    ck_eq "... OVS ports with an owner" \
        "$(seine_vsctl --bare --columns=name find Port 'external_ids:seine-owner!=""' | sorted)" \
        "$(sorted <<<"$want_ports")"
    ck_eq "... host links (afxdp)" "$(ck_node_pod_links)" "$(sorted <<<"$want_links")"
    ck_eq "... vhost-user folders" "$(names "$dir/vhost")" "$(sorted <<<"$want_dirs")"
    ck_eq "... flow owners (the node's and one per live pod)" \
        "$(seine_ofctl dump-flows | sed -n 's/.*cookie=0x\([0-9a-f]*\)[0-9a-f]\{4\},.*/\1/p' | sort -u)" \
        "$(sorted <<<"$want_owners" | sort -u)"
    ck_empty "... each live pod has its $CK_POD_FLOWS flows, its owner key, passes CHECK and reaches the gateway (vhost-user: no CHECK, no testpmd)" "$bad"
    ck_empty "... the namespaces of pods without an attachment hold only lo" "$lo_only"
}

n_live=0
for ((i = 0; i < slots; i++)); do [ -z "${live[i]}" ] || n_live=$((n_live + 1)); done
check_node "after the operations ($n_live live attachments)"

# --- GC --------------------------------------------------------------------
# Pieces that appear while the agent runs: a veth named like a pod port,
# a vhost-user folder, an OVS port with an owner key and no record.  GC
# with every live attachment but one valid removes them, that one and the
# abandoned ADDs that finished.
seine_node_exec ip link add seine00000000a1 type veth peer name junkpeer0
mkdir -p "$dir/vhost/00000000junk-eth0-a2"
echo '{}' >"$dir/vhost/00000000junk-eth0-a2/pod.json"
seine_vsctl add-port "$SEINE_BRIDGE" seine00000000a3 \
    -- set Interface seine00000000a3 type=internal \
    -- set Port seine00000000a3 external_ids:seine-owner=junk/eth0
valid=() dropped=""
for ((i = 0; i < slots; i++)); do
    [ -n "${live[i]}" ] || continue
    if [ -z "$dropped" ]; then
        dropped=$i
        continue
    fi
    valid+=("$(ck_cid "${pod[i]}")")
done
config=$(seine_cni_config | jq -c '. + {"cni.dev/valid-attachments":
    [$ARGS.positional[] | {containerID: ., ifname: "eth0"}]}' --args "${valid[@]}")
ck_cni_ok "GC with ${#valid[@]} valid attachments${dropped:+, ${pod[dropped]} not among them}" GC s0 eth0 "$config"
[ -z "$dropped" ] || live[dropped]=""
check_node "after GC" strict

# --- DEL of everything -------------------------------------------------------
for ((i = 0; i < slots; i++)); do
    if [ -n "${live[i]}" ] && ! seine_cni DEL "${pod[i]}"; then
        ck_fail "DEL ${pod[i]}" "exit $SEINE_CNI_RC: $SEINE_CNI_OUT"
    fi
    live[i]=""
done
ck_eq "after DEL of every attachment the node holds what it held at the start" \
    "$(ck_snapshot)" "$base"
ck_done
