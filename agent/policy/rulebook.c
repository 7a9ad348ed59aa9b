#include <config.h>
#include "agent/policy/rulebook.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/idset.h"
#include "agent/lib/ipproto.h"
#include "agent/policy/ruleparts.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "sset.h"
#include "util.h"

/* What one policy resolved to: see the comment in rulebook.h. */
struct rulebook_entry {
    struct vec rules;           /* struct rulebook_compiled */
    struct vec isolated[RULEBOOK_N_DIRS];   /* struct ruleparts_ip */
    struct idset pods_seen;     /* idset_string_id() of "NS/NAME" */
    struct sset ns_seen;
    size_t n_local;
    char *ns;                   /* its namespace's by_ns entry, or NULL */
};

struct rulebook {
    const struct rulebook_class *cls;
    char *node_name;
    struct shash policies;      /* KEY -> struct rulebook_entry */
    struct sset active;         /* KEYs of policies with n_local */
    struct shash by_ns;         /* NS -> struct sset of KEYs */
};

/* Compiled rules. */

static void
compiled_destroy(struct rulebook_compiled *c)
{
    free(c->key);
    free(c->pods);
    free(c->pods6);
    free(c->peers);
    free(c->peers6);
    free(c->ports);
}

/* A copy of 'n_bytes' at 'p', never NULL. */
static void *
dup_array(const void *p, size_t n_bytes)
{
    void *copy = xmalloc(n_bytes ? n_bytes : 1);

    if (n_bytes) {
        memcpy(copy, p, n_bytes);
    }
    return copy;
}

static void
compiled_clone(struct rulebook_compiled *dst,
               const struct rulebook_compiled *src)
{
    const struct polflows_rule *r = &src->rule;

    dst->rule = *r;
    dst->key = xstrdup(src->key);
    dst->pods = dup_array(r->pods, r->n_pods * sizeof *r->pods);
    dst->pods6 = dup_array(r->pods6, r->n_pods6 * sizeof *r->pods6);
    dst->peers = dup_array(r->peers, r->n_peers * sizeof *r->peers);
    dst->peers6 = dup_array(r->peers6, r->n_peers6 * sizeof *r->peers6);
    dst->ports = dup_array(r->ports, r->n_ports * sizeof *r->ports);
    dst->rule.pods = dst->pods;
    dst->rule.pods6 = dst->pods6;
    dst->rule.peers = dst->peers;
    dst->rule.peers6 = dst->peers6;
    dst->rule.ports = dst->ports;
}

/* The entry of one policy. */

static struct rulebook_entry *
entry_create(const char *ns)
{
    struct rulebook_entry *res = xzalloc(sizeof *res);

    res->rules = (struct vec) VEC_INIT(struct rulebook_compiled);
    for (int dir = 0; dir < RULEBOOK_N_DIRS; dir++) {
        res->isolated[dir] = (struct vec) VEC_INIT(struct ruleparts_ip);
    }
    idset_init(&res->pods_seen);
    sset_init(&res->ns_seen);
    res->ns = nullable_xstrdup(ns);
    return res;
}

static void
entry_destroy(struct rulebook_entry *res)
{
    struct rulebook_compiled *rules = res->rules.data;

    for (size_t i = 0; i < res->rules.n; i++) {
        compiled_destroy(&rules[i]);
    }
    free(res->rules.data);
    for (int dir = 0; dir < RULEBOOK_N_DIRS; dir++) {
        free(res->isolated[dir].data);
    }
    idset_destroy(&res->pods_seen);
    sset_destroy(&res->ns_seen);
    free(res->ns);
    free(res);
}

/* The context of one recomputation. */

static void
ctx_init(struct rulebook_ctx *ctx, const struct cluster *cluster,
         const char *node_name)
{
    *ctx = (struct rulebook_ctx) {
        .cluster = cluster,
        .node_name = node_name,
        .local = VEC_INIT(struct ruleparts_ip),
        .local_pods = VEC_INIT(const struct cluster_pod *),
    };
    shash_init(&ctx->ns_labels);
}

