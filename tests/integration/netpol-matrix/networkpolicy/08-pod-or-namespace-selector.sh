# shellcheck shell=bash
# The selectors of scenario 07 as TWO peers are OR-ed: every pod of the
# env=prod namespaces (frontend and backend, so be-1 and be-2 reach each
# other too), or a pod labelled role=client in the policy's own namespace
# (backend has none).  fe-2, be-1 and be-2 gain access compared to 07.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-prod-or-clients, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {env: prod}}
    - podSelector: {matchLabels: {role: client}}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
