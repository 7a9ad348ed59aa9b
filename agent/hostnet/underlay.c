#include <config.h>
#include "agent/hostnet/underlay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/hostlink.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/pipeline.h"
#include "openvswitch/shash.h"
#include "packets.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(underlay);

#define UNDERLAY_OVS_TIMEOUT_MS 10000

struct underlay {
    char *ovsdb_socket;
    char *uplink;
    char *dpdk_devargs;             /* NULL: an AF_XDP uplink */
    int rxqs;
    int uplink_mtu;
    struct in_addr cfg_node_ip;     /* 0: the kernel interface's */
    int cfg_prefix_len;
    char *tunnel_type;
    struct ovsbridge *phy;          /* br-phy, once installed */
    struct in_addr node_ip;
    int prefix_len;
    int pod_mtu;
    struct shash remotes;           /* name -> struct pipeline_remote */
    bool rewrite;                   /* write every route again: the tunnel
                                     * port may have changed, or the desired
                                     * flows were cleared */
    bool encap;                     /* tunnels; false: noEncap routing */
};

struct underlay *
underlay_create(const struct underlay_config *cfg)
{
    struct underlay *u = xzalloc(sizeof *u);

    u->ovsdb_socket = xstrdup(cfg->ovsdb_socket);
    u->uplink = xstrdup(cfg->uplink);
    u->dpdk_devargs = nullable_xstrdup(cfg->dpdk_devargs);
    u->rxqs = cfg->rxqs;
    u->uplink_mtu = cfg->uplink_mtu;
    u->cfg_node_ip = cfg->node_ip;
    u->cfg_prefix_len = cfg->node_prefix_len;
    u->tunnel_type = xstrdup(cfg->tunnel_type);
    u->pod_mtu = cfg->mtu;
    u->encap = cfg->encap;
    shash_init(&u->remotes);
    return u;
}

static struct pipeline_remote *
remote_clone(const struct pipeline_remote *r)
{
    struct pipeline_remote *copy = xmemdup(r, sizeof *r);

    copy->name = xstrdup(r->name);
    return copy;
}

static void
remote_free(struct pipeline_remote *r)
{
    if (r) {
        free(CONST_CAST(char *, r->name));
        free(r);
    }
}

void
underlay_destroy(struct underlay *u)
{
    struct shash_node *node;

    if (!u) {
        return;
    }
    SHASH_FOR_EACH (node, &u->remotes) {
        remote_free(node->data);
    }
    shash_destroy(&u->remotes);
    ovsbridge_close(u->phy);
    free(u->ovsdb_socket);
    free(u->uplink);
    free(u->dpdk_devargs);
    free(u->tunnel_type);
    free(u);
}

/* Adds the uplink port to br-phy.  What goes wrong is said once, here,
 * with the devargs and OVS's own reason, for the operator to act on. */
static int
install_uplink_port(struct underlay *u)
{
    struct ovsbridge_port_spec port = {
        .name = u->uplink,
        .type = u->dpdk_devargs ? OVSBRIDGE_PORT_DPDK : OVSBRIDGE_PORT_AFXDP,
        .dpdk_devargs = u->dpdk_devargs,
        .n_rxq = u->rxqs,
        .mtu_request = u->uplink_mtu,
    };
    char *why = NULL;
    int error;

    if (u->dpdk_devargs && !ovsbridge_dpdk_ready(u->phy, "dpdk", &why)) {
        VLOG_ERR("uplink %s (dpdk-devargs %s): %s: a DPDK uplink needs "
                 "ovs-vswitchd's DPDK build with other_config:dpdk-init=true "
                 "and hugepages", u->uplink, u->dpdk_devargs, why);
        free(why);
        return -ENOTSUP;
    }
    error = ovsbridge_ensure_uplink(u->phy, &port, UNDERLAY_OVS_TIMEOUT_MS,
                                    &why);
    if (error && u->dpdk_devargs) {
        VLOG_ERR("uplink %s (dpdk-devargs %s): OVS cannot use the device: "
                 "%s", u->uplink, u->dpdk_devargs,
                 why ? why : ovs_strerror(-error));
    } else if (error) {
        VLOG_ERR("uplink %s (AF_XDP): OVS cannot use the interface: %s",
                 u->uplink, why ? why : ovs_strerror(-error));
    }
    free(why);
    return error;
}

/* Puts the node IP on br-phy: the configured one (a NIC that DPDK drives
 * has no kernel interface to take it from), or the one the uplink's kernel
 * interface has, moved.  Returns the uplink MTU in '*mtu'. */
static int
install_node_ip(struct underlay *u, int *mtu)
{
    int error;

    if (u->cfg_node_ip.s_addr) {
        *mtu = u->uplink_mtu ? u->uplink_mtu : 1500;
        u->node_ip = u->cfg_node_ip;
        u->prefix_len = u->cfg_prefix_len;
        error = hostlink_set_addr(UNDERLAY_BRIDGE, u->node_ip, u->prefix_len,
                                  *mtu, NULL);
    } else if (!hostlink_exists(u->uplink)) {
        VLOG_ERR("uplink %s has no kernel interface to take the node IP "
                 "from (a PCI device DPDK drives): set nodeIP", u->uplink);
        return -ENODEV;
    } else {
        error = hostlink_move_addr(u->uplink, UNDERLAY_BRIDGE, u->uplink_mtu,
                                   &u->node_ip, &u->prefix_len, mtu);
    }
    if (error) {
        VLOG_ERR("%s: cannot give %s the node IP: %s", u->uplink,
                 UNDERLAY_BRIDGE, ovs_strerror(-error));
    }
    return error;
}

