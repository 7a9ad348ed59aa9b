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

#include "agent/pods/netns.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(podif);

/* libnl folds errno values into its own codes; this undoes that so that
 * callers see the kernel's answer (-EEXIST, -ENODEV...). */
static int
nl_errno(int nlerr)
{
    static const struct {
        int nle;
        int err;
    } map[] = {
        { NLE_INTR, EINTR },         { NLE_BAD_SOCK, EBADF },
        { NLE_AGAIN, EAGAIN },       { NLE_NOMEM, ENOMEM },
        { NLE_EXIST, EEXIST },       { NLE_INVAL, EINVAL },
        { NLE_RANGE, ERANGE },       { NLE_MSGSIZE, EMSGSIZE },
        { NLE_OPNOTSUPP, EOPNOTSUPP },
        { NLE_AF_NOSUPPORT, EAFNOSUPPORT },
        { NLE_OBJ_NOTFOUND, ENOENT },
        { NLE_NOADDR, EADDRNOTAVAIL },
        { NLE_BUSY, EBUSY },         { NLE_NOACCESS, EACCES },
        { NLE_PERM, EPERM },         { NLE_NODEV, ENODEV },
    };

    if (nlerr >= 0) {
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (map[i].nle == -nlerr) {
            return -map[i].err;
        }
    }
    return -EIO;
}

static int
nl_open(struct nl_sock **skp)
{
    struct nl_sock *sk = nl_socket_alloc();
    if (!sk) {
        return -ENOMEM;
    }
    int error = nl_errno(nl_connect(sk, NETLINK_ROUTE));
    if (error) {
        nl_socket_free(sk);
        return error;
    }
    *skp = sk;
    return 0;
}

static int
link_get(struct nl_sock *sk, const char *name, struct rtnl_link **linkp)
{
    return nl_errno(rtnl_link_get_kernel(sk, 0, name, linkp));
}

/* Applies the attributes set in 'changes' to link 'name'. */
static int
link_change(struct nl_sock *sk, const char *name, struct rtnl_link *changes)
{
    struct rtnl_link *link;
    int error = link_get(sk, name, &link);

    if (!error) {
        error = nl_errno(rtnl_link_change(sk, link, changes, 0));
        rtnl_link_put(link);
    }
    return error;
}

/* Brings link 'name' up, with 'mtu' unless it is 0. */
static int
link_set_up(struct nl_sock *sk, const char *name, int mtu)
{
    struct rtnl_link *changes = rtnl_link_alloc();
    if (!changes) {
        return -ENOMEM;
    }
    if (mtu > 0) {
        rtnl_link_set_mtu(changes, mtu);
    }
    rtnl_link_set_flags(changes, IFF_UP);
    int error = link_change(sk, name, changes);
    rtnl_link_put(changes);
    return error;
}

/* 0 also when the link is gone already. */
static int
link_delete(struct nl_sock *sk, const char *name)
{
    struct rtnl_link *link = rtnl_link_alloc();
    if (!link) {
        return -ENOMEM;
    }
    rtnl_link_set_name(link, name);
    int error = nl_errno(rtnl_link_delete(sk, link));
    rtnl_link_put(link);
    return error == -ENODEV || error == -ENOENT ? 0 : error;
}

static int
link_mac(struct rtnl_link *link, uint8_t mac[6])
{
    struct nl_addr *addr = rtnl_link_get_addr(link);

    if (!addr || nl_addr_get_len(addr) != 6) {
        return -EADDRNOTAVAIL;
    }
    memcpy(mac, nl_addr_get_binary_addr(addr), 6);
    return 0;
}

static struct nl_addr *
inet_nl_addr(struct in_addr ip, int prefix_len)
{
    struct nl_addr *addr = nl_addr_build(AF_INET, &ip, sizeof ip);
    if (addr) {
        nl_addr_set_prefixlen(addr, prefix_len);
    }
    return addr;
}

static bool
nl_addr_is(struct nl_addr *addr, struct in_addr ip)
{
    return (addr && nl_addr_get_family(addr) == AF_INET
            && nl_addr_get_len(addr) == sizeof ip
            && !memcmp(nl_addr_get_binary_addr(addr), &ip, sizeof ip));
}

