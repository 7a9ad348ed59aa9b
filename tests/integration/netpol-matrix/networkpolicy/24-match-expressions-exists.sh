# shellcheck shell=bash
# matchExpressions Exists: the db pods accept the pods that carry a debug
# label, in any namespace: fe-2 and db-2.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-debug, namespace: db}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {}
      podSelector:
        matchExpressions:
        - {key: debug, operator: Exists}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   ...   ...
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   ...   ...
be-2    TTU   TTU   TTU   -     ...   ...
db-1    TTU   TTU   TTU   TTU   -     ...
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