static void
ctx_destroy(struct rulebook_ctx *ctx)
{
    ruleparts_ns_labels_clear(&ctx->ns_labels);
    free(ctx->namespaces);
    free(ctx->pods);
    free(ctx->nodes);
    free(ctx->local.data);
    free(ctx->local_pods.data);
}

const struct cluster_labels *
rulebook_ns_labels(struct rulebook_ctx *ctx, const char *name)
{
    return ruleparts_ns_labels(&ctx->ns_labels, ctx->cluster, name);
}

const char *const *
rulebook_namespaces(struct rulebook_ctx *ctx, size_t *n)
{
    if (!ctx->namespaces) {
        ctx->namespaces = cluster_pod_namespaces(ctx->cluster,
                                                 &ctx->n_namespaces);
    }
    *n = ctx->n_namespaces;
    return ctx->namespaces;
}

const char **
rulebook_matching_namespaces(struct rulebook_ctx *ctx,
                             const struct labelsel *sel, size_t *n)
{
    struct vec names = VEC_INIT(const char *);

    if (!ruleparts_indexed_namespaces(&ctx->ns_labels, ctx->cluster, sel,
                                      &names)) {
        size_t n_all;
        const char *const *all = rulebook_namespaces(ctx, &n_all);

        for (size_t i = 0; i < n_all; i++) {
            ruleparts_add_matching_namespace(&ctx->ns_labels, ctx->cluster,
                                             sel, all[i], &names);
        }
    }
    *n = names.n;
    return names.data;
}

const struct cluster_pod *const *
rulebook_pods(struct rulebook_ctx *ctx, size_t *n_pods)
{
    if (!ctx->pods) {
        ctx->pods = cluster_pods(ctx->cluster, &ctx->n_pods);
    }
    *n_pods = ctx->n_pods;
    return ctx->pods;
}

const struct cluster_node *const *
rulebook_nodes(struct rulebook_ctx *ctx, size_t *n)
{
    if (!ctx->nodes) {
        ctx->nodes = (const struct cluster_node **) cluster_list(
            ctx->cluster, CLUSTER_NODE, &ctx->n_nodes);
    }
    *n = ctx->n_nodes;
    return ctx->nodes;
}

bool
rulebook_on_node(const struct rulebook_ctx *ctx, const struct cluster_pod *pod)
{
    return pod->node_name && !strcmp(pod->node_name, ctx->node_name);
}

bool
rulebook_pod_here(const struct rulebook_ctx *ctx,
                  const struct cluster_pod *pod)
{
    struct ruleparts_ip ips[2];
    return rulebook_on_node(ctx, pod) && ruleparts_pod_ips(pod, ips);
}

/* What resolution records. */

void
rulebook_seen_pod(struct rulebook_ctx *ctx, const struct cluster_pod *pod)
{
    idset_add(&ctx->res->pods_seen, idset_string_id(pod->key));
}

void
rulebook_seen_ns(struct rulebook_ctx *ctx, const char *name)
{
    sset_add(&ctx->res->ns_seen, name);
}

void
rulebook_select(struct rulebook_ctx *ctx, const struct cluster_pod *pod)
{
    struct ruleparts_ip ips[2];
    size_t n = ruleparts_pod_ips(pod, ips);

    if (rulebook_on_node(ctx, pod) && n) {
        for (size_t i = 0; i < n; i++) {
            vec_push(&ctx->local, &ips[i]);
        }
        vec_push(&ctx->local_pods, &pod);
    }
}

void
rulebook_isolate(struct rulebook_ctx *ctx, enum polflows_dir dir)
{
    free(ctx->res->isolated[dir].data);
    ctx->res->isolated[dir] = vec_clone(&ctx->local);
}

/* A packet completes a rule with peers only through a pod and a peer of
 * its own family: the pods and peers of a family the other side lacks
 * would be flows that never match (and an IPv4 rule towards an IPv6
 * ipBlock nothing at all), so they are left out. */
