#!/usr/bin/env bash
# A runtime's static address and MAC (podman run --ip / --mac-address, and
# what podman network reload sends back): CNI_ARGS IP= and MAC=, and the
# "ips" and "mac" capabilities in runtimeConfig, are honoured when the
# address is a free pod address of the node's subnet and the MAC unicast
# and unused; refused with a clear error, leaving nothing, when not.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin static-addr
seine_require_cmd ping
seine_node_start
gw=10.244.1.1
seine_pod_add w
base=$(ck_snapshot)

# add_static POD TYPE CNI_ARGS [RUNTIME_CONFIG_JSON]: ADD with those.
add_static() {
    local pod=$1 type=$2 args=$3 rc=${4:-}
    local config
    config=$(seine_cni_config "$type")
    [ -z "$rc" ] || config=$(jq -c --argjson rc "$rc" '. + {runtimeConfig: $rc}' <<<"$config")
    [ -e "$(seine__pod_file "$pod").netns" ] || ck_pod_prepare "$pod"
    seine_cni_config "$type" >"$(seine__pod_file "$pod").eth0.conf"
    SEINE_CNI_ARGS=$args seine_cni ADD "$pod" eth0 "$config"
}

# --- honoured --------------------------------------------------------------
add_static s1 afxdp "IP=10.244.1.200;MAC=02:aa:bb:cc:dd:01" \
    || ck_fail "ADD with IP= and MAC=" "$SEINE_CNI_OUT"
printf '%s\n' "$SEINE_CNI_OUT" >"$(seine__pod_file s1).eth0.json"
ck_eq "CNI_ARGS IP=10.244.1.200: the result has it" "$(seine_pod_cidr s1)" 10.244.1.200/24
ck_eq "... and MAC=02:aa:bb:cc:dd:01" "$(seine_pod_mac s1)" 02:aa:bb:cc:dd:01
ck_eq "the pod's eth0 has that MAC" \
    "$(seine_pod_exec s1 cat /sys/class/net/eth0/address)" 02:aa:bb:cc:dd:01
ck_ok "the pod's eth0 has that address" sh -c \
    "ip -n $(seine_pod_netns s1) -4 -o addr show dev eth0 | grep -q 'inet 10.244.1.200/24'"
ck_ok "s1 reaches the gateway" ck_ping s1 "$gw"
ck_ok "s1 reaches w, and w s1" sh -c "ip netns exec $(seine_pod_netns s1) ping -c1 -W2 $(seine_pod_ip w) >/dev/null && ip netns exec $(seine_pod_netns w) ping -c1 -W2 10.244.1.200 >/dev/null"
ck_cni_ok "CHECK s1 passes" CHECK s1

# podman network reload: DEL, then ADD with the address and MAC it had.
SEINE_CNI_ARGS="IP=10.244.1.200;MAC=02:aa:bb:cc:dd:01" seine_cni DEL s1 \
    || ck_fail "DEL s1" "$SEINE_CNI_OUT"
add_static s1 afxdp "IP=10.244.1.200;MAC=02:aa:bb:cc:dd:01" \
    || ck_fail "re-ADD with the address it had" "$SEINE_CNI_OUT"
printf '%s\n' "$SEINE_CNI_OUT" >"$(seine__pod_file s1).eth0.json"
ck_eq "reload (DEL, ADD with IP= and MAC=) keeps the address" "$(seine_pod_cidr s1)" 10.244.1.200/24
ck_ok "... and s1 still reaches w" ck_ping s1 "$(seine_pod_ip w)"

# runtimeConfig wins over CNI_ARGS, for a tap pod too.
add_static s2 tap "IP=10.244.1.210" '{"ips": ["10.244.1.211/24"], "mac": "02:aa:bb:cc:dd:02"}' \
    || ck_fail "ADD with runtimeConfig ips and mac" "$SEINE_CNI_OUT"
