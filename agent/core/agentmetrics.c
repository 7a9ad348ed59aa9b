#include <config.h>
#include "agent/core/agentmetrics.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "agent/core/agent.h"
#include "agent/core/agentconf.h"
#include "agent/core/dpstats.h"
#include "dataplane/dpoffload.h"
#include "agent/core/flowexport.h"
#include "agent/core/pmdconf.h"
#include "agent/core/rulestats.h"
#include "agent/lib/promtext.h"
#include "agent/model/cluster.h"
#include "agent/observe/metricsrv.h"
#include "agent/pods/podstore.h"
#include "agent/policy/policy.h"
#include "agent/services/svclb.h"
#include "agent/sources/source.h"
#include "dataplane/flowtab.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/polflows.h"
#include "dataplane/svcflows.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "seine-config.h"
#include "timeval.h"
#include "util.h"

#define N_CMDS (CNIPROTO_GC + 1)
/* Interface types, and "" for requests of none (STATUS, GC, a DEL of
 * nothing). */
#define N_TYPES 4

static const char *const type_names[N_TYPES] = {
    "afxdp", "vhostuser", "tap", "",
};

static const double cni_bounds[] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};
static const double commit_bounds[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
};
static const double change_bounds[] = { 1, 10, 100, 1000, 10000, 100000 };

enum { COMMIT_OK, COMMIT_REFUSED, COMMIT_FAILED, N_COMMIT_RESULTS };
static const char *const commit_results[N_COMMIT_RESULTS] = {
    "ok", "refused", "failed",
};

struct agentmetrics {
    long long int start_wall;
    /* CNI: by command and result (0: ok, else the CNI error code). */
    uint64_t cni_requests[N_CMDS][256];
    struct promtext_histogram cni_seconds[N_CMDS][N_TYPES];
    enum cniproto_cmd cni_cmd;      /* of the request in progress */
    long long int cni_start;
    char *cni_type;
    /* Bundles. */
    uint64_t commits[N_COMMIT_RESULTS];
    struct promtext_histogram commit_seconds;
    struct promtext_histogram commit_changes;
    uint64_t reconnects;
    struct promtext_histogram policy_seconds;
    struct rulestats *rules;
};

struct agentmetrics *
agentmetrics_create(void)
{
    struct agentmetrics *m = xzalloc(sizeof *m);

    m->start_wall = time_wall_msec();
    for (size_t c = 0; c < N_CMDS; c++) {
        for (size_t t = 0; t < N_TYPES; t++) {
            promtext_histogram_init(&m->cni_seconds[c][t], cni_bounds,
                                    ARRAY_SIZE(cni_bounds));
        }
    }
    promtext_histogram_init(&m->commit_seconds, commit_bounds,
                            ARRAY_SIZE(commit_bounds));
    promtext_histogram_init(&m->commit_changes, change_bounds,
                            ARRAY_SIZE(change_bounds));
    promtext_histogram_init(&m->policy_seconds, commit_bounds,
                            ARRAY_SIZE(commit_bounds));
    m->rules = rulestats_create();
    return m;
}

void
agentmetrics_destroy(struct agentmetrics *m)
{
    if (m) {
        for (size_t c = 0; c < N_CMDS; c++) {
            for (size_t t = 0; t < N_TYPES; t++) {
                promtext_histogram_destroy(&m->cni_seconds[c][t]);
            }
        }
        promtext_histogram_destroy(&m->commit_seconds);
        promtext_histogram_destroy(&m->commit_changes);
        promtext_histogram_destroy(&m->policy_seconds);
        rulestats_destroy(m->rules);
        free(m->cni_type);
        free(m);
    }
}

static size_t
type_index(const char *type)
{
    for (size_t t = 0; type && t < N_TYPES - 1; t++) {
        if (!strcmp(type, type_names[t])) {
            return t;
        }
    }
    return N_TYPES - 1;
}

void
agentmetrics_cni_begin(struct agentmetrics *m, enum cniproto_cmd cmd,
                       const char *type)
{
    m->cni_cmd = cmd;
    m->cni_start = time_msec();
    free(m->cni_type);
    m->cni_type = nullable_xstrdup(type);
}

void
agentmetrics_cni_end(struct agentmetrics *m, const char *type,
                     const struct cniproto_response *resp)
{
    unsigned int code = resp->ok ? 0 : MIN(resp->code, 255u);
    double seconds = (time_msec() - m->cni_start) / 1000.0;

    m->cni_requests[m->cni_cmd][code]++;
    promtext_histogram_observe(
        &m->cni_seconds[m->cni_cmd][type_index(type ? type : m->cni_type)],
        seconds);
}

