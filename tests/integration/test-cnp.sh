#!/usr/bin/env bash
# ClusterNetworkPolicy tiers end to end on one node: Admin before
# NetworkPolicy, Baseline after it and only for pods no NetworkPolicy
# isolates.  Policies are manifests in the agent's folder; probes are real
# TCP connections between pod namespaces.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin cnp
seine_require_cmd nc
seine_node_start
for p in a b c; do seine_pod_add "$p" >/dev/null; done
a_ip=$(seine_pod_ip a) b_ip=$(seine_pod_ip b) c_ip=$(seine_pod_ip c)
manifests=$(seine_node_dir)/manifests

ck_listen 80 a b c
ck_listen 81 a b c


ck_expect_tcp "no policy: a -> b:80" ok a "$b_ip" 80

# NetworkPolicy alone: b accepts app=a on port 80 only.
ck_netpol allow-a-b '  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]
    ports: [{protocol: TCP, port: 80}]'
ck_expect_tcp "NetworkPolicy: a -> b:80 allowed" ok a "$b_ip" 80
ck_expect_tcp "NetworkPolicy: c -> b:80 dropped" no c "$b_ip" 80

# (a) Admin Deny wins over the NetworkPolicy's allow.
ck_cnp guard '  tier: Admin
  priority: 10
  subject: {pods: {podSelector: {matchLabels: {app: b}}}}
  ingress:
  - {name: deny-a, action: Deny, from: [{pods: {podSelector: {matchLabels: {app: a}}}}]}'
ck_expect_tcp "(a) Admin Deny over NetworkPolicy allow: a -> b:80 dropped" no a "$b_ip" 80
ck_ok "(a) the node still reaches b" seine_node_exec ping -c1 -W1 "$b_ip"
ck_expect_tcp "(a) Admin Deny is for b only: a -> c:80" ok a "$c_ip" 80

# (b) Pass skips the rest of the Admin tier (a lower-precedence Deny of
# everything) and the NetworkPolicy decides.
ck_cnp guard '  tier: Admin
  priority: 10
  subject: {pods: {podSelector: {matchLabels: {app: b}}}}
  ingress:
  - {name: pass-a, action: Pass, from: [{pods: {podSelector: {matchLabels: {app: a}}}}]}'
ck_cnp wall '  tier: Admin
  priority: 20
  subject: {pods: {podSelector: {matchLabels: {app: b}}}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}'
ck_expect_tcp "(b) Admin Pass, NetworkPolicy allows: a -> b:80" ok a "$b_ip" 80
ck_expect_tcp "(b) Admin Pass, NetworkPolicy drops: a -> b:81" no a "$b_ip" 81
ck_expect_tcp "(b) not passed, the later Admin Deny: c -> b:80 dropped" no c "$b_ip" 80

# (c) Admin Accept allows what the NetworkPolicy isolating b would drop.
ck_cnp open '  tier: Admin
  priority: 5
  subject: {namespaces: {}}
  ingress:
  - action: Accept
    from: [{pods: {podSelector: {matchLabels: {app: c}}}}]
    protocols: [{tcp: {destinationPort: {number: 81}}}]'
ck_expect_tcp "(c) Admin Accept despite NetworkPolicy isolation: c -> b:81" ok c "$b_ip" 81
ck_expect_tcp "(c) ... only that port: c -> b:80 still dropped" no c "$b_ip" 80
rm -f "$manifests/cnp-open.yaml" "$manifests/cnp-wall.yaml" "$manifests/cnp-guard.yaml"
ck_expect_tcp "Admin policies removed: c -> b:81 dropped by the NetworkPolicy" no c "$b_ip" 81

# (d) Baseline Deny of all ingress: applies to a and c, which no
# NetworkPolicy selects, not to b, which one does.
ck_cnp baseline '  tier: Baseline
  priority: 0
  subject: {namespaces: {}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}
  egress:
  - {action: Pass, to: [{networks: [0.0.0.0/0]}]}'
ck_expect_tcp "(d) Baseline Deny: a -> c:80 dropped" no a "$c_ip" 80
ck_expect_tcp "(d) Baseline Deny: b -> a:80 dropped" no b "$a_ip" 80
ck_expect_tcp "(d) b's NetworkPolicy decides, not Baseline: a -> b:80" ok a "$b_ip" 80
ck_ok "(d) the node still reaches c" seine_node_exec ping -c1 -W1 "$c_ip"

# (e) No ClusterNetworkPolicy left: NetworkPolicy alone again.
rm -f "$manifests/cnp-baseline.yaml"
ck_expect_tcp "(e) CNPs removed: a -> c:80" ok a "$c_ip" 80
ck_expect_tcp "(e) ... b -> a:80" ok b "$a_ip" 80
ck_expect_tcp "(e) ... a -> b:80 (NetworkPolicy)" ok a "$b_ip" 80
ck_expect_tcp "(e) ... c -> b:80 dropped (NetworkPolicy)" no c "$b_ip" 80
ck_eq "(e) no CNP flows left in the tier tables" \
    "$(seine_ofctl dump-flows | grep -cE 'table=(35|42|65|72),.*conj')" 0
rm -f "$manifests"/np-*.yaml
ck_expect_tcp "all policies removed: c -> b:81" ok c "$b_ip" 81
ck_recompute
ck_done
