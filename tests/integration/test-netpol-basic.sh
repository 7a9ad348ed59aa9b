#!/usr/bin/env bash
# NetworkPolicy end to end on one node: policies dropped into the agent's
# manifests folder take effect in the datapath, statefully, and follow
# label changes.  Probes are real TCP connections between pod namespaces.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/checks.sh"
seine_test_begin netpol-basic
seine_require_cmd nc
seine_node_start
for p in a b c; do seine_pod_add "$p" >/dev/null; done
a_ip=$(seine_pod_ip a) b_ip=$(seine_pod_ip b) c_ip=$(seine_pod_ip c)
manifests=$(seine_node_dir)/manifests

for p in a b c; do
    for port in 80 81; do
        seine_bg_start "listen-$p-$port" "$(seine_pod_netns "$p")" \
            nc -lk -p "$port"
    done
done
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns c) ss -Hltn 'sport = :81' | grep -q ."

# tcp SRC DST_IP PORT: a TCP connection from SRC's namespace succeeds.
tcp() { seine_pod_exec "$1" timeout 3 nc -z -w 1 "$2" "$3" >/dev/null 2>&1; }

# expect WHAT ok|no SRC DST_IP PORT: the connection's verdict becomes the
# expected one within 5 s (the agent applies manifest changes at once; the
# wait covers inotify and the bundle).
expect() {
    local what=$1 want=$2; shift 2
    if [ "$want" == ok ]; then
        seine_wait_until 5 tcp "$@" && ck_pass "$what" \
            || ck_fail "$what" "connection $* refused or timed out"
    else
        seine_wait_until 5 sh -c "! { $(declare -f tcp seine_pod_exec seine_pod_netns seine__pod_file); tcp $*; }" \
            && ck_pass "$what" || ck_fail "$what" "connection $* still succeeds"
    fi
}

policy() { # NAME YAML-SPEC-BODY
    printf 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: %s\n  namespace: default\nspec:\n%s\n' \
        "$1" "$2" >"$manifests/np-$1.yaml.tmp"
    mv "$manifests/np-$1.yaml.tmp" "$manifests/np-$1.yaml"
}

relabel() { # POD APP
    local f=$manifests/pod-default-$1.yaml
    sed "s/^    app: .*/    app: $2/" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
}

expect "no policy: a -> b:80" ok a "$b_ip" 80

policy deny-b '  podSelector: {matchLabels: {app: b}}
  policyTypes: [Ingress]'
expect "b isolated for ingress: a -> b:80 dropped" no a "$b_ip" 80
ck_no "b isolated for ingress: ping a -> b dropped" ck_ping a "$b_ip"
expect "b's egress is not isolated: b -> a:80" ok b "$a_ip" 80
ck_ok "the node still reaches isolated b" seine_node_exec ping -c1 -W1 "$b_ip"

policy allow-a-b '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]
    ports: [{protocol: TCP, port: 80}]'
expect "allow app=a to b:80: a -> b:80" ok a "$b_ip" 80
expect "... a -> b:81 still dropped" no a "$b_ip" 81
expect "... c -> b:80 still dropped" no c "$b_ip" 80

relabel c a
expect "c relabelled app=a: c -> b:80 allowed" ok c "$b_ip" 80
relabel c c
expect "c relabelled back: c -> b:80 dropped" no c "$b_ip" 80

# Stateful: a may only open connections to b:80 and receive nothing, yet
# b's answers come back.
policy a-egress '  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{port: 80}]'
expect "a isolated both ways: a -> b:80 (replies pass a's ingress)" ok a "$b_ip" 80
expect "... a -> c:80 dropped by a's egress" no a "$c_ip" 80
expect "... c -> a:80 dropped by a's ingress" no c "$a_ip" 80

rm -f "$manifests"/np-*.yaml
expect "all policies removed: c -> b:81" ok c "$b_ip" 81
expect "... c -> a:80" ok c "$a_ip" 80
ck_done
