/*
 * cnprules: the ClusterNetworkPolicies of the cluster model (cnp.h)
 * resolved into the polflows_rule list that enforces them for the pods of
 * one node, incrementally, and where those rules go in the pipeline.
 *
 * Resolution: rule INDEX of direction DIR of policy NAME becomes one
 * polflows_rule keyed "cnp/NAME/DIR/INDEX" for its numeric ports (or every
 * port), plus one per distinct resolved set of named ports
 * ("cnp/NAME/DIR/INDEX/tcp:80,udp:53"), grouped as in netpol.h.  The rule
 * goes into its tier's table of its direction (tables.h) at
 * cnprules_of_priority(priority, INDEX).
 *
 * Ids are a hash of the key with CNPRULES_ID_BIT set (NetworkPolicy's are
 * hashes too, so the halves are not exclusive): an id already given or in
 * the caller's 'taken' list (NetworkPolicy's ids) takes the next free one,
 * keys in sorted order.
 */
#ifndef CNPRULES_H
#define CNPRULES_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/model/cnp.h"
#include "dataplane/polflows.h"

struct cluster;
struct cluster_change;
struct ds;
struct sset;

/* OpenFlow priorities of CNP rules in a tier table: one per (policy
 * priority, rule index), higher precedence higher:
 *
 *   CNPRULES_OF_PRIORITY_BASE + (1000 - priority) * 25 + (24 - index)
 *
 * from 100 (priority 1000, 25th rule) to 25124 (priority 0, first rule).
 * Every value the API allows has its own slot; the table's pass-through
 * is below (0) and the flows that bypass policy are above
 * (POLICY_BYPASS_PRIORITY, tables.h). */
#define CNPRULES_OF_PRIORITY_BASE 100
#define CNPRULES_OF_PRIORITY_MAX (CNPRULES_OF_PRIORITY_BASE \
                             + (CNP_MAX_PRIORITY + 1) * CNP_MAX_RULES - 1)

#define CNPRULES_ID_BIT 0x80000000u

/* The OpenFlow priority of rule 'index' of a policy of 'priority' (see
 * above); -1 outside the API's ranges. */
int cnprules_of_priority(int priority, size_t index);

/* The table of 'tier' and 'dir', and where its actions go. */
uint8_t cnprules_table(enum cnp_tier, enum polflows_dir);
uint8_t cnprules_accept_table(enum polflows_dir);
uint8_t cnprules_pass_table(enum cnp_tier, enum polflows_dir);


struct cnprules_compiled {
    struct polflows_rule rule;
    char *key;
    struct in_addr *pods;           /* sorted, no duplicates */
    struct polflows_cidr *peers;    /* sorted, no duplicates */
    struct polflows_port *ports;    /* sorted, no duplicates */
};

struct cnprules_result {
    struct cnprules_compiled *rules;     /* sorted by id */
    size_t n_rules;
};

/* Resolves every ClusterNetworkPolicy of 'cluster' for the pods of node
 * 'node_name'.  'taken' (sorted, 'n_taken' ids) are ids the result must not
 * use. */
void cnprules_resolve(const struct cluster *, const char *node_name,
                 const uint32_t *taken, size_t n_taken, struct cnprules_result *);
void cnprules_result_destroy(struct cnprules_result *);

/* Incremental resolution, as netpol_state (netpol.h): each policy's rules
 * are kept with the pods and namespaces that counted, and a change of the
 * model recomputes only the policies it may affect: the policy itself; for
 * a pod, the policies that selected it or had it as a peer last time or
 * whose selectors match it now (peers only for policies with subjects on
 * this node); for a namespace, likewise by namespace selectors; for a
 * node, the policies with subjects here and a nodes peer. */
struct cnprules_state *cnprules_state_create(const char *node_name);
void cnprules_state_destroy(struct cnprules_state *);
void cnprules_state_recompute_all(struct cnprules_state *, const struct cluster *);
/* Adds to 'names' the policies 'change' may affect. */
void cnprules_state_affected(const struct cnprules_state *, const struct cluster *,
                        const struct cluster_change *, struct sset *names);
/* Recomputes the policies in 'names' (dropping those the model lost). */
void cnprules_state_recompute(struct cnprules_state *, const struct cluster *,
                         const struct sset *names);
/* Every policy's rules, with ids clear of 'taken' (sorted). */
void cnprules_state_result(const struct cnprules_state *, const uint32_t *taken,
                      size_t n_taken, struct cnprules_result *);
/* One line per rule, in key order, for logs and tests. */
void cnprules_result_format(const struct cnprules_result *, struct ds *);
/* The compiled rule of 'key', or NULL. */
const struct cnprules_compiled *cnprules_result_find(const struct cnprules_result *,
                                           const char *key);

#endif /* cnprules.h */
