# shellcheck shell=bash
# A namespace's labels move all its pods in and out of a namespaceSelector:
# the db pods accept the tier=front namespaces; relabelling backend
# tier=front lets be-1 and be-2 in, relabelling it back shuts them out.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-front, namespace: db}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {tier: front}}
EOF
expect "policy applied" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   ...   ...
be-2    TTU   TTU   TTU   -     ...   ...
db-1    TTU   TTU   TTU   TTU   -     ...
db-2    TTU   TTU   TTU   TTU   ...   -
EOF
label_ns backend tier=front
expect "namespace backend relabelled tier=front" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     ...
db-2    TTU   TTU   TTU   TTU   ...   -
EOF
label_ns backend tier=back
expect "namespace backend relabelled back to tier=back" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   ...   ...
be-2    TTU   TTU   TTU   -     ...   ...
db-1    TTU   TTU   TTU   TTU   -     ...
db-2    TTU   TTU   TTU   TTU   ...   -
EOF
