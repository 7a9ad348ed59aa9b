#!/usr/bin/env bash
# Checks kubeapi-server.py with curl: authentication, discovery, GET, paged
# lists and expired continue tokens, watches (replay, live events,
# bookmarks, ERROR 410, HTTP 410, a connection cut mid-event, a malformed
# line, trickled chunks), token rotation, the ClusterNetworkPolicy CRD
# appearing, disconnect/reconnect and SIGTERM.  Run by hand; needs no root
# (openssl, curl, jq, python3).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/kubeapi.sh
. "$(dirname "$0")/kubeapi.sh"
set -eEuo pipefail
seine_require_cmd openssl curl jq python3

run=$(mktemp -d /tmp/seine-kubeapi.XXXXXX)
seine_env_init "$run" ""
dir=$run/kubeapi
out=$run/out
mkdir -p "$out"
cleanup() {
    local rc=$?
    set +e
    [ "$rc" == 0 ] || { cat "$run/bg/kubeapi.log"; tail -n 30 "$KUBEAPI_LOG"; } >&2
    kubeapi_stop
    if [ "$SEINE_KEEP" == 1 ]; then seine_log "kept $run"; else rm -rf "$run"; fi
    exit "$rc"
}
trap cleanup EXIT
ok() { seine_log "ok: $*"; }

