#include <config.h>
#include "agent/lib/nlroute.h"

#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "util.h"

/* libnl folds errno values into its own codes; this undoes that so that
 * callers see the kernel's answer (-EEXIST, -ENODEV...). */
int
nlroute_errno(int nlerr)
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

bool
nlroute_ifname_valid(const char *name)
{
    return name && name[0] && strlen(name) < IFNAMSIZ;
}

int
nlroute_open(struct nl_sock **skp)
{
    struct nl_sock *sk = nl_socket_alloc();
    if (!sk) {
        return -ENOMEM;
    }
    int error = nlroute_errno(nl_connect(sk, NETLINK_ROUTE));
    if (error) {
        nl_socket_free(sk);
        return error;
    }
    *skp = sk;
    return 0;
}

int
nlroute_link_get(struct nl_sock *sk, const char *name,
                 struct rtnl_link **linkp)
{
    return nlroute_errno(rtnl_link_get_kernel(sk, 0, name, linkp));
}

/* Applies the attributes set in 'changes' to link 'name'. */
int
nlroute_link_change(struct nl_sock *sk, const char *name,
                    struct rtnl_link *changes)
{
    struct rtnl_link *link;
    int error = nlroute_link_get(sk, name, &link);

    if (!error) {
        error = nlroute_errno(rtnl_link_change(sk, link, changes, 0));
        rtnl_link_put(link);
    }
    return error;
}

/* Brings link 'name' up, with 'mtu' unless it is 0. */
int
nlroute_link_set_up(struct nl_sock *sk, const char *name, int mtu)
{
    struct rtnl_link *changes = rtnl_link_alloc();
    if (!changes) {
        return -ENOMEM;
    }
    if (mtu > 0) {
        rtnl_link_set_mtu(changes, mtu);
    }
    rtnl_link_set_flags(changes, IFF_UP);
    int error = nlroute_link_change(sk, name, changes);
    rtnl_link_put(changes);
    return error;
}

/* 0 also when the link is gone already. */
int
nlroute_link_delete(struct nl_sock *sk, const char *name)
{
    struct rtnl_link *link = rtnl_link_alloc();
    if (!link) {
        return -ENOMEM;
    }
    rtnl_link_set_name(link, name);
    int error = nlroute_errno(rtnl_link_delete(sk, link));
    rtnl_link_put(link);
    return error == -ENODEV || error == -ENOENT ? 0 : error;
}

int
nlroute_link_mac(struct rtnl_link *link, uint8_t mac[6])
{
    struct nl_addr *addr = rtnl_link_get_addr(link);

    if (!addr || nl_addr_get_len(addr) != 6) {
        return -EADDRNOTAVAIL;
    }
    memcpy(mac, nl_addr_get_binary_addr(addr), 6);
    return 0;
}

struct nl_addr *
nlroute_inet_addr(struct in_addr ip, int prefix_len)
{
    struct nl_addr *addr = nl_addr_build(AF_INET, &ip, sizeof ip);
    if (addr) {
        nl_addr_set_prefixlen(addr, prefix_len);
    }
    return addr;
}

bool
nlroute_addr_equals(struct nl_addr *addr, struct in_addr ip)
{
    return (addr && nl_addr_get_family(addr) == AF_INET
            && nl_addr_get_len(addr) == sizeof ip
            && !memcmp(nl_addr_get_binary_addr(addr), &ip, sizeof ip));
}

/* Adds 'local' (its prefix length set) to 'ifindex' with the IFA_F_*
 * 'flags'; takes 'local'. */
static int
addr_add(struct nl_sock *sk, int ifindex, struct nl_addr *local, int flags)
{
    struct rtnl_addr *addr = rtnl_addr_alloc();
    int error = -ENOMEM;

    if (!addr || !local) {
        goto out;
    }
    rtnl_addr_set_ifindex(addr, ifindex);
    error = nlroute_errno(rtnl_addr_set_local(addr, local));
    if (!error) {
        rtnl_addr_set_prefixlen(addr, nl_addr_get_prefixlen(local));
        rtnl_addr_set_flags(addr, flags);
        error = nlroute_errno(rtnl_addr_add(sk, addr, NLM_F_REPLACE));
    }
out:
    if (local) {
        nl_addr_put(local);
    }
    if (addr) {
        rtnl_addr_put(addr);
    }
    return error;
}

int
nlroute_addr_add(struct nl_sock *sk, int ifindex, struct in_addr ip,
                 int prefix_len)
{
    return addr_add(sk, ifindex, nlroute_inet_addr(ip, prefix_len), 0);
}

struct nl_addr *
nlroute_inet6_addr(const struct in6_addr *ip, int prefix_len)
{
    struct nl_addr *addr = nl_addr_build(AF_INET6, ip, sizeof *ip);
    if (addr) {
        nl_addr_set_prefixlen(addr, prefix_len);
    }
    return addr;
}