static void
keep_matching_families(struct polflows_rule *r)
{
    bool v4 = r->n_pods && r->n_peers;
    bool v6 = r->n_pods6 && r->n_peers6;

    if (!r->any_peer) {
        r->n_pods = v4 ? r->n_pods : 0;
        r->n_peers = v4 ? r->n_peers : 0;
        r->n_pods6 = v6 ? r->n_pods6 : 0;
        r->n_peers6 = v6 ? r->n_peers6 : 0;
    }
}

/* Adds the rule 'proto' keyed 'key' with 'pods', 'peers' (struct
 * ruleparts_ip, split here by family) and 'ports', taking the key and the
 * arrays, unless it matches nothing. */
static void
add_rule(struct rulebook_ctx *ctx, const struct polflows_rule *proto,
         char *key, struct vec *pods, struct vec *peers, struct vec *ports)
{
    struct rulebook_compiled c = { .rule = *proto, .key = key };
    struct polflows_rule *r = &c.rule;

    vec_sort_unique(pods, ruleparts_ip_compare);
    ruleparts_split_pods(pods->data, pods->n, &c.pods, &r->n_pods,
                         &c.pods6, &r->n_pods6);
    free(pods->data);
    vec_sort_unique(peers, ruleparts_ip_compare);
    ruleparts_split_peers(peers->data, peers->n, &c.peers, &r->n_peers,
                          &c.peers6, &r->n_peers6);
    free(peers->data);
    c.ports = ports->data;
    r->n_ports = vec_sort_unique_array(c.ports, ports->n, sizeof *c.ports,
                                       ruleparts_port_compare);
    r->pods = c.pods;
    r->pods6 = c.pods6;
    r->peers = c.peers;
    r->peers6 = c.peers6;
    r->ports = c.ports;
    keep_matching_families(r);
    if ((!r->n_pods && !r->n_pods6)
        || (!r->any_peer && !r->n_peers && !r->n_peers6)
        || (!r->any_port && !r->n_ports)) {
        compiled_destroy(&c);
        return;
    }
    vec_push(&ctx->res->rules, &c);
}

/* Drafts. */

struct named_port {
    const char *name;
    uint8_t proto;              /* 0: any */
};

void
rulebook_draft_init(struct rulebook_draft *d,
                    const struct polflows_rule *proto, char *key)
{
    *d = (struct rulebook_draft) {
        .proto = *proto,
        .key = key,
        .peers = VEC_INIT(struct ruleparts_ip),
        .peer_pods = VEC_INIT(struct rulebook_peer_pod),
        .numeric = VEC_INIT(struct polflows_port),
        .names = VEC_INIT(struct named_port),
    };
}

void
rulebook_draft_peer_pod(struct rulebook_draft *d,
                        const struct cluster_pod *pod)
{
    struct ruleparts_ip ips[2];
    size_t n = ruleparts_pod_ips(pod, ips);

    for (size_t i = 0; i < n; i++) {
        vec_push(&d->peers, &ips[i]);
    }
    rulebook_draft_destination(d, pod, ips, n);
}

void
rulebook_draft_destination(struct rulebook_draft *d,
                           const struct cluster_pod *pod,
                           const struct ruleparts_ip *ips, size_t n)
{
    struct rulebook_peer_pod peer = { .pod = pod, .n_ips = n };

    if (n) {
        memcpy(peer.ips, ips, n * sizeof *ips);
        vec_push(&d->peer_pods, &peer);
    }
}

void
rulebook_draft_peer_cidr(struct rulebook_draft *d,
                         const struct polflows_cidr *cidr)
{
    struct ruleparts_ip ip = ruleparts_ip_from_cidr(cidr);
    vec_push(&d->peers, &ip);
}

