/*
 * netpolrules: the NetworkPolicies of the cluster model (netpol.h)
 * resolved into the polflows_rule list that enforces them for the pods of
 * one node, incrementally.
 *
 * Resolution: one rule of one policy (policy, direction, index) becomes
 *
 *   - one polflows_rule for its numeric ports (or for every port when it
 *     lists none): pods = the selected pods of this node, peers = the peer
 *     pods' addresses as /32 plus the ipBlock CIDRs, any_peer when the rule
 *     has no peer;
 *   - for its named ports, one polflows_rule per distinct set of resolved
 *     numbers: for ingress the selected pods are grouped by what the names
 *     resolve to on each of them; for egress the peer pods are (pods =
 *     every selected pod, peers = the /32s of the group).  Pods on which no
 *     name resolves are in no group.
 *
 * Each polflows_rule has a key, "NS/NAME/DIR/INDEX" for the numeric part
 * and "NS/NAME/DIR/INDEX/tcp:8080,udp:53" (the resolved port set) for a
 * named-port group, and its id is a hash of the key.  The key does not
 * depend on which pods or peers are in the rule, so a pod coming or going
 * changes the members of a rule, not its id, and a recomputation that
 * changes nothing gives identical rules.  Hash collisions are settled by
 * taking the next free id, keys in sorted order, so ids depend on the set
 * of keys only.  Rules that match nothing (no selected pod on this node, or
 * no peer and not any_peer) are not in the result.
 */
#ifndef NETPOLRULES_H
#define NETPOLRULES_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "agent/model/netpol.h"
#include "dataplane/polflows.h"

struct cluster;
struct cluster_change;
struct ds;
struct sset;

/* Owner ids of the default-deny (isolation) flows, one per direction; rule
 * ids never take them. */
#define NETPOLRULES_ISOLATION_ID(DIR) (1 + (uint32_t) (DIR))
#define NETPOLRULES_FIRST_RULE_ID 16

/* Where the rules go (tables.h): allow rules in the direction's rule
 * table, isolation in its default table right after. */
#define NETPOLRULES_RULE_PRIORITY 100
#define NETPOLRULES_ISOLATION_PRIORITY 100


/* One compiled rule and the storage its pointers point into. */
struct netpolrules_compiled {
    struct polflows_rule rule;  /* action POLFLOWS_ALLOW; table, priority
                                 * and next_table set from tables.h */
    char *key;                  /* what 'rule.id' is a hash of */
    struct in_addr *pods;       /* sorted, no duplicates */
    struct polflows_cidr *peers;    /* sorted, no duplicates */
    struct polflows_port *ports;    /* sorted, no duplicates */
};

struct netpolrules_result {
    struct netpolrules_compiled *rules;          /* sorted by id */
    size_t n_rules;
    struct in_addr *isolated[NETPOL_N_DIRS];    /* sorted, no duplicates */
    size_t n_isolated[NETPOL_N_DIRS];
};

void netpolrules_result_destroy(struct netpolrules_result *);
/* The rule with id 'id' (rules are sorted by id), or NULL. */
const struct polflows_rule *netpolrules_result_find(const struct netpolrules_result *,
                                               uint32_t id);
/* One line per rule and per direction's isolated pods, for logs and
 * tests. */
void netpolrules_result_format(const struct netpolrules_result *, struct ds *);
/* Whether two rules would give the same flows (ids included). */
bool netpolrules_rule_equal(const struct polflows_rule *,
                       const struct polflows_rule *);

/* Resolves every NetworkPolicy of 'cluster' for the pods of node
 * 'node_name' at once. */
void netpolrules_resolve(const struct cluster *, const char *node_name,
                    struct netpolrules_result *);

/* Incremental resolution: the resolved rules of each policy are kept, with
 * the pods and namespaces that counted in resolving them, so that a change
 * of the cluster recomputes only the policies it can affect. */
struct netpolrules_state *netpolrules_state_create(const char *node_name);
void netpolrules_state_destroy(struct netpolrules_state *);
/* Recomputes every policy (and forgets policies the cluster lost). */
void netpolrules_state_recompute_all(struct netpolrules_state *,
                                const struct cluster *);
/* Adds to 'policies' the keys ("NS/NAME") of the policies 'change' may
 * affect, judged from 'cluster' after the change and from what counted in
 * the last resolution: the policy itself when it changed; for a pod, every
 * policy that selected it or had it as a peer (or as a named-port
 * destination) last time or whose selectors match it now; for a namespace,
 * every policy with a namespaceSelector that matched it last time or
 * matches it now.  Node changes affect nothing. */
void netpolrules_state_affected(const struct netpolrules_state *,
                           const struct cluster *,
                           const struct cluster_change *,
                           struct sset *policies);
/* Recomputes the policies named in 'policies'; a name the cluster no
 * longer has is dropped. */
void netpolrules_state_recompute(struct netpolrules_state *, const struct cluster *,
                            const struct sset *policies);
/* The rules of every policy, with ids, and the isolated pods. */
void netpolrules_state_result(const struct netpolrules_state *,
                         struct netpolrules_result *);

#endif /* netpolrules.h */
