/*
 * nlroute: the netlink calls (libnl-route) the agent makes on the links,
 * IPv4 addresses, routes and neighbours of the network namespace a socket
 * was opened in, shared by pod interfaces (agent/pods/podif) and the
 * host's own links (agent/lib/hostlink).
 *
 * Functions return 0 or a negative errno: libnl's error codes are turned
 * back into the kernel's (-EEXIST, -ENODEV, ...).
 */
#ifndef NLROUTE_H
#define NLROUTE_H 1

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct nl_addr;
struct nl_sock;
struct rtnl_addr;
struct rtnl_link;

/* A libnl return value (negative NLE_*) as 0 or -errno. */
int nlroute_errno(int nlerr);

/* Whether 'name' can be a link name (1 to IFNAMSIZ - 1 bytes). */
bool nlroute_ifname_valid(const char *name);

/* A NETLINK_ROUTE socket of the current namespace (nl_socket_free()). */
int nlroute_open(struct nl_sock **);

/* Link 'name' (rtnl_link_put()), or -errno. */
int nlroute_link_get(struct nl_sock *, const char *name, struct rtnl_link **);
/* Applies the attributes set in 'changes' to link 'name'. */
int nlroute_link_change(struct nl_sock *, const char *name,
                        struct rtnl_link *changes);
/* Brings link 'name' up, with 'mtu' unless it is 0. */
int nlroute_link_set_up(struct nl_sock *, const char *name, int mtu);
/* Deletes link 'name'; 0 also when it is gone already. */
int nlroute_link_delete(struct nl_sock *, const char *name);
/* The MAC of 'link'. */
int nlroute_link_mac(struct rtnl_link *, uint8_t mac[6]);

/* 'ip/prefix_len' as a libnl address (nl_addr_put()), or NULL. */
struct nl_addr *nlroute_inet_addr(struct in_addr ip, int prefix_len);
/* Whether 'addr' is the IPv4 address 'ip'. */
bool nlroute_addr_equals(struct nl_addr *addr, struct in_addr ip);

/* Adds 'ip/prefix_len' to 'ifindex'. */
int nlroute_addr_add(struct nl_sock *, int ifindex, struct in_addr ip,
                     int prefix_len);
/* 'ip/prefix_len' as a libnl address (nl_addr_put()), or NULL. */
struct nl_addr *nlroute_inet6_addr(const struct in6_addr *ip, int prefix_len);
/* Adds IPv6 'ip/prefix_len' to 'ifindex', usable at once (no duplicate
 * address detection). */
int nlroute_addr_add6(struct nl_sock *, int ifindex, const struct in6_addr *ip,
                      int prefix_len);
/* Whether 'addr' is 'ip/prefix_len' on 'ifindex'. */
bool nlroute_addr_is(struct rtnl_addr *addr, int ifindex, struct in_addr ip,
                     int prefix_len);
/* Calls 'visit' for each IPv4 address of 'ifindex' until it returns
 * nonzero, and returns that; 0 after the last. */
int nlroute_addr_walk(struct nl_sock *, int ifindex,
                      int (*visit)(struct nl_sock *, struct rtnl_addr *,
                                   void *aux),
                      void *aux);
/* 1 if 'ifindex' has address 'want' with its prefix length (either
 * family), 0 if not, or -errno. */
int nlroute_addr_has(struct nl_sock *, int ifindex, struct nl_addr *want);
/* Whether 'a' and 'b' are the same address (prefix lengths aside). */
bool nlroute_addr_same(const struct nl_addr *a, const struct nl_addr *b);
/* Leaves 'ip/prefix_len' (NULL: none) as the only IPv4 address of
 * 'ifindex'. */
int nlroute_addr_replace_all(struct nl_sock *, int ifindex,
                             const struct in_addr *ip, int prefix_len);
/* The first IPv4 address of 'ifindex', or -ENOENT. */
int nlroute_addr_first(struct nl_sock *, int ifindex, struct in_addr *ip,
                       int *prefix_len);

/* Adds (or replaces) the route to 'ip/prefix_len' through 'ifindex', via
 * 'gateway' if not NULL, else directly on the link. */
int nlroute_route_add(struct nl_sock *, int ifindex, struct in_addr ip,
                      int prefix_len, const struct in_addr *gateway);
/* The same for IPv6. */
int nlroute_route_add6(struct nl_sock *, int ifindex, const struct in6_addr *ip,
                       int prefix_len, const struct in6_addr *gateway);
/* Deletes the route to 'ip/prefix_len'; 0 also when there is none. */
int nlroute_route_del(struct nl_sock *, struct in_addr ip, int prefix_len);
/* Adds (or replaces) a permanent neighbour entry 'ip' -> 'mac' on
 * 'ifindex'. */
int nlroute_neigh_add(struct nl_sock *, int ifindex, struct in_addr ip,
                      const uint8_t mac[6]);

#endif /* nlroute.h */
