/*
 * NetworkPolicy resolution (netpolrules.h): what a NetworkPolicy selects
 * and allows, as a rulebook_class; the rulebook (rulebook.h) keeps each
 * policy's rules with what counted, and gives the ids.
 *
 * What counts for a policy: every pod it selects (on any node), its peers
 * and named-port destinations, and the namespaces a namespaceSelector of
 * it matched.  A policy that selects no pod of this node has no rule here
 * whatever its peers are, so they are not looked at.
 */
#include <config.h>
#include "agent/policy/netpolrules.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/ipproto.h"
#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/ipblock.h"
#include "agent/model/labelsel.h"
#include "agent/policy/ruleparts.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "util.h"

/* Resolution of one policy. */

static bool
peer_matches(struct rulebook_ctx *ctx, const struct netpol *np,
             const struct netpol_peer *peer, const struct cluster_pod *pod)
{
    if (peer->ipblock) {
        return false;
    }
    if (peer->ns_sel) {
        if (!labelsel_matches(peer->ns_sel,
                              rulebook_ns_labels(ctx, pod->namespace))) {
            return false;
        }
    } else if (strcmp(pod->namespace, np->namespace)) {
        return false;
    }
    return !peer->pod_sel || labelsel_matches(peer->pod_sel, &pod->labels);
}

/* Every selected pod counts; those of this node with an address are the
 * policy's local pods. */
static void
select_local_pods(struct rulebook_ctx *ctx, const void *np_)
{
    const struct netpol *np = np_;
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_namespace_pods(ctx->cluster, np->namespace, &n);

    for (size_t i = 0; i < n; i++) {
        if (labelsel_matches(np->pod_sel, &pods[i]->labels)) {
            rulebook_seen_pod(ctx, pods[i]);
            rulebook_select(ctx, pods[i]);
        }
    }
}

/* The pods of namespace 'ns' that 'peer's podSelector matches (all of
 * them without one), as peer pods. */
static void
peer_pods_in(struct rulebook_ctx *ctx, const struct netpol_peer *peer,
             const char *ns, struct rulebook_draft *d)
{
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_namespace_pods(ctx->cluster, ns, &n);

    for (size_t i = 0; i < n; i++) {
        const struct cluster_pod *pod = pods[i];

        if (peer->pod_sel && !labelsel_matches(peer->pod_sel, &pod->labels)) {
            continue;
        }
        rulebook_seen_pod(ctx, pod);
        rulebook_draft_peer_pod(d, pod);
    }
}

/* The peers of 'rule': ipBlock CIDRs and peer pods. */
static void
resolve_peers(struct rulebook_ctx *ctx, const struct netpol *np,
              const struct netpol_rule *rule, struct rulebook_draft *d)
{
    for (size_t i = 0; i < rule->n_peers; i++) {
        const struct netpol_peer *peer = &rule->peers[i];
        const char **namespaces;
        size_t n;

        if (peer->ipblock) {
            for (size_t j = 0; j < peer->ipblock->n_ranges; j++) {
                rulebook_draft_peer_cidr(d, &peer->ipblock->ranges[j]);
            }
            for (size_t j = 0; j < peer->ipblock->n_ranges6; j++) {
                rulebook_draft_peer_cidr6(d, &peer->ipblock->ranges6[j]);
            }
        } else if (!peer->ns_sel) {
            peer_pods_in(ctx, peer, np->namespace, d);
        } else {
            namespaces = rulebook_matching_namespaces(ctx, peer->ns_sel, &n);
            for (size_t j = 0; j < n; j++) {
                rulebook_seen_ns(ctx, namespaces[j]);
                peer_pods_in(ctx, peer, namespaces[j], d);
            }
            free(namespaces);
        }
    }
}

/* Whether address 'ip' of a pod lies in an ipBlock peer of 'rule' (every
 * address does when the rule has no peer). */
static bool
in_ipblocks(const struct netpol_rule *rule, const struct ruleparts_ip *ip)
{
    bool in = !rule->n_peers;

    for (size_t j = 0; !in && j < rule->n_peers; j++) {
        const struct ipblock *block = rule->peers[j].ipblock;

        in = (block && (ip->family == AF_INET
                        ? ipblock_contains(block, ip->in4)
                        : ipblock_contains6(block, &ip->in6)));
    }
    return in;
}

/* The addresses of 'pod' in an ipBlock peer of 'rule' (in_ipblocks()),
 * into 'ips'; how many. */
static size_t
ips_in_ipblocks(const struct netpol_rule *rule, const struct cluster_pod *pod,
                struct ruleparts_ip ips[2])
{
    struct ruleparts_ip all[2];
    size_t n_all = ruleparts_pod_ips(pod, all), n = 0;

