/*
 * NetworkPolicy resolution (netpolrules.h).
 *
 * The incremental state keeps one entry per policy:
 *
 *     policies  "NS/NAME" -> struct policy_res
 *                              rules      its compiled rules, ids unset
 *                              isolated   its selected local pods, per dir
 *                              pods_seen  "NS/NAME" of every pod that
 *                                         counted: selected (on any node),
 *                                         a peer, a named-port destination
 *                              ns_seen    namespaces a namespaceSelector
 *                                         of it matched
 *
 * A policy's result depends only on the policy and on the pods and
 * namespaces its selectors match, so a change to a pod or namespace that
 * neither counted before nor matches now cannot change it; 'pods_seen' and
 * 'ns_seen' answer "before", the selectors "now".  Ids are given when the
 * per-policy rules are put together (netpolrules_state_result), because settling
 * a hash collision needs every key.
 */
#include <config.h>
#include "agent/policy/netpolrules.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/ipproto.h"
#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/ipblock.h"
#include "agent/model/labelsel.h"
#include "agent/policy/ruleparts.h"
#include "dataplane/tables.h"
#include "hash.h"
#include "hmapx.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "util.h"
/* Resolution of one policy. */

struct compile_ctx {
    const struct cluster *cluster;
    const char *node_name;
    const struct netpol *np;
    struct shash *ns_labels;    /* ruleparts_ns_labels() cache */
    const char **namespaces;    /* cluster_pod_namespaces(), on first use */
    size_t n_namespaces;
    struct policy_res *res;     /* where to record; NULL: only asking */
};

/* The resolution of one policy: see the comment at the top. */
struct policy_res {
    struct vec rules;           /* struct netpolrules_compiled */
    struct vec isolated[NETPOL_N_DIRS];     /* struct in_addr */
    struct sset pods_seen;
    struct sset ns_seen;
    size_t n_local;             /* selected pods of this node */
};

static void
seen_pod(struct compile_ctx *ctx, const struct cluster_pod *pod)
{
    sset_add(&ctx->res->pods_seen, pod->key);
}

static const struct cluster_labels *
ns_labels(struct compile_ctx *ctx, const char *name)
{
    return ruleparts_ns_labels(ctx->ns_labels, ctx->cluster, name);
}

/* The namespaces that hold pods: where a namespaceSelector can find
 * peers. */
static const char *const *
pod_namespaces(struct compile_ctx *ctx, size_t *n)
{
    if (!ctx->namespaces) {
        ctx->namespaces = cluster_pod_namespaces(ctx->cluster,
                                                 &ctx->n_namespaces);
    }
    *n = ctx->n_namespaces;
    return ctx->namespaces;
}

static bool
peer_matches(struct compile_ctx *ctx, const struct netpol_peer *peer,
             const struct cluster_pod *pod)
{
    if (peer->ipblock) {
        return false;
    }
    if (peer->ns_sel) {
        if (!labelsel_matches(peer->ns_sel,
                              ns_labels(ctx, pod->namespace))) {
            return false;
        }
    } else if (strcmp(pod->namespace, ctx->np->namespace)) {
        return false;
    }
    return !peer->pod_sel || labelsel_matches(peer->pod_sel, &pod->labels);
}

/* The selected pods of this node (with an address). */
static void
select_local_pods(struct compile_ctx *ctx, struct vec *local,
                  struct vec *local_pods)
{
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_namespace_pods(ctx->cluster, ctx->np->namespace, &n);

    for (size_t i = 0; i < n; i++) {
        const struct cluster_pod *pod = pods[i];
        struct in_addr addr;

        if (!labelsel_matches(ctx->np->pod_sel, &pod->labels)) {
            continue;
        }
        seen_pod(ctx, pod);
        if (pod->node_name && !strcmp(pod->node_name, ctx->node_name)
            && ruleparts_pod_ip(pod, &addr)) {
            vec_push(local, &addr);
            vec_push(local_pods, &pod);
        }
    }
}

