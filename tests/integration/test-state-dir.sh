#!/usr/bin/env bash
# A state directory that cannot be written: the agent's stateDir on a
# small tmpfs, made read-only, then full.  ADD fails with Seine's error
# 106, which names the folder and the errno text, and leaves nothing (no
# port, link, address, record).  Pods made before keep forwarding.  DEL
# while read-only fails with 106 before it undoes anything: the pod keeps
# its address, record and traffic, and the DEL retried once the folder is
# writable again removes it completely.  A full folder still lets DEL
# remove what it holds (removing files needs no space).  With only the
# records' folder read-only, an ADD that made everything but its record
# rolls it all back.  A full pod subnet is another error (101), with the
# subnet in its message.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin state-dir
seine_require_cmd ping mount umount nsenter
seine_node_start --no-agent --cidr 10.244.1.0/29
dir=$(seine_node_dir)
state=$dir/state
seine_tmpfs_mount "$state" 1m
seine_agent_start
gw=10.244.1.1

seine_pod_add a
seine_pod_add b tap
seine_pod_add x
b_cid=$(ck_cid b) b_ip=$(seine_pod_ip b) b_port=$(ck_port b)
x_cid=$(ck_cid x) x_ip=$(seine_pod_ip x) x_port=$(ck_port x)
ck_ok "a pings b" ck_ping a "$b_ip"
base=$(ck_snapshot)

# ck_state_error WHAT CMD POD ERRNO_TEXT: the plugin fails with 106 and a
# message naming the state directory and the errno text; its time.
ck_state_error() {
    local what=$1 cmd=$2 pod=$3 text=$4 t0 ms code msg
    t0=$(date +%s%N)
    if seine_cni "$cmd" "$pod"; then
        ck_fail "$what" "exit 0: $SEINE_CNI_OUT"
    fi
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    code=$(jq -r '.code // empty' <<<"$SEINE_CNI_OUT")
    msg=$(jq -r '.msg // empty' <<<"$SEINE_CNI_OUT")
    ck_eq "$what: code 106 in $ms ms ($msg)" "$code" 106
    ck_eq "... the message names the folder and the errno text" \
        "$msg" "state directory $state is unusable: $text"
    ck_eq "... and the details the errno text" "$(jq -r '.details // empty' <<<"$SEINE_CNI_OUT")" "$text"
}

# --- read-only -----------------------------------------------------------------
mount -o remount,ro "$state"
ck_pod_prepare c
seine_cni_config >"$(seine__pod_file c).eth0.conf"
ck_state_error "ADD with the state directory read-only" ADD c "Read-only file system"
ck_eq "... and leaves nothing" "$(ck_snapshot)" "$base"
ck_eq "... not even in the pod's namespace" \
    "$(ip -n "$(seine_pod_netns c)" -o link show | awk -F': ' '{ print $2 }')" lo
ck_ok "a still pings b" ck_ping a "$b_ip"
ck_ok "x still reaches the gateway" ck_ping x "$gw"

ck_state_error "DEL of tap pod b with the state directory read-only" DEL b "Read-only file system"
ck_ok "... b keeps its record" test -e "$(ck_record b)"
ck_ok "... and its address" test -e "$state/ipam/10.244.1.0_29/$b_ip"
ck_ok "... and its traffic: a still pings b" ck_ping a "$b_ip"
ck_cni_ok "... and passes CHECK" CHECK b
ck_cni_code "ADD of c while read-only, retried: still 106" 106 ADD c

mount -o remount,rw "$state"
ck_cni_ok "DEL of b once the folder is writable again succeeds" DEL b
ck_empty "... and leaves nothing of b" \
    "$(ck_leftovers "$b_cid" eth0 "$b_port" "$b_ip" "")"
ck_ok "a still reaches the gateway" ck_ping a "$gw"
base=$(ck_snapshot)

# --- only the records' folder read-only ------------------------------------------
# The address is allocated and the veth, port and flows are made before
# the record fails to be written: the ADD rolls all of it back.  The
# folder is made read-only in the agent's own mount namespace (ip netns
# exec gave it one), by a read-only bind mount over it.
agent_mnt() {
    nsenter -t "$(cat "$dir/seine-agent.pid")" -m -- "$@"
}
agent_mnt mount --bind "$state/pods" "$state/pods"
agent_mnt mount -o remount,bind,ro "$state/pods"
ck_state_error "ADD with only the records' folder read-only" ADD c "Read-only file system"
ck_eq "... and the address, veth, port and flows it made are gone" "$(ck_snapshot)" "$base"
ck_ok "a still reaches the gateway" ck_ping a "$gw"
agent_mnt umount "$state/pods"

# --- full ------------------------------------------------------------------------
dd if=/dev/zero of="$state/filler" bs=4096 2>/dev/null || true
ck_eq "the state directory is full" "$(df --output=avail "$state" | tail -n1 | tr -d ' ')" 0
ck_state_error "ADD with the state directory full" ADD c "No space left on device"
ck_eq "... and leaves nothing" "$(ck_snapshot)" "$base"
ck_ok "a still pings x" ck_ping a "$x_ip"
ck_cni_ok "DEL of x with the state directory full succeeds" DEL x
ck_empty "... and leaves nothing of x" \
    "$(ck_leftovers "$x_cid" eth0 "$x_port" "$x_ip" "")"

rm -f "$state/filler"
seine_pod_add c
ck_ok "with room again, a new pod c reaches a" ck_ping c "$(seine_pod_ip a)"
ck_ok "... and the gateway" ck_ping c "$gw"

# --- a full subnet is not a full folder ----------------------------------------
# A /29 has 5 pod addresses: a and c hold two.
for p in d1 d2 d3; do
    seine_pod_add "$p" tap
done
base=$(ck_snapshot)
ck_pod_prepare d4
seine_cni_config tap >"$(seine__pod_file d4).eth0.conf"
ck_cni_code "ADD with the pod subnet full: 101, not 106" 101 ADD d4
ck_eq "... its message names the subnet and the count" "$(jq -r .msg <<<"$SEINE_CNI_OUT")" \
    "the pod subnet 10.244.1.0/29 is full: 5 addresses allocated"
ck_eq "... and leaves nothing" "$(ck_snapshot)" "$base"
ck_done
