# shellcheck shell=bash disable=SC2154  # $IP_*, $IP6_*, $POD_CIDR6 come from the test
# Egress to an ipBlock with except, UDP 53 only: fe-1 may send DNS-like
# datagrams to the whole pod subnet except be-2, and nothing else (on a
# dual-stack node, to the IPv6 pod subnet except be-2 as well).
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-dns-to-subnet, namespace: frontend}
spec:
  podSelector: {matchLabels: {role: client}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: $POD_CIDR
        except: [$IP_be2/32]
$(dual "    - ipBlock: {cidr: '$POD_CIDR6', except: ['$IP6_be2/128']}")
    ports:
    - {protocol: UDP, port: 53}
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     ..U   ..U   ...   ..U   ..U
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
