#include <config.h>
#include "agent/policy/policy.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/cnp.h"
#include "agent/model/labelsel.h"
#include "agent/model/netpol.h"
#include "agent/policy/cnprules.h"
#include "agent/policy/netpolrules.h"
#include "agent/policy/rulebook.h"
#include "agent/policy/ruleparts.h"
#include "dataplane/polflows.h"
#include "dataplane/tables.h"
#include "sset.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(policy);

/* NetworkPolicy and ClusterNetworkPolicy rules share one id space (their
 * ids are cookie owners and conjunction ids): CNP ids are given after
 * NetworkPolicy's, avoiding them, so an id may move from one kind to the
 * other between two applies.  apply() therefore looks ids up in both. */
struct policy {
    char *node_name;
    struct rulebook *state;             /* NetworkPolicy */
    struct rulebook *cnp_state;         /* ClusterNetworkPolicy */
    struct rulebook_result applied;     /* NetworkPolicy rules in the table */
    struct rulebook_result applied_cnp; /* ClusterNetworkPolicy rules in it */
    bool changed;                   /* flows changed since policy_take_changed */
};

struct policy *
policy_create(const char *node_name)
{
    struct policy *p = xzalloc(sizeof *p);
    p->node_name = xstrdup(node_name);
    p->state = rulebook_create(&netpolrules_class, node_name);
    p->cnp_state = rulebook_create(&cnprules_class, node_name);
    return p;
}

void
policy_destroy(struct policy *p)
{
    if (p) {
        rulebook_destroy(p->state);
        rulebook_destroy(p->cnp_state);
        rulebook_result_destroy(&p->applied);
        rulebook_result_destroy(&p->applied_cnp);
        free(p->node_name);
        free(p);
    }
}

static const struct polflows_rule *
find_rule(const struct rulebook_result *np, const struct rulebook_result *cnp,
          uint32_t id)
{
    const struct polflows_rule *rule = rulebook_result_find(np, id);
    return rule ? rule : rulebook_result_find(cnp, id);
}

static void
apply_isolation(const struct rulebook_result *new, struct flowtab *ft)
{
    static const uint8_t tables[NETPOL_N_DIRS] = {
        [POLFLOWS_INGRESS] = TABLE_INGRESS_DEFAULT,
        [POLFLOWS_EGRESS] = TABLE_EGRESS_DEFAULT,
    };

    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        struct polflows_pods pods = {
            new->isolated[dir], new->n_isolated[dir],
            new->isolated6[dir], new->n_isolated6[dir],
        };
        polflows_set_isolation_pods(ft, NETPOLRULES_ISOLATION_ID(dir), dir,
                                    tables[dir],
                                    NETPOLRULES_ISOLATION_PRIORITY, &pods);
    }
}

/* Appends 'n' elements of 'size' bytes at 'src' to 'dst'. */
static void
add_all(struct vec *dst, const void *src, size_t n, size_t size)
{
    for (size_t i = 0; i < n; i++) {
        vec_push(dst, (const char *) src + i * size);
    }
}

/* Appends to 'v4' and 'v6' the addresses of the pods 'res' isolates and
 * those its rules apply to. */
static void
add_policed(const struct rulebook_result *res, struct vec *v4,
            struct vec *v6)
{
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        add_all(v4, res->isolated[dir], res->n_isolated[dir],
                sizeof *res->isolated[dir]);
        add_all(v6, res->isolated6[dir], res->n_isolated6[dir],
                sizeof *res->isolated6[dir]);
    }
    for (size_t i = 0; i < res->n_rules; i++) {
        const struct polflows_rule *r = &res->rules[i].rule;
        add_all(v4, r->pods, r->n_pods, sizeof *r->pods);
        add_all(v6, r->pods6, r->n_pods6, sizeof *r->pods6);
    }
}

static int
addr6_compare(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct in6_addr));
}

/* The local pods any policy isolates, or any rule (a ClusterNetworkPolicy's
 * subject) applies to, take conntrack passes in both directions, by both
 * their addresses; the other pods take none (tables.h, ConntrackZone). */
static void
apply_conntrack(const struct rulebook_result *np,
                const struct rulebook_result *cnp, struct flowtab *ft)
{
    struct vec v4 = VEC_INIT(struct in_addr);
    struct vec v6 = VEC_INIT(struct in6_addr);

    add_policed(np, &v4, &v6);
    add_policed(cnp, &v4, &v6);
    vec_sort_unique(&v4, ruleparts_addr_compare);
    vec_sort_unique(&v6, addr6_compare);

    struct polflows_pods pods = { v4.data, v4.n, v6.data, v6.n };
    polflows_set_conntrack_pods(ft, NETPOLRULES_CONNTRACK_ID, &pods);
    free(v4.data);
    free(v6.data);
}

struct apply_counts {
    size_t set, removed;
};

static void
remove_gone(const struct polflows_rule *old, const struct rulebook_result *np,
            const struct rulebook_result *cnp, struct flowtab *ft,
            struct apply_counts *counts)
{
    if (!find_rule(np, cnp, old->id)) {
        polflows_remove_rule(ft, old->id);
        counts->removed++;
    }
}

