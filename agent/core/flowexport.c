#include <config.h>
#include "agent/core/flowexport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/agent.h"
#include "agent/core/agentconf.h"
#include "agent/core/connstats.h"
#include "agent/lib/promtext.h"
#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/netpol.h"
#include "agent/observe/conntable.h"
#include "agent/observe/ctdump.h"
#include "agent/observe/flowrecord.h"
#include "agent/observe/ipfix.h"
#include "agent/observe/ipfixsend.h"
#include "agent/policy/netpolrules.h"
#include "agent/policy/policy.h"
#include "agent/services/svclb.h"
#include "dataplane/svcflows.h"
#include "dataplane/tables.h"
#include "dataplane/vswitchctl.h"
#include "dp-packet.h"
#include "flow.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(flowexport);

#define FLOWEXPORT_QUERY_TIMEOUT_MS 10000

/* A connection a policy dropped, from its sampled packets. */
struct fe_denied {
    struct hmap_node node;
    struct ctdump_entry entry;      /* made up: the tuples, the rule ids in
                                     * the labels, the sampled counts */
    long long int last_ms;          /* monotonic */
};

struct flowexport {
    const struct agentconf *conf;
    struct ipfix *ipfix;
    struct ipfixsend *send;
    struct conntable *conns;        /* from conntrack */
    struct conntable *denied;       /* from sampled drops */
    struct hmap denied_flows;       /* struct fe_denied */
    struct connstats *stats;
    struct vswitchctl_query *ct_query;
    char *ct_answer;                /* the dump, until the counters too */
    bool polling;
    long long int next_poll;
    const struct agent *agent;      /* during an update, for the names */
    bool exporting_denied;

    uint64_t n_polls, n_poll_errors, n_records, n_denied_samples;
    size_t n_conns;
};

static void export_flow(const struct conntable_flow *, void *fe_);

struct flowexport *
flowexport_create(const struct agentconf *conf, char **err)
{
    *err = NULL;
    if (!conf->flow_collector) {
        return NULL;
    }
    struct flowexport *fe = xzalloc(sizeof *fe);
    struct ipfix_options io = {
        .domain_id = hash_string(conf->node_name, 0),
        .template_refresh_s = conf->flow_template_refresh_s,
    };
    struct ipfixsend_options so = {
        .collector = conf->flow_collector,
        .max_queue = conf->flow_max_queue,
        .max_rate = conf->flow_max_rate,
    };
    struct conntable_options co = {
        .active_timeout_s = conf->flow_active_timeout_s,
        .idle_timeout_s = conf->flow_idle_timeout_s,
    };

    fe->conf = conf;
    fe->ipfix = ipfix_create(&io);
    hmap_init(&fe->denied_flows);
    fe->stats = connstats_create();
    fe->conns = conntable_create(&co, export_flow, fe);
    fe->denied = conntable_create(&co, export_flow, fe);
    if (flowrecord_add_template(fe->ipfix, conf->flow_enterprise)
        || ipfixsend_create(&so, fe->ipfix, &fe->send, err)) {
        if (!*err) {
            *err = xstrdup("the flow record template was refused");
        }
        flowexport_destroy(fe, NULL);
        return NULL;
    }
    return fe;
}

void
flowexport_destroy(struct flowexport *fe, const struct agent *agent)
{
    if (!fe) {
        return;
    }
    fe->agent = agent;
    conntable_flush(fe->conns, time_wall_msec());
    fe->exporting_denied = true;
    conntable_flush(fe->denied, time_wall_msec());
    fe->agent = NULL;
    ipfix_flush(fe->ipfix);
    if (fe->send) {
        ipfixsend_run(fe->send);
        ipfixsend_destroy(fe->send);
    }
    conntable_destroy(fe->conns);
    conntable_destroy(fe->denied);
    connstats_destroy(fe->stats);
    if (fe->ct_query) {
        vswitchctl_query_abandon(fe->ct_query);
    }
    free(fe->ct_answer);
    struct fe_denied *d;
    HMAP_FOR_EACH_POP (d, node, &fe->denied_flows) {
        free(d);
    }
    hmap_destroy(&fe->denied_flows);
    ipfix_destroy(fe->ipfix);
    free(fe);
}

