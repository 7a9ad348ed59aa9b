# shellcheck shell=bash
# A peer with podSelector {} alone selects every pod of the policy's own
# namespace, and only those: db-1 and db-2 reach each other, nobody else
# reaches them.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-same-namespace, namespace: db}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   ...   ...
fe-2    TTU   -     TTU   TTU   ...   ...
be-1    TTU   TTU   -     TTU   ...   ...
be-2    TTU   TTU   TTU   -     ...   ...
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
