# shellcheck shell=bash
# A test Kubernetes API server (kubeapi-server.py) for integration tests.
# Source lib.sh first (the server runs through seine_bg_start, so the EXIT
# trap of seine_test_begin stops it with everything else).
#
#   kubeapi_pki "$SEINE_RUN/kubeapi"
#   kubeapi_start "$SEINE_RUN/kubeapi" objects.json [NETNS]
#   kubeapi_kubeconfig "$SEINE_RUN/kubeapi" "$KUBEAPI_TOKEN" >kubeconfig
#   kubeapi_ctl '{"op":"wait-watches","count":3,"timeout":10}'
#   kubeapi_ctl '{"op":"apply","object":{...}}'
#   kubeapi_stop
#
# Files in DIR: ca.{key,crt} (the CA clients trust), server.{key,crt}
# (SAN IP:127.0.0.1, IP:::1, DNS:localhost), port, ctl.sock (control),
# requests.log (one line per request: METHOD PATH?QUERY STATUS).  The
# server's own output goes to RUN/bg/kubeapi.log.
#
# Environment:
#   KUBEAPI_TOKEN     bearer token the server requires (default
#                     seine-test-token); kubeapi_start reads it
#   KUBEAPI_ARGS      more server options, split on blanks (e.g.
#                     "--page-default 2 --cnp-crd")
# Set by kubeapi_start: KUBEAPI_DIR, KUBEAPI_PORT, KUBEAPI_CONTROL,
# KUBEAPI_LOG.

KUBEAPI_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBEAPI_SERVER=$KUBEAPI_HERE/kubeapi-server.py
KUBEAPI_CTL=$KUBEAPI_HERE/kubeapi-ctl.py
KUBEAPI_TOKEN=${KUBEAPI_TOKEN:-seine-test-token}
KUBEAPI_ARGS=${KUBEAPI_ARGS:-}
KUBEAPI_DIR=
KUBEAPI_PORT=
KUBEAPI_CONTROL=
KUBEAPI_LOG=

# kubeapi_pki DIR: a CA and a server certificate for 127.0.0.1 in DIR.
# Prints nothing; on failure shows what openssl said and returns 1.
kubeapi_pki() {
    local dir=$1 out
    mkdir -p "$dir"
    out=$(
        exec 2>&1
        set -e
        cd "$dir"
        openssl req -x509 -new -nodes -days 2 \
            -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -keyout ca.key -out ca.crt -subj /CN=seine-test-ca \
            -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req -new -nodes \
            -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -keyout server.key -out server.csr -subj /CN=kube-apiserver
        printf '%s\n' 'basicConstraints=CA:FALSE' \
            'keyUsage=critical,digitalSignature,keyEncipherment' \
            'extendedKeyUsage=serverAuth' \
            'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost' >server.ext
        openssl x509 -req -days 2 -in server.csr -CA ca.crt -CAkey ca.key \
            -CAcreateserial -out server.crt -extfile server.ext
        chmod 600 ca.key server.key
    ) || { echo "kubeapi_pki: openssl failed:"$'\n'"$out" >&2; return 1; }
}

# kubeapi_start DIR OBJECTS_JSON [NETNS]: starts the server with the
# certificates of kubeapi_pki DIR and the objects in OBJECTS_JSON (a JSON
# list; empty: none), inside NETNS if given; returns once it listens, with
# KUBEAPI_PORT set.
kubeapi_start() {
    local dir=$1 objects=${2:-} ns=${3:-}
    local -a args extra=()
    # shellcheck disable=SC2034 # for the tests that source this file
    KUBEAPI_DIR=$dir
    KUBEAPI_CONTROL=$dir/ctl.sock
    KUBEAPI_LOG=$dir/requests.log
    rm -f "$dir/port"
    args=(--listen 127.0.0.1:0 --port-file "$dir/port"
          --cert "$dir/server.crt" --key "$dir/server.key"
          --token "$KUBEAPI_TOKEN" --control "$KUBEAPI_CONTROL"
          --log "$KUBEAPI_LOG")
    [ -z "$objects" ] || args+=(--objects "$objects")
    # shellcheck disable=SC2206
    [ -z "$KUBEAPI_ARGS" ] || extra=($KUBEAPI_ARGS)
    seine_bg_start kubeapi "$ns" "$KUBEAPI_SERVER" "${args[@]}" "${extra[@]}"
    if ! seine_wait_until 10 test -s "$dir/port"; then
        cat "$SEINE_RUN/bg/kubeapi.log" >&2
        seine_fail "kubeapi-server did not start"
    fi
    KUBEAPI_PORT=$(cat "$dir/port")
    seine_wait_until 5 test -S "$KUBEAPI_CONTROL" \
        || seine_fail "kubeapi-server: no control socket"
}

# kubeapi_kubeconfig DIR TOKEN: prints a kubeconfig for the server.
kubeapi_kubeconfig() {
    local dir=$1 token=$2
    cat <<EOC
apiVersion: v1
kind: Config
clusters:
- name: seine-test
  cluster:
    server: https://127.0.0.1:$KUBEAPI_PORT
    certificate-authority: $dir/ca.crt
users:
- name: seine-agent
  user:
    token: $token
contexts:
- name: seine-test
  context:
    cluster: seine-test
    user: seine-agent
current-context: seine-test
EOC
}

# kubeapi_ctl JSON...: control commands, one reply line each on stdout;
# returns 1 (reply on stderr) unless every reply is ok.
kubeapi_ctl() {
    local out rc=0
    out=$("$KUBEAPI_CTL" --socket "$KUBEAPI_CONTROL" "$@") || rc=$?
    if [ "$rc" != 0 ]; then
        echo "kubeapi_ctl $*: $out" >&2
        return 1
    fi
    printf '%s\n' "$out"
}

# kubeapi_stop: stops the server (its pidfile only).
kubeapi_stop() {
    seine_bg_stop kubeapi
}
