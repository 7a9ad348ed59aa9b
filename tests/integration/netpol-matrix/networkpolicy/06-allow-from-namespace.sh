# shellcheck shell=bash
# Allow from a namespace: the backend pods accept every port from the pods
# of the namespaces labelled tier=front (frontend) and nothing else, not
# even from each other (a namespaceSelector does not include the policy's
# own namespace unless it matches).
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-from-front, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {tier: front}}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
