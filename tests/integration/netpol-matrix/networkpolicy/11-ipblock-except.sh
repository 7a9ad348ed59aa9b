# shellcheck shell=bash disable=SC2154  # $IP_* come from the test
# ipBlock with except, on pod addresses: be-1 accepts the whole pod subnet
# except fe-2 and db-1; be-2 accepts only 192.168.0.0/16, where no pod is,
# so nothing reaches it.
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
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: worker-from-elsewhere, namespace: backend}
spec:
  podSelector: {matchLabels: {role: worker}}
  ingress:
  - from:
    - ipBlock: {cidr: 192.168.0.0/16}
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
