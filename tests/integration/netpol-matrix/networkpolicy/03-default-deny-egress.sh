# shellcheck shell=bash
# Default deny egress for one namespace: policyTypes [Egress] with no
# egress rule isolates every pod of frontend for egress and allows nothing
# out, not even to each other.  Their ingress is untouched: the others
# still reach fe-* (the answers leave fe-* as part of an allowed connection,
# not as new egress).
apply deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress, namespace: frontend}
spec:
  podSelector: {}
  policyTypes: [Egress]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   ...   ...   ...   ...
fe-2    ...   -     ...   ...   ...   ...
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