void
rulebook_draft_peer_cidr6(struct rulebook_draft *d,
                          const struct polflows_cidr6 *cidr)
{
    struct ruleparts_ip ip = ruleparts_ip_from_cidr6(cidr);
    vec_push(&d->peers, &ip);
}

void
rulebook_draft_port(struct rulebook_draft *d, uint8_t proto, uint16_t port,
                    uint16_t end_port, const char *name)
{
    if (name) {
        struct named_port np = { name, proto };
        vec_push(&d->names, &np);
    } else {
        struct polflows_port p = { proto, port, end_port };
        vec_push(&d->numeric, &p);
    }
}

void
rulebook_draft_drop(struct rulebook_draft *d)
{
    free(d->key);
    free(d->peers.data);
    free(d->peer_pods.data);
    free(d->numeric.data);
    free(d->names.data);
}

/* Named-port groups: pods with the same resolved port set, keyed by it
 * ("tcp:8080,udp:53"). */
struct port_group {
    struct vec ports;           /* struct polflows_port */
    struct vec members;         /* struct ruleparts_ip */
};

/* What the named ports of 'd' are on 'pod'. */
static void
resolve_names(const struct rulebook_draft *d, const struct cluster_pod *pod,
              struct vec *ports)
{
    const struct named_port *names = d->names.data;

    for (size_t i = 0; i < d->names.n; i++) {
        for (size_t j = 0; j < pod->n_ports; j++) {
            const struct cluster_container_port *cp = &pod->ports[j];

            if (cp->name && !strcmp(cp->name, names[i].name)
                && (!names[i].proto || cp->proto == names[i].proto)) {
                struct polflows_port port = { cp->proto, cp->port, 0 };
                vec_push(ports, &port);
                if (names[i].proto) {
                    break;
                }
            }
        }
    }
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

/* The group of what the named ports of 'd' are on 'pod', made if new;
 * NULL when they resolve to nothing. */
static struct port_group *
pod_group(struct shash *groups, const struct rulebook_draft *d,
          const struct cluster_pod *pod)
{
    struct vec ports = VEC_INIT(struct polflows_port);
    struct port_group *g;
    char *key;

    resolve_names(d, pod, &ports);
    vec_sort_unique(&ports, ruleparts_port_compare);
    if (!ports.n) {
        free(ports.data);
        return NULL;
    }
    key = ports_key(&ports);
    g = shash_find_data(groups, key);
    if (!g) {
        g = xmalloc(sizeof *g);
        g->ports = ports;
        g->members = (struct vec) VEC_INIT(struct ruleparts_ip);
        shash_add_nocopy(groups, key, g);
    } else {
        free(ports.data);
        free(key);
    }
    return g;
}

/* Pods with the same container ports resolve named ports alike: a rule
 * towards every pod of the cluster resolves each distinct list once. */
struct ports_memo {
    struct hmap_node node;
    const struct cluster_pod *pod;  /* one pod with these ports */
    struct port_group *group;       /* NULL: they resolve to nothing */
};

/* Port names are the model's interned strings: equal names are equal
 * pointers. */
static uint32_t
container_ports_hash(const struct cluster_pod *pod)
{
    uint32_t hash = pod->n_ports;

    for (size_t i = 0; i < pod->n_ports; i++) {
        const struct cluster_container_port *cp = &pod->ports[i];
        hash = hash_add(hash, hash_pointer(cp->name, 0));
        hash = hash_add(hash, cp->port << 8 | cp->proto);
    }
    return hash_finish(hash, 0);
}

static bool
container_ports_equal(const struct cluster_pod *a,
                      const struct cluster_pod *b)
{
    if (a->n_ports != b->n_ports) {
        return false;
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        if (a->ports[i].name != b->ports[i].name
            || a->ports[i].port != b->ports[i].port
            || a->ports[i].proto != b->ports[i].proto) {
            return false;
        }
    }
    return true;
}

/* Puts the 'n' addresses 'ips' of 'pod' into the group of what the named
 * ports of 'd' are on 'pod'; nowhere when they resolve to nothing. */
static void
group_pod(struct shash *groups, struct hmap *memos,
          const struct rulebook_draft *d, const struct cluster_pod *pod,
          const struct ruleparts_ip *ips, size_t n)
{
    uint32_t hash = container_ports_hash(pod);
    struct ports_memo *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, hash, memos) {
        if (container_ports_equal(m->pod, pod)) {
            break;
        }
    }
    if (!m) {
        m = xmalloc(sizeof *m);
        m->pod = pod;
        m->group = pod_group(groups, d, pod);
        hmap_insert(memos, &m->node, hash);
    }
    for (size_t i = 0; m->group && i < n; i++) {
        vec_push(&m->group->members, &ips[i]);
    }
}