void
agentmetrics_commit(struct agentmetrics *m, int error, double seconds,
                    size_t n_changes)
{
    m->commits[!error ? COMMIT_OK
               : error == -EPROTO ? COMMIT_REFUSED : COMMIT_FAILED]++;
    promtext_histogram_observe(&m->commit_seconds, seconds);
    promtext_histogram_observe(&m->commit_changes, n_changes);
}

void
agentmetrics_reconnect(struct agentmetrics *m)
{
    m->reconnects++;
}

void
agentmetrics_policy(struct agentmetrics *m, double seconds)
{
    promtext_histogram_observe(&m->policy_seconds, seconds);
}

void
agentmetrics_run(struct agentmetrics *m, const struct agent *agent)
{
    bool wanted = false;

    if (rulestats_due(m->rules) && agent->policy) {
        wanted = (policy_count_rules(agent->policy)
                  <= (size_t) agent->conf->metrics_rule_stats_limit);
    }
    rulestats_run(m->rules, agent->of_state == AGENT_OF_UP ? agent->of : NULL,
                  wanted);
}

void
agentmetrics_wait(const struct agentmetrics *m)
{
    rulestats_wait(m->rules);
}

/* Families. */

static void
gauge(struct ds *s, const char *name, const char *help, double value)
{
    promtext_family(s, name, PROMTEXT_GAUGE, help);
    promtext_sample_double(s, name, NULL, 0, value);
}

static double
resident_bytes(void)
{
    unsigned long size, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2) {
            resident = 0;
        }
        fclose(f);
    }
    return (double) resident * sysconf(_SC_PAGESIZE);
}

static void
collect_agent(const struct agent *agent, const struct agentmetrics *m,
              struct ds *s)
{
    const char *ovs = ovsbridge_ovs_version(agent->br);
    struct promtext_label build[] = {
        { "version", SEINE_VERSION },
        { "ovs_version", ovs ? ovs : "" },
        { "datapath_type", "netdev" },
    };

    promtext_family(s, "seine_agent_build_info", PROMTEXT_GAUGE,
                    "The agent's version, the switch's and its datapath.");
    promtext_sample_uint(s, "seine_agent_build_info", build,
                         ARRAY_SIZE(build), 1);
    gauge(s, "seine_agent_start_time_seconds",
          "When the agent started, in seconds since the epoch.",
          m->start_wall / 1000.0);
    gauge(s, "seine_agent_resident_memory_bytes",
          "The agent's resident memory.", resident_bytes());
    gauge(s, "seine_agent_ready",
          "1 when the node serves CNI requests, else 0.",
          agent_is_ready(agent));
    gauge(s, "seine_agent_source_connected",
          "1 while the state source is in touch with the cluster, else 0.",
          source_connected(&agent->source));
    gauge(s, "seine_agent_openflow_connected",
          "1 while the OpenFlow connection to the switch is up, else 0.",
          agent->of_state == AGENT_OF_UP);
    promtext_family(s, "seine_agent_openflow_reconnects_total",
                    PROMTEXT_COUNTER,
                    "OpenFlow connections lost and opened again.");
    promtext_sample_uint(s, "seine_agent_openflow_reconnects_total", NULL, 0,
                         m->reconnects);
}

static void
collect_model(const struct agent *agent, struct ds *s)
{
    promtext_family(s, "seine_model_objects", PROMTEXT_GAUGE,
                    "Objects of the cluster model, by kind.");
    for (enum cluster_kind k = 0; k < CLUSTER_N_KINDS; k++) {
        struct promtext_label l = { "kind", cluster_kind_name(k) };
        promtext_sample_uint(s, "seine_model_objects", &l, 1,
                             cluster_count(agent->cluster, k));
    }
}

