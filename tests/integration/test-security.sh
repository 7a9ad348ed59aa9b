#!/usr/bin/env bash
# What a pod and a user other than root can reach of a node, and what the
# agent lets out of its secrets (docs/security.md, "Defences"), on one node
# whose agent reads the test API server with a bearer token and serves
# metrics over TLS with a token on every address:
# - the CNI socket and the control socket are 0600 root in a folder the
#   agent made 0700; user nobody is refused by the real clients (seine-cni,
#   seinectl) even with the folder opened, and by the agent itself when the
#   socket is opened too; a socket folder others may write stops the agent
#   before it does anything;
# - the node listens on TCP only for the metrics endpoint and the API
#   server; OVSDB and OpenFlow are unix sockets only, and a pod cannot
#   connect to 6640 or 6653 on the gateway or the node IP;
# - a pod cannot connect to the metrics port on the gateway or the node IP
#   (table inet seine-guard) until metrics.allowPods, and then still needs
#   the token; a host service is reachable from pods until a NetworkPolicy
#   denies the pod's egress;
# - the tokens and the TLS key appear in no log (at debug level), scrape,
#   seinectl or control answer, nor in the support bundle.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
# shellcheck source=SCRIPTDIR/kubeapi.sh
. "$(dirname "$0")/kubeapi.sh"
seine_test_begin security
seine_require_cmd setpriv curl python3 openssl nft ss tar base64
ctl_bin=$SEINE_BUILD_DIR/seinectl/seinectl
[ -x "$ctl_bin" ] || seine_skip "$ctl_bin not built"

random() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
kube_token=$(random)
metrics_token=$(random)
node_ip=192.168.100.1

seine_node_start --no-agent
node=$SEINE_NODE
dir=$(seine_node_dir)
ns=$(seine_node_netns)
sock_dir=$dir/sock
gw=$(python3 -c 'import ipaddress, sys
print(ipaddress.ip_network(sys.argv[1])[1])' "$(cat "$dir/cidr")")
# The node IP on an interface of the node's own, as the underlay's would be
# (a veth pair: this kernel has no dummy links).
seine_node_exec ip link add nodeip0 type veth peer name nodeip1
seine_node_exec ip addr add "$node_ip/24" dev nodeip0
seine_node_exec ip link set nodeip0 up
seine_node_exec ip link set nodeip1 up

# --- The API server, with the Node and the pods --------------------------------
api=$SEINE_RUN/kubeapi
python3 - "$node" "$(cat "$dir/cidr")" "$node_ip" >"$SEINE_RUN/objects.json" <<'PY'
import json, sys
node, cidr, ip = sys.argv[1:4]
def pod(name):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default",
                         "labels": {"app": name}},
            "spec": {"nodeName": node,
                     "containers": [{"name": "c", "image": "busybox"}]}}
json.dump([{"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "default"}},
           {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node},
            "spec": {"podCIDR": cidr},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}]}},
           pod("a"), pod("b")], sys.stdout)
PY
kubeapi_pki "$api" || seine_fail "test CA"
KUBEAPI_TOKEN=$kube_token kubeapi_start "$api" "$SEINE_RUN/objects.json" "$ns"
kubeapi_kubeconfig "$api" "$kube_token" >"$api/kubeconfig"
printf '%s\n' "$metrics_token" >"$dir/metrics-token"
# A line from the middle of the TLS key: what a leak of it would show.
key_line=$(sed -n 3p "$api/server.key")

# agent_config [ALLOW_PODS]: the node's agent.yaml with the sockets in
# sock/, the API server as its source and metrics on every address.
agent_config() {
    sed -i -e "s|^cniSocket: .*|cniSocket: $sock_dir/cni.sock|" \
        -e "s|^stateSource: .*|stateSource: {type: kubernetes, kubeconfig: $api/kubeconfig}|" \
        -e '/^metrics:/d' "$dir/agent.yaml"
    printf 'metrics: {address: 0.0.0.0, port: 9464, tlsCertFile: %s, tlsKeyFile: %s, tokenFile: %s, allowPods: %s}\n' \
        "$api/server.crt" "$api/server.key" "$dir/metrics-token" "${1:-false}" >>"$dir/agent.yaml"
}