/* A compiled rule under construction. */
static struct netpolrules_compiled *
add_compiled(struct compile_ctx *ctx, enum polflows_dir dir, size_t index,
             const char *suffix)
{
    struct netpolrules_compiled c;

    memset(&c, 0, sizeof c);
    c.key = (suffix
             ? xasprintf("%s/%s/%s/%zu/%s", ctx->np->namespace, ctx->np->name,
                         polflows_dir_name(dir), index, suffix)
             : xasprintf("%s/%s/%s/%zu", ctx->np->namespace, ctx->np->name,
                         polflows_dir_name(dir), index));
    c.rule.dir = dir;
    c.rule.action = POLFLOWS_ALLOW;
    c.rule.priority = NETPOLRULES_RULE_PRIORITY;
    if (dir == POLFLOWS_INGRESS) {
        c.rule.table = TABLE_INGRESS_RULE;
        c.rule.next_table = TABLE_CT_COMMIT;
    } else {
        c.rule.table = TABLE_EGRESS_RULE;
        c.rule.next_table = TABLE_L3_FORWARDING;
    }
    return vec_push(&ctx->res->rules, &c);
}

static void
compiled_destroy(struct netpolrules_compiled *c)
{
    free(c->key);
    free(c->pods);
    free(c->peers);
    free(c->ports);
}

/* Fills the member arrays of 'c' (taking them) and drops it again if it
 * matches nothing. */
static void
finish_compiled(struct compile_ctx *ctx, struct netpolrules_compiled *c,
                struct vec *pods, struct vec *peers, struct vec *ports)
{
    struct polflows_rule *r = &c->rule;

    c->pods = pods->data;
    r->n_pods = vec_sort_unique_array(c->pods, pods->n, sizeof *c->pods, ruleparts_addr_compare);
    c->peers = peers->data;
    r->n_peers = vec_sort_unique_array(c->peers, peers->n, sizeof *c->peers,
                             ruleparts_cidr_compare);
    c->ports = ports->data;
    r->n_ports = vec_sort_unique_array(c->ports, ports->n, sizeof *c->ports,
                             ruleparts_port_compare);
    r->pods = c->pods;
    r->peers = c->peers;
    r->ports = c->ports;
    r->any_port = !r->n_ports;
    if (!r->n_pods || (!r->any_peer && !r->n_peers)) {
        compiled_destroy(c);
        ctx->res->rules.n--;
    }
}

/* The pods of namespace 'ns' that 'peer's podSelector matches (all of
 * them without one), as /32 peers and as peer pods. */
static void
peer_pods_in(struct compile_ctx *ctx, const struct netpol_peer *peer,
             const char *ns, struct vec *peers,
             struct vec *peer_pods)
{
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_namespace_pods(ctx->cluster, ns, &n);

    for (size_t i = 0; i < n; i++) {
        const struct cluster_pod *pod = pods[i];
        struct in_addr addr;

        if (peer->pod_sel && !labelsel_matches(peer->pod_sel, &pod->labels)) {
            continue;
        }
        seen_pod(ctx, pod);
        if (ruleparts_pod_ip(pod, &addr)) {
            struct polflows_cidr cidr = { addr, 32 };
            vec_push(peers, &cidr);
            vec_push(peer_pods, &pod);
        }
    }
}

/* The peers of 'rule' as CIDRs, and the peer pods. */
static void
resolve_peers(struct compile_ctx *ctx, const struct netpol_rule *rule,
              struct vec *peers, struct vec *peer_pods)
{
    for (size_t i = 0; i < rule->n_peers; i++) {
        const struct netpol_peer *peer = &rule->peers[i];
        const char *const *namespaces;
        size_t n;

        if (peer->ipblock) {
            for (size_t j = 0; j < peer->ipblock->n_ranges; j++) {
                vec_push(peers, &peer->ipblock->ranges[j]);
            }
        } else if (!peer->ns_sel) {
            peer_pods_in(ctx, peer, ctx->np->namespace, peers, peer_pods);
        } else {
            namespaces = pod_namespaces(ctx, &n);
            for (size_t j = 0; j < n; j++) {
                if (labelsel_matches(peer->ns_sel,
                                     ns_labels(ctx, namespaces[j]))) {
                    sset_add(&ctx->res->ns_seen, namespaces[j]);
                    peer_pods_in(ctx, peer, namespaces[j], peers, peer_pods);
                }
            }
        }
    }
}

/* What the named ports of 'rule' are on 'pod', sorted; the name of a
 * container port with that name and protocol. */
