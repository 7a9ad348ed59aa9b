#!/usr/bin/env bash
# NetworkPolicy end to end on one node: policies dropped into the agent's
# manifests folder take effect in the datapath, statefully, and follow
# label changes.  Probes are real TCP connections between pod namespaces.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin netpol-basic
seine_require_cmd nc
seine_node_start
for p in a b c; do seine_pod_add "$p" >/dev/null; done
a_ip=$(seine_pod_ip a) b_ip=$(seine_pod_ip b) c_ip=$(seine_pod_ip c)
manifests=$(seine_node_dir)/manifests

ck_listen 80 a b c
ck_listen 81 a b c

relabel() { # POD APP
    local f=$manifests/pod-default-$1.yaml
    sed "s/^    app: .*/    app: $2/" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
}

ck_expect_tcp "no policy: a -> b:80" ok a "$b_ip" 80

ck_netpol deny-b '  podSelector: {matchLabels: {app: b}}
  policyTypes: [Ingress]'
ck_expect_tcp "b isolated for ingress: a -> b:80 dropped" no a "$b_ip" 80
ck_no "b isolated for ingress: ping a -> b dropped" ck_ping a "$b_ip"
ck_expect_tcp "b's egress is not isolated: b -> a:80" ok b "$a_ip" 80
ck_ok "the node still reaches isolated b" seine_node_exec ping -c1 -W1 "$b_ip"

ck_netpol allow-a-b '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]
    ports: [{protocol: TCP, port: 80}]'
ck_expect_tcp "allow app=a to b:80: a -> b:80" ok a "$b_ip" 80
ck_expect_tcp "... a -> b:81 still dropped" no a "$b_ip" 81
ck_expect_tcp "... c -> b:80 still dropped" no c "$b_ip" 80

# Per-rule counters: the allow rule's conj_id flow counted a's connection.
rule_packets() { # KEY: the packets of rule KEY from the agent's policy/stats
    seine_appctl -t seine-agent policy/stats \
        | awk -v k="$1" '$2 == k { sub(/packets=/, "", $6); print $6 }'
}
before=$(rule_packets default/allow-a-b/ingress/0)
ck_ok "policy/stats lists the allow rule" test -n "$before"
ck_tcp a "$b_ip" 80 || true
# The switch adds datapath counters to its flows when it revalidates
# (about every 500 ms).
counted() { [ "$(rule_packets default/allow-a-b/ingress/0)" -gt "$before" ]; }
seine_wait_until 5 counted || true
after=$(rule_packets default/allow-a-b/ingress/0)
ck_ge "a's connection counted by the allow rule ($before -> $after)" "$after" $((before + 1))

# flows/commits: each change is one commit, dated, and the agent's flow
# count is the switch's.
commits() { # FIELD: a field of the agent's flows/commits
    seine_appctl -t seine-agent flows/commits | awk -v f="$1:" '$1 == f { print $2 }'
}
n0=$(commits commits)
t0=$(date +%s%3N)
relabel c a
ck_expect_tcp "c relabelled app=a: c -> b:80 allowed" ok c "$b_ip" 80
ck_ge "flows/commits counted the relabel" "$(commits commits)" $((n0 + 1))
ck_ge "flows/commits dates the last commit after the relabel" "$(commits last)" "$t0"
ck_eq "flows/commits counts the switch's flows" "$(commits flows)" \
    "$(seine_ofctl dump-flows | grep -c cookie=)"
relabel c c
ck_expect_tcp "c relabelled back: c -> b:80 dropped" no c "$b_ip" 80

# Stateful: a may only open connections to b:80 and receive nothing, yet
# b's answers come back.
ck_netpol a-egress '  podSelector: {matchLabels: {app: a}}
  policyTypes: [Ingress, Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{port: 80}]'
ck_expect_tcp "a isolated both ways: a -> b:80 (replies pass a's ingress)" ok a "$b_ip" 80
ck_expect_tcp "... a -> c:80 dropped by a's egress" no a "$c_ip" 80
ck_expect_tcp "... c -> a:80 dropped by a's ingress" no c "$a_ip" 80

rm -f "$manifests"/np-*.yaml
ck_expect_tcp "all policies removed: c -> b:81" ok c "$b_ip" 81
ck_expect_tcp "... c -> a:80" ok c "$a_ip" 80
ck_recompute
ck_done
