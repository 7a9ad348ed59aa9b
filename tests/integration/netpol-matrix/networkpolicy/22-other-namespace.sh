# shellcheck shell=bash
# A policy selects pods of its own namespace only.  A frontend policy whose
# podSelector app=api matches the backend pods' labels isolates nothing
# (frontend has no such pod); a second frontend policy isolates fe-2 for
# ingress, so the set visibly applies.  The backend pods stay open.
apply policies <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-api, namespace: frontend}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-admin, namespace: frontend}
spec:
  podSelector: {matchLabels: {role: admin}}
  policyTypes: [Ingress]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   ...   -     TTU   TTU   TTU
be-2    TTU   ...   TTU   -     TTU   TTU
db-1    TTU   ...   TTU   TTU   -     TTU
db-2    TTU   ...   TTU   TTU   TTU   -
EOF
