# shellcheck shell=bash
# Admin Accept over NetworkPolicy isolation: db's NetworkPolicy denies all
# ingress, an Admin policy accepts tcp/8080 from the app=api pods of
# tier=back.  Accept is final: NetworkPolicy never sees those connections,
# so be-* reach db-* on tcp/8080 and nothing else reaches db.
apply accept <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-in, namespace: db}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: api-to-db}
spec:
  tier: Admin
  priority: 20
  subject: {namespaces: {matchLabels: {tier: data}}}
  ingress:
  - action: Accept
    from:
    - pods:
        namespaceSelector: {matchLabels: {tier: back}}
        podSelector: {matchLabels: {app: api}}
    protocols: [{tcp: {destinationPort: {number: 8080}}}]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   ...   ...
fe-2    TTU   -     TTU   TTU   ...   ...
be-1    TTU   TTU   -     TTU   .T.   .T.
be-2    TTU   TTU   TTU   -     .T.   .T.
db-1    TTU   TTU   TTU   TTU   -     ...
db-2    TTU   TTU   TTU   TTU   ...   -
EOF
