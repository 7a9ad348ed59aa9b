#!/usr/bin/env bash
# A dual-stack Service on a dual-stack node: one IPv4 and one IPv6 cluster
# IP, an EndpointSlice of each family for the same two backends (which
# serve TCP and UDP on both families, svcprobe.py).  Connections to the
# IPv6 cluster IP reach both backends through the IPv6 select group and
# ct(nat) in the pod zone, replies come back from the cluster IP; a
# backend removed from the IPv6 slice gets no new connection, and the IPv4
# load balancer is untouched by it.  Without a ready IPv6 endpoint an IPv6
# connection gets no answer (IPv6 rejection is not done).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/checks.sh
. "$(dirname "$0")/checks.sh"
# shellcheck source=SCRIPTDIR/services.sh
. "$(dirname "$0")/services.sh"
seine_test_begin services-ipv6
seine_require_cmd python3 jq
[ -x "$SEINE_BUILD_DIR/seinectl/seinectl" ] || seine_skip "seinectl not built"
seine_node_start --cidr6 fd00:10:244:1::/64
svc_backends b1 b2 -- client
for p in b1 b2 client; do
    addr6[$p]=$(seine_pod_ip6 "$p")
    [ -n "${addr6[$p]}" ] || seine_fail "$p has no IPv6 address"
done

VIP=10.96.0.10
VIP6=fd00:10:96::10

ck_manifest svc-web.yaml "apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: $VIP
  clusterIPs: [$VIP, $VIP6]
  ipFamilies: [IPv4, IPv6]
  ipFamilyPolicy: RequireDualStack
  selector: {app: web}
  ports:
  - {name: http, protocol: TCP, port: 80, targetPort: http}
  - {name: dns, protocol: UDP, port: 53, targetPort: 5353}"
slice web-4 web b1 b2
slice6 web-6 web b1 b2
seine_wait_until 5 sh -c "[ \"\$(ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP6 80 1)\" != timeout ]" || true

got=$(answers client tcp "$VIP6" 80 40)
spread "IPv6 ClusterIP TCP, 40 connections" "$got" b1 b2
got=$(answers client udp "$VIP6" 53 40)
spread "IPv6 ClusterIP UDP, 40 datagrams" "$got" b1 b2
got=$(answers client tcp "$VIP" 80 40)
spread "IPv4 ClusterIP of the same Service" "$got" b1 b2
ck_eq "the IPv6 frontends are in ServiceLB (tcp6, udp6)" \
    "$(seine_ofctl dump-flows table=30 | grep -c "ipv6_dst=$VIP6")" 2
ck_eq "a select group per port and family" \
    "$(seine_ofctl dump-groups | grep -c 'type=select')" 4
ck_eq "the IPv6 DNAT translates to [b1]:8080" \
    "$(seine_ofctl dump-flows table=31 | grep -c "nat(dst=\[${addr6[b1]}\]:8080)")" 1
services_json=$(SEINE_AGENT_CTL=$(seine_node_dir)/seine-agent.ctl \
    "$SEINE_BUILD_DIR/seinectl/seinectl" get services -o json)
ck_eq "seinectl lists the IPv6 load balancer with its endpoints" \
    "$(jq -r '[.items[] | select(.ipv6 and .protocol == "tcp")
              | .endpoints[].ip] | sort | join(" ")' <<<"$services_json")" \
    "$(printf '%s\n' "${addr6[b1]}" "${addr6[b2]}" | sort | paste -sd' ')"
# The connections were translated in conntrack's pod zone.
ck_ge "conntrack holds translated IPv6 connections to the cluster IP" \
    "$(seine_appctl dpctl/dump-conntrack zone=65001 | grep -c "dst=$VIP6" || true)" 1

# b2 leaves the IPv6 slice: new IPv6 connections go to b1 alone, IPv4
# still to both.
slice6 web-6 web b1
seine_wait_until 5 sh -c "! ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP6 80 6 | grep -qx b2" || true
got=$(answers client tcp "$VIP6" 80 40)
spread "b2 out of the IPv6 slice: new IPv6 connections" "$got" b1
got=$(answers client tcp "$VIP" 80 40)
spread "b2 out of the IPv6 slice: IPv4 unchanged" "$got" b1 b2

# No ready IPv6 endpoint: no answer over IPv6 (no RST yet), IPv4 serves.
slice6 web-6 web
seine_wait_until 5 sh -c "ip netns exec $(seine_pod_netns client) \
    python3 $probe tcp $VIP6 80 1 | grep -qx timeout" || true
ck_eq "no IPv6 endpoint: the IPv6 connection gets no answer" \
    "$(answers client tcp "$VIP6" 80 2 | sort -u)" timeout
got=$(answers client tcp "$VIP" 80 40)
spread "no IPv6 endpoint: IPv4 still serves" "$got" b1 b2

slice6 web-6 web b1 b2
ck_recompute
rm -f "$manifests"/svc-*.yaml "$manifests"/slice-*.yaml
seine_wait_until 5 sh -c "[ \"\$(seine_ofctl dump-groups | grep -c type=select)\" == 0 ]" || true
ck_eq "Service removed: no group left" "$(seine_ofctl dump-groups | grep -c 'type=select')" 0
ck_eq "... no IPv6 service flow left" \
    "$(seine_ofctl dump-flows | grep -c "$VIP6\|xxreg2\|reg8=")" 0
ck_done
