# shellcheck shell=bash
# Default deny ingress for one namespace: podSelector {} selects every pod
# of backend, policyTypes [Ingress] with no ingress rule isolates them and
# allows nothing in, not even from each other.  Their egress is untouched:
# be-* still reach everyone, and the answers come back (replies are part of
# an allowed connection, not new ingress).
apply deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: backend}
spec:
  podSelector: {}
  policyTypes: [Ingress]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   ...   ...   TTU   TTU
fe-2    TTU   -     ...   ...   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
