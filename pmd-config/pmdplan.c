#include <config.h>
#include "pmd-config/pmdplan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "openvswitch/dynamic-string.h"
#include "pmd-config/pmdcores.h"
#include "pmd-config/pmdintent.h"
#include "pmd-config/pmdkeys.h"
#include "pmd-config/pmdmem.h"
#include "pmd-config/pmdtopo.h"
#include "util.h"

/* OVS's own defaults, which the plan keeps (vswitch.xml). */
#define AUTO_LB_LOAD "95"
#define AUTO_LB_IMPROVEMENT "25"
#define AUTO_LB_INTERVAL "1"

static const char *const dpdk_drivers[] = {
    "vfio-pci", "igb_uio", "uio_pci_generic",
};

struct pmdplan_value *
pmdplan_add(struct pmdplan *plan, const char *port, const char *key,
            const char *value, const char *fmt, ...)
{
    struct pmdplan_value *v;
    va_list args;

    if (plan->n_values >= plan->allocated_values) {
        plan->values = x2nrealloc(plan->values, &plan->allocated_values,
                                  sizeof *plan->values);
    }
    v = &plan->values[plan->n_values++];
    memset(v, 0, sizeof *v);
    v->name = port ? xasprintf("%s/%s", port, key) : xstrdup(key);
    v->key = pmdkey_find(key);
    v->port = nullable_xstrdup(port);
    v->value = xstrdup(value);
    va_start(args, fmt);
    v->reason = xvasprintf(fmt, args);
    va_end(args);
    return v;
}

static void
add_line(char ***lines, size_t *n, const char *fmt, va_list args)
{
    *lines = xrealloc(*lines, (*n + 1) * sizeof **lines);
    (*lines)[(*n)++] = xvasprintf(fmt, args);
}

void
pmdplan_warn(struct pmdplan *plan, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    add_line(&plan->warnings, &plan->n_warnings, fmt, args);
    va_end(args);
}

void
pmdplan_refuse(struct pmdplan *plan, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    add_line(&plan->refusals, &plan->n_refusals, fmt, args);
    va_end(args);
}

const struct pmdplan_value *
pmdplan_find(const struct pmdplan *plan, const char *name)
{
    for (size_t i = 0; i < plan->n_values; i++) {
        if (!strcmp(plan->values[i].name, name)) {
            return &plan->values[i];
        }
    }
    return NULL;
}

static bool
is_dpdk_driver(const char *driver)
{
    for (size_t i = 0; driver && i < ARRAY_SIZE(dpdk_drivers); i++) {
        if (!strcmp(driver, dpdk_drivers[i])) {
            return true;
        }
    }
    return false;
}

/* DPDK ports are planned when asked, or when a NIC is bound to a DPDK
 * driver or vhost-user ports are wanted. */
static bool
uses_dpdk(const struct pmdtopo *t, const struct pmdintent *in)
{
    bool any = in->vhost_ports > 0;

    for (size_t i = 0; i < t->n_nics; i++) {
        any = any || is_dpdk_driver(t->nics[i].driver);
    }
    return in->dpdk >= 0 ? in->dpdk : any;
}

/* The PMDs of node 'node'. */
static struct cpuset
node_pmds(const struct pmdtopo *t, const struct pmdplan *plan, int node)
{
    const struct pmdtopo_node *n = pmdtopo_node(t, node);
    struct cpuset s = n ? n->cpus : plan->pmds;

    cpuset_and(&s, &plan->pmds);
    return s;
}

/* NIC 'i''s rx queues: every queue for AF_XDP, which polls only the
 * queues it binds; for DPDK one per PMD of its node (or of all, when its
 * node has none), at most the queues it has. */
static void
plan_nic_rxqs(const struct pmdtopo *t, const struct pmdintent *in,
              struct pmdplan *plan, size_t i)
{
    const struct pmdtopo_nic *nic = &t->nics[i];
    struct cpuset local = node_pmds(t, plan, plan->nic_nodes[i]);
    int n_local = cpuset_count(&local);
    int pmds = n_local ? n_local : MAX(cpuset_count(&plan->pmds), 1);
    char value[16];

    if (in->rxqs) {
        plan->nic_rxqs[i] = in->rxqs;
        snprintf(value, sizeof value, "%d", in->rxqs);
        pmdplan_add(plan, in->nics[i].port, PMDKEY_N_RXQ, value, "rxqs of "
                    "the intent");
        return;
    }
    bool dpdk = is_dpdk_driver(nic->driver);
    int n = !dpdk && nic->n_rxq ? nic->n_rxq
            : nic->n_rxq ? MIN(nic->n_rxq, pmds) : pmds;
    plan->nic_rxqs[i] = n;
    snprintf(value, sizeof value, "%d", n);
    char *queues = (nic->n_rxq ? xasprintf("%d queue%s", nic->n_rxq,
                                           nic->n_rxq == 1 ? "" : "s")
                    : xstrdup("queues unknown"));
    pmdplan_add(plan, in->nics[i].port, PMDKEY_N_RXQ, value, "%s (%s%s, "
                "%s; %d PMD%s on node %d)", !dpdk && nic->n_rxq
                ? "AF_XDP polls only the queues it binds: all of them"
                : "one queue per PMD of the NIC's node",
                nic->driver ? nic->driver : "driver unknown",
                nic->node < 0 ? ", numa_node -1" : "", queues, n_local,
                n_local == 1 ? "" : "s", plan->nic_nodes[i]);
    free(queues);
}

