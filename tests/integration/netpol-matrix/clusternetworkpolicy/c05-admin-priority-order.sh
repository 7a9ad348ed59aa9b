# shellcheck shell=bash
# Priorities within the Admin tier, lower first: for the frontend pods, a
# priority 10 policy accepts pods labelled debug=true (fe-2, db-2) from any
# namespace, a priority 20 one denies every namespace.  The debug pods get
# in, nobody else does.
apply order <<EOF
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: front-wall}
spec:
  tier: Admin
  priority: 20
  subject: {namespaces: {matchLabels: {tier: front}}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
---
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: front-debug}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {tier: front}}}
  ingress:
  - action: Accept
    from:
    - pods:
        namespaceSelector: {}
        podSelector: {matchLabels: {debug: "true"}}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    ...   ...   -     TTU   TTU   TTU
be-2    ...   ...   TTU   -     TTU   TTU
db-1    ...   ...   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
