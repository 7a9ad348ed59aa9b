/*
 * ClusterNetworkPolicy resolution (cnprules.h; the semantics are in
 * agent/model/cnp.h).
 *
 * A policy is parsed once, when the cluster model takes it; resolution
 * reads the parsed policies and the pods, namespaces and nodes of the
 * model.  It is incremental: a cnprules_state keeps each policy's resolved
 * rules and what they saw, a change re-resolves only the policies it can
 * affect (cnprules_state_affected(), cnprules_state_recompute()), and ids
 * that depend only on keys make an unchanged rule come out identical, so
 * only what really changed is rewritten in the flow table.
 */
#include <config.h>
#include "agent/policy/cnprules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/ipproto.h"
#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/labelsel.h"
#include "agent/policy/ruleparts.h"
#include "dataplane/tables.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "util.h"
static_assert(CNPRULES_OF_PRIORITY_MAX < POLICY_BYPASS_PRIORITY,
              "CNP rules must stay below the policy bypass flows");
static_assert(CNPRULES_OF_PRIORITY_BASE > 0,
              "CNP rules must stay above the tier's pass-through");

int
cnprules_of_priority(int priority, size_t index)
{
    if (priority < 0 || priority > CNP_MAX_PRIORITY
        || index >= CNP_MAX_RULES) {
        return -1;
    }
    return (CNPRULES_OF_PRIORITY_BASE + (CNP_MAX_PRIORITY - priority)
            * CNP_MAX_RULES + (CNP_MAX_RULES - 1 - index));
}

uint8_t
cnprules_table(enum cnp_tier tier, enum polflows_dir dir)
{
    if (dir == POLFLOWS_EGRESS) {
        return tier == CNP_TIER_ADMIN ? TABLE_EGRESS_ADMIN
                                      : TABLE_EGRESS_BASELINE;
    }
    return tier == CNP_TIER_ADMIN ? TABLE_INGRESS_ADMIN
                                  : TABLE_INGRESS_BASELINE;
}

/* Past every policy stage of the direction. */
uint8_t
cnprules_accept_table(enum polflows_dir dir)
{
    return dir == POLFLOWS_EGRESS ? TABLE_L3_FORWARDING : TABLE_CT_COMMIT;
}

/* The next tier: NetworkPolicy after Admin; after Baseline the default,
 * which accepts. */
uint8_t
cnprules_pass_table(enum cnp_tier tier, enum polflows_dir dir)
{
    if (tier == CNP_TIER_BASELINE) {
        return cnprules_accept_table(dir);
    }
    return dir == POLFLOWS_EGRESS ? TABLE_EGRESS_RULE : TABLE_INGRESS_RULE;
}

/* Resolution. */

/* What one policy resolved to, and what counted in resolving it: the
 * pods it selected or had as peers, and their namespaces. */
struct cnp_res {
    struct vec rules;         /* struct cnprules_compiled, no ids */
    struct sset pods_seen;              /* "NS/NAME" */
    struct sset ns_seen;
    size_t n_local;                     /* subject pods of this node */
};

struct compile_ctx {
    const struct cluster *cluster;
    const char *node_name;
    const struct cluster_pod **pods;    /* every pod, in no order */
    size_t n_pods;
    const struct cluster_node **nodes;
    size_t n_nodes;
    struct shash ns_labels;     /* namespace -> struct cluster_labels */
    struct cnp_res *res;        /* of the policy being resolved */
};

/* A pod that counted for the policy being resolved. */
static void
seen_pod(struct compile_ctx *ctx, const struct cluster_pod *pod)
{
    sset_add(&ctx->res->pods_seen, pod->key);
    sset_add(&ctx->res->ns_seen, pod->namespace);
}

static const struct cluster_labels *
ns_labels(struct compile_ctx *ctx, const char *name)
{
    return ruleparts_ns_labels(&ctx->ns_labels, ctx->cluster, name);
}