# agent_start: seine_agent_start's agent with its control socket in
# sock/ too, logging at debug level; links in the node folder let the
# library's helpers find both sockets.
agent_start() {
    seine_node_exec "$SEINE_AGENT_BIN" --config="$dir/agent.yaml" \
        --pidfile="$dir/seine-agent.pid" --log-file="$dir/seine-agent.log" \
        --unixctl="$sock_dir/seine-agent.ctl" --detach -vconsole:off -vfile:dbg \
        2>>"$dir/seine-agent.stderr" || seine_fail "seine-agent did not start"
    seine_wait_until 30 test -S "$sock_dir/cni.sock" \
        || seine_fail "seine-agent: no CNI socket after 30 s"
    ln -sfn "$sock_dir/cni.sock" "$dir/cni.sock"
    ln -sfn "$sock_dir/seine-agent.ctl" "$dir/seine-agent.ctl"
}

ck_ok "the socket folder does not exist before the agent starts" test ! -e "$sock_dir"
agent_config
seine_vsctl set Open_vSwitch . ovs_version="$(ovs-vsctl --version | awk 'NR == 1 { print $NF }')"
agent_start
seine_pod_add --no-manifest a
seine_pod_add --no-manifest b

# --- Root-only sockets ---------------------------------------------------------
ck_eq "the CNI socket is mode 0600, owned by root" \
    "$(stat -c '%a %U %F' "$sock_dir/cni.sock")" "600 root socket"
ck_eq "the control socket is mode 0600, owned by root" \
    "$(stat -c '%a %U %F' "$sock_dir/seine-agent.ctl")" "600 root socket"
ck_eq "their folder, made by the agent, is mode 0700, owned by root" \
    "$(stat -c '%a %U' "$sock_dir")" "700 root"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# nobody_cni: seine-cni CHECK of pod a, run as nobody; $out, $rc.
nobody_cni() {
    rc=0
    out=$(seine_cni_config | as_nobody env -i PATH="$PATH" CNI_COMMAND=CHECK \
        CNI_CONTAINERID="$(ck_cid a)" CNI_NETNS="/var/run/netns/$(seine_pod_netns a)" \
        CNI_IFNAME=eth0 CNI_PATH=/nonexistent \
        CNI_ARGS="K8S_POD_NAMESPACE=default;K8S_POD_NAME=a" "$SEINE_CNI_BIN" 2>&1) || rc=$?
}
# nobody_ctl: seinectl get pods as nobody; $out, $rc.
nobody_ctl() {
    rc=0
    out=$(as_nobody "$ctl_bin" --socket "$sock_dir/seine-agent.ctl" get pods 2>&1) || rc=$?
}
nobody_connect() {
    as_nobody /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except PermissionError:
    sys.exit(13)
sys.exit(0)' "$1"
}

# The run folder and the node folder opened to everyone, so that what
# stops nobody is the socket folder, then the socket itself.
chmod 0711 "$SEINE_RUN" "$dir"
nobody_cni
ck_result "nobody's seine-cni cannot reach the agent through the 0700 folder" \
    "$([ "$rc" != 0 ] && [[ $out == *"Permission denied"* ]]; echo $?)" "exit $rc: $out"
chmod 0755 "$sock_dir"
nobody_cni
ck_result "... nor with the folder opened: the socket is 0600 (Permission denied)" \
    "$([ "$rc" != 0 ] && [[ $out == *"Permission denied"* ]]; echo $?)" "exit $rc: $out"
nobody_ctl
ck_result "nobody's seinectl cannot reach the control socket (exit 3, Permission denied)" \
    "$([ "$rc" == 3 ] && [[ $out == *"Permission denied"* ]]; echo $?)" "exit $rc: $out"