/* Whether NIC queues are pinned: pinRxqs, else in dedicated mode. */
static bool
pins_rxqs(const struct pmdintent *in)
{
    return in->pin_rxqs >= 0 ? in->pin_rxqs : in->mode == PMDINTENT_DEDICATED;
}

/* Queue q of each NIC on the next PMD of its node, one rotation per node
 * across its NICs, so that no two queues share a PMD while PMDs are
 * left. */
static void
plan_affinity(const struct pmdtopo *t, const struct pmdintent *in,
              struct pmdplan *plan, int *next)
{
    for (size_t i = 0; i < t->n_nics; i++) {
        int node = plan->nic_nodes[i];
        struct cpuset local = node_pmds(t, plan, node);
        int n_local = cpuset_count(&local);
        struct ds v = DS_EMPTY_INITIALIZER;

        for (int q = 0; n_local && q < plan->nic_rxqs[i]; q++) {
            int k = next[node]++ % n_local, cpu = cpuset_next(&local, -1);
            while (k--) {
                cpu = cpuset_next(&local, cpu);
            }
            ds_put_format(&v, "%s%d:%d", q ? "," : "", q, cpu);
        }
        if (n_local) {
            pmdplan_add(plan, in->nics[i].port, PMDKEY_RXQ_AFFINITY,
                        ds_cstr(&v), "each queue on a PMD of node %d, the "
                        "NIC's own (local memory), spread with the node's "
                        "other NICs", node);
        }
        ds_destroy(&v);
    }
}

static void
plan_rxqs(const struct pmdtopo *t, const struct pmdintent *in,
          struct pmdplan *plan)
{
    int *next = xcalloc(CPUSET_MAX, sizeof *next);

    plan->nic_rxqs = xcalloc(MAX(t->n_nics, 1), sizeof *plan->nic_rxqs);
    for (size_t i = 0; i < t->n_nics; i++) {
        plan_nic_rxqs(t, in, plan, i);
    }
    if (pins_rxqs(in)) {
        plan_affinity(t, in, plan, next);
    }
    free(next);
}

static bool
any_pinned(const struct pmdplan *plan)
{
    for (size_t i = 0; i < plan->n_values; i++) {
        if (!strcmp(plan->values[i].key->key, PMDKEY_RXQ_AFFINITY)) {
            return true;
        }
    }
    return false;
}

static const char *
given_or(const struct pmdintent *in, const char *key, const char *dflt)
{
    const char *v = smap_get(&in->overrides, key);
    return v ? v : dflt;
}

static void
plan_assignment(const struct pmdintent *in, struct pmdplan *plan)
{
    /* A lone PMD with pinned queues still needs group, or the pods'
     * queues would have no non-isolated PMD to go to. */
    bool one = cpuset_count(&plan->pmds) <= 1 && !any_pinned(plan);
    const char *assign = given_or(in, PMDKEY_RXQ_ASSIGN,
                                  one ? "cycles" : "group");

    pmdplan_add(plan, NULL, PMDKEY_RXQ_ASSIGN, one ? "cycles" : "group",
                "%s", one ? "one PMD polls every queue: OVS's default"
                : "queues not pinned go to the least loaded PMD by their "
                  "measured cycles (OVS 2.16 on)");
    if (any_pinned(plan) && !strcmp(assign, "group")) {
        pmdplan_add(plan, NULL, PMDKEY_RXQ_ISOLATE, "false", "PMDs with "
                    "pinned NIC queues also poll the pods' queues (only with "
                    "group): with true they would poll their pins alone");
    }
}

/* OVS applies auto load balancing only with cycle-based assignment, two
 * or more non-isolated PMDs and one of them polling several queues. */
static const char *
auto_lb_blocker(const struct pmdintent *in, const struct pmdplan *plan,
                int n_queues)
{
    const char *assign = pmdplan_find(plan, PMDKEY_RXQ_ASSIGN)->value;
    int pmds = cpuset_count(&plan->pmds);
    const struct pmdplan_value *isolate = pmdplan_find(plan,
                                                       PMDKEY_RXQ_ISOLATE);

    assign = given_or(in, PMDKEY_RXQ_ASSIGN, assign);
    if (strcmp(assign, "cycles") && strcmp(assign, "group")) {
        return "it needs cycle-based assignment (cycles or group)";
    }
    if (pmds < 2) {
        return "it needs at least two non-isolated PMDs";
    }
    if (any_pinned(plan) && !isolate) {
        return "PMDs with pinned queues are isolated";
    }
    if (n_queues <= pmds) {
        return "no PMD polls more than one queue";
    }
    return NULL;
}

