#include <config.h>
#include "agent/pods/podif.h"

#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "agent/lib/hostlink.h"
#include "agent/lib/nlroute.h"
#include "agent/pods/netns.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(podif);

/* AF_XDP hands frames to OVS as they are, without completing a partial
 * checksum, so the pod must compute its own.  The kernel then turns TSO
 * off by itself, since it needs checksum offload ("requested on" in
 * ethtool -k), and GSO segments and checksums in software. */
static int
tx_csum_off(const char *ifname)
{
    struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
    struct ifreq ifr;
    int error = 0;

    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, ifname, sizeof ifr.ifr_name);
    ifr.ifr_data = (void *) &ev;

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (ioctl(fd, SIOCETHTOOL, &ifr)) {
        error = -errno;
    }
    close(fd);
    return error;
}

/* Router advertisements and neighbour discovery from a link-local address
 * would only be noise for the switch behind the host side. */
static void
disable_ipv6(const char *ifname)
{
    hostlink_set_ipv6(ifname, false);
}

/* A dual-stack pod's IPv6 address and default route; IPv6 on its link is
 * enabled first, as the link may come from a namespace that disables it. */
static int
configure_pod_ipv6(struct nl_sock *sk, const struct podif_spec *spec,
                   int ifindex)
{
    hostlink_set_ipv6(spec->ifname, true);
    int error = nlroute_addr_add6(sk, ifindex, &spec->ip6, spec->prefix_len6);
    if (!error && !ipv6_addr_equals(&spec->gateway6, &in6addr_any)) {
        error = nlroute_route_add6(sk, ifindex, &in6addr_any, 0,
                                   &spec->gateway6);
    }
    return error;
}

/* Inside the pod's namespace: gives link 'cur_name' its final name, MAC,
 * MTU, address and default route, and brings it and 'lo' up. */
static int
configure_pod_side(const struct podif_spec *spec, const char *cur_name)
{
    struct rtnl_link *changes = rtnl_link_alloc();
    struct nl_addr *mac = nl_addr_build(AF_LLC, spec->mac.b,
                                        sizeof spec->mac.b);
    struct rtnl_link *link = NULL;
    struct nl_sock *sk = NULL;
    int error = -ENOMEM;

    if (!changes || !mac) {
        goto out;
    }
    error = nlroute_open(&sk);
    if (error) {
        goto out;
    }
    if (strcmp(cur_name, spec->ifname)) {
        rtnl_link_set_name(changes, spec->ifname);
    }
    rtnl_link_set_addr(changes, mac);
    if (spec->mtu > 0) {
        rtnl_link_set_mtu(changes, spec->mtu);
    }
    /* The kernel renames and sets the MAC before it applies the flags, as
     * both need the link down. */
    rtnl_link_set_flags(changes, IFF_UP);
    error = nlroute_link_change(sk, cur_name, changes);
    if (!error) {
        error = nlroute_link_set_up(sk, "lo", 0);
    }
    if (!error) {
        error = tx_csum_off(spec->ifname);
    }
    if (!error) {
        error = nlroute_link_get(sk, spec->ifname, &link);
    }
    if (!error) {
        error = nlroute_addr_add(sk, rtnl_link_get_ifindex(link), spec->ip,
                                 spec->prefix_len);
    }
    if (!error && spec->gateway.s_addr) {
        struct in_addr any = { .s_addr = INADDR_ANY };
        error = nlroute_route_add(sk, rtnl_link_get_ifindex(link), any, 0,
                                  &spec->gateway);
    }
    if (!error && spec->has_ip6) {
        error = configure_pod_ipv6(sk, spec, rtnl_link_get_ifindex(link));
    }
out:
    rtnl_link_put(link);
    nl_socket_free(sk);
    nl_addr_put(mac);
    rtnl_link_put(changes);
    return error;
}

static int
configure_in_netns(const struct podif_spec *spec, const char *cur_name)
{
    struct netns_saved saved;
    int error = netns_enter(spec->netns_path, &saved);

    if (!error) {
        error = configure_pod_side(spec, cur_name);
        netns_return(&saved);
    }
    return error;
}

static int
spec_validate(const struct podif_spec *spec)
{
    return (spec->netns_path && nlroute_ifname_valid(spec->ifname)
            && spec->prefix_len >= 1 && spec->prefix_len <= 32
            && (!spec->has_ip6
                || (spec->prefix_len6 >= 1 && spec->prefix_len6 <= 128))
            && spec->mtu >= 0 ? 0 : -EINVAL);
}

/* The peer needs a name that collides neither with the pod's interfaces
 * nor with a concurrent creation; it lives only until the rename. */
static int
temp_name(char name[IFNAMSIZ])
{
    uint32_t r;

    if (getrandom(&r, sizeof r, 0) != sizeof r) {
        return -errno;
    }
    snprintf(name, IFNAMSIZ, "seine%08"PRIx32, r);
    return 0;
}

/* Creates the pair with the peer already inside the pod's namespace
 * (IFLA_NET_NS_FD on the peer), so it never appears in the agent's. */
