# shellcheck shell=bash
# Named ports with their protocol: "dns" is UDP 53 on both db pods; "alt"
# (TCP by default) is 80 on db-2 and missing on db-1, which therefore only
# opens udp/53.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns-alt, namespace: db}
spec:
  podSelector: {}
  ingress:
  - ports:
    - {protocol: UDP, port: dns}
    - {port: alt}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   ..U   T.U
fe-2    TTU   -     TTU   TTU   ..U   T.U
be-1    TTU   TTU   -     TTU   ..U   T.U
be-2    TTU   TTU   TTU   -     ..U   T.U
db-1    TTU   TTU   TTU   TTU   -     T.U
db-2    TTU   TTU   TTU   TTU   ..U   -
EOF
