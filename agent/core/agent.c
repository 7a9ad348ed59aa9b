#include <config.h>
#include "agent/core/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "agent/lib/hostlink.h"
#include "agent/core/agentconf.h"
#include "agent/core/agentmetrics.h"
#include "agent/core/attach.h"
#include "agent/core/dpstats.h"
#include "agent/core/flowexport.h"
#include "agent/core/formats.h"
#include "agent/core/offloadconf.h"
#include "agent/core/pmdconf.h"
#include "agent/core/tracepeer.h"
#include "agent/core/restorewait.h"
#include "agent/core/traceflow.h"
#include "agent/hostnet/nodeport.h"
#include "agent/hostnet/hostguard.h"
#include "agent/hostnet/snat.h"
#include "agent/hostnet/underlay.h"
#include "agent/model/cluster.h"
#include "agent/observe/metricsrv.h"
#include "agent/pods/ipam.h"
#include "agent/pods/podif.h"
#include "agent/policy/policy.h"
#include "agent/services/svclb.h"
#include "agent/sources/kubesource.h"
#include "agent/sources/manifests.h"
#include "dataplane/cookie.h"
#include "dataplane/dpcache.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/reject.h"
#include "dataplane/tables.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/types.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "timeval.h"
#include "seine-config.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(agent);

#define AGENT_OVS_TIMEOUT_MS 10000
/* How often the agent makes sure ovs-vswitchd still answers. */
#define AGENT_LIVENESS_MS 2000
/* How often a lost OpenFlow connection is tried again. */
#define AGENT_RECONNECT_MS 1000
/* How often the agent's status object is written without a change of its
 * conditions (its heartbeat). */
#define AGENT_INFO_MS 60000

static void
agent_set_not_ready(struct agent *agent, const char *why)
{
    if (!agent->not_ready || strcmp(agent->not_ready, why)) {
        VLOG_INFO("not ready: %s", why);
        free(agent->not_ready);
        agent->not_ready = xstrdup(why);
    }
}

/* The agent's round (cookie.h) goes up by one on every start, so flows of
 * an earlier run can be told from this run's. */
static int
agent_next_round(const char *state_dir, uint16_t *roundp)
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
agent_packet_in(const struct ofputil_packet_in *pin, void *node_)
{
    struct agent *agent = node_;
    struct ofpbuf reply;

    if (traceflow_packet_in(agent->traceflow, agent, pin)
        || (agent->flowexport
            && flowexport_packet_in(agent->flowexport, agent, pin))
        || pin->table_id != TABLE_SERVICE_LB) {
        return;
    }
    ofpbuf_init(&reply, 128);
    if (!reject_build(pin->packet, pin->packet_len, &reply)) {
        ofconn_send_packet(agent->of,
                           ofp_to_u16(pin->flow_metadata.flow.in_port.ofp_port),
                           reply.data, reply.size);
    }
    ofpbuf_uninit(&reply);
}

/* What a new OpenFlow connection needs before any flow: packet-ins, and
 * the meter the flow exporter's sampling flows name. */
static int
agent_setup_openflow(struct agent *agent)
{
    int error = ofconn_set_packet_in(agent->of, agent_packet_in, agent);

    if (!error && agent->flowexport) {
        error = ofconn_set_meter(agent->of, METER_DENIED,
                                 agent->conf->flow_denied_pps);
    }
    return error;
}

static char *
agent_of_target(const struct agent *agent)
{
    return ovsbridge_mgmt_target(agent->conf->ovs_rundir, agent->conf->bridge);
}

static int
agent_connect_openflow(struct agent *agent)
{
    char *target = agent_of_target(agent);
    int error = ofconn_open(target, agent->conf->switch_timeout_ms,
                            &agent->of);

    if (!error) {
        error = agent_setup_openflow(agent);
    }
    if (error) {
        VLOG_ERR("%s: OpenFlow connection failed: %s", target,
                 ovs_strerror(-error));
    }
    free(target);
    agent->of_state = error ? AGENT_OF_DOWN : AGENT_OF_UP;
    return error;
}

/* The state folder's or the switch's formats (formats.h), before the
 * agent changes either. */
static int
agent_check_formats(const char *state_dir, struct ovsbridge *br)
{
    char *err;
    int error = (state_dir ? formats_check_state(state_dir, &err)
                 : formats_check_cookies(br, &err));

    if (error) {
        VLOG_ERR("%s", err);
        free(err);
    }
    return error;
}

static int
agent_open_ovs(struct agent *agent)
{
    const struct agentconf *conf = agent->conf;
    int error;

    error = ovsbridge_open(conf->ovsdb_socket, conf->bridge,
                           AGENT_OVS_TIMEOUT_MS, &agent->br);
    if (error) {
        VLOG_ERR("%s: cannot read the OVS database: %s", conf->ovsdb_socket,
                 ovs_strerror(-error));
        return error;
    }
    error = agent_check_formats(NULL, agent->br);
    if (error) {
        return error;
    }
    error = ovsbridge_ensure(agent->br, conf->gateway_port, AGENT_OVS_TIMEOUT_MS);
    if (error) {
        VLOG_ERR("bridge %s: %s", conf->bridge, ovs_strerror(-error));
        return error;
    }
    return agent_connect_openflow(agent);
}

/* The flow exporter, when a collector is configured; its counters and
 * sampling are part of the pipeline. */
