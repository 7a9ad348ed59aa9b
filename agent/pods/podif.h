/*
 * podif: the kernel side of a pod attachment, through netlink (libnl-route):
 * the veth pair of an afxdp attachment, the pod end moved into the pod's
 * network namespace, renamed to CNI_IFNAME, given its IP, default route and
 * MTU, and TX checksum offload turned off (AF_XDP does not fill in
 * checksums, so with it on TCP stalls).  The host namespace's own links
 * are agent/lib/hostlink's.
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
    bool has_ip6;               /* a dual-stack pod: its IPv6 address, */
    struct in6_addr ip6;
    int prefix_len6;
    struct in6_addr gateway6;   /* and its default route, unless :: */
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

#endif /* podif.h */