static void
resolve_named(const struct netpol_rule *rule, const struct cluster_pod *pod,
              struct vec *ports)
{
    for (size_t i = 0; i < rule->n_ports; i++) {
        const struct netpol_port *np = &rule->ports[i];

        for (size_t j = 0; np->name && j < pod->n_ports; j++) {
            const struct cluster_container_port *cp = &pod->ports[j];
            if (cp->name && !strcmp(cp->name, np->name)
                && cp->proto == np->proto) {
                struct polflows_port port = { np->proto, cp->port, 0 };
                vec_push(ports, &port);
                break;
            }
        }
    }
    ports->n = vec_sort_unique_array(ports->data, ports->n, ports->size, ruleparts_port_compare);
}

static char *
ports_key(const struct vec *ports)
{
    const struct polflows_port *p = ports->data;
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < ports->n; i++) {
        ds_put_format(&s, "%s%s:%u", i ? "," : "", ipproto_name(p[i].proto),
                      p[i].port);
    }
    return ds_steal_cstr(&s);
}

/* Named-port groups: pods (ingress: local pods; egress: destination pods)
 * with the same resolved port set. */
struct port_group {
    struct vec ports;           /* struct polflows_port */
    struct vec members;         /* struct in_addr */
};

static void
group_pod(struct shash *groups, const struct netpol_rule *rule,
          const struct cluster_pod *pod, struct in_addr addr)
{
    struct vec ports = VEC_INIT(struct polflows_port);
    struct port_group *g;
    char *key;

    resolve_named(rule, pod, &ports);
    if (!ports.n) {
        free(ports.data);
        return;
    }
    key = ports_key(&ports);
    g = shash_find_data(groups, key);
    if (!g) {
        g = xmalloc(sizeof *g);
        g->ports = ports;
        g->members = (struct vec) VEC_INIT(struct in_addr);
        shash_add_nocopy(groups, key, g);
    } else {
        free(ports.data);
        free(key);
    }
    vec_push(&g->members, &addr);
}

/* Whether the address of a pod lies in an ipBlock peer of 'rule' (every
 * address does when the rule has no peer). */
static bool
in_ipblocks(const struct netpol_rule *rule, struct in_addr addr)
{
    bool in = !rule->n_peers;

    for (size_t j = 0; !in && j < rule->n_peers; j++) {
        in = (rule->peers[j].ipblock
              && ipblock_contains(rule->peers[j].ipblock, addr));
    }
    return in;
}

static bool
has_ipblock(const struct netpol_rule *rule)
{
    for (size_t i = 0; i < rule->n_peers; i++) {
        if (rule->peers[i].ipblock) {
            return true;
        }
    }
    return false;
}

/* Egress destinations a named port may resolve on: every pod with an
 * address among the rule's peers, pods in its ipBlocks included (every
 * pod when it has no peer). */
static void
egress_candidates(struct compile_ctx *ctx, const struct netpol_rule *rule,
                  const struct vec *peer_pods, struct shash *groups)
{
    const struct cluster_pod *const *listed = peer_pods->data;
    struct hmapx candidates = HMAPX_INITIALIZER(&candidates);
    struct hmapx_node *node;

    for (size_t i = 0; i < peer_pods->n; i++) {
        hmapx_add(&candidates, CONST_CAST(struct cluster_pod *, listed[i]));
    }
    if (!rule->n_peers || has_ipblock(rule)) {
        const char *const *namespaces;
        size_t n_ns;

        namespaces = pod_namespaces(ctx, &n_ns);
        for (size_t i = 0; i < n_ns; i++) {
            size_t n;
            const struct cluster_pod *const *pods
                = cluster_namespace_pods(ctx->cluster, namespaces[i], &n);
            for (size_t j = 0; j < n; j++) {
                struct in_addr addr;
                if (ruleparts_pod_ip(pods[j], &addr)
                    && in_ipblocks(rule, addr)) {
                    hmapx_add(&candidates,
                              CONST_CAST(struct cluster_pod *, pods[j]));
                }
            }
        }
    }
    HMAPX_FOR_EACH (node, &candidates) {
        const struct cluster_pod *pod = node->data;
        struct in_addr addr;

        seen_pod(ctx, pod);
        if (ruleparts_pod_ip(pod, &addr)) {
            group_pod(groups, rule, pod, addr);
        }
    }
    hmapx_destroy(&candidates);
}

