/*
 * policy: keeps br-int's policy stages in line with the NetworkPolicies
 * and ClusterNetworkPolicies that select pods of this node.  It resolves
 * policies (netpol, cnp), compiles the rules that changed into flows
 * (polflows) and leaves the commit to the caller, so a policy change and
 * the pod change that caused it reach the switch in one bundle.
 *
 * The rules last put into the flow table are kept, so after a resolution
 * only rules that differ are rewritten: a pod label change touches the
 * rules of the policies that select (or selected) the pod, and every other
 * flow stays as it is.  Both kinds are resolved incrementally: a change
 * of the model recomputes only the policies it may affect (rulebook.h).
 */
#ifndef POLICY_H
#define POLICY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/polflows.h"

struct cluster;
struct cluster_change;
struct cluster_pod;
struct netpol;
struct ds;
struct flowtab;
struct ofconn;
struct policy;
struct polflows_rule;

struct policy *policy_create(const char *node_name);
void policy_destroy(struct policy *);

/* Resolves every policy and rewrites what differs from the flow table. */
void policy_sync_all(struct policy *, const struct cluster *,
                     struct flowtab *);

/* Resolves only the policies 'changes' may affect.  Returns how many
 * policies were recomputed (of both kinds). */
size_t policy_handle_changes(struct policy *, const struct cluster *,
                             const struct cluster_change *, size_t n,
                             struct flowtab *);

/* One line per rule in force, NetworkPolicy rules first, each in key
 * order, with the rule's packet and byte counters read from the switch
 * through 'conn' (its conj_id flow: what the rule let through, or dropped
 * for a Deny):
 *
 *   np default/web/ingress/0 id=123 ingress table=70 packets=12 bytes=888
 *
 * "packets=? bytes=?" when a rule's counters cannot be read. */
void policy_format_stats(const struct policy *, struct ofconn *,
                         struct ds *);

/* A rule in force and its key: "NS/NAME/DIR/N" for a NetworkPolicy's,
 * "cnp/NAME/DIR/N" for a ClusterNetworkPolicy's (a named port's group
 * adds "/PORTS"). */
struct policy_rule_ref {
    bool cnp;
    const char *key;
    const struct polflows_rule *rule;
};

/* Every rule in force, NetworkPolicy rules first, each kind in key order,
 * in an array the caller frees; the rules stay the policy's, valid until
 * its next change. */
struct policy_rule_ref *policy_list_rules(const struct policy *, size_t *n);
/* The rule in force with id 'id' (polflows.h; what the pipeline's rule
 * registers and conntrack labels hold): true and '*ref' set, or false. */
bool policy_find_rule(const struct policy *, uint32_t id,
                      struct policy_rule_ref *ref);
/* What a rule's key says: its policy's kind, namespace (NULL for a
 * ClusterNetworkPolicy), name, direction and index in the policy's spec,
 * and a ClusterNetworkPolicy rule's own name (or NULL), for people and
 * flow records.  The strings are the description's; free with
 * policy_rule_desc_destroy(). */
struct policy_rule_desc {
    bool cnp;
    char *namespace, *name;
    const char *direction;          /* "ingress" or "egress" */
    int index;                      /* -1 when the key has none */
    char *rule;                     /* "ingress rule 2" */
    const char *rule_name;          /* the model's */
};
void policy_rule_describe(const struct cluster *, const struct policy_rule_ref *,
                          struct policy_rule_desc *);
void policy_rule_desc_destroy(struct policy_rule_desc *);

/* The NetworkPolicies whose 'dir' direction isolates 'pod', in the model's
 * order, in an array the caller frees ('*n' may be 0). */
const struct netpol **policy_isolating(const struct cluster *,
                                       const struct cluster_pod *,
                                       enum polflows_dir, size_t *n);

/* How many rules policy_list_rules() would list. */
size_t policy_count_rules(const struct policy *);

/* Whether policy flows changed since the last call (and resets it). */
bool policy_take_changed(struct policy *);

#endif /* policy.h */
