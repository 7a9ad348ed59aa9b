# shellcheck shell=bash
# Label changes move pods in and out of selectors while the policy stays:
# be-1 (role=server) accepts only pods labelled role=client, in any
# namespace.  fe-2 gains access when relabelled role=client and loses it
# when relabelled back; when be-1 itself is relabelled role=standby the
# policy no longer selects it and it is open again.
apply allow <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-from-clients, namespace: backend}
spec:
  podSelector: {matchLabels: {role: server}}
  ingress:
  - from:
    - namespaceSelector: {}
      podSelector: {matchLabels: {role: client}}
EOF
expect "policy applied" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     ...   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   TTU   -     TTU
db-2    TTU   TTU   ...   TTU   TTU   -
EOF
label fe-2 role=client
expect "fe-2 relabelled role=client: now a peer" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   TTU   -     TTU
db-2    TTU   TTU   ...   TTU   TTU   -
EOF
label fe-2 role=admin
expect "fe-2 relabelled back to role=admin" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     ...   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   TTU   -     TTU
db-2    TTU   TTU   ...   TTU   TTU   -
EOF
label be-1 role=standby
expect "be-1 relabelled role=standby: no longer selected" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
label db-2 role=client
label be-1 role=server
expect "be-1 selected again; db-2 relabelled role=client" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     ...   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   ...   -     TTU   TTU
db-1    TTU   TTU   ...   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
