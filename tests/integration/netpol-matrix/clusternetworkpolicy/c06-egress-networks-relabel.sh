# shellcheck shell=bash
# shellcheck disable=SC2154  # IP_<pod>, IP6_<pod>: set by test-netpol-matrix.sh
# Egress Deny to a network, subject by pod labels, following a label
# change: role=client pods of any namespace may not reach db-1's address.
# First that is fe-1 only; then fe-2 becomes role=client and is cut off
# too; be-1 keeps its role and its access.  On a dual-stack node the
# network list has db-1's IPv6 address too.
apply egress <<EOF
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: clients-not-db1}
spec:
  tier: Admin
  priority: 30
  subject:
    pods:
      namespaceSelector: {}
      podSelector: {matchLabels: {role: client}}
  egress:
  - action: Deny
    to:
    - networks:
      - $IP_db1/32
$(dual "      - '$IP6_db1/128'")
EOF
expect "fe-1 is a client" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   ...   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
label fe-2 role=client
expect "fe-2 relabelled role=client" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   ...   TTU
fe-2    TTU   -     TTU   TTU   ...   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