static int
agent_open_flow_export(struct agent *agent)
{
    const struct agentconf *conf = agent->conf;
    char *err;

    agent->flowexport = flowexport_create(conf, &err);
    if (err) {
        VLOG_ERR("flow export to %s: %s", conf->flow_collector, err);
        free(err);
        return -EINVAL;
    }
    agent->pnode.conn_stats = agent->flowexport != NULL;
    agent->pnode.conntrack_all = conf->conntrack_all;
    /* A learned counter flow outlives the exporter's idle timeout, so a
     * connection's counts do not restart between two of its records. */
    agent->pnode.conn_stats_idle_s = (2 * conf->flow_idle_timeout_s
                                      + conf->flow_poll_s);
    agent->pnode.denied_to_controller = agent->flowexport != NULL;
    return 0;
}

static int
agent_open_kubernetes(struct agent *agent)
{
    const struct agentconf *conf = agent->conf;
    struct kubesource_options opts = {
        .kubeconfig = conf->kubeconfig,
        .context = conf->kube_context,
        .allow_insecure = conf->kube_allow_insecure,
    };
    char *err = NULL;
    int error = kubesource_open(&opts, agent->cluster, &agent->source, &err);

    if (error) {
        VLOG_ERR("state source kubernetes: %s", err);
        free(err);
    }
    return error;
}

static int
agent_open_source(struct agent *agent)
{
    const struct agentconf *conf = agent->conf;

    if (conf->source == AGENTCONF_SOURCE_KUBERNETES) {
        return agent_open_kubernetes(agent);
    }
    if (mkdir(conf->manifest_dir, 0755) && errno != EEXIST) {
        VLOG_ERR("%s: %s", conf->manifest_dir, ovs_strerror(errno));
        return -errno;
    }
    return manifests_open(conf->manifest_dir, agent->cluster, &agent->source);
}

static void
agent_collect_metrics(void *agent_, struct ds *out)
{
    struct agent *agent = agent_;

    agentmetrics_collect(agent->metrics, agent, out);
}

static int
agent_open_metrics(struct agent *agent)
{
    const struct agentconf *conf = agent->conf;
    struct metricsrv_options opts = {
        .address = conf->metrics_address,
        .port = conf->metrics_port,
        .tls_cert_file = conf->metrics_tls_cert,
        .tls_key_file = conf->metrics_tls_key,
        .token_file = conf->metrics_token_file,
        .insecure = conf->metrics_insecure,
    };
    char *err = NULL;

    agent->metrics = agentmetrics_create();
    agent->dpstats = dpstats_create(conf->ovs_rundir);
    agent->traceflow = traceflow_create();
    /* Before the endpoint listens, so no pod ever finds it open. */
    int guarded = conf->metrics_allow_pods ? 0 : conf->metrics_port;
    int error = hostguard_apply(conf->gateway_port, guarded, &err);
    if (error && guarded) {
        VLOG_ERR("metrics endpoint not opened: cannot keep pods from it: %s",
                 err);
        free(err);
        return error;
    }
    if (error) {
        VLOG_WARN("an earlier metrics guard may be left: %s", err);
        free(err);
    }
    if (!conf->metrics_port) {
        return 0;
    }
    error = metricsrv_open(&opts, agent_collect_metrics, agent,
                               &agent->metricsrv, &err);
    if (!error) {
        metricsrv_add_route(agent->metricsrv, TRACEPEER_PATH,
                            traceflow_received_route, agent->traceflow);
    }
    if (error) {
        VLOG_ERR("metrics endpoint %s port %d: %s", conf->metrics_address,
                 conf->metrics_port, err);
        free(err);
    }
    return error;
}

/* "A.B.C.D/N" with N from 1 to 'max_plen'. */
static int
parse_cidr(const char *cidr, int max_plen, struct in_addr *subnet,
           int *prefix_len)
{
    char addr[INET_ADDRSTRLEN];
    int plen;

    if (sscanf(cidr, "%15[0-9.]/%d", addr, &plen) != 2
        || inet_pton(AF_INET, addr, subnet) != 1 || plen < 1
        || plen > max_plen) {
        return -EINVAL;
    }
    *prefix_len = plen;
    return 0;
}

int
agent_open(const struct agentconf *conf, struct agent **agentp)
{
    struct agent *agent = xzalloc(sizeof *agent);
    int error;

    agent->conf = conf;
    agent->cluster = cluster_create();
    agent->restorewait = restorewait_create();
    agent_set_not_ready(agent, "starting");

    if (mkdir(conf->state_dir, 0700) && errno != EEXIST) {
        error = -errno;
        VLOG_ERR("%s: %s", conf->state_dir, ovs_strerror(errno));
        goto error;
    }
    error = agent_check_formats(conf->state_dir, NULL);
    if (!error) {
        error = agent_next_round(conf->state_dir, &agent->round);
    }
    if (!error) {
        error = podstore_open(conf->state_dir, &agent->store);
    }
    if (!error) {
        error = agent_open_flow_export(agent);
    }
    if (!error) {
        error = agent_open_ovs(agent);
    }
    if (!error && conf->pmd_apply) {
        /* Opt-in; a plan that fails leaves the switch as it was. */
        pmdconf_apply(conf, agent->br);
    }
    if (!error) {
        offloadconf_apply(conf->hw_offload, agent->br);
    }
    if (!error) {
        error = agent_open_source(agent);
    }
    if (!error) {
        error = agent_open_metrics(agent);
    }
    if (error) {
        goto error;
    }
    agent->ft = flowtab_create(agent->round);
    /* A restarted agent must not pick the names its last ports had. */
    agent->port_seq = random_uint32();
    agent->policy = policy_create(conf->node_name);
    agent->svclb = svclb_create(conf->node_name);
    if (conf->uplink) {
        struct underlay_config ucfg = {
            .ovsdb_socket = conf->ovsdb_socket,
            .uplink = conf->uplink,
            .dpdk_devargs = (!strcmp(conf->uplink_type, "dpdk")
                             ? conf->uplink_devargs : NULL),
            .rxqs = conf->uplink_rxqs,
            .uplink_mtu = conf->uplink_mtu,
            .tunnel_type = conf->tunnel_type,
            .encap = strcmp(conf->encap_mode, "noEncap"),
            .mtu = conf->mtu,
        };
        /* agentconf checked it. */
        if (conf->node_ip) {
            ovs_assert(!parse_cidr(conf->node_ip, 32, &ucfg.node_ip,
                                   &ucfg.node_prefix_len));
        }
        agent->underlay = underlay_create(&ucfg);
    }
    agent->rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(1, 10);
    VLOG_INFO("node %s: round %u, %zu pod attachments on record",
              conf->node_name, agent->round, podstore_count(&agent->store));
    *agentp = agent;
    return 0;

error:
    agent_close(agent);
    *agentp = NULL;
    return error;
}

