#!/usr/bin/env bash
# test-netpol-matrix.sh [ipv4|dual]
#
# NetworkPolicy truth table on one node: six pods in three namespaces, a
# policy set per scenario, and every ordered pair of pods probed on tcp/80,
# tcp/8080 and udp/53 with real connections through OVS.  With "dual" the
# node is dual-stack (pod subnets 10.244.1.0/24 and fd00:10:244:1::/64) and
# every pair is probed over IPv4 and IPv6 in the same round, both held to
# the same expected matrix: a policy applies to both families.  Each scenario's
# expected matrix comes from the Kubernetes semantics; the observed one is
# printed with the mismatches marked, and every scenario runs even when an
# earlier one failed.
#
# The cluster (labels are what selectors see; every namespace also carries
# kubernetes.io/metadata.name=NAME):
#
#   namespace  labels               pod   labels                      containerPorts
#   frontend   tier=front env=prod  fe-1  app=web role=client         http 80, alt 8080, dns 53/UDP
#                                   fe-2  app=web role=admin debug=true  http 80, dns 53/UDP
#   backend    tier=back env=prod   be-1  app=api role=server         http 80, alt 8080, dns 53/UDP
#                                   be-2  app=api role=worker         http 8080, dns 53/UDP
#   db         tier=data            db-1  app=db role=primary         http 8080, dns 53/UDP
#                                   db-2  app=db role=replica debug=true  alt 80, dns 53/UDP
#
# Every pod answers on all three ports whatever its containerPorts say
# (netpol-matrix/probe.py serve), so only policy decides.
#
# Scenarios are bash files sourced in order, from netpol-matrix/networkpolicy
# (NetworkPolicy) and then netpol-matrix/clusternetworkpolicy
# (ClusterNetworkPolicy); a file NN-some-name.sh is "scenario NN
# some-name".  A scenario uses these verbs:
#
#   apply NAME <<EOF ... EOF    writes the manifests (YAML, several documents
#                               allowed; $IP_fe1 ... $IP_db2 are the pods'
#                               addresses, $POD_CIDR the node's pod subnet,
#                               $IP6_fe1 ... and $POD_CIDR6 their IPv6
#                               twins, empty on an IPv4-only node)
#                               into the node's manifests folder
#   $(dual TEXT)                TEXT on a dual-stack node, nothing on an
#                               IPv4-only one: a scenario writes the IPv6
#                               twin of each ipBlock or networks peer with
#                               it, in the same rule, so that its
#                               expectation holds for both families
#   unapply NAME                removes them
#   label POD KEY=VALUE|KEY-    changes a pod's labels (KEY=VALUE sets, KEY- removes)
#   label_ns NS KEY=VALUE|KEY-  changes a namespace's labels
#   expect [STEP] <<'EOF'       probes until two rounds in a row agree and
#   matrix                      match, or for at most MX_WAIT seconds, then
#   EOF                         prints the observed matrix
#   conn_open NAME SRC DST PORT  a long TCP connection (probe.py conn), one
#                               per family
#   conn_alive NAME WHAT        asserts it still carries data
#   conn_broken NAME WHAT       asserts it stalls or is closed
#
# A matrix has a header line of destination pods, then one row per source
# pod; a cell holds T (tcp/80), T (tcp/8080), U (udp/53) for allowed and '.'
# for dropped, '-' on the diagonal (a pod reaching itself never leaves it).
# A printed matrix has its family in its corner, one per family probed;
# '!' marks a cell that differs from the expectation,
# 'x' an error (a refused connection).  After each scenario everything it
# applied or relabelled is undone and the matrix must be back to all
# allowed.
#
# On a mismatch the test prints what the agent logged during the scenario,
# then flushes the datapath's flow cache and probes once more, which tells
# stale datapath flows from wrong OpenFlow tables.
#
# Environment:
#   SEINE_MATRIX_ONLY   a regular expression: run only the scenarios whose
#                       file name (NN-some-name) matches
#   SEINE_MATRIX_DUMP   a folder: on a mismatch, save the OpenFlow and
#                       datapath flows, conntrack and the logs there
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
MX_MODE=${1:-ipv4}
case $MX_MODE in
ipv4) MX_FAMILIES=(4) ;;
dual) MX_FAMILIES=(4 6) ;;
*) echo "usage: $0 [ipv4|dual]" >&2; exit 2 ;;
esac
seine_test_begin "netpol-matrix-$MX_MODE"
seine_require_cmd python3 ss
if [ "$MX_MODE" == dual ]; then
    seine_node_start --cidr6 fd00:10:244:1::/64