/* The rule of group 'g' (freed): for ingress the group's pods with the
 * draft's peers, for egress the local pods with the group's as peers. */
static void
add_group(struct rulebook_ctx *ctx, const struct rulebook_draft *d,
          const char *ports_key, struct port_group *g)
{
    struct polflows_rule r = d->proto;
    struct vec pods, peers;

    r.any_port = false;
    if (r.dir == POLFLOWS_INGRESS) {
        pods = g->members;
        peers = vec_clone(&d->peers);
    } else {
        /* The members' addresses are whole: /32s and /128s. */
        r.any_peer = false;
        pods = vec_clone(&ctx->local);
        peers = g->members;
    }
    add_rule(ctx, &r, xasprintf("%s/%s", d->key, ports_key), &pods, &peers,
             &g->ports);
    free(g);
}

/* Ingress resolves named ports on the selected pods (by all their
 * addresses), egress on the destinations. */
static void
add_groups(struct rulebook_ctx *ctx, const struct rulebook_draft *d)
{
    bool ingress = d->proto.dir == POLFLOWS_INGRESS;
    size_t n_members = ingress ? ctx->local_pods.n : d->peer_pods.n;
    const struct cluster_pod *const *local = ctx->local_pods.data;
    const struct rulebook_peer_pod *peers = d->peer_pods.data;
    struct shash groups = SHASH_INITIALIZER(&groups);
    struct hmap memos = HMAP_INITIALIZER(&memos);
    struct ports_memo *m;
    struct shash_node *node;

    for (size_t i = 0; i < n_members; i++) {
        struct rulebook_peer_pod member;

        if (ingress) {
            member.pod = local[i];
            member.n_ips = ruleparts_pod_ips(member.pod, member.ips);
        } else {
            member = peers[i];
        }
        if (member.n_ips) {
            group_pod(&groups, &memos, d, member.pod, member.ips,
                      member.n_ips);
        }
    }
    HMAP_FOR_EACH_POP (m, node, &memos) {
        free(m);
    }
    hmap_destroy(&memos);
    SHASH_FOR_EACH_SAFE (node, &groups) {
        add_group(ctx, d, node->name, node->data);
        shash_delete(&groups, node);
    }
    shash_destroy(&groups);
}

void
rulebook_draft_finish(struct rulebook_ctx *ctx, struct rulebook_draft *d)
{
    struct vec pods = vec_clone(&ctx->local);

    if (d->names.n) {
        add_groups(ctx, d);
    }
    /* With named ports only, no numeric rule: no port, not any_port. */
    d->proto.any_port = !d->numeric.n && !d->names.n;
    add_rule(ctx, &d->proto, d->key, &pods, &d->peers, &d->numeric);
    free(d->peer_pods.data);
    free(d->names.data);
}

/* The state. */

struct rulebook *
rulebook_create(const struct rulebook_class *cls, const char *node_name)
{
    struct rulebook *rb = xzalloc(sizeof *rb);

    rb->cls = cls;
    rb->node_name = xstrdup(node_name);
    shash_init(&rb->policies);
    sset_init(&rb->active);
    shash_init(&rb->by_ns);
    return rb;
}