void
agent_close(struct agent *agent)
{
    if (agent) {
        metricsrv_close(agent->metricsrv);
        agentmetrics_destroy(agent->metrics);
        dpstats_destroy(agent->dpstats);
        traceflow_destroy(agent->traceflow, agent);
        restorewait_destroy(agent->restorewait);
        flowexport_destroy(agent->flowexport, agent);
        source_destroy(&agent->source);
        if (agent->store.dir) {
            podstore_close(&agent->store);
        }
        policy_destroy(agent->policy);
        svclb_destroy(agent->svclb);
        underlay_destroy(agent->underlay);
        free(agent->node_ports);
        free(agent->snat_script);
        flowtab_destroy(agent->ft);
        ofconn_close(agent->of);
        ovsbridge_close(agent->br);
        ipam_close(agent->ipam);
        ipam_close(agent->ipam6);
        cluster_destroy(agent->cluster);
        free(agent->not_ready);
        free(agent);
    }
}

/* The IPv4 pod CIDR from the configuration, else from this node's Node
 * object.  A configuration that names only an IPv6 subnet is followed too:
 * mixing one family from the file with the other from the Node would give
 * the node subnets nobody chose together. */
static const char *
agent_pod_cidr(const struct agent *agent)
{
    if (agent->conf->pod_cidr || agent->conf->pod_cidr6) {
        return agent->conf->pod_cidr;
    }
    const struct cluster_node *cn = cluster_find_node(agent->cluster,
                                                      agent->conf->node_name);
    return cn ? cn->pod_cidr : NULL;
}

/* The IPv6 pod CIDR, from where the IPv4 one comes. */
static const char *
agent_pod_cidr6(const struct agent *agent)
{
    if (agent->conf->pod_cidr || agent->conf->pod_cidr6) {
        return agent->conf->pod_cidr6;
    }
    const struct cluster_node *cn = cluster_find_node(agent->cluster,
                                                      agent->conf->node_name);
    return cn ? cn->pod_cidr6 : NULL;
}

int
agent_pod_mtu(const struct agent *agent)
{
    return agent->underlay ? underlay_pod_mtu(agent->underlay) : agent->conf->mtu;
}

static int
agent_setup_gateway(struct agent *agent)
{
    struct pipeline_node *p = &agent->pnode;
    struct ovsbridge_port_status st;
    int error;

    p->gw_ip = ipam_gateway(agent->ipam);
    error = hostlink_set_addr(agent->conf->gateway_port, p->gw_ip,
                                p->prefix_len, agent_pod_mtu(agent), p->gw_mac);
    if (error) {
        VLOG_ERR("%s: cannot set its address: %s", agent->conf->gateway_port,
                 ovs_strerror(-error));
        return error;
    }
    if (p->has_ip6) {
        error = hostlink_add_addr6(agent->conf->gateway_port, &p->gw_ip6,
                                   p->prefix_len6);
        if (error) {
            VLOG_ERR("%s: cannot set its IPv6 address: %s",
                     agent->conf->gateway_port, ovs_strerror(-error));
            return error;
        }
    }
    ovsbridge_port_status(agent->br, agent->conf->gateway_port, &st);
    p->gw_ofport = st.ofport;
    free(st.error);
    return p->gw_ofport > 0 ? 0 : -ENODEV;
}

void
agent_set_pod_ip(struct agent *agent, const struct podrec *rec, bool present)
{
    if (rec->default_route && rec->pod_namespace && rec->pod_name) {
        char ip[INET_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET, &rec->ip, ip, sizeof ip);
        cluster_set_pod_ip(agent->cluster, rec->pod_namespace, rec->pod_name,
                           present ? ip : NULL);
        if (rec->has_ip6) {
            inet_ntop(AF_INET6, &rec->ip6, ip6, sizeof ip6);
            cluster_set_pod_ip_family(agent->cluster, rec->pod_namespace,
                                      rec->pod_name, AF_INET6,
                                      present ? ip6 : NULL);
        }
    }
}

/* Rebuilds the desired flows of every pod on record.  A pod whose port is
 * gone keeps its record (DEL will clean it up) but gets no flows. */
