# shellcheck shell=bash disable=SC2154  # $IP_*, $IP6_*, $POD_CIDR6 come from the test
# ipBlock with except, on pod addresses: be-1 accepts the whole pod subnet
# except fe-2 and db-1; be-2 accepts only 192.168.0.0/16, where no pod is,
# so nothing reaches it.  On a dual-stack node each rule has the IPv6 twin
# of its block (the IPv6 pod subnet except the same pods, fd00:192:168::/48).
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-from-subnet, namespace: backend}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress:
  - from:
    - ipBlock:
        cidr: $POD_CIDR
        except: [$IP_fe2/32, $IP_db1/32]
$(dual "    - ipBlock: {cidr: '$POD_CIDR6', except: ['$IP6_fe2/128', '$IP6_db1/128']}")
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: worker-from-elsewhere, namespace: backend}
spec:
  podSelector: {matchLabels: {role: worker}}
  ingress:
  - from:
    - ipBlock: {cidr: 192.168.0.0/16}
$(dual "    - ipBlock: {cidr: 'fd00:192:168::/48'}")
EOF
expect <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   ...   TTU   TTU
fe-2    TTU   -     ...   ...   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   TTU   ...   TTU   -
EOF