static void
put(struct rulebook *rb, const char *key, struct rulebook_entry *res)
{
    shash_add(&rb->policies, key, res);
    if (res->n_local) {
        sset_add(&rb->active, key);
    }
    if (res->ns) {
        struct sset *keys = shash_find_data(&rb->by_ns, res->ns);

        if (!keys) {
            keys = xmalloc(sizeof *keys);
            sset_init(keys);
            shash_add(&rb->by_ns, res->ns, keys);
        }
        sset_add(keys, key);
    }
}

static void
remove_key(struct rulebook *rb, const char *key)
{
    struct rulebook_entry *res = shash_find_and_delete(&rb->policies, key);
    struct shash_node *node;

    if (!res) {
        return;
    }
    sset_find_and_delete(&rb->active, key);
    node = res->ns ? shash_find(&rb->by_ns, res->ns) : NULL;
    if (node) {
        struct sset *keys = node->data;

        sset_find_and_delete(keys, key);
        if (sset_is_empty(keys)) {
            sset_destroy(keys);
            free(keys);
            shash_delete(&rb->by_ns, node);
        }
    }
    entry_destroy(res);
}

static void
clear(struct rulebook *rb)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &rb->policies) {
        entry_destroy(node->data);
        shash_delete(&rb->policies, node);
    }
    sset_clear(&rb->active);
    SHASH_FOR_EACH_SAFE (node, &rb->by_ns) {
        sset_destroy(node->data);
        free(node->data);
        shash_delete(&rb->by_ns, node);
    }
}

void
rulebook_destroy(struct rulebook *rb)
{
    if (rb) {
        clear(rb);
        shash_destroy(&rb->policies);
        sset_destroy(&rb->active);
        shash_destroy(&rb->by_ns);
        free(rb->node_name);
        free(rb);
    }
}

static void
resolve_one(struct rulebook *rb, struct rulebook_ctx *ctx,
            const void *policy)
{
    ctx->res = entry_create(rb->cls->namespace(policy));
    ctx->local.n = ctx->local_pods.n = 0;
    rb->cls->select(ctx, policy);
    for (int dir = 0; ctx->local.n && dir < RULEBOOK_N_DIRS; dir++) {
        rb->cls->resolve_dir(ctx, policy, dir);
    }
    ctx->res->n_local = ctx->local.n;
    put(rb, rb->cls->key(policy), ctx->res);
    ctx->res = NULL;
}

void
rulebook_recompute_all(struct rulebook *rb, const struct cluster *cluster)
{
    struct rulebook_ctx ctx;
    size_t n;
    const void **policies = cluster_list(cluster, rb->cls->kind, &n);

    clear(rb);
    ctx_init(&ctx, cluster, rb->node_name);
    for (size_t i = 0; i < n; i++) {
        resolve_one(rb, &ctx, policies[i]);
    }
    ctx_destroy(&ctx);
    free(policies);
}

void
rulebook_recompute(struct rulebook *rb, const struct cluster *cluster,
                   const struct sset *keys)
{
    struct rulebook_ctx ctx;
    const char *key;

    ctx_init(&ctx, cluster, rb->node_name);
    SSET_FOR_EACH (key, keys) {
        const void *policy = rb->cls->find(cluster, key);

        remove_key(rb, key);
        if (policy) {
            resolve_one(rb, &ctx, policy);
        }
    }
    ctx_destroy(&ctx);
}

/* Which policies a change may affect. */

/* "NS/NAME", or NAME for a cluster-scoped object. */
static char *
change_key(const struct cluster_change *change)
{
    return (change->namespace
            ? xasprintf("%s/%s", change->namespace, change->name)
            : xstrdup(change->name));
}

/* Adds to 'keys' the policies to look at for 'change': every policy of the
 * model, or, when they select pods of their own namespace only and all
 * are resolved, those with pods of this node and, for a pod, those of its
 * namespace (namespace labels count only for peers, and a policy
 * selecting no pod here has none). */