rc=0
nobody_connect "$sock_dir/seine-agent.ctl" || rc=$?
ck_eq "nobody's connect() to the control socket fails with EACCES" "$rc" 13
seine_cni CHECK a >/dev/null 2>&1 || ck_fail "root's seine-cni CHECK of pod a" "$SEINE_CNI_OUT $SEINE_CNI_ERR"
ck_pass "root's seine-cni CHECK of pod a succeeds through the same socket"
# Past the file modes, the agent asks the kernel who is calling.
chmod 0666 "$sock_dir/cni.sock"
nobody_cni
chmod 0600 "$sock_dir/cni.sock"
ck_result "with the CNI socket opened too, the agent refuses nobody (SO_PEERCRED)" \
    "$([ "$rc" != 0 ] && [[ $out == *"only root may call seine-agent"* ]]; echo $?)" "exit $rc: $out"
chmod 0700 "$sock_dir" "$SEINE_RUN" "$dir"

# An agent whose socket folder others may write stops before it touches
# anything (the running agent's switch, records and sockets stay as they are).
mkdir -m 0777 "$SEINE_RUN/open"
sed "s|^cniSocket: .*|cniSocket: $SEINE_RUN/open/cni.sock|" "$dir/agent.yaml" >"$SEINE_RUN/open.yaml"
rc=0
out=$(timeout 10 ip netns exec "$ns" "$SEINE_AGENT_BIN" --config="$SEINE_RUN/open.yaml" \
    --unixctl="$SEINE_RUN/bad.ctl" -vconsole:err 2>&1) || rc=$?
ck_result "an agent whose CNI socket folder is 0777 refuses to start, saying why" \
    "$([ "$rc" != 0 ] && [ "$rc" != 124 ] && [[ $out == *"lets others write"* ]]; echo $?)" "exit $rc: $out"
ck_eq "... and made no socket" "$(find "$SEINE_RUN/open" "$SEINE_RUN/bad.ctl" -type s 2>/dev/null | wc -l)" 0

# --- What a pod can reach of the node ------------------------------------------
listeners() { seine_node_exec ss -Hltn | awk '{ print $4 }' | sort | tr '\n' ' '; }
ck_eq "the node listens on TCP only for the metrics endpoint and the API server" \
    "$(listeners)" "$(printf '%s\n' "0.0.0.0:9464" "127.0.0.1:$KUBEAPI_PORT" | sort | tr '\n' ' ')"
ck_eq "ovsdb-server's only remote is its unix socket" \
    "$(seine_appctl -t ovsdb-server ovsdb-server/list-remotes)" "punix:$dir/db.sock"
ck_empty "OVSDB has no manager (no ptcp:6640)" "$(seine_vsctl get-manager)"
ck_empty "br-int has no controller (OpenFlow only on br-int.mgmt)" "$(seine_vsctl get-controller br-int)"
# pod_connects POD IP PORT: a TCP connection from POD completes within 2 s.
pod_connects() {
    seine_pod_exec "$1" timeout 3 python3 -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()' "$2" "$3" 2>/dev/null
}
for port in 6640 6653; do
    for ip in "$gw" "$node_ip"; do
        ck_no "pod a cannot connect to $ip:$port" pod_connects a "$ip" "$port"
    done
done

scrape() { seine_node_exec curl -sk --max-time 5 -H "Authorization: Bearer $metrics_token" \
    -o "$SEINE_RUN/scrape.txt" -w '%{http_code}' https://127.0.0.1:9464/metrics; }
ck_eq "the node scrapes its metrics (TLS, token)" "$(scrape)" 200
for ip in "$gw" "$node_ip"; do
    ck_no "pod a cannot connect to the metrics port on $ip" pod_connects a "$ip" 9464
done
drops=$(seine_node_exec nft list table inet seine-guard | awk '/counter/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }')
ck_ge "... dropped by table inet seine-guard (packets)" "${drops:-0}" 2

seine_bg_start hostsrv "$ns" python3 -m http.server --bind 0.0.0.0 8080 --directory "$SEINE_RUN/pods"
seine_wait_until 5 sh -c "ip netns exec '$ns' ss -Hltn 'sport = :8080' | grep -q ." \
    || seine_fail "the host service did not start"
for ip in "$gw" "$node_ip"; do
    ck_ok "pod a reaches a host service on $ip:8080 (no policy)" pod_connects a "$ip" 8080
done
kubeapi_ctl "$(jq -cn '{op: "apply", object: {apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy", metadata: {name: "a-no-egress", namespace: "default"},
    spec: {podSelector: {matchLabels: {app: "a"}}, policyTypes: ["Egress"]}}}')" >/dev/null
