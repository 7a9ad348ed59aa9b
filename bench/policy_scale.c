/*
 * policy_scale: how NetworkPolicy resolution (agent/netpol) scales with the
 * size of the cluster, on one node.
 *
 * It generates a synthetic cluster from a seed (the same seed gives the same
 * cluster), feeds it to the cluster model as Kubernetes objects
 * (cluster_apply), and measures, for node "node-0":
 *
 *   full         rulebook_recompute_all() + rulebook_result(), and
 *                the result compiled into a flow table (polflows), with the
 *                number of flows;
 *   memory       peak RSS after the model is built (the baseline) and after
 *                the full computation, and the difference;
 *   incremental  for each of N label changes of a pod of this node:
 *                cluster_apply() of the relabelled pod, then
 *                rulebook_affected() + rulebook_recompute() +
 *                rulebook_result(), and the changed rules rewritten in
 *                the flow table; the number of policies recomputed.
 *
 * The cluster: pods spread over namespaces evenly and over nodes at random
 * (so this node has about pods_per_node of them), each with an "app" label
 * (one of five per namespace) and the named container ports "http" (8080
 * or 8000, by app) and "metrics"; namespaces carry a "team" label (about
 * twenty namespaces per team).  Policies select pods by app (sometimes all
 * pods, sometimes app In (a, b)); ingress and egress rules take peers by
 * podSelector, namespaceSelector (team), both, ipBlock (with except) or
 * none, and ports numeric, named, ranges (endPort), UDP or none; half of
 * the egress policies add a DNS rule towards one namespace.
 *
 * When the full computation would take longer than the budget (estimated
 * from a sample of policies), only as many policies as the budget allows
 * are resolved and the full time is extrapolated (and marked so).  The
 * incremental figures stay exact: before each change, the policies that
 * can count the pod are resolved, which is all of the state a change of
 * that pod reads.
 *
 * Prints a table; with --json FILE, writes the configuration, the results
 * and every sample as JSON (bench/policy-scale adds the host).
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <json-c/json.h>

#include "agent/model/cluster.h"
#include "agent/policy/netpolrules.h"
#include "bench/benchclock.h"
#include "bench/benchopt.h"
#include "dataplane/flowtab.h"
#include "dataplane/polflows.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "util.h"

#define N_APPS 5
#define NS_PER_TEAM 20
#define LOCAL_NODE "node-0"
#define SAMPLE_POLICIES 100
#define BATCH_POLICIES 256

struct scale_shape {
    const char *name;
    size_t n_pods;
    size_t n_namespaces;
    size_t n_policies;
    size_t pods_per_node;
};

static const struct scale_shape scale_shapes[] = {
    { "quick", 1000, 100, 1000, 100 },
    { "A", 10000, 1000, 10000, 100 },
    { "B", 100000, 25000, 75000, 100 },
};

struct scale_config {
    const struct scale_shape *shape;
    uint64_t seed;
    size_t n_changes;
    double budget_s;            /* for the full computation */
    bool flows;                 /* compile into a flow table */
    const char *json;           /* NULL: no JSON */
};

static const struct scale_config scale_defaults = {
    .shape = &scale_shapes[1],
    .seed = 1,
    .n_changes = 20,
    .budget_s = 900,
    .flows = true,
};

/* splitmix64: small, and the same sequence everywhere. */
struct rng {
    uint64_t state;
};