# --- fixtures ---------------------------------------------------------------
pod() { # NAME NAMESPACE NODE
    printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","namespace":"%s","labels":{"app":"%s"}},"spec":{"nodeName":"%s"},"status":{"podIP":"10.0.0.%s"}}' \
        "$1" "$2" "$1" "$3" "${#1}"
}
{
    echo '['
    echo '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}},'
    echo '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node1"}},'
    for p in p1 p2 p3 p4; do pod "$p" default node1; echo ,; done
    pod p5 kube-system node2
    echo ']'
} >"$run/objects.json"

kubeapi_pki "$dir" >"$out/pki.out"
[ ! -s "$out/pki.out" ] || seine_fail "kubeapi_pki printed something"
KUBEAPI_TOKEN="token-1"
KUBEAPI_ARGS="--page-default 4"
kubeapi_start "$dir" "$run/objects.json"
base=https://127.0.0.1:$KUBEAPI_PORT
token=$KUBEAPI_TOKEN
ok "server on port $KUBEAPI_PORT"

kubeapi_kubeconfig "$dir" "$token" >"$run/kubeconfig"
grep -qx "    server: $base" "$run/kubeconfig" || seine_fail "kubeconfig server"
grep -qx "    certificate-authority: $dir/ca.crt" "$run/kubeconfig" \
    || seine_fail "kubeconfig CA"
grep -qx "    token: $token" "$run/kubeconfig" || seine_fail "kubeconfig token"

# get PATH [TOKEN]: CODE and BODY of a GET.
CODE='' BODY=''
get() {
    local tok=${2-$token}
    local -a auth=()
    [ -z "$tok" ] || auth=(-H "Authorization: Bearer $tok")
    CODE=$(curl -sS --cacert "$dir/ca.crt" "${auth[@]}" -o "$out/body" \
        -w '%{http_code}' "$base$1")
    BODY=$(cat "$out/body")
}
jqb() { jq -cr "$1" <<<"$BODY"; }
expect() { # CODE what
    seine_assert_eq "$CODE" "$1" "HTTP status of $2"
}

# watch_bg NAME QUERY [CURL_ARGS...]: a watch on pods in the background;
# its body goes to out/NAME, curl's exit code to out/NAME.rc.
watch_bg() {
    local name=$1 query=$2; shift 2
    rm -f "$out/$name" "$out/$name.rc"
    (
        rc=0
        curl -sS -N --max-time 20 --cacert "$dir/ca.crt" \
            -H "Authorization: Bearer $token" "$@" \
            -D "$out/$name.hdr" -o "$out/$name" "$base/api/v1/pods?$query" \
            2>"$out/$name.err" || rc=$?
        echo "$rc" >"$out/$name.rc"
    ) &
}
watch_rc() { # NAME: waits for the watch to end, prints curl's exit code
    seine_wait_until 20 test -s "$out/$1.rc" || seine_fail "watch $1 did not end"
    cat "$out/$1.rc"
}
line() { sed -n "${2}p" "$out/$1"; } # NAME N: the Nth event line
ctl() { kubeapi_ctl "$@" >/dev/null; }
wait_watches() { ctl "{\"op\":\"wait-watches\",\"count\":$1,\"timeout\":10}"; }
no_watches() {
    seine_wait_until 5 sh -c "'$KUBEAPI_CTL' --socket '$KUBEAPI_CONTROL' \
        '{\"op\":\"stats\"}' | grep -q '\"openWatches\":0,'" \
        || seine_fail "watches still open"
}
apply_pod() { ctl "{\"op\":\"apply\",\"object\":$(pod "$@")}"; }

# --- authentication -----------------------------------------------------------
get /api/v1/pods ""
expect 401 "no token"
seine_assert_eq "$(jqb '[.kind,.apiVersion,.status,.reason,.code,.message]|join(" ")')" \
    "Status v1 Failure Unauthorized 401 Unauthorized" "401 Status"
get /api/v1/pods wrong
expect 401 "a wrong token"
ok "401 Status without a token or with a wrong one"

# --- discovery ----------------------------------------------------------------
get /api
expect 200 /api
seine_assert_eq "$(jqb '.kind+" "+(.versions|join(","))')" "APIVersions v1" /api
get /api/v1
seine_assert_eq "$(jqb '.kind+" "+([.resources[].name]|join(","))')" \
    "APIResourceList namespaces,nodes,pods,services" /api/v1
get /apis
seine_assert_eq "$(jqb '.kind+" "+([.groups[].name]|join(","))')" \
    "APIGroupList networking.k8s.io,discovery.k8s.io" /apis
get /apis/policy.networking.k8s.io
expect 404 "the CNP group before its CRD"
seine_assert_eq "$(jqb '.kind+" "+.reason+" "+(.code|tostring)')" \
    "Status NotFound 404" "CNP group 404"
get /apis/policy.networking.k8s.io/v1beta1/clusternetworkpolicies
expect 404 "CNP list before the CRD"
get /healthz
seine_assert_eq "$CODE $BODY" "200 ok" /healthz
ok "discovery; the CNP group is 404 before install-cnp-crd"

# --- GET of one object --------------------------------------------------------
get /api/v1/namespaces/default/pods/p2
expect 200 "GET p2"
seine_assert_eq "$(jqb '[.kind,.apiVersion,.metadata.name,.metadata.namespace,.spec.nodeName]|join(" ")')" \
    "Pod v1 p2 default node1" "GET p2"
[ -n "$(jqb .metadata.uid)" ] || seine_fail "GET p2: no uid"
[ -n "$(jqb .metadata.creationTimestamp)" ] \
    || seine_fail "GET p2: no uid or creationTimestamp"
get /api/v1/namespaces/default/pods/nope
expect 404 "GET of a missing pod"
seine_assert_eq "$(jqb '[.reason,.message,.details.name,.details.kind,.code]|join("|")')" \
    'NotFound|pods "nope" not found|nope|pods|404' "404 Status"
get /api/v1/nodes/node1
seine_assert_eq "$CODE $(jqb .kind)" "200 Node" "GET node1"
ok "GET of one object, 404 Status for a missing one"

# --- lists, pages, continue ---------------------------------------------------
get /api/v1/pods
expect 200 "list with --page-default 4"
seine_assert_eq "$(jqb '[.kind,.apiVersion,(.items|length),.metadata.remainingItemCount]|join(" ")')" \
    "PodList v1 4 1" "default page"
seine_assert_eq "$(jqb '[.items[]|has("kind") or has("apiVersion")]|any')" false \
    "list items without kind/apiVersion"
get "/api/v1/pods?limit=2"
list_rv=$(jqb .metadata.resourceVersion)
cont=$(jqb .metadata.continue)
seine_assert_eq "$(jqb '[.items[].metadata.name]|join(",")') $(jqb .metadata.remainingItemCount)" \
    "p1,p2 3" "page 1"
# A change between pages: the next pages still show the first page's state.
ctl '{"op":"delete","kind":"Pod","namespace":"default","name":"p3"}'
apply_pod p0 default node1
get "/api/v1/pods?limit=2&continue=$cont"
seine_assert_eq "$(jqb '[.items[].metadata.name]|join(",")') $(jqb .metadata.remainingItemCount) $(jqb .metadata.resourceVersion)" \
    "p3,p4 1 $list_rv" "page 2 (consistent with page 1)"
cont2=$(jqb .metadata.continue)
get "/api/v1/pods?limit=2&continue=$cont2"
seine_assert_eq "$(jqb '[.items[].metadata.name]|join(",")') $(jqb '.metadata|has("continue") or has("remainingItemCount")')" \
    "p5 false" "last page"
get "/api/v1/pods?limit=10"
seine_assert_eq "$(jqb '[.items[].metadata.name]|join(",")')" "p0,p1,p2,p4,p5" \
    "current state"
get "/api/v1/pods?limit=10&fieldSelector=spec.nodeName%3Dnode1&labelSelector=app+in+(p1,p4)"
seine_assert_eq "$(jqb '[.items[].metadata.name]|join(",")')" "p1,p4" "selectors"
get "/api/v1/pods?resourceVersion=99999"
expect 504 "list at a future resourceVersion"
ok "paged lists: continue, remainingItemCount, a consistent snapshot, selectors"

ctl '{"op":"compact"}'
get "/api/v1/pods?limit=2&continue=$cont"
expect 410 "a continue token after compaction"
seine_assert_eq "$(jqb '[.kind,.status,.reason,(.code|tostring)]|join(" ")')" \
    "Status Failure Expired 410" "expired continue"
seine_assert_match "$(jqb .message)" '^The provided continue parameter is too old' \
    "expired continue message"
cont3=$(jqb .metadata.continue)
get "/api/v1/pods?limit=2&continue=$cont3"
seine_assert_eq "$CODE $(jqb '[.items[].metadata.name]|join(",")')" "200 p4,p5" \
    "the inconsistent continuation of a 410"
ok "compacted continue token: 410 Expired, and its token goes on from now"

# --- watch: replay, live, bookmark ------------------------------------------------
get "/api/v1/pods?limit=0"
rv0=$(jqb .metadata.resourceVersion)
apply_pod p1 default node9   # MODIFIED after rv0
watch_bg w1 "watch=1&resourceVersion=$rv0&allowWatchBookmarks=true&timeoutSeconds=3"
wait_watches 1
apply_pod p6 default node1
ctl '{"op":"bookmark"}'
ctl '{"op":"delete","kind":"Pod","namespace":"default","name":"p6"}'
seine_assert_eq "$(watch_rc w1)" 0 "curl on a watch that times out"
grep -qi '^transfer-encoding: chunked' "$out/w1.hdr" || seine_fail "watch not chunked"
grep -qi '^content-type: application/json' "$out/w1.hdr" || seine_fail "watch content type"
seine_assert_eq "$(jq -cr '[.type,.object.kind,.object.apiVersion,.object.metadata.name // "-",.object.spec.nodeName // "-"]|join(" ")' "$out/w1" | tr '\n' ';')" \
    "MODIFIED Pod v1 p1 node9;ADDED Pod v1 p6 node1;BOOKMARK Pod v1 - -;DELETED Pod v1 p6 node1;" \
    "watch events"
seine_assert_eq "$(line w1 3 | jq -c .object)" \
    "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"$(line w1 2 | jq -r .object.metadata.resourceVersion)\"}}" \
    "bookmark object"
del_rv=$(line w1 4 | jq -r .object.metadata.resourceVersion)
[ "$del_rv" -gt "$(line w1 2 | jq -r .object.metadata.resourceVersion)" ] \
    || seine_fail "DELETED carries the deletion's resourceVersion"
ok "watch: replay from RV, live ADDED/DELETED, BOOKMARK, clean end after timeoutSeconds"

# A watch without resourceVersion: ADDED for the current state first.
watch_bg w0 "watch=true&fieldSelector=spec.nodeName%3Dnode1&timeoutSeconds=1"
seine_assert_eq "$(watch_rc w0)" 0 "watch from now"
seine_assert_eq "$(jq -r '.type+" "+.object.metadata.name' "$out/w0" | tr '\n' ';')" \
    "ADDED p0;ADDED p2;ADDED p4;" "initial events (p1 moved to node9)"
ok "watch without resourceVersion: the current state as ADDED"

# --- watch: ERROR 410 event ---------------------------------------------------
no_watches
watch_bg w2 "watch=1&resourceVersion=$del_rv&timeoutSeconds=15"
wait_watches 1
ctl '{"op":"expire-watches","mode":"event"}'
seine_assert_eq "$(watch_rc w2)" 0 "curl on an expired watch"
seine_assert_eq "$(jq -c '[.type,.object.kind,.object.reason,.object.code]' "$out/w2")" \
    '["ERROR","Status","Expired",410]' "ERROR event"
seine_assert_match "$(jq -r .object.message "$out/w2")" \
    "^too old resource version: $del_rv \\([0-9]+\\)\$" "ERROR message"
watch_bg w3 "watch=1&resourceVersion=$rv0&timeoutSeconds=5"
seine_assert_eq "$(watch_rc w3)" 0 "curl on a watch from a compacted RV"
grep -q '^HTTP/1.1 200' "$out/w3.hdr" || seine_fail "event mode: 200 then ERROR"
seine_assert_eq "$(jq -c '[.type,.object.code]' "$out/w3")" '["ERROR",410]' \
    "resume from a compacted RV"
ok "expire-watches event: ERROR 410 Expired on open watches and on resumes"

# --- watch: HTTP 410 --------------------------------------------------------------
get "/api/v1/pods?limit=0"
rv1=$(jqb .metadata.resourceVersion)
watch_bg w4 "watch=1&resourceVersion=$rv1&timeoutSeconds=15"
wait_watches 1
ctl '{"op":"expire-watches","mode":"http"}'
seine_assert_eq "$(watch_rc w4)" 0 "curl on a watch closed by expire-watches http"
[ ! -s "$out/w4" ] || seine_fail "http mode: events on the closed watch"
apply_pod p7 default node1
get "/api/v1/pods?watch=1&resourceVersion=$rv0"
expect 410 "watch from an old RV (http mode)"
seine_assert_eq "$(jqb '[.kind,.reason,(.code|tostring)]|join(" ")')" \
    "Status Expired 410" "HTTP 410 Status"
seine_assert_match "$(jqb .message)" "^too old resource version: $rv0 " "410 message"
ok "expire-watches http: watches end, a resume from an old RV gets HTTP 410"

# --- watch: drop mid-event --------------------------------------------------------
get "/api/v1/pods?limit=0"
rv2=$(jqb .metadata.resourceVersion)
watch_bg w5 "watch=1&resourceVersion=$rv2&timeoutSeconds=15"
wait_watches 1
apply_pod p8 default node1
ctl '{"op":"drop"}'
rc=$(watch_rc w5)
[ "$rc" == 18 ] || [ "$rc" == 56 ] \
    || seine_fail "drop: curl exit $rc, want 18 or 56 (partial transfer): $(cat "$out/w5.err")"
seine_assert_eq "$(head -n1 "$out/w5" | jq -r '.type+" "+.object.metadata.name')" \
    "ADDED p8" "event before the drop"
seine_assert_eq "$(wc -l <"$out/w5")" 1 "complete lines before the drop"
tail -n1 "$out/w5" | jq -e . >/dev/null 2>&1 && seine_fail "drop: last line is whole"
ok "drop: half an event, then the connection is cut (curl exit $rc: $(cat "$out/w5.err"))"

# --- watch: malformed line -----------------------------------------------------------
watch_bg w6 "watch=1&resourceVersion=$rv2&timeoutSeconds=2"
wait_watches 1
ctl '{"op":"malformed"}'
apply_pod p9 default node1
seine_assert_eq "$(watch_rc w6)" 0 "curl on a watch with a malformed line"
seine_assert_eq "$(line w6 1 | jq -r .object.metadata.name)" p8 "replayed event"
line w6 2 | jq -e . >/dev/null 2>&1 && seine_fail "malformed: line 2 is JSON"
seine_assert_eq "$(line w6 3 | jq -r '.type+" "+.object.metadata.name')" "ADDED p9" \
    "event after the malformed line"
ok "malformed: one line of invalid JSON, then streaming goes on"

# --- watch: trickle -----------------------------------------------------------------
ctl '{"op":"trickle","bytes":7}'
watch_bg w7 "watch=1&resourceVersion=$rv2&timeoutSeconds=3" --raw
seine_assert_eq "$(watch_rc w7)" 0 "curl on a trickled watch"
ctl '{"op":"trickle","bytes":0}'
seine_assert_eq "$(python3 - "$out/w7" <<'PY'
import json, sys
raw, sizes, body = open(sys.argv[1], "rb").read(), [], b""
while True:
    i = raw.index(b"\r\n")
    n = int(raw[:i], 16)
    sizes.append(n)
    body += raw[i + 2:i + 2 + n]
    raw = raw[i + 4 + n:]
    if n == 0:
        break
events = [json.loads(l)["object"]["metadata"]["name"] for l in body.splitlines()]
print(max(sizes), len(sizes) > 40, ",".join(events))
PY
)" "7 True p8,p9" "trickled chunks (largest size, many, events)"
ok "trickle: events in 7-byte chunks, reassembled whole"