    for (size_t i = 0; i < n_all; i++) {
        if (in_ipblocks(rule, &all[i])) {
            ips[n++] = all[i];
        }
    }
    return n;
}

static int
net_compare(const void *a_, const void *b_)
{
    const uint16_t *a = a_, *b = b_;
    return (*a > *b) - (*a < *b);
}

/* Appends to 'nets' the /16s holding pods that may lie in 'range'. */
static void
range_nets(const struct cluster *cluster, const struct polflows_cidr *range,
           struct vec *nets)
{
    size_t n;
    uint16_t *all;

    if (range->plen >= 16) {
        uint16_t net = ntohl(range->addr.s_addr) >> 16;
        vec_push(nets, &net);
        return;
    }
    all = cluster_pod_nets(cluster, &n);
    for (size_t i = 0; i < n; i++) {
        struct in_addr first = { htonl((uint32_t) all[i] << 16) };
        if (ipblock_cidr_contains(range, first)) {
            vec_push(nets, &all[i]);
        }
    }
    free(all);
}

static void
add_candidate(struct rulebook_ctx *ctx, const struct netpol_rule *rule,
              const struct cluster_pod *pod, struct rulebook_draft *d)
{
    struct ruleparts_ip ips[2];
    size_t n = ips_in_ipblocks(rule, pod, ips);

    if (n) {
        rulebook_seen_pod(ctx, pod);
        rulebook_draft_destination(d, pod, ips, n);
    }
}

static bool
has_ipv6_block(const struct netpol_rule *rule)
{
    for (size_t i = 0; i < rule->n_peers; i++) {
        if (rule->peers[i].ipblock && rule->peers[i].ipblock->ipv6) {
            return true;
        }
    }
    return false;
}

/* Egress destinations a named port may resolve on besides the peer pods:
 * the pods with an address in the rule's ipBlocks (every pod when it has
 * no peer), read from the model's /16s of the ipBlocks' ranges.  They
 * count, though they are no peer pods. */
static void
egress_candidates(struct rulebook_ctx *ctx, const struct netpol_rule *rule,
                  struct rulebook_draft *d)
{
    struct vec nets = VEC_INIT(uint16_t);
    const struct cluster_pod *const *pods;
    size_t n;

    /* The model indexes pods by IPv4 /16s only: an IPv6 block looks at
     * every pod. */
    if (!rule->n_peers || has_ipv6_block(rule)) {
        pods = rulebook_pods(ctx, &n);
        for (size_t i = 0; i < n; i++) {
            add_candidate(ctx, rule, pods[i], d);
        }
        return;
    }
    for (size_t i = 0; i < rule->n_peers; i++) {
        const struct ipblock *block = rule->peers[i].ipblock;
        for (size_t j = 0; block && j < block->n_ranges; j++) {
            range_nets(ctx->cluster, &block->ranges[j], &nets);
        }
    }
    vec_sort_unique(&nets, net_compare);
    for (size_t i = 0; i < nets.n; i++) {
        pods = cluster_net_pods(ctx->cluster,
                                ((const uint16_t *) nets.data)[i], &n);
        for (size_t j = 0; j < n; j++) {
            add_candidate(ctx, rule, pods[j], d);
        }
    }
    free(nets.data);
}

static void
compile_rule(struct rulebook_ctx *ctx, const struct netpol *np,
             enum polflows_dir dir, size_t index)
{
    const struct netpol_rule *rule = &np->rules[dir][index];
    bool ingress = dir == POLFLOWS_INGRESS;
    struct polflows_rule proto = {
        .dir = dir, .action = POLFLOWS_ALLOW, .any_peer = !rule->n_peers,
        .table = ingress ? TABLE_INGRESS_RULE : TABLE_EGRESS_RULE,
        .next_table = ingress ? TABLE_CT_COMMIT : TABLE_L3_FORWARDING,
        .priority = NETPOLRULES_RULE_PRIORITY,
    };
    struct rulebook_draft d;

    rulebook_draft_init(&d, &proto,
                        xasprintf("%s/%s/%s/%zu", np->namespace, np->name,
                                  polflows_dir_name(dir), index));
    resolve_peers(ctx, np, rule, &d);
    for (size_t i = 0; i < rule->n_ports; i++) {
        const struct netpol_port *p = &rule->ports[i];
        rulebook_draft_port(&d, p->proto, p->port, p->end_port, p->name);
    }
    if (d.names.n && dir == POLFLOWS_EGRESS) {
        egress_candidates(ctx, rule, &d);
    }
    rulebook_draft_finish(ctx, &d);
}

