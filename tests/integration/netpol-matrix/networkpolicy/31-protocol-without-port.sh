# shellcheck shell=bash
# A port entry with a protocol and no port covers every port of that
# protocol; one with a port and no protocol is TCP.  The db pods open all of
# UDP and tcp/8080.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-udp-and-8080, namespace: db}
spec:
  podSelector: {}
  ingress:
  - ports:
    - {protocol: UDP}
    - {port: 8080}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   .TU   .TU
fe-2    TTU   -     TTU   TTU   .TU   .TU
be-1    TTU   TTU   -     TTU   .TU   .TU
be-2    TTU   TTU   TTU   -     .TU   .TU
db-1    TTU   TTU   TTU   TTU   -     .TU
db-2    TTU   TTU   TTU   TTU   .TU   -
EOF
