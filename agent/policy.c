#include <config.h>
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "netpol.h"
#include "polflows.h"
#include "sset.h"
#include "tables.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(policy);

struct policy {
    struct netpol_state *state;
    struct netpol_result applied;   /* what the flow table holds */
};

struct policy *
policy_create(const char *node_name)
{
    struct policy *p = xzalloc(sizeof *p);
    p->state = netpol_state_create(node_name);
    return p;
}

void
policy_destroy(struct policy *p)
{
    if (p) {
        netpol_state_destroy(p->state);
        netpol_result_destroy(&p->applied);
        free(p);
    }
}

static const struct polflows_rule *
find_rule(const struct netpol_result *r, uint32_t id)
{
    size_t lo = 0, hi = r->n_rules;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t mid_id = r->rules[mid].rule.id;
        if (mid_id == id) {
            return &r->rules[mid].rule;
        }
        if (mid_id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static void
apply_isolation(const struct netpol_result *new, struct flowtab *ft)
{
    static const uint8_t tables[NETPOL_N_DIRS] = {
        [POLFLOWS_INGRESS] = TABLE_INGRESS_DEFAULT,
        [POLFLOWS_EGRESS] = TABLE_EGRESS_DEFAULT,
    };

    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        polflows_set_isolation(ft, NETPOL_ISOLATION_ID(dir), dir, tables[dir],
                               NETPOL_ISOLATION_PRIORITY, new->isolated[dir],
                               new->n_isolated[dir]);
    }
}

/* Writes into the flow table the rules of 'new' that differ from what was
 * applied, removes the rules that are gone, and keeps 'new' as applied. */
static void
apply(struct policy *p, struct netpol_result *new, struct flowtab *ft)
{
    size_t n_set = 0, n_removed = 0;

    for (size_t i = 0; i < p->applied.n_rules; i++) {
        uint32_t id = p->applied.rules[i].rule.id;
        if (!find_rule(new, id)) {
            polflows_remove_rule(ft, id);
            n_removed++;
        }
    }
    for (size_t i = 0; i < new->n_rules; i++) {
        const struct polflows_rule *rule = &new->rules[i].rule;
        const struct polflows_rule *old = find_rule(&p->applied, rule->id);
        if (!old || !netpol_rule_equal(old, rule)) {
            polflows_set_rule(ft, rule);
            n_set++;
        }
    }
    apply_isolation(new, ft);
    netpol_result_destroy(&p->applied);
    p->applied = *new;
    memset(new, 0, sizeof *new);
    if (n_set || n_removed) {
        VLOG_INFO("policy rules: %zu written, %zu removed, %zu in force",
                  n_set, n_removed, p->applied.n_rules);
    }
}

void
policy_sync_all(struct policy *p, const struct cluster *cluster,
                struct flowtab *ft)
{
    struct netpol_result result;

    netpol_state_recompute_all(p->state, cluster);
    netpol_state_result(p->state, &result);
    apply(p, &result, ft);
}

size_t
policy_handle_changes(struct policy *p, const struct cluster *cluster,
                      const struct cluster_change *changes, size_t n,
                      struct flowtab *ft)
{
    struct sset affected = SSET_INITIALIZER(&affected);
    size_t n_affected;

    for (size_t i = 0; i < n; i++) {
        netpol_state_affected(p->state, cluster, &changes[i], &affected);
    }
    n_affected = sset_count(&affected);
    if (n_affected) {
        struct netpol_result result;

        netpol_state_recompute(p->state, cluster, &affected);
        netpol_state_result(p->state, &result);
        apply(p, &result, ft);
    }
    sset_destroy(&affected);
    return n_affected;
}
