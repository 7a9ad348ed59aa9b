/*
 * netpol: Kubernetes NetworkPolicy (networking.k8s.io/v1), parsed into a
 * typed struct and resolved, against the cluster model, into the
 * polflows_rule list that enforces it for the pods of one node.
 *
 * Semantics (those of the Kubernetes API):
 *
 *   - spec.podSelector selects pods in the policy's namespace; empty or
 *     left out, all of them.
 *   - policyTypes left out (or empty) means [Ingress], plus Egress if
 *     spec.egress has at least one rule (the API server's defaulting).
 *     Rules of a type the policy does not list are ignored.
 *   - A pod selected by any policy of a type is isolated for that type: what
 *     no rule allows is dropped.  A policy with a type and no rules of that
 *     type only isolates.  What is allowed is the union of every rule of
 *     every policy selecting the pod.
 *   - A rule's peers (from/to) are OR-ed; none (empty or left out) means
 *     every source or destination, in the cluster or not.  A peer is
 *     podSelector alone (pods of the policy's namespace), namespaceSelector
 *     alone (every pod of the matching namespaces; {} is every namespace),
 *     both (the matching pods of the matching namespaces), or ipBlock (a
 *     CIDR minus its excepts, see ipblock.h; IPv6 blocks allow nothing
 *     here, the dataplane being IPv4).
 *   - A rule's ports are OR-ed; none means every port.  protocol defaults to
 *     TCP; port left out means every port of the protocol; endPort makes a
 *     range and needs a numeric port.  A named port is the containerPort of
 *     that name and protocol on the destination pod: for ingress, each
 *     selected pod's own; for egress, each peer pod's (so one egress rule
 *     may allow a different number towards each peer, and only towards
 *     pods the cluster model knows, including pods that lie in an ipBlock).
 *   - Namespaces carry the label kubernetes.io/metadata.name=NAME, as the
 *     API server sets it, even when the model's Namespace object lacks it
 *     (or is missing).  Host-network pods are neither selected nor peers:
 *     their address is the node's.  Pods without a known IPv4 address are
 *     left out.
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
#ifndef NETPOL_H
#define NETPOL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <json-c/json.h>

#include "polflows.h"

struct cluster;
struct cluster_change;
struct ds;
struct ipblock;
struct labelsel;
struct sset;

#define NETPOL_N_DIRS 2         /* indexed by enum polflows_dir */

/* Owner ids of the default-deny (isolation) flows, one per direction; rule
 * ids never take them. */
#define NETPOL_ISOLATION_ID(DIR) (1 + (uint32_t) (DIR))
#define NETPOL_FIRST_RULE_ID 16

/* Where the rules go (tables.h): allow rules in the direction's rule
 * table, isolation in its default table right after. */
#define NETPOL_RULE_PRIORITY 100
#define NETPOL_ISOLATION_PRIORITY 100

/* A policy, as written. */

struct netpol_port {
    uint8_t proto;              /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
    char *name;                 /* a named port, or NULL */
    uint16_t port;              /* numeric; 0 with no name: every port */
    uint16_t end_port;          /* 0: no range */
};

struct netpol_peer {            /* either selectors or ipblock */
    struct labelsel *pod_sel;   /* NULL: not given */
    struct labelsel *ns_sel;    /* NULL: not given */
    struct ipblock *ipblock;    /* NULL: not given */
};

struct netpol_rule {
    struct netpol_peer *peers;  /* none: every peer */
    size_t n_peers;
    struct netpol_port *ports;  /* none: every port */
    size_t n_ports;
};

struct netpol {
    char *namespace;
    char *name;
    char *key;                              /* "NAMESPACE/NAME" */
    struct labelsel *pod_sel;
    bool applies[NETPOL_N_DIRS];            /* policyTypes */
    struct netpol_rule *rules[NETPOL_N_DIRS];
    size_t n_rules[NETPOL_N_DIRS];
    struct json_object *spec;               /* as given, for netpol_equal */
};

/* Parses and validates a NetworkPolicy object as the API server would
 * (label selectors, peers, ports, ipBlocks, policyTypes).  'ns' and 'name'
 * name it; NULL takes them from its metadata (namespace "default" when
 * unset).  0, or -EINVAL with '*err' naming the field
 * ("spec.ingress[0].from[1].ipBlock.except[0]: ..."; caller frees). */
int netpol_parse(struct json_object *obj, const char *ns, const char *name,
                 struct netpol **npp, char **err);
void netpol_destroy(struct netpol *);
bool netpol_equal(const struct netpol *, const struct netpol *);

/* Resolution. */

/* One compiled rule and the storage its pointers point into. */
struct netpol_compiled {
    struct polflows_rule rule;  /* action POLFLOWS_ALLOW; table, priority
                                 * and next_table set from tables.h */
    char *key;                  /* what 'rule.id' is a hash of */
    struct in_addr *pods;       /* sorted, no duplicates */
    struct polflows_cidr *peers;    /* sorted, no duplicates */
    struct polflows_port *ports;    /* sorted, no duplicates */
};

struct netpol_result {
    struct netpol_compiled *rules;          /* sorted by id */
    size_t n_rules;
    struct in_addr *isolated[NETPOL_N_DIRS];    /* sorted, no duplicates */
    size_t n_isolated[NETPOL_N_DIRS];
};

void netpol_result_destroy(struct netpol_result *);
/* The rule with id 'id' (rules are sorted by id), or NULL. */
const struct polflows_rule *netpol_result_find(const struct netpol_result *,
                                               uint32_t id);
/* One line per rule and per direction's isolated pods, for logs and
 * tests. */
void netpol_result_format(const struct netpol_result *, struct ds *);
/* Whether two rules would give the same flows (ids included). */
bool netpol_rule_equal(const struct polflows_rule *,
                       const struct polflows_rule *);

/* Resolves every NetworkPolicy of 'cluster' for the pods of node
 * 'node_name' at once. */
void netpol_resolve(const struct cluster *, const char *node_name,
                    struct netpol_result *);

/* Incremental resolution: the resolved rules of each policy are kept, with
 * the pods and namespaces that counted in resolving them, so that a change
 * of the cluster recomputes only the policies it can affect. */
struct netpol_state *netpol_state_create(const char *node_name);
void netpol_state_destroy(struct netpol_state *);
/* Recomputes every policy (and forgets policies the cluster lost). */
void netpol_state_recompute_all(struct netpol_state *,
                                const struct cluster *);
/* Adds to 'policies' the keys ("NS/NAME") of the policies 'change' may
 * affect, judged from 'cluster' after the change and from what counted in
 * the last resolution: the policy itself when it changed; for a pod, every
 * policy that selected it or had it as a peer (or as a named-port
 * destination) last time or whose selectors match it now; for a namespace,
 * every policy with a namespaceSelector that matched it last time or
 * matches it now.  Node changes affect nothing. */
void netpol_state_affected(const struct netpol_state *,
                           const struct cluster *,
                           const struct cluster_change *,
                           struct sset *policies);
/* Recomputes the policies named in 'policies'; a name the cluster no
 * longer has is dropped. */
void netpol_state_recompute(struct netpol_state *, const struct cluster *,
                            const struct sset *policies);
/* The rules of every policy, with ids, and the isolated pods. */
void netpol_state_result(const struct netpol_state *,
                         struct netpol_result *);

#endif /* netpol.h */