static uint64_t
rng_next(struct rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static size_t
rng_below(struct rng *r, size_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* A pod as generated, enough to write it again with another label. */
struct gen_pod {
    uint32_t ns;
    uint32_t node;
    uint32_t ip;                /* host byte order */
    uint8_t app;
};

struct scale {
    struct scale_config cfg;
    struct rng rng;
    struct cluster *cluster;
    struct gen_pod *pods;
    size_t n_nodes;
    size_t n_teams;
    size_t *local;              /* indexes of this node's pods */
    size_t n_local;
    struct rulebook *state;
    struct rulebook_result applied;   /* what the flow table holds */
    struct flowtab *ft;
    bool partial;               /* the budget stopped the full run */
    size_t n_resolved;          /* policies in the state */
};

static struct json_object *
parse_object(const struct ds *text)
{
    struct json_object *obj = json_tokener_parse(ds_cstr_ro(text));

    if (!obj) {
        fprintf(stderr, "policy_scale: generated bad JSON: %s\n",
                ds_cstr_ro(text));
    }
    return obj;
}

/* Applies 'obj' to the model (and releases it). */
static int
apply_object(struct scale *s, struct json_object *obj)
{
    char *err = NULL;
    int error;

    if (!obj) {
        return -EINVAL;
    }
    error = cluster_apply(s->cluster, obj, &err);
    if (error) {
        fprintf(stderr, "policy_scale: %s\n", err ? err : "cluster_apply");
        free(err);
    }
    json_object_put(obj);
    return error;
}

static int
scale_apply(struct scale *s, const struct ds *text)
{
    return apply_object(s, parse_object(text));
}

/* Generation. */

static int
gen_namespaces(struct scale *s)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    int error = 0;

    for (size_t i = 0; !error && i < s->cfg.shape->n_namespaces; i++) {
        ds_clear(&text);
        ds_put_format(&text, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                      "\"metadata\":{\"name\":\"ns-%zu\",\"labels\":"
                      "{\"team\":\"team-%zu\",\"env\":\"%s\"}}}",
                      i, rng_below(&s->rng, s->n_teams),
                      rng_below(&s->rng, 4) ? "prod" : "dev");
        error = scale_apply(s, &text);
    }
    ds_destroy(&text);
    return error;
}

static void
put_pod(const struct gen_pod *p, size_t index, struct ds *text)
{
    struct in_addr addr = { htonl(p->ip) };
    char ip[INET_ADDRSTRLEN];

    inet_ntop(AF_INET, &addr, ip, sizeof ip);
    ds_put_format(text, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                  "\"metadata\":{\"namespace\":\"ns-%"PRIu32"\","
                  "\"name\":\"pod-%zu\",\"uid\":\"uid-%zu\","
                  "\"labels\":{\"app\":\"app-%u\",\"tier\":\"%s\"}},"
                  "\"spec\":{\"nodeName\":\"node-%"PRIu32"\","
                  "\"containers\":[{\"name\":\"main\",\"ports\":["
                  "{\"name\":\"http\",\"containerPort\":%d},"
                  "{\"name\":\"metrics\",\"containerPort\":9090}]}]},"
                  "\"status\":{\"podIP\":\"%s\"}}",
                  p->ns, index, index, p->app, p->app < 2 ? "front" : "back",
                  p->node, p->app % 2 ? 8000 : 8080, ip);
}

/* Node K has 10.(K / 256).(K % 256).0/24, pods from .2 on. */
static int
gen_pods(struct scale *s)
{
    const struct scale_shape *sh = s->cfg.shape;
    uint32_t *next_host = xcalloc(s->n_nodes, sizeof *next_host);
    struct ds text = DS_EMPTY_INITIALIZER;
    int error = 0;

    s->pods = xcalloc(sh->n_pods, sizeof *s->pods);
    s->local = xcalloc(sh->n_pods, sizeof *s->local);
    for (size_t i = 0; !error && i < sh->n_pods; i++) {
        struct gen_pod *p = &s->pods[i];
        uint32_t node = rng_below(&s->rng, s->n_nodes);

        /* A full /24 sends the pod to the next node. */
        while (next_host[node] >= 252) {
            node = (node + 1) % s->n_nodes;
        }
        p->ns = i * sh->n_namespaces / sh->n_pods;
        p->node = node;
        p->ip = (UINT32_C(10) << 24) | (node << 8) | (next_host[node]++ + 2);
        p->app = rng_below(&s->rng, N_APPS);
        if (!node) {
            s->local[s->n_local++] = i;
        }
        ds_clear(&text);
        put_pod(p, i, &text);
        error = scale_apply(s, &text);
    }
    free(next_host);
    ds_destroy(&text);
    return error;
}

static void
put_pod_selector(struct scale *s, struct ds *text)
{
    size_t r = rng_below(&s->rng, 100);

    if (r < 80) {
        ds_put_format(text, "{\"matchLabels\":{\"app\":\"app-%zu\"}}",
                      rng_below(&s->rng, N_APPS));
    } else if (r < 90) {
        ds_put_cstr(text, "{}");
    } else {
        ds_put_format(text, "{\"matchExpressions\":[{\"key\":\"app\","
                      "\"operator\":\"In\",\"values\":"
                      "[\"app-%zu\",\"app-%zu\"]}]}",
                      rng_below(&s->rng, N_APPS), rng_below(&s->rng, N_APPS));
    }
}

static void
put_team_selector(struct scale *s, struct ds *text)
{
    ds_put_format(text, "{\"matchLabels\":{\"team\":\"team-%zu\"}}",
                  rng_below(&s->rng, s->n_teams));
}

/* An ipBlock over some node's pod CIDRs, minus one /24. */
static void
put_ipblock(struct scale *s, struct ds *text)
{
    size_t hi = rng_below(&s->rng, s->n_nodes / 256 + 1);

    ds_put_format(text, "{\"ipBlock\":{\"cidr\":\"10.%zu.0.0/16\","
                  "\"except\":[\"10.%zu.%zu.0/24\"]}}",
                  hi, hi, rng_below(&s->rng, 256));
}

/* Writes the rule's "from" or "to", or nothing for "every peer"; returns
 * whether it wrote. */
static bool
put_peers(struct scale *s, bool egress, struct ds *text)
{
    size_t r = rng_below(&s->rng, 100);

    if (r >= 95) {
        return false;
    }
    ds_put_format(text, "\"%s\":[", egress ? "to" : "from");
    if (r < 45) {
        ds_put_cstr(text, "{\"podSelector\":");
        put_pod_selector(s, text);
        ds_put_cstr(text, "}");
    } else if (r < 65) {
        ds_put_cstr(text, "{\"namespaceSelector\":");
        put_team_selector(s, text);
        ds_put_cstr(text, "}");
    } else if (r < 75) {
        ds_put_cstr(text, "{\"namespaceSelector\":");
        put_team_selector(s, text);
        ds_put_cstr(text, ",\"podSelector\":");
        put_pod_selector(s, text);
        ds_put_cstr(text, "}");
    } else if (r < 85) {
        if (egress) {
            ds_put_cstr(text, "{\"ipBlock\":{\"cidr\":\"0.0.0.0/0\","
                        "\"except\":[\"10.0.0.0/8\"]}}");
        } else {
            put_ipblock(s, text);
        }
    } else {
        ds_put_cstr(text, "{\"podSelector\":");
        put_pod_selector(s, text);
        ds_put_cstr(text, "},");
        put_ipblock(s, text);
    }
    ds_put_cstr(text, "]");
    return true;
}

/* Writes the rule's "ports" (after a comma if 'comma'), or nothing for
 * "every port".  Egress rules name ports rarely: a named egress port makes
 * the policy depend on every pod of the cluster. */
static void
put_ports(struct scale *s, bool egress, bool comma, struct ds *text)
{
    static const int numbers[] = { 80, 443, 8080, 5432 };
    size_t r = rng_below(&s->rng, 100);

    if (egress && r >= 35 && r < 55) {
        r = r < 50 ? r - 35 : 55;       /* numeric, or named "metrics" */
    }
    if (r < 85 && comma) {
        ds_put_char(text, ',');
    }
    if (r < 35) {
        ds_put_format(text, "\"ports\":[{\"protocol\":\"TCP\",\"port\":%d}]",
                      numbers[rng_below(&s->rng, ARRAY_SIZE(numbers))]);
    } else if (r < 55) {
        ds_put_cstr(text, "\"ports\":[{\"port\":\"http\"}]");
    } else if (r < 65) {
        ds_put_cstr(text, "\"ports\":[{\"port\":\"metrics\"},"
                    "{\"port\":9100}]");
    } else if (r < 75) {
        ds_put_cstr(text, "\"ports\":[{\"protocol\":\"TCP\",\"port\":30000,"
                    "\"endPort\":30100}]");
    } else if (r < 85) {
        ds_put_cstr(text, "\"ports\":[{\"protocol\":\"UDP\",\"port\":53}]");
    }
}

static void
put_rules(struct scale *s, bool egress, struct ds *text)
{
    size_t n = 1 + rng_below(&s->rng, 2);

    ds_put_format(text, ",\"%s\":[", egress ? "egress" : "ingress");
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(text, i ? ",{" : "{");
        put_ports(s, egress, put_peers(s, egress, text), text);
        ds_put_cstr(text, "}");
    }
    if (egress && rng_below(&s->rng, 2)) {
        ds_put_cstr(text, ",{\"to\":[{\"namespaceSelector\":{\"matchLabels\":"
                    "{\"kubernetes.io/metadata.name\":\"ns-0\"}},"
                    "\"podSelector\":{\"matchLabels\":{\"app\":\"app-0\"}}}],"
                    "\"ports\":[{\"protocol\":\"UDP\",\"port\":53},"
                    "{\"protocol\":\"TCP\",\"port\":53}]}");
    }
    ds_put_cstr(text, "]");
}

