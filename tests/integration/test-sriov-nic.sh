#!/usr/bin/env bash
# seine-nic's kernel side on netdevs that exist: in a namespace of the
# test's own, veth devices carry the names of the ConnectX fixture's PF
# netdev and representors (tests/unit/sriov-fixtures/switchdev-cx6), so
# reps-up brings the real links up (and says "was up" the second time),
# tc-offload reads the real hw-tc-offload of the PF's netdev (fixed off on
# veth: refused, nothing changed), ethfeat_smoke (argument 1) changes a
# feature veth does let change, and switchdev asks this kernel's devlink.
# No OVS, no NIC: sysfs is the fixture's, the kernel is this one.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
smoke=${1:?usage: test-sriov-nic.sh ETHFEAT_SMOKE}
seine_test_begin sriov-nic
seine_require_cmd ethtool
nic_bin=$SEINE_BUILD_DIR/hwoffload/cli/seine-nic
[ -x "$nic_bin" ] || seine_skip "$nic_bin not built"
fixture=$SEINE_TOP/tests/unit/sriov-fixtures/switchdev-cx6
ns=${SEINE_NS_PREFIX}nic
seine_netns_add "$ns"

# nic ARGS...: seine-nic in the namespace on the fixture; stdout in $out,
# stderr in $err, exit code in $rc.
out=
err=
rc=0
nic() {
    rc=0
    out=$(ip netns exec "$ns" "$nic_bin" "$@" --sysfs-root "$fixture" \
          2>"$SEINE_RUN/nic.err") || rc=$?
    err=$(cat "$SEINE_RUN/nic.err")
}
link_up() { ip -n "$ns" -o link show "$1" | grep -q '[<,]UP[,>]'; }

for i in 0 1 2 3; do
    ip -n "$ns" link add "enp3s0f0npf0vf$i" type veth peer name "peer$i"
done
ip -n "$ns" link add enp3s0f0np0 type veth peer name uplink-peer
# One already up: reps-up must leave it so and say it.
ip -n "$ns" link set enp3s0f0npf0vf2 up

# --- reps-up --------------------------------------------------------------------
ck_no "before: enp3s0f0npf0vf0 is down" link_up enp3s0f0npf0vf0
nic reps-up enp3s0f0np0
ck_eq "reps-up: exit 0" "$rc" 0
ck_eq "reps-up: one line per representor, in VF order" "$out" \
"enp3s0f0npf0vf0 (VF 0): up
enp3s0f0npf0vf1 (VF 1): up
enp3s0f0npf0vf2 (VF 2): was up
enp3s0f0npf0vf3 (VF 3): up"
for i in 0 1 2 3; do
    ck_ok "enp3s0f0npf0vf$i is UP in the kernel" link_up "enp3s0f0npf0vf$i"
done
ck_no "the PF's own netdev was not touched" link_up enp3s0f0np0
nic reps-up 0000:03:00.0
ck_eq "reps-up again: every one was up" "$(grep -c 'was up' <<<"$out")" 4

# A representor that is missing here: the others still come up, exit 1.
ip -n "$ns" link del enp3s0f0npf0vf3
ip -n "$ns" link set enp3s0f0npf0vf1 down
nic reps-up 0000:03:00.0
ck_eq "reps-up with one missing: exit 1" "$rc" 1
ck_eq "... says which" "$err" \
    "seine-nic reps-up: VF 3: enp3s0f0npf0vf3: no such netdev in this network namespace"
ck_ok "... and still brought VF 1's up" link_up enp3s0f0npf0vf1

# --- tc-offload -----------------------------------------------------------------
before=$(ip netns exec "$ns" ethtool -k enp3s0f0np0 | grep '^hw-tc-offload:')
ck_eq "veth's hw-tc-offload is fixed off" "$before" "hw-tc-offload: off [fixed]"
nic tc-offload enp3s0f0np0 on
ck_eq "tc-offload on: refused" "$rc" 1
ck_eq "... with the driver's reason" "$err" \
    "seine-nic tc-offload: enp3s0f0np0: the driver does not let hw-tc-offload change (it is off, fixed)"
ck_eq "... and nothing changed" \
    "$(ip netns exec "$ns" ethtool -k enp3s0f0np0 | grep '^hw-tc-offload:')" "$before"
nic tc-offload enp3s0f0np0 off
ck_eq "tc-offload off, as it is: exit 0" "$rc" 0
ck_eq "... says so" "$out" "enp3s0f0np0: hw-tc-offload off"

# --- a feature the driver lets change: ETHTOOL_SFEATURES for real ---------------
# feature IF NAME: NAME's state as ethtool -k shows it.
feature() {
    ip netns exec "$ns" ethtool -k "$1" | awk -v f="$2:" '$1 == f { print $2 }'
}
ck_eq "tx-checksum-ip-generic of veth starts on" \
    "$(feature enp3s0f0np0 tx-checksum-ip-generic)" on
ck_eq "ethfeat off: off, and changeable" \
    "$(ip netns exec "$ns" "$smoke" enp3s0f0np0 tx-checksum-ip-generic off)" \
    "off changeable"
ck_eq "... as ethtool sees it" "$(feature enp3s0f0np0 tx-checksum-ip-generic)" off
ck_eq "... and on again" \
    "$(ip netns exec "$ns" "$smoke" enp3s0f0np0 tx-checksum-ip-generic on)" \
    "on changeable"
ck_eq "... as ethtool sees it" "$(feature enp3s0f0np0 tx-checksum-ip-generic)" on
ck_eq "hw-tc-offload reads fixed off" \
    "$(ip netns exec "$ns" "$smoke" enp3s0f0np0 hw-tc-offload get)" "off fixed"

# --- switchdev ------------------------------------------------------------------
nic switchdev enp3s0f0np0
ck_eq "switchdev: refused here (no such devlink device)" "$rc" 1
ck_eq "... clearly" "${err%%: this kernel*}" \
    "seine-nic switchdev: no devlink device pci/0000:03:00.0"
ck_done