static void
resolve_dir(struct rulebook_ctx *ctx, const void *np_, enum polflows_dir dir)
{
    const struct netpol *np = np_;

    if (np->applies[dir]) {
        rulebook_isolate(ctx, dir);
        for (size_t i = 0; i < np->n_rules[dir]; i++) {
            compile_rule(ctx, np, dir, i);
        }
    }
}

/* What may affect a policy. */

/* The NetworkPolicy "NS/NAME" of the model, or NULL. */
static const void *
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

static const char *
policy_key(const void *np)
{
    return ((const struct netpol *) np)->key;
}

static const char *
policy_namespace(const void *np)
{
    return ((const struct netpol *) np)->namespace;
}

/* Whether pod 'pod' may count for 'np' now: selected, a peer, or a
 * possible named-port destination.  A pod of this node it comes to select
 * is a selected pod. */
static bool
pod_may_count(struct rulebook_ctx *ctx, const struct netpol *np,
              bool peers_count, const struct cluster_pod *pod)
{
    struct ruleparts_ip ips[2];
    bool counts = false;

    if (!strcmp(pod->namespace, np->namespace)
        && labelsel_matches(np->pod_sel, &pod->labels)) {
        return true;
    } else if (!peers_count) {
        return false;
    }
    for (int dir = 0; dir < NETPOL_N_DIRS && !counts; dir++) {
        for (size_t i = 0; i < np->n_rules[dir] && !counts; i++) {
            const struct netpol_rule *rule = &np->rules[dir][i];

            for (size_t j = 0; j < rule->n_ports && !counts; j++) {
                counts = (dir == POLFLOWS_EGRESS && rule->ports[j].name
                          && ips_in_ipblocks(rule, pod, ips));
            }
            for (size_t j = 0; j < rule->n_peers && !counts; j++) {
                counts = peer_matches(ctx, np, &rule->peers[j], pod);
            }
        }
    }
    return counts;
}

/* Whether any namespaceSelector of 'np' matches namespace 'name' now. */
static bool
ns_may_count(struct rulebook_ctx *ctx, const struct netpol *np,
             const char *name)
{
    bool counts = false;

    for (int dir = 0; dir < NETPOL_N_DIRS && !counts; dir++) {
        for (size_t i = 0; i < np->n_rules[dir] && !counts; i++) {
            const struct netpol_rule *rule = &np->rules[dir][i];
            for (size_t j = 0; j < rule->n_peers && !counts; j++) {
                counts = (rule->peers[j].ns_sel
                          && labelsel_matches(rule->peers[j].ns_sel,
                                              rulebook_ns_labels(ctx, name)));
            }
        }
    }
    return counts;
}

/* Nodes count for no NetworkPolicy. */
static bool
may_count(struct rulebook_ctx *ctx, const void *np, bool peers_count,
          const struct cluster_change *change, const struct cluster_pod *pod)
{
    if (change->kind == CLUSTER_POD) {
        return pod_may_count(ctx, np, peers_count, pod);
    }
    return (change->kind == CLUSTER_NAMESPACE
            && ns_may_count(ctx, np, change->name));
}

const struct rulebook_class netpolrules_class = {
    .kind = CLUSTER_NETWORK_POLICY, .own_namespace = true,
    .first_id = NETPOLRULES_FIRST_RULE_ID, .id_bit = 0,
    .find = find_policy, .key = policy_key, .namespace = policy_namespace,
    .select = select_local_pods, .resolve_dir = resolve_dir,
    .may_count = may_count,
};

/* Results. */

static void
format_rule(struct ds *s, const struct rulebook_compiled *c)
{
    const struct polflows_rule *r = &c->rule;

    ds_put_format(s, "%s id=%"PRIu32" pods=", c->key, r->id);
    ruleparts_format_pods(s, r->pods, r->n_pods, r->pods6, r->n_pods6);
    ds_put_cstr(s, " peers=");
    if (r->any_peer) {
        ds_put_cstr(s, "any");
    }
    ruleparts_format_peers(s, r);
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
netpolrules_result_format(const struct rulebook_result *result, struct ds *s)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        format_rule(s, &result->rules[i]);
    }
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        ds_put_format(s, "isolated %s: ", polflows_dir_name(dir));
        ruleparts_format_pods(s, result->isolated[dir],
                              result->n_isolated[dir],
                              result->isolated6[dir],
                              result->n_isolated6[dir]);
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
        || a->n_pods6 != b->n_pods6 || a->n_peers6 != b->n_peers6
        || a->n_ports != b->n_ports
        || (a->n_pods6 && memcmp(a->pods6, b->pods6,
                                 a->n_pods6 * sizeof *a->pods6))
        || (a->n_peers6 && memcmp(a->peers6, b->peers6,
                                  a->n_peers6 * sizeof *a->peers6))) {
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