static int
addr_add(struct nl_sock *sk, int ifindex, struct in_addr ip, int prefix_len)
{
    struct rtnl_addr *addr = rtnl_addr_alloc();
    struct nl_addr *local = inet_nl_addr(ip, prefix_len);
    int error = -ENOMEM;

    if (!addr || !local) {
        goto out;
    }
    rtnl_addr_set_ifindex(addr, ifindex);
    error = nl_errno(rtnl_addr_set_local(addr, local));
    if (!error) {
        rtnl_addr_set_prefixlen(addr, prefix_len);
        error = nl_errno(rtnl_addr_add(sk, addr, NLM_F_REPLACE));
    }
out:
    nl_addr_put(local);
    rtnl_addr_put(addr);
    return error;
}

static bool
addr_is(struct rtnl_addr *addr, int ifindex, struct in_addr ip,
        int prefix_len)
{
    return (rtnl_addr_get_ifindex(addr) == ifindex
            && rtnl_addr_get_prefixlen(addr) == prefix_len
            && nl_addr_is(rtnl_addr_get_local(addr), ip));
}

/* Leaves 'ip/prefix_len' as the only IPv4 address of 'ifindex'. */
static int
addr_replace_all(struct nl_sock *sk, int ifindex, const struct in_addr *ip,
                 int prefix_len)
{
    struct nl_cache *cache;
    bool present = false;
    int error = nl_errno(rtnl_addr_alloc_cache(sk, &cache));

    if (error) {
        return error;
    }
    for (struct nl_object *obj = nl_cache_get_first(cache); obj && !error;
         obj = nl_cache_get_next(obj)) {
        struct rtnl_addr *addr = (struct rtnl_addr *) obj;

        if (rtnl_addr_get_ifindex(addr) != ifindex
            || rtnl_addr_get_family(addr) != AF_INET) {
            continue;
        }
        if (ip && addr_is(addr, ifindex, *ip, prefix_len)) {
            present = true;
            continue;
        }
        /* Removing a primary address takes its secondaries with it. */
        error = nl_errno(rtnl_addr_delete(sk, addr, 0));
        error = error == -EADDRNOTAVAIL ? 0 : error;
    }
    nl_cache_free(cache);
    if (!error && ip && !present) {
        error = addr_add(sk, ifindex, *ip, prefix_len);
    }
    return error;
}

/* The first IPv4 address of 'ifindex', or -ENOENT. */
static int
addr_first(struct nl_sock *sk, int ifindex, struct in_addr *ip,
           int *prefix_len)
{
    struct nl_cache *cache;
    int error = nl_errno(rtnl_addr_alloc_cache(sk, &cache));

    if (error) {
        return error;
    }
    error = -ENOENT;
    for (struct nl_object *obj = nl_cache_get_first(cache); obj && error;
         obj = nl_cache_get_next(obj)) {
        struct rtnl_addr *addr = (struct rtnl_addr *) obj;
        struct nl_addr *local = rtnl_addr_get_local(addr);

        if (rtnl_addr_get_ifindex(addr) == ifindex
            && rtnl_addr_get_family(addr) == AF_INET && local
            && nl_addr_get_len(local) == sizeof *ip) {
            memcpy(ip, nl_addr_get_binary_addr(local), sizeof *ip);
            *prefix_len = rtnl_addr_get_prefixlen(addr);
            error = 0;
        }
    }
    nl_cache_free(cache);
    return error;
}

/* Adds (or replaces) the route to 'ip/prefix_len' through 'ifindex', via
 * 'gateway' if not NULL, else directly on the link. */
