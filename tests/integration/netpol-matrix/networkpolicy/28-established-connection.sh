# shellcheck shell=bash
# Policies added and removed while a long TCP connection runs.  Kubernetes
# leaves open what happens to connections established before a policy.  In
# Seine's pipeline, traffic between pods that no policy isolates is not
# tracked (docs/pipeline.md); conntrack does not pick a TCP connection up
# from its middle, so once a policy isolates its pods, such a connection's
# next segments are refused as a new connection's would be.  Asserted
# here: fe-1 -> be-1:80, opened with no policy, breaks once backend denies
# all ingress and frontend all egress; new connections are refused, and
# allowed again once both policies are removed.  Then a connection opened
# while backend was isolated and allowed it (so tracked) outlives the
# change that no longer allows it.
conn_open long fe-1 be-1 80
apply deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: frontend}
spec: {podSelector: {}, policyTypes: [Egress]}
EOF
expect "deny policies applied: new connections refused" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   ...   ...   ...   ...
fe-2    ...   -     ...   ...   ...   ...
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
conn_broken long "the connection opened untracked before the deny policies is refused"
unapply deny
expect "deny policies removed" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
# A connection opened while its server was isolated, allowed and so
# tracked, outlives a change that no longer allows it: its conntrack entry
# stays established, and established traffic skips the policy stages.
apply allow <<EOF2
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-frontend, namespace: backend}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: frontend}}}]}]
EOF2
expect "backend isolated, open to frontend" <<'EOF2'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF2
conn_open tracked fe-1 be-1 80
apply deny-backend <<EOF2
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress]}
EOF2
unapply allow
expect "backend closed to everyone" <<'EOF2'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   ...   ...   TTU   TTU
fe-2    TTU   -     ...   ...   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF2
conn_alive tracked "the connection opened while allowed and tracked still carries data"