/* A rule the switch cannot take is named by its key ("NS/NAME/DIR/N"),
 * which a person can find in the policy's spec. */
static void
set_changed(const struct policy *p, const struct rulebook_compiled *c,
            const char *kind, struct flowtab *ft, struct apply_counts *counts)
{
    const struct polflows_rule *rule = &c->rule;
    const struct polflows_rule *old = find_rule(&p->applied, &p->applied_cnp,
                                                rule->id);
    if (!old || !netpolrules_rule_equal(old, rule)) {
        int error = polflows_set_rule(ft, rule);
        if (error) {
            VLOG_WARN("%s rule %s not applied: %s", kind, c->key,
                      ovs_strerror(-error));
        }
        counts->set++;
    }
}

static bool
same_array(const void *a, size_t n_a, const void *b, size_t n_b,
           size_t size)
{
    return n_a == n_b && (!n_a || !memcmp(a, b, n_a * size));
}

static bool
same_isolation(const struct rulebook_result *a, const struct rulebook_result *b)
{
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        if (!same_array(a->isolated[dir], a->n_isolated[dir],
                        b->isolated[dir], b->n_isolated[dir],
                        sizeof *a->isolated[dir])
            || !same_array(a->isolated6[dir], a->n_isolated6[dir],
                           b->isolated6[dir], b->n_isolated6[dir],
                           sizeof *a->isolated6[dir])) {
            return false;
        }
    }
    return true;
}

bool
policy_take_changed(struct policy *p)
{
    bool changed = p->changed;
    p->changed = false;
    return changed;
}

/* Writes into the flow table the rules of 'np' and 'cnp' that differ from
 * what was applied, removes the rules that are gone, and keeps both as
 * applied. */
static void
apply(struct policy *p, struct rulebook_result *np, struct rulebook_result *cnp,
      struct flowtab *ft)
{
    struct apply_counts counts = { 0, 0 };

    for (size_t i = 0; i < p->applied.n_rules; i++) {
        remove_gone(&p->applied.rules[i].rule, np, cnp, ft, &counts);
    }
    for (size_t i = 0; i < p->applied_cnp.n_rules; i++) {
        remove_gone(&p->applied_cnp.rules[i].rule, np, cnp, ft, &counts);
    }
    for (size_t i = 0; i < np->n_rules; i++) {
        set_changed(p, &np->rules[i], "NetworkPolicy", ft, &counts);
    }
    for (size_t i = 0; i < cnp->n_rules; i++) {
        set_changed(p, &cnp->rules[i], "ClusterNetworkPolicy", ft, &counts);
    }
    if (counts.set || counts.removed || !same_isolation(&p->applied, np)) {
        p->changed = true;
    }
    apply_isolation(np, ft);
    apply_conntrack(np, cnp, ft);
    rulebook_result_destroy(&p->applied);
    rulebook_result_destroy(&p->applied_cnp);
    p->applied = *np;
    p->applied_cnp = *cnp;
    memset(np, 0, sizeof *np);
    memset(cnp, 0, sizeof *cnp);
    if (counts.set || counts.removed) {
        VLOG_INFO("policy rules: %zu written, %zu removed, %zu in force",
                  counts.set, counts.removed,
                  p->applied.n_rules + p->applied_cnp.n_rules);
    }
}

/* The rules of both kinds as the states hold them now, ClusterNetwork-
 * Policy ids clear of NetworkPolicy's, applied. */
static void
collect_and_apply(struct policy *p, struct flowtab *ft)
{
    struct rulebook_result np;
    struct rulebook_result cnp;
    uint32_t *taken;

    rulebook_result(p->state, NULL, 0, &np);
    taken = xmalloc((np.n_rules + 1) * sizeof *taken);
    for (size_t i = 0; i < np.n_rules; i++) {
        taken[i] = np.rules[i].rule.id;
    }
    rulebook_result(p->cnp_state, taken, np.n_rules, &cnp);
    free(taken);
    apply(p, &np, &cnp, ft);
}

void
policy_sync_all(struct policy *p, const struct cluster *cluster,
                struct flowtab *ft)
{
    rulebook_recompute_all(p->state, cluster);
    rulebook_recompute_all(p->cnp_state, cluster);
    collect_and_apply(p, ft);
}

size_t
policy_handle_changes(struct policy *p, const struct cluster *cluster,
                      const struct cluster_change *changes, size_t n,
                      struct flowtab *ft)
{
    struct sset affected = SSET_INITIALIZER(&affected);
    struct sset cnp_affected = SSET_INITIALIZER(&cnp_affected);
    size_t n_affected;

    for (size_t i = 0; i < n; i++) {
        rulebook_affected(p->state, cluster, &changes[i], &affected);
        rulebook_affected(p->cnp_state, cluster, &changes[i], &cnp_affected);
    }
    n_affected = sset_count(&affected) + sset_count(&cnp_affected);
    rulebook_recompute(p->state, cluster, &affected);
    rulebook_recompute(p->cnp_state, cluster, &cnp_affected);
    if (n_affected) {
        collect_and_apply(p, ft);
    }
    sset_destroy(&affected);
    sset_destroy(&cnp_affected);
    return n_affected;
}