static int
veth_add(struct nl_sock *sk, const struct podif_spec *spec,
         const char *peer_name, int nsfd)
{
    struct rtnl_link *link = rtnl_link_veth_alloc();
    if (!link) {
        return -ENOMEM;
    }
    struct rtnl_link *peer = rtnl_link_veth_get_peer(link);

    rtnl_link_set_name(link, spec->host_ifname);
    rtnl_link_set_name(peer, peer_name);
    rtnl_link_set_ns_fd(peer, nsfd);
    if (spec->mtu > 0) {
        rtnl_link_set_mtu(link, spec->mtu);
    }
    int error = nlroute_errno(rtnl_link_add(sk, link,
                                            NLM_F_CREATE | NLM_F_EXCL));
    rtnl_link_put(peer);
    rtnl_link_veth_release(link);
    return error;
}

int
podif_create_veth(const struct podif_spec *spec)
{
    char peer_name[IFNAMSIZ];
    struct nl_sock *sk;
    int error;

    if (spec_validate(spec) || !nlroute_ifname_valid(spec->host_ifname)) {
        return -EINVAL;
    }
    error = temp_name(peer_name);
    if (error) {
        return error;
    }
    int nsfd = netns_open(spec->netns_path);
    if (nsfd < 0) {
        return nsfd;
    }
    error = nlroute_open(&sk);
    if (error) {
        goto out_ns;
    }
    error = veth_add(sk, spec, peer_name, nsfd);
    if (error) {
        goto out_sk;
    }
    disable_ipv6(spec->host_ifname);
    error = configure_in_netns(spec, peer_name);
    if (!error) {
        error = nlroute_link_set_up(sk, spec->host_ifname, spec->mtu);
    }
    if (error) {
        nlroute_link_delete(sk, spec->host_ifname);
    }
out_sk:
    nl_socket_free(sk);
out_ns:
    close(nsfd);
    return error;
}

int
podif_setup_moved(const struct podif_spec *spec, const char *moved_name)
{
    if (spec_validate(spec) || !nlroute_ifname_valid(moved_name)) {
        return -EINVAL;
    }
    return configure_in_netns(spec, moved_name);
}

int
podif_move_to_netns(const char *name, const char *netns_path)
{
    struct rtnl_link *changes;
    struct nl_sock *sk;
    int error;

    int nsfd = netns_open(netns_path);
    if (nsfd < 0) {
        return nsfd;
    }
    error = nlroute_open(&sk);
    if (error) {
        goto out_ns;
    }
    changes = rtnl_link_alloc();
    if (!changes) {
        error = -ENOMEM;
        goto out_sk;
    }
    rtnl_link_set_ns_fd(changes, nsfd);
    error = nlroute_link_change(sk, name, changes);
    rtnl_link_put(changes);
out_sk:
    nl_socket_free(sk);
out_ns:
    close(nsfd);
    return error;
}

/* In the current namespace: netlink sockets belong to the namespace they
 * were opened in. */
static int
link_delete_here(const char *name)
{
    struct nl_sock *sk;
    int error = nlroute_open(&sk);

    if (!error) {
        error = nlroute_link_delete(sk, name);
        nl_socket_free(sk);
    }
    return error;
}

int
podif_delete_host(const char *host_ifname)
{
    return link_delete_here(host_ifname);
}

int
podif_delete_in_netns(const char *netns_path, const char *ifname)
{
    struct netns_saved saved;
    int error = netns_enter(netns_path, &saved);

    /* EINVAL: the path is there but no longer a namespace (unmounted). */
    if (error == -ENOENT || error == -EINVAL) {
        return 0;
    } else if (error) {
        return error;
    }
    error = link_delete_here(ifname);
    netns_return(&saved);
    return error;
}

static int
check_link(struct rtnl_link *link, const struct podif_spec *spec,
           char **whyp)
{
    uint8_t mac[6];

    if (!(rtnl_link_get_flags(link) & IFF_UP)) {
        *whyp = xasprintf("%s is down", spec->ifname);
        return -ENETDOWN;
    }
    if (spec->mtu > 0 && rtnl_link_get_mtu(link) != spec->mtu) {
        *whyp = xasprintf("%s has MTU %u instead of %d", spec->ifname,
                          rtnl_link_get_mtu(link), spec->mtu);
        return -EINVAL;
    }
    if (nlroute_link_mac(link, mac) || memcmp(mac, spec->mac.b, sizeof mac)) {
        *whyp = xasprintf("%s does not have MAC "ETH_ADDR_FMT,
                          spec->ifname, ETH_ADDR_BYTES_ARGS(spec->mac.b));
        return -EINVAL;
    }
    return 0;
}

/* 'ip/prefix_len' (as libnl has it, either family) is on the pod's link;
 * 'text' says it. */
static int
check_addr(struct nl_sock *sk, int ifindex, const struct podif_spec *spec,
           struct nl_addr *ip, char **whyp)
{
    char text[INET6_ADDRSTRLEN + 4];
    int found = ip ? nlroute_addr_has(sk, ifindex, ip) : -ENOMEM;

