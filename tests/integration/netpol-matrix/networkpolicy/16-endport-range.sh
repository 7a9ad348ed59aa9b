# shellcheck shell=bash
# endPort makes an inclusive range: backend opens TCP 8000-9000 (8080, not
# 80) and UDP 50-52 (not 53); db opens TCP 79-80 (80 is the last port of
# the range, 8080 is out).
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-range, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - ports:
    - {protocol: TCP, port: 8000, endPort: 9000}
    - {protocol: UDP, port: 50, endPort: 52}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-range, namespace: db}
spec:
  podSelector: {}
  ingress:
  - ports:
    - {protocol: TCP, port: 79, endPort: 80}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   .T.   .T.   T..   T..
fe-2    TTU   -     .T.   .T.   T..   T..
be-1    TTU   TTU   -     .T.   T..   T..
be-2    TTU   TTU   .T.   -     T..   T..
db-1    TTU   TTU   .T.   .T.   -     T..
db-2    TTU   TTU   .T.   .T.   T..   -
EOF