static int
gen_policies(struct scale *s)
{
    const struct scale_shape *sh = s->cfg.shape;
    struct ds text = DS_EMPTY_INITIALIZER;
    int error = 0;

    for (size_t i = 0; !error && i < sh->n_policies; i++) {
        size_t r = rng_below(&s->rng, 100);
        bool ingress = r < 85, egress = r >= 60;

        ds_clear(&text);
        ds_put_format(&text, "{\"apiVersion\":\"networking.k8s.io/v1\","
                      "\"kind\":\"NetworkPolicy\",\"metadata\":"
                      "{\"namespace\":\"ns-%zu\",\"name\":\"np-%zu\"},"
                      "\"spec\":{\"podSelector\":",
                      rng_below(&s->rng, sh->n_namespaces), i);
        put_pod_selector(s, &text);
        ds_put_format(&text, ",\"policyTypes\":[%s%s%s]",
                      ingress ? "\"Ingress\"" : "",
                      ingress && egress ? "," : "",
                      egress ? "\"Egress\"" : "");
        if (ingress) {
            put_rules(s, false, &text);
        }
        if (egress) {
            put_rules(s, true, &text);
        }
        ds_put_cstr(&text, "}}");
        error = scale_apply(s, &text);
    }
    ds_destroy(&text);
    return error;
}

