#!/usr/bin/env bash
# seine-agent with stateSource kubernetes against the test API server
# (kubeapi-server.py, TLS with a CA made here, in the node's namespace):
# paged lists, watches with their events, bookmarks, 410s (an ERROR event
# and an HTTP status) with a relist that removes what was deleted while the
# agent was away, a connection cut in the middle of an event, a malformed
# event, a stream trickling a few bytes at a time, a rotated token after a
# 401, and the ClusterNetworkPolicy CRD installed after the agent started.
# After each, the agent's model (model/show) is checked, and where it
# matters real traffic: a NetworkPolicy that arrives through the watch cuts
# a real connection, and one deleted while the agent was disconnected stops
# cutting it after the relist.  Pods are added by the CNI plugin with only
# the K8S_POD_* arguments: their interface type comes from the annotation
# of the Pod object the API serves.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
# shellcheck source=SCRIPTDIR/kubeapi.sh
. "$(dirname "$0")/kubeapi.sh"
seine_test_begin kubernetes
seine_require_cmd ping openssl python3 curl promtool
seine_node_start --no-agent
node=$SEINE_NODE
api=$SEINE_RUN/kubeapi

# --- The cluster the server starts with ---------------------------------------
n_bulk=1100
python3 - "$n_bulk" "$node" "$(cat "$(seine_node_dir)/cidr")" >"$SEINE_RUN/objects.json" <<'PY'
import json, sys
n, node, cidr = int(sys.argv[1]), sys.argv[2], sys.argv[3]
objs = [{"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": "default"}},
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": "shop", "labels": {"team": "a"}}},
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": node},
         "spec": {"podCIDR": cidr},
         "status": {"addresses": [{"type": "InternalIP",
                                   "address": "192.0.2.1"}]}}]
objs += [{"apiVersion": "v1", "kind": "Namespace",
          "metadata": {"name": "bulk-%d" % i}} for i in range(n)]
def pod(name, labels, annotations=None):
    md = {"name": name, "namespace": "default", "labels": labels}
    if annotations:
        md["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": {"nodeName": node,
                     "containers": [{"name": "c", "image": "busybox"}]}}
objs += [pod("w", {"app": "w"}), pod("b", {"app": "b"}),
         pod("t", {"app": "t"}, {"seine.io/interface-type": "tap"})]
json.dump(objs, sys.stdout)
PY

kubeapi_pki "$api" || seine_fail "test CA"
kubeapi_start "$api" "$SEINE_RUN/objects.json" "$(seine_node_netns)"
echo "$KUBEAPI_TOKEN" >"$api/token"
kubeapi_kubeconfig "$api" "$KUBEAPI_TOKEN" \
    | sed "s|^    token: .*|    tokenFile: $api/token|" >"$api/kubeconfig"
sed -i "s|^stateSource: .*|stateSource: {type: kubernetes, kubeconfig: $api/kubeconfig}|" \
    "$(seine_node_dir)/agent.yaml"
# As ovs-ctl does when it starts the switch.
seine_vsctl set Open_vSwitch . ovs_version="$(ovs-vsctl --version | awk 'NR == 1 { print $NF }')"
seine_agent_start

model() { seine_appctl -t seine-agent model/show; }
source_show() { seine_appctl -t seine-agent source/show; }
in_model() { model | grep -qx -- "$1"; }
# wait_model LINE [SECONDS]: until the model has LINE (a whole line).
wait_model() {
    seine_wait_until "${2:-15}" in_model "$1" \
        || ck_fail "the model gets '$1'" "$(model | grep -v '^Namespace bulk-' | head -40)"
}
# (the control socket takes one command a line)
apply() { kubeapi_ctl "$(jq -cn --argjson o "$1" '{op: "apply", object: $o}')" >/dev/null; }
ns_object() { printf '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"}}' "$1"; }

kubeapi_ctl '{"op":"wait-watches","count":6,"timeout":30}' >/dev/null \
    || ck_fail "the agent watches six kinds" "$(source_show)"
ck_eq "the paged list brought every Namespace ($((n_bulk + 2)))" \
    "$(model | grep -c '^Namespace ')" $((n_bulk + 2))
pages=$(grep -c "GET /api/v1/namespaces?limit=500" "$KUBEAPI_LOG" || true)
ck_eq "... in $(( (n_bulk + 2 + 499) / 500 )) pages of 500" "$pages" $(( (n_bulk + 2 + 499) / 500 ))
ck_result "the Node and the namespace labels are in the model" \
    "$(in_model "Node $node" && in_model "Namespace shop team=a"; echo $?)" "$(model | grep -v bulk-)"

# --- Pods from the plugin, their annotations from the API ---------------------
seine_pod_add --no-manifest w
seine_pod_add --no-manifest b
seine_pod_add --no-manifest t
ck_eq "pod t's interface type comes from its annotation in the API" \
    "$(ck_port_type "$(ck_port t)")" tap