static void
plan_auto_lb(const struct pmdtopo *t, const struct pmdintent *in,
             struct pmdplan *plan)
{
    int n_queues = in->vhost_ports + in->afxdp_ports;

    for (size_t i = 0; i < t->n_nics; i++) {
        n_queues += plan->nic_rxqs[i];
    }
    const char *blocker = auto_lb_blocker(in, plan, n_queues);
    if (blocker) {
        pmdplan_add(plan, NULL, PMDKEY_AUTO_LB, "false", "off: %s (%d PMD%s, "
                    "%d queue%s)", blocker, cpuset_count(&plan->pmds),
                    cpuset_count(&plan->pmds) == 1 ? "" : "s", n_queues,
                    n_queues == 1 ? "" : "s");
        return;
    }
    pmdplan_add(plan, NULL, PMDKEY_AUTO_LB, "true", "%d PMDs share %d "
                "queues: OVS moves queues off a PMD that is overloaded",
                cpuset_count(&plan->pmds), n_queues);
    pmdplan_add(plan, NULL, PMDKEY_AUTO_LB_LOAD, AUTO_LB_LOAD, "OVS's "
                "default: rebalance when a PMD is 95%% busy");
    pmdplan_add(plan, NULL, PMDKEY_AUTO_LB_IMPROVEMENT, AUTO_LB_IMPROVEMENT,
                "OVS's default: only for a 25%% better spread");
    pmdplan_add(plan, NULL, PMDKEY_AUTO_LB_INTERVAL, AUTO_LB_INTERVAL,
                "OVS's default: at most once a minute");
}

/* The name OVS 'version' gives PMD sleep; NULL when 'version' is not
 * one. */
static const char *
sleep_key(const char *version)
{
    int major, minor;

    if (!version || sscanf(version, "%d.%d", &major, &minor) != 2) {
        return NULL;
    }
    return major > 3 || (major == 3 && minor >= 2) ? PMDKEY_SLEEP_MAX
                                                   : PMDKEY_MAXSLEEP;
}

static void
plan_sleep(const struct pmdintent *in, struct pmdplan *plan)
{
    const char *key = sleep_key(in->ovs_version);
    char value[16];

    if (!key) {
        pmdplan_refuse(plan, "the OVS version is %s%s%s: PMD sleep is "
                       "pmd-maxsleep in OVS 3.1 and pmd-sleep-max from 3.2 "
                       "(give ovsVersion)", in->ovs_version ? "'" : "unknown",
                       in->ovs_version ? in->ovs_version : "",
                       in->ovs_version ? "'" : "");
        return;
    }
    if (in->mode == PMDINTENT_DEDICATED) {
        pmdplan_add(plan, NULL, key, "0", "dedicated PMDs never sleep: a "
                    "wake-up would add latency (%s in OVS %s)", key,
                    in->ovs_version);
        return;
    }
    snprintf(value, sizeof value, "%d", in->max_sleep_us);
    pmdplan_add(plan, NULL, key, value, "an idle PMD sleeps up to %d us "
                "per iteration, so the host keeps the core (OVS %s names it "
                "%s: pmd-maxsleep in 3.1, pmd-sleep-max from 3.2)",
                in->max_sleep_us, in->ovs_version, key);
}

/* The intent's explicit values replace the planned ones. */
static void
apply_overrides(const struct pmdintent *in, struct pmdplan *plan)
{
    struct smap_node *node;

    SMAP_FOR_EACH (node, &in->overrides) {
        struct pmdplan_value *v = CONST_CAST(struct pmdplan_value *,
                                             pmdplan_find(plan, node->key));
        if (v && v->given) {
            continue;
        }
        if (v) {
            char *reason = xasprintf("given (the plan had %s: %s)", v->value,
                                     v->reason);
            free(v->value);
            free(v->reason);
            v->value = xstrdup(node->value);
            v->reason = reason;
        } else {
            char *port = NULL;
            const struct pmdkey *k = pmdkey_parse(node->key, &port);
            v = pmdplan_add(plan, port, k->key, node->value, "given");
            free(port);
        }
        v->given = true;
    }
}

