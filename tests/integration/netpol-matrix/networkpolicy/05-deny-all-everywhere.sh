# shellcheck shell=bash
# Deny all in both directions in every namespace (three policies in one
# manifest file): nothing passes between any two pods.
apply deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: frontend}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: db}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   ...   ...   ...   ...
fe-2    ...   -     ...   ...   ...   ...
be-1    ...   ...   -     ...   ...   ...
be-2    ...   ...   ...   -     ...   ...
db-1    ...   ...   ...   ...   -     ...
db-2    ...   ...   ...   ...   ...   -
EOF