static void
emit_groups(struct compile_ctx *ctx, enum polflows_dir dir, size_t index,
            struct shash *groups, const struct vec *local,
            const struct vec *peers, bool any_peer)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, groups) {
        struct port_group *g = node->data;
        struct netpolrules_compiled *c = add_compiled(ctx, dir, index, node->name);
        struct vec pods, peer_vec;

        if (dir == POLFLOWS_INGRESS) {
            pods = g->members;
            peer_vec = vec_clone(peers);
            c->rule.any_peer = any_peer;
        } else {
            const struct in_addr *addrs = g->members.data;

            pods = vec_clone(local);
            peer_vec = (struct vec) VEC_INIT(struct polflows_cidr);
            for (size_t i = 0; i < g->members.n; i++) {
                struct polflows_cidr cidr = { addrs[i], 32 };
                vec_push(&peer_vec, &cidr);
            }
            free(g->members.data);
        }
        finish_compiled(ctx, c, &pods, &peer_vec, &g->ports);
        free(g);
        shash_delete(groups, node);
    }
}

static void
compile_rule(struct compile_ctx *ctx, enum polflows_dir dir, size_t index,
             const struct vec *local, const struct vec *local_pods)
{
    const struct netpol_rule *rule = &ctx->np->rules[dir][index];
    struct vec peers = VEC_INIT(struct polflows_cidr);
    struct vec peer_pods = VEC_INIT(const struct cluster_pod *);
    struct vec numeric = VEC_INIT(struct polflows_port);
    bool any_peer = !rule->n_peers;
    bool named = false;
    struct shash groups;

    resolve_peers(ctx, rule, &peers, &peer_pods);
    for (size_t i = 0; i < rule->n_ports; i++) {
        const struct netpol_port *p = &rule->ports[i];
        if (p->name) {
            named = true;
        } else {
            struct polflows_port port = { p->proto, p->port, p->end_port };
            vec_push(&numeric, &port);
        }
    }

    if (numeric.n || !rule->n_ports) {
        struct netpolrules_compiled *c = add_compiled(ctx, dir, index, NULL);
        struct vec pods, peer_copy;

        c->rule.any_peer = any_peer;
        pods = vec_clone(local);
        peer_copy = vec_clone(&peers);
        finish_compiled(ctx, c, &pods, &peer_copy, &numeric);
    } else {
        free(numeric.data);
    }

    if (named) {
        shash_init(&groups);
        if (dir == POLFLOWS_INGRESS) {
            const struct cluster_pod *const *pods = local_pods->data;
            const struct in_addr *addrs = local->data;
            for (size_t i = 0; i < local_pods->n; i++) {
                group_pod(&groups, rule, pods[i], addrs[i]);
            }
        } else {
            egress_candidates(ctx, rule, &peer_pods, &groups);
        }
        emit_groups(ctx, dir, index, &groups, local, &peers, any_peer);
        shash_destroy(&groups);
    }
    free(peers.data);
    free(peer_pods.data);
}

static struct policy_res *
policy_res_create(void)
{
    struct policy_res *res = xzalloc(sizeof *res);

    res->rules = (struct vec) VEC_INIT(struct netpolrules_compiled);
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        res->isolated[dir] = (struct vec) VEC_INIT(struct in_addr);
    }
    sset_init(&res->pods_seen);
    sset_init(&res->ns_seen);
    return res;
}

static void
policy_res_destroy(struct policy_res *res)
{
    struct netpolrules_compiled *rules = res->rules.data;

    for (size_t i = 0; i < res->rules.n; i++) {
        compiled_destroy(&rules[i]);
    }
    free(res->rules.data);
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        free(res->isolated[dir].data);
    }
    sset_destroy(&res->pods_seen);
    sset_destroy(&res->ns_seen);
    free(res);
}

/* Resolves 'np' for the pods of 'node_name'.  A policy that selects no
 * pod of the node has no rule here whatever its peers are, so they are not
 * looked at; its selected pods are still recorded as seen. */
static struct policy_res *
compile_policy(const struct cluster *cluster, const char *node_name,
               const struct netpol *np, struct shash *ns_labels_cache)
{
    struct vec local = VEC_INIT(struct in_addr);
    struct vec local_pods = VEC_INIT(const struct cluster_pod *);
    struct compile_ctx ctx = {
        .cluster = cluster,
        .node_name = node_name,
        .np = np,
        .ns_labels = ns_labels_cache,
        .res = policy_res_create(),
    };

    select_local_pods(&ctx, &local, &local_pods);
    ctx.res->n_local = local.n;
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        if (!np->applies[dir] || !local.n) {
            continue;
        }
        ctx.res->isolated[dir] = vec_clone(&local);
        for (size_t i = 0; i < np->n_rules[dir]; i++) {
            compile_rule(&ctx, dir, i, &local, &local_pods);
        }
    }

    free(ctx.namespaces);
    free(local.data);
    free(local_pods.data);
    return ctx.res;
}