static void
format_rule_stats(const char *kind, const char *key,
                  const struct polflows_rule *rule, struct ofconn *conn,
                  struct ds *s)
{
    uint64_t packets, bytes;

    ds_put_format(s, "%s %s id=%"PRIu32" %s table=%u ", kind, key, rule->id,
                  rule->dir == POLFLOWS_INGRESS ? "ingress" : "egress",
                  rule->table);
    if (polflows_rule_stats(conn, rule, &packets, &bytes)) {
        ds_put_cstr(s, "packets=? bytes=?\n");
    } else {
        ds_put_format(s, "packets=%"PRIu64" bytes=%"PRIu64"\n", packets,
                      bytes);
    }
}

static int
rule_ref_compare(const void *a_, const void *b_)
{
    const struct policy_rule_ref *a = a_;
    const struct policy_rule_ref *b = b_;
    return a->cnp != b->cnp ? a->cnp - b->cnp : strcmp(a->key, b->key);
}

static void
add_refs(const struct rulebook_result *res, bool cnp,
         struct policy_rule_ref *refs, size_t *n)
{
    for (size_t i = 0; i < res->n_rules; i++) {
        refs[(*n)++] = (struct policy_rule_ref) { cnp, res->rules[i].key,
                                                  &res->rules[i].rule };
    }
}

size_t
policy_count_rules(const struct policy *p)
{
    return p->applied.n_rules + p->applied_cnp.n_rules;
}

bool
policy_find_rule(const struct policy *p, uint32_t id,
                 struct policy_rule_ref *ref)
{
    const struct rulebook_result *results[] = { &p->applied,
                                                &p->applied_cnp };

    for (size_t i = 0; i < ARRAY_SIZE(results); i++) {
        const struct polflows_rule *rule
            = rulebook_result_find(results[i], id);
        if (rule) {
            const struct rulebook_compiled *c
                = CONTAINER_OF(rule, struct rulebook_compiled, rule);
            *ref = (struct policy_rule_ref) { i == 1, c->key, rule };
            return true;
        }
    }
    return false;
}

void
policy_rule_describe(const struct cluster *c,
                     const struct policy_rule_ref *ref,
                     struct policy_rule_desc *d)
{
    char *key = xstrdup(ref->key), *save = NULL;
    char *first = strtok_r(key, "/", &save);
    char *name = strtok_r(NULL, "/", &save);
    char *dir = strtok_r(NULL, "/", &save);
    char *index = strtok_r(NULL, "/", &save);
    unsigned int i;

    memset(d, 0, sizeof *d);
    d->cnp = ref->cnp;
    d->namespace = ref->cnp ? NULL : nullable_xstrdup(first);
    d->name = nullable_xstrdup(name);
    d->direction = polflows_dir_name(ref->rule->dir);
    d->index = index && str_to_uint(index, 10, &i) ? (int) i : -1;
    if (dir && d->index >= 0) {
        d->rule = xasprintf("%s rule %d", d->direction, d->index);
    }
    const struct cnp *cnp = ref->cnp && name ? cluster_find_cnp(c, name)
                                               : NULL;
    if (cnp && d->index >= 0
        && (size_t) d->index < cnp->n_rules[ref->rule->dir]) {
        d->rule_name = cnp->rules[ref->rule->dir][d->index].name;
    }
    free(key);
}

void
policy_rule_desc_destroy(struct policy_rule_desc *d)
{
    free(d->namespace);
    free(d->name);
    free(d->rule);
}

const struct netpol **
policy_isolating(const struct cluster *c, const struct cluster_pod *pod,
                 enum polflows_dir dir, size_t *np)
{
    size_t n;
    const void **nps = cluster_list(c, CLUSTER_NETWORK_POLICY, &n);
    const struct netpol **found = xmalloc(MAX(n, 1) * sizeof *found);

    *np = 0;
    for (size_t i = 0; i < n; i++) {
        const struct netpol *p = nps[i];
        if (p->applies[dir] && !strcmp(p->namespace, pod->namespace)
            && labelsel_matches(p->pod_sel, &pod->labels)) {
            found[(*np)++] = p;
        }
    }
    free(nps);
    return found;
}

struct policy_rule_ref *
policy_list_rules(const struct policy *p, size_t *np)
{
    size_t n = policy_count_rules(p);
    struct policy_rule_ref *refs = xmalloc(MAX(n, 1) * sizeof *refs);

    *np = 0;
    add_refs(&p->applied, false, refs, np);
    add_refs(&p->applied_cnp, true, refs, np);
    qsort(refs, n, sizeof *refs, rule_ref_compare);
    return refs;
}

void
policy_format_stats(const struct policy *p, struct ofconn *conn,
                    struct ds *s)
{
    size_t n;
    struct policy_rule_ref *refs = policy_list_rules(p, &n);

    for (size_t i = 0; i < n; i++) {
        format_rule_stats(refs[i].cnp ? "cnp" : "np", refs[i].key,
                          refs[i].rule, conn, s);
    }
    free(refs);
}