/* Namespaces and/or pods selectors ('pod_sel' NULL: every pod). */
static bool
pod_selected(struct compile_ctx *ctx, const struct labelsel *ns_sel,
             const struct labelsel *pod_sel, const struct cluster_pod *pod)
{
    return (labelsel_matches(ns_sel, ns_labels(ctx, pod->namespace))
            && (!pod_sel || labelsel_matches(pod_sel, &pod->labels)));
}

/* The subject's pods on this node with an address, and their addresses,
 * sorted by address. */
static void
select_local_pods(struct compile_ctx *ctx, const struct cnp *cnp,
                  struct vec *local, struct vec *local_pods)
{
    for (size_t i = 0; i < ctx->n_pods; i++) {
        const struct cluster_pod *pod = ctx->pods[i];
        struct in_addr addr;

        if (pod->node_name && !strcmp(pod->node_name, ctx->node_name)
            && ruleparts_pod_ip(pod, &addr)
            && pod_selected(ctx, cnp->subject_ns_sel, cnp->subject_pod_sel,
                            pod)) {
            seen_pod(ctx, pod);
            vec_push(local, &addr);
            vec_push(local_pods, &pod);
        }
    }
}

static void
push_host(struct vec *peers, struct in_addr addr)
{
    struct polflows_cidr cidr = { addr, 32 };
    vec_push(peers, &cidr);
}

/* The peers of 'rule' as CIDRs, and the peer pods.  Returns false if a
 * peer is of a kind this version does not know. */
static bool
resolve_peers(struct compile_ctx *ctx, const struct cnp_rule *rule,
              struct vec *peers, struct vec *peer_pods)
{
    bool known = true;

    for (size_t i = 0; i < rule->n_peers; i++) {
        const struct cnp_peer *peer = &rule->peers[i];
        struct in_addr addr;

        switch (peer->kind) {
        case CNP_PEER_NAMESPACES:
        case CNP_PEER_PODS:
            for (size_t j = 0; j < ctx->n_pods; j++) {
                const struct cluster_pod *pod = ctx->pods[j];
                if (ruleparts_pod_ip(pod, &addr)
                    && pod_selected(ctx, peer->ns_sel, peer->pod_sel, pod)) {
                    seen_pod(ctx, pod);
                    push_host(peers, addr);
                    vec_push(peer_pods, &pod);
                }
            }
            break;
        case CNP_PEER_NODES:
            for (size_t j = 0; j < ctx->n_nodes; j++) {
                const struct cluster_node *node = ctx->nodes[j];
                if (node->internal_ip
                    && inet_pton(AF_INET, node->internal_ip, &addr) == 1
                    && labelsel_matches(peer->node_sel, &node->labels)) {
                    push_host(peers, addr);
                }
            }
            break;
        case CNP_PEER_NETWORKS:
            for (size_t j = 0; j < peer->n_networks; j++) {
                vec_push(peers, &peer->networks[j]);
            }
            break;
        case CNP_PEER_UNKNOWN:
            known = false;
            break;
        case CNP_PEER_DOMAIN_NAMES:
        default:
            break;
        }
    }
    return known;
}

static void
compiled_destroy(struct cnprules_compiled *c)
{
    free(c->key);
    free(c->pods);
    free(c->peers);
    free(c->ports);
}

/* Adds the compiled rule for 'key' of 'cnp', taking the arrays, unless it
 * matches nothing. */
static void
emit(struct compile_ctx *ctx, const struct cnp *cnp, enum polflows_dir dir,
     size_t index, enum cnp_action action, char *key, struct vec *pods,
     struct vec *peers, bool any_peer, struct vec *ports, bool any_port)
{
    static const enum polflows_action actions[] = {
        [CNP_ACCEPT] = POLFLOWS_ALLOW,
        [CNP_DENY] = POLFLOWS_DENY,
        [CNP_PASS] = POLFLOWS_PASS,
    };
    struct cnprules_compiled c = { .key = key };
    struct polflows_rule *r = &c.rule;