/* The incremental state. */

/* Most policies of a large cluster select no pod of this node: they have
 * no rule here, and only a pod of their own namespace coming to be
 * selected can change that.  So the policies that do ('active') are kept
 * apart from the others, which are found by namespace ('by_ns'), and a
 * change looks at the active policies and those of its namespace only. */
struct netpolrules_state {
    char *node_name;
    struct shash policies;      /* "NS/NAME" -> struct policy_res */
    struct sset active;         /* "NS/NAME" of policies with n_local */
    struct shash by_ns;         /* NS -> struct sset of "NS/NAME" */
};

struct netpolrules_state *
netpolrules_state_create(const char *node_name)
{
    struct netpolrules_state *st = xzalloc(sizeof *st);

    st->node_name = xstrdup(node_name);
    shash_init(&st->policies);
    sset_init(&st->active);
    shash_init(&st->by_ns);
    return st;
}

/* The NetworkPolicy "NS/NAME" of the model, or NULL. */
static const struct netpol *
find_policy(const struct cluster *cluster, const char *key)
{
    const char *slash = strchr(key, '/');
    const struct netpol *np = NULL;

    if (slash) {
        char *ns = xmemdup0(key, slash - key);
        np = cluster_find_netpol(cluster, ns, slash + 1);
        free(ns);
    }
    return np;
}

static void
state_put(struct netpolrules_state *st, const struct netpol *np,
          struct policy_res *res)
{
    struct sset *keys = shash_find_data(&st->by_ns, np->namespace);

    shash_add(&st->policies, np->key, res);
    if (res->n_local) {
        sset_add(&st->active, np->key);
    }
    if (!keys) {
        keys = xmalloc(sizeof *keys);
        sset_init(keys);
        shash_add(&st->by_ns, np->namespace, keys);
    }
    sset_add(keys, np->key);
}

static void
state_remove(struct netpolrules_state *st, const char *key)
{
    struct policy_res *res = shash_find_and_delete(&st->policies, key);
    char *ns = xmemdup0(key, strcspn(key, "/"));
    struct shash_node *node = shash_find(&st->by_ns, ns);

    if (res) {
        policy_res_destroy(res);
        sset_find_and_delete(&st->active, key);
    }
    if (node) {
        struct sset *keys = node->data;

        sset_find_and_delete(keys, key);
        if (sset_is_empty(keys)) {
            sset_destroy(keys);
            free(keys);
            shash_delete(&st->by_ns, node);
        }
    }
    free(ns);
}

static void
state_clear(struct netpolrules_state *st)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &st->policies) {
        policy_res_destroy(node->data);
        shash_delete(&st->policies, node);
    }
    sset_clear(&st->active);
    SHASH_FOR_EACH_SAFE (node, &st->by_ns) {
        sset_destroy(node->data);
        free(node->data);
        shash_delete(&st->by_ns, node);
    }
}

void
netpolrules_state_destroy(struct netpolrules_state *st)
{
    if (st) {
        state_clear(st);
        shash_destroy(&st->policies);
        sset_destroy(&st->active);
        shash_destroy(&st->by_ns);
        free(st->node_name);
        free(st);
    }
}

static void
state_recompute_one(struct netpolrules_state *st, const struct cluster *cluster,
                    const char *key, struct shash *ns_labels_cache)
{
    const struct netpol *np = find_policy(cluster, key);

    state_remove(st, key);
    if (np) {
        state_put(st, np, compile_policy(cluster, st->node_name, np,
                                         ns_labels_cache));
    }
}

void
netpolrules_state_recompute_all(struct netpolrules_state *st,
                           const struct cluster *cluster)
{
    size_t n;
    const struct netpol **nps = (const struct netpol **) cluster_list(
        cluster, CLUSTER_NETWORK_POLICY, &n);
    struct shash cache = SHASH_INITIALIZER(&cache);

    state_clear(st);
    for (size_t i = 0; i < n; i++) {
        state_put(st, nps[i],
                  compile_policy(cluster, st->node_name, nps[i], &cache));
    }
    ruleparts_ns_labels_clear(&cache);
    free(nps);
}

