# shellcheck shell=bash
# namespaceSelector {} selects every namespace, the policy's own included:
# every pod may reach the db pods, but only on tcp/80 (the rule's port), so
# the policy visibly applies.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-namespaces-http, namespace: db}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - {protocol: TCP, port: 80}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   T..   T..
fe-2    TTU   -     TTU   TTU   T..   T..
be-1    TTU   TTU   -     TTU   T..   T..
be-2    TTU   TTU   TTU   -     T..   T..
db-1    TTU   TTU   TTU   TTU   -     T..
db-2    TTU   TTU   TTU   TTU   T..   -
EOF
