# shellcheck shell=bash
# Frontend locked down except DNS-like traffic: its pods are isolated both
# ways and may only send UDP 53 to the pod labelled role=primary in the
# namespace named db (kubernetes.io/metadata.name, the label every
# namespace carries).  Everything else from or to fe-* is dropped.
apply lockdown <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns-only, namespace: frontend}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: db}}
      podSelector: {matchLabels: {role: primary}}
    ports:
    - {protocol: UDP, port: 53}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   ...   ...   ..U   ...
fe-2    ...   -     ...   ...   ..U   ...
be-1    ...   ...   -     TTU   TTU   TTU
be-2    ...   ...   TTU   -     TTU   TTU
db-1    ...   ...   TTU   TTU   -     TTU
db-2    ...   ...   TTU   TTU   TTU   -
EOF
