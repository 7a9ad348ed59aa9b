#include <config.h>
#include "node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentconf.h"
#include "cluster.h"
#include "cookie.h"
#include "dpcache.h"
#include "flowtab.h"
#include "ipam.h"
#include "manifests.h"
#include "nodeport.h"
#include "ofconn.h"
#include "ovsbridge.h"
#include "podif.h"
#include "policy.h"
#include "reject.h"
#include "snat.h"
#include "svclb.h"
#include "underlay.h"
#include "tables.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/types.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(node);

#define NODE_OVS_TIMEOUT_MS 10000
/* How often the agent makes sure ovs-vswitchd still answers. */
#define NODE_LIVENESS_MS 2000

static void
node_set_not_ready(struct node *node, const char *why)
{
    if (!node->not_ready || strcmp(node->not_ready, why)) {
        VLOG_INFO("not ready: %s", why);
        free(node->not_ready);
        node->not_ready = xstrdup(why);
    }
}

/* The agent's round (cookie.h) goes up by one on every start, so flows of
 * an earlier run can be told from this run's. */
static int
node_next_round(const char *state_dir, uint16_t *roundp)
{
    char *path = xasprintf("%s/round", state_dir);
    unsigned int round = 0;
    FILE *f = fopen(path, "r");
    int error = 0;

    if (f) {
        if (fscanf(f, "%u", &round) != 1) {
            round = 0;
        }
        fclose(f);
    }
    round = (round + 1) & COOKIE_ROUND_MASK;
    f = fopen(path, "w");
    if (!f || fprintf(f, "%u\n", round) < 0 || fflush(f) || fsync(fileno(f))) {
        error = -errno;
    }
    if (f) {
        fclose(f);
    }
    free(path);
    *roundp = round;
    return error;
}

/* A new connection to a service without a ready endpoint comes here from
 * ServiceLB (svcflows.h): it is answered, out of the port it came in on,
 * with a TCP RST or an ICMP port unreachable. */
static void
node_packet_in(const struct ofputil_packet_in *pin, void *node_)
{
    struct node *node = node_;
    struct ofpbuf reply;

    if (pin->table_id != TABLE_SERVICE_LB) {
        return;
    }
    ofpbuf_init(&reply, 128);
    if (!reject_build(pin->packet, pin->packet_len, &reply)) {
        ofconn_send_packet(node->of,
                           ofp_to_u16(pin->flow_metadata.flow.in_port.ofp_port),
                           reply.data, reply.size);
    }
    ofpbuf_uninit(&reply);
}

static int
node_connect_openflow(struct node *node)
{
    const struct agentconf *conf = node->conf;
    char *target = ovsbridge_mgmt_target(conf->ovs_rundir, conf->bridge);
    int error = ofconn_open(target, NODE_OVS_TIMEOUT_MS, &node->of);

    if (!error) {
        error = ofconn_set_packet_in(node->of, node_packet_in, node);
    }
    if (error) {
        VLOG_ERR("%s: OpenFlow connection failed: %s", target,
                 ovs_strerror(-error));
    }
    free(target);
    return error;
}

static int
node_open_ovs(struct node *node)
{
    const struct agentconf *conf = node->conf;
    int error;

    error = ovsbridge_open(conf->ovsdb_socket, conf->bridge,
                           NODE_OVS_TIMEOUT_MS, &node->br);
    if (error) {
        VLOG_ERR("%s: cannot read the OVS database: %s", conf->ovsdb_socket,
                 ovs_strerror(-error));
        return error;
    }
    error = ovsbridge_ensure(node->br, conf->gateway_port, NODE_OVS_TIMEOUT_MS);
    if (error) {
        VLOG_ERR("bridge %s: %s", conf->bridge, ovs_strerror(-error));
        return error;
    }
    return node_connect_openflow(node);
}

static int
node_open_source(struct node *node)
{
    const struct agentconf *conf = node->conf;

    if (conf->source != AGENTCONF_SOURCE_MANIFESTS) {
        VLOG_ERR("state source 'kubernetes' is not available in this build; "
                 "use stateSource.type: manifests");
        return -ENOTSUP;
    }
    if (mkdir(conf->manifest_dir, 0755) && errno != EEXIST) {
        VLOG_ERR("%s: %s", conf->manifest_dir, ovs_strerror(errno));
        return -errno;
    }
    return manifests_open(conf->manifest_dir, node->cluster, &node->source);
}

