# shellcheck shell=bash
# Admin Deny over a NetworkPolicy allow: backend's NetworkPolicy admits
# every pod of every namespace, but an Admin policy for the tier=back
# namespaces denies everything from tier=front first.  The Admin tier is
# judged before NetworkPolicy, so fe-* reach no backend pod; everyone else
# still does (NetworkPolicy allow).
apply admin-deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-in, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {}}]
---
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: back-no-front}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {tier: back}}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {tier: front}}}]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   ...   ...   TTU   TTU
fe-2    TTU   -     ...   ...   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