/* Names. */

/* Strings a record points to, until it is encoded. */
struct fe_names {
    char *strs[16];
    size_t n;
};

static const char *
keep(struct fe_names *names, char *s)
{
    ovs_assert(names->n < ARRAY_SIZE(names->strs));
    names->strs[names->n++] = s;
    return s;
}

static void
names_free(struct fe_names *names)
{
    for (size_t i = 0; i < names->n; i++) {
        free(names->strs[i]);
    }
}

static const struct cluster_pod *
pod_at(const struct agent *agent, ovs_be32 ip)
{
    struct in_addr addr = { .s_addr = ip };
    return ip ? cluster_pod_by_addr(agent->cluster, addr) : NULL;
}

static void
set_pods(const struct agent *agent, struct flowrecord *rec)
{
    ovs_be32 dst = rec->post_nat_dst_ip ? rec->post_nat_dst_ip : rec->dst_ip;
    const struct cluster_pod *src_pod = pod_at(agent, rec->src_ip);
    const struct cluster_pod *dst_pod = pod_at(agent, dst);

    if (src_pod) {
        rec->src_pod_namespace = src_pod->namespace;
        rec->src_pod_name = src_pod->name;
        rec->src_node_name = src_pod->node_name;
    }
    if (dst_pod) {
        rec->dst_pod_namespace = dst_pod->namespace;
        rec->dst_pod_name = dst_pod->name;
        rec->dst_node_name = dst_pod->node_name;
    }
    rec->flow_type = (src_pod && dst_pod
                      ? (src_pod->node_name && dst_pod->node_name
                         && !strcmp(src_pod->node_name, dst_pod->node_name)
                         ? FLOWRECORD_TYPE_INTRA_NODE
                         : FLOWRECORD_TYPE_INTER_NODE)
                      : src_pod ? FLOWRECORD_TYPE_TO_EXTERNAL
                      : dst_pod ? FLOWRECORD_TYPE_FROM_EXTERNAL
                      : FLOWRECORD_TYPE_UNKNOWN);
}

/* The Service whose frontend the connection was addressed to, when a
 * DNAT chose an endpoint for it. */
static void
set_service(const struct agent *agent, const struct ctdump_entry *ct,
            struct flowrecord *rec, struct fe_names *names)
{
    ovs_be32 frontend = ctdump_ipv4(&ct->orig.dst);

    if (!rec->post_nat_dst_ip || rec->post_nat_dst_ip == frontend) {
        return;
    }
    struct in_addr addr = { .s_addr = frontend };
    struct svclb_ref lb;
    if (svclb_find(agent->svclb, 0, ct->proto, addr, ct->orig.dst_port,
                   &lb)) {
        /* The key is "NS/NAME/PORT/PROTO" (svclb.h). */
        size_t ns_len = strcspn(lb.key, "/");
        const char *name = lb.key[ns_len] ? lb.key + ns_len + 1 : "";
        rec->dst_service_namespace = keep(names, xmemdup0(lb.key, ns_len));
        rec->dst_service_name = keep(names,
                                     xmemdup0(name, strcspn(name, "/")));
        rec->dst_service_port = ct->orig.dst_port;
    }
}

static uint8_t
rule_action(enum polflows_action action)
{
    return (action == POLFLOWS_ALLOW ? FLOWRECORD_ACTION_ALLOW
            : action == POLFLOWS_PASS ? FLOWRECORD_ACTION_PASS
            : FLOWRECORD_ACTION_DENY);
}

/* Default isolation: the first NetworkPolicy that isolates the pod. */
static void
set_isolation(const struct agent *agent, const struct flowrecord *rec,
              enum polflows_dir dir, struct flowrecord_policy *p,
              struct fe_names *names)
{
    const struct cluster_pod *pod = pod_at(agent, dir == POLFLOWS_EGRESS
                                           ? rec->src_ip
                                           : (rec->post_nat_dst_ip
                                              ? rec->post_nat_dst_ip
                                              : rec->dst_ip));
    size_t n = 0;
    const struct netpol **nps = pod ? policy_isolating(agent->cluster, pod,
                                                       dir, &n) : NULL;