void
netpolrules_state_recompute(struct netpolrules_state *st,
                       const struct cluster *cluster,
                       const struct sset *policies)
{
    struct shash cache = SHASH_INITIALIZER(&cache);
    const char *key;

    SSET_FOR_EACH (key, policies) {
        state_recompute_one(st, cluster, key, &cache);
    }
    ruleparts_ns_labels_clear(&cache);
}

static bool
pod_selected(const struct netpol *np, const struct cluster_pod *pod)
{
    return (!strcmp(pod->namespace, np->namespace)
            && labelsel_matches(np->pod_sel, &pod->labels));
}

/* Whether pod 'pod' may count for 'np' now: selected, a peer, or a
 * possible named-port destination.  Peers count only for a policy that
 * selects pods of this node ('res' says whether it did last time; NULL:
 * not resolved yet): without one it has no rule, and a pod of this node it
 * comes to select is a selected pod. */
static bool
pod_may_count(const struct cluster *cluster, const struct netpol *np,
              const struct policy_res *res, const struct cluster_pod *pod,
              struct shash *ns_labels_cache)
{
    struct compile_ctx ctx = { .cluster = cluster, .np = np,
                               .ns_labels = ns_labels_cache };
    bool counts = false;

    if (pod_selected(np, pod)) {
        return true;
    } else if (res && !res->n_local) {
        return false;
    }
    for (int dir = 0; dir < NETPOL_N_DIRS && !counts; dir++) {
        for (size_t i = 0; i < np->n_rules[dir] && !counts; i++) {
            const struct netpol_rule *rule = &np->rules[dir][i];

            for (size_t j = 0; j < rule->n_ports && !counts; j++) {
                counts = (dir == POLFLOWS_EGRESS && rule->ports[j].name
                          && pod->has_addr && in_ipblocks(rule, pod->addr));
            }
            for (size_t j = 0; j < rule->n_peers && !counts; j++) {
                counts = peer_matches(&ctx, &rule->peers[j], pod);
            }
        }
    }

    return counts;
}

/* Whether any namespaceSelector of 'np' matches namespace 'name' now. */
static bool
ns_may_count(const struct cluster *cluster, const struct netpol *np,
             const char *name)
{
    struct shash cache = SHASH_INITIALIZER(&cache);
    struct compile_ctx ctx = { .cluster = cluster, .np = np,
                               .ns_labels = &cache };
    bool counts = false;

    for (int dir = 0; dir < NETPOL_N_DIRS && !counts; dir++) {
        for (size_t i = 0; i < np->n_rules[dir] && !counts; i++) {
            const struct netpol_rule *rule = &np->rules[dir][i];
            for (size_t j = 0; j < rule->n_peers && !counts; j++) {
                counts = (rule->peers[j].ns_sel
                          && labelsel_matches(rule->peers[j].ns_sel,
                                              ns_labels(&ctx, name)));
            }
        }
    }

    ruleparts_ns_labels_clear(&cache);
    return counts;
}

/* Whether 'change' (of pod 'pod', NULL if gone, or of a namespace) may
 * affect 'np', whose last resolution is 'res' (NULL: none). */
static bool
policy_affected(const struct cluster *cluster, const struct netpol *np,
                const struct policy_res *res,
                const struct cluster_change *change,
                const struct cluster_pod *pod, struct shash *ns_labels_cache)
{
    if (change->kind == CLUSTER_POD) {
        char *key = xasprintf("%s/%s", change->namespace, change->name);
        bool seen = res && sset_contains(&res->pods_seen, key);

        free(key);
        return seen || (pod && pod_may_count(cluster, np, res, pod,
                                             ns_labels_cache));
    }
    return ((res && sset_contains(&res->ns_seen, change->name))
            || ns_may_count(cluster, np, change->name));
}

/* Adds to 'keys' the policies a change of 'kind' in namespace 'ns' may
 * affect beyond the active ones: for a pod, the policies of its namespace
 * (that may come to select it); for a namespace, none (namespace labels
 * count only for peers, and a policy selecting no pod here has none). */
static void
inactive_candidates(const struct netpolrules_state *st, enum cluster_kind kind,
                    const char *ns, struct sset *keys)
{
    const struct sset *in_ns = (kind == CLUSTER_POD
                                ? shash_find_data(&st->by_ns, ns) : NULL);
    const char *key;

    if (in_ns) {
        SSET_FOR_EACH (key, in_ns) {
            sset_add(keys, key);
        }
    }
}