static void
candidates(const struct rulebook *rb, const struct cluster *cluster,
           const struct cluster_change *change, struct sset *keys)
{
    if (rb->cls->own_namespace
        && shash_count(&rb->policies) == cluster_count(cluster,
                                                       rb->cls->kind)) {
        const struct sset *in_ns = (change->kind == CLUSTER_POD
                                    ? shash_find_data(&rb->by_ns,
                                                      change->namespace)
                                    : NULL);
        const char *key;

        sset_clone(keys, &rb->active);
        if (in_ns) {
            SSET_FOR_EACH (key, in_ns) {
                sset_add(keys, key);
            }
        }
    } else {
        size_t n;
        const void **policies = cluster_list(cluster, rb->cls->kind, &n);

        for (size_t i = 0; i < n; i++) {
            sset_add(keys, rb->cls->key(policies[i]));
        }
        free(policies);
    }
}

/* Whether 'change' (of pod 'pod', NULL if gone, or of a namespace or a
 * node) counted for the policy last time ('res'; NULL: not resolved). */
static bool
counted(const struct rulebook_entry *res, const struct cluster_change *change)
{
    bool seen = false;

    if (res && change->kind == CLUSTER_POD) {
        char *key = change_key(change);
        seen = idset_contains(&res->pods_seen, idset_string_id(key));
        free(key);
    } else if (res && change->kind == CLUSTER_NAMESPACE) {
        seen = sset_contains(&res->ns_seen, change->name);
    }
    return seen;
}

static bool
affects(const struct rulebook *rb, struct rulebook_ctx *ctx,
        const char *key, const struct cluster_change *change,
        const struct cluster_pod *pod)
{
    const void *policy = rb->cls->find(ctx->cluster, key);
    const struct rulebook_entry *res = shash_find_data(&rb->policies, key);

    if (!policy) {
        return false;
    }
    return (counted(res, change)
            || ((change->kind != CLUSTER_POD || pod)
                && rb->cls->may_count(ctx, policy, !res || res->n_local,
                                      change, pod)));
}

void
rulebook_affected(const struct rulebook *rb, const struct cluster *cluster,
                  const struct cluster_change *change, struct sset *keys)
{
    struct sset look = SSET_INITIALIZER(&look);
    const struct cluster_pod *pod = NULL;
    struct rulebook_ctx ctx;
    const char *key;

    if (change->kind == rb->cls->kind) {
        sset_add_and_free(keys, change_key(change));
        return;
    }
    if (change->kind != CLUSTER_POD && change->kind != CLUSTER_NAMESPACE
        && change->kind != CLUSTER_NODE) {
        return;
    }
    if (change->kind == CLUSTER_POD) {
        pod = cluster_find_pod(cluster, change->namespace, change->name);
    }
    ctx_init(&ctx, cluster, rb->node_name);
    candidates(rb, cluster, change, &look);
    SSET_FOR_EACH (key, &look) {
        if (affects(rb, &ctx, key, change, pod)) {
            sset_add(keys, key);
        }
    }
    ctx_destroy(&ctx);
    sset_destroy(&look);
}

/* Ids and results. */