    c.pods = pods->data;
    r->n_pods = vec_sort_unique_array(c.pods, pods->n, sizeof *c.pods, ruleparts_addr_compare);
    c.peers = peers->data;
    r->n_peers = vec_sort_unique_array(c.peers, peers->n, sizeof *c.peers,
                             ruleparts_cidr_compare);
    c.ports = ports->data;
    r->n_ports = vec_sort_unique_array(c.ports, ports->n, sizeof *c.ports,
                             ruleparts_port_compare);
    r->pods = c.pods;
    r->peers = c.peers;
    r->ports = c.ports;
    r->any_peer = any_peer;
    r->any_port = any_port;
    r->dir = dir;
    r->action = actions[action];
    r->table = cnprules_table(cnp->tier, dir);
    r->priority = cnprules_of_priority(cnp->priority, index);
    r->next_table = cnprules_accept_table(dir);
    r->pass_table = cnprules_pass_table(cnp->tier, dir);
    if (!r->n_pods || (!any_peer && !r->n_peers)
        || (!any_port && !r->n_ports)) {
        compiled_destroy(&c);
        return;
    }
    vec_push(&ctx->res->rules, &c);
}

static char *
rule_key(const struct cnp *cnp, enum polflows_dir dir, size_t index,
         const char *suffix)
{
    return (suffix
            ? xasprintf("cnp/%s/%s/%zu/%s", cnp->name, polflows_dir_name(dir), index,
                        suffix)
            : xasprintf("cnp/%s/%s/%zu", cnp->name, polflows_dir_name(dir), index));
}

/* The named ports of 'rule' on 'pod': each name is the container port of
 * that name, whatever its protocol. */
static void
resolve_named(const struct cnp_rule *rule, const struct cluster_pod *pod,
              struct vec *ports)
{
    for (size_t i = 0; i < rule->n_protocols; i++) {
        const char *name = rule->protocols[i].named_port;

        for (size_t j = 0; name && j < pod->n_ports; j++) {
            const struct cluster_container_port *cp = &pod->ports[j];
            if (cp->name && !strcmp(cp->name, name)) {
                struct polflows_port port = { cp->proto, cp->port, 0 };
                vec_push(ports, &port);
            }
        }
    }
    ports->n = vec_sort_unique_array(ports->data, ports->n, ports->size, ruleparts_port_compare);
}

struct port_group {
    struct vec ports;           /* struct polflows_port */
    struct vec members;         /* struct in_addr */
};

/* Puts 'addr' into the group of what the named ports resolve to on
 * 'pod'. */
static void
group_pod(struct shash *groups, const struct cnp_rule *rule,
          const struct cluster_pod *pod, struct in_addr addr)
{
    struct vec ports = VEC_INIT(struct polflows_port);
    const struct polflows_port *p;
    struct port_group *g;
    struct ds key = DS_EMPTY_INITIALIZER;

    resolve_named(rule, pod, &ports);
    if (!ports.n) {
        free(ports.data);
        return;
    }
    p = ports.data;
    for (size_t i = 0; i < ports.n; i++) {
        ds_put_format(&key, "%s%s:%u", i ? "," : "", ipproto_name(p[i].proto),
                      p[i].port);
    }
    g = shash_find_data(groups, ds_cstr(&key));
    if (!g) {
        g = xmalloc(sizeof *g);
        g->ports = ports;
        g->members = (struct vec) VEC_INIT(struct in_addr);
        shash_add(groups, ds_cstr(&key), g);
    } else {
        free(ports.data);
    }
    ds_destroy(&key);
    vec_push(&g->members, &addr);
}

/* One rule per named-port group: ingress groups the subject's pods (the
 * destinations), egress the peer pods. */