void
netpolrules_state_affected(const struct netpolrules_state *st,
                      const struct cluster *cluster,
                      const struct cluster_change *change,
                      struct sset *policies)
{
    struct shash cache = SHASH_INITIALIZER(&cache);
    const struct cluster_pod *pod = NULL;
    struct sset keys = SSET_INITIALIZER(&keys);
    const char *key;

    if (change->kind == CLUSTER_NETWORK_POLICY) {
        sset_add_and_free(policies, xasprintf("%s/%s", change->namespace,
                                              change->name));
        return;
    }
    if (change->kind != CLUSTER_POD && change->kind != CLUSTER_NAMESPACE) {
        return;
    }
    if (change->kind == CLUSTER_POD) {
        pod = cluster_find_pod(cluster, change->namespace, change->name);
    }

    if (shash_count(&st->policies)
        == cluster_count(cluster, CLUSTER_NETWORK_POLICY)) {
        sset_clone(&keys, &st->active);
        inactive_candidates(st, change->kind, change->namespace, &keys);
    } else {
        /* Not every policy resolved yet: look at them all. */
        size_t n;
        const struct netpol **nps = (const struct netpol **) cluster_list(
            cluster, CLUSTER_NETWORK_POLICY, &n);
        for (size_t i = 0; i < n; i++) {
            sset_add(&keys, nps[i]->key);
        }
        free(nps);
    }
    SSET_FOR_EACH (key, &keys) {
        const struct netpol *np = find_policy(cluster, key);

        if (np && policy_affected(cluster, np,
                                  shash_find_data(&st->policies, key),
                                  change, pod, &cache)) {
            sset_add(policies, key);
        }
    }
    sset_destroy(&keys);
    ruleparts_ns_labels_clear(&cache);
}

/* Results. */

static void
compiled_clone(struct netpolrules_compiled *dst, const struct netpolrules_compiled *src)
{
    ruleparts_rule_clone(&dst->rule, &src->rule, &dst->pods, &dst->peers,
                         &dst->ports);
    dst->key = xstrdup(src->key);
}

static int
compiled_key_compare(const void *a_, const void *b_)
{
    const struct netpolrules_compiled *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

static int
compiled_id_compare(const void *a_, const void *b_)
{
    const struct netpolrules_compiled *a = a_, *b = b_;
    return a->rule.id < b->rule.id ? -1 : a->rule.id > b->rule.id;
}

struct id_node {
    struct hmap_node node;
    uint32_t id;
};

static bool
id_taken(const struct hmap *ids, uint32_t id)
{
    const struct id_node *n;
    HMAP_FOR_EACH_WITH_HASH (n, node, hash_int(id, 0), ids) {
        if (n->id == id) {
            return true;
        }
    }
    return false;
}

/* Gives every rule the hash of its key, or on collision the next free id,
 * keys in sorted order. */
static void
assign_ids(struct netpolrules_compiled *rules, size_t n)
{
    struct hmap ids = HMAP_INITIALIZER(&ids);
    struct id_node *nodes;

    if (!n) {
        return;
    }
    nodes = xcalloc(n, sizeof *nodes);
    if (n) {
        qsort(rules, n, sizeof *rules, compiled_key_compare);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = hash_string(rules[i].key, 0);

        for (;;) {
            if (id < NETPOLRULES_FIRST_RULE_ID) {
                id = NETPOLRULES_FIRST_RULE_ID;
            }
            if (!id_taken(&ids, id)) {
                break;
            }
            id++;
        }
        rules[i].rule.id = id;
        nodes[i].id = id;
        hmap_insert(&ids, &nodes[i].node, hash_int(id, 0));
    }
    hmap_destroy(&ids);
    free(nodes);
    if (n) {
        qsort(rules, n, sizeof *rules, compiled_id_compare);
    }
}

void
netpolrules_state_result(const struct netpolrules_state *st,
                    struct netpolrules_result *result)
{
    struct vec rules = VEC_INIT(struct netpolrules_compiled);
    struct vec isolated[NETPOL_N_DIRS];
    const char *key;

    memset(result, 0, sizeof *result);
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        isolated[dir] = (struct vec) VEC_INIT(struct in_addr);
    }
    SSET_FOR_EACH (key, &st->active) {
        const struct policy_res *res = shash_find_data(&st->policies, key);
        const struct netpolrules_compiled *c = res->rules.data;

        for (size_t i = 0; i < res->rules.n; i++) {
            struct netpolrules_compiled copy;
            compiled_clone(&copy, &c[i]);
            vec_push(&rules, &copy);
        }
        for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
            const struct in_addr *a = res->isolated[dir].data;
            for (size_t i = 0; i < res->isolated[dir].n; i++) {
                vec_push(&isolated[dir], &a[i]);
            }
        }
    }
    assign_ids(rules.data, rules.n);
    result->rules = rules.data;
    result->n_rules = rules.n;
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        result->isolated[dir] = isolated[dir].data;
        result->n_isolated[dir] = vec_sort_unique_array(isolated[dir].data,
                                              isolated[dir].n,
                                              sizeof(struct in_addr),
                                              ruleparts_addr_compare);
    }
}

