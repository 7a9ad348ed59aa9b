#include <config.h>
#include "agent/hostnet/underlay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/hostlink.h"
#include "agent/core/agentconf.h"
#include "agent/model/cluster.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/pipeline.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(underlay);

#define UNDERLAY_OVS_TIMEOUT_MS 10000

struct underlay {
    const struct agentconf *conf;
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
underlay_create(const struct agentconf *conf)
{
    struct underlay *u = xzalloc(sizeof *u);

    u->conf = conf;
    u->pod_mtu = conf->mtu;
    u->encap = strcmp(conf->encap_mode, "noEncap");
    shash_init(&u->remotes);
    return u;
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
    free(u);
}

static int
install_phy(struct underlay *u)
{
    const struct agentconf *conf = u->conf;
    int error = 0, mtu;

    if (!u->phy) {
        error = ovsbridge_open(conf->ovsdb_socket, UNDERLAY_BRIDGE,
                               UNDERLAY_OVS_TIMEOUT_MS, &u->phy);
    }
    if (!error) {
        error = ovsbridge_ensure_uplink(u->phy, conf->uplink,
                                        UNDERLAY_OVS_TIMEOUT_MS);
    }
    if (!error) {
        error = hostlink_move_addr(conf->uplink, UNDERLAY_BRIDGE,
                                     &u->node_ip, &u->prefix_len, &mtu);
    }
    if (error) {
        VLOG_ERR("%s: cannot make %s its bridge: %s", conf->uplink,
                 UNDERLAY_BRIDGE, ovs_strerror(-error));
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
        .type = (!strcmp(u->conf->tunnel_type, "vxlan")
                 ? OVSBRIDGE_PORT_VXLAN : OVSBRIDGE_PORT_GENEVE),
    };
    char ip[INET_ADDRSTRLEN];
    int error = install_phy(u);

    node->tun_ofport = 0;
    if (!error && !u->encap) {
        /* Routed over the underlay by the node's stack: no tunnel. */
        error = ovsbridge_del_port(br, UNDERLAY_TUNNEL_PORT);
        error = error == -ENOENT ? 0 : error;
    } else if (!error) {
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
    VLOG_INFO("underlay: node IP %s/%d on %s (uplink %s), %s, pod MTU %d",
              inet_ntop(AF_INET, &u->node_ip, ip, sizeof ip),
              u->prefix_len, UNDERLAY_BRIDGE, u->conf->uplink,
              u->encap ? u->conf->tunnel_type : "noEncap", u->pod_mtu);
    return 0;
}

int
underlay_pod_mtu(const struct underlay *u)
{
    return u->pod_mtu;
}

/* Node 'n' as a remote to route to, or NULL: this node, or one without an
 * IPv4 pod CIDR or InternalIP. */
static struct pipeline_remote *
remote_of(const struct underlay *u, const struct cluster_node *n)
{
    struct pipeline_remote r = { .name = n->name };
    char *slash;
    bool ok;

    if (!strcmp(n->name, u->conf->node_name) || !n->pod_cidr
        || !n->internal_ip
        || inet_pton(AF_INET, n->internal_ip, &r.ip) != 1) {
        return NULL;
    }
    slash = strchr(n->pod_cidr, '/');
    if (!slash) {
        return NULL;
    }
    char *addr = xmemdup0(n->pod_cidr, slash - n->pod_cidr);
    r.prefix_len = atoi(slash + 1);
    ok = (inet_pton(AF_INET, addr, &r.subnet) == 1 && r.prefix_len > 0
          && r.prefix_len <= 32);
    free(addr);
    if (!ok) {
        return NULL;
    }
    struct pipeline_remote *copy = xmemdup(&r, sizeof r);
    copy->name = xstrdup(n->name);
    return copy;
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
            && a->ip.s_addr == b->ip.s_addr);
}

void
underlay_reset(struct underlay *u)
{
    u->rewrite = true;
}

size_t
underlay_sync_nodes(struct underlay *u, const struct cluster *cluster,
                    const struct pipeline_node *node, struct flowtab *ft)
{
    struct shash now = SHASH_INITIALIZER(&now);
    struct shash_node *sn;
    const struct cluster_node **nodes;
    size_t n;

    nodes = (const struct cluster_node **) cluster_list(cluster,
                                                        CLUSTER_NODE, &n);
    for (size_t i = 0; i < n; i++) {
        struct pipeline_remote *r = remote_of(u, nodes[i]);
        const struct pipeline_remote *was;

        if (!r) {
            continue;
        }
        was = shash_find_data(&u->remotes, r->name);
        if (u->rewrite || !was || !remote_equal(was, r)) {
            route_remote(u, node, ft, r, true);
        }
        shash_add(&now, r->name, r);
    }
    free(nodes);
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