static void
agent_restore_pods(struct agent *agent)
{
    struct podrec *rec;

    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        struct ovsbridge_port_status st;

        ovsbridge_port_status(agent->br, rec->port_name, &st);
        if (st.ofport > 0) {
            attach_retake_tap(agent, rec);
            rec->ofport = st.ofport;
            struct pipeline_pod pod;
            attach_pipeline_pod(rec, &pod);
            pipeline_set_pod(agent->ft, &agent->pnode, &pod);
            agent_set_pod_ip(agent, rec, true);
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
agent_purge_if_policy_changed(struct agent *agent)
{
    bool policy = policy_take_changed(agent->policy);
    bool services = svclb_take_changed(agent->svclb);

    /* A commit that only re-stamped cookies (an agent restart) changed no
     * verdict: purging would cost every live flow an upcall for nothing,
     * and on a loaded node stall the PMD threads for seconds. */
    if ((policy || services) && !flowtab_last_commit_restamped(agent->ft)) {
        dpcache_purge(agent->conf->ovs_rundir);
    }
}

/* Node 'n''s IPv6 pod subnet, if it has one. */
static void
agent_remote6(const struct cluster_node *n, struct pipeline_remote *r)
{
    unsigned int plen;

    r->has_ip6 = false;
    if (n->pod_cidr6) {
        char *err = ipv6_parse_cidr(n->pod_cidr6, &r->subnet6, &plen);
        r->has_ip6 = !err;
        r->prefix_len6 = err ? 0 : plen;
        free(err);
    }
}

/* Node 'n' as a remote to route to: false for this node, or one without
 * an IPv4 pod CIDR or InternalIP.  'r->name' is the Node's. */
static bool
agent_remote(const struct agent *agent, const struct cluster_node *n,
             struct pipeline_remote *r)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash;

    *r = (struct pipeline_remote) { .name = n->name };
    if (!strcmp(n->name, agent->conf->node_name) || !n->pod_cidr
        || !n->internal_ip
        || inet_pton(AF_INET, n->internal_ip, &r->ip) != 1) {
        return false;
    }
    slash = strchr(n->pod_cidr, '/');
    if (!slash || slash - n->pod_cidr >= (ptrdiff_t) sizeof addr) {
        return false;
    }
    memcpy(addr, n->pod_cidr, slash - n->pod_cidr);
    addr[slash - n->pod_cidr] = '\0';
    r->prefix_len = atoi(slash + 1);
    agent_remote6(n, r);
    return (inet_pton(AF_INET, addr, &r->subnet) == 1 && r->prefix_len > 0
            && r->prefix_len <= 32);
}

/* Routes to the other nodes' pod subnets, in a cluster of several. */
static void
agent_sync_remotes(struct agent *agent)
{
    const struct cluster_node **nodes;
    struct pipeline_remote *remotes;
    size_t n, n_remotes = 0;

    if (!agent->underlay) {
        return;
    }
    nodes = (const struct cluster_node **) cluster_list(agent->cluster,
                                                        CLUSTER_NODE, &n);
    remotes = xmalloc((n ? n : 1) * sizeof *remotes);
    for (size_t i = 0; i < n; i++) {
        n_remotes += agent_remote(agent, nodes[i], &remotes[n_remotes]);
    }
    underlay_sync_nodes(agent->underlay, remotes, n_remotes, &agent->pnode,
                        agent->ft);
    free(remotes);
    free(nodes);
}

/* The pod subnet of Node 'n', or false without an IPv4 one. */
static bool
agent_subnet(const struct cluster_node *n, struct snat_subnet *subnet)
{
    return (n->pod_cidr
            && !parse_cidr(n->pod_cidr, 30, &subnet->addr, &subnet->prefix_len));
}

/* Masquerading of pod traffic that leaves the cluster (snat.h), with every
 * Node's pod subnet left alone. */
static void
agent_sync_snat(struct agent *agent)
{
    const struct pipeline_node *p = &agent->pnode;
    struct snat_subnet local = { p->subnet, p->prefix_len };
    const struct cluster_node **nodes;
    struct snat_subnet *all;
    size_t n, n_all = 0;
    char *script, *err;

    nodes = (const struct cluster_node **) cluster_list(agent->cluster,
                                                        CLUSTER_NODE, &n);
    all = xmalloc((n + 1) * sizeof *all);
    all[n_all++] = local;
    for (size_t i = 0; i < n; i++) {
        n_all += agent_subnet(nodes[i], &all[n_all]);
    }
    script = snat_script(&local, agent->conf->gateway_port, all, n_all);
    if (!nullable_string_is_equal(script, agent->snat_script)) {
        if (snat_apply(script, &err)) {
            VLOG_ERR("egress SNAT not installed: %s", err);
            free(err);
            free(script);
            script = NULL;
        }
        free(agent->snat_script);
        agent->snat_script = script;
    } else {
        free(script);
    }
    free(all);
    free(nodes);
}

/* Gives the node's nftables the node ports of the Services, if they
 * changed since the last time (or 'always'). */
static void
agent_sync_node_ports(struct agent *agent, bool always)
{
    struct ipproto_port *ports;
    size_t n;
    char *err;

    svclb_node_ports(agent->svclb, &ports, &n);
    if (!always && n == agent->n_node_ports
        && (!n || !memcmp(ports, agent->node_ports, n * sizeof *ports))) {
        free(ports);
        return;
    }
    if (nodeport_apply(ports, n, &err)) {
        VLOG_ERR("node ports not installed: %s", err);
        free(err);
        free(ports);
        return;
    }
    free(agent->node_ports);
    agent->node_ports = ports;
    agent->n_node_ports = n;
}

/* Counts a commit the switch confirmed ("flows/commits") and purges the
 * datapath cache when policy changed. */
static void
agent_committed(struct agent *agent)
{
    agent->n_commits++;
    agent->last_commit_wall = time_wall_msec();
    agent_purge_if_policy_changed(agent);
}

/* The consumers of model changes.  Each reads some kinds of object; a
 * full sync computes everything it owns from the model, an incremental
 * handler what a batch of changes of its kinds touches.  A new consumer
 * (metrics, flow export) is one row. */

#define KIND(K) (1u << (K))

static void
remotes_sync(struct agent *agent)
{
    agent_sync_remotes(agent);
    agent_sync_snat(agent);
}

static void
remotes_handle(struct agent *agent,
               const struct cluster_change *changes OVS_UNUSED,
               size_t n OVS_UNUSED)
{
    remotes_sync(agent);
}

static void
policy_sync(struct agent *agent)
{
    long long int start = time_msec();

    policy_sync_all(agent->policy, agent->cluster, agent->ft);
    agentmetrics_policy(agent->metrics, (time_msec() - start) / 1000.0);
}

static void
policy_handle(struct agent *agent, const struct cluster_change *changes,
              size_t n)
{
    long long int start = time_msec();

    policy_handle_changes(agent->policy, agent->cluster, changes, n,
                          agent->ft);
    agentmetrics_policy(agent->metrics, (time_msec() - start) / 1000.0);
}

static void
services_sync(struct agent *agent)
{
    svclb_sync_all(agent->svclb, agent->cluster, agent->ft);
    agent_sync_node_ports(agent, true);
}

static void
services_handle(struct agent *agent, const struct cluster_change *changes,
                size_t n)
{
    if (svclb_handle_changes(agent->svclb, agent->cluster, changes, n,
                             agent->ft)) {
        agent_sync_node_ports(agent, false);
    }
}

static const struct agent_consumer {
    const char *name;
    unsigned int kinds;         /* KIND() of what it reads */
    void (*sync_all)(struct agent *);
    void (*handle)(struct agent *, const struct cluster_change *, size_t n);
} agent_consumers[] = {
    { "remote nodes and SNAT", KIND(CLUSTER_NODE),
      remotes_sync, remotes_handle },
    { "policy", KIND(CLUSTER_NAMESPACE) | KIND(CLUSTER_POD)
                | KIND(CLUSTER_NODE) | KIND(CLUSTER_NETWORK_POLICY)
                | KIND(CLUSTER_CLUSTER_NETWORK_POLICY),
      policy_sync, policy_handle },
    { "services", KIND(CLUSTER_SERVICE) | KIND(CLUSTER_ENDPOINT_SLICE),
      services_sync, services_handle },
};

/* Hands each consumer the changes of the kinds it reads, if any. */
static void
agent_dispatch(struct agent *agent, const struct cluster_change *changes,
               size_t n)
{
    if (!n) {
        return;                 /* every idle wake-up */
    }
    struct cluster_change *mine = xmalloc(n * sizeof *mine);
    for (size_t i = 0; i < ARRAY_SIZE(agent_consumers); i++) {
        const struct agent_consumer *c = &agent_consumers[i];
        size_t n_mine = 0;

        for (size_t j = 0; j < n; j++) {
            if (c->kinds & KIND(changes[j].kind)) {
                mine[n_mine++] = changes[j];
            }
        }
        if (n_mine) {
            c->handle(agent, mine, n_mine);
        }
    }
    free(mine);
}

/* Every desired flow of the node from the model and the pod records: the
 * node's pipeline, the pods, and every consumer's full sync. */
static int
agent_build_desired(struct agent *agent)
{
    int error = pipeline_set_node(agent->ft, &agent->pnode);

    if (!error) {
        agent_restore_pods(agent);
        for (size_t i = 0; i < ARRAY_SIZE(agent_consumers); i++) {
            agent_consumers[i].sync_all(agent);
        }
    }
    return error;
}

int
agent_recompute(struct agent *agent, size_t *n_changesp)
{
    *n_changesp = 0;
    if (!agent_is_ready(agent)) {
        return -EAGAIN;
    }
    if (agent->attach_job) {
        /* Its pod has flows but no record yet: a rebuild from the records
         * would drop them. */
        return -EBUSY;
    }
    policy_destroy(agent->policy);
    agent->policy = policy_create(agent->conf->node_name);
    svclb_reset(agent->svclb);
    if (agent->underlay) {
        underlay_reset(agent->underlay);
    }
    flowtab_clear_desired(agent->ft);

    int error = agent_build_desired(agent);
    *n_changesp = flowtab_count_changes(agent->ft);
    if (!error && *n_changesp) {
        VLOG_WARN("recompute: the incremental flows differed from a full "
                  "computation in %zu changes", *n_changesp);
        error = agent_commit(agent);
    }
    return error;
}

/* What the switch needs besides flows, and every desired flow: the
 * underlay, the gateway's address and MAC, the route for node ports.  Used
 * at start and after ovs-vswitchd restarted (its gateway port is then new,
 * its flow table empty). */
static int
agent_prepare_datapath(struct agent *agent)
{
    int error = (agent->underlay
                 ? underlay_install(agent->underlay, agent->br, &agent->pnode)
                 : 0);

    if (!error) {
        error = agent_setup_gateway(agent);
    }
    if (!error) {
        error = nodeport_setup_route(agent->conf->gateway_port,
                                     agent->pnode.gw_mac);
        if (error) {
            VLOG_ERR("%s: cannot route node ports: %s",
                     agent->conf->gateway_port, ovs_strerror(-error));
        }
    }
    return error ? error : agent_build_desired(agent);
}

/* Makes the switch hold exactly the flows this node wants, compared with
 * what the switch has, and waits for it. */
static int
agent_install_datapath(struct agent *agent)
{
    int error = agent_prepare_datapath(agent);

    if (!error) {
        error = flowtab_sync_installed(agent->ft, agent->of);
    }
    if (!error) {
        error = agent_commit(agent);
    }
    return error;
}

/* A dual-stack node's IPv6 allocator and the pipeline's IPv6 subnet; none
 * (0) on an IPv4-only node. */
static int
agent_open_ipam6(struct agent *agent)
{
    struct pipeline_node *p = &agent->pnode;
    const char *cidr = agent_pod_cidr6(agent);
    unsigned int plen;

    p->has_ip6 = false;
    if (!cidr) {
        return 0;
    }
    char *err = ipv6_parse_cidr(cidr, &p->subnet6, &plen);
    if (err) {
        VLOG_ERR("IPv6 pod CIDR '%s': %s", cidr, err);
        free(err);
        return -EINVAL;
    }
    p->prefix_len6 = plen;
    int error = ipam_open6(agent->conf->state_dir, p->subnet6, plen,
                           &agent->ipam6);
    if (!error) {
        p->has_ip6 = true;
        p->gw_ip6 = ipam_gateway6(agent->ipam6);
    }
    return error;
}

static int
agent_start_datapath(struct agent *agent, const char *cidr)
{
    struct pipeline_node *p = &agent->pnode;
    int error;

    error = parse_cidr(cidr, 30, &p->subnet, &p->prefix_len);
    if (error) {
        VLOG_ERR("pod CIDR '%s' is not an IPv4 prefix of length 1..30", cidr);
        return error;
    }
    error = ipam_open(agent->conf->state_dir, p->subnet, p->prefix_len,
                      &agent->ipam);
    if (!error) {
        error = agent_open_ipam6(agent);
    }
    if (!error) {
        error = agent_install_datapath(agent);
    }
    if (error) {
        ipam_close(agent->ipam);
        ipam_close(agent->ipam6);
        agent->ipam = agent->ipam6 = NULL;
        agent->pnode.has_ip6 = false;
        return error;
    }
    VLOG_INFO("node %s: pod subnet %s, gateway %s, %zu flows installed",
              agent->conf->node_name, cidr, agent->conf->gateway_port,
              flowtab_count(agent->ft));
    agent->next_liveness = time_msec() + AGENT_LIVENESS_MS;
    return 0;
}

static bool
is_connection_error(int error)
{
    return (error == -ECONNRESET || error == -EPIPE || error == -ENOTCONN
            || error == -ETIMEDOUT);
}

/* The OpenFlow connection failed: the agent is not ready until a new one
 * has read the switch's flows (agent_run_openflow()). */
static void
agent_lost_openflow(struct agent *agent, int error)
{
    VLOG_WARN("OpenFlow connection lost (%s): reconnecting",
              ovs_strerror(-error));
    flowtab_commit_abandon(agent->ft);
    agentmetrics_reconnect(agent->metrics);
    ofconn_close(agent->of);
    agent->of = NULL;
    agent->echo_id = 0;
    agent->of_state = AGENT_OF_DOWN;
    agent->next_reconnect = time_msec();
    agent_set_not_ready(agent, "ovs-vswitchd is not answering OpenFlow");
}

/* A new connection is up: everything but the flow dump is quick, and the
 * dump goes on from the loop. */
static int
agent_resync_start(struct agent *agent)
{
    int error = agent_setup_openflow(agent);

    if (!error) {
        error = agent_prepare_datapath(agent);
    }
    return error ? error : flowtab_sync_start(agent->ft, agent->of);
}

static void
agent_run_openflow(struct agent *agent)
{
    int error = 0;

    switch (agent->of_state) {
    case AGENT_OF_DOWN:
        if (time_msec() >= agent->next_reconnect) {
            char *target = agent_of_target(agent);
            error = ofconn_open_async(target, agent->conf->switch_timeout_ms,
                                      &agent->of);
            free(target);
            agent->next_reconnect = time_msec() + AGENT_RECONNECT_MS;
            if (!error) {
                agent->of_state = AGENT_OF_CONNECTING;
            }
        }
        return;
    case AGENT_OF_CONNECTING:
        error = ofconn_status(agent->of);
        if (error == -EINPROGRESS) {
            return;
        }
        if (!error) {
            error = agent_resync_start(agent);
            agent->of_state = AGENT_OF_SYNCING;
        }
        break;
    case AGENT_OF_SYNCING:
        error = flowtab_sync_finish(agent->ft, agent->of);
        if (error == -EINPROGRESS) {
            return;
        }
        if (!error) {
            agent->of_state = AGENT_OF_UP;
            agent->of_epoch++;
            agent->next_liveness = time_msec() + AGENT_LIVENESS_MS;
            VLOG_INFO("reconnected to ovs-vswitchd; committing %zu flows",
                      flowtab_count(agent->ft));
            free(agent->not_ready);
            agent->not_ready = NULL;
        }
        break;
    case AGENT_OF_UP:
        error = ofconn_status(agent->of);
        break;
    }
    if (error) {
        ofconn_close(agent->of);
        agent->of = NULL;
        if (agent->of_state == AGENT_OF_UP) {
            agent_lost_openflow(agent, error);
        } else {
            agent->of_state = AGENT_OF_DOWN;
        }
    }
}

/* A commit ended: counted, or remembered as refused for the requests that
 * wait for it; a connection error is the reconnect's business. */
static void
agent_commit_ended(struct agent *agent, int error)
{
    agentmetrics_commit(agent->metrics, error,
                        (time_msec() - agent->commit_sent_at) / 1000.0,
                        agent->commit_sent_n);
    if (!error) {
        agent->commits_done = agent->commits_sent;
        agent_committed(agent);
    } else if (is_connection_error(error)) {
        agent_lost_openflow(agent, error);
    } else {
        agent->commit_refused = agent->commits_sent;
        agent->commit_error = error;
        VLOG_WARN_RL(&agent->rl, "flows not installed (%s); will retry",
                     ovs_strerror(-error));
    }
}

/* Sends the pending changes when no bundle is in flight, and takes the
 * answer to the one that is. */
static void
agent_run_commit(struct agent *agent)
{
    if (agent->of_state != AGENT_OF_UP) {
        return;
    }
    if (flowtab_commit_in_flight(agent->ft)) {
        int error = flowtab_commit_finish(agent->ft, agent->of);
        if (error == -EINPROGRESS) {
            return;
        }
        agent_commit_ended(agent, error);
        if (error) {
            return;
        }
    }
    if (flowtab_has_changes(agent->ft)) {
        agent->commit_sent_at = time_msec();
        int error = flowtab_commit_start(agent->ft, agent->of);
        agent->commit_sent_n = flowtab_commit_size(agent->ft);
        if (!error && flowtab_commit_in_flight(agent->ft)) {
            agent->commits_sent++;
        } else if (error) {
            agent->commits_sent++;
            agent_commit_ended(agent, error);
        }
    }
}

uint64_t
agent_request_commit(struct agent *agent)
{
    uint64_t before = agent->commits_sent;

    agent_run_commit(agent);
    /* Whatever is desired now went into the bundle just sent, if one was;
     * else it goes into the next (one in flight is older). */
    return (agent->commits_sent > before ? agent->commits_sent
            : agent->commits_sent + 1);
}

int
agent_commit_result(const struct agent *agent, uint64_t gen)
{
    if (agent->commits_done >= gen) {
        return 0;
    } else if (agent->commit_refused >= gen) {
        return agent->commit_error;
    } else if (agent->of_state == AGENT_OF_UP
               && !flowtab_commit_in_flight(agent->ft)
               && !flowtab_has_changes(agent->ft)) {
        return 0;               /* nothing to send: it is all installed */
    }
    return -EINPROGRESS;
}

int
agent_commit(struct agent *agent)
{
    if (agent->of_state != AGENT_OF_UP) {
        return -ENOTCONN;
    }
    uint64_t gen = agent_request_commit(agent);
    int error;
    while ((error = agent_commit_result(agent, gen)) == -EINPROGRESS
           && agent->of_state == AGENT_OF_UP) {
        ofconn_wait(agent->of);
        poll_block();
        ofconn_run(agent->of);
        agent_run_openflow(agent);
        agent_run_commit(agent);
    }
    return error == -EINPROGRESS ? -ENOTCONN : error;
}

/* Every few seconds an echo makes sure the switch still answers: one that
 * stays unanswered times the connection out (ofconn.h). */
static void
agent_check_liveness(struct agent *agent)
{
    if (agent->of_state != AGENT_OF_UP) {
        return;
    }
    if (agent->echo_id
        && ofconn_finish(agent->of, agent->echo_id, NULL) != -EINPROGRESS) {
        agent->echo_id = 0;
    }
    if (!agent->echo_id && time_msec() >= agent->next_liveness) {
        if (ofconn_echo_start(agent->of, &agent->echo_id)) {
            agent->echo_id = 0;
        }
        agent->next_liveness = time_msec() + AGENT_LIVENESS_MS;
    }
}

static void
agent_try_start(struct agent *agent)
{
    const char *cidr = agent_pod_cidr(agent);

    if (!cidr) {
        char *why = xasprintf("no pod CIDR: set podCIDR in the configuration "
                              "or add Node %s with spec.podCIDR",
                              agent->conf->node_name);
        agent_set_not_ready(agent, why);
        free(why);
    } else if (agent_start_datapath(agent, cidr)) {
        agent_set_not_ready(agent, "installing the node's datapath failed "
                           "(see the agent log)");
    } else {
        free(agent->not_ready);
        agent->not_ready = NULL;
    }
}

void
agent_apply_changes(struct agent *agent)
{
    struct cluster_change *changes;
    size_t n;

    if (!agent->ipam) {
        return;
    }
    cluster_take_changes(agent->cluster, &changes, &n);
    agent_dispatch(agent, changes, n);
    cluster_changes_free(changes, n);
}

static void
put_time(struct json_object *obj, const char *key, long long int wall_ms)
{
    time_t t = wall_ms / 1000;
    struct tm tm;
    char buf[32];

    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_object_add(obj, key, json_object_new_string(buf));
}

static struct json_object *
agent_conditions_json(const struct agent *agent)
{
    static const char *const types[AGENT_N_CONDS] = {
        [AGENT_COND_OVS] = "OVSConnected",
        [AGENT_COND_API] = "APIConnected",
        [AGENT_COND_READY] = "Ready",
    };
    struct json_object *conds = json_object_new_array();

    for (size_t i = 0; i < AGENT_N_CONDS; i++) {
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "type", json_object_new_string(types[i]));
        json_object_object_add(c, "status", json_object_new_string(
                                   agent->conds[i].status ? "True" : "False"));
        put_time(c, "lastTransitionTime", agent->conds[i].since);
        if (i == AGENT_COND_READY && agent->not_ready) {
            json_object_object_add(c, "message",
                                   json_object_new_string(agent->not_ready));
        }
        json_object_array_add(conds, c);
    }
    return conds;
}