static void
collect_cni(const struct agent *agent, const struct agentmetrics *m,
            struct ds *s)
{
    promtext_family(s, "seine_cni_requests_total", PROMTEXT_COUNTER,
                    "CNI requests answered, by command and result (ok, or "
                    "the CNI error code).");
    for (size_t c = 0; c < N_CMDS; c++) {
        for (size_t code = 0; code < 256; code++) {
            if (m->cni_requests[c][code]) {
                char result[8];
                snprintf(result, sizeof result, "%zu", code);
                struct promtext_label l[] = {
                    { "command", cniproto_cmd_name(c) },
                    { "result", code ? result : "ok" },
                };
                promtext_sample_uint(s, "seine_cni_requests_total", l, 2,
                                     m->cni_requests[c][code]);
            }
        }
    }
    promtext_family(s, "seine_cni_request_duration_seconds",
                    PROMTEXT_HISTOGRAM,
                    "How long CNI requests took, by command and interface "
                    "type.");
    for (size_t c = 0; c < N_CMDS; c++) {
        for (size_t t = 0; t < N_TYPES; t++) {
            struct promtext_label l[] = {
                { "command", cniproto_cmd_name(c) },
                { "interface_type", type_names[t] },
            };
            promtext_histogram_write(s, "seine_cni_request_duration_seconds",
                                     l, 2, &m->cni_seconds[c][t]);
        }
    }

    size_t pods[N_TYPES] = { 0 };
    struct podrec *rec;
    PODSTORE_FOR_EACH_SAFE (rec, &CONST_CAST(struct agent *, agent)->store) {
        pods[type_index(podstore_type_name(rec->type))]++;
    }
    promtext_family(s, "seine_pods", PROMTEXT_GAUGE,
                    "Pod attachments on this node, by interface type.");
    for (size_t t = 0; t < N_TYPES - 1; t++) {
        struct promtext_label l = { "interface_type", type_names[t] };
        promtext_sample_uint(s, "seine_pods", &l, 1, pods[t]);
    }
}

static void
collect_flows(const struct agent *agent, const struct agentmetrics *m,
              struct ds *s)
{
    size_t counts[256];

    flowtab_count_by_table(agent->ft, counts);
    promtext_family(s, "seine_flows", PROMTEXT_GAUGE,
                    "Flows the agent keeps in the switch, by table.");
    for (unsigned int t = 0; t < 256; t++) {
        if (table_name(t)) {
            struct promtext_label l = { "table", table_name(t) };
            promtext_sample_uint(s, "seine_flows", &l, 1, counts[t]);
        }
    }
    gauge(s, "seine_groups", "OpenFlow groups the agent keeps in the switch.",
          flowtab_count_groups(agent->ft));
    promtext_family(s, "seine_bundle_commits_total", PROMTEXT_COUNTER,
                    "OpenFlow bundles sent, by result.");
    for (size_t r = 0; r < N_COMMIT_RESULTS; r++) {
        struct promtext_label l = { "result", commit_results[r] };
        promtext_sample_uint(s, "seine_bundle_commits_total", &l, 1,
                             m->commits[r]);
    }
    promtext_family(s, "seine_bundle_duration_seconds", PROMTEXT_HISTOGRAM,
                    "From a bundle's sending to the switch's answer.");
    promtext_histogram_write(s, "seine_bundle_duration_seconds", NULL, 0,
                             &m->commit_seconds);
    promtext_family(s, "seine_bundle_changes", PROMTEXT_HISTOGRAM,
                    "Flow and group operations per bundle.");
    promtext_histogram_write(s, "seine_bundle_changes", NULL, 0,
                             &m->commit_changes);
}

/* The switch's own counters of each port of the bridge (OVSDB's
 * Interface statistics, which ovs-vswitchd updates every few seconds). */
static const struct port_counter {
    const char *name;
    const char *help;
    size_t offset;
} port_counters[] = {
#define PC(NAME, MEMBER, HELP) \
    { NAME, HELP, offsetof(struct ovsbridge_iface_stats, MEMBER) }
    PC("seine_port_rx_packets_total", rx_packets,
       "Packets the switch received on the port."),
    PC("seine_port_rx_bytes_total", rx_bytes,
       "Bytes the switch received on the port."),
    PC("seine_port_rx_dropped_total", rx_dropped,
       "Packets dropped on reception (full queues, no buffers)."),
    PC("seine_port_rx_errors_total", rx_errors, "Reception errors."),
    PC("seine_port_tx_packets_total", tx_packets,
       "Packets the switch sent out of the port."),
    PC("seine_port_tx_bytes_total", tx_bytes,
       "Bytes the switch sent out of the port."),
    PC("seine_port_tx_dropped_total", tx_dropped,
       "Packets dropped on sending (the pod's ring full)."),
    PC("seine_port_tx_errors_total", tx_errors, "Sending errors."),
#undef PC
};