printf '%s\n' "$SEINE_CNI_OUT" >"$(seine__pod_file s2).eth0.json"
ck_eq "runtimeConfig ips overrides CNI_ARGS IP=" "$(seine_pod_cidr s2)" 10.244.1.211/24
ck_eq "runtimeConfig mac is the tap pod's MAC" \
    "$(seine_pod_exec s2 cat /sys/class/net/eth0/address)" 02:aa:bb:cc:dd:02
ck_ok "s2 reaches s1" ck_ping s2 10.244.1.200
taken=$(ck_snapshot)

# --- refused, leaving nothing ------------------------------------------------
refused() {
    local what=$1 code=$2 args=$3 rc=${4:-}
    if add_static bad afxdp "$args" "$rc"; then
        ck_fail "$what" "ADD succeeded: $SEINE_CNI_OUT"
    fi
    ck_eq "$what: code $code ($(jq -r '.msg + ": " + (.details // "")' <<<"$SEINE_CNI_OUT"))" \
        "$(jq -r .code <<<"$SEINE_CNI_OUT")" "$code"
    ck_eq "... and leaves nothing" "$(ck_snapshot)" "$taken"
    ck_eq "... not even in the pod's namespace" \
        "$(ip -n "$(seine_pod_netns bad)" -o link show | awk -F': ' '{ print $2 }')" lo
    SEINE_CNI_ARGS=$args seine_cni DEL bad >/dev/null || ck_fail "$what: DEL" "$SEINE_CNI_OUT"
}
refused "an address outside the node's subnet" 7 "IP=10.244.77.200"
refused "the gateway's address" 7 "IP=$gw"
refused "the subnet's broadcast address" 7 "IP=10.244.1.255"
refused "another prefix length" 7 "IP=10.244.1.220/16"
refused "an address another pod has" 101 "IP=10.244.1.200"
refused "w's address" 101 "IP=$(seine_pod_ip w)"
refused "a MAC another pod has" 7 "MAC=02:aa:bb:cc:dd:01"
refused "a multicast MAC (plugin)" 4 "MAC=01:00:5e:00:00:01"
refused "a malformed address (plugin)" 4 "IP=10.244.1"
refused "two addresses in runtimeConfig (plugin)" 7 "" '{"ips": ["10.244.1.230/24", "10.244.1.231/24"]}'

# --- two networks, added in either order: one default route ----------------
# (podman adds a container's networks in no fixed order)
ck_pod_prepare two
net1=$(seine_cni_config afxdp | jq -c '. + {name: "second", defaultRoute: false}')
printf '%s\n' "$net1" >"$(seine__pod_file two).net1.conf"
ck_cni_ok "ADD two/net1 first, with \"defaultRoute\": false" ADD two net1 "$net1"
printf '%s\n' "$SEINE_CNI_OUT" >"$(seine__pod_file two).net1.json"
ck_eq "... its result has no route" "$(jq -c '.routes // []' <<<"$SEINE_CNI_OUT")" "[]"
seine_pod_add two afxdp eth0
ck_eq "two/eth0 added after it takes the default route" \
    "$(ip -n "$(seine_pod_netns two)" -4 route show default | awk '{ print $3 "@" $5 }')" "$gw@eth0"
seine_pod_del two eth0
ck_pod_prepare three
printf '%s\n' "$(seine_cni_config afxdp)" >"$(seine__pod_file three).eth0.conf"
seine_pod_add three afxdp eth0
want=$(jq -c '. + {name: "second", defaultRoute: true}' <<<"$(seine_cni_config afxdp)")
ck_cni_code "\"defaultRoute\": true while eth0 holds it" 7 ADD three net1 "$want"
ck_no "... leaves no net1 in the pod" seine_pod_exec three ip link show dev net1
seine_cni DEL three net1 "$want" >/dev/null

seine_pod_remove s1
seine_pod_remove s2
seine_pod_remove bad
seine_pod_remove two
seine_pod_remove three
ck_eq "after DEL of the static pods the node holds what it held before" "$(ck_snapshot)" "$base"
ck_done