/* Duplicate address detection would keep the address tentative, unusable,
 * for a second or more after ADD; the allocator already made it unique. */
int
nlroute_addr_add6(struct nl_sock *sk, int ifindex, const struct in6_addr *ip,
                  int prefix_len)
{
    return addr_add(sk, ifindex, nlroute_inet6_addr(ip, prefix_len),
                    IFA_F_NODAD);
}

bool
nlroute_addr_is(struct rtnl_addr *addr, int ifindex, struct in_addr ip,
                int prefix_len)
{
    return (rtnl_addr_get_ifindex(addr) == ifindex
            && rtnl_addr_get_prefixlen(addr) == prefix_len
            && nlroute_addr_equals(rtnl_addr_get_local(addr), ip));
}

/* Calls 'visit' for each address of 'family' on 'ifindex' until it
 * returns nonzero, and returns that; 0 after the last. */
static int
addr_walk(struct nl_sock *sk, int ifindex, int family,
          int (*visit)(struct nl_sock *, struct rtnl_addr *, void *aux),
          void *aux)
{
    struct nl_cache *cache;
    int retval = nlroute_errno(rtnl_addr_alloc_cache(sk, &cache));

    if (retval) {
        return retval;
    }
    for (struct nl_object *obj = nl_cache_get_first(cache); obj && !retval;
         obj = nl_cache_get_next(obj)) {
        struct rtnl_addr *addr = (struct rtnl_addr *) obj;

        if (rtnl_addr_get_ifindex(addr) == ifindex
            && rtnl_addr_get_family(addr) == family) {
            retval = visit(sk, addr, aux);
        }
    }
    nl_cache_free(cache);
    return retval;
}

/* Calls 'visit' for each IPv4 address of 'ifindex' until it returns
 * nonzero, and returns that; 0 after the last.  -errno when the addresses
 * cannot be listed. */
int
nlroute_addr_walk(struct nl_sock *sk, int ifindex,
                  int (*visit)(struct nl_sock *, struct rtnl_addr *,
                               void *aux),
                  void *aux)
{
    return addr_walk(sk, ifindex, AF_INET, visit, aux);
}

bool
nlroute_addr_same(const struct nl_addr *a, const struct nl_addr *b)
{
    return (a && b && nl_addr_get_family(a) == nl_addr_get_family(b)
            && nl_addr_get_len(a) == nl_addr_get_len(b)
            && !memcmp(nl_addr_get_binary_addr(a), nl_addr_get_binary_addr(b),
                       nl_addr_get_len(a)));
}

struct addr_want {
    const struct in_addr *ip;   /* NULL: none */
    int ifindex;
    int prefix_len;
    bool present;
};

/* Keeps the wanted address, deletes every other. */
static int
addr_keep_wanted(struct nl_sock *sk, struct rtnl_addr *addr, void *want_)
{
    struct addr_want *want = want_;

    if (want->ip && nlroute_addr_is(addr, want->ifindex, *want->ip,
                                    want->prefix_len)) {
        want->present = true;
        return 0;
    }
    /* Removing a primary address takes its secondaries with it. */
    int error = nlroute_errno(rtnl_addr_delete(sk, addr, 0));
    return error == -EADDRNOTAVAIL ? 0 : error;
}

/* Leaves 'ip/prefix_len' as the only IPv4 address of 'ifindex'. */
int
nlroute_addr_replace_all(struct nl_sock *sk, int ifindex,
                         const struct in_addr *ip,
                         int prefix_len)
{
    struct addr_want want = { ip, ifindex, prefix_len, false };
    int error = nlroute_addr_walk(sk, ifindex, addr_keep_wanted, &want);

    if (!error && ip && !want.present) {
        error = nlroute_addr_add(sk, ifindex, *ip, prefix_len);
    }
    return error;
}

struct addr_found {
    struct in_addr *ip;
    int *prefix_len;
};

static int
addr_take_first(struct nl_sock *sk OVS_UNUSED, struct rtnl_addr *addr,
                void *found_)
{
    struct addr_found *found = found_;
    struct nl_addr *local = rtnl_addr_get_local(addr);

    if (!local || nl_addr_get_len(local) != sizeof *found->ip) {
        return 0;
    }
    memcpy(found->ip, nl_addr_get_binary_addr(local), sizeof *found->ip);
    *found->prefix_len = rtnl_addr_get_prefixlen(addr);
    return 1;
}

/* The first IPv4 address of 'ifindex', or -ENOENT. */
int
nlroute_addr_first(struct nl_sock *sk, int ifindex, struct in_addr *ip,
                   int *prefix_len)
{
    struct addr_found found = { ip, prefix_len };
    int retval = nlroute_addr_walk(sk, ifindex, addr_take_first, &found);

    return retval < 0 ? retval : retval ? 0 : -ENOENT;
}