struct pmdplan *
pmdplan_compute(const struct pmdtopo *t, const struct pmdintent *in)
{
    struct pmdplan *plan = xzalloc(sizeof *plan);

    plan->dpdk = uses_dpdk(t, in);
    pmdcores_plan(t, in, plan);
    if (!cpuset_is_empty(&plan->pmds)) {
        plan_rxqs(t, in, plan);
        if (plan->dpdk) {
            pmdmem_plan(t, in, plan);
        }
        plan_assignment(in, plan);
        plan_auto_lb(t, in, plan);
    }
    plan_sleep(in, plan);
    apply_overrides(in, plan);
    return plan;
}

struct pmdplan *
pmdplan_for_host(const struct pmdintent *in, char **errp)
{
    const char **nics = xcalloc(MAX(in->n_nics, 1), sizeof *nics);
    struct pmdplan *plan = NULL;
    struct pmdtopo *topo;

    for (size_t i = 0; i < in->n_nics; i++) {
        nics[i] = in->nics[i].name;
    }
    if (!pmdtopo_read(in->root, nics, in->n_nics, &topo, errp)) {
        plan = pmdplan_compute(topo, in);
        pmdtopo_destroy(topo);
    }
    free(nics);
    return plan;
}

static void
free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(lines[i]);
    }
    free(lines);
}

void
pmdplan_destroy(struct pmdplan *plan)
{
    if (!plan) {
        return;
    }
    for (size_t i = 0; i < plan->n_values; i++) {
        free(plan->values[i].name);
        free(plan->values[i].port);
        free(plan->values[i].value);
        free(plan->values[i].reason);
    }
    free(plan->values);
    for (size_t i = 0; i < plan->n_hugepages; i++) {
        free(plan->hugepages[i].reason);
    }
    free(plan->hugepages);
    for (size_t i = 0; i < plan->n_mempools; i++) {
        free(plan->mempools[i].ports);
    }
    free(plan->mempools);
    free_lines(plan->warnings, plan->n_warnings);
    free_lines(plan->refusals, plan->n_refusals);
    free(plan->nic_nodes);
    free(plan->nic_rxqs);
    free(plan);
}

static struct json_object *
lines_json(char **lines, size_t n)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        json_object_array_add(a, json_object_new_string(lines[i]));
    }
    return a;
}

static struct json_object *
value_json(const struct pmdplan_value *v)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "name", json_object_new_string(v->name));
    json_object_object_add(o, "port", v->port
                           ? json_object_new_string(v->port) : NULL);
    json_object_object_add(o, "key", json_object_new_string(v->key->key));
    json_object_object_add(o, "value", json_object_new_string(v->value));
    json_object_object_add(o, "reason", json_object_new_string(v->reason));
    json_object_object_add(o, "restart",
                           json_object_new_boolean(v->key->restart));
    json_object_object_add(o, "given", json_object_new_boolean(v->given));
    return o;
}

static struct json_object *
hugepages_json(const struct pmdplan_hugepages *h)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "node", json_object_new_int(h->node));
    json_object_object_add(o, "sizeKB", json_object_new_int(h->size_kb));
    json_object_object_add(o, "pages", json_object_new_int(h->pages));
    json_object_object_add(o, "free", json_object_new_int(h->free));
    json_object_object_add(o, "reason", json_object_new_string(h->reason));
    return o;
}

static struct json_object *
mempool_json(const struct pmdplan_mempool *m)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "node", json_object_new_int(m->node));
    json_object_object_add(o, "mtu", json_object_new_int(m->mtu));
    json_object_object_add(o, "ports", json_object_new_string(m->ports));
    json_object_object_add(o, "mbufs", json_object_new_int64(m->mbufs));
    json_object_object_add(o, "mbufBytes",
                           json_object_new_int(m->mbuf_bytes));
    json_object_object_add(o, "bytes", json_object_new_int64(m->bytes));
    return o;
}

struct json_object *
pmdplan_to_json(const struct pmdplan *plan)
{
    struct json_object *o = json_object_new_object();
    struct json_object *values = json_object_new_array();
    struct json_object *pages = json_object_new_array();
    struct json_object *pools = json_object_new_array();

    for (size_t i = 0; i < plan->n_values; i++) {
        json_object_array_add(values, value_json(&plan->values[i]));
    }
    for (size_t i = 0; i < plan->n_hugepages; i++) {
        json_object_array_add(pages, hugepages_json(&plan->hugepages[i]));
    }
    for (size_t i = 0; i < plan->n_mempools; i++) {
        json_object_array_add(pools, mempool_json(&plan->mempools[i]));
    }
    json_object_object_add(o, "values", values);
    json_object_object_add(o, "hugepages", pages);
    json_object_object_add(o, "mempools", pools);
    json_object_object_add(o, "warnings",
                           lines_json(plan->warnings, plan->n_warnings));
    json_object_object_add(o, "refusals",
                           lines_json(plan->refusals, plan->n_refusals));
    json_object_object_add(o, "refused",
                           json_object_new_boolean(pmdplan_refused(plan)));
    return o;
}
