#!/usr/bin/env bash
# The agent's Prometheus endpoint, checked by the real tools: promtool
# lints a scrape (no problem, no warning), and a real Prometheus server in
# the node's namespace scrapes the agent; through its HTTP API, `up` is 1
# and the counters hold what real CNI calls and traffic caused.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin metrics
seine_require_cmd curl promtool prometheus jq
seine_node_start
url=http://127.0.0.1:9464/metrics
scrape() { seine_node_exec curl -sS --max-time 5 "$url"; }
# value NAME{LABELS}: the sample's value in a scrape ("" when absent).
value() {
    scrape | awk -v m="$1" '$1 == m { print $2 }'
}

seine_pod_add a
seine_pod_add b
seine_pod_add t tap
seine_pod_exec a ping -c3 -i0.2 -W1 -q "$(seine_pod_ip b)" >/dev/null \
    || ck_fail "a reaches b"
seine_pod_remove t
seine_cni CHECK a || ck_fail "CHECK a" "$SEINE_CNI_OUT"

out=$(scrape | promtool check metrics 2>&1) \
    || ck_fail "promtool check metrics accepts a scrape" "$out"
ck_eq "promtool check metrics: no problem and no lint warning" "$out" ""

ck_eq "seine_cni_requests_total: 3 ADDs answered ok" \
    "$(value 'seine_cni_requests_total{command="ADD",result="ok"}')" 3
ck_eq "... 1 DEL" "$(value 'seine_cni_requests_total{command="DEL",result="ok"}')" 1
ck_eq "... 1 CHECK" "$(value 'seine_cni_requests_total{command="CHECK",result="ok"}')" 1
ck_eq "ADD latency histogram: 2 AF_XDP ADDs, 1 tap" \
    "$(value 'seine_cni_request_duration_seconds_count{command="ADD",interface_type="afxdp"}') $(value 'seine_cni_request_duration_seconds_count{command="ADD",interface_type="tap"}')" "2 1"
ck_eq "seine_pods: 2 AF_XDP, 0 tap" \
    "$(value 'seine_pods{interface_type="afxdp"}') $(value 'seine_pods{interface_type="tap"}')" "2 0"
flows=$(seine_appctl -t seine-agent flows/commits | awk '$1 == "flows:" { print $2 }')
ck_eq "seine_flows summed over tables is the agent's flow count" \
    "$(scrape | awk '$1 ~ /^seine_flows\{/ { n += $2 } END { print n }')" "$flows"
commits=$(seine_appctl -t seine-agent flows/commits | awk '$1 == "commits:" { print $2 }')
ck_eq "seine_bundle_commits_total{result=\"ok\"} counts the commits" \
    "$(value 'seine_bundle_commits_total{result="ok"}')" "$commits"
ck_eq "seine_model_objects{kind=\"Pod\"} (the manifests of a and b)" \
    "$(value 'seine_model_objects{kind="Pod"}')" 2
# ovs-vswitchd writes port statistics to OVSDB every 5 s.
a_port=$(ck_port a)
a_rx() { value "seine_port_rx_packets_total{port=\"$a_port\",type=\"afxdp\",pod=\"default/a\"}"; }
a_rx_counted() { [ "$(a_rx)" -ge 3 ] 2>/dev/null; }
seine_wait_until 15 a_rx_counted \
    || ck_fail "seine_port_rx_packets_total of pod a's port counts its pings" "$(scrape | grep "$a_port")"
ck_pass "seine_port_rx_packets_total of pod a's port ($a_port) counts its pings: $(a_rx)"
# The PMD threads' counters come every 10 s from ovs-vswitchd.
pmd_packets() { scrape | awk '$1 ~ /^seine_pmd_packets_total\{pmd="numa/ { n += $2 } END { print n + 0 }'; }
pmd_counted() { [ "$(pmd_packets)" -ge 3 ]; }
seine_wait_until 25 pmd_counted \
    || ck_fail "seine_pmd_packets_total counts the pings" "$(scrape | grep '^seine_pmd')"
ck_pass "seine_pmd_packets_total of the PMD threads counts the pings: $(pmd_packets)"
ck_result "seine_pmd_cycles_total and seine_conntrack_limit are there" \
    "$(scrape | grep -q '^seine_pmd_cycles_total{pmd="numa[0-9]*-core[0-9]*",state="processing"} ' \
       && [ "$(value seine_conntrack_limit)" -gt 0 ]; echo $?)" "$(scrape | grep -e '^seine_pmd_cycles' -e '^seine_conntrack')"