static void
compile_named(struct compile_ctx *ctx, const struct cnp *cnp,
              enum polflows_dir dir, size_t index, const struct vec *local,
              const struct vec *local_pods, const struct vec *peers,
              const struct vec *peer_pods)
{
    const struct cnp_rule *rule = &cnp->rules[dir][index];
    const struct vec *members = dir == POLFLOWS_INGRESS ? local_pods
                                                        : peer_pods;
    const struct cluster_pod *const *pods = members->data;
    struct shash_node *node;
    struct shash groups;

    shash_init(&groups);
    for (size_t i = 0; i < members->n; i++) {
        struct in_addr addr;
        if (ruleparts_pod_ip(pods[i], &addr)) {
            group_pod(&groups, rule, pods[i], addr);
        }
    }
    SHASH_FOR_EACH_SAFE (node, &groups) {
        struct port_group *g = node->data;
        char *key = rule_key(cnp, dir, index, node->name);
        struct vec subject, peer_vec;

        if (dir == POLFLOWS_INGRESS) {
            subject = g->members;
            peer_vec = vec_clone(peers);
        } else {
            const struct in_addr *addrs = g->members.data;

            subject = vec_clone(local);
            peer_vec = (struct vec) VEC_INIT(struct polflows_cidr);
            for (size_t i = 0; i < g->members.n; i++) {
                push_host(&peer_vec, addrs[i]);
            }
            free(g->members.data);
        }
        emit(ctx, cnp, dir, index, rule->action, key, &subject, &peer_vec,
             false, &g->ports, false);
        free(g);
        shash_delete(&groups, node);
    }
    shash_destroy(&groups);
}

static void
compile_rule(struct compile_ctx *ctx, const struct cnp *cnp,
             enum polflows_dir dir, size_t index, const struct vec *local,
             const struct vec *local_pods)
{
    const struct cnp_rule *rule = &cnp->rules[dir][index];
    struct vec peers = VEC_INIT(struct polflows_cidr);
    struct vec peer_pods = VEC_INIT(const struct cluster_pod *);
    struct vec numeric = VEC_INIT(struct polflows_port);
    struct vec pods;
    bool named = false;

    if (!resolve_peers(ctx, rule, &peers, &peer_pods)) {
        /* Fail closed: an Accept matches nothing, Deny and Pass deny
         * everything. */
        if (rule->action != CNP_ACCEPT) {
            pods = vec_clone(local);
            emit(ctx, cnp, dir, index, CNP_DENY,
                 rule_key(cnp, dir, index, NULL), &pods, &peers, true,
                 &numeric, true);
        } else {
            free(peers.data);
        }
        free(peer_pods.data);
        return;
    }
    for (size_t i = 0; i < rule->n_protocols; i++) {
        const struct cnp_protocol *p = &rule->protocols[i];
        if (p->named_port) {
            named = true;
        } else {
            struct polflows_port port = { p->proto, p->port, p->end_port };
            vec_push(&numeric, &port);
        }
    }
    if (named) {
        compile_named(ctx, cnp, dir, index, local, local_pods, &peers,
                      &peer_pods);
    }
    if (numeric.n || !rule->n_protocols) {
        pods = vec_clone(local);
        emit(ctx, cnp, dir, index, rule->action,
             rule_key(cnp, dir, index, NULL), &pods, &peers, false, &numeric,
             !rule->n_protocols);
    } else {
        free(peers.data);
        free(numeric.data);
    }
    free(peer_pods.data);
}

static void
compile_policy(struct compile_ctx *ctx, const struct cnp *cnp)
{
    struct vec local = VEC_INIT(struct in_addr);
    struct vec local_pods = VEC_INIT(const struct cluster_pod *);

    select_local_pods(ctx, cnp, &local, &local_pods);
    ctx->res->n_local = local.n;
    for (int dir = 0; local.n && dir < CNP_N_DIRS; dir++) {
        for (size_t i = 0; i < cnp->n_rules[dir]; i++) {
            compile_rule(ctx, cnp, dir, i, &local, &local_pods);
        }
    }
    free(local.data);
    free(local_pods.data);
}

/* Ids. */

