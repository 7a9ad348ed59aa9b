/*
 * podif: the kernel side of a pod attachment, through netlink (libnl-route):
 * the veth pair of an afxdp attachment, the pod end moved into the pod's
 * network namespace, renamed to CNI_IFNAME, given its IP, default route and
 * MTU, and TX checksum offload turned off (AF_XDP does not fill in
 * checksums, so with it on TCP stalls); also the address of the node's
 * gateway port.
 *
 * Functions return 0 or a negative errno and, on failure, leave nothing
 * behind that they made.
 */
#ifndef PODIF_H
#define PODIF_H 1

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <net/ethernet.h>

struct podif_spec {
    const char *netns_path;     /* CNI_NETNS, e.g. /var/run/netns/pod1 */
    const char *ifname;         /* pod-side name, CNI_IFNAME */
    const char *host_ifname;    /* host-side name (<= 15 chars) */
    struct eth_addr_bytes {
        uint8_t b[6];
    } mac;                      /* pod-side MAC to set */
    struct in_addr ip;
    int prefix_len;
    struct in_addr gateway;     /* default route via this; INADDR_ANY:
                                 * none (a secondary interface) */
    int mtu;
};

/* Creates the veth pair 'host_ifname' <-> 'ifname' with the pod side in
 * 'netns_path', configured as above, both ends up.  -EEXIST if 'ifname'
 * already exists in the pod's namespace. */
int podif_create_veth(const struct podif_spec *);

/* Configures an interface that is already inside the pod namespace under
 * 'moved_name' (a tap created elsewhere): renames it to spec->ifname and
 * applies MAC/IP/route/MTU/offload as for a veth. */
int podif_setup_moved(const struct podif_spec *, const char *moved_name);

/* Moves host-namespace link 'name' into 'netns_path'. */
int podif_move_to_netns(const char *name, const char *netns_path);

/* Deletes host-side link 'host_ifname' (which removes its veth peer); 0
 * also when it does not exist. */
int podif_delete_host(const char *host_ifname);

/* Deletes link 'ifname' inside 'netns_path'; 0 also when the namespace or
 * the link is gone. */
int podif_delete_in_netns(const char *netns_path, const char *ifname);

/* Verifies the pod side for CHECK: the link exists in the namespace, is
 * up, has the MAC, the MTU (unless 0), 'ip/prefix_len' and a default route
 * via 'gateway'.  Returns 0, or -errno with a reason in '*whyp' (caller
 * frees): -ENODEV missing, -ENETDOWN down, -EINVAL wrong MAC or MTU,
 * -EADDRNOTAVAIL no such address, -ENETUNREACH no such route. */
int podif_check(const struct podif_spec *, char **whyp);

/* 0 if host-namespace link 'name' is administratively up, -ENETDOWN if it
 * is down, -ENODEV if it does not exist. */
int podif_host_link_up(const char *name);

/* True if host-namespace link 'name' exists. */
bool podif_host_link_exists(const char *name);

/* Sets 'ip/prefix_len' on host link 'name' (replacing other IPv4
 * addresses) and brings it up with 'mtu' (0: leave).  Reads its MAC into
 * 'mac' if non-NULL. */
int podif_set_host_addr(const char *name, struct in_addr ip, int prefix_len,
                        int mtu, uint8_t mac[6]);

/* Makes host link 'name' the way to 'ip' (a /32 route on the link) and
 * 'mac' its permanent neighbour entry: how the host reaches an address
 * that only br-int's flows answer. */
int podif_set_host_neighbor(const char *name, struct in_addr ip,
                            const uint8_t mac[6]);

/* Moves the IPv4 address of host link 'from' (an underlay NIC) to host
 * link 'to' (its bridge's interface), brings both up and gives 'to' the
 * MTU of 'from'.  When 'from' has no address, 'to' keeps its own (the move
 * was done before, by an earlier run).  The address, its prefix length and
 * the MTU are returned; -ENOENT when neither has an address. */
int podif_move_host_addr(const char *from, const char *to, struct in_addr *ip,
                         int *prefix_len, int *mtu);

/* Routes 'ip/prefix_len' through host link 'dev' via 'via', or, with 'via'
 * NULL, deletes the route to it (a missing one is no error). */
int podif_set_host_route(const char *dev, struct in_addr ip, int prefix_len,
                         const struct in_addr *via);

/* Reads the MAC of host link 'name'. */
int podif_get_host_mac(const char *name, uint8_t mac[6]);

#endif /* podif.h */