/* Flow table. */

static const uint8_t isolation_tables[NETPOL_N_DIRS] = {
    [POLFLOWS_INGRESS] = TABLE_INGRESS_DEFAULT,
    [POLFLOWS_EGRESS] = TABLE_EGRESS_DEFAULT,
};

/* Rewrites the rules of 'new' that differ from 's->applied', as the agent
 * does (agent/policy.c), and keeps 'new' as applied.  Returns the number of
 * rules written or removed; counts refusals in '*n_errors'. */
static size_t
scale_apply_flows(struct scale *s, struct rulebook_result *new,
                  size_t *n_errors)
{
    size_t n_written = 0;

    for (size_t i = 0; i < s->applied.n_rules; i++) {
        uint32_t id = s->applied.rules[i].rule.id;

        if (!rulebook_result_find(new, id)) {
            polflows_remove_rule(s->ft, id);
            n_written++;
        }
    }
    for (size_t i = 0; i < new->n_rules; i++) {
        const struct polflows_rule *rule = &new->rules[i].rule;
        const struct polflows_rule *old
            = rulebook_result_find(&s->applied, rule->id);

        if (!old || !netpolrules_rule_equal(old, rule)) {
            *n_errors += polflows_set_rule(s->ft, rule) != 0;
            n_written++;
        }
    }
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        *n_errors += polflows_set_isolation(s->ft, NETPOLRULES_ISOLATION_ID(dir),
                                            dir, isolation_tables[dir],
                                            NETPOLRULES_ISOLATION_PRIORITY,
                                            new->isolated[dir],
                                            new->n_isolated[dir]) != 0;
    }
    rulebook_result_destroy(&s->applied);
    s->applied = *new;
    memset(new, 0, sizeof *new);
    return n_written;
}

/* Measurements. */

static struct json_object *
jdouble(double v)
{
    return json_object_new_double(v);
}

static struct json_object *
jsize(size_t v)
{
    return json_object_new_int64(v);
}

static char *
policy_key(const struct netpol *np)
{
    return xasprintf("%s/%s", np->namespace, np->name);
}

/* Resolves the policies 'nps[first..]' in batches until all are done or
 * 'deadline' passes; returns how many it resolved. */
static size_t
resolve_batches(struct scale *s, const struct netpol **nps, size_t first,
                size_t n, double deadline)
{
    size_t i = first;

    while (i < n && benchclock_now() < deadline) {
        struct sset keys = SSET_INITIALIZER(&keys);

        for (size_t end = MIN(n, i + BATCH_POLICIES); i < end; i++) {
            sset_add_and_free(&keys, policy_key(nps[i]));
        }
        rulebook_recompute(s->state, s->cluster, &keys);
        sset_destroy(&keys);
    }
    return i - first;
}

