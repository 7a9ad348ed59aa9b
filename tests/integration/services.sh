# shellcheck shell=bash
# Services for the service tests (source after lib.sh and checks.sh, once
# the node is up): backends answering with their name (svcprobe.py), the
# Service and EndpointSlice manifests an API server and endpoint controller
# would hold, and the probes that count who answered.

probe=$(dirname "${BASH_SOURCE[0]}")/svcprobe.py
manifests=
declare -A addr addr6

# svc_backends BACKEND... -- CLIENT...: adds the pods, starts a backend in
# each BACKEND (TCP 8080, UDP 5353) and fills addr[POD].
svc_backends() {
    local p backends=() clients=() last
    manifests=$(seine_node_dir)/manifests
    while [ $# -gt 0 ] && [ "$1" != -- ]; do backends+=("$1"); shift; done
    [ $# -eq 0 ] || shift
    clients=("$@")
    for p in "${backends[@]}" "${clients[@]}"; do
        seine_pod_add "$p" >/dev/null
        addr[$p]=$(seine_pod_ip "$p")
    done
    for p in "${backends[@]}"; do
        seine_bg_start "serve-$p" "$(seine_pod_netns "$p")" \
            python3 -u "$probe" serve "$p" 8080 5353
        last=$p
    done
    seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns "$last") \
        ss -Hlun 'sport = :5353' | grep -q ." || seine_fail "backends did not start"
}

# service NAME VIP [AFFINITY-YAML]: a Service with an http port (80 ->
# named targetPort http) and a dns port (UDP 53 -> 5353).
service() {
    ck_manifest "svc-$1.yaml" "apiVersion: v1
kind: Service
metadata: {name: $1, namespace: default}
spec:
  clusterIP: $2
  selector: {app: web}
  ports:
  - {name: http, protocol: TCP, port: 80, targetPort: http}
  - {name: dns, protocol: UDP, port: 53, targetPort: 5353}
${3:-}"
}

# slice NAME SERVICE POD...: the EndpointSlice of SERVICE with POD... ready
# (a pod given as POD:terminating is serving but terminating).
slice() { family_slice IPv4 "$@"; }
# slice6 NAME SERVICE POD...: the same of addressType IPv6, with addr6[POD].
slice6() { family_slice IPv6 "$@"; }

family_slice() {
    local type=$1 name=$2 svc=$3 p state ip; shift 3
    {
        printf 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n'
        printf 'metadata:\n  name: %s\n  namespace: default\n' "$name"
        printf '  labels: {kubernetes.io/service-name: %s}\n' "$svc"
        printf 'addressType: %s\n' "$type"
        printf 'ports:\n- {name: http, protocol: TCP, port: 8080}\n'
        printf -- '- {name: dns, protocol: UDP, port: 5353}\n'
        if [ $# -gt 0 ]; then printf 'endpoints:\n'; else printf 'endpoints: []\n'; fi
        for p in "$@"; do
            state=${p#*:}; p=${p%%:*}
            if [ "$type" == IPv6 ]; then ip=${addr6[$p]}; else ip=${addr[$p]}; fi
            printf -- '- addresses: ["%s"]\n  nodeName: %s\n' "$ip" "$SEINE_NODE"
            if [ "$state" == terminating ]; then
                printf '  conditions: {ready: false, serving: true, terminating: true}\n'
            else
                printf '  conditions: {ready: true}\n'
            fi
        done
    } >"$manifests/.slice-$name.tmp"
    mv "$manifests/.slice-$name.tmp" "$manifests/slice-$name.yaml"
}

# answers FROM PROTO HOST PORT COUNT: the answers, one per line.
answers() {
    seine_pod_exec "$1" python3 "$probe" "$2" "$3" "$4" "$5"
}

# spread WHAT ANSWERS BACKEND...: every BACKEND answered at least once and
# nobody else did.  Callers send 40 connections: with a backend's share of
# the group's 16 hash values at 5, the chance that it gets none is below
# 1e-6.
spread() {
    local what=$1 got=$2 b; shift 2
    local summary
    summary=$(sort <<<"$got" | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
    for b in "$@"; do
        ck_ok "$what: $b answered ($summary)" grep -qx "$b" <<<"$got"
    done
    ck_empty "$what: no other answer ($summary)" \
        "$(grep -vxF -f <(printf '%s\n' "$@") <<<"$got" || true)"
}