static struct json_object *
agent_pod_counts_json(const struct agent *agent)
{
    int64_t counts[3] = { 0, 0, 0 };
    struct podrec *rec;

    PODSTORE_FOR_EACH_SAFE (rec, &CONST_CAST(struct agent *, agent)->store) {
        counts[rec->type == PODSTORE_AFXDP ? 0
               : rec->type == PODSTORE_VHOSTUSER ? 1 : 2]++;
    }
    struct json_object *obj = json_object_new_object();
    json_object_object_add(obj, "afxdp", json_object_new_int64(counts[0]));
    json_object_object_add(obj, "vhostuser", json_object_new_int64(counts[1]));
    json_object_object_add(obj, "tap", json_object_new_int64(counts[2]));
    return obj;
}

/* SeineAgentInfo (deploy/seine.yml), named after the node. */
static struct json_object *
agent_info_json(const struct agent *agent)
{
    struct json_object *info = json_object_new_object();
    struct json_object *md = json_object_new_object();
    const char *ovs = ovsbridge_ovs_version(agent->br);
    const char *cidr = agent_pod_cidr(agent);

    json_object_object_add(info, "apiVersion",
                           json_object_new_string("crd.seine.io/v1alpha1"));
    json_object_object_add(info, "kind",
                           json_object_new_string("SeineAgentInfo"));
    json_object_object_add(md, "name",
                           json_object_new_string(agent->conf->node_name));
    json_object_object_add(info, "metadata", md);
    json_object_object_add(info, "version",
                           json_object_new_string(SEINE_VERSION));
    if (cidr) {
        json_object_object_add(info, "nodeSubnet",
                               json_object_new_string(cidr));
    }
    if (ovs) {
        json_object_object_add(info, "ovsVersion",
                               json_object_new_string(ovs));
    }
    json_object_object_add(info, "datapathType",
                           json_object_new_string("netdev"));
    json_object_object_add(info, "podCounts", agent_pod_counts_json(agent));
    json_object_object_add(info, "flowCount",
                           json_object_new_int64(flowtab_count(agent->ft)));
    json_object_object_add(info, "conditions", agent_conditions_json(agent));
    put_time(info, "heartbeatTime", time_wall_msec());
    return info;
}

