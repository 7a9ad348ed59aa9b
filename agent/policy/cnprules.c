/*
 * ClusterNetworkPolicy resolution (cnprules.h; the semantics are in
 * agent/model/cnp.h).
 *
 * A policy is parsed once, when the cluster model takes it; resolution
 * reads the parsed policies and the pods, namespaces and nodes of the
 * model.  What one policy resolves to, and what a change may affect, is
 * here, as cnprules_class; the rulebook (rulebook.h) keeps each policy's
 * rules and what they saw, re-resolves only what a change can affect,
 * and gives ids that depend only on keys, so an unchanged rule comes out
 * identical and only what really changed is rewritten in the flow table.
 *
 * What counts for a policy: its subject's pods of this node and, if it
 * has any, its peer pods, with their namespaces.
 */
#include <config.h>
#include "agent/policy/cnprules.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/ipproto.h"
#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/labelsel.h"
#include "agent/policy/ruleparts.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
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

/* A pod that counted for the policy being resolved, and its namespace. */
static void
seen_pod(struct rulebook_ctx *ctx, const struct cluster_pod *pod)
{
    rulebook_seen_pod(ctx, pod);
    rulebook_seen_ns(ctx, pod->namespace);
}

/* Namespaces and/or pods selectors ('pod_sel' NULL: every pod). */
static bool
pod_selected(struct rulebook_ctx *ctx, const struct labelsel *ns_sel,
             const struct labelsel *pod_sel, const struct cluster_pod *pod)
{
    return (labelsel_matches(ns_sel, rulebook_ns_labels(ctx, pod->namespace))
            && (!pod_sel || labelsel_matches(pod_sel, &pod->labels)));
}

/* The subject's pods on this node with an address. */
static void
select_local_pods(struct rulebook_ctx *ctx, const void *cnp_)
{
    const struct cnp *cnp = cnp_;
    size_t n;
    const struct cluster_pod *const *pods = rulebook_pods(ctx, &n);

    for (size_t i = 0; i < n; i++) {
        if (rulebook_pod_here(ctx, pods[i])
            && pod_selected(ctx, cnp->subject_ns_sel, cnp->subject_pod_sel,
                            pods[i])) {
            seen_pod(ctx, pods[i]);
            rulebook_select(ctx, pods[i]);
        }
    }
}

/* The peers of 'rule': CIDRs and peer pods.  Returns false if a peer is
 * of a kind this version does not know. */
static bool
resolve_peers(struct rulebook_ctx *ctx, const struct cnp_rule *rule,
              struct rulebook_draft *d)
{
    bool known = true;

