# shellcheck shell=bash
# A protocol-only Deny and a namespace label change: an Admin policy denies
# udp/53 into the pods of namespaces labelled guarded=yes.  None is at
# first; labelling db guarded=yes cuts udp/53 into db-* from everyone and
# leaves tcp alone.
apply udp <<EOF
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: no-dns-in}
spec:
  tier: Admin
  priority: 40
  subject: {namespaces: {matchLabels: {guarded: "yes"}}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
    protocols: [{udp: {destinationPort: {number: 53}}}]
EOF
expect "no namespace guarded" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TTU   TTU
fe-2    TTU   -     TTU   TTU   TTU   TTU
be-1    TTU   TTU   -     TTU   TTU   TTU
be-2    TTU   TTU   TTU   -     TTU   TTU
db-1    TTU   TTU   TTU   TTU   -     TTU
db-2    TTU   TTU   TTU   TTU   TTU   -
EOF
label_ns db guarded=yes
expect "db labelled guarded=yes" <<'EOF'
        fe-1  fe-2  be-1  be-2  db-1  db-2
fe-1    -     TTU   TTU   TTU   TT.   TT.
fe-2    TTU   -     TTU   TTU   TT.   TT.
be-1    TTU   TTU   -     TTU   TT.   TT.
be-2    TTU   TTU   TTU   -     TT.   TT.
db-1    TTU   TTU   TTU   TTU   -     TT.
db-2    TTU   TTU   TTU   TTU   TT.   -
EOF
