#!/usr/bin/env bash
# seinectl against a real node: two pods, a NetworkPolicy and a Service,
# ping between the pods, then every command's table and JSON (jq), the
# log levels, recompute, and the exit codes (2 usage, 3 agent gone).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin seinectl
seine_require_cmd ping
ctl_bin=$SEINE_BUILD_DIR/seinectl/seinectl
[ -x "$ctl_bin" ] || seine_skip "$ctl_bin not built"
seine_node_start
export SEINE_AGENT_CTL
SEINE_AGENT_CTL=$(seine_node_dir)/seine-agent.ctl
VIP=10.96.0.20

seine_pod_add a
seine_pod_add b
ip_a=$(seine_pod_ip a)
ip_b=$(seine_pod_ip b)

# ctl ARGS...: seinectl; its output in $out, its exit code in $rc.
out=
rc=0
ctl() {
    rc=0
    out=$("$ctl_bin" "$@" 2>&1) || rc=$?
}

ck_netpol allow-a "  podSelector: {matchLabels: {app: b}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: a}}"
ck_web_service $VIP "$ip_b"

policy_in_force() {
    "$ctl_bin" get policies -o json \
        | jq -e '.items[] | select(.name == "allow-a") | .rules | length > 0'
}
service_in_force() {
    "$ctl_bin" get services -o json | jq -e --arg v "$VIP" \
        '.items[] | select(.frontends[].ip == $v)'
}
ck_ok "the policy reaches the agent" seine_wait_until 10 policy_in_force
ck_ok "the service reaches the agent" seine_wait_until 10 service_in_force

port_b=$(ck_port b)
sent_to_b() {
    "$ctl_bin" ports -o json | jq -r --arg p "$port_b" \
        '.items[] | select(.name == $p) | .statistics.txPackets'
}
before=$(sent_to_b)
ck_ok "a pings b (allowed by the policy)" ck_ping a "$ip_b"
seine_pod_exec a ping -c 20 -i 0.05 -W 1 "$ip_b" >/dev/null

# --- get pods -----------------------------------------------------------------
ctl get pods
ck_eq "get pods: exit 0" "$rc" 0
ck_ok "get pods: a table with a header and both pods" \
    grep -q '^NAMESPACE *NAME *IFNAME *TYPE' <<<"$out"
ck_eq "get pods: b's row has its IP and port" \
    "$(awk -v p="$port_b" '$2 == "b" && $5 == p { print $7 }' <<<"$out")" "$ip_b/24"
ctl get pods -o json
ck_eq "get pods -o json: the protocol version" "$(jq -r .apiVersion <<<"$out")" seinectl/v1
ck_eq "get pods -o json: a's IP" \
    "$(jq -r '.items[] | select(.name == "a") | .ip' <<<"$out")" "$ip_a"
ck_eq "get pods -o json: b's port" \
    "$(jq -r '.items[] | select(.name == "b") | .portName' <<<"$out")" "$port_b"
ck_eq "get pods -o json: b's link is up in OVSDB" \
    "$(jq -r '.items[] | select(.name == "b") | .linkState' <<<"$out")" up
ck_eq "get pods -o json: a owns the pod flows" \
    "$(jq -r '.items[] | select(.name == "a") | .flows' <<<"$out")" "$CK_POD_FLOWS"
ctl get pods -n nowhere -o json
ck_eq "get pods -n: another namespace has none" "$(jq '.items | length' <<<"$out")" 0

# --- get policies -------------------------------------------------------------
ctl get policies
ck_ok "get policies: the table names the policy" grep -q 'np:default/allow-a *ingress *Allow' <<<"$out"
ctl get policies -o json
pol=$(jq -c '.items[] | select(.name == "allow-a")' <<<"$out")
ck_eq "get policies -o json: kind and namespace" \
    "$(jq -r '"\(.kind) \(.namespace)"' <<<"$pol")" "NetworkPolicy default"
ck_eq "get policies -o json: the rule is an ingress Allow in IngressRule" \
    "$(jq -r '.rules[0] | "\(.direction) \(.action) \(.tableName)"' <<<"$pol")" \
    "ingress Allow IngressRule"
ck_eq "get policies -o json: the rule's peer is a" \
    "$(jq -r '.rules[0].peers[0]' <<<"$pol")" "$ip_a/32"
ck_eq "get policies -o json: it selects b" \
    "$(jq -r '.selectedPods[0].name' <<<"$pol")" b
ck_ge "get policies -o json: its rule let the ping through" \
    "$(jq -r '.rules[0].packets' <<<"$pol")" 1

# --- get services -------------------------------------------------------------
ctl get services
ck_ok "get services: the table has the VIP" grep -q "default/web *http *tcp .*$VIP:80 *$ip_b:8080" <<<"$out"
ctl get services -o json
ck_eq "get services -o json: VIP, endpoint and group" \
    "$(jq -r '.items[0] | "\(.frontends[0].ip):\(.frontends[0].port) \(.endpoints[0].ip):\(.endpoints[0].port) \(.groupId == .id)"' <<<"$out")" \
    "$VIP:80 $ip_b:8080 true"