w_ip=$(seine_pod_ip w)
b_ip=$(seine_pod_ip b)
wait_model "Pod default/b $b_ip app=b"
ping_b() { seine_pod_exec w ping -c1 -W1 -q "$b_ip" >/dev/null 2>&1; }
ping_b || ck_fail "w reaches b before any policy"
ck_pass "w reaches b before any policy"

# --- A NetworkPolicy through the watch cuts a real connection -----------------
deny='{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
       "metadata":{"name":"deny-b","namespace":"default"},
       "spec":{"podSelector":{"matchLabels":{"app":"b"}},"policyTypes":["Ingress"]}}'
apply "$deny"
wait_model "NetworkPolicy default/deny-b"
seine_wait_until 10 eval '! ping_b' || ck_fail "the watched NetworkPolicy cuts w → b"
ck_pass "a NetworkPolicy that arrives through the watch cuts w → b"

# --- Deleted while the agent was away: the relist removes it ------------------
kubeapi_ctl '{"op":"disconnect"}' >/dev/null
kubeapi_ctl '{"op":"delete","kind":"NetworkPolicy","namespace":"default","name":"deny-b"}' \
    '{"op":"compact"}' >/dev/null
sleep 2
in_model "NetworkPolicy default/deny-b" \
    || ck_fail "the model keeps the policy while the server is away"
ck_pass "while the server is away the model keeps what it had"
kubeapi_ctl '{"op":"reconnect"}' >/dev/null
seine_wait_until 40 eval '! in_model "NetworkPolicy default/deny-b"' \
    || ck_fail "the relist removes the policy deleted while away" "$(source_show)"
seine_wait_until 10 ping_b || ck_fail "w reaches b again after the relist"
ck_pass "a policy deleted while the agent was away is gone after the relist, and w reaches b again"
ck_result "... deleted by the relist, once" \
    "$(source_show | grep -q '^NetworkPolicy: .*deleted by a relist 1$'; echo $?)" "$(source_show)"

# --- The agent's status object ------------------------------------------------
# Written by server-side apply whenever a condition changes: the reconnect
# above made APIConnected go False and True again.
info() { kubeapi_ctl '{"op":"get","kind":"SeineAgentInfo","name":"'"$node"'"}' | jq -c .object; }
info_current() {
    info | jq -e '.podCounts == {afxdp: 2, vhostuser: 0, tap: 1}
                  and ([.conditions[] | select(.status == "True")] | length) == 3' >/dev/null
}
seine_wait_until 15 info_current \
    || ck_fail "SeineAgentInfo $node is written with the pods and conditions" "$(info)"
ck_result "SeineAgentInfo $node: subnet, OVS version, datapath, flows, heartbeat" \
    "$(info | jq -e --arg cidr "$(cat "$(seine_node_dir)/cidr")" \
        '.nodeSubnet == $cidr and (.ovsVersion | length) > 0
         and .datapathType == "netdev" and .flowCount > 0
         and (.heartbeatTime | test("^[0-9-]+T[0-9:]+Z$"))' >/dev/null; echo $?)" "$(info)"
grep -q "PATCH /apis/crd.seine.io/v1alpha1/seineagentinfos/$node?fieldManager=seine-agent&force=true 200" "$KUBEAPI_LOG" \
    || ck_fail "... by server-side apply" "$(grep PATCH "$KUBEAPI_LOG" | tail -3)"
ck_pass "... by server-side apply (fieldManager seine-agent)"

# --- 410 as an HTTP status: a relist --------------------------------------------
pod_lists() { grep -c "GET /api/v1/pods?limit=500" "$KUBEAPI_LOG"; }
more_pod_lists() { [ "$(pod_lists)" -gt "$lists_before" ]; }
lists_before=$(pod_lists)
kubeapi_ctl '{"op":"disconnect"}' >/dev/null
apply "$(ns_object after-410)"
kubeapi_ctl '{"op":"expire-watches","mode":"http"}' '{"op":"reconnect"}' >/dev/null
wait_model "Namespace after-410" 40
seine_wait_until 10 more_pod_lists \
    || ck_fail "HTTP 410 on a resumed watch makes a relist"
ck_pass "HTTP 410 on a resumed watch makes a relist; events after it arrive"
kubeapi_ctl '{"op":"expire-watches","mode":"event"}' >/dev/null
kubeapi_ctl '{"op":"wait-watches","count":6,"timeout":30}' >/dev/null

# --- A cut in the middle of an event, a malformed event, a trickle ------------
kubeapi_ctl '{"op":"drop"}' >/dev/null
apply "$(ns_object after-drop)"
wait_model "Namespace after-drop"
ck_pass "after a connection cut in the middle of an event, the watch resumes"
kubeapi_ctl '{"op":"wait-watches","count":6,"timeout":30}' >/dev/null
kubeapi_ctl '{"op":"malformed"}' >/dev/null
apply "$(ns_object after-malformed)"
wait_model "Namespace after-malformed"
ck_result "a malformed event is counted and skipped; the stream goes on" \
    "$(source_show | grep -q 'bad events [1-9]'; echo $?)" "$(source_show)"
