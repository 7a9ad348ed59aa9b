/*
 * netpolrules: the NetworkPolicies of the cluster model (netpol.h)
 * resolved into the polflows_rule list that enforces them for the pods of
 * one node: a rulebook_class, for the rulebook that keeps them per policy
 * and recomputes what a change affects (rulebook.h).
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
 * named-port group, and its id is a hash of the key (from
 * NETPOLRULES_FIRST_RULE_ID up; collisions settled as in rulebook.h).  The
 * key does not depend on which pods or peers are in the rule, so a pod
 * coming or going changes the members of a rule, not its id.  Rules that
 * match nothing (no selected pod on this node, or no peer and not
 * any_peer) are not in the result.
 */
#ifndef NETPOLRULES_H
#define NETPOLRULES_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "agent/model/netpol.h"
#include "agent/policy/rulebook.h"
#include "dataplane/polflows.h"

struct ds;

/* Owner ids of the default-deny (isolation) flows, one per direction; rule
 * ids never take them. */
#define NETPOLRULES_ISOLATION_ID(DIR) (1 + (uint32_t) (DIR))
/* Owner id of the conntrack flows of the pods policies isolate or select
 * (polflows_set_conntrack()). */
#define NETPOLRULES_CONNTRACK_ID 3
#define NETPOLRULES_FIRST_RULE_ID 16

/* Where the rules go (tables.h): allow rules in the direction's rule
 * table, isolation in its default table right after. */
#define NETPOLRULES_RULE_PRIORITY 100
#define NETPOLRULES_ISOLATION_PRIORITY 100

/* What a NetworkPolicy selects and allows, for a rulebook (rulebook.h):
 * keys "NS/NAME".  A change of a pod affects every policy that selected
 * it or had it as a peer (or as a named-port destination) last time or
 * whose selectors match it now; of a namespace, every policy with a
 * namespaceSelector that matched it last time or matches it now; of a
 * node, none. */
extern const struct rulebook_class netpolrules_class;

/* One line per rule and per direction's isolated pods, for logs and
 * tests. */
void netpolrules_result_format(const struct rulebook_result *, struct ds *);
/* Whether two rules would give the same flows (ids included). */
bool netpolrules_rule_equal(const struct polflows_rule *,
                            const struct polflows_rule *);

#endif /* netpolrules.h */