static int
compiled_key_compare(const void *a_, const void *b_)
{
    const struct cnprules_compiled *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

static int
compiled_id_compare(const void *a_, const void *b_)
{
    const struct cnprules_compiled *a = a_, *b = b_;
    return a->rule.id < b->rule.id ? -1 : a->rule.id > b->rule.id;
}

static int
id_compare(const void *a_, const void *b_)
{
    const uint32_t *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

struct id_node {
    struct hmap_node node;
    uint32_t id;
};

static bool
id_taken(const struct hmap *ids, const uint32_t *taken, size_t n_taken,
         uint32_t id)
{
    const struct id_node *n;

    HMAP_FOR_EACH_WITH_HASH (n, node, hash_int(id, 0), ids) {
        if (n->id == id) {
            return true;
        }
    }
    return n_taken && bsearch(&id, taken, n_taken, sizeof *taken,
                              id_compare);
}

/* The hash of each key with CNPRULES_ID_BIT, or the next free id in that half,
 * keys in sorted order. */
static void
assign_ids(struct cnprules_compiled *rules, size_t n, const uint32_t *taken,
           size_t n_taken)
{
    struct hmap ids = HMAP_INITIALIZER(&ids);
    struct id_node *nodes = xcalloc(n + 1, sizeof *nodes);

    if (n) {
        qsort(rules, n, sizeof *rules, compiled_key_compare);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = hash_string(rules[i].key, 0) | CNPRULES_ID_BIT;

        while (id_taken(&ids, taken, n_taken, id)) {
            id = (id + 1) | CNPRULES_ID_BIT;
        }
        rules[i].rule.id = nodes[i].id = id;
        hmap_insert(&ids, &nodes[i].node, hash_int(id, 0));
    }
    hmap_destroy(&ids);
    free(nodes);
    if (n) {
        qsort(rules, n, sizeof *rules, compiled_id_compare);
    }
}

/* Incremental resolution. */

struct cnprules_state {
    char *node_name;
    struct shash policies;      /* name -> struct cnp_res */
};

static struct cnp_res *
cnp_res_create(void)
{
    struct cnp_res *res = xzalloc(sizeof *res);

    res->rules = (struct vec) VEC_INIT(
        struct cnprules_compiled);
    sset_init(&res->pods_seen);
    sset_init(&res->ns_seen);
    return res;
}

static void
cnp_res_destroy(struct cnp_res *res)
{
    if (res) {
        struct cnprules_compiled *rules = res->rules.data;

        for (size_t i = 0; i < res->rules.n; i++) {
            compiled_destroy(&rules[i]);
        }
        free(res->rules.data);
        sset_destroy(&res->pods_seen);
        sset_destroy(&res->ns_seen);
        free(res);
    }
}

struct cnprules_state *
cnprules_state_create(const char *node_name)
{
    struct cnprules_state *st = xzalloc(sizeof *st);

    st->node_name = xstrdup(node_name);
    shash_init(&st->policies);
    return st;
}

static void
state_clear(struct cnprules_state *st)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &st->policies) {
        cnp_res_destroy(node->data);
        shash_delete(&st->policies, node);
    }
}

void
cnprules_state_destroy(struct cnprules_state *st)
{
    if (st) {
        state_clear(st);
        shash_destroy(&st->policies);
        free(st->node_name);
        free(st);
    }
}

/* Every pod of the model, in no order, from its namespace index. */
static const struct cluster_pod **
all_pods(const struct cluster *cluster, size_t *n_pods)
{
    size_t n_ns, n = 0;
    const char **names = cluster_pod_namespaces(cluster, &n_ns);
    const struct cluster_pod **pods = xmalloc(
        (cluster_count(cluster, CLUSTER_POD) + 1) * sizeof *pods);

    for (size_t i = 0; i < n_ns; i++) {
        size_t k;
        const struct cluster_pod *const *in
            = cluster_namespace_pods(cluster, names[i], &k);
        memcpy(&pods[n], in, k * sizeof *pods);
        n += k;
    }
    free(names);
    *n_pods = n;
    return pods;
}

