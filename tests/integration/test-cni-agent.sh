#!/usr/bin/env bash
# seine-cni against a running agent: STATUS, CHECK of an unknown container,
# GC, the interface-type annotations (per pod and per interface), results in
# every supported spec version, the CNI socket's access control, and ADD
# with the agent stopped.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin cni-agent
seine_require_cmd ping setpriv stat
seine_node_start
gw=10.244.1.1

ck_cni_ok "STATUS succeeds with the agent up" STATUS status-probe
seine_netns_add "$(seine_pod_netns ghost)"
ck_cni_code "CHECK of a container the agent does not have" 3 CHECK ghost

# --- GC ------------------------------------------------------------------------
seine_pod_add a
seine_pod_add b
b_cid=$(ck_cid b) b_ip=$(seine_pod_ip b) b_port=$(ck_port b)
b_owner=$(ck_owner_of_ofport "$(ck_ofport "$b_port")")
a_owner=$(ck_owner_of_ofport "$(ck_ofport "$(ck_port a)")")
config=$(seine_cni_config | jq -c --arg a "$(ck_cid a)" \
    '. + {"cni.dev/valid-attachments": [{containerID: $a, ifname: "eth0"}]}')
ck_cni_ok "GC with only pod a valid succeeds" GC a eth0 "$config"
ck_empty "GC removed pod b completely" \
    "$(ck_leftovers "$b_cid" eth0 "$b_port" "$b_ip" "$b_owner")"
ck_no "b's eth0 is gone from its namespace" seine_pod_exec b ip link show dev eth0
ck_eq "a keeps its $CK_POD_FLOWS flows" "$(ck_nflows_of "$a_owner")" "$CK_POD_FLOWS"
ck_ok "a still pings the gateway" ck_ping a "$gw"
ck_cni_ok "CHECK a passes after GC" CHECK a
ck_cni_code "CHECK b after GC: unknown container" 3 CHECK b

# --- interface type annotations ------------------------------------------------
seine_pod_add --annotation seine.io/interface-type=tap t afxdp
ck_eq "annotated tap, configured afxdp: the OVS port is a tap" \
    "$(ck_port_type "$(ck_port t)")" tap
ck_eq "... the agent's record says tap" "$(jq -r .type "$(ck_record t)")" tap
ck_eq "... and eth0 in the pod is a tun device" \
    "$(seine_pod_exec t ethtool -i eth0 | awk '$1 == "driver:" { print $2 }')" tun
ck_ok "... that reaches the gateway" ck_ping t "$gw"

seine_pod_add --annotation seine.io/interface-type.net1=tap m afxdp
seine_pod_add m afxdp net1
ck_eq "annotated tap for net1 only: eth0's port is afxdp" \
    "$(ck_port_type "$(ck_port m)")" afxdp
ck_eq "... eth0 in the pod is a veth" \
    "$(seine_pod_exec m ethtool -i eth0 | awk '$1 == "driver:" { print $2 }')" veth
ck_eq "... and net1's port is a tap" "$(ck_port_type "$(ck_port m net1)")" tap

# --- spec versions ---------------------------------------------------------------
for v in 0.3.1 0.4.0 1.0.0; do
    SEINE_CNI_VERSION=$v
    pod=v${v//./}
    seine_pod_add "$pod"
    result=$(seine_pod_result "$pod")
    ck_eq "ADD with cniVersion $v prints a $v result" "$(jq -r .cniVersion <<<"$result")" "$v"
    if [ "$v" == 1.0.0 ]; then
        ck_eq "... without ips[].version" "$(jq -c '.ips[0] | has("version")' <<<"$result")" false
    else
        ck_eq "... with ips[].version \"4\"" "$(jq -c '.ips[0].version' <<<"$result")" '"4"'
    fi
    ck_eq "... with the pod's address" "$(jq -r '.ips[0].address' <<<"$result")" \
        "$(jq -r '.ip + "/" + (.prefixLength | tostring)' "$(ck_record "$pod")")"
    ck_ok "... and the pod works" ck_ping "$pod" "$gw"
    ck_cni_ok "DEL with cniVersion $v succeeds" DEL "$pod"
done
SEINE_CNI_VERSION=1.1.0

# --- who may talk to the agent -------------------------------------------------
sock=$(seine_node_dir)/cni.sock
ck_eq "the CNI socket is mode 600, owned by root" "$(stat -c '%a %U' "$sock")" "600 root"

# as_nobody POD: ADD of POD by an unprivileged caller; prints the plugin's
# exit status and output.
as_nobody() {
    local pod=$1 rc=0 out
    out=$(seine_cni_config | env -i PATH="$PATH" CNI_COMMAND=ADD \
        CNI_CONTAINERID="nobody-$pod" CNI_NETNS="/var/run/netns/$(seine_pod_netns "$pod")" \
        CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$SEINE_CNI_BIN" 2>&1) || rc=$?
    echo "$rc $(jq -c '{code, msg}' <<<"$out" 2>/dev/null || echo "$out")"
}
seine_netns_add "$(seine_pod_netns nobody)"
base=$(ck_snapshot)
got=$(as_nobody nobody)
ck_ok "ADD by uid 65534 gets an error, not a result: $got" \
    test "${got%% *}" != 0 -a "$(jq -r .code <<<"${got#* }" 2>/dev/null)" != null
# Open the socket to everyone: the agent itself must refuse the caller.
chmod 711 "$SEINE_RUN" "$(seine_node_dir)"
chmod 666 "$sock"
refusal=$(as_nobody nobody)
got=$refusal
chmod 600 "$sock"
chmod 700 "$SEINE_RUN" "$(seine_node_dir)"
ck_ok "with the socket opened to all, the agent still refuses uid 65534: $got" \
    test "${got%% *}" != 0 -a "$(jq -r .code <<<"${got#* }" 2>/dev/null)" != null
ck_eq "... and nothing was made" "$(ck_snapshot)" "$base"
ck_eq "... not even in the pod's namespace" \
    "$(ip -n "$(seine_pod_netns nobody)" -o link show | awk -F': ' '{ print $2 }')" lo

# --- the agent stopped -----------------------------------------------------------
seine_agent_stop
ck_pod_prepare z
ck_cni_code "ADD with the agent stopped: try again later" 11 ADD z
ck_eq "... and nothing was made" "$(ck_snapshot)" "$base"
ck_eq "... not even in the pod's namespace" \
    "$(ip -n "$(seine_pod_netns z)" -o link show | awk -F': ' '{ print $2 }')" lo
ck_cni_code "STATUS with the agent stopped" 50 STATUS z
ck_ok "pod a's traffic does not need the agent" ck_ping a "$gw"

# A caller that is not root must learn that it was refused: an answer the
# agent sends before reading the request is lost to a reset connection, and
# the caller would report 11 (try again later) and be retried forever.
ck_ok "the agent's refusal of uid 65534 reaches the caller (not code 11): $refusal" \
    test "$(jq -r .code <<<"${refusal#* }")" != 11
ck_done