    if (found < 0) {
        *whyp = xasprintf("cannot list addresses: %s", ovs_strerror(-found));
        return found;
    }
    if (!found) {
        *whyp = xasprintf("%s does not have address %s", spec->ifname,
                          nl_addr2str(ip, text, sizeof text));
        return -EADDRNOTAVAIL;
    }
    return 0;
}

static bool
route_is_default_via(struct rtnl_route *route, int ifindex,
                     const struct nl_addr *gateway)
{
    struct nl_addr *dst = rtnl_route_get_dst(route);

    if (rtnl_route_get_table(route) != RT_TABLE_MAIN
        || (dst && nl_addr_get_prefixlen(dst) != 0)) {
        return false;
    }
    for (int i = 0; i < rtnl_route_get_nnexthops(route); i++) {
        struct rtnl_nexthop *nh = rtnl_route_nexthop_n(route, i);

        if (rtnl_route_nh_get_ifindex(nh) == ifindex
            && nlroute_addr_same(rtnl_route_nh_get_gateway(nh), gateway)) {
            return true;
        }
    }
    return false;
}

/* A default route of 'gateway''s family via 'gateway' on the pod's link. */
static int
check_route(struct nl_sock *sk, int ifindex, const struct podif_spec *spec,
            struct nl_addr *gateway, char **whyp)
{
    char text[INET6_ADDRSTRLEN + 4];
    struct nl_cache *cache;
    bool found = false;
    int error = (!gateway ? -ENOMEM
                 : nlroute_errno(rtnl_route_alloc_cache(
                                     sk, nl_addr_get_family(gateway), 0,
                                     &cache)));

    if (error) {
        *whyp = xasprintf("cannot list routes: %s", ovs_strerror(-error));
        return error;
    }
    for (struct nl_object *obj = nl_cache_get_first(cache); obj && !found;
         obj = nl_cache_get_next(obj)) {
        found = route_is_default_via((struct rtnl_route *) obj, ifindex,
                                     gateway);
    }
    nl_cache_free(cache);
    if (!found) {
        nl_addr_set_prefixlen(gateway, nl_addr_get_len(gateway) * 8);
        *whyp = xasprintf("no default route via %s dev %s",
                          nl_addr2str(gateway, text, sizeof text),
                          spec->ifname);
        return -ENETUNREACH;
    }
    return 0;
}

/* The address and default route of one family: 'ip' and 'gateway' (NULL:
 * no default route) are taken. */
static int
check_family(struct nl_sock *sk, int ifindex, const struct podif_spec *spec,
             struct nl_addr *ip, struct nl_addr *gateway, char **whyp)
{
    int error = check_addr(sk, ifindex, spec, ip, whyp);

    if (!error && gateway) {
        error = check_route(sk, ifindex, spec, gateway, whyp);
    }
    if (ip) {
        nl_addr_put(ip);
    }
    if (gateway) {
        nl_addr_put(gateway);
    }
    return error;
}

static int
check_addrs(struct nl_sock *sk, int ifindex, const struct podif_spec *spec,
            char **whyp)
{
    int error = check_family(
        sk, ifindex, spec, nlroute_inet_addr(spec->ip, spec->prefix_len),
        spec->gateway.s_addr ? nlroute_inet_addr(spec->gateway, 32) : NULL,
        whyp);

    if (!error && spec->has_ip6) {
        bool route6 = !ipv6_addr_equals(&spec->gateway6, &in6addr_any);
        error = check_family(
            sk, ifindex, spec, nlroute_inet6_addr(&spec->ip6,
                                                  spec->prefix_len6),
            route6 ? nlroute_inet6_addr(&spec->gateway6, 128) : NULL, whyp);
    }
    return error;
}

/* Inside the pod's namespace. */
static int
check_pod_side(const struct podif_spec *spec, char **whyp)
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error = nlroute_open(&sk);

    if (error) {
        *whyp = xasprintf("netlink: %s", ovs_strerror(-error));
        return error;
    }
    error = nlroute_link_get(sk, spec->ifname, &link);
    if (error) {
        *whyp = (error == -ENODEV
                 ? xasprintf("no interface %s in %s", spec->ifname,
                             spec->netns_path)
                 : xasprintf("interface %s: %s", spec->ifname,
                             ovs_strerror(-error)));
        goto out;
    }
    int ifindex = rtnl_link_get_ifindex(link);
    error = check_link(link, spec, whyp);
    if (!error) {
        error = check_addrs(sk, ifindex, spec, whyp);
    }
    rtnl_link_put(link);
out:
    nl_socket_free(sk);
    return error;
}

int
podif_check(const struct podif_spec *spec, char **whyp)
{
    struct netns_saved saved;
    int error;

    *whyp = NULL;
    if (spec_validate(spec)) {
        *whyp = xstrdup("invalid interface specification");
        return -EINVAL;
    }
    error = netns_enter(spec->netns_path, &saved);
    if (error) {
        *whyp = xasprintf("network namespace %s: %s", spec->netns_path,
                          ovs_strerror(-error));
        return error;
    }
    error = check_pod_side(spec, whyp);
    netns_return(&saved);
    return error;
}