/* "NAMESPACE/NAME" of the pod whose port carries 'owner' (caller frees),
 * or NULL. */
static char *
port_pod(const struct agent *agent, const char *owner)
{
    const char *slash = owner ? strrchr(owner, '/') : NULL;
    const struct podrec *rec = NULL;

    if (slash) {
        char *cid = xmemdup0(owner, slash - owner);
        rec = podstore_find(&agent->store, cid, slash + 1);
        free(cid);
    }
    return (rec && rec->pod_name
            ? xasprintf("%s/%s", rec->pod_namespace ? rec->pod_namespace
                        : "default", rec->pod_name)
            : NULL);
}

static void
collect_ports(const struct agent *agent, struct ds *s)
{
    struct ovsbridge_port_info *ports;
    size_t n;

    ovsbridge_list_ports(agent->br, &ports, &n);
    char **pods = xcalloc(MAX(n, 1), sizeof *pods);
    for (size_t i = 0; i < n; i++) {
        pods[i] = port_pod(agent, ports[i].owner);
    }
    for (size_t c = 0; c < ARRAY_SIZE(port_counters); c++) {
        const struct port_counter *pc = &port_counters[c];
        promtext_family(s, pc->name, PROMTEXT_COUNTER, pc->help);
        for (size_t i = 0; i < n; i++) {
            int64_t v = *(const int64_t *) ((const char *) &ports[i].stats
                                            + pc->offset);
            struct promtext_label l[] = {
                { "port", ports[i].name },
                { "type", *ports[i].type ? ports[i].type : "system" },
                { "pod", pods[i] ? pods[i] : "" },
            };
            if (v >= 0) {
                promtext_sample_uint(s, pc->name, l, ARRAY_SIZE(l), v);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(pods[i]);
    }
    free(pods);
    ovsbridge_port_infos_free(ports, n);
}

/* The PMD threads' counters (dpstats.h: at most a few seconds old). */
static const struct pmd_family {
    const char *name;
    enum promtext_type type;
    const char *help;
    const char *key;            /* in pmdstats.h's "stats" */
    const char *label, *value;  /* an extra label, or NULL */
} pmd_families[] = {
    { "seine_pmd_packets_total", PROMTEXT_COUNTER,
      "Packets a datapath thread received.", "packetsReceived", NULL, NULL },
    { "seine_pmd_cache_hits_total", PROMTEXT_COUNTER,
      "Packets a datapath thread's caches classified, by cache.", "emcHits",
      "cache", "emc" },
    { "seine_pmd_cache_hits_total", 0, NULL, "smcHits", "cache", "smc" },
    { "seine_pmd_cache_hits_total", 0, NULL, "megaflowHits", "cache",
      "megaflow" },
    { "seine_pmd_upcalls_total", PROMTEXT_COUNTER,
      "Cache misses sent up to the OpenFlow tables, by result.",
      "missWithSuccessUpcall", "result", "ok" },
    { "seine_pmd_upcalls_total", 0, NULL, "missWithFailedUpcall", "result",
      "failed" },
    { "seine_pmd_cycles_total", PROMTEXT_COUNTER,
      "CPU cycles of a datapath thread, idle or processing packets.",
      "idleCycles", "state", "idle" },
    { "seine_pmd_cycles_total", 0, NULL, "processingCycles", "state",
      "processing" },
    { "seine_pmd_passes_per_packet", PROMTEXT_GAUGE,
      "Average datapath passes per packet (recirculations add passes).",
      "avgDatapathPassesPerPacket", NULL, NULL },
    { "seine_pmd_cycles_per_packet", PROMTEXT_GAUGE,
      "Average processing cycles per packet.", "avgProcessingCyclesPerPacket",
      NULL, NULL },
};

static double
json_number(struct json_object *obj, const char *key, bool *found)
{
    struct json_object *v;

    *found = (json_object_object_get_ex(obj, key, &v)
              && (json_object_is_type(v, json_type_int)
                  || json_object_is_type(v, json_type_double)));
    return *found ? json_object_get_double(v) : 0;
}

/* "numa0-core1", or the thread's name ("main"). */
static char *
pmd_label(struct json_object *thread)
{
    bool has_core, has_numa;
    double core = json_number(thread, "coreId", &has_core);
    double numa = json_number(thread, "numaId", &has_numa);
    struct json_object *name;

    if (has_core && has_numa) {
        return xasprintf("numa%.0f-core%.0f", numa, core);
    }
    return xstrdup(json_object_object_get_ex(thread, "thread", &name)
                   ? json_object_get_string(name) : "unknown");
}

static void
pmd_samples(struct ds *s, const struct pmd_family *f,
            struct json_object *threads)
{
    for (size_t i = 0; i < json_object_array_length(threads); i++) {
        struct json_object *t = json_object_array_get_idx(threads, i), *st;
        bool found;

        if (!json_object_object_get_ex(t, "stats", &st)) {
            continue;
        }
        double v = json_number(st, f->key, &found);
        if (found) {
            char *pmd = pmd_label(t);
            struct promtext_label l[] = {
                { "pmd", pmd }, { f->label, f->value },
            };
            promtext_sample_double(s, f->name, l, f->label ? 2 : 1, v);
            free(pmd);
        }
    }
}

static void
rxq_samples(struct ds *s, struct json_object *threads)
{
    promtext_family(s, "seine_pmd_rxq_usage_ratio", PROMTEXT_GAUGE,
                    "Share of a datapath thread's processing cycles each "
                    "rx queue took.");
    for (size_t i = 0; i < json_object_array_length(threads); i++) {
        struct json_object *t = json_object_array_get_idx(threads, i), *rxqs;
        if (!json_object_object_get_ex(t, "rxqs", &rxqs)) {
            continue;
        }
        char *pmd = pmd_label(t);
        for (size_t j = 0; j < json_object_array_length(rxqs); j++) {
            struct json_object *q = json_object_array_get_idx(rxqs, j), *port;
            bool has_usage, has_id;
            double usage = json_number(q, "usagePercent", &has_usage);
            double id = json_number(q, "queueId", &has_id);
            if (has_usage && has_id
                && json_object_object_get_ex(q, "port", &port)) {
                char queue[16];
                snprintf(queue, sizeof queue, "%.0f", id);
                struct promtext_label l[] = {
                    { "pmd", pmd },
                    { "port", json_object_get_string(port) },
                    { "queue", queue },
                };
                promtext_sample_double(s, "seine_pmd_rxq_usage_ratio", l, 3,
                                       usage / 100);
            }
        }
        free(pmd);
    }
}

static void
collect_datapath(const struct agent *agent, struct ds *s)
{
    struct json_object *threads = dpstats_pmds(agent->dpstats);

    for (size_t i = 0; i < ARRAY_SIZE(pmd_families); i++) {
        const struct pmd_family *f = &pmd_families[i];
        if (f->help) {
            promtext_family(s, f->name, f->type, f->help);
        }
        pmd_samples(s, f, threads);
    }
    rxq_samples(s, threads);
    pmdconf_metrics(agent->br, threads, s);
    json_object_put(threads);

    struct json_object *flows = dpstats_offload_flows(agent->dpstats);
    size_t counts[DPOFFLOAD_N_STATES];
    dpoffload_count(flows, counts);
    json_object_put(flows);
    promtext_family(s, "seine_datapath_flows", PROMTEXT_GAUGE,
                    "Datapath flows by hardware offload state "
                    "(dpctl/dump-flows -m): no, partial (the NIC marks, the "
                    "PMD runs it) or yes (the NIC runs it).");
    for (size_t i = 0; i < DPOFFLOAD_N_STATES; i++) {
        struct promtext_label label = {
            "offloaded", dpoffload_state_name(i),
        };
        promtext_sample_uint(s, "seine_datapath_flows", &label, 1,
                             counts[i]);
    }

    int64_t entries = dpstats_ct_entries(agent->dpstats);
    int64_t limit = dpstats_ct_limit(agent->dpstats);
    if (entries >= 0) {
        gauge(s, "seine_conntrack_entries",
              "Connections the userspace conntrack tracks.", entries);
    }
    if (limit >= 0) {
        gauge(s, "seine_conntrack_limit",
              "The most connections conntrack tracks (ct-set-maxconns).",
              limit);
    }
}

static const char *
rule_action_name(enum polflows_action action)
{
    return (action == POLFLOWS_ALLOW ? "allow"
            : action == POLFLOWS_DENY ? "deny" : "pass");
}

static void
rule_counters(const struct agentmetrics *m, const struct policy_rule_ref *refs,
              size_t n, struct ds *s)
{
    static const char *const names[2] = {
        "seine_policy_rule_packets_total", "seine_policy_rule_bytes_total",
    };

    promtext_family(s, names[0], PROMTEXT_COUNTER,
                    "Packets each policy rule decided: the first of each "
                    "connection, as established traffic skips the rules "
                    "(its flows' counters, read every 15 s).");
    promtext_family(s, names[1], PROMTEXT_COUNTER,
                    "Bytes each policy rule decided.");
    for (size_t i = 0; i < n; i++) {
        const struct polflows_rule *r = refs[i].rule;
        uint64_t v[2];
        if (rulestats_get(m->rules, r->id, &v[0], &v[1])) {
            struct promtext_label l[] = {
                { "kind", refs[i].cnp ? "ClusterNetworkPolicy"
                  : "NetworkPolicy" },
                { "rule", refs[i].key },
                { "direction", polflows_dir_name(r->dir) },
                { "action", rule_action_name(r->action) },
            };
            for (size_t k = 0; k < 2; k++) {
                promtext_sample_uint(s, names[k], l, ARRAY_SIZE(l), v[k]);
            }
        }
    }
}

static void
collect_policy(const struct agent *agent, const struct agentmetrics *m,
               struct ds *s)
{
    size_t n, counts[2][2] = { { 0 } };
    struct policy_rule_ref *refs = (agent->policy
                                    ? policy_list_rules(agent->policy, &n)
                                    : NULL);

    for (size_t i = 0; refs && i < n; i++) {
        counts[refs[i].cnp][refs[i].rule->dir == POLFLOWS_INGRESS]++;
    }
    promtext_family(s, "seine_policy_rules", PROMTEXT_GAUGE,
                    "Policy rules in force on this node, by kind and "
                    "direction.");
    for (size_t k = 0; k < 2; k++) {
        for (size_t d = 0; d < 2; d++) {
            struct promtext_label l[] = {
                { "kind", k ? "ClusterNetworkPolicy" : "NetworkPolicy" },
                { "direction", d ? "ingress" : "egress" },
            };
            promtext_sample_uint(s, "seine_policy_rules", l, 2, counts[k][d]);
        }
    }
    promtext_family(s, "seine_policy_resolution_seconds", PROMTEXT_HISTOGRAM,
                    "How long policy resolution took, per batch of changes.");
    promtext_histogram_write(s, "seine_policy_resolution_seconds", NULL, 0,
                             &m->policy_seconds);
    if (refs) {
        rule_counters(m, refs, n, s);
    }
    free(refs);
}

static void
collect_services(const struct agent *agent, struct ds *s)
{
    size_t n, endpoints = 0;
    struct svclb_ref *refs = svclb_list(agent->svclb, &n);

    for (size_t i = 0; i < n; i++) {
        endpoints += refs[i].lb->n_endpoints;
    }
    free(refs);
    gauge(s, "seine_service_load_balancers",
          "Service load balancers (one per Service port and protocol).", n);
    gauge(s, "seine_service_endpoints",
          "Endpoints behind the load balancers (the buckets of their "
          "groups).", endpoints);
}

static void
collect_endpoint(const struct agent *agent, struct ds *s)
{
    if (!agent->metricsrv) {
        return;
    }
    const struct metricsrv_stats *st = metricsrv_stats(agent->metricsrv);
    promtext_family(s, "seine_metrics_scrape_duration_seconds",
                    PROMTEXT_HISTOGRAM,
                    "How long the scrapes before this one took to collect.");
    promtext_histogram_write(s, "seine_metrics_scrape_duration_seconds", NULL,
                             0, &st->scrape_seconds);
    promtext_family(s, "seine_metrics_unauthorized_total", PROMTEXT_COUNTER,
                    "Requests to the metrics endpoint refused for want of "
                    "the token.");
    promtext_sample_uint(s, "seine_metrics_unauthorized_total", NULL, 0,
                         st->n_unauthorized);
}

void
agentmetrics_collect(struct agentmetrics *m, const struct agent *agent,
                     struct ds *s)
{
    collect_agent(agent, m, s);
    collect_model(agent, s);
    source_metrics(&agent->source, s);
    collect_cni(agent, m, s);
    collect_flows(agent, m, s);
    collect_policy(agent, m, s);
    collect_services(agent, s);
    collect_ports(agent, s);
    collect_datapath(agent, s);
    collect_endpoint(agent, s);
    if (agent->flowexport) {
        flowexport_metrics(agent->flowexport, s);
    }
}