else
    seine_node_start
fi

MX_DIR=$(cd "$(dirname "$0")/netpol-matrix" && pwd)
MX_PROBE=$MX_DIR/probe.py
MX_MANIFESTS=$(seine_node_dir)/manifests
MX_AGENT_LOG=$(seine_node_dir)/seine-agent.log
MX_ONLY=${SEINE_MATRIX_ONLY:-}
MX_TIMEOUT=1        # seconds a probe waits for its echo
MX_SETTLE=0.3       # seconds between a change and the first probe
MX_WAIT=6           # seconds a matrix may take to become the expected one

MX_PODS=(fe-1 fe-2 be-1 be-2 db-1 db-2)
declare -A MX_POD_NS=([fe-1]=frontend [fe-2]=frontend [be-1]=backend
    [be-2]=backend [db-1]=db [db-2]=db)
declare -A MX_BASE_LABELS=(
    [fe-1]="app=web role=client" [fe-2]="app=web debug=true role=admin"
    [be-1]="app=api role=server" [be-2]="app=api role=worker"
    [db-1]="app=db role=primary" [db-2]="app=db debug=true role=replica")
declare -A MX_POD_PORTS=(
    [fe-1]="http:80:TCP alt:8080:TCP dns:53:UDP" [fe-2]="http:80:TCP dns:53:UDP"
    [be-1]="http:80:TCP alt:8080:TCP dns:53:UDP" [be-2]="http:8080:TCP dns:53:UDP"
    [db-1]="http:8080:TCP dns:53:UDP" [db-2]="alt:80:TCP dns:53:UDP")
MX_NAMESPACES=(frontend backend db)
declare -A MX_BASE_NS_LABELS=([frontend]="env=prod tier=front"
    [backend]="env=prod tier=back" [db]="tier=data")
declare -A MX_LABELS MX_NS_LABELS MX_UID MX_IP MX_IP6
# For the scenarios' ipBlocks, with $IP_fe1 ... $IP_db2 and $IP6_fe1 ...
# $IP6_db2 set below.
# shellcheck disable=SC2034
POD_CIDR=$(cat "$(seine_node_dir)/cidr")
# shellcheck disable=SC2034
POD_CIDR6=$(cat "$(seine_node_dir)/cidr6")

MX_ROUND=0          # probe rounds so far (source ports derive from it)
MX_SCENARIO=""      # "NN name" of the running scenario
MX_APPLIED=()       # manifest files the running scenario wrote
MX_CONNS=()         # long connections it opened
MX_EXPECTS=0        # expect calls in the running scenario
MX_SCENARIO_DIFF=0  # mismatches in the running scenario
MX_OBS=""           # the last matrix observed
MX_LOG_MARK=0       # agent log lines before the running scenario
MX_SUMMARY=()       # one line per scenario
MX_MISMATCHES=0     # probes that differed, all scenarios

# ---------------------------------------------------------------------------
# Manifests

# mx_write FILE: stdin to FILE through a temporary name, so the agent never
# reads a half-written file.
mx_write() {
    cat >"$1.tmp"
    mv "$1.tmp" "$1"
}

