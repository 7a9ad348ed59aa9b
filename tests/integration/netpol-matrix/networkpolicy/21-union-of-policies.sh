# shellcheck shell=bash
# Policies add up: what a pod accepts is the union of the rules of every
# policy that selects it.  Both backend pods accept tcp/80 from tier=front
# (policy 1); be-1 also accepts udp/53 from fe-2 and tcp/8080 from the
# tier=data namespace (policy 2, two rules).  be-1 and be-2 accept nothing
# from each other.
apply policies <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: front-http, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {tier: front}}
    ports:
    - {protocol: TCP, port: 80}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-extra, namespace: backend}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: frontend}}
      podSelector: {matchLabels: {role: admin}}
    ports:
    - {protocol: UDP, port: 53}
  - from:
    - namespaceSelector: {matchLabels: {tier: data}}
    ports:
    - {protocol: TCP, port: 8080}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   T..   T..   TTU   TTU
fe-2    TTU   -     T.U   T..   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   .T.   ...   -     TTU
db-2    TTU   TTU   .T.   ...   TTU   -
EOF
