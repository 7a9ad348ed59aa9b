# shellcheck shell=bash
# matchExpressions DoesNotExist, in the policy's podSelector and in a
# namespaceSelector: the frontend pods without a debug label (fe-1) accept
# only the namespaces without an env label (db).  fe-2 is not selected.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-no-env, namespace: frontend}
spec:
  podSelector:
    matchExpressions:
    - {key: debug, operator: DoesNotExist}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions:
        - {key: env, operator: DoesNotExist}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    ...   -     TTU   TTU   TTU   TTU
be-1    ...   TTU   -     TTU   TTU   TTU
be-2    ...   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