# --- token rotation ----------------------------------------------------------------
ctl '{"op":"token","value":"token-2"}'
get /api/v1/nodes
expect 401 "the old token after rotation"
seine_assert_eq "$(jqb .reason)" Unauthorized "401 reason"
token="token-2"
get /api/v1/nodes
seine_assert_eq "$CODE $(jqb '.kind+" "+.items[0].metadata.name')" "200 NodeList node1" \
    "the new token"
ok "token: old one 401 Unauthorized, new one accepted"

# --- ClusterNetworkPolicy CRD ----------------------------------------------------------
ctl '{"op":"install-cnp-crd"}'
get /apis/policy.networking.k8s.io
seine_assert_eq "$CODE $(jqb '.kind+" "+.name+" "+.preferredVersion.groupVersion')" \
    "200 APIGroup policy.networking.k8s.io policy.networking.k8s.io/v1beta1" "CNP group"
get /apis
[ "$(jqb 'any(.groups[]; .name == "policy.networking.k8s.io")')" == true ] \
    || seine_fail "/apis lacks the CNP group"
ctl '{"op":"apply","object":{"apiVersion":"policy.networking.k8s.io/v1beta1","kind":"ClusterNetworkPolicy","metadata":{"name":"deny-all"},"spec":{"tier":"Admin","priority":10,"subject":{"namespaces":{}},"ingress":[]}}}'
get /apis/policy.networking.k8s.io/v1beta1/clusternetworkpolicies
seine_assert_eq "$CODE $(jqb '.kind+" "+.apiVersion+" "+.items[0].kind+" "+.items[0].metadata.name')" \
    "200 ClusterNetworkPolicyList policy.networking.k8s.io/v1beta1 ClusterNetworkPolicy deny-all" \
    "CNP list (custom resource items keep kind)"