/* The full computation, or as much of it as the budget allows. */
static void
measure_full(struct scale *s, struct json_object *res)
{
    size_t n, n_sample, n_errors = 0;
    const struct netpol **nps = (const struct netpol **) cluster_list(
        s->cluster, CLUSTER_NETWORK_POLICY, &n);
    struct rulebook_result result;
    double t0, t_sample, t_resolve, t_result, t_flows, estimate;

    /* A sample from the front of the list estimates the whole. */
    n_sample = MIN(n, SAMPLE_POLICIES);
    t0 = benchclock_now();
    resolve_batches(s, nps, 0, n_sample, INFINITY);
    t_sample = benchclock_now() - t0;
    estimate = t_sample / MAX(n_sample, 1) * n;
    json_object_object_add(res, "estimated_recompute_all_s",
                           jdouble(estimate));

    t0 = benchclock_now();
    if (estimate <= s->cfg.budget_s) {
        rulebook_recompute_all(s->state, s->cluster);
        s->n_resolved = n;
    } else {
        s->partial = true;
        s->n_resolved = n_sample + resolve_batches(s, nps, n_sample, n,
                                                   t0 + s->cfg.budget_s);
    }
    /* A partial run continues the sample: count it in. */
    t_resolve = benchclock_now() - t0 + (s->partial ? t_sample : 0);
    free(nps);

    t0 = benchclock_now();
    rulebook_result(s->state, NULL, 0, &result);
    t_result = benchclock_now() - t0;

    json_object_object_add(res, "partial",
                           json_object_new_boolean(s->partial));
    json_object_object_add(res, "policies_resolved", jsize(s->n_resolved));
    json_object_object_add(res, "recompute_all_s", jdouble(t_resolve));
    if (s->partial) {
        json_object_object_add(res, "recompute_all_extrapolated_s",
                               jdouble(t_resolve * n / s->n_resolved));
    }
    json_object_object_add(res, "result_s", jdouble(t_result));
    json_object_object_add(res, "full_s", jdouble(t_resolve + t_result));
    json_object_object_add(res, "rules", jsize(result.n_rules));
    json_object_object_add(res, "isolated_ingress",
                           jsize(result.n_isolated[POLFLOWS_INGRESS]));
    json_object_object_add(res, "isolated_egress",
                           jsize(result.n_isolated[POLFLOWS_EGRESS]));

    if (s->cfg.flows) {
        t0 = benchclock_now();
        scale_apply_flows(s, &result, &n_errors);
        t_flows = benchclock_now() - t0;
        json_object_object_add(res, "flows_compile_s", jdouble(t_flows));
        json_object_object_add(res, "flows", jsize(flowtab_count(s->ft)));
        json_object_object_add(res, "flow_errors", jsize(n_errors));
    } else {
        rulebook_result_destroy(&result);
    }
}

/* Resolves, untimed, every policy that can count pod 'i' now: in a partial
 * state, that is what a change of the pod reads. */
static void
prime_pod(struct scale *s, size_t i)
{
    char *ns = xasprintf("ns-%"PRIu32, s->pods[i].ns);
    char *name = xasprintf("pod-%zu", i);
    struct cluster_change change = {
        .kind = CLUSTER_POD, .namespace = ns, .name = name,
    };
    struct sset keys = SSET_INITIALIZER(&keys);

    rulebook_affected(s->state, s->cluster, &change, &keys);
    rulebook_recompute(s->state, s->cluster, &keys);
    sset_destroy(&keys);
    free(ns);
    free(name);
}

struct change_sample {
    double apply_s;             /* cluster_apply of the pod */
    double affected_s;
    double recompute_s;
    double result_s;
    double flows_s;
    size_t n_recomputed;
    size_t n_rules_written;
};

static int
one_change(struct scale *s, struct change_sample *cs)
{
    size_t i = s->local[rng_below(&s->rng, s->n_local)];
    struct gen_pod *p = &s->pods[i];
    struct ds text = DS_EMPTY_INITIALIZER;
    struct sset affected = SSET_INITIALIZER(&affected);
    struct cluster_change *changes;
    struct rulebook_result result;
    struct json_object *obj;
    size_t n_changes, n_errors = 0;
    double t0, t1;
    int error;

    if (s->partial) {
        prime_pod(s, i);
    }
    p->app = (p->app + 1 + rng_below(&s->rng, N_APPS - 1)) % N_APPS;
    put_pod(p, i, &text);
    obj = parse_object(&text);

    t0 = benchclock_now();
    error = apply_object(s, obj);
    t1 = benchclock_now();
    cs->apply_s = t1 - t0;
    if (error) {
        goto out;
    }
    cluster_take_changes(s->cluster, &changes, &n_changes);
    for (size_t j = 0; j < n_changes; j++) {
        rulebook_affected(s->state, s->cluster, &changes[j], &affected);
    }
    t0 = benchclock_now();
    cs->affected_s = t0 - t1;
    rulebook_recompute(s->state, s->cluster, &affected);
    t1 = benchclock_now();
    cs->recompute_s = t1 - t0;
    rulebook_result(s->state, NULL, 0, &result);
    t0 = benchclock_now();
    cs->result_s = t0 - t1;
    cs->n_recomputed = sset_count(&affected);
    if (s->cfg.flows) {
        cs->n_rules_written = scale_apply_flows(s, &result, &n_errors);
        cs->flows_s = benchclock_now() - t0;
    } else {
        rulebook_result_destroy(&result);
    }
    cluster_changes_free(changes, n_changes);

out:
    sset_destroy(&affected);
    ds_destroy(&text);
    return error;
}

