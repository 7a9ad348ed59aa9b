# shellcheck shell=bash
# A named port in an ingress rule is the containerPort of that name on each
# selected pod: "http" is 80 on be-1 and 8080 on be-2 (protocol TCP by
# default), so one rule opens a different port on each.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-http, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - ports:
    - port: http
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   T..   .T.   TTU   TTU
fe-2    TTU   -     T..   .T.   TTU   TTU
be-1    TTU   TTU   -     .T.   TTU   TTU
be-2    TTU   TTU   T..   -     TTU   TTU
db-1    TTU   TTU   T..   .T.   -     TTU
db-2    TTU   TTU   T..   .T.   TTU   -
EOF