int
node_open(const struct agentconf *conf, struct node **nodep)
{
    struct node *node = xzalloc(sizeof *node);
    int error;

    node->conf = conf;
    node->cluster = cluster_create();
    node_set_not_ready(node, "starting");

    if (mkdir(conf->state_dir, 0700) && errno != EEXIST) {
        error = -errno;
        VLOG_ERR("%s: %s", conf->state_dir, ovs_strerror(errno));
        goto error;
    }
    error = node_next_round(conf->state_dir, &node->round);
    if (!error) {
        error = podstore_open(conf->state_dir, &node->store);
    }
    if (!error) {
        error = node_open_ovs(node);
    }
    if (!error) {
        error = node_open_source(node);
    }
    if (error) {
        goto error;
    }
    node->ft = flowtab_create(node->round);
    /* A restarted agent must not pick the names its last ports had. */
    node->port_seq = random_uint32();
    node->policy = policy_create(conf->node_name);
    node->svclb = svclb_create(conf->node_name);
    node->underlay = conf->uplink ? underlay_create(conf) : NULL;
    node->rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(1, 10);
    VLOG_INFO("node %s: round %u, %zu pod attachments on record",
              conf->node_name, node->round, podstore_count(&node->store));
    *nodep = node;
    return 0;

error:
    node_close(node);
    *nodep = NULL;
    return error;
}

void
node_close(struct node *node)
{
    if (node) {
        source_destroy(&node->source);
        if (node->store.dir) {
            podstore_close(&node->store);
        }
        policy_destroy(node->policy);
        svclb_destroy(node->svclb);
        underlay_destroy(node->underlay);
        free(node->node_ports);
        free(node->snat_script);
        flowtab_destroy(node->ft);
        ofconn_close(node->of);
        ovsbridge_close(node->br);
        ipam_close(node->ipam);
        cluster_destroy(node->cluster);
        free(node->not_ready);
        free(node);
    }
}

/* The pod CIDR from the configuration, else from this node's Node object. */
static const char *
node_pod_cidr(const struct node *node)
{
    if (node->conf->pod_cidr) {
        return node->conf->pod_cidr;
    }
    const struct cluster_node *cn = cluster_find_node(node->cluster,
                                                      node->conf->node_name);
    return cn ? cn->pod_cidr : NULL;
}

static int
parse_cidr(const char *cidr, struct in_addr *subnet, int *prefix_len)
{
    char addr[INET_ADDRSTRLEN];
    int plen;

    if (sscanf(cidr, "%15[0-9.]/%d", addr, &plen) != 2
        || inet_pton(AF_INET, addr, subnet) != 1 || plen < 1 || plen > 30) {
        return -EINVAL;
    }
    *prefix_len = plen;
    return 0;
}

int
node_pod_mtu(const struct node *node)
{
    return node->underlay ? underlay_pod_mtu(node->underlay) : node->conf->mtu;
}

static int
node_setup_gateway(struct node *node)
{
    struct pipeline_node *p = &node->pnode;
    struct ovsbridge_port_status st;
    int error;

    p->gw_ip = ipam_gateway(node->ipam);
    error = podif_set_host_addr(node->conf->gateway_port, p->gw_ip,
                                p->prefix_len, node_pod_mtu(node), p->gw_mac);
    if (error) {
        VLOG_ERR("%s: cannot set its address: %s", node->conf->gateway_port,
                 ovs_strerror(-error));
        return error;
    }
    ovsbridge_port_status(node->br, node->conf->gateway_port, &st);
    p->gw_ofport = st.ofport;
    free(st.error);
    return p->gw_ofport > 0 ? 0 : -ENODEV;
}

void
node_set_pod_ip(struct node *node, const struct podrec *rec, bool present)
{
    if (rec->default_route && rec->pod_namespace && rec->pod_name) {
        char ip[INET_ADDRSTRLEN];

        inet_ntop(AF_INET, &rec->ip, ip, sizeof ip);
        cluster_set_pod_ip(node->cluster, rec->pod_namespace, rec->pod_name,
                           present ? ip : NULL);
    }
}

/* Rebuilds the desired flows of every pod on record.  A pod whose port is
 * gone keeps its record (DEL will clean it up) but gets no flows. */
static void
node_restore_pods(struct node *node)
{
    struct podrec *rec;

    PODSTORE_FOR_EACH_SAFE (rec, &node->store) {
        struct ovsbridge_port_status st;

        ovsbridge_port_status(node->br, rec->port_name, &st);
        if (st.ofport > 0) {
            rec->ofport = st.ofport;
            struct pipeline_pod pod = {
                .owner = rec->owner, .ofport = st.ofport, .ip = rec->ip,
            };
            memcpy(pod.mac, rec->mac, sizeof pod.mac);
            pipeline_set_pod(node->ft, &node->pnode, &pod);
            node_set_pod_ip(node, rec, true);
        } else {
            VLOG_WARN("pod %s/%s: port %s has no ofport, no flows installed",
                      rec->container_id, rec->ifname, rec->port_name);
        }
        free(st.error);
    }
}

