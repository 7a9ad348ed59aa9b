#include <config.h>
#include "agent/lib/hostlink.h"

#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "agent/lib/nlroute.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(hostlink);

/* A netlink socket of this namespace and its link 'name', for link_close();
 * -ENODEV for a link that is not there. */
static int
link_open(const char *name, struct nl_sock **skp, struct rtnl_link **linkp)
{
    int error = nlroute_ifname_valid(name) ? nlroute_open(skp) : -EINVAL;

    if (!error) {
        error = nlroute_link_get(*skp, name, linkp);
        if (error) {
            nl_socket_free(*skp);
        }
    }
    return error == -ENOENT ? -ENODEV : error;
}

static void
link_close(struct nl_sock *sk, struct rtnl_link *link)
{
    rtnl_link_put(link);
    nl_socket_free(sk);
}

int
hostlink_up(const char *name)
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error = link_open(name, &sk, &link);

    if (!error) {
        error = rtnl_link_get_flags(link) & IFF_UP ? 0 : -ENETDOWN;
        link_close(sk, link);
    }
    return error;
}

bool
hostlink_exists(const char *name)
{
    return nlroute_ifname_valid(name) && if_nametoindex(name) != 0;
}

int
hostlink_list(const char *prefix, struct sset *names)
{
    struct if_nameindex *ifs = if_nameindex();

    if (!ifs) {
        return -errno;
    }
    for (const struct if_nameindex *i = ifs; i->if_index; i++) {
        if (!strncmp(i->if_name, prefix, strlen(prefix))) {
            sset_add(names, i->if_name);
        }
    }
    if_freenameindex(ifs);
    return 0;
}

int
hostlink_set_addr(const char *name, struct in_addr ip, int prefix_len,
                  int mtu, uint8_t mac[6])
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error;

    if (prefix_len < 1 || prefix_len > 32 || mtu < 0) {
        return -EINVAL;
    }
    error = link_open(name, &sk, &link);
    if (error) {
        return error;
    }
    error = nlroute_addr_replace_all(sk, rtnl_link_get_ifindex(link), &ip,
                                     prefix_len);
    if (!error) {
        error = nlroute_link_set_up(sk, name, mtu);
    }
    if (!error && mac) {
        error = nlroute_link_mac(link, mac);
    }
    link_close(sk, link);
    return error;
}

void
hostlink_set_ipv6(const char *name, bool enabled)
{
    char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0) {
        if (errno != ENOENT) {
            VLOG_WARN("%s: %s", path, ovs_strerror(errno));
        }
    } else {
        if (write(fd, enabled ? "0" : "1", 1) != 1) {
            VLOG_WARN("%s: %s", path, ovs_strerror(errno));
        }
        close(fd);
    }
    free(path);
}

int
hostlink_add_addr6(const char *name, const struct in6_addr *ip,
                   int prefix_len)
{
    struct rtnl_link *link;
    struct nl_sock *sk;

    if (prefix_len < 1 || prefix_len > 128) {
        return -EINVAL;
    }
    int error = link_open(name, &sk, &link);
    if (!error) {
        hostlink_set_ipv6(name, true);
        error = nlroute_addr_add6(sk, rtnl_link_get_ifindex(link), ip,
                                  prefix_len);
        link_close(sk, link);
    }
    return error;
}

int
hostlink_set_neighbor(const char *name, struct in_addr ip,
                      const uint8_t mac[6])
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error = link_open(name, &sk, &link);

    if (error) {
        return error;
    }
    int ifindex = rtnl_link_get_ifindex(link);
    error = nlroute_route_add(sk, ifindex, ip, 32, NULL);
    if (!error) {
        error = nlroute_neigh_add(sk, ifindex, ip, mac);
    }
    link_close(sk, link);
    return error;
}

int
hostlink_move_addr(const char *from, const char *to, int want_mtu,
                   struct in_addr *ip, int *prefix_len, int *mtu)
{
    struct rtnl_link *src = NULL, *dst = NULL;
    struct nl_sock *sk;
    int error;

    if (!nlroute_ifname_valid(from) || !nlroute_ifname_valid(to)) {
        return -EINVAL;
    }
    error = nlroute_open(&sk);
    if (error) {
        return error;
    }
    error = nlroute_link_get(sk, from, &src);
    if (!error) {
        error = nlroute_link_get(sk, to, &dst);
    }
    if (!error) {
        *mtu = want_mtu ? want_mtu : (int) rtnl_link_get_mtu(src);
        error = nlroute_addr_first(sk, rtnl_link_get_ifindex(src), ip,
                                   prefix_len);
        if (!error) {
            error = nlroute_addr_replace_all(sk, rtnl_link_get_ifindex(src),
                                             NULL, 0);
        } else if (error == -ENOENT) {
            error = nlroute_addr_first(sk, rtnl_link_get_ifindex(dst), ip,
                                       prefix_len);
        }
    }
    if (!error) {
        error = nlroute_link_set_up(sk, from, 0);
    }
    if (!error) {
        error = nlroute_addr_replace_all(sk, rtnl_link_get_ifindex(dst), ip,
                                         *prefix_len);
    }
    if (!error) {
        error = nlroute_link_set_up(sk, to, *mtu);
    }
    rtnl_link_put(src);
    rtnl_link_put(dst);
    nl_socket_free(sk);
    return error;
}

int
hostlink_set_route(const char *dev, struct in_addr ip, int prefix_len,
                   const struct in_addr *via)
{
    struct rtnl_link *link = NULL;
    struct nl_sock *sk;
    int error;

    if ((via && !nlroute_ifname_valid(dev)) || prefix_len < 0
        || prefix_len > 32) {
        return -EINVAL;
    }
    error = nlroute_open(&sk);
    if (error) {
        return error;
    }
    if (!via) {
        error = nlroute_route_del(sk, ip, prefix_len);
    } else {
        error = nlroute_link_get(sk, dev, &link);
        if (!error) {
            error = nlroute_route_add(sk, rtnl_link_get_ifindex(link), ip,
                                      prefix_len, via);
        }
        rtnl_link_put(link);
    }
    nl_socket_free(sk);
    return error;
}

int
hostlink_get_mac(const char *name, uint8_t mac[6])
{
    struct rtnl_link *link;
    struct nl_sock *sk;
    int error = link_open(name, &sk, &link);

    if (!error) {
        error = nlroute_link_mac(link, mac);
        link_close(sk, link);
    }
    return error;
}
