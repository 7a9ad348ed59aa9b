# shellcheck shell=bash
# Pass delegates to NetworkPolicy: an Admin policy (priority 5) passes
# tcp/80 from tier=front to the backend pods; a second one (priority 10)
# denies everything else into backend.  A passed connection skips the rest
# of the Admin tier, so backend's NetworkPolicy decides it: it admits only
# role=client of tier=front on tcp/80, so fe-1 reaches tcp/80 and fe-2
# nothing.  Everything else into backend meets the Admin Deny.
apply pass <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: clients-80, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {tier: front}}
      podSelector: {matchLabels: {role: client}}
    ports: [{protocol: TCP, port: 80}]
---
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: pass-front-80}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {matchLabels: {tier: back}}}
  ingress:
  - action: Pass
    from: [{namespaces: {matchLabels: {tier: front}}}]
    protocols: [{tcp: {destinationPort: {number: 80}}}]
---
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: wall-back}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {tier: back}}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   T..   T..   TTU   TTU
fe-2    TTU   -     ...   ...   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