static void
ctx_init(struct compile_ctx *ctx, const struct cluster *cluster,
         const char *node_name)
{
    *ctx = (struct compile_ctx) {
        .cluster = cluster,
        .node_name = node_name,
    };
    ctx->pods = all_pods(cluster, &ctx->n_pods);
    ctx->nodes = (const struct cluster_node **) cluster_list(
        cluster, CLUSTER_NODE, &ctx->n_nodes);
    shash_init(&ctx->ns_labels);
}

static void
ctx_destroy(struct compile_ctx *ctx)
{
    ruleparts_ns_labels_clear(&ctx->ns_labels);
    free(ctx->nodes);
    free(ctx->pods);
}

static void
state_recompute_one(struct cnprules_state *st, struct compile_ctx *ctx,
                    const char *name)
{
    const struct cnp *cnp = cluster_find_cnp(ctx->cluster, name);

    cnp_res_destroy(shash_find_and_delete(&st->policies, name));
    if (cnp) {
        ctx->res = cnp_res_create();
        compile_policy(ctx, cnp);
        shash_add(&st->policies, name, ctx->res);
        ctx->res = NULL;
    }
}

void
cnprules_state_recompute_all(struct cnprules_state *st, const struct cluster *cluster)
{
    struct compile_ctx ctx;
    const struct cnp **cnps;
    size_t n;

    state_clear(st);
    ctx_init(&ctx, cluster, st->node_name);
    cnps = (const struct cnp **) cluster_list(
        cluster, CLUSTER_CLUSTER_NETWORK_POLICY, &n);
    for (size_t i = 0; i < n; i++) {
        state_recompute_one(st, &ctx, cnps[i]->name);
    }
    free(cnps);
    ctx_destroy(&ctx);
}

void
cnprules_state_recompute(struct cnprules_state *st, const struct cluster *cluster,
                    const struct sset *names)
{
    struct compile_ctx ctx;
    const char *name;

    if (sset_is_empty(names)) {
        return;
    }
    ctx_init(&ctx, cluster, st->node_name);
    SSET_FOR_EACH (name, names) {
        state_recompute_one(st, &ctx, name);
    }
    ctx_destroy(&ctx);
}

/* Whether 'pred' holds for a peer of 'cnp'.  Peers count only for a
 * policy with subjects on this node ('res' NULL: not resolved yet). */
static bool
any_peer(struct compile_ctx *ctx, const struct cnp *cnp,
         const struct cnp_res *res,
         bool (*pred)(struct compile_ctx *, const struct cnp_peer *,
                      const void *aux),
         const void *aux)
{
    for (int dir = 0; (!res || res->n_local) && dir < CNP_N_DIRS; dir++) {
        for (size_t i = 0; i < cnp->n_rules[dir]; i++) {
            const struct cnp_rule *rule = &cnp->rules[dir][i];
            for (size_t j = 0; j < rule->n_peers; j++) {
                if (pred(ctx, &rule->peers[j], aux)) {
                    return true;
                }
            }
        }
    }
    return false;
}

static bool
peer_selects_pod(struct compile_ctx *ctx, const struct cnp_peer *peer,
                 const void *pod)
{
    return ((peer->kind == CNP_PEER_NAMESPACES || peer->kind == CNP_PEER_PODS)
            && pod_selected(ctx, peer->ns_sel, peer->pod_sel, pod));
}

static bool
is_local(const struct compile_ctx *ctx, const struct cluster_pod *pod)
{
    return pod->node_name && !strcmp(pod->node_name, ctx->node_name);
}

/* Whether 'cnp' may select (if on this node) or, having subjects here, have
 * as a peer pod 'pod' now. */
static bool
pod_may_count(struct compile_ctx *ctx, const struct cnp *cnp,
              const struct cnp_res *res, const struct cluster_pod *pod)
{
    return ((is_local(ctx, pod)
             && pod_selected(ctx, cnp->subject_ns_sel, cnp->subject_pod_sel,
                             pod))
            || any_peer(ctx, cnp, res, peer_selects_pod, pod));
}

/* Whether namespace 'name' holds a pod that 'pod_sel' (NULL: any) matches,
 * of this node if 'local_only'. */