# mx_labels_edit "K=V ..." CHANGE...: the label set after the
# changes (K=V sets, K- removes), sorted by key.
mx_labels_edit() {
    local -A set=()
    local kv
    for kv in $1; do set[${kv%%=*}]=${kv#*=}; done
    shift
    for kv in "$@"; do
        if [[ $kv == *- && $kv != *=* ]]; then
            unset "set[${kv%-}]"
        elif [[ $kv == *=* ]]; then
            set[${kv%%=*}]=${kv#*=}
        else
            seine_fail "label change '$kv': want KEY=VALUE or KEY-"
        fi
    done
    for kv in "${!set[@]}"; do echo "$kv=${set[$kv]}"; done | sort | tr '\n' ' ' \
        | sed 's/ $//'
}

# mx_labels_yaml "K=V ..." INDENT: a YAML labels map (values quoted: a
# label is a string even when it reads "true").
mx_labels_yaml() {
    local kv pad=$2
    if [ -z "$1" ]; then
        echo "${pad}labels: {}"
        return
    fi
    echo "${pad}labels:"
    for kv in $1; do printf '%s  %s: "%s"\n' "$pad" "${kv%%=*}" "${kv#*=}"; done
}

mx_ns_manifest() {
    local ns=$1
    {
        printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$ns"
        mx_labels_yaml "${MX_NS_LABELS[$ns]}" '  '
    } | mx_write "$MX_MANIFESTS/namespace-$ns.yaml"
}

mx_pod_manifest() {
    local pod=$1 ns=${MX_POD_NS[$1]} p name port proto
    {
        printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  uid: %s\n' \
            "$pod" "$ns" "${MX_UID[$pod]}"
        mx_labels_yaml "${MX_LABELS[$pod]}" '  '
        printf 'spec:\n  nodeName: %s\n  containers:\n  - name: probe\n    image: seine-probe\n    ports:\n' \
            "$SEINE_NODE"
        for p in ${MX_POD_PORTS[$pod]}; do
            IFS=: read -r name port proto <<<"$p"
            printf '    - {name: %s, containerPort: %s, protocol: %s}\n' "$name" "$port" "$proto"
        done
    } | mx_write "$MX_MANIFESTS/pod-$ns-$pod.yaml"
}

# ---------------------------------------------------------------------------
# Probing

# mx_probe ROUND: one round over every ordered pair and family,
# "FAMILY SRC DST CELL" lines in family and pod order.  Each round must
# have a number of its own (the source ports derive from it).
mx_probe() {
    local p args=()
    for p in "${MX_PODS[@]}"; do
        args+=("$p=$(seine_pod_netns "$p")=${MX_IP[$p]}${MX_IP6[$p]:+,${MX_IP6[$p]}}")
    done
    python3 "$MX_PROBE" matrix --round "$1" --timeout "$MX_TIMEOUT" "${args[@]}"
}

# mx_parse: a matrix (stdin, the scenario's notation) as "FAMILY SRC DST
# CELL" lines in family and pod order, the same cells for every family
# probed; fails the test when a row, column or cell is missing or
# malformed.
mx_parse() {
    local header=() row line src dst i out=""
    local -A cell=()
    while read -r line; do
        [ -n "$line" ] || continue
        if [ ${#header[@]} == 0 ]; then
            read -ra header <<<"$line"
            continue
        fi
        read -ra row <<<"$line"
        [ $((${#row[@]} - 1)) == ${#header[@]} ] \
            || seine_fail "scenario $MX_SCENARIO: matrix row '$line' has ${#row[@]} fields"
        for ((i = 0; i < ${#header[@]}; i++)); do
            cell["${row[0]} ${header[$i]}"]=${row[$((i + 1))]}
        done
    done
    for src in "${MX_PODS[@]}"; do
        for dst in "${MX_PODS[@]}"; do
            line=${cell["$src $dst"]:-}
            if [ "$src" == "$dst" ]; then
                [ -z "$line" ] || [ "$line" == - ] \
                    || seine_fail "scenario $MX_SCENARIO: $src -> $src must be '-'"
                continue
            fi
            [[ $line =~ ^[T.][T.][U.]$ ]] \
                || seine_fail "scenario $MX_SCENARIO: cell $src -> $dst is '$line', want [T.][T.][U.]"
            out+="$src $dst $line"$'\n'
        done
    done
    mx_per_family "$out"
}

# mx_per_family "SRC DST CELL" LINES: the lines once per family probed,
# each prefixed with its family.
mx_per_family() {
    local f
    for f in "${MX_FAMILIES[@]}"; do
        sed "/^\$/d; s/^/$f /" <<<"$1"
    done
}

# mx_all_allowed: the matrix with no policy.
mx_all_allowed() {
    local src dst out=""
    for src in "${MX_PODS[@]}"; do
        for dst in "${MX_PODS[@]}"; do
            [ "$src" == "$dst" ] || out+="$src $dst TTU"$'\n'
        done
    done
    mx_per_family "$out"
}

# mx_observe WANT: probes until two rounds in a row give WANT, or until
# MX_WAIT seconds have passed (then at least two rounds); sets MX_OBS to
# the last round.  0 when it matched.
mx_observe() {
    local want=$1 prev="" deadline
    deadline=$(($(date +%s%N) + MX_WAIT * 1000000000))
    sleep "$MX_SETTLE"
    while :; do
        MX_ROUND=$((MX_ROUND + 1))
        MX_OBS=$(mx_probe "$MX_ROUND")
        [ "$MX_OBS" != "$want" ] || [ "$MX_OBS" != "$prev" ] || return 0
        if [ -n "$prev" ] && [ "$(date +%s%N)" -ge "$deadline" ]; then
            return 1
        fi
        prev=$MX_OBS
    done
}

# mx_print WANT GOT: the observed matrix of each family, '!' after each
# cell that differs; then one line per differing probe, starting with
# "  ! ".
mx_print() {
    local want=$1 got=$2 f src dst w g i mark out diffs=""
    local -A wcell=() gcell=()
    local names=("tcp/80" "tcp/8080" "udp/53")
    while read -r f src dst w; do wcell["$f $src $dst"]=$w; done <<<"$want"
    while read -r f src dst g; do gcell["$f $src $dst"]=$g; done <<<"$got"
    for f in "${MX_FAMILIES[@]}"; do
        out=$(printf '%-8s' "IPv$f")
        for dst in "${MX_PODS[@]}"; do out+=$(printf '%-6s' "$dst"); done
        echo "  $out" | sed 's/ *$//'
        for src in "${MX_PODS[@]}"; do
            out=$(printf '%-8s' "$src")
            for dst in "${MX_PODS[@]}"; do
                if [ "$src" == "$dst" ]; then
                    out+=$(printf '%-6s' -)
                    continue
                fi
                w=${wcell["$f $src $dst"]} g=${gcell["$f $src $dst"]:-???} mark=""
                for ((i = 0; i < 3; i++)); do
                    [ "${w:$i:1}" != "${g:$i:1}" ] || continue
                    mark='!'
                    diffs+="  ! $src -> $dst ${names[$i]} over IPv$f: expected $(mx_verdict "${w:$i:1}"), seen $(mx_verdict "${g:$i:1}")"$'\n'
                done
                out+=$(printf '%-6s' "$g$mark")
            done
            echo "  $out" | sed 's/ *$//'
        done
    done
    printf '%s' "$diffs"
}

mx_verdict() {
    case $1 in
    T | U) echo allowed ;;
    .) echo dropped ;;
    *) echo "error ($1)" ;;
    esac
}

# mx_agent_log_since: what the agent logged since the scenario began.
mx_agent_log_since() {
    tail -n +"$((MX_LOG_MARK + 1))" "$MX_AGENT_LOG" | cut -c1-240 | tail -n 30 | sed 's/^/  | /'
}

# mx_diagnose WANT: after a mismatch, what the agent logged, the state of
# the switch (to SEINE_MATRIX_DUMP when set), and one more round after
# the datapath's flow cache was flushed: a mismatch that this round no
# longer shows came from stale datapath flows, not from the OpenFlow
# tables.  The flush also keeps a stale cache from spilling into the next
# scenarios.
mx_diagnose() {
    local want=$1 dir
    echo "  agent log since the scenario began:"
    mx_agent_log_since
    if [ -n "${SEINE_MATRIX_DUMP:-}" ]; then
        dir=$SEINE_MATRIX_DUMP/${MX_SCENARIO// /-}-$MX_EXPECTS
        mkdir -p "$dir"
        seine_ofctl dump-flows >"$dir/openflow.txt" 2>&1 || true
        seine_appctl dpctl/dump-flows -m >"$dir/datapath-flows.txt" 2>&1 || true
        seine_appctl dpctl/dump-conntrack >"$dir/conntrack.txt" 2>&1 || true
        cp "$MX_AGENT_LOG" "$(seine_node_dir)/ovs-vswitchd.log" "$dir/"
        echo "  switch state saved in $dir"
    fi
    seine_appctl revalidator/purge >/dev/null
    MX_ROUND=$((MX_ROUND + 1))
    MX_OBS=$(mx_probe "$MX_ROUND")
    echo "  after flushing the datapath flow cache (revalidator/purge):"
    mx_print "$want" "$MX_OBS" | grep '^  ! ' || echo "  (every probe as expected)"
}

# ---------------------------------------------------------------------------
# Scenario verbs

apply() {
    local f=$MX_MANIFESTS/matrix-$1.yaml
    mx_write "$f"
    [[ " ${MX_APPLIED[*]} " == *" $f "* ]] || MX_APPLIED+=("$f")
}

unapply() {
    rm -f "$MX_MANIFESTS/matrix-$1.yaml"
}

dual() {
    [ "$MX_MODE" != dual ] || printf '%s\n' "$1"
}

label() {
    local pod=$1; shift
    [ -n "${MX_POD_NS[$pod]:-}" ] || seine_fail "label: no pod $pod"
    MX_LABELS[$pod]=$(mx_labels_edit "${MX_LABELS[$pod]}" "$@")
    mx_pod_manifest "$pod"
}

label_ns() {
    local ns=$1; shift
    [ -n "${MX_BASE_NS_LABELS[$ns]+set}" ] || seine_fail "label_ns: no namespace $ns"
    MX_NS_LABELS[$ns]=$(mx_labels_edit "${MX_NS_LABELS[$ns]}" "$@")
    mx_ns_manifest "$ns"
}

# expect [STEP]: see the top of the file.
expect() {
    local step=${1:-} want what
    want=$(mx_parse)
    MX_EXPECTS=$((MX_EXPECTS + 1))
    what="scenario $MX_SCENARIO${step:+: $step}"
    [ -z "$step" ] || echo "  -- $step"
    local rc=0
    mx_observe "$want" || rc=$?
    local report
    report=$(mx_print "$want" "$MX_OBS")
    echo "$report"
    MX_DIFF=$(grep -c '^  ! ' <<<"$report" || true)
    MX_SCENARIO_DIFF=$((MX_SCENARIO_DIFF + MX_DIFF))
    if [ "$rc" != 0 ] && [ "$MX_DIFF" == 0 ]; then
        # Matched once but never twice in a row: flapping.
        MX_SCENARIO_DIFF=$((MX_SCENARIO_DIFF + 1))
        MX_DIFF=1
        echo "  ! the matrix changed from round to round for ${MX_WAIT}s"
    fi
    [ "$MX_DIFF" == 0 ] || mx_diagnose "$want"
    ck_check "$what: $(( (${#MX_PODS[@]} - 1) * ${#MX_PODS[@]} * 3 * ${#MX_FAMILIES[@]} )) probes as expected" \
        "$MX_DIFF" "$MX_DIFF probes differ"
}

# mx_conn NAME FAMILY: the background process name of a long connection
# over FAMILY.
mx_conn() {
    if [ "$2" == 4 ]; then echo "conn-$1"; else echo "conn-$1-ipv$2"; fi
}

# conn_open NAME SRC DST PORT: one connection per family probed.
conn_open() {
    local name=$1 src=$2 dst=$3 port=$4 f bg ip
    for f in "${MX_FAMILIES[@]}"; do
        bg=$(mx_conn "$name" "$f")
        if [ "$f" == 4 ]; then ip=${MX_IP[$dst]}; else ip=${MX_IP6[$dst]}; fi
        seine_bg_start "$bg" "$(seine_pod_netns "$src")" \
            python3 -u "$MX_PROBE" conn "$ip" "$port"
    done
    MX_CONNS+=("$name")
    for f in "${MX_FAMILIES[@]}"; do
        bg=$(mx_conn "$name" "$f")
        seine_wait_until 5 grep -q '^ok 3$' "$SEINE_RUN/bg/$bg.log" \
            || seine_fail "long connection $name ($src -> $dst:$port over IPv$f) did not start: $(cat "$SEINE_RUN/bg/$bg.log")"
        echo "  long connection $name: $src -> $dst tcp/$port over IPv$f open"
    done
}

# conn_alive NAME WHAT: over the next second each family's connection's
# echoes keep coming (at least 5 more), and it never stalled.
conn_alive() {
    local name=$1 what=$2 f bg log ok
    local -A before=() after=()
    for f in "${MX_FAMILIES[@]}"; do
        before[$f]=$(grep -c '^ok ' "$SEINE_RUN/bg/$(mx_conn "$name" "$f").log" || true)
    done
    sleep 1
    for f in "${MX_FAMILIES[@]}"; do
        bg=$(mx_conn "$name" "$f")
        log=$SEINE_RUN/bg/$bg.log
        after[$f]=$(grep -c '^ok ' "$log" || true)
        ok=0
        if [ "${after[$f]}" -ge $((before[$f] + 5)) ] \
            && ! grep -q -e '^stalled' -e '^closed' "$log" && seine_bg_alive "$bg"; then
            ok=1
        fi
        echo "  long connection $name over IPv$f: $((after[$f] - before[$f])) echoes in 1 s$([ "$ok" == 1 ] || echo ', BROKEN')"
        [ "$ok" == 1 ] || MX_SCENARIO_DIFF=$((MX_SCENARIO_DIFF + 1))
        ck_check "scenario $MX_SCENARIO: $what (IPv$f)" "$([ "$ok" == 1 ]; echo $?)" \
            "echo lines ${before[$f]} -> ${after[$f]}; last: $(tail -n 1 "$log")"
    done
}

# conn_broken NAME WHAT: within 3 s each family's connection stalls or is
# closed: its segments are refused.
conn_broken() {
    local name=$1 what=$2 f log ok
    for f in "${MX_FAMILIES[@]}"; do
        log=$SEINE_RUN/bg/$(mx_conn "$name" "$f").log
        ok=0
        if seine_wait_until 3 grep -q -e '^stalled' -e '^closed' "$log"; then
            ok=1
        fi
        echo "  long connection $name over IPv$f: $(tail -n 1 "$log")$([ "$ok" == 1 ] || echo ', STILL ALIVE')"
        [ "$ok" == 1 ] || MX_SCENARIO_DIFF=$((MX_SCENARIO_DIFF + 1))
        ck_check "scenario $MX_SCENARIO: $what (IPv$f)" "$([ "$ok" == 1 ]; echo $?)" \
            "last: $(tail -n 1 "$log")"
    done
}

# ---------------------------------------------------------------------------
# Running scenarios

# mx_reset: undoes what the scenario changed and waits for the matrix to be
# all allowed again.
mx_reset() {
    local f name pod ns rc=0
    for name in "${MX_CONNS[@]}"; do
        for f in "${MX_FAMILIES[@]}"; do seine_bg_stop "$(mx_conn "$name" "$f")"; done
    done
    for f in "${MX_APPLIED[@]}"; do rm -f "$f"; done
    for pod in "${MX_PODS[@]}"; do
        [ "${MX_LABELS[$pod]}" == "${MX_BASE_LABELS[$pod]}" ] && continue
        MX_LABELS[$pod]=${MX_BASE_LABELS[$pod]}
        mx_pod_manifest "$pod"
    done
    for ns in "${MX_NAMESPACES[@]}"; do
        [ "${MX_NS_LABELS[$ns]}" == "${MX_BASE_NS_LABELS[$ns]}" ] && continue
        MX_NS_LABELS[$ns]=${MX_BASE_NS_LABELS[$ns]}
        mx_ns_manifest "$ns"
    done
    MX_APPLIED=() MX_CONNS=()
    mx_observe "$(mx_all_allowed)" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "  -- after the scenario's policies were removed"
        mx_print "$(mx_all_allowed)" "$MX_OBS"
        MX_SCENARIO_DIFF=$((MX_SCENARIO_DIFF + 1))
        mx_diagnose "$(mx_all_allowed)"
    fi
    ck_check "scenario $MX_SCENARIO: all allowed again once undone" "$rc" \
        "see the matrix above"
}

mx_run_scenario() {
    local file=$1 base t0
    base=$(basename "$file" .sh)
    MX_SCENARIO="${base%%-*} ${base#*-}"
    MX_SCENARIO_DIFF=0 MX_EXPECTS=0
    MX_LOG_MARK=$(wc -l <"$MX_AGENT_LOG")
    t0=$(date +%s%N)
    echo
    echo "scenario $MX_SCENARIO"
    # shellcheck disable=SC1090
    . "$file"
    [ "$MX_EXPECTS" -gt 0 ] || seine_fail "scenario $MX_SCENARIO: no expect"
    mx_reset
    MX_MISMATCHES=$((MX_MISMATCHES + MX_SCENARIO_DIFF))
    t0=$(( ($(date +%s%N) - t0) / 100000000 ))
    MX_SUMMARY+=("$(printf '%-44s %3d mismatches  %3d.%ds' "scenario $MX_SCENARIO" \
        "$MX_SCENARIO_DIFF" $((t0 / 10)) $((t0 % 10)))")
}

# ---------------------------------------------------------------------------
# The cluster

for ns in "${MX_NAMESPACES[@]}"; do
    MX_NS_LABELS[$ns]=${MX_BASE_NS_LABELS[$ns]}
    mx_ns_manifest "$ns"
done
for pod in "${MX_PODS[@]}"; do
    MX_LABELS[$pod]=${MX_BASE_LABELS[$pod]}
    MX_UID[$pod]=$(seine__uuid)
    mx_pod_manifest "$pod"
    seine_pod_add --no-manifest --uid "${MX_UID[$pod]}" --namespace "${MX_POD_NS[$pod]}" "$pod"
    MX_IP[$pod]=$(seine_pod_ip "$pod")
    declare "IP_${pod//-/}=${MX_IP[$pod]}"
    MX_IP6[$pod]=""
    if [ "$MX_MODE" == dual ]; then
        MX_IP6[$pod]=$(seine_pod_ip6 "$pod")
        [ -n "${MX_IP6[$pod]}" ] || seine_fail "pod $pod has no IPv6 address"
    fi
    declare "IP6_${pod//-/}=${MX_IP6[$pod]}"
    seine_bg_start "serve-$pod" "$(seine_pod_netns "$pod")" python3 -u "$MX_PROBE" serve \
        ${MX_IP6[$pod]:+--ipv6}
done
for pod in "${MX_PODS[@]}"; do
    seine_wait_until 5 grep -q serving "$SEINE_RUN/bg/serve-$pod.log" \
        || seine_fail "probe server in $pod did not start: $(cat "$SEINE_RUN/bg/serve-$pod.log")"
done
mx_observe "$(mx_all_allowed)" \
    || seine_fail "pods do not reach each other without policy:"$'\n'"$(mx_print "$(mx_all_allowed)" "$MX_OBS")"
ck_pass "6 pods in 3 namespaces reach each other on tcp/80, tcp/8080, udp/53$([ "$MX_MODE" != dual ] || echo " over IPv4 and IPv6")"

t_start=$(date +%s)
n_run=0
for file in "$MX_DIR"/networkpolicy/*.sh "$MX_DIR"/clusternetworkpolicy/*.sh; do
    [ -e "$file" ] || continue
    if [ -n "$MX_ONLY" ] && ! [[ $(basename "$file" .sh) =~ $MX_ONLY ]]; then
        continue
    fi
    mx_run_scenario "$file"
    n_run=$((n_run + 1))
done

ck_recompute
echo
echo "summary ($MX_MODE): $n_run scenarios in $(( $(date +%s) - t_start ))s, $MX_MISMATCHES mismatches"
printf '  %s\n' "${MX_SUMMARY[@]}"
ck_finish
