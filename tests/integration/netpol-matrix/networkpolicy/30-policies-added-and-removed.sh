# shellcheck shell=bash
# Policies come and go while traffic runs: deny all ingress in backend; add
# an allow for tier=front on tcp/80; change that policy in place to
# tcp/8080; remove the deny (the allow policy alone still isolates the
# pods it selects); remove the allow (all open again).
apply deny <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress]}
EOF
expect "deny ingress" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   ...   ...   TTU   TTU
fe-2    TTU   -     ...   ...   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-front, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {tier: front}}}]
    ports: [{protocol: TCP, port: 80}]
EOF
expect "plus allow from tier=front on tcp/80" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   T..   T..   TTU   TTU
fe-2    TTU   -     T..   T..   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-front, namespace: backend}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {tier: front}}}]
    ports: [{protocol: TCP, port: 8080}]
EOF
expect "allow changed in place to tcp/8080" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   .T.   .T.   TTU   TTU
fe-2    TTU   -     .T.   .T.   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
unapply deny
expect "deny removed: the allow policy still isolates" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   .T.   .T.   TTU   TTU
fe-2    TTU   -     .T.   .T.   TTU   TTU
be-1    TTU   TTU   -     ...   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   ...   -     TTU
db-2    TTU   TTU   ...   ...   TTU   -
EOF
unapply allow
expect "allow removed" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
