#!/usr/bin/env bash
# seinectl supportbundle on a node whose configuration names secrets (a
# metrics token file; a kubeconfig with a token, a token file and a
# client key) and whose log has a bearer token and a private key in it.  The bundle has
# every item, its index says which succeeded, and no secret (nor its
# base64) is in any file of it, "<redacted>" standing where they were.
# With the agent down: exit 3 and a bundle of what could still be had.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin supportbundle
seine_require_cmd tar base64
ctl_bin=$SEINE_BUILD_DIR/seinectl/seinectl
[ -x "$ctl_bin" ] || seine_skip "$ctl_bin not built"

random() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
metrics_token=$(random)
kube_token=$(random)
kube_file_token=$(random)
key_body=$(head -c 192 /dev/urandom | base64 -w 64)
key_pem=$(printf -- '-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----' "$key_body")
key_b64=$(printf '%s\n' "$key_pem" | base64 -w 0)

seine_node_start --no-agent
dir=$(seine_node_dir)
work=$SEINE_RUN/bundle
mkdir -p "$work/tmp"
printf '%s\n' "$metrics_token" >"$dir/metrics-token"
printf '%s\n' "$kube_file_token" >"$dir/kube-token"
cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "https://192.0.2.1:6443"}
users:
- name: seine
  user:
    token: $kube_token
    tokenFile: $dir/kube-token
    client-key-data: $key_b64
contexts:
- name: test
  context: {cluster: test, user: seine}
current-context: test
EOF
# The state source stays the manifests folder (no API server here); the
# kubeconfig is named all the same, as on a node about to switch.
sed -i "s|^stateSource: .*|stateSource: {type: manifests, path: $dir/manifests, kubeconfig: $dir/kubeconfig}|" \
    "$dir/agent.yaml"
printf 'metrics: {port: 9464, tokenFile: %s}\n' "$dir/metrics-token" >>"$dir/agent.yaml"
seine_agent_start
export SEINE_AGENT_CTL
SEINE_AGENT_CTL=$dir/seine-agent.ctl
seine_pod_add a

# What a debug log of a scrape and a misconfigured key would leave.
{
    echo "2026-01-01T00:00:00.000Z|00001|metricsrv|DBG|request: GET /metrics Authorization: Bearer $metrics_token"
    echo "2026-01-01T00:00:00.001Z|00002|kubeconfig|WARN|bad key:"
    printf '%s\n' "$key_pem"
} >>"$dir/seine-agent.log"

# bundle ARGS...: seinectl supportbundle ARGS in the node's namespace; $rc, $out.
rc=0
out=
bundle() {
    rc=0
    out=$(cd "$work" && seine_node_exec env TMPDIR="$work/tmp" "$ctl_bin" supportbundle "$@" 2>&1) || rc=$?
}
# extract FILE: into $work/FILE.d; the bundle's folder in $b.
extract() {
    rm -rf "$work/$1.d"
    mkdir "$work/$1.d"
    tar -xzf "$work/$1" -C "$work/$1.d"
    b=$(echo "$work/$1.d"/seine-bundle-*)
}
# holds FILE TEXT: FILE has TEXT (lines and all) in it.
holds() { [[ $(<"$1") == *"$2"* ]]; }
ok_of() { jq -r --arg f "$1" '.items[] | select(.file == $f) | .ok' "$b/index.json"; }

bundle -o "$work/b.tar.gz"
ck_eq "supportbundle: exit 0" "$rc" 0
ck_ok "... says what it wrote" grep -qF "wrote $work/b.tar.gz" <<<"$out"
extract b.tar.gz
ck_ok "the archive holds one folder" test -d "$b"
ck_eq "... named after the node" "$(basename "$b" | cut -d- -f3)" "$SEINE_NODE"
ck_empty "no temporary file is left" "$(ls -A "$work/tmp")"

agent_items="runtime.json version.json pods.json policies.json services.json
    nodes.json ports.json pmd.json flows.json model.txt source.txt
    flows-commits.txt log-levels.txt agent-config.yaml kubeconfig.yaml agent.log"
switch_items="ovsdb.txt openflow-flows.txt openflow-groups.txt
    openflow-group-stats.txt vswitchd-version.txt pmd-stats.txt pmd-rxq.txt
    coverage.txt"
host_items="ip-link.txt ip-addr.txt ip-route.txt nft-ruleset.txt uname.txt
    os-release.txt"
for f in $agent_items $switch_items $host_items index.json; do
    ck_ok "$f: present and not empty" test -s "$b/$f"
