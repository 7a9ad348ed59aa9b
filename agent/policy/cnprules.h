/*
 * cnprules: the ClusterNetworkPolicies of the cluster model (cnp.h)
 * resolved into the polflows_rule list that enforces them for the pods of
 * one node, as a rulebook_class (rulebook.h keeps them incrementally), and
 * where those rules go in the pipeline.
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
 * the 'taken' list given to rulebook_result() (NetworkPolicy's ids) takes
 * the next free one, keys in sorted order.
 */
#ifndef CNPRULES_H
#define CNPRULES_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/model/cnp.h"
#include "agent/policy/rulebook.h"
#include "dataplane/polflows.h"

struct ds;

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

/* What a ClusterNetworkPolicy selects and does, for a rulebook
 * (rulebook.h): keys NAME.  A change of a pod affects the policies that
 * selected it or had it as a peer last time or whose selectors match it
 * now (peers only for policies with subjects on this node); of a
 * namespace, likewise by namespace selectors; of a node, the policies
 * with subjects here and a nodes peer. */
extern const struct rulebook_class cnprules_class;

/* One line per rule, in key order, for logs and tests. */
void cnprules_result_format(const struct rulebook_result *, struct ds *);

#endif /* cnprules.h */