static bool
ns_pods_match(struct compile_ctx *ctx, const char *name,
              const struct labelsel *pod_sel, bool local_only)
{
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_namespace_pods(ctx->cluster, name, &n);

    for (size_t i = 0; i < n; i++) {
        if ((!local_only || is_local(ctx, pods[i]))
            && (!pod_sel || labelsel_matches(pod_sel, &pods[i]->labels))) {
            return true;
        }
    }
    return false;
}

static bool
peer_selects_in_ns(struct compile_ctx *ctx, const struct cnp_peer *peer,
                   const void *name)
{
    return (peer->ns_sel
            && labelsel_matches(peer->ns_sel, ns_labels(ctx, name))
            && ns_pods_match(ctx, name, peer->pod_sel, false));
}

static bool
peer_is_nodes(struct compile_ctx *ctx OVS_UNUSED, const struct cnp_peer *peer,
              const void *aux OVS_UNUSED)
{
    return peer->kind == CNP_PEER_NODES;
}

/* Whether a selector of 'cnp' may now select something through the
 * namespace or node of 'change': for a namespace, its subject's selectors
 * (pods of this node in it) or, if the policy has subjects here, a peer's
 * (pods in it); for a node, a nodes peer of a policy with subjects here. */
static bool
selector_may_count(struct compile_ctx *ctx, const struct cnp *cnp,
                   const struct cnp_res *res,
                   const struct cluster_change *change)
{
    if (change->kind != CLUSTER_NAMESPACE) {
        return any_peer(ctx, cnp, res, peer_is_nodes, NULL);
    }
    return ((labelsel_matches(cnp->subject_ns_sel,
                              ns_labels(ctx, change->name))
             && ns_pods_match(ctx, change->name, cnp->subject_pod_sel, true))
            || any_peer(ctx, cnp, res, peer_selects_in_ns, change->name));
}

void
cnprules_state_affected(const struct cnprules_state *st, const struct cluster *cluster,
                   const struct cluster_change *change, struct sset *names)
{
    struct compile_ctx ctx = { .cluster = cluster,
                               .node_name = st->node_name };
    const struct cluster_pod *pod = NULL;
    const struct cnp **cnps;
    char *pod_key = NULL;
    size_t n;

    if (change->kind == CLUSTER_CLUSTER_NETWORK_POLICY) {
        sset_add(names, change->name);
        return;
    }
    if (change->kind != CLUSTER_POD && change->kind != CLUSTER_NAMESPACE
        && change->kind != CLUSTER_NODE) {
        return;
    }
    if (change->kind == CLUSTER_POD) {
        pod = cluster_find_pod(cluster, change->namespace, change->name);
        pod_key = xasprintf("%s/%s", change->namespace, change->name);
    }
    shash_init(&ctx.ns_labels);
    cnps = (const struct cnp **) cluster_list(
        cluster, CLUSTER_CLUSTER_NETWORK_POLICY, &n);
    for (size_t i = 0; i < n; i++) {
        const struct cnp_res *res = shash_find_data(&st->policies,
                                                    cnps[i]->name);
        bool hit;

        if (change->kind == CLUSTER_POD) {
            hit = ((res && sset_contains(&res->pods_seen, pod_key))
                   || (pod && pod_may_count(&ctx, cnps[i], res, pod)));
        } else {
            hit = ((change->kind == CLUSTER_NAMESPACE && res
                    && sset_contains(&res->ns_seen, change->name))
                   || selector_may_count(&ctx, cnps[i], res, change));
        }
        if (hit) {
            sset_add(names, cnps[i]->name);
        }
    }
    free(cnps);
    free(pod_key);
    ruleparts_ns_labels_clear(&ctx.ns_labels);
}

static void
compiled_clone(struct cnprules_compiled *dst, const struct cnprules_compiled *src)
{
    ruleparts_rule_clone(&dst->rule, &src->rule, &dst->pods, &dst->peers,
                         &dst->ports);
    dst->key = xstrdup(src->key);
}