done
for f in $agent_items $switch_items $host_items; do
    ck_eq "index.json: $f succeeded" "$(ok_of "$f")" true
done
ck_eq "index.json: every file of the bundle is an item" \
    "$(jq -r '.items[].file' "$b/index.json" | sort | tr '\n' ' ')" \
    "$(find "$b" -mindepth 1 ! -name index.json -printf '%f\n' | sort | tr '\n' ' ')"
ck_ok "index.json: conntrack stats are an item, ok or not" \
    jq -e '.items[] | select(.file == "conntrack-stats.txt") | .source | test("dpctl/ct-stats-show")' "$b/index.json"
ck_eq "index.json: the metrics token file is named, not collected" \
    "$(jq -r '.secretsNotCollected[] | select(.field == "metrics.tokenFile") | .path' "$b/index.json")" \
    "$dir/metrics-token"
ck_eq "index.json: the kubeconfig's token file too" \
    "$(jq -r '.secretsNotCollected[] | select(.field == "stateSource.kubeconfig tokenFile") | .path' "$b/index.json")" \
    "$dir/kube-token"

ck_eq "pods.json: pod a" "$(jq -r '.items[0].name' "$b/pods.json")" a
ck_eq "runtime.json: the configuration file" \
    "$(jq -r '.items[0].configFile' "$b/runtime.json")" "$dir/agent.yaml"
ck_ok "openflow-flows.txt: flows with their counters" grep -q 'n_packets=' "$b/openflow-flows.txt"
ck_ok "ovsdb.txt: the bridge" grep -qw "$SEINE_BRIDGE" "$b/ovsdb.txt"
ck_ok "ip-link.txt: the node's gateway port" grep -qw "$SEINE_GATEWAY_PORT" "$b/ip-link.txt"
ck_ok "agent.log: the agent's own lines" grep -q 'seine-agent .* started' "$b/agent.log"
ck_ok "agent-config.yaml: secret paths kept" grep -qF "tokenFile: $dir/metrics-token" "$b/agent-config.yaml"

# --- redaction ----------------------------------------------------------------
ck_ok "agent.log: the bearer token redacted" grep -qF "Authorization: Bearer <redacted>" "$b/agent.log"
ck_ok "agent.log: the key's body redacted" \
    holds "$b/agent.log" $'-----BEGIN PRIVATE KEY-----\n<redacted>\n-----END PRIVATE KEY-----'
ck_ok "kubeconfig.yaml: the token redacted" grep -qF "token: <redacted>" "$b/kubeconfig.yaml"
ck_ok "kubeconfig.yaml: the client key redacted" grep -qF "client-key-data: <redacted>" "$b/kubeconfig.yaml"
ck_ge "index.json: agent.log had 2 secrets replaced" \
    "$(jq -r '.items[] | select(.file == "agent.log") | .redacted' "$b/index.json")" 2

# --- default name, --lines ----------------------------------------------------
bundle --lines 3
ck_eq "supportbundle (default name): exit 0" "$rc" 0
default=$(cd "$work" && ls seine-bundle-"$SEINE_NODE"-*Z.tar.gz)
ck_ok "... seine-bundle-NODE-TIMESTAMP.tar.gz in the current folder" test -s "$work/$default"
extract "$default"
ck_eq "--lines 3: the log's last 3 lines" "$(wc -l <"$b/agent.log")" 3

# --- the agent down -----------------------------------------------------------
seine_agent_stop
bundle -o "$work/down.tar.gz"
ck_eq "agent down: exit 3" "$rc" 3
ck_ok "... saying the agent is unreachable, at its socket" grep -qF "cannot reach the agent at $SEINE_AGENT_CTL" <<<"$out"
extract down.tar.gz
ck_eq "... the index says so" "$(jq -r .agentReachable "$b/index.json")" false
ck_eq "... the agent's items failed" "$(ok_of pods.json)" false
ck_ok "... with why in their file" grep -qF "cannot reach the agent" "$b/pods.json"
ck_eq "... the host's items still collected" "$(ok_of ip-link.txt)" true

# --- no secret in any bundle ------------------------------------------------
for secret in "$metrics_token" "$kube_token" "$kube_file_token" "$key_b64" \
    "$(printf '%s' "$metrics_token" | base64 -w 0)" \
    "$(printf '%s' "$kube_token" | base64 -w 0)" \
    "$(head -1 <<<"$key_body")" "$(tail -1 <<<"$key_body")"; do
    ck_no "no file of any bundle holds ${secret:0:12}..." grep -rqF -- "$secret" "$work"
done
ck_done
