# shellcheck shell=bash
# policyTypes [Egress] and no egress field: be-2 is isolated for egress
# with nothing allowed, so it reaches no one; its ingress is not isolated
# (the policy does not list Ingress), so everyone still reaches it.
apply deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: worker-no-egress, namespace: backend}
spec:
  podSelector: {matchLabels: {role: worker}}
  policyTypes: [Egress]
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    ...   ...   ...   -     ...   ...
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