# --- get flows ----------------------------------------------------------------
ctl get flows --pod default/a -o json
ck_eq "get flows --pod: a's flows" "$(jq '.items | length' <<<"$out")" "$CK_POD_FLOWS"
ck_eq "get flows --pod: every one names a's IP or port" \
    "$(jq -r --arg ip "$ip_a" '[.items[] | select(.match + .actions | contains($ip) | not)
        | select(.tableName != "Classifier" and .tableName != "L2Forwarding"
                 and .tableName != "Output")] | length' <<<"$out")" 0
ctl get flows --table SpoofGuard --pod default/a
ck_ok "get flows --table --pod: a table of SpoofGuard flows" grep -q '^10(SpoofGuard) ' <<<"$out"
ctl get flows --policy default/allow-a -o json
ck_ge "get flows --policy: the policy's flows" "$(jq '.items | length' <<<"$out")" 1
ctl get flows --table 70 -o json
ck_eq "get flows --table 70: only IngressRule" \
    "$(jq -r '[.items[].tableName] | unique | join(",")' <<<"$out")" IngressRule
ctl get flows --table nosuch
ck_eq "get flows --table nosuch: exit 1 (the agent's error)" "$rc" 1

# --- get nodes ----------------------------------------------------------------
ctl get nodes -o json
ck_eq "get nodes -o json: this node and its CIDR" \
    "$(jq -r '.items[] | select(.local) | "\(.name) \(.podCIDR)"' <<<"$out")" "$SEINE_NODE 10.244.1.0/24"
ctl get nodes
ck_ok "get nodes: a table" grep -q "^$SEINE_NODE *10.244.1.0/24" <<<"$out"

# --- ports --------------------------------------------------------------------
counters_rose() { [ "$(sent_to_b)" -ge $((before + 20)) ]; }
ck_ok "ports: b's port sent the pings to b (OVSDB statistics, $before before)" \
    seine_wait_until 15 counters_rose
ctl ports
ck_ok "ports: a table with the gateway and counters" grep -q "^$SEINE_GATEWAY_PORT *internal" <<<"$out"

# --- pmd ----------------------------------------------------------------------
# The agent asks ovs-vswitchd for these every 10 s: the first answer may
# predate the PMD threads the pods' ports brought.
n_pmds() { ctl pmd -o json && jq '[.items[] | select(.thread == "pmd")] | length' <<<"$out"; }
has_pmd() { [ "$(n_pmds)" -ge 1 ]; }
seine_wait_until 15 has_pmd || true
ctl pmd -o json
ck_ge "pmd -o json: at least one PMD thread" "$(jq '[.items[] | select(.thread == "pmd")] | length' <<<"$out")" 1
ck_ge "pmd -o json: it received packets (a number)" \
    "$(jq '[.items[] | select(.thread == "pmd") | .stats.packetsReceived] | add' <<<"$out")" 1
ck_eq "pmd -o json: its receive queues" \
    "$(jq -r '[.items[] | select(.thread == "pmd") | .rxqs[].port] | any(. == "'"$port_b"'")' <<<"$out")" true
ctl pmd
ck_ok "pmd: a table" grep -q '^THREAD *NUMA *CORE *PACKETS' <<<"$out"

# --- log-level, recompute, version ---------------------------------------------
ctl log-level attach dbg
ck_eq "log-level MODULE LEVEL: exit 0" "$rc" 0
ctl log-level policy dbg -o json
ck_eq "log-level -o json: the module's file level" "$(jq -r '.items[0].file' <<<"$out")" dbg
ctl log-level
ck_ok "log-level: the agent's modules" grep -q '^policy .* dbg$' <<<"$out"
ctl log-level nosuchmodule
ck_eq "log-level of an unknown module: exit 1" "$rc" 1
ctl recompute -o json
ck_eq "recompute: no change to the switch" "$(jq -r '.items[0].changes' <<<"$out")" 0
ctl recompute
ck_ok "recompute: a table" grep -q '^FLOWS *GROUPS *CHANGES' <<<"$out"
ctl version -o json
ck_eq "version -o json: seinectl's, the agent's and the OVS library's" \
    "$(jq -r '.items[0] | (.agentVersion != null and .ovsLibraryVersion != null
        and .clientVersion != null and has("ovsVersion"))' <<<"$out")" true

# --- exit codes ---------------------------------------------------------------
ctl frobnicate
ck_eq "a bad command: exit 2" "$rc" 2
ctl get pods --pod x/y
ck_eq "an option the command does not take: exit 2" "$rc" 2
seine_agent_stop
ctl get pods
ck_eq "agent stopped: exit 3" "$rc" 3
ck_ok "... naming the socket" grep -qF "$SEINE_AGENT_CTL" <<<"$out"
ck_done