get /apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies/deny-all
seine_assert_eq "$CODE $(jqb .apiVersion)" "200 policy.networking.k8s.io/v1alpha2" \
    "CNP served as v1alpha2"
ok "install-cnp-crd: group in discovery, list and GET of ClusterNetworkPolicy"

# --- other kinds ---------------------------------------------------------------------
ctl '{"op":"apply","object":{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np","namespace":"default"},"spec":{"podSelector":{}}}}' \
    '{"op":"apply","object":{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"svc-abc","namespace":"default","labels":{"kubernetes.io/service-name":"svc"}},"addressType":"IPv4","endpoints":[]}}' \
    '{"op":"apply","object":{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc","namespace":"default"},"spec":{"clusterIP":"10.96.0.10"}}}'
get /apis/networking.k8s.io/v1/networkpolicies
seine_assert_eq "$(jqb '.kind+" "+.items[0].metadata.name')" "NetworkPolicyList np" netpol
get /apis/discovery.k8s.io/v1/endpointslices
seine_assert_eq "$(jqb '.kind+" "+.items[0].metadata.name')" "EndpointSliceList svc-abc" eps
get /api/v1/services
seine_assert_eq "$(jqb '.kind+" "+.items[0].metadata.name')" "ServiceList svc" services
get /api/v1/namespaces
seine_assert_eq "$(jqb '.kind+" "+.items[0].metadata.name')" "NamespaceList default" namespaces
ok "NetworkPolicy, EndpointSlice, Service, Namespace lists"

