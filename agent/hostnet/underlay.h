/*
 * underlay: the node's place in a cluster of several nodes (agentconf
 * 'uplink' set).
 *
 *   - br-phy: a netdev bridge, standalone, with the uplink NIC as its
 *     AF_XDP port, or as a DPDK port (type=dpdk, options:dpdk-devargs: a
 *     PCI address, a VF bound to vfio-pci, or a DPDK virtual device); the
 *     node IP goes to br-phy's own interface, where OVS's userspace
 *     tunnels find it: a tunnelled packet leaves through br-phy, and one
 *     addressed to the node IP is decapsulated there (tnl_pop) and enters
 *     the pipeline bridge through its tunnel port.  The node IP is the
 *     uplink's kernel interface's IPv4 address, moved, or, for a NIC that
 *     has no kernel interface (a PCI device DPDK drives), the configured
 *     one;
 *   - the tunnel port "seine-tun0" on the pipeline bridge, geneve or vxlan,
 *     flow-based (options:remote_ip=flow);
 *   - the pod MTU: the uplink's MTU minus the encapsulation (outer IPv4 20,
 *     UDP 8, geneve or VXLAN header 8, inner Ethernet 14: 50 bytes);
 *   - routes: every other Node with an IPv4 spec.podCIDR and an
 *     InternalIP (the remotes the agent hands over) gets the flows of
 *     pipeline_set_remote(); a Node that goes, or loses either, loses
 *     them.
 *
 * In noEncap mode (nodes on one L2 segment) there is no tunnel port and no
 * overhead: a pod's packet for another node's subnet goes to the gateway,
 * and the node's stack routes it (a route per remote subnet via the remote
 * node IP, on br-phy) to the other node, whose stack hands it to its
 * gateway port.
 */
#ifndef UNDERLAY_H
#define UNDERLAY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

struct flowtab;
struct ovsbridge;
struct pipeline_node;
struct pipeline_remote;

/* What the underlay is made of (the agent configuration's). */
struct underlay_config {
    const char *ovsdb_socket;       /* where br-phy is made */
    const char *uplink;             /* the uplink port (the NIC's kernel
                                     * interface for AF_XDP) */
    const char *dpdk_devargs;       /* non-NULL: a DPDK uplink */
    int rxqs;                       /* options:n_rxq; 0: OVS's default */
    int uplink_mtu;                 /* 0: the kernel interface's, or 1500 */
    struct in_addr node_ip;         /* 0: the kernel interface's */
    int node_prefix_len;
    const char *tunnel_type;        /* "geneve" or "vxlan" */
    bool encap;                     /* false: noEncap routing */
    int mtu;                        /* the pod MTU until installed */
};

#define UNDERLAY_TUNNEL_PORT "seine-tun0"
#define UNDERLAY_BRIDGE "br-phy"
#define UNDERLAY_OVERHEAD 50

struct underlay *underlay_create(const struct underlay_config *);
void underlay_destroy(struct underlay *);

/* Makes br-phy, the node IP and the tunnel port on 'br' (the pipeline
 * bridge) what they should be, and sets 'node->tun_ofport'.  Idempotent:
 * run again after ovs-vswitchd restarted.  0 or -errno. */
int underlay_install(struct underlay *, struct ovsbridge *br,
                     struct pipeline_node *node);

/* The MTU pods get (after underlay_install()). */
int underlay_pod_mtu(const struct underlay *);

/* Brings the routes to the other nodes in line with 'remotes' (every
 * other Node with an IPv4 pod subnet and node IP).  Returns how many
 * remote nodes are routed. */
size_t underlay_sync_nodes(struct underlay *,
                           const struct pipeline_remote *remotes, size_t n,
                           const struct pipeline_node *, struct flowtab *);

/* Whether the node called 'name' is routed: it had an IPv4 pod subnet
 * and node IP at the last underlay_sync_nodes(). */
bool underlay_routes_node(const struct underlay *, const char *name);

/* Makes the next underlay_sync_nodes() write the route to every node
 * again, as after the desired flows were cleared. */
void underlay_reset(struct underlay *);

#endif /* underlay.h */