    for (size_t i = 0; i < rule->n_peers; i++) {
        const struct cnp_peer *peer = &rule->peers[i];
        const struct cluster_pod *const *pods;
        const struct cluster_node *const *nodes;
        struct polflows_cidr host = { .plen = 32 };
        struct ruleparts_ip ips[2];
        size_t n;

        switch (peer->kind) {
        case CNP_PEER_NAMESPACES:
        case CNP_PEER_PODS:
            pods = rulebook_pods(ctx, &n);
            for (size_t j = 0; j < n; j++) {
                if (ruleparts_pod_ips(pods[j], ips)
                    && pod_selected(ctx, peer->ns_sel, peer->pod_sel,
                                    pods[j])) {
                    seen_pod(ctx, pods[j]);
                    rulebook_draft_peer_pod(d, pods[j]);
                }
            }
            break;
        case CNP_PEER_NODES:
            nodes = rulebook_nodes(ctx, &n);
            for (size_t j = 0; j < n; j++) {
                if (nodes[j]->internal_ip
                    && inet_pton(AF_INET, nodes[j]->internal_ip,
                                 &host.addr) == 1
                    && labelsel_matches(peer->node_sel, &nodes[j]->labels)) {
                    rulebook_draft_peer_cidr(d, &host);
                }
            }
            break;
        case CNP_PEER_NETWORKS:
            for (size_t j = 0; j < peer->n_networks; j++) {
                rulebook_draft_peer_cidr(d, &peer->networks[j]);
            }
            for (size_t j = 0; j < peer->n_networks6; j++) {
                rulebook_draft_peer_cidr6(d, &peer->networks6[j]);
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

/* Starts rule INDEX of direction DIR of 'cnp', keyed "cnp/NAME/DIR/INDEX",
 * in its tier's table at its priority. */
static void
draft_init(struct rulebook_draft *d, const struct cnp *cnp,
           enum polflows_dir dir, size_t index)
{
    static const enum polflows_action actions[] = {
        [CNP_ACCEPT] = POLFLOWS_ALLOW,
        [CNP_DENY] = POLFLOWS_DENY,
        [CNP_PASS] = POLFLOWS_PASS,
    };
    struct polflows_rule proto = {
        .dir = dir,
        .action = actions[cnp->rules[dir][index].action],
        .table = cnprules_table(cnp->tier, dir),
        .priority = cnprules_of_priority(cnp->priority, index),
        .next_table = cnprules_accept_table(dir),
        .pass_table = cnprules_pass_table(cnp->tier, dir),
    };

    rulebook_draft_init(d, &proto, xasprintf("cnp/%s/%s/%zu", cnp->name,
                                             polflows_dir_name(dir), index));
}

static void
compile_rule(struct rulebook_ctx *ctx, const struct cnp *cnp,
             enum polflows_dir dir, size_t index)
{
    const struct cnp_rule *rule = &cnp->rules[dir][index];
    struct rulebook_draft d;

    draft_init(&d, cnp, dir, index);
    if (resolve_peers(ctx, rule, &d)) {
        for (size_t i = 0; i < rule->n_protocols; i++) {
            const struct cnp_protocol *p = &rule->protocols[i];
            rulebook_draft_port(&d, p->proto, p->port, p->end_port,
                                p->named_port);
        }
        rulebook_draft_finish(ctx, &d);
    } else if (rule->action == CNP_ACCEPT) {
        /* Fail closed: an Accept with a peer this version does not know
         * matches nothing... */
        rulebook_draft_drop(&d);
    } else {
        /* ...and a Deny or Pass denies everything. */
        d.proto.action = POLFLOWS_DENY;
        d.proto.any_peer = true;
        rulebook_draft_finish(ctx, &d);
    }
}

static void
resolve_dir(struct rulebook_ctx *ctx, const void *cnp_, enum polflows_dir dir)
{
    const struct cnp *cnp = cnp_;

    for (size_t i = 0; i < cnp->n_rules[dir]; i++) {
        compile_rule(ctx, cnp, dir, i);
    }
}

/* What may affect a policy. */

static const void *
find_policy(const struct cluster *cluster, const char *name)
{
    return cluster_find_cnp(cluster, name);
}

static const char *
policy_name(const void *cnp)
{
    return ((const struct cnp *) cnp)->name;
}

static const char *
no_namespace(const void *cnp OVS_UNUSED)
{
    return NULL;
}

/* Whether 'pred' holds for a peer of 'cnp', if its peers count. */
static bool
any_peer(struct rulebook_ctx *ctx, const struct cnp *cnp, bool peers_count,
         bool (*pred)(struct rulebook_ctx *, const struct cnp_peer *,
                      const void *aux),
         const void *aux)
{
    for (int dir = 0; peers_count && dir < CNP_N_DIRS; dir++) {
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
peer_selects_pod(struct rulebook_ctx *ctx, const struct cnp_peer *peer,
                 const void *pod)
{
    return ((peer->kind == CNP_PEER_NAMESPACES || peer->kind == CNP_PEER_PODS)
            && pod_selected(ctx, peer->ns_sel, peer->pod_sel, pod));
}

/* Whether 'cnp' may select (if on this node) or, if its peers count, have
 * as a peer pod 'pod' now. */
static bool
pod_may_count(struct rulebook_ctx *ctx, const struct cnp *cnp,
              bool peers_count, const struct cluster_pod *pod)
{
    return ((rulebook_on_node(ctx, pod)
             && pod_selected(ctx, cnp->subject_ns_sel, cnp->subject_pod_sel,
                             pod))
            || any_peer(ctx, cnp, peers_count, peer_selects_pod, pod));
}

/* Whether namespace 'name' holds a pod that 'pod_sel' (NULL: any) matches,
 * of this node if 'local_only'. */
static bool
ns_pods_match(struct rulebook_ctx *ctx, const char *name,
              const struct labelsel *pod_sel, bool local_only)
{
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_namespace_pods(ctx->cluster, name, &n);

    for (size_t i = 0; i < n; i++) {
        if ((!local_only || rulebook_on_node(ctx, pods[i]))
            && (!pod_sel || labelsel_matches(pod_sel, &pods[i]->labels))) {
            return true;
        }
    }
    return false;
}

static bool
peer_selects_in_ns(struct rulebook_ctx *ctx, const struct cnp_peer *peer,
                   const void *name)
{
    return (peer->ns_sel
            && labelsel_matches(peer->ns_sel, rulebook_ns_labels(ctx, name))
            && ns_pods_match(ctx, name, peer->pod_sel, false));
}

static bool
peer_is_nodes(struct rulebook_ctx *ctx OVS_UNUSED,
              const struct cnp_peer *peer, const void *aux OVS_UNUSED)
{
    return peer->kind == CNP_PEER_NODES;
}

/* Whether a selector of 'cnp' may now select something through the
 * namespace or node of 'change': for a namespace, its subject's selectors
 * (pods of this node in it) or, if its peers count, a peer's (pods in
 * it); for a node, a nodes peer, if its peers count. */
static bool
selector_may_count(struct rulebook_ctx *ctx, const struct cnp *cnp,
                   bool peers_count, const struct cluster_change *change)
{
    if (change->kind != CLUSTER_NAMESPACE) {
        return any_peer(ctx, cnp, peers_count, peer_is_nodes, NULL);
    }
    return ((labelsel_matches(cnp->subject_ns_sel,
                              rulebook_ns_labels(ctx, change->name))
             && ns_pods_match(ctx, change->name, cnp->subject_pod_sel, true))
            || any_peer(ctx, cnp, peers_count, peer_selects_in_ns,
                        change->name));
}

static bool
may_count(struct rulebook_ctx *ctx, const void *cnp, bool peers_count,
          const struct cluster_change *change, const struct cluster_pod *pod)
{
    return (change->kind == CLUSTER_POD
            ? pod_may_count(ctx, cnp, peers_count, pod)
            : selector_may_count(ctx, cnp, peers_count, change));
}

const struct rulebook_class cnprules_class = {
    .kind = CLUSTER_CLUSTER_NETWORK_POLICY, .own_namespace = false,
    .first_id = 0, .id_bit = CNPRULES_ID_BIT,
    .find = find_policy, .key = policy_name, .namespace = no_namespace,
    .select = select_local_pods, .resolve_dir = resolve_dir,
    .may_count = may_count,
};

/* Results. */

static void
format_rule(struct ds *s, const struct rulebook_compiled *c)
{
    const struct polflows_rule *r = &c->rule;

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
    ruleparts_format_pods(s, r->pods, r->n_pods, r->pods6, r->n_pods6);
    ds_put_format(s, " peers=%s", r->any_peer ? "any" : "");
    ruleparts_format_peers(s, r);
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
    const struct rulebook_compiled *const *a = a_, *const *b = b_;
    return strcmp((*a)->key, (*b)->key);
}

void
cnprules_result_format(const struct rulebook_result *result, struct ds *s)
{
    const struct rulebook_compiled **sorted = xmalloc((result->n_rules + 1)
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
