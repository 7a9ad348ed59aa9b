# shellcheck shell=bash
# Baseline applies only where no NetworkPolicy selects: a Baseline policy
# denies all ingress to every pod, and backend's NetworkPolicy admits every
# pod of every namespace.  The backend pods are selected by a NetworkPolicy
# for ingress, so Baseline does not apply to them and they accept
# everything; every other pod accepts nothing.
apply baseline <<EOF
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
metadata: {name: default-deny-in}
spec:
  tier: Baseline
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   TTU   TTU   ...   ...
fe-2    ...   -     TTU   TTU   ...   ...
be-1    ...   ...   -     TTU   ...   ...
be-2    ...   ...   TTU   -     ...   ...
db-1    ...   ...   TTU   TTU   -     ...
db-2    ...   ...   TTU   TTU   ...   -
EOF