/* After a commit that changed policy or service flows, cached datapath
 * flows must not keep an old verdict or endpoint (see dpcache.h). */
static void
node_purge_if_policy_changed(struct node *node)
{
    bool policy = policy_take_changed(node->policy);
    bool services = svclb_take_changed(node->svclb);

    if (policy || services) {
        dpcache_purge(node->conf->ovs_rundir);
    }
}

/* Routes to the other nodes' pod subnets, in a cluster of several. */
static void
node_sync_remotes(struct node *node)
{
    if (node->underlay) {
        underlay_sync_nodes(node->underlay, node->cluster, &node->pnode,
                            node->ft);
    }
}

/* The pod subnet of Node 'n', or false without an IPv4 one. */
static bool
node_subnet(const struct cluster_node *n, struct snat_subnet *subnet)
{
    return (n->pod_cidr
            && !parse_cidr(n->pod_cidr, &subnet->addr, &subnet->prefix_len));
}

/* Masquerading of pod traffic that leaves the cluster (snat.h), with every
 * Node's pod subnet left alone. */
static void
node_sync_snat(struct node *node)
{
    const struct pipeline_node *p = &node->pnode;
    struct snat_subnet local = { p->subnet, p->prefix_len };
    const struct cluster_node **nodes;
    struct snat_subnet *all;
    size_t n, n_all = 0;
    char *script, *err;

    nodes = (const struct cluster_node **) cluster_list(node->cluster,
                                                        CLUSTER_NODE, &n);
    all = xmalloc((n + 1) * sizeof *all);
    all[n_all++] = local;
    for (size_t i = 0; i < n; i++) {
        n_all += node_subnet(nodes[i], &all[n_all]);
    }
    script = snat_script(&local, node->conf->gateway_port, all, n_all);
    if (!nullable_string_is_equal(script, node->snat_script)) {
        if (snat_apply(script, &err)) {
            VLOG_ERR("egress SNAT not installed: %s", err);
            free(err);
            free(script);
            script = NULL;
        }
        free(node->snat_script);
        node->snat_script = script;
    } else {
        free(script);
    }
    free(all);
    free(nodes);
}

/* Whether 'changes' hold a Node's. */
static bool
changes_have_node(const struct cluster_change *changes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (changes[i].kind == CLUSTER_NODE) {
            return true;
        }
    }
    return false;
}

/* Gives the node's nftables the node ports of the Services, if they
 * changed since the last time (or 'always'). */
static void
node_sync_node_ports(struct node *node, bool always)
{
    struct nodeport_port *ports;
    size_t n;
    char *err;

    svclb_node_ports(node->svclb, &ports, &n);
    if (!always && n == node->n_node_ports
        && (!n || !memcmp(ports, node->node_ports, n * sizeof *ports))) {
        free(ports);
        return;
    }
    if (nodeport_apply(ports, n, &err)) {
        VLOG_ERR("node ports not installed: %s", err);
        free(err);
        free(ports);
        return;
    }
    free(node->node_ports);
    node->node_ports = ports;
    node->n_node_ports = n;
}

/* Counts a commit the switch confirmed ("flows/commits") and purges the
 * datapath cache when policy changed. */
static void
node_committed(struct node *node)
{
    node->n_commits++;
    node->last_commit_wall = time_wall_msec();
    node_purge_if_policy_changed(node);
}

/* Makes the switch hold exactly the flows this node wants: the gateway's
 * address and MAC, the node's flows and every recorded pod's, compared with
 * what the switch has.  Used at start and after ovs-vswitchd restarted (its
 * flow table is then empty and its gateway port new). */
static int
node_install_datapath(struct node *node)
{
    int error = (node->underlay
                 ? underlay_install(node->underlay, node->br, &node->pnode)
                 : 0);

    if (!error) {
        error = node_setup_gateway(node);
    }
    if (!error) {
        error = nodeport_setup_route(node->conf->gateway_port,
                                     node->pnode.gw_mac);
        if (error) {
            VLOG_ERR("%s: cannot route node ports: %s",
                     node->conf->gateway_port, ovs_strerror(-error));
        }
    }
    if (!error) {
        error = pipeline_set_node(node->ft, &node->pnode);
    }
    if (!error) {
        node_restore_pods(node);
        node_sync_remotes(node);
        node_sync_snat(node);
        policy_sync_all(node->policy, node->cluster, node->ft);
        svclb_sync_all(node->svclb, node->cluster, node->ft);
        node_sync_node_ports(node, true);
        error = flowtab_sync_installed(node->ft, node->of);
    }
    if (!error) {
        error = flowtab_commit(node->ft, node->of);
    }
    if (!error) {
        node_committed(node);
    }
    return error;
}

