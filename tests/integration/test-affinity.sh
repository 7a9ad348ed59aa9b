#!/usr/bin/env bash
# ClientIP session affinity holds exactly as long as the Service says: the
# switch's learned flows carry the Service's learned cookie and its
# timeout, and go when affinity is switched off, when the Service is
# deleted (a re-created one spreads again, or learns anew), when its
# frontends change; an endpoint that leaves never gets a new connection
# through what a client learned; an agent restart keeps what is still
# right.  Clients probe with svcprobe.py, one connection after another.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
# shellcheck source=SCRIPTDIR/services.sh
. "$(dirname "$0")/services.sh"
seine_test_begin affinity
seine_require_cmd python3
seine_node_start
svc_backends b1 b2 b3 -- client other

VIP=10.96.0.11
affinity="  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 300}}"

# learned: the flows the switch learned, one per line.
learned() { seine_ofctl dump-flows table=29 | grep 'table=29,' | grep -v 'priority=0 ' || true; }
n_learned() { learned | grep -c . || true; }
# sticks WHAT CLIENT: the client's first connection teaches the switch,
# and the 20 right after it (before the switch has revalidated the datapath
# flows that missed, svcflows.h) all reach the same backend, which STUCK
# names.
sticks() {
    local what=$1 client=$2 got
    STUCK=$(answers "$client" tcp "$VIP" 80 1)
    got=$(answers "$client" tcp "$VIP" 80 20)
    ck_eq "$what: 20 connections of $client reach $STUCK only ($(sort <<<"$got" | uniq -c | tr -s ' \n' ' '))" \
        "$(sort -u <<<"$got")" "$STUCK"
}
wait_unlearned() {
    seine_wait_until 5 unlearned 0x5 || true
}
# unlearned COOKIE: no learned flow has a cookie starting so.
unlearned() { ! learned | grep -qF "cookie=$1"; }
none_learned() { [ "$(n_learned)" == 0 ]; }
has_buckets() { [ "$(seine_ofctl dump-groups | grep -o bucket_id | wc -l)" -ge "$1" ]; }
frontends_consult_affinity() { seine_ofctl dump-flows table=30 | grep -q 'resubmit(,29)'; }

# Without affinity first, 40 connections through it; then affinity on.
service sticky "$VIP"
slice sticky-1 sticky b1 b2
seine_wait_until 5 sh -c "[ \"\$(ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 1)\" != timeout ]" || true
answers client tcp "$VIP" 80 40 >/dev/null
service sticky "$VIP" "$affinity"
seine_wait_until 5 frontends_consult_affinity || true

# --- learned flows are the Service's ---------------------------------------
sticks "ClientIP switched on" client
mine=$STUCK
ck_ge "the switch learned flows for the client" "$(n_learned)" 1
ck_empty "every learned flow carries a learned cookie (kind 5), none cookie 0" \
    "$(learned | grep -v 'cookie=0x5' || true)"
ck_empty "... and the Service's timeout (idle_timeout=300)" \
    "$(learned | grep -v 'idle_timeout=300,' || true)"
cookie=$(learned | sed -n 's/.*cookie=\(0x[0-9a-f]*\),.*/\1/p' | head -1)

# --- an agent restart keeps what is still right -------------------------------
seine_agent_stop
seine_agent_start
seine_wait_until 5 sh -c "[ \"\$(ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 1)\" != timeout ]" || true
ck_eq "after an agent restart the learned flows are still there" \
    "$(learned | grep -c "cookie=$cookie,")" "$(n_learned)"
got=$(answers client tcp "$VIP" 80 20)
ck_eq "... and the client still reaches $mine only" "$(sort -u <<<"$got")" "$mine"

# --- an endpoint that joins takes nobody's learned choice --------------------
slice sticky-1 sticky b1 b2 b3
seine_wait_until 5 has_buckets 6 || true
got=$(answers client tcp "$VIP" 80 20)
ck_eq "b3 joined: the client's 20 connections still reach $mine only" "$(sort -u <<<"$got")" "$mine"
slice sticky-1 sticky b1 b2

# --- an endpoint that leaves gets no new connection ----------------------------
for b in b1 b2; do [ "$b" == "$mine" ] || rest=$b; done
slice sticky-1 sticky "$rest"
seine_wait_until 5 sh -c "! ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 3 | grep -qx $mine" || true
got=$(answers client tcp "$VIP" 80 20)
ck_eq "$mine left the Service: the client's 20 new connections reach $rest only" \
    "$(sort -u <<<"$got")" "$rest"
slice sticky-1 sticky b1 b2

# --- affinity off: the learned flows go, connections spread -------------------
# Other clients keep opening connections all the while: what they learned
# is being refreshed by cached datapath flows as the change lands.
seine_bg_start churn "$(seine_pod_netns other)" \
    python3 "$probe" tcp "$VIP" 80 400
service sticky "$VIP"
wait_unlearned
seine_bg_stop churn 2>/dev/null || true
got=$(answers client tcp "$VIP" 80 40)
spread "affinity switched off under traffic: 40 connections" "$got" b1 b2
sleep 1
ck_empty "... and without affinity nothing consults a learned flow, not even one re-learned from cached flows" \
    "$(learned | grep -v 'n_packets=0,' || true)"

# --- deleted and created again ------------------------------------------------
service sticky "$VIP" "$affinity"
sticks "affinity on again" client
before=$(learned | sed -n 's/.*cookie=\(0x[0-9a-f]*\),.*/\1/p' | sort -u)
rm -f "$manifests/svc-sticky.yaml" "$manifests/slice-sticky-1.yaml"
wait_unlearned
ck_eq "Service deleted: its learned flows are gone" "$(n_learned)" 0
service sticky "$VIP"
slice sticky-1 sticky b1 b2
seine_wait_until 5 sh -c "[ \"\$(ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP 80 1)\" != timeout ]" || true
got=$(answers client tcp "$VIP" 80 40)
spread "created again without affinity, same ClusterIP: 40 connections" "$got" b1 b2
service sticky "$VIP" "$affinity"
sticks "created again with affinity" client
after=$(learned | sed -n 's/.*cookie=\(0x[0-9a-f]*\),.*/\1/p' | sort -u)
ck_ne "... it learns under a cookie of its own ($after, was $before)" "$after" "$before"

# --- frontends change: another version ----------------------------------------
ck_manifest svc-sticky.yaml "apiVersion: v1
kind: Service
metadata: {name: sticky, namespace: default}
spec:
  clusterIP: $VIP
  externalIPs: [192.0.2.20]
  selector: {app: web}
  ports:
  - {name: http, protocol: TCP, port: 80, targetPort: http}
  - {name: dns, protocol: UDP, port: 53, targetPort: 5353}
$affinity"
seine_wait_until 5 unlearned "$after" || true
ck_empty "an external IP added: what was learned for the old frontends is gone" \
    "$(learned | grep -F "cookie=$after," || true)"

# --- the timeout is the Service's ---------------------------------------------
service sticky "$VIP" "  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 2}}"
wait_unlearned
answers client tcp "$VIP" 80 1 >/dev/null
ck_empty "timeoutSeconds 2: the learned flow idles out after 2 s" \
    "$(learned | grep -v 'idle_timeout=2,' || true)"
ck_ge "... it is there right after the connection" "$(n_learned)" 1
t0=$(date +%s%N)
seine_wait_until 6 none_learned || true
echo "# gone after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
ck_eq "... and gone within 6 s" "$(n_learned)" 0
ck_recompute
ck_done
