# shellcheck shell=bash
# Policies are stateful: fe-1 is isolated both ways, with one egress rule
# to the backend namespace and no ingress rule.  Its connections to be-1
# and be-2 work, the answers coming back through its closed ingress; no one
# can open a connection to fe-1, and fe-1 reaches no one else.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-to-backend, namespace: frontend}
spec:
  podSelector: {matchLabels: {role: client}}
  policyTypes: [Ingress, Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: backend}}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   TTU   TTU   ...   ...
fe-2    ...   -     TTU   TTU   TTU   TTU
be-1    ...   TTU   -     TTU   TTU   TTU
be-2    ...   TTU   TTU   -     TTU   TTU
db-1    ...   TTU   TTU   TTU   -     TTU
db-2    ...   TTU   TTU   TTU   TTU   -
EOF