    p->kind = FLOWRECORD_KIND_NETWORK_POLICY;
    p->action = FLOWRECORD_ACTION_DENY;
    p->rule = "default deny";
    if (n) {
        p->namespace = keep(names, xstrdup(nps[0]->namespace));
        p->name = keep(names, xstrdup(nps[0]->name));
    }
    free(nps);
}

/* The rule the conntrack label (or a dropped packet's register) names. */
static void
set_policy(const struct agent *agent, const struct flowrecord *rec,
           uint32_t id, enum polflows_dir dir, struct flowrecord_policy *p,
           struct fe_names *names)
{
    struct policy_rule_ref ref;
    struct policy_rule_desc d;

    if (!id) {
        return;
    }
    if (id == NETPOLRULES_ISOLATION_ID(dir)) {
        set_isolation(agent, rec, dir, p, names);
        return;
    }
    if (!policy_find_rule(agent->policy, id, &ref)) {
        return;
    }
    policy_rule_describe(agent->cluster, &ref, &d);
    p->kind = (d.cnp ? FLOWRECORD_KIND_CLUSTER_NETWORK_POLICY
               : FLOWRECORD_KIND_NETWORK_POLICY);
    p->namespace = d.namespace ? keep(names, d.namespace) : NULL;
    p->name = d.name ? keep(names, d.name) : NULL;
    p->rule = (d.rule_name ? keep(names, xstrdup(d.rule_name))
               : d.rule ? keep(names, xstrdup(d.rule)) : NULL);
    p->action = rule_action(ref.rule->action);
    free(d.rule);
}

static void
export_flow(const struct conntable_flow *flow, void *fe_)
{
    struct flowexport *fe = fe_;
    struct fe_names names = { .n = 0 };
    struct flowrecord rec;

    if (!conntable_to_flowrecord(flow, &rec)) {
        return;
    }
    const ovs_u128 *labels = &flow->ct->labels;
    if (fe->agent) {
        set_pods(fe->agent, &rec);
        set_service(fe->agent, flow->ct, &rec, &names);
        set_policy(fe->agent, &rec, labels->u64.lo & UINT32_MAX,
                   POLFLOWS_EGRESS, &rec.egress, &names);
        set_policy(fe->agent, &rec, labels->u64.lo >> 32, POLFLOWS_INGRESS,
                   &rec.ingress, &names);
    }
    rec.denied = fe->exporting_denied;
    if (flowrecord_encode(fe->ipfix, &rec)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 10);
        VLOG_WARN_RL(&rl, "a flow record could not be encoded");
    } else {
        fe->n_records++;
    }
    names_free(&names);
}

/* Denied connections. */

static bool
is_policy_table(uint8_t table)
{
    return ((table >= TABLE_EGRESS_ADMIN && table <= TABLE_EGRESS_BASELINE)
            || (table >= TABLE_INGRESS_ADMIN
                && table <= TABLE_INGRESS_BASELINE));
}

/* The made-up conntrack entry of a dropped packet: its tuple, the reply
 * tuple it would have had, the rules in the labels (as ConntrackCommit
 * puts them). */
static void
denied_entry(const struct flow *f, const struct flow *md,
             struct ctdump_entry *e)
{
    memset(e, 0, sizeof *e);
    e->proto = f->nw_proto;
    e->zone = CT_ZONE_POD;
    e->timeout = -1;
    e->tcp_orig = e->tcp_reply = CTDUMP_TCP_NONE;
    in6_addr_set_mapped_ipv4(&e->orig.src, f->nw_src);
    in6_addr_set_mapped_ipv4(&e->orig.dst, f->nw_dst);
    e->reply.src = e->orig.dst;
    e->reply.dst = e->orig.src;
    if (f->nw_proto == IPPROTO_ICMP) {
        e->orig.icmp_type = ntohs(f->tp_src);
        e->orig.icmp_code = ntohs(f->tp_dst);
    } else {
        e->orig.src_port = e->reply.dst_port = ntohs(f->tp_src);
        e->orig.dst_port = e->reply.src_port = ntohs(f->tp_dst);
    }
    e->labels.u64.lo = (md->regs[REG_EGRESS_RULE_REG]
                        | (uint64_t) md->regs[REG_INGRESS_RULE_REG] << 32);
    e->has_counters = true;
}