static int
node_start_datapath(struct node *node, const char *cidr)
{
    struct pipeline_node *p = &node->pnode;
    int error;

    error = parse_cidr(cidr, &p->subnet, &p->prefix_len);
    if (error) {
        VLOG_ERR("pod CIDR '%s' is not an IPv4 prefix of length 1..30", cidr);
        return error;
    }
    error = ipam_open(node->conf->state_dir, p->subnet, p->prefix_len,
                      &node->ipam);
    if (!error) {
        error = node_install_datapath(node);
    }
    if (error) {
        ipam_close(node->ipam);
        node->ipam = NULL;
        return error;
    }
    VLOG_INFO("node %s: pod subnet %s, gateway %s, %zu flows installed",
              node->conf->node_name, cidr, node->conf->gateway_port,
              flowtab_count(node->ft));
    node->next_liveness = time_msec() + NODE_LIVENESS_MS;
    return 0;
}

static bool
is_connection_error(int error)
{
    return error == -ECONNRESET || error == -EPIPE || error == -ENOTCONN;
}

/* Reopens the OpenFlow connection and reinstalls the datapath. */
static int
node_reconnect(struct node *node)
{
    ofconn_close(node->of);
    node->of = NULL;

    int error = node_connect_openflow(node);
    if (!error) {
        error = node_install_datapath(node);
    }
    if (error) {
        node_set_not_ready(node, "ovs-vswitchd is not answering OpenFlow");
    } else {
        VLOG_INFO("reconnected to ovs-vswitchd; %zu flows installed",
                  flowtab_count(node->ft));
        free(node->not_ready);
        node->not_ready = NULL;
    }
    return error;
}

int
node_commit(struct node *node)
{
    int error = node->of ? flowtab_commit(node->ft, node->of) : -ENOTCONN;

    if (is_connection_error(error)) {
        VLOG_WARN("OpenFlow connection lost (%s): reconnecting",
                  ovs_strerror(-error));
        error = node_reconnect(node);
    }
    if (!error) {
        node_committed(node);
    }
    return error;
}

static void
node_check_liveness(struct node *node)
{
    if (time_msec() < node->next_liveness) {
        return;
    }
    int error = node->of ? ofconn_echo(node->of) : -ENOTCONN;
    if (is_connection_error(error)) {
        VLOG_WARN("ovs-vswitchd went away (%s): reconnecting",
                  ovs_strerror(-error));
        node_reconnect(node);
    }
    node->next_liveness = time_msec() + NODE_LIVENESS_MS;
}

static void
node_try_start(struct node *node)
{
    const char *cidr = node_pod_cidr(node);

    if (!cidr) {
        char *why = xasprintf("no pod CIDR: set podCIDR in the configuration "
                              "or add Node %s with spec.podCIDR",
                              node->conf->node_name);
        node_set_not_ready(node, why);
        free(why);
    } else if (node_start_datapath(node, cidr)) {
        node_set_not_ready(node, "installing the node's datapath failed "
                           "(see the agent log)");
    } else {
        free(node->not_ready);
        node->not_ready = NULL;
    }
}

void
node_update_policy(struct node *node)
{
    struct cluster_change *changes;
    size_t n;

    if (!node->ipam) {
        return;
    }
    cluster_take_changes(node->cluster, &changes, &n);
    if (changes_have_node(changes, n)) {
        node_sync_remotes(node);
        node_sync_snat(node);
    }
    policy_handle_changes(node->policy, node->cluster, changes, n, node->ft);
    if (svclb_handle_changes(node->svclb, node->cluster, changes, n,
                             node->ft)) {
        node_sync_node_ports(node, false);
    }
    cluster_changes_free(changes, n);
}

void
node_run(struct node *node)
{
    ovsbridge_run(node->br);
    if (node->of) {
        ofconn_run(node->of);
    }
    source_run(&node->source, node->cluster);
    if (!node->ipam) {
        node_try_start(node);
        return;
    }
    node_check_liveness(node);
    node_update_policy(node);
    if (flowtab_has_changes(node->ft) && node_commit(node)) {
        VLOG_WARN_RL(&node->rl, "policy flows not installed; will retry");
    }
}

void
node_wait(struct node *node)
{
    ovsbridge_wait(node->br);
    if (node->of) {
        ofconn_wait(node->of);
    }
    source_wait(&node->source);
    if (!node->ipam) {
        poll_timer_wait(1000);
    } else {
        poll_timer_wait_until(node->next_liveness);
    }
}

bool
node_is_ready(const struct node *node)
{
    return node->ipam && !node->not_ready;
}