static int
install_phy(struct underlay *u)
{
    int error = 0, mtu;

    if (!u->phy) {
        error = ovsbridge_open(u->ovsdb_socket, UNDERLAY_BRIDGE,
                               UNDERLAY_OVS_TIMEOUT_MS, &u->phy);
        if (error) {
            VLOG_ERR("%s: %s", UNDERLAY_BRIDGE, ovs_strerror(-error));
        }
    }
    if (!error) {
        error = install_uplink_port(u);
    }
    if (!error) {
        error = install_node_ip(u, &mtu);
    }
    if (error) {
        return error;
    }
    u->pod_mtu = u->encap ? mtu - UNDERLAY_OVERHEAD : mtu;
    return 0;
}

int
underlay_install(struct underlay *u, struct ovsbridge *br,
                 struct pipeline_node *node)
{
    struct ovsbridge_port_spec tun = {
        .name = UNDERLAY_TUNNEL_PORT,
        .type = (!strcmp(u->tunnel_type, "vxlan")
                 ? OVSBRIDGE_PORT_VXLAN : OVSBRIDGE_PORT_GENEVE),
    };
    char ip[INET_ADDRSTRLEN];
    int error = install_phy(u);

    node->tun_ofport = 0;
    if (error) {
        return error;
    }
    if (!u->encap) {
        /* Routed over the underlay by the node's stack: no tunnel. */
        error = ovsbridge_del_port(br, UNDERLAY_TUNNEL_PORT);
        error = error == -ENOENT ? 0 : error;
    } else {
        error = ovsbridge_add_port(br, &tun);
    }
    if (!error && u->encap) {
        error = ovsbridge_wait_ofport(br, UNDERLAY_TUNNEL_PORT,
                                      UNDERLAY_OVS_TIMEOUT_MS,
                                      &node->tun_ofport, NULL);
    }
    if (error) {
        VLOG_ERR("tunnel port %s: %s", UNDERLAY_TUNNEL_PORT,
                 ovs_strerror(-error));
        return error;
    }
    u->rewrite = true;
    VLOG_INFO("underlay: node IP %s/%d on %s (uplink %s, %s%s), %s, "
              "pod MTU %d", inet_ntop(AF_INET, &u->node_ip, ip, sizeof ip),
              u->prefix_len, UNDERLAY_BRIDGE, u->uplink,
              u->dpdk_devargs ? "dpdk " : "afxdp",
              u->dpdk_devargs ? u->dpdk_devargs : "",
              u->encap ? u->tunnel_type : "noEncap", u->pod_mtu);
    return 0;
}

int
underlay_pod_mtu(const struct underlay *u)
{
    return u->pod_mtu;
}

/* Routes to 'r' (or stops, with 'add' false): through the tunnel, or in
 * noEncap mode by a route of the node's stack via the remote node IP on
 * br-phy. */
static void
route_remote(struct underlay *u, const struct pipeline_node *node,
             struct flowtab *ft, const struct pipeline_remote *r, bool add)
{
    int error = 0;

    if (u->encap) {
        if (add) {
            pipeline_set_remote(ft, node, r);
        } else {
            pipeline_remove_remote(ft, r->name);
        }
        return;
    }
    error = hostlink_set_route(UNDERLAY_BRIDGE, r->subnet, r->prefix_len,
                               add ? &r->ip : NULL);
    if (error) {
        VLOG_WARN("route to node %s: %s", r->name, ovs_strerror(-error));
    }
}

static bool
remote_equal(const struct pipeline_remote *a, const struct pipeline_remote *b)
{
    return (a->subnet.s_addr == b->subnet.s_addr
            && a->prefix_len == b->prefix_len
            && a->ip.s_addr == b->ip.s_addr
            && a->has_ip6 == b->has_ip6
            && (!a->has_ip6
                || (ipv6_addr_equals(&a->subnet6, &b->subnet6)
                    && a->prefix_len6 == b->prefix_len6)));
}

void
underlay_reset(struct underlay *u)
{
    u->rewrite = true;
}

size_t
underlay_sync_nodes(struct underlay *u, const struct pipeline_remote *remotes,
                    size_t n, const struct pipeline_node *node,
                    struct flowtab *ft)
{
    struct shash now = SHASH_INITIALIZER(&now);
    struct shash_node *sn;

    for (size_t i = 0; i < n; i++) {
        const struct pipeline_remote *r = &remotes[i];
        const struct pipeline_remote *was = shash_find_data(&u->remotes,
                                                            r->name);

        if (u->rewrite || !was || !remote_equal(was, r)) {
            route_remote(u, node, ft, r, true);
        }
        shash_add(&now, r->name, remote_clone(r));
    }
    SHASH_FOR_EACH (sn, &u->remotes) {
        if (!shash_find(&now, sn->name)) {
            route_remote(u, node, ft, sn->data, false);
        }
        remote_free(sn->data);
    }
    shash_clear(&u->remotes);
    shash_swap(&u->remotes, &now);
    shash_destroy(&now);
    u->rewrite = false;
    return shash_count(&u->remotes);
}

bool
underlay_routes_node(const struct underlay *u, const char *name)
{
    return shash_find(&u->remotes, name) != NULL;
}
