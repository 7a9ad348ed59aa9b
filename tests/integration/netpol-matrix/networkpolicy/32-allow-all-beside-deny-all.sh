# shellcheck shell=bash
# An empty rule ({}) allows everything, and a union with a deny-all policy
# keeps it: be-1 has deny-all plus allow-all ingress and is open, be-2 has
# only deny-all.  The same for egress in frontend: fe-1 has deny-all plus
# allow-all egress (it still cannot reach be-2, whose ingress is closed),
# fe-2 only deny-all.
apply policies <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-allow-all, namespace: backend}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: frontend}
spec: {podSelector: {}, policyTypes: [Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-allow-all, namespace: frontend}
spec:
  podSelector: {matchLabels: {role: client}}
  policyTypes: [Egress]
  egress: [{}]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   ...   TTU   TTU
fe-2    ...   -     ...   ...   ...   ...
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   ...   -     TTU
db-2    TTU   TTU   TTU   ...   TTU   -
EOF