/* Writes the status object when a condition changes, and as a heartbeat
 * every minute. */
static void
agent_run_info(struct agent *agent)
{
    bool now[AGENT_N_CONDS] = {
        [AGENT_COND_OVS] = agent->of_state == AGENT_OF_UP,
        [AGENT_COND_API] = source_connected(&agent->source),
        [AGENT_COND_READY] = agent_is_ready(agent),
    };
    bool changed = false;

    for (size_t i = 0; i < AGENT_N_CONDS; i++) {
        struct agent_condition *c = &agent->conds[i];
        if (!c->since || c->status != now[i]) {
            c->status = now[i];
            c->since = time_wall_msec();
            changed = true;
        }
    }
    if (changed || time_msec() >= agent->next_info) {
        struct json_object *info = agent_info_json(agent);
        source_publish(&agent->source, info);
        json_object_put(info);
        agent->next_info = time_msec() + AGENT_INFO_MS;
    }
}

/* The switch has confirmed every flow the agent wants: none is waiting to
 * be sent or answered, and the connection has been resynchronised. */
static bool
agent_flows_in_place(const struct agent *agent)
{
    return (agent_is_ready(agent) && agent->of_state == AGENT_OF_UP
            && agent->commits_done == agent->commits_sent
            && !flowtab_has_changes(agent->ft));
}

