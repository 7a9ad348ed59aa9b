# shellcheck shell=bash
# A named port in an egress rule is the containerPort of that name on each
# destination pod.  fe-1 may go to "http" anywhere: 80 on fe-2 and be-1,
# 8080 on be-2 and db-1, nothing on db-2 (no port of that name).  fe-2 may
# go to "alt" in the tier=data namespace: db-2's alt is 80, db-1 has none.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress-http, namespace: frontend}
spec:
  podSelector: {matchLabels: {role: client}}
  policyTypes: [Egress]
  egress:
  - ports:
    - port: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: admin-egress-alt, namespace: frontend}
spec:
  podSelector: {matchLabels: {role: admin}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {tier: data}}
    ports:
    - port: alt
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     T..   T..   .T.   .T.   ...
fe-2    ...   -     ...   ...   ...   T..
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
