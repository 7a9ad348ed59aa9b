# shellcheck shell=bash
# Policies added and removed while a long TCP connection runs.  Kubernetes
# leaves open what happens to connections established before a policy;
# Seine's pipeline lets established traffic skip the policy stages
# (docs/pipeline.md), so a connection keeps working when a policy that
# would have refused it appears, while new connections are refused.
# Asserted here: fe-1 -> be-1:80, opened with no policy, keeps carrying
# data while backend denies all ingress and frontend all egress, and after
# both are removed.
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
conn_alive long "the connection opened before the deny policies still carries data"
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
conn_alive long "... and after they are removed"