void
agent_run(struct agent *agent)
{
    ovsbridge_run(agent->br);
    if (agent->of) {
        ofconn_run(agent->of);
    }
    if (agent->metricsrv) {
        metricsrv_run(agent->metricsrv);
    }
    if (agent->dpstats) {
        dpstats_run(agent->dpstats);
    }
    if (agent->metricsrv) {
        agentmetrics_run(agent->metrics, agent);
    }
    source_run(&agent->source, agent->cluster);
    agent_run_info(agent);
    if (!agent->ipam) {
        agent_try_start(agent);
        return;
    }
    agent_run_openflow(agent);
    agent_check_liveness(agent);
    agent_apply_changes(agent);
    if (agent->flowexport) {
        flowexport_run(agent->flowexport, agent);
    }
    agent_run_commit(agent);
    /* After the commit's answer is taken: a trace waiting for its flows
     * sends its packet in the same wake-up. */
    traceflow_run(agent->traceflow, agent);
    restorewait_run(agent->restorewait, agent->br, agent_flows_in_place(agent));
}

void
agent_wait(struct agent *agent)
{
    ovsbridge_wait(agent->br);
    if (agent->of) {
        ofconn_wait(agent->of);
    }
    if (agent->of_state == AGENT_OF_UP) {
        flowtab_wait(agent->ft);
    }
    source_wait(&agent->source);
    if (agent->metricsrv) {
        metricsrv_wait(agent->metricsrv);
    }
    if (agent->dpstats) {
        dpstats_wait(agent->dpstats);
    }
    if (agent->metricsrv) {
        agentmetrics_wait(agent->metrics);
    }
    poll_timer_wait_until(agent->next_info);
    traceflow_wait(agent->traceflow);
    restorewait_wait(agent->restorewait);
    if (agent->flowexport) {
        flowexport_wait(agent->flowexport);
    }
    if (!agent->ipam) {
        poll_timer_wait(1000);
    } else if (agent->of_state == AGENT_OF_DOWN) {
        poll_timer_wait_until(agent->next_reconnect);
    } else if (agent->of_state == AGENT_OF_UP && !agent->echo_id) {
        poll_timer_wait_until(agent->next_liveness);
    }
}

bool
agent_is_ready(const struct agent *agent)
{
    return agent->ipam && !agent->not_ready;
}