void
cnprules_state_result(const struct cnprules_state *st, const uint32_t *taken,
                 size_t n_taken, struct cnprules_result *result)
{
    struct vec out = VEC_INIT(struct cnprules_compiled);
    const struct shash_node *node;

    SHASH_FOR_EACH (node, &st->policies) {
        const struct cnp_res *res = node->data;
        const struct cnprules_compiled *rules = res->rules.data;

        for (size_t i = 0; i < res->rules.n; i++) {
            struct cnprules_compiled copy;
            compiled_clone(&copy, &rules[i]);
            vec_push(&out, &copy);
        }
    }
    assign_ids(out.data, out.n, taken, n_taken);
    result->rules = out.data;
    result->n_rules = out.n;
}

void
cnprules_resolve(const struct cluster *cluster, const char *node_name,
            const uint32_t *taken, size_t n_taken, struct cnprules_result *result)
{
    struct cnprules_state *st = cnprules_state_create(node_name);

    cnprules_state_recompute_all(st, cluster);
    cnprules_state_result(st, taken, n_taken, result);
    cnprules_state_destroy(st);
}

void
cnprules_result_destroy(struct cnprules_result *result)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        compiled_destroy(&result->rules[i]);
    }
    free(result->rules);
    memset(result, 0, sizeof *result);
}

const struct cnprules_compiled *
cnprules_result_find(const struct cnprules_result *result, const char *key)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        if (!strcmp(result->rules[i].key, key)) {
            return &result->rules[i];
        }
    }
    return NULL;
}

static void
format_rule(struct ds *s, const struct cnprules_compiled *c)
{
    const struct polflows_rule *r = &c->rule;
    char buf[INET_ADDRSTRLEN];

    ds_put_format(s, "%s table=%u priority=%u ", c->key, r->table,
                  r->priority);
    if (r->action == POLFLOWS_ALLOW) {
        ds_put_format(s, "allow:%u", r->next_table);
    } else if (r->action == POLFLOWS_PASS) {
        ds_put_format(s, "pass:%u", r->pass_table);
    } else {
        ds_put_cstr(s, "deny");
    }
    ds_put_cstr(s, " pods=");
    for (size_t i = 0; i < r->n_pods; i++) {
        ds_put_format(s, "%s%s", i ? "," : "",
                      inet_ntop(AF_INET, &r->pods[i], buf, sizeof buf));
    }
    ds_put_format(s, " peers=%s", r->any_peer ? "any" : "");
    for (size_t i = 0; i < r->n_peers; i++) {
        ds_put_format(s, "%s%s/%d", i ? "," : "",
                      inet_ntop(AF_INET, &r->peers[i].addr, buf, sizeof buf),
                      r->peers[i].plen);
    }
    ds_put_format(s, " ports=%s", r->any_port ? "any" : "");
    for (size_t i = 0; i < r->n_ports; i++) {
        const struct polflows_port *p = &r->ports[i];
        ds_put_format(s, "%s%s:%u", i ? "," : "", ipproto_name(p->proto),
                      p->port);
        if (p->end_port && p->end_port != p->port) {
            ds_put_format(s, "-%u", p->end_port);
        }
    }
    ds_put_char(s, '\n');
}

static int
compiled_ptr_key_compare(const void *a_, const void *b_)
{
    const struct cnprules_compiled *const *a = a_, *const *b = b_;
    return strcmp((*a)->key, (*b)->key);
}

void
cnprules_result_format(const struct cnprules_result *result, struct ds *s)
{
    const struct cnprules_compiled **sorted = xmalloc((result->n_rules + 1)
                                                 * sizeof *sorted);

    for (size_t i = 0; i < result->n_rules; i++) {
        sorted[i] = &result->rules[i];
    }
    if (result->n_rules) {
        qsort(sorted, result->n_rules, sizeof *sorted, compiled_ptr_key_compare);
    }
    for (size_t i = 0; i < result->n_rules; i++) {
        format_rule(s, sorted[i]);
    }
    free(sorted);
}