static uint32_t
denied_hash(const struct ctdump_entry *e)
{
    uint32_t h = hash_bytes(&e->orig.src, sizeof e->orig.src, e->proto);
    h = hash_bytes(&e->orig.dst, sizeof e->orig.dst, h);
    return hash_int(e->orig.src_port << 16 | e->orig.dst_port, h);
}

static bool
same_tuple(const struct ctdump_entry *a, const struct ctdump_entry *b)
{
    return (a->proto == b->proto
            && ipv6_addr_equals(&a->orig.src, &b->orig.src)
            && ipv6_addr_equals(&a->orig.dst, &b->orig.dst)
            && a->orig.src_port == b->orig.src_port
            && a->orig.dst_port == b->orig.dst_port);
}

bool
flowexport_packet_in(struct flowexport *fe, struct agent *agent OVS_UNUSED,
                     const struct ofputil_packet_in *pin)
{
    const struct flow *md = &pin->flow_metadata.flow;
    struct dp_packet packet;
    struct ctdump_entry e;
    struct flow f;

    if (pin->table_id != TABLE_DROP || !is_policy_table(md->regs[2] & 0xff)
        || (md->regs[0] & REG_TRACE_RX_MASK)) {
        return false;
    }
    dp_packet_use_const(&packet, pin->packet, pin->packet_len);
    flow_extract(&packet, &f);
    dp_packet_uninit(&packet);
    if (f.dl_type != htons(ETH_TYPE_IP)) {
        return true;
    }
    denied_entry(&f, md, &e);

    uint32_t hash = denied_hash(&e);
    struct fe_denied *d;
    HMAP_FOR_EACH_WITH_HASH (d, node, hash, &fe->denied_flows) {
        if (same_tuple(&d->entry, &e)) {
            break;
        }
    }
    if (!d) {
        d = xzalloc(sizeof *d);
        d->entry = e;
        hmap_insert(&fe->denied_flows, &d->node, hash);
    }
    const struct ip_header *ip = (const void *) ((const char *) pin->packet
                                                 + ETH_HEADER_LEN);
    d->entry.orig.counters.packets++;
    d->entry.orig.counters.bytes += (pin->packet_len >= ETH_HEADER_LEN
                                     + IP_HEADER_LEN
                                     ? ETH_HEADER_LEN + ntohs(ip->ip_tot_len)
                                     : pin->packet_len);
    d->last_ms = time_msec();
    fe->n_denied_samples++;
    return true;
}

/* Feeds the denied connections seen within the idle timeout to their
 * table; those not seen since go, and the table ends their flows. */
static void
update_denied(struct flowexport *fe, long long int wall)
{
    long long int idle_ms = fe->conf->flow_idle_timeout_s * 1000LL;
    struct vec entries = VEC_INIT(struct ctdump_entry);
    struct fe_denied *d;

    HMAP_FOR_EACH_SAFE (d, node, &fe->denied_flows) {
        if (time_msec() - d->last_ms > idle_ms) {
            hmap_remove(&fe->denied_flows, &d->node);
            free(d);
        } else {
            vec_push(&entries, &d->entry);
        }
    }
    fe->exporting_denied = true;
    conntable_update(fe->denied, entries.data, entries.n, wall);
    fe->exporting_denied = false;
    free(entries.data);
}

/* Polls. */

static void
start_poll(struct flowexport *fe, struct agent *agent)
{
    static const uint16_t zone = CT_ZONE_POD;

    fe->ct_query = ctdump_query_start(agent->conf->ovs_rundir, &zone,
                                      FLOWEXPORT_QUERY_TIMEOUT_MS);
    if (connstats_start(fe->stats, agent->of)) {
        fe->n_poll_errors++;
    }
    fe->polling = true;
}

