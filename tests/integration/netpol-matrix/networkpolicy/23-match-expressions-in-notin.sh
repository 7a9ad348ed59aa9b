# shellcheck shell=bash
# matchExpressions In and NotIn: the backend pods accept the pods whose
# role is not admin or replica in the namespaces whose tier is front or
# data: fe-1 and db-1.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-expr, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions:
        - {key: tier, operator: In, values: [front, data]}
      podSelector:
        matchExpressions:
        - {key: role, operator: NotIn, values: [admin, replica]}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     ...   ...   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
