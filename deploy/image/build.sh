#!/usr/bin/env bash
# Builds the container image seine/seine:0.1 without a registry: a Debian 12
# (bookworm) root file system made by mmdebstrap from Debian's packages, the
# Seine binaries of a build folder copied in, and the result imported into
# the local image store with podman (or buildah).
#
#   deploy/image/build.sh BUILD_DIR [TAG]
#
# BUILD_DIR is a meson build folder (./scripts/build makes ./build) holding
# agent/seine-agent and cni/seine-cni.  TAG defaults to seine/seine:0.1.
# Environment: MIRROR (Debian mirror, default http://deb.debian.org/debian),
# VARIANT (mmdebstrap variant, default apt), OUT (keep the root file system
# tarball at this path instead of a temporary file).  Runs as root.
#
# Inside the image:
#   /usr/bin/seine-agent, /usr/bin/seine-cni (installed on nodes as
#   /opt/cni/bin/seine by the DaemonSet's init container),
#   /usr/lib/cni/portmap (Debian's containernetworking-plugins),
#   Debian's ovsdb-server, ovs-vswitchd and the DPDK build
#   /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk, ovs-appctl/ovs-vsctl.
set -euo pipefail

usage() {
    echo "usage: $0 BUILD_DIR [TAG]" >&2
    exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    usage
fi
build=$(cd "$1" && pwd) || usage
tag=${2:-seine/seine:0.1}
# A name without a registry is stored as docker.io/NAME, the name a kubelet
# resolves seine/seine:0.1 to, so that an image saved from here and imported
# into a node's containerd is found under the name the DaemonSet gives.
case ${tag%%/*} in
*.*|*:*|localhost) ;;
*) tag=docker.io/$tag ;;
esac
mirror=${MIRROR:-http://deb.debian.org/debian}
variant=${VARIANT:-apt}

if [ "$(id -u)" != 0 ]; then
    echo "build.sh: run as root (mmdebstrap's root mode, podman's root store)" >&2
    exit 1
fi
for bin in agent/seine-agent cni/seine-cni; do
    [ -x "$build/$bin" ] || {
        echo "build.sh: $build/$bin is missing: build first (./scripts/build)" >&2
        exit 1
    }
done
command -v mmdebstrap >/dev/null || {
    echo "build.sh: mmdebstrap is not installed (apt-get install mmdebstrap)" >&2
    exit 1
}
if command -v podman >/dev/null; then
    importer=podman
elif command -v buildah >/dev/null; then
    importer=buildah
else
    echo "build.sh: neither podman nor buildah is installed" >&2
    exit 1
fi

# The switch (with its DPDK build), the tools the probes and the init
# container use, and the shared libraries seine-agent and seine-cni link
# (objdump -p: NEEDED).  The ldd check below fails the build if a binary
# needs a library this list does not bring.
packages=(
    openvswitch-switch-dpdk
    openvswitch-switch
    openvswitch-common
    containernetworking-plugins
    iproute2
    libxdp1
    libbpf1
    libnl-3-200
    libnl-route-3-200
    libjson-c5
    libyaml-0-2
    libnftables1
    libunbound8
    libnuma1
)
include=$(IFS=,; echo "${packages[*]}")

work=$(mktemp -d /tmp/seine-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
tarball=${OUT:-$work/rootfs.tar}

# A policy-rc.d keeps the packages' maintainer scripts from starting
# ovsdb-server and ovs-vswitchd in the build chroot; it is removed again
# before the tarball is written.  The copy-in hooks put the binaries in
# place; the last hooks run ldd and the agent inside the image.  The hooks
# are shell text that mmdebstrap runs with the root folder as $1.
# shellcheck disable=SC2016
mmdebstrap \
    --variant="$variant" \
    --include="$include" \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --essential-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"; chmod 755 "$1/usr/sbin/policy-rc.d"' \
    --customize-hook="copy-in $build/agent/seine-agent $build/cni/seine-cni /usr/bin" \
    --customize-hook='! chroot "$1" ldd /usr/bin/seine-agent /usr/bin/seine-cni | grep "not found"' \
    --customize-hook='chroot "$1" /usr/bin/seine-agent --version' \
    --customize-hook='rm -f "$1/usr/sbin/policy-rc.d"; rm -rf "$1/var/lib/apt/lists/"*' \
    bookworm "$tarball" "$mirror"

changes=(
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change 'CMD ["/usr/bin/seine-agent", "--config=/etc/seine/agent.yaml"]'
    --change 'LABEL org.opencontainers.image.title=seine'
)
case $importer in
podman)
    podman import "${changes[@]}" "$tarball" "$tag"
    ;;
buildah)
    ctr=$(buildah from scratch)
    mnt=$(buildah mount "$ctr")
    tar -C "$mnt" -xf "$tarball"
    buildah umount "$ctr"
    buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --cmd '["/usr/bin/seine-agent", "--config=/etc/seine/agent.yaml"]' \
        --label org.opencontainers.image.title=seine "$ctr"
    buildah commit --rm "$ctr" "$tag"
    ;;
esac
echo "build.sh: $tag built ($importer); to load it on a node without a registry:"
echo "  $importer save $tag | ssh NODE ctr -n k8s.io images import -"
