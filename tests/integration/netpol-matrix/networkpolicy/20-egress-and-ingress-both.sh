# shellcheck shell=bash
# A connection needs the source's egress AND the destination's ingress.
# fe-1 may go out only to be-1 on tcp/80 and tcp/8080; be-1 accepts every
# port from the tier=data namespace, and from fe-1 (by namespace name and
# role) only tcp/8080 and udp/53.  fe-1 -> be-1 is the intersection,
# tcp/8080; fe-1's other destinations are cut by its egress, be-1's other
# sources by its ingress.
apply policies <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress, namespace: frontend}
spec:
  podSelector: {matchLabels: {role: client}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: backend}}
      podSelector: {matchLabels: {role: server}}
    ports:
    - {protocol: TCP, port: 80}
    - {protocol: TCP, port: 8080}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-ingress, namespace: backend}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {tier: data}}
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: frontend}}
      podSelector: {matchLabels: {role: client}}
    ports:
    - {protocol: TCP, port: 8080}
    - {protocol: UDP, port: 53}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ...   .T.   ...   ...   ...
fe-2    TTU   -     ...   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