# --- disconnect / reconnect ---------------------------------------------------------------
watch_bg w8 "watch=1&timeoutSeconds=15"
wait_watches 1
ctl '{"op":"disconnect"}'
rc=$(watch_rc w8)
[ "$rc" != 0 ] || seine_fail "disconnect: the open watch ended cleanly"
get_rc=0
curl -sS --max-time 5 --cacert "$dir/ca.crt" -H "Authorization: Bearer $token" \
    -o /dev/null "$base/api/v1/nodes" 2>"$out/reset.err" || get_rc=$?
[ "$get_rc" == 35 ] || [ "$get_rc" == 56 ] || [ "$get_rc" == 7 ] \
    || seine_fail "disconnected: curl exit $get_rc: $(cat "$out/reset.err")"
ctl '{"op":"reconnect"}'
get /api/v1/nodes
expect 200 "after reconnect"
ok "disconnect: watch cut (curl $rc), new connection reset (curl $get_rc: $(cat "$out/reset.err")); reconnect"

# --- stats, log, SIGTERM -------------------------------------------------------------------
stats=$(kubeapi_ctl '{"op":"stats"}')
seine_log "stats: $stats"
[ "$(jq '.requests.watch' <<<"$stats")" -ge 9 ] || seine_fail "stats: watch count"
[ "$(jq '.requests.list' <<<"$stats")" -ge 10 ] || seine_fail "stats: list count"
seine_assert_eq "$(jq -r '.requests.unauthorized' <<<"$stats")" 3 "stats: 401s"
kubeapi_ctl '{"op":"nonsense"}' 2>/dev/null && seine_fail "an unknown op is not ok"
grep -qx 'GET /api/v1/namespaces/default/pods/nope 404' "$KUBEAPI_LOG" \
    || seine_fail "request log"
grep -q '^GET /api/v1/pods?watch=1&resourceVersion=.* 410$' "$KUBEAPI_LOG" \
    || seine_fail "request log: the watch 410"
pid=$(cat "$run/bg/kubeapi.pid")
kubeapi_stop
[ ! -d "/proc/$pid" ] || seine_fail "server still running after SIGTERM"
[ ! -e "$dir/port" ] || seine_fail "port file left behind"
[ ! -e "$KUBEAPI_CONTROL" ] || seine_fail "control socket left behind"
ok "stats, request log, SIGTERM"
seine_log "kubeapi self-test passed"