static int
compiled_key_compare(const void *a_, const void *b_)
{
    const struct rulebook_compiled *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

static int
compiled_id_compare(const void *a_, const void *b_)
{
    const struct rulebook_compiled *a = a_, *b = b_;
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

static uint32_t
free_id(const struct rulebook_class *cls, const struct hmap *ids,
        const uint32_t *taken, size_t n_taken, const char *key)
{
    uint32_t id = hash_string(key, 0) | cls->id_bit;

    for (;;) {
        if (id < cls->first_id) {
            id = cls->first_id;
        }
        if (!id_taken(ids, taken, n_taken, id)) {
            return id;
        }
        id = (id + 1) | cls->id_bit;
    }
}

static void
assign_ids(const struct rulebook_class *cls, struct rulebook_compiled *rules,
           size_t n, const uint32_t *taken, size_t n_taken)
{
    struct hmap ids = HMAP_INITIALIZER(&ids);
    struct id_node *nodes = xcalloc(n + 1, sizeof *nodes);

    if (n) {
        qsort(rules, n, sizeof *rules, compiled_key_compare);
    }
    for (size_t i = 0; i < n; i++) {
        rules[i].rule.id = nodes[i].id = free_id(cls, &ids, taken, n_taken,
                                                 rules[i].key);
        hmap_insert(&ids, &nodes[i].node, hash_int(nodes[i].id, 0));
    }
    hmap_destroy(&ids);
    free(nodes);
    if (n) {
        qsort(rules, n, sizeof *rules, compiled_id_compare);
    }
}

static void
collect(const struct rulebook_entry *res, struct vec *rules,
        struct vec isolated[RULEBOOK_N_DIRS])
{
    const struct rulebook_compiled *c = res->rules.data;

    for (size_t i = 0; i < res->rules.n; i++) {
        struct rulebook_compiled copy;
        compiled_clone(&copy, &c[i]);
        vec_push(rules, &copy);
    }
    for (int dir = 0; dir < RULEBOOK_N_DIRS; dir++) {
        const struct ruleparts_ip *a = res->isolated[dir].data;
        for (size_t i = 0; i < res->isolated[dir].n; i++) {
            vec_push(&isolated[dir], &a[i]);
        }
    }
}

void
rulebook_result(const struct rulebook *rb, const uint32_t *taken,
                size_t n_taken, struct rulebook_result *result)
{
    struct vec rules = VEC_INIT(struct rulebook_compiled);
    struct vec isolated[RULEBOOK_N_DIRS];
    const char *key;

    for (int dir = 0; dir < RULEBOOK_N_DIRS; dir++) {
        isolated[dir] = (struct vec) VEC_INIT(struct ruleparts_ip);
    }
    /* A policy without pods of this node has no rules and isolates
     * nothing. */
    SSET_FOR_EACH (key, &rb->active) {
        collect(shash_find_data(&rb->policies, key), &rules, isolated);
    }
    assign_ids(rb->cls, rules.data, rules.n, taken, n_taken);
    result->rules = rules.data;
    result->n_rules = rules.n;
    for (int dir = 0; dir < RULEBOOK_N_DIRS; dir++) {
        vec_sort_unique(&isolated[dir], ruleparts_ip_compare);
        ruleparts_split_pods(isolated[dir].data, isolated[dir].n,
                             &result->isolated[dir], &result->n_isolated[dir],
                             &result->isolated6[dir],
                             &result->n_isolated6[dir]);
        free(isolated[dir].data);
    }
}

void
rulebook_resolve(const struct rulebook_class *cls,
                 const struct cluster *cluster, const char *node_name,
                 const uint32_t *taken, size_t n_taken,
                 struct rulebook_result *result)
{
    struct rulebook *rb = rulebook_create(cls, node_name);

    rulebook_recompute_all(rb, cluster);
    rulebook_result(rb, taken, n_taken, result);
    rulebook_destroy(rb);
}

void
rulebook_result_destroy(struct rulebook_result *result)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        compiled_destroy(&result->rules[i]);
    }
    free(result->rules);
    for (int dir = 0; dir < RULEBOOK_N_DIRS; dir++) {
        free(result->isolated[dir]);
        free(result->isolated6[dir]);
    }
    memset(result, 0, sizeof *result);
}

const struct polflows_rule *
rulebook_result_find(const struct rulebook_result *result, uint32_t id)
{
    size_t lo = 0, hi = result->n_rules;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct polflows_rule *rule = &result->rules[mid].rule;

        if (rule->id == id) {
            return rule;
        }
        if (rule->id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const struct rulebook_compiled *
rulebook_result_find_key(const struct rulebook_result *result,
                         const char *key)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        if (!strcmp(result->rules[i].key, key)) {
            return &result->rules[i];
        }
    }
    return NULL;
}