static int
compare_double(const void *a_, const void *b_)
{
    const double *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

static double
median(double *v, size_t n)
{
    if (!n) {
        return 0;
    }
    qsort(v, n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of one field of the samples, and the samples as a JSON
 * array under 'name' in 'samples'. */
static double
field_median(const struct change_sample *cs, size_t n, size_t offset,
             const char *name, struct json_object *samples)
{
    double *v = xcalloc(MAX(n, 1), sizeof *v);
    struct json_object *arr = json_object_new_array();
    double m;

    for (size_t i = 0; i < n; i++) {
        v[i] = *(const double *) ((const char *) &cs[i] + offset);
        json_object_array_add(arr, jdouble(v[i] * 1e3));
    }
    json_object_object_add(samples, name, arr);
    m = median(v, n);
    free(v);
    return m;
}

static int
measure_incremental(struct scale *s, struct json_object *res)
{
    size_t n = s->n_local ? s->cfg.n_changes : 0;
    struct change_sample *cs = xcalloc(MAX(n, 1), sizeof *cs);
    struct json_object *samples = json_object_new_object();
    struct json_object *recomputed = json_object_new_array();
    double *total = xcalloc(MAX(n, 1), sizeof *total);
    double *recomputed_v = xcalloc(MAX(n, 1), sizeof *recomputed_v);
    double deadline = benchclock_now() + s->cfg.budget_s;
    int error = 0;
    size_t i;

    /* The budget may cut the changes short too, after the first. */
    for (i = 0; !error && i < n && (!i || benchclock_now() < deadline); i++) {
        error = one_change(s, &cs[i]);
        total[i] = (cs[i].apply_s + cs[i].affected_s + cs[i].recompute_s
                    + cs[i].result_s);
        recomputed_v[i] = cs[i].n_recomputed;
        json_object_array_add(recomputed, jsize(cs[i].n_recomputed));
    }
    n = i;
#define MEDIAN_MS(FIELD) \
    json_object_object_add(res, #FIELD "_ms", jdouble(1e3 * field_median( \
        cs, n, offsetof(struct change_sample, FIELD), #FIELD "_ms", samples)))
    MEDIAN_MS(apply_s);
    MEDIAN_MS(affected_s);
    MEDIAN_MS(recompute_s);
    MEDIAN_MS(result_s);
    if (s->cfg.flows) {
        MEDIAN_MS(flows_s);
    }
#undef MEDIAN_MS
    json_object_object_add(res, "changes", jsize(n));
    json_object_object_add(res, "incremental_ms",
                           jdouble(1e3 * median(total, n)));
    json_object_object_add(res, "policies_recomputed_median",
                           jdouble(median(recomputed_v, n)));
    json_object_object_add(samples, "policies_recomputed", recomputed);
    json_object_object_add(res, "samples", samples);
    free(recomputed_v);
    free(total);
    free(cs);
    return error;
}

/* The run. */

static double
jget_double(struct json_object *obj, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(obj, key, &v) ? json_object_get_double(v)
                                                   : 0;
}

/* Long shapes take minutes: say where the run is. */
static void
progress(const struct scale *s, const char *what)
{
    fprintf(stderr, "policy_scale: shape %s: %s\n", s->cfg.shape->name,
            what);
}

/* Median incremental time over full time (the extrapolated one when the
 * budget cut the full computation short). */
static void
add_ratio(const struct scale *s, struct json_object *full,
          struct json_object *inc)
{
    double full_s = jget_double(full, s->partial
                                      ? "recompute_all_extrapolated_s"
                                      : "recompute_all_s");

    full_s += jget_double(full, "result_s");
    json_object_object_add(inc, "ratio_to_full", jdouble(
        full_s > 0 ? jget_double(inc, "incremental_ms") / 1e3 / full_s : 0));
}

static void
print_table(const struct scale *s, struct json_object *full,
            struct json_object *inc, struct json_object *mem)
{
    const struct scale_shape *sh = s->cfg.shape;
    double inc_ms = jget_double(inc, "incremental_ms");

    printf("\nshape %s: %zu pods, %zu namespaces, %zu policies, "
           "%zu pods on this node\n", sh->name, sh->n_pods,
           sh->n_namespaces, sh->n_policies, s->n_local);
    printf("  %-34s %12.3f s%s\n", "model build (cluster_apply)",
           jget_double(mem, "build_s"), "");
    printf("  %-34s %12.3f s%s\n", "full: recompute_all",
           jget_double(full, "recompute_all_s"),
           s->partial ? "  (partial)" : "");
    if (s->partial) {
        printf("  %-34s %12zu of %zu\n", "  policies resolved",
               s->n_resolved, sh->n_policies);
        printf("  %-34s %12.3f s  (extrapolated)\n", "  recompute_all, whole",
               jget_double(full, "recompute_all_extrapolated_s"));
    }
    printf("  %-34s %12.3f s\n", "full: result",
           jget_double(full, "result_s"));
    printf("  %-34s %12.0f\n", "rules", jget_double(full, "rules"));
    if (s->cfg.flows) {
        printf("  %-34s %12.3f s\n", "flows: compile into flowtab",
               jget_double(full, "flows_compile_s"));
        printf("  %-34s %12.0f\n", "flows", jget_double(full, "flows"));
    }
    printf("  %-34s %12.0f MiB\n", "peak RSS, model built",
           jget_double(mem, "baseline_rss_kb") / 1024);
    printf("  %-34s %12.0f MiB\n", "peak RSS, after full",
           jget_double(mem, "peak_rss_kb") / 1024);
    printf("  %-34s %12.0f MiB\n", "  delta",
           jget_double(mem, "delta_rss_kb") / 1024);
    printf("  %-34s %12.3f ms  (median of %.0f)\n", "incremental: pod relabel",
           inc_ms, jget_double(inc, "changes"));
    printf("  %-34s %12.3f ms\n", "  cluster_apply",
           jget_double(inc, "apply_s_ms"));
    printf("  %-34s %12.3f ms\n", "  affected",
           jget_double(inc, "affected_s_ms"));
    printf("  %-34s %12.3f ms\n", "  recompute",
           jget_double(inc, "recompute_s_ms"));
    printf("  %-34s %12.3f ms\n", "  result",
           jget_double(inc, "result_s_ms"));
    if (s->cfg.flows) {
        printf("  %-34s %12.3f ms\n", "  flows rewritten (not in total)",
               jget_double(inc, "flows_s_ms"));
    }
    printf("  %-34s %12.1f\n", "  policies recomputed (median)",
           jget_double(inc, "policies_recomputed_median"));
    printf("  %-34s %12.2e%s\n", "ratio incremental / full",
           jget_double(inc, "ratio_to_full"),
           s->partial ? "  (against the extrapolated full)" : "");
}

static struct json_object *
config_json(const struct scale_config *cfg)
{
    const struct scale_shape *sh = cfg->shape;
    struct json_object *c = json_object_new_object();

    json_object_object_add(c, "shape", json_object_new_string(sh->name));
    json_object_object_add(c, "pods", jsize(sh->n_pods));
    json_object_object_add(c, "namespaces", jsize(sh->n_namespaces));
    json_object_object_add(c, "policies", jsize(sh->n_policies));
    json_object_object_add(c, "pods_per_node", jsize(sh->pods_per_node));
    json_object_object_add(c, "seed", json_object_new_int64(cfg->seed));
    json_object_object_add(c, "changes", jsize(cfg->n_changes));
    json_object_object_add(c, "budget_s", jdouble(cfg->budget_s));
    json_object_object_add(c, "flows", json_object_new_boolean(cfg->flows));
    return c;
}

static int
scale_run(const struct scale_config *cfg)
{
    struct json_object *top = json_object_new_object();
    struct json_object *full = json_object_new_object();
    struct json_object *inc = json_object_new_object();
    struct json_object *mem = json_object_new_object();
    struct cluster_change *changes;
    struct scale s = { .cfg = *cfg, .rng = { cfg->seed } };
    size_t n_changes;
    long base_kb;
    double t0;
    int error;

    s.n_nodes = MAX(1, cfg->shape->n_pods / cfg->shape->pods_per_node);
    s.n_teams = MAX(1, cfg->shape->n_namespaces / NS_PER_TEAM);
    s.cluster = cluster_create();
    s.state = rulebook_create(&netpolrules_class, LOCAL_NODE);
    s.ft = flowtab_create(1);

    progress(&s, "building the model");
    t0 = benchclock_now();
    error = gen_namespaces(&s);
    error = error ? error : gen_pods(&s);
    error = error ? error : gen_policies(&s);
    if (error) {
        goto out;
    }
    cluster_take_changes(s.cluster, &changes, &n_changes);
    cluster_changes_free(changes, n_changes);
    json_object_object_add(mem, "build_s", jdouble(benchclock_now() - t0));
    base_kb = benchclock_peak_rss_kb();

    progress(&s, "full computation");
    measure_full(&s, full);
    json_object_object_add(mem, "baseline_rss_kb", jsize(base_kb));
    json_object_object_add(mem, "peak_rss_kb", jsize(benchclock_peak_rss_kb()));
    json_object_object_add(mem, "delta_rss_kb",
                           jsize(benchclock_peak_rss_kb() - base_kb));
    json_object_object_add(inc, "local_pods", jsize(s.n_local));
    progress(&s, "incremental changes");
    error = measure_incremental(&s, inc);
    if (error) {
        goto out;
    }
    add_ratio(&s, full, inc);

    print_table(&s, full, inc, mem);
    json_object_object_add(top, "config", config_json(cfg));
    json_object_object_add(top, "build", json_object_get(mem));
    json_object_object_add(top, "full", json_object_get(full));
    json_object_object_add(top, "incremental", json_object_get(inc));
    if (cfg->json && json_object_to_file_ext(cfg->json, top,
                                             JSON_C_TO_STRING_PRETTY)) {
        fprintf(stderr, "policy_scale: %s: %s\n", cfg->json,
                json_util_get_last_err());
        error = -EIO;
    }

out:
    json_object_put(top);
    json_object_put(full);
    json_object_put(inc);
    json_object_put(mem);
    rulebook_result_destroy(&s.applied);
    flowtab_destroy(s.ft);
    rulebook_destroy(s.state);
    cluster_destroy(s.cluster);
    free(s.pods);
    free(s.local);
    return error;
}

/* Command line. */

/* The usage text, with the shapes (caller frees). */
static char *
scale_usage(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&s, "usage: policy_scale [--shape quick|A|B] [--quick] "
                "[--seed N] [--changes N]\n"
                "                    [--budget SECONDS] [--no-flows] "
                "[--json FILE]\n"
                "shapes (pods/namespaces/policies, 100 pods per node):");
    for (size_t i = 0; i < ARRAY_SIZE(scale_shapes); i++) {
        const struct scale_shape *sh = &scale_shapes[i];
        ds_put_format(&s, "\n  %-6s %zu/%zu/%zu", sh->name, sh->n_pods,
                      sh->n_namespaces, sh->n_policies);
    }
    return ds_steal_cstr(&s);
}

static int
set_shape(void *cfg_, const char *name)
{
    struct scale_config *cfg = cfg_;

    for (size_t i = 0; i < ARRAY_SIZE(scale_shapes); i++) {
        if (!strcasecmp(scale_shapes[i].name, name)) {
            cfg->shape = &scale_shapes[i];
            return 0;
        }
    }
    fprintf(stderr, "policy_scale: unknown shape %s\n", name);
    return -EINVAL;
}

static int
set_quick(void *cfg_, const char *arg OVS_UNUSED)
{
    struct scale_config *cfg = cfg_;

    cfg->shape = &scale_shapes[0];
    return 0;
}

static int
parse_options(int argc, char *argv[], struct scale_config *cfg)
{
    static const struct benchopt opts[] = {
        { "shape", BENCHOPT_CALL, 0, set_shape, 1 },
        { "quick", BENCHOPT_CALL, 0, set_quick, 0 },
        BENCHOPT("seed", BENCHOPT_U64, struct scale_config, seed),
        BENCHOPT("changes", BENCHOPT_SIZE, struct scale_config, n_changes),
        BENCHOPT("budget", BENCHOPT_DOUBLE, struct scale_config, budget_s),
        BENCHOPT("no-flows", BENCHOPT_FALSE, struct scale_config, flows),
        BENCHOPT("json", BENCHOPT_STRING, struct scale_config, json),
    };
    char *usage = scale_usage();

    *cfg = scale_defaults;
    int error = benchopt_parse(argc, argv, opts, ARRAY_SIZE(opts), cfg,
                               usage);
    free(usage);
    return error;
}

int
main(int argc, char *argv[])
{
    struct scale_config cfg;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    if (parse_options(argc, argv, &cfg)) {
        return EXIT_FAILURE;
    }
    return scale_run(&cfg) ? EXIT_FAILURE : EXIT_SUCCESS;
}