kubeapi_ctl '{"op":"trickle","bytes":7}' >/dev/null
apply '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w","namespace":"default","labels":{"app":"w","tier":"x"}},"spec":{"nodeName":"'"$node"'","containers":[{"name":"c","image":"busybox"}]}}'
wait_model "Pod default/w $w_ip app=w,tier=x"
kubeapi_ctl '{"op":"trickle","bytes":0}' >/dev/null
ck_pass "an event trickling in 7-byte pieces is decoded as it arrives"

# A Pod whose watch event is still on its way when the runtime calls ADD:
# the agent reads it with one GET.
kubeapi_ctl '{"op":"trickle","bytes":1,"pause_ms":200}' >/dev/null
apply '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"late","namespace":"default","labels":{"app":"late"},"annotations":{"seine.io/interface-type":"tap"}},"spec":{"nodeName":"'"$node"'","containers":[{"name":"c","image":"busybox"}]}}'
in_model "Pod default/late - app=late" && ck_fail "the watch is slow enough for this check"
seine_pod_add --no-manifest late
kubeapi_ctl '{"op":"trickle","bytes":0}' >/dev/null
grep -q "GET /api/v1/namespaces/default/pods/late 200" "$KUBEAPI_LOG" \
    || ck_fail "ADD of a Pod the watch has not brought yet GETs it"
ck_eq "ADD of a Pod the watch has not brought yet GETs it: its annotation gives tap" \
    "$(ck_port_type "$(ck_port late)")" tap

# --- A rotated token: 401, then the new token file ----------------------------
kubeapi_ctl '{"op":"token","value":"rotated-token"}' \
    '{"op":"expire-watches","mode":"http"}' >/dev/null
seine_wait_until 10 grep -q " 401$" "$KUBEAPI_LOG" \
    || ck_fail "the old token gets 401"
echo rotated-token >"$api/token.new"
mv "$api/token.new" "$api/token"
apply "$(ns_object after-rotation)"
wait_model "Namespace after-rotation" 40
ck_pass "after a 401 the agent reads the rotated token file and goes on"
kubeapi_ctl '{"op":"expire-watches","mode":"event"}' >/dev/null

# --- The ClusterNetworkPolicy CRD installed later -----------------------------
grep -q "GET /apis/policy.networking.k8s.io 404" "$KUBEAPI_LOG" \
    || ck_fail "the agent looked for the ClusterNetworkPolicy API group"
kubeapi_ctl '{"op":"install-cnp-crd"}' >/dev/null
apply '{"apiVersion":"policy.networking.k8s.io/v1beta1","kind":"ClusterNetworkPolicy",
        "metadata":{"name":"admin-deny-b"},
        "spec":{"tier":"Admin","priority":10,
                "subject":{"pods":{"podSelector":{"matchLabels":{"app":"b"}}}},
                "ingress":[{"name":"no-w","action":"Deny",
                            "from":[{"pods":{"podSelector":{"matchLabels":{"app":"w"}}}}]}]}}'
wait_model "ClusterNetworkPolicy admin-deny-b" 60
seine_wait_until 10 eval '! ping_b' || ck_fail "the ClusterNetworkPolicy cuts w → b"
ck_pass "a ClusterNetworkPolicy CRD installed after the agent started is watched, and its policy cuts w → b"

# --- The source's counters as metrics -----------------------------------------
scrape() { seine_node_exec curl -sS --max-time 5 http://127.0.0.1:9464/metrics; }
metric() { scrape | awk -v m="$1" '$1 == m { print $2 }'; }
ck_eq "seine_source_relist_deletions_total{kind=\"NetworkPolicy\"}: the one deleted while away" \
    "$(metric 'seine_source_relist_deletions_total{kind="NetworkPolicy"}')" 1
ck_result "seine_source_watch_events_total counts the NetworkPolicy's ADDED and the bookmarks' kinds" \
    "$(scrape | awk '$1 == "seine_source_watch_events_total{kind=\"NetworkPolicy\",type=\"ADDED\"}" && $2 >= 1 { ok = 1 } END { exit !ok }'; echo $?)" \
    "$(scrape | grep '^seine_source_watch_events_total{kind="NetworkPolicy"')"
ck_eq "seine_agent_source_connected is 1" "$(metric seine_agent_source_connected)" 1
out=$(scrape | promtool check metrics 2>&1) || ck_fail "promtool check metrics" "$out"
ck_eq "promtool check metrics: the source's families are clean too" "$out" ""

ck_recompute
seine_log "source: $(source_show | tr '\n' ';')"
ck_done
