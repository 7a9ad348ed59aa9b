#!/usr/bin/env bash
# Seine as podman's network: Debian's podman 4.3 with its CNI backend runs
# containers inside the node's network namespace and calls seine-cni from a
# conflist that chains it with the reference plugins tuning and portmap, as
# a user would set it up (docs/cni.md).  Checks what a podman user sees:
# the container's address and connectivity, --ip and --mac-address honoured,
# `podman network reload` (DEL then ADD with the same container ID, IP= and
# MAC=) keeping both and the container's network alive every time, and a
# removed container leaving nothing on the node.
#
# podman keeps everything of this test under the run folder (its own
# containers.conf, storage and CNI folders): the machine's podman setup is
# never read or changed.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
seine_test_begin podman
seine_require_cmd podman runc nsenter
[ -x /bin/busybox ] || seine_skip "busybox-static is not installed"
reloads=${SEINE_TEST_RELOADS:-15}
seine_node_start
seine_pod_add w
w_ip=$(seine_pod_ip w)
base=$(ck_snapshot)

dir=$SEINE_RUN/podman
mkdir -p "$dir/net.d" "$dir/plugins" "$dir/root" "$dir/runroot" "$dir/tmp" \
    "$dir/image/bin"
ln -s "$(readlink -f "$SEINE_CNI_BIN")" "$dir/plugins/seine"
for p in tuning portmap; do ln -s "/usr/lib/cni/$p" "$dir/plugins/$p"; done
cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = []
[network]
network_backend = "cni"
cni_plugin_dirs = ["$dir/plugins"]
network_config_dir = "$dir/net.d"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"
EOF
cat >"$dir/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$dir/root"
runroot = "$dir/runroot"
EOF
jq -n --arg sock "$(seine_node_dir)/cni.sock" '{
    cniVersion: "1.0.0", name: "seine",
    plugins: [
        {type: "seine", agentSocket: $sock, capabilities: {ips: true, mac: true}},
        {type: "tuning", sysctl: {"net.ipv4.conf.eth0.rp_filter": "1"}},
        {type: "portmap", capabilities: {portMappings: true}, snat: true}
    ]}' >"$dir/net.d/seine.conflist"

# pm ARGS...: podman with this test's configuration, in the node's network
# namespace (nsenter, not ip netns exec: the agent must see the mounts of
# the container namespaces podman makes under /run/netns).
pm() {
    CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf \
        nsenter --net="/run/netns/$(seine_node_netns)" podman "$@"
}
cleanup_podman() {
    pm rm -f -t 0 -a >/dev/null 2>&1 || true
}
trap 'rc=$?; set +e; cleanup_podman; (exit "$rc"); seine__exit_trap' EXIT

cp /bin/busybox "$dir/image/bin/"
for t in sh sleep ping ip cat; do ln -s busybox "$dir/image/bin/$t"; done
tar -C "$dir/image" -c . | pm import - localhost/seine-test-busybox >/dev/null \
    || seine_fail "podman import of a busybox image"

# cexec CONTAINER CMD...: runs CMD in the container.
cexec() { local c=$1; shift; pm exec "$c" "$@"; }
addr_of() { cexec "$1" ip -4 -o addr show dev eth0 | awk '{ print $4 }'; }
mac_of() { cexec "$1" cat /sys/class/net/eth0/address; }
reaches() { cexec "$1" ping -c1 -W2 "$2" >/dev/null || cexec "$1" ping -c2 -W2 "$2" >/dev/null; }

# --- podman run --network seine ---------------------------------------------
pm run -d --name c0 --network seine localhost/seine-test-busybox sleep 600 >/dev/null \
    || ck_fail "podman run --network seine" "$(tail -n 20 "$SEINE_RUN/node1/seine-agent.log")"
ck_pass "podman run --network seine (result version 1.0.0, chained with tuning and portmap)"
ck_eq "c0, without a Pod object, gets the agent's default type" \
    "$(seine_vsctl --bare --columns=type find Interface "external_ids:seine-owner=$(pm inspect -f '{{.Id}}' c0)/eth0")" afxdp

# A namespace through podman's own CNI_ARGS, and a Pod manifest for it: the
# agent finds the Pod and its annotation (here: the interface type).
ck_manifest pod-demo-c1.yaml "apiVersion: v1
kind: Pod
metadata:
  name: c1
  namespace: demo
  labels: {app: c1}
  annotations: {seine.io/interface-type: tap}
spec: {nodeName: $SEINE_NODE}"
ck_manifest namespace-demo.yaml "apiVersion: v1
kind: Namespace
metadata: {name: demo}"
sleep 1
CNI_ARGS="K8S_POD_NAMESPACE=demo" pm run -d --name c1 --network seine \
    localhost/seine-test-busybox sleep 600 >/dev/null || ck_fail "podman run with CNI_ARGS"
ck_eq "CNI_ARGS=K8S_POD_NAMESPACE=demo podman run --name c1: the agent reads Pod demo/c1 (a tap pod, as annotated)" \
    "$(seine_vsctl --bare --columns=type find Interface "external_ids:seine-owner=$(pm inspect -f '{{.Id}}' c1)/eth0")" tap
c1_addr=$(addr_of c1)
ck_eq "c1 has an address of the node's pod subnet ($c1_addr)" "${c1_addr%.*}" 10.244.1
ck_ok "c1 reaches pod w" reaches c1 "$w_ip"
ck_ok "c0 reaches c1" reaches c0 "$(addr_of c1 | cut -d/ -f1)"
ck_eq "tuning ran after seine: c1's eth0 has rp_filter 1" \
    "$(cexec c1 cat /proc/sys/net/ipv4/conf/eth0/rp_filter)" 1

# --- --ip and --mac-address ------------------------------------------------
pm run -d --name c2 --network seine --ip 10.244.1.150 --mac-address 02:5e:00:00:00:02 \
    localhost/seine-test-busybox sleep 600 >/dev/null || ck_fail "podman run --ip --mac-address"
ck_eq "podman run --ip 10.244.1.150: c2 has it" "$(addr_of c2)" 10.244.1.150/24
ck_eq "podman run --mac-address: c2 has it" "$(mac_of c2)" 02:5e:00:00:00:02
ck_ok "c2 reaches c1" reaches c2 "$(addr_of c1 | cut -d/ -f1)"

# --- podman network reload ---------------------------------------------------
for ((i = 1; i <= reloads; i++)); do
    pm network reload c2 >/dev/null || ck_fail "podman network reload c2 ($i)"
    if [ "$(addr_of c2)" != 10.244.1.150/24 ] || [ "$(mac_of c2)" != 02:5e:00:00:00:02 ]; then
        ck_fail "reload $i keeps c2's address and MAC" "$(addr_of c2) $(mac_of c2)"
    fi
    reaches c2 "$w_ip" || ck_fail "c2 reaches w after reload $i" \
        "$(seine_vsctl --columns=name,link_state,ofport list Interface)"
done
ck_pass "$reloads podman network reloads of c2: same address and MAC, and c2 reaches w after each"
ck_ok "c1 still reaches c2" reaches c1 10.244.1.150

# --- removal -------------------------------------------------------------
pm rm -f -t 0 c0 c1 c2 >/dev/null
ck_eq "containers removed: the node holds what it held before" "$(ck_snapshot)" "$base"
ck_done