a_cut() { ! pod_connects a "$gw" 8080; }
seine_wait_until 15 a_cut || ck_fail "a NetworkPolicy denying a's egress cuts a → host:8080"
ck_pass "a NetworkPolicy denying a's egress cuts a → host service"
ck_no "... on the node IP too" pod_connects a "$node_ip" 8080
ck_ok "pod b still reaches the host service" pod_connects b "$gw" 8080

# --- metrics.allowPods ---------------------------------------------------------
seine_agent_stop
agent_config true
agent_start
seine_wait_until 30 pod_connects b "$gw" 9464 || ck_fail "with allowPods, pod b connects to the metrics port"
ck_pass "with metrics.allowPods, pod b connects to the metrics port on the gateway"
ck_no "... and table inet seine-guard is gone" seine_node_exec nft list table inet seine-guard
pod_scrape() {
    seine_pod_exec b curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "$@" "https://$node_ip:9464/metrics"
}
ck_eq "... where a scrape without the token is refused (401)" "$(pod_scrape)" 401
ck_eq "... and one with it answered (200)" "$(pod_scrape -H "Authorization: Bearer $metrics_token")" 200

# --- No secret in what the agent says ------------------------------------------
out_dir=$SEINE_RUN/said
mkdir -p "$out_dir/tmp"
ck_eq "a scrape after the restart" "$(scrape)" 200
cp "$SEINE_RUN/scrape.txt" "$out_dir/metrics.txt"
export SEINE_AGENT_CTL=$sock_dir/seine-agent.ctl
for c in "get pods" "get policies" "get services" "get nodes" "get flows" ports pmd log-level version; do
    # shellcheck disable=SC2086
    seine_node_exec "$ctl_bin" $c -o json >"$out_dir/ctl-${c// /-}.json" 2>&1 || true
done
for c in ctl/runtime model/show source/show flows/commits policy/stats service/show; do
    seine_appctl -t seine-agent "$c" >"$out_dir/appctl-${c//\//-}.txt" 2>&1 || true
done
grep -q '"metricsTokenFile"' "$out_dir/appctl-ctl-runtime.txt" \
    || ck_fail "ctl/runtime names the secrets' files" "$(cat "$out_dir/appctl-ctl-runtime.txt")"
ck_pass "ctl/runtime names the secrets' files (their paths only)"
(cd "$out_dir" && seine_node_exec env TMPDIR="$out_dir/tmp" "$ctl_bin" supportbundle -o "$out_dir/bundle.tar.gz" >/dev/null 2>&1) \
    || ck_fail "seinectl supportbundle"
mkdir "$out_dir/bundle"
tar -xzf "$out_dir/bundle.tar.gz" -C "$out_dir/bundle"
cp "$dir/seine-agent.log" "$dir/seine-agent.stderr" "$out_dir/"
ck_ge "the agent logged at debug level (lines)" "$(wc -l <"$out_dir/seine-agent.log")" 100
for secret in "$kube_token" "$metrics_token" "$key_line" \
        "$(printf '%s' "$kube_token" | base64 -w0)" "$(printf '%s' "$metrics_token" | base64 -w0)"; do
    hits=$(grep -rlF -- "$secret" "$out_dir" | sed "s|^$out_dir/||" || true)
    ck_empty "no log, scrape, seinectl answer or bundle file holds secret ${secret:0:6}…" "$hits"
done
ck_done