/* The conntrack dump with the counters, into the table. */
static void
end_poll(struct flowexport *fe, const struct agent *agent)
{
    struct vec entries = VEC_INIT(struct ctdump_entry);
    long long int wall = time_wall_msec();

    if (fe->ct_answer) {
        ctdump_parse(fe->ct_answer, &entries);
    }
    struct ctdump_entry *e = entries.data;
    for (size_t i = 0; i < entries.n; i++) {
        connstats_apply(fe->stats, &e[i]);
    }
    fe->agent = agent;
    if (fe->ct_answer) {
        conntable_update(fe->conns, entries.data, entries.n, wall);
        fe->n_conns = conntable_count(fe->conns);
    }
    update_denied(fe, wall);
    fe->agent = NULL;
    ipfix_flush(fe->ipfix);
    free(entries.data);
    free(fe->ct_answer);
    fe->ct_answer = NULL;
    fe->polling = false;
    fe->n_polls++;
}

static void
run_poll(struct flowexport *fe, const struct agent *agent)
{
    if (fe->ct_query) {
        char *answer;
        int error = vswitchctl_query_finish(fe->ct_query, &answer);
        if (error == -EINPROGRESS) {
            return;
        }
        fe->ct_query = NULL;
        if (error) {
            fe->n_poll_errors++;
            free(answer);
        } else {
            fe->ct_answer = answer;
        }
    }
    int error = connstats_finish(fe->stats);
    if (error == -EINPROGRESS) {
        return;
    }
    if (error) {
        fe->n_poll_errors++;
    }
    end_poll(fe, agent);
}

void
flowexport_run(struct flowexport *fe, struct agent *agent)
{
    ipfixsend_run(fe->send);
    if (fe->polling) {
        run_poll(fe, agent);
    } else if (time_msec() >= fe->next_poll && agent->of
               && agent->of_state == AGENT_OF_UP) {
        fe->next_poll = time_msec() + fe->conf->flow_poll_s * 1000LL;
        start_poll(fe, agent);
    }
}

void
flowexport_wait(struct flowexport *fe)
{
    ipfixsend_wait(fe->send);
    if (fe->ct_query) {
        vswitchctl_query_wait(fe->ct_query);
    }
    if (!fe->polling) {
        poll_timer_wait_until(fe->next_poll);
    }
}

void
flowexport_metrics(const struct flowexport *fe, struct ds *out)
{
    const struct ipfixsend_stats *st = ipfixsend_stats(fe->send);
    static const struct {
        const char *name;
        enum promtext_type type;
        const char *help;
    } families[] = {
        { "seine_flow_export_records_total", PROMTEXT_COUNTER,
          "Flow records encoded for the collector" },
        { "seine_flow_export_messages_total", PROMTEXT_COUNTER,
          "IPFIX messages sent, templates included" },
        { "seine_flow_export_dropped_messages_total", PROMTEXT_COUNTER,
          "IPFIX messages lost: the queue was full or a send failed" },
        { "seine_flow_export_reconnects_total", PROMTEXT_COUNTER,
          "Sessions with the collector started after the first" },
        { "seine_flow_export_connections", PROMTEXT_GAUGE,
          "Connections the exporter follows" },
        { "seine_flow_export_denied_samples_total", PROMTEXT_COUNTER,
          "Packets a policy dropped that reached the exporter (metered)" },
        { "seine_flow_export_poll_errors_total", PROMTEXT_COUNTER,
          "Conntrack or counter reads that failed" },
        { "seine_flow_export_collector_up", PROMTEXT_GAUGE,
          "Whether the collector takes records (1) or not (0)" },
    };
    const uint64_t values[] = {
        fe->n_records, st->messages, st->drops, st->reconnects, fe->n_conns,
        fe->n_denied_samples, fe->n_poll_errors,
        ipfixsend_connected(fe->send),
    };

    for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
        promtext_family(out, families[i].name, families[i].type,
                        families[i].help);
        promtext_sample_uint(out, families[i].name, NULL, 0, values[i]);
    }
}