static int
route_add(struct nl_sock *sk, int ifindex, struct in_addr ip, int prefix_len,
          const struct in_addr *gateway)
{
    struct rtnl_route *route = rtnl_route_alloc();
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    struct nl_addr *dst = inet_nl_addr(ip, prefix_len);
    struct nl_addr *via = gateway ? inet_nl_addr(*gateway, 32) : NULL;
    int error = -ENOMEM;

    if (!route || !nh || !dst || (gateway && !via)) {
        if (nh) {
            rtnl_route_nh_free(nh);
        }
        goto out;
    }
    rtnl_route_set_family(route, AF_INET);
    rtnl_route_set_table(route, RT_TABLE_MAIN);
    rtnl_route_set_protocol(route, RTPROT_BOOT);
    rtnl_route_set_scope(route, gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    rtnl_route_set_type(route, RTN_UNICAST);
    error = nl_errno(rtnl_route_set_dst(route, dst));
    rtnl_route_nh_set_ifindex(nh, ifindex);
    if (via) {
        rtnl_route_nh_set_gateway(nh, via);
    }
    rtnl_route_add_nexthop(route, nh);
    if (!error) {
        error = nl_errno(rtnl_route_add(sk, route, NLM_F_REPLACE));
    }
out:
    if (via) {
        nl_addr_put(via);
    }
    nl_addr_put(dst);
    rtnl_route_put(route);
    return error;
}

/* Adds (or replaces) a permanent neighbour entry 'ip' -> 'mac' on
 * 'ifindex'. */
static int
neigh_add(struct nl_sock *sk, int ifindex, struct in_addr ip,
          const uint8_t mac[6])
{
    struct rtnl_neigh *neigh = rtnl_neigh_alloc();
    struct nl_addr *dst = inet_nl_addr(ip, 32);
    struct nl_addr *ll = nl_addr_build(AF_LLC, mac, 6);
    int error = -ENOMEM;

    if (neigh && dst && ll) {
        rtnl_neigh_set_ifindex(neigh, ifindex);
        rtnl_neigh_set_family(neigh, AF_INET);
        rtnl_neigh_set_state(neigh, NUD_PERMANENT);
        error = nl_errno(rtnl_neigh_set_dst(neigh, dst));
        rtnl_neigh_set_lladdr(neigh, ll);
        if (!error) {
            error = nl_errno(rtnl_neigh_add(sk, neigh,
                                            NLM_F_CREATE | NLM_F_REPLACE));
        }
    }
    if (ll) {
        nl_addr_put(ll);
    }
    if (dst) {
        nl_addr_put(dst);
    }
    if (neigh) {
        rtnl_neigh_put(neigh);
    }
    return error;
}

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
    char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0) {
        if (errno != ENOENT) {
            VLOG_WARN("%s: %s", path, ovs_strerror(errno));
        }
    } else {
        if (write(fd, "1", 1) != 1) {
            VLOG_WARN("%s: %s", path, ovs_strerror(errno));
        }
        close(fd);
    }
    free(path);
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
    error = nl_open(&sk);
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
    error = link_change(sk, cur_name, changes);
    if (!error) {
        error = link_set_up(sk, "lo", 0);
    }
    if (!error) {
        error = tx_csum_off(spec->ifname);
    }
    if (!error) {
        error = link_get(sk, spec->ifname, &link);
    }
    if (!error) {
        error = addr_add(sk, rtnl_link_get_ifindex(link), spec->ip,
                         spec->prefix_len);
    }
    if (!error && spec->gateway.s_addr) {
        struct in_addr any = { .s_addr = INADDR_ANY };
        error = route_add(sk, rtnl_link_get_ifindex(link), any, 0,
                          &spec->gateway);
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

static bool
ifname_valid(const char *name)
{
    return name && name[0] && strlen(name) < IFNAMSIZ;
}

static int
spec_validate(const struct podif_spec *spec)
{
    return (spec->netns_path && ifname_valid(spec->ifname)
            && spec->prefix_len >= 1 && spec->prefix_len <= 32
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
    int error = nl_errno(rtnl_link_add(sk, link,
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

    if (spec_validate(spec) || !ifname_valid(spec->host_ifname)) {
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
    error = nl_open(&sk);
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
        error = link_set_up(sk, spec->host_ifname, spec->mtu);
    }
    if (error) {
        link_delete(sk, spec->host_ifname);
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
    if (spec_validate(spec) || !ifname_valid(moved_name)) {
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
    error = nl_open(&sk);
    if (error) {
        goto out_ns;
    }
    changes = rtnl_link_alloc();
    if (!changes) {
        error = -ENOMEM;
        goto out_sk;
    }
    rtnl_link_set_ns_fd(changes, nsfd);
    error = link_change(sk, name, changes);
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
    int error = nl_open(&sk);

    if (!error) {
        error = link_delete(sk, name);
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
    if (link_mac(link, mac) || memcmp(mac, spec->mac.b, sizeof mac)) {
        *whyp = xasprintf("%s does not have MAC "ETH_ADDR_FMT,
                          spec->ifname, ETH_ADDR_BYTES_ARGS(spec->mac.b));
        return -EINVAL;
    }
    return 0;
}

static int
check_addr(struct nl_sock *sk, int ifindex, const struct podif_spec *spec,
           char **whyp)
{
    struct nl_cache *cache;
    bool found = false;
    int error = nl_errno(rtnl_addr_alloc_cache(sk, &cache));

    if (error) {
        *whyp = xasprintf("cannot list addresses: %s", ovs_strerror(-error));
        return error;
    }
    for (struct nl_object *obj = nl_cache_get_first(cache); obj && !found;
         obj = nl_cache_get_next(obj)) {
        found = addr_is((struct rtnl_addr *) obj, ifindex, spec->ip,
                        spec->prefix_len);
    }
    nl_cache_free(cache);
    if (!found) {
        *whyp = xasprintf("%s does not have address "IP_FMT"/%d",
                          spec->ifname, IP_ARGS(spec->ip.s_addr),
                          spec->prefix_len);
        return -EADDRNOTAVAIL;
    }
    return 0;
}

static bool
route_is_default_via(struct rtnl_route *route, int ifindex,
                     struct in_addr gateway)
{
    struct nl_addr *dst = rtnl_route_get_dst(route);

    if (rtnl_route_get_table(route) != RT_TABLE_MAIN
        || (dst && nl_addr_get_prefixlen(dst) != 0)) {
        return false;
    }
    for (int i = 0; i < rtnl_route_get_nnexthops(route); i++) {
        struct rtnl_nexthop *nh = rtnl_route_nexthop_n(route, i);

        if (rtnl_route_nh_get_ifindex(nh) == ifindex
            && nl_addr_is(rtnl_route_nh_get_gateway(nh), gateway)) {
            return true;
        }
    }
    return false;
}

static int
check_route(struct nl_sock *sk, int ifindex, const struct podif_spec *spec,
            char **whyp)
{
    struct nl_cache *cache;
    bool found = false;
    int error = nl_errno(rtnl_route_alloc_cache(sk, AF_INET, 0, &cache));

    if (error) {
        *whyp = xasprintf("cannot list routes: %s", ovs_strerror(-error));
        return error;
    }
    for (struct nl_object *obj = nl_cache_get_first(cache); obj && !found;
         obj = nl_cache_get_next(obj)) {
        found = route_is_default_via((struct rtnl_route *) obj, ifindex,
                                     spec->gateway);
    }
    nl_cache_free(cache);
    if (!found) {
        *whyp = xasprintf("no default route via "IP_FMT" dev %s",
                          IP_ARGS(spec->gateway.s_addr), spec->ifname);
        return -ENETUNREACH;
    }
    return 0;
}

/* Inside the pod's namespace. */
static int
check_pod_side(const struct podif_spec *spec, char **whyp)
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error = nl_open(&sk);

    if (error) {
        *whyp = xasprintf("netlink: %s", ovs_strerror(-error));
        return error;
    }
    error = link_get(sk, spec->ifname, &link);
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
        error = check_addr(sk, ifindex, spec, whyp);
    }
    if (!error && spec->gateway.s_addr) {
        error = check_route(sk, ifindex, spec, whyp);
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

int
podif_host_link_up(const char *name)
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error = nl_open(&sk);

    if (!error) {
        error = link_get(sk, name, &link);
        nl_socket_free(sk);
    }
    if (!error) {
        error = rtnl_link_get_flags(link) & IFF_UP ? 0 : -ENETDOWN;
        rtnl_link_put(link);
    }
    return error;
}

bool
podif_host_link_exists(const char *name)
{
    return ifname_valid(name) && if_nametoindex(name) != 0;
}

int
podif_set_host_addr(const char *name, struct in_addr ip, int prefix_len,
                    int mtu, uint8_t mac[6])
{
    struct rtnl_link *link = NULL;
    struct nl_sock *sk;
    int error;

    if (!ifname_valid(name) || prefix_len < 1 || prefix_len > 32
        || mtu < 0) {
        return -EINVAL;
    }
    error = nl_open(&sk);
    if (error) {
        return error;
    }
    error = link_get(sk, name, &link);
    if (!error) {
        error = addr_replace_all(sk, rtnl_link_get_ifindex(link), &ip,
                                 prefix_len);
    }
    if (!error) {
        error = link_set_up(sk, name, mtu);
    }
    if (!error && mac) {
        error = link_mac(link, mac);
    }
    rtnl_link_put(link);
    nl_socket_free(sk);
    return error;
}

int
podif_set_host_neighbor(const char *name, struct in_addr ip,
                        const uint8_t mac[6])
{
    struct rtnl_link *link = NULL;
    struct nl_sock *sk;
    int error;

    if (!ifname_valid(name)) {
        return -EINVAL;
    }
    error = nl_open(&sk);
    if (error) {
        return error;
    }
    error = link_get(sk, name, &link);
    if (!error) {
        error = route_add(sk, rtnl_link_get_ifindex(link), ip, 32, NULL);
    }
    if (!error) {
        error = neigh_add(sk, rtnl_link_get_ifindex(link), ip, mac);
    }
    rtnl_link_put(link);
    nl_socket_free(sk);
    return error;
}

int
podif_move_host_addr(const char *from, const char *to, struct in_addr *ip,
                     int *prefix_len, int *mtu)
{
    struct rtnl_link *src = NULL, *dst = NULL;
    struct nl_sock *sk;
    int error;

    if (!ifname_valid(from) || !ifname_valid(to)) {
        return -EINVAL;
    }
    error = nl_open(&sk);
    if (error) {
        return error;
    }
    error = link_get(sk, from, &src);
    if (!error) {
        error = link_get(sk, to, &dst);
    }
    if (!error) {
        *mtu = rtnl_link_get_mtu(src);
        error = addr_first(sk, rtnl_link_get_ifindex(src), ip, prefix_len);
        if (!error) {
            error = addr_replace_all(sk, rtnl_link_get_ifindex(src), NULL, 0);
        } else if (error == -ENOENT) {
            error = addr_first(sk, rtnl_link_get_ifindex(dst), ip,
                               prefix_len);
        }
    }
    if (!error) {
        error = link_set_up(sk, from, 0);
    }
    if (!error) {
        error = addr_replace_all(sk, rtnl_link_get_ifindex(dst), ip,
                                 *prefix_len);
    }
    if (!error) {
        error = link_set_up(sk, to, *mtu);
    }
    rtnl_link_put(src);
    rtnl_link_put(dst);
    nl_socket_free(sk);
    return error;
}

/* Deletes the route to 'ip/prefix_len' in the main table (gone already is
 * fine). */
static int
route_del(struct nl_sock *sk, struct in_addr ip, int prefix_len)
{
    struct rtnl_route *route = rtnl_route_alloc();
    struct nl_addr *dst = inet_nl_addr(ip, prefix_len);
    int error = -ENOMEM;

    if (route && dst) {
        /* As route_add() made it: libnl's defaults (protocol static) would
         * match nothing, and "no such route" would hide it. */
        rtnl_route_set_family(route, AF_INET);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_protocol(route, RTPROT_BOOT);
        rtnl_route_set_scope(route, RT_SCOPE_NOWHERE);
        error = nl_errno(rtnl_route_set_dst(route, dst));
        if (!error) {
            error = nl_errno(rtnl_route_delete(sk, route, 0));
            error = error == -ESRCH || error == -ENOENT ? 0 : error;
        }
    }
    if (dst) {
        nl_addr_put(dst);
    }
    rtnl_route_put(route);
    return error;
}

int
podif_set_host_route(const char *dev, struct in_addr ip, int prefix_len,
                     const struct in_addr *via)
{
    struct rtnl_link *link = NULL;
    struct nl_sock *sk;
    int error;

    if ((via && !ifname_valid(dev)) || prefix_len < 0 || prefix_len > 32) {
        return -EINVAL;
    }
    error = nl_open(&sk);
    if (error) {
        return error;
    }
    if (!via) {
        error = route_del(sk, ip, prefix_len);
    } else {
        error = link_get(sk, dev, &link);
        if (!error) {
            error = route_add(sk, rtnl_link_get_ifindex(link), ip,
                              prefix_len, via);
        }
        rtnl_link_put(link);
    }
    nl_socket_free(sk);
    return error;
}

int
podif_get_host_mac(const char *name, uint8_t mac[6])
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error = nl_open(&sk);

    if (error) {
        return error;
    }
    error = link_get(sk, name, &link);
    if (!error) {
        error = link_mac(link, mac);
        rtnl_link_put(link);
    }
    nl_socket_free(sk);
    return error;
}
