# shellcheck shell=bash
# policyTypes left out: Ingress always, plus Egress when the policy has
# egress rules.  db-1's policy has only an egress rule (to its own
# namespace), so db-1 is isolated both ways: it reaches only db-2 and no one
# reaches it.  be-1's policy has only an ingress rule (from its own
# namespace), so only be-1's ingress is isolated: be-2 reaches it, its own
# egress stays open.
apply policies <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: primary-egress-only, namespace: db}
spec:
  podSelector: {matchLabels: {role: primary}}
  egress:
  - to:
    - podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-ingress-only, namespace: backend}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress:
  - from:
    - podSelector: {}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   ...   TTU   ...   TTU
fe-2    TTU   -     ...   TTU   ...   TTU
be-1    TTU   TTU   -     TTU   ...   TTU
be-2    TTU   TTU   TTU   -     ...   TTU
db-1    ...   ...   ...   ...   -     TTU
db-2    TTU   TTU   ...   TTU   ...   -
EOF