/* Adds (or replaces) the route of 'family' to 'dst' through 'ifindex', via
 * 'via' if not NULL; takes 'dst' and 'via'. */
static int
route_add(struct nl_sock *sk, int family, int ifindex, struct nl_addr *dst,
          struct nl_addr *via, bool want_via)
{
    struct rtnl_route *route = rtnl_route_alloc();
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    int error = -ENOMEM;

    if (!route || !nh || !dst || (want_via && !via)) {
        if (nh) {
            rtnl_route_nh_free(nh);
        }
        goto out;
    }
    rtnl_route_set_family(route, family);
    rtnl_route_set_table(route, RT_TABLE_MAIN);
    rtnl_route_set_protocol(route, RTPROT_BOOT);
    rtnl_route_set_scope(route, via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    rtnl_route_set_type(route, RTN_UNICAST);
    error = nlroute_errno(rtnl_route_set_dst(route, dst));
    rtnl_route_nh_set_ifindex(nh, ifindex);
    if (via) {
        rtnl_route_nh_set_gateway(nh, via);
    }
    rtnl_route_add_nexthop(route, nh);
    if (!error) {
        error = nlroute_errno(rtnl_route_add(sk, route, NLM_F_REPLACE));
    }
out:
    if (via) {
        nl_addr_put(via);
    }
    if (dst) {
        nl_addr_put(dst);
    }
    if (route) {
        rtnl_route_put(route);
    }
    return error;
}

int
nlroute_route_add(struct nl_sock *sk, int ifindex, struct in_addr ip,
                  int prefix_len, const struct in_addr *gateway)
{
    return route_add(sk, AF_INET, ifindex, nlroute_inet_addr(ip, prefix_len),
                     gateway ? nlroute_inet_addr(*gateway, 32) : NULL,
                     gateway != NULL);
}

int
nlroute_route_add6(struct nl_sock *sk, int ifindex, const struct in6_addr *ip,
                   int prefix_len, const struct in6_addr *gateway)
{
    return route_add(sk, AF_INET6, ifindex, nlroute_inet6_addr(ip, prefix_len),
                     gateway ? nlroute_inet6_addr(gateway, 128) : NULL,
                     gateway != NULL);
}

/* Adds (or replaces) a permanent neighbour entry 'ip' -> 'mac' on
 * 'ifindex'. */
int
nlroute_neigh_add(struct nl_sock *sk, int ifindex, struct in_addr ip,
                  const uint8_t mac[6])
{
    struct rtnl_neigh *neigh = rtnl_neigh_alloc();
    struct nl_addr *dst = nlroute_inet_addr(ip, 32);
    struct nl_addr *ll = nl_addr_build(AF_LLC, mac, 6);
    int error = -ENOMEM;

    if (neigh && dst && ll) {
        rtnl_neigh_set_ifindex(neigh, ifindex);
        rtnl_neigh_set_family(neigh, AF_INET);
        rtnl_neigh_set_state(neigh, NUD_PERMANENT);
        error = nlroute_errno(rtnl_neigh_set_dst(neigh, dst));
        rtnl_neigh_set_lladdr(neigh, ll);
        if (!error) {
            error = nlroute_errno(
                rtnl_neigh_add(sk, neigh, NLM_F_CREATE | NLM_F_REPLACE));
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

/* Deletes the route to 'ip/prefix_len' in the main table (gone already is
 * fine). */
int
nlroute_route_del(struct nl_sock *sk, struct in_addr ip, int prefix_len)
{
    struct rtnl_route *route = rtnl_route_alloc();
    struct nl_addr *dst = nlroute_inet_addr(ip, prefix_len);
    int error = -ENOMEM;

    if (route && dst) {
        /* As nlroute_route_add() made it: libnl's defaults (protocol
         * static) would match nothing, and "no such route" would hide it. */
        rtnl_route_set_family(route, AF_INET);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_protocol(route, RTPROT_BOOT);
        rtnl_route_set_scope(route, RT_SCOPE_NOWHERE);
        error = nlroute_errno(rtnl_route_set_dst(route, dst));
        if (!error) {
            error = nlroute_errno(rtnl_route_delete(sk, route, 0));
            error = error == -ESRCH || error == -ENOENT ? 0 : error;
        }
    }
    if (dst) {
        nl_addr_put(dst);
    }
    rtnl_route_put(route);
    return error;
}


static int
addr_is_wanted(struct nl_sock *sk OVS_UNUSED, struct rtnl_addr *addr,
               void *want_)
{
    const struct nl_addr *want = want_;

    return (rtnl_addr_get_prefixlen(addr) == (int) nl_addr_get_prefixlen(want)
            && nlroute_addr_same(rtnl_addr_get_local(addr), want));
}

int
nlroute_addr_has(struct nl_sock *sk, int ifindex, struct nl_addr *want)
{
    return addr_walk(sk, ifindex, nl_addr_get_family(want), addr_is_wanted,
                     want);
}