void
netpolrules_resolve(const struct cluster *cluster, const char *node_name,
               struct netpolrules_result *result)
{
    struct netpolrules_state *st = netpolrules_state_create(node_name);

    netpolrules_state_recompute_all(st, cluster);
    netpolrules_state_result(st, result);
    netpolrules_state_destroy(st);
}

static_assert(offsetof(struct netpolrules_compiled, rule) == 0,
              "ruleparts_find_rule() reads the rule at the start");

const struct polflows_rule *
netpolrules_result_find(const struct netpolrules_result *r, uint32_t id)
{
    return ruleparts_find_rule(r->rules, r->n_rules, sizeof *r->rules, id);
}

void
netpolrules_result_destroy(struct netpolrules_result *result)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        compiled_destroy(&result->rules[i]);
    }
    free(result->rules);
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        free(result->isolated[dir]);
    }
    memset(result, 0, sizeof *result);
}

static void
format_addrs(struct ds *s, const struct in_addr *addrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &addrs[i], buf, sizeof buf);
        ds_put_format(s, "%s%s", i ? "," : "", buf);
    }
}

static void
format_rule(struct ds *s, const struct netpolrules_compiled *c)
{
    const struct polflows_rule *r = &c->rule;

    ds_put_format(s, "%s id=%"PRIu32" pods=", c->key, r->id);
    format_addrs(s, r->pods, r->n_pods);
    ds_put_cstr(s, " peers=");
    if (r->any_peer) {
        ds_put_cstr(s, "any");
    }
    for (size_t i = 0; i < r->n_peers; i++) {
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &r->peers[i].addr, buf, sizeof buf);
        ds_put_format(s, "%s%s/%d", i ? "," : "", buf, r->peers[i].plen);
    }
    ds_put_cstr(s, " ports=");
    if (r->any_port) {
        ds_put_cstr(s, "any");
    }
    for (size_t i = 0; i < r->n_ports; i++) {
        const struct polflows_port *p = &r->ports[i];
        ds_put_format(s, "%s%s", i ? "," : "", ipproto_name(p->proto));
        if (p->port) {
            ds_put_format(s, ":%u", p->port);
        }
        if (p->end_port && p->end_port != p->port) {
            ds_put_format(s, "-%u", p->end_port);
        }
    }
    ds_put_char(s, '\n');
}

void
netpolrules_result_format(const struct netpolrules_result *result, struct ds *s)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        format_rule(s, &result->rules[i]);
    }
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        ds_put_format(s, "isolated %s: ", polflows_dir_name(dir));
        format_addrs(s, result->isolated[dir], result->n_isolated[dir]);
        ds_put_char(s, '\n');
    }
}

bool
netpolrules_rule_equal(const struct polflows_rule *a, const struct polflows_rule *b)
{
    if (a->id != b->id || a->dir != b->dir || a->action != b->action
        || a->table != b->table || a->priority != b->priority
        || a->next_table != b->next_table || a->pass_table != b->pass_table
        || a->any_peer != b->any_peer || a->any_port != b->any_port
        || a->n_pods != b->n_pods || a->n_peers != b->n_peers
        || a->n_ports != b->n_ports) {
        return false;
    }
    for (size_t i = 0; i < a->n_pods; i++) {
        if (a->pods[i].s_addr != b->pods[i].s_addr) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_peers; i++) {
        if (ruleparts_cidr_compare(&a->peers[i], &b->peers[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        if (ruleparts_port_compare(&a->ports[i], &b->ports[i])) {
            return false;
        }
    }
    return true;
}
