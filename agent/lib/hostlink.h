/*
 * hostlink: the links, addresses, routes and neighbours of the agent's
 * own network namespace, through netlink (libnl-route, agent/lib/nlroute):
 * a pod port's host end, the gateway port's address, the underlay's
 * address and routes, the node-port neighbour.
 *
 * Functions return 0 or a negative errno.
 */
#ifndef HOSTLINK_H
#define HOSTLINK_H 1

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* 0 if host-namespace link 'name' is administratively up, -ENETDOWN if it
 * is down, -ENODEV if it does not exist. */
int hostlink_up(const char *name);

/* True if host-namespace link 'name' exists. */
bool hostlink_exists(const char *name);

/* Adds the name of every host-namespace link that starts with 'prefix' to
 * 'names' (the agent's pod ports are "seine..."). */
struct sset;
int hostlink_list(const char *prefix, struct sset *names);

/* Sets 'ip/prefix_len' on host link 'name' (replacing other IPv4
 * addresses) and brings it up with 'mtu' (0: leave).  Reads its MAC into
 * 'mac' if non-NULL. */
int hostlink_set_addr(const char *name, struct in_addr ip, int prefix_len,
                        int mtu, uint8_t mac[6]);

/* Enables IPv6 on link 'name' of the current network namespace, or
 * disables it (the address, routes and neighbour discovery go). */
void hostlink_set_ipv6(const char *name, bool enabled);

/* Adds IPv6 'ip/prefix_len' to host link 'name', usable at once (no
 * duplicate address detection), with IPv6 enabled on the link. */
int hostlink_add_addr6(const char *name, const struct in6_addr *ip,
                       int prefix_len);

/* Makes host link 'name' the way to 'ip' (a /32 route on the link) and
 * 'mac' its permanent neighbour entry: how the host reaches an address
 * that only br-int's flows answer. */
int hostlink_set_neighbor(const char *name, struct in_addr ip,
                            const uint8_t mac[6]);

/* Moves the IPv4 address of host link 'from' (an underlay NIC) to host
 * link 'to' (its bridge's interface), brings both up and gives 'to' the
 * MTU 'want_mtu', or (0) the MTU of 'from'.  When 'from' has no address,
 * 'to' keeps its own (the move was done before, by an earlier run).  The
 * address, its prefix length and the MTU 'to' got are returned; -ENOENT
 * when neither has an address. */
int hostlink_move_addr(const char *from, const char *to, int want_mtu,
                       struct in_addr *ip, int *prefix_len, int *mtu);

/* Routes 'ip/prefix_len' through host link 'dev' via 'via', or, with 'via'
 * NULL, deletes the route to it (a missing one is no error). */
int hostlink_set_route(const char *dev, struct in_addr ip, int prefix_len,
                         const struct in_addr *via);

/* Reads the MAC of host link 'name'. */
int hostlink_get_mac(const char *name, uint8_t mac[6]);

#endif /* hostlink.h */
