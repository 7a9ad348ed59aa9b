#!/usr/bin/env bash
# Flow export on a real node: the agent exports its pods' connections over
# IPFIX to real collectors in the node's namespace, nfcapd (read back with
# nfdump) and tshark's IPFIX dissector.  A 3 MB TCP transfer client ->
# server comes out with its 5-tuple and byte counts both ways (within 10 %),
# the pod names and the rule that allowed it in Seine's elements, a
# connection through a Service with the endpoint DNAT chose and the
# Service's name, a connection a NetworkPolicy drops flagged denied with the
# policy's name, and a restarted nfcapd decodes records again once the
# agent re-sends its templates.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin flow-export
seine_require_cmd nc nfcapd nfdump tshark jq curl promtool
port=4739
export SEINE_AGENT_CONFIG_EXTRA="flowExport:
  collector: udp:127.0.0.1:$port
  pollIntervalS: 1
  activeTimeoutS: 30
  idleTimeoutS: 3
  templateRefreshS: 3"
seine_node_start
COLLECT_NS=$(seine_node_netns) COLLECT_DIR=$SEINE_RUN/ipfix COLLECT_UDP_PORT=$port
mkdir -p "$COLLECT_DIR"
# shellcheck source=SCRIPTDIR/collectors.sh
. "$(dirname "$0")/collectors.sh"
VIP=10.96.0.40

seine_pod_add client >/dev/null
seine_pod_add server >/dev/null
ip_c=$(seine_pod_ip client) ip_s=$(seine_pod_ip server)
ck_netpol server-in '  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{protocol: TCP, port: 5001}, {protocol: TCP, port: 8080}]'
ck_expect_tcp "the policy is in force: client -> server:5002 refused" no client "$ip_s" 5002

capture_start first "udp port $port"
nfcapd_start first

# A 3 MB transfer the policy allows.
data=$SEINE_RUN/data.bin
head -c 3000000 /dev/urandom >"$data"
want=$(sha256sum <"$data" | cut -d' ' -f1)
ck_eq "3 MB client -> server:5001 arrives" \
    "$(ck_tcp_transfer client server "$ip_s" 5001 "$data")" "$want"

# Through a Service: client -> VIP:80 -> server:8080.
ck_web_service $VIP "$ip_s"
ck_listen 8080 server
ck_expect_tcp "client -> the Service's VIP reaches server:8080" ok client "$VIP" 80

# Denied: the policy admits nothing on 5002.
seine_pod_exec client timeout 3 nc -z -w 2 "$ip_s" 5002 || true

# The records: the transfer ends (FIN) and goes out as end of flow, the
# others at the idle timeout; 3 s idle + 1 s polls.  On a busy machine the
# polls come late: wait for the three records (transfer, Service, denied)
# to have gone out.
records_total() {
    seine_node_exec curl -s "http://127.0.0.1:9464/metrics" \
        | awk '$1 == "seine_flow_export_records_total" { print $2 }'
}
sleep 8
seine_wait_until 20 ck_reaches 3 records_total || true
nfcapd_stop first
capture_stop first

flows=$(nfdump_flows first)
transfer=$(grep "^$ip_c $ip_s 5001 6 " <<<"$flows" || true)
ck_eq "nfdump: one record of the transfer (5-tuple)" "$(grep -c . <<<"$transfer")" 1
out_bytes=$(awk '{ split($5, b, ","); print b[1] }' <<<"$transfer")
back_bytes=$(awk '{ split($5, b, ","); print b[2] }' <<<"$transfer")
ck_ge "nfdump: client -> server bytes >= the 3 MB sent ($out_bytes)" "$out_bytes" 3000000
ck_le "nfdump: ... and within 10 % of it with the headers" "$out_bytes" 3300000
ck_ge "nfdump: server -> client bytes: the ACKs ($back_bytes)" "$back_bytes" 1000
ck_le "nfdump: server -> client bytes: no payload came back" "$back_bytes" 500000
tshark_transfer=$(decoded_records first udp "$port" | grep -c "^$ip_c $ip_s 5001 6$" || true)
ck_ge "tshark: the transfer's record decoded" "$tshark_transfer" 1
ck_ge "tshark: sourcePodName client (Seine's element 2)" \
    "$(enterprise_count first udp "$port" 2 client)" 1
ck_ge "tshark: destinationPodName server (element 5)" \
    "$(enterprise_count first udp "$port" 5 server)" 1
ck_ge "tshark: ingressPolicyName server-in (element 17) on the transfer, the Service connection and the denied one" \
    "$(enterprise_count first udp "$port" 17 server-in)" 3
ck_ge "tshark: ingressPolicyRule 'ingress rule 0' (element 18)" \
    "$(enterprise_count first udp "$port" 18 "ingress rule 0")" 1

svc=$(nfdump -R "$COLLECT_DIR/first" -o json 2>/dev/null \
      | jq -r --arg vip "$VIP" '.[] | select(.dst4_addr == $vip) | "\(.dst_port) \(.dst4_xlt_ip):\(.dst_xlt_port)"' | sort -u)
ck_eq "nfdump: the Service connection to VIP:80 with the endpoint DNAT chose" "$svc" "80 $ip_s:8080"
ck_ge "tshark: destinationServiceName web (element 8)" \
    "$(enterprise_count first udp "$port" 8 web)" 1

denied=$(grep -c "^$ip_c $ip_s 5002 6 " <<<"$flows" || true)
ck_ge "nfdump: the denied connection to :5002 has a record" "$denied" 1
ck_ge "tshark: a record flagged denied (element 22 = 1)" \
    "$(decode first udp "$port" -V | grep -c 'Type 22: Value (hex bytes): 01$' || true)" 1
ck_ge "tshark: the denied record names the isolating policy (ingressPolicyRule 'default deny')" \
    "$(enterprise_count first udp "$port" 18 "default deny")" 1

# A restarted collector knows no template until the agent re-sends them
# (every templateRefreshS, 3 s): records after that decode.
nfcapd_start second
sleep 4
ck_tcp_transfer client server "$ip_s" 5001 "$data" >/dev/null
sleep 8
nfcapd_stop second
ck_ge "the restarted nfcapd decodes the next transfer (templates re-sent)" \
    "$(nfdump_flows second | grep -c "^$ip_c $ip_s 5001 6 " || true)" 1

metrics=$(seine_node_exec curl -s "http://127.0.0.1:9464/metrics")
ck_ge "seine_flow_export_records_total counts them" \
    "$(awk '$1 == "seine_flow_export_records_total" { print $2 }' <<<"$metrics")" 4
ck_ge "seine_flow_export_denied_samples_total counts the dropped SYNs" \
    "$(awk '$1 == "seine_flow_export_denied_samples_total" { print $2 }' <<<"$metrics")" 1
ck_eq "seine_flow_export_collector_up" \
    "$(awk '$1 == "seine_flow_export_collector_up" { print $2 }' <<<"$metrics")" 1
ck_empty "promtool check metrics: no problem with the exporter's families" \
    "$(promtool check metrics <<<"$metrics" 2>&1)"
ck_done