# --- Policy and Service families ---------------------------------------------
# An ingress rule for b that allows a: its flows count what it decides,
# the first packet of each connection (established traffic skips the
# rules), read from the switch every 15 s.
ck_netpol allow-a "  podSelector: {matchLabels: {app: b}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: a}}"
b_ip=$(seine_pod_ip b)
ck_web_service 10.96.0.50 "$b_ip"
rules_in() { value 'seine_policy_rules{kind="NetworkPolicy",direction="ingress"}'; }
one_rule_in() { [ "$(rules_in)" == 1 ]; }
seine_wait_until 10 one_rule_in || ck_fail "seine_policy_rules: one ingress rule" "$(scrape | grep '^seine_policy')"
ck_pass "seine_policy_rules: the NetworkPolicy's one ingress rule"
ck_eq "seine_service_load_balancers and seine_service_endpoints" \
    "$(value seine_service_load_balancers) $(value seine_service_endpoints)" "1 1"
seine_pod_exec a ping -c5 -i0.2 -W1 -q "$b_ip" >/dev/null || ck_fail "a still reaches b"
rule_packets() { scrape | awk '$1 ~ /^seine_policy_rule_packets_total\{kind="NetworkPolicy",rule="default\/allow-a[^"]*",direction="ingress",action="allow"\}/ { n += $2 } END { print n + 0 }'; }
rule_counted() { [ "$(rule_packets)" -ge 1 ]; }
seine_wait_until 25 rule_counted \
    || ck_fail "seine_policy_rule_packets_total counts the allowed pings" "$(scrape | grep '^seine_policy_rule')"
ck_pass "seine_policy_rule_packets_total of the allow rule counts a's ping connection: $(rule_packets)"
ck_eq "seine_policy_resolution_seconds observed the policy's arrival" \
    "$(value seine_policy_resolution_seconds_count | awk '{ print ($1 > 0) }')" 1
out=$(scrape | promtool check metrics 2>&1) \
    || ck_fail "promtool check metrics still accepts a scrape" "$out"
ck_eq "promtool: still no problem with policy, service, port and PMD series" "$out" ""

# --- A real Prometheus scrapes the agent --------------------------------------
prom=$SEINE_RUN/prometheus
mkdir -p "$prom/data"
cat >"$prom/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: seine-agent
    static_configs:
      - targets: ['127.0.0.1:9464']
EOC
promtool check config "$prom/prometheus.yml" >/dev/null \
    || ck_fail "promtool check config"
seine_bg_start prometheus "$(seine_node_netns)" prometheus \
    --config.file="$prom/prometheus.yml" --storage.tsdb.path="$prom/data" \
    --web.listen-address=127.0.0.1:9090
query() {
    seine_node_exec curl -sS --max-time 5 --get \
        --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query \
        | jq -r '.data.result[0].value[1] // empty'
}
up_is_1() { [ "$(query 'up{job="seine-agent"}')" == 1 ]; }
seine_wait_until 30 up_is_1 || ck_fail "Prometheus: up{job=\"seine-agent\"} is 1" \
    "$(seine_node_exec curl -sS http://127.0.0.1:9090/api/v1/targets)"
ck_pass "Prometheus scrapes the agent: up{job=\"seine-agent\"} is 1"
ck_eq "Prometheus: the ADD counter is what the CNI calls made" \
    "$(query 'seine_cni_requests_total{command="ADD",result="ok"}')" 3
rx=$(query "seine_port_rx_packets_total{pod=\"default/a\"}")
[ "${rx:-0}" -ge 3 ] || ck_fail "Prometheus: pod a's port rx counter" "'$rx'"
ck_pass "Prometheus: pod a's port rx counter holds its pings ($rx)"
adds_are() { [ "$(query 'seine_cni_requests_total{command="ADD",result="ok"}')" == "$1" ]; }
seine_pod_add c
seine_wait_until 10 adds_are 4 || true
ck_eq "Prometheus: one more ADD is seen on the next scrapes" \
    "$(query 'seine_cni_requests_total{command="ADD",result="ok"}')" 4
seine_bg_stop prometheus
ck_done
