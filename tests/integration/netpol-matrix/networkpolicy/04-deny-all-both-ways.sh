# shellcheck shell=bash
# Deny all in both directions for one namespace: the db pods can neither be
# reached nor reach anyone; the rest of the cluster is untouched.
apply deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: db}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   ...   ...
fe-2    TTU   -     TTU   TTU   ...   ...
be-1    TTU   TTU   -     TTU   ...   ...
be-2    TTU   TTU   TTU   -     ...   ...
db-1    ...   ...   ...   ...   -     ...
db-2    ...   ...   ...   ...   ...   -
EOF
