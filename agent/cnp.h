/*
 * cnp: ClusterNetworkPolicy (policy.networking.k8s.io, the tiered cluster
 * policy of the Kubernetes network-policy-api project, API v1beta1; the
 * identical v1alpha2 is read too), parsed into a typed struct and resolved,
 * against the cluster model, into the polflows_rule list that enforces it
 * for the pods of one node.
 *
 * Semantics (those of the API):
 *
 *   - spec.tier is Admin (evaluated before NetworkPolicy) or Baseline
 *     (after it, and only for pods no NetworkPolicy isolates in that
 *     direction).  spec.priority, 0..1000, orders policies in a tier: lower
 *     first.  Within one policy, rules apply in the order written.  Two
 *     policies of one tier with the same priority may match in any order.
 *   - spec.subject is exactly one of namespaces (every pod of the matching
 *     namespaces) or pods (namespaceSelector, empty for every namespace,
 *     AND podSelector).  Host-network pods are never subjects nor peers.
 *   - A rule's action: Accept (no later CNP or NetworkPolicy rule of that
 *     direction applies), Deny (dropped), Pass (the rest of the tier is
 *     skipped: from Admin to NetworkPolicy, from Baseline to the default,
 *     which accepts).
 *   - Peers (from, to: at least one) are OR-ed; each is exactly one of
 *     namespaces, pods, and for egress nodes (their InternalIP), networks
 *     (CIDRs, no host bits) or domainNames.  domainNames are only for Accept
 *     rules and are not resolved here: such a peer matches nothing.  IPv6
 *     networks match nothing (the dataplane is IPv4).  A peer that sets no
 *     field this version knows (written for a newer API) fails closed, as
 *     the API asks: in an Accept rule it matches nothing, in a Deny or Pass
 *     rule it makes the rule deny everything.
 *   - protocols, when given, are OR-ed: tcp/udp/sctp with a destination
 *     port number or range (start < end), or destinationNamedPort (every
 *     protocol; the containerPort of that name on the destination pod: for
 *     ingress each subject pod's own, for egress each peer pod's).  Left
 *     out, every port and protocol.
 *   - Namespaces carry kubernetes.io/metadata.name=NAME, as the API server
 *     sets it.
 *
 * Resolution: rule INDEX of direction DIR of policy NAME becomes one
 * polflows_rule keyed "cnp/NAME/DIR/INDEX" for its numeric ports (or every
 * port), plus one per distinct resolved set of named ports
 * ("cnp/NAME/DIR/INDEX/tcp:80,udp:53"), grouped as in netpol.h.  The rule
 * goes into its tier's table of its direction (tables.h) at
 * cnp_of_priority(priority, INDEX).
 *
 * Ids are a hash of the key with CNP_ID_BIT set (NetworkPolicy's are
 * hashes too, so the halves are not exclusive): an id already given or in
 * the caller's 'taken' list (NetworkPolicy's ids) takes the next free one,
 * keys in sorted order.
 */
#ifndef CNP_H
#define CNP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "polflows.h"

struct cluster;
struct cluster_change;
struct ds;
struct labelsel;
struct sset;

#define CNP_N_DIRS 2                /* indexed by enum polflows_dir */
#define CNP_MAX_PRIORITY 1000
#define CNP_MAX_RULES 25            /* per direction */
#define CNP_MAX_ITEMS 25            /* peers, protocols, networks, names */
#define CNP_MAX_RULE_NAME 100

/* OpenFlow priorities of CNP rules in a tier table: one per (policy
 * priority, rule index), higher precedence higher:
 *
 *   CNP_OF_PRIORITY_BASE + (1000 - priority) * 25 + (24 - index)
 *
 * from 100 (priority 1000, 25th rule) to 25124 (priority 0, first rule).
 * Every value the API allows has its own slot; the table's pass-through
 * is below (0) and the flows that bypass policy are above
 * (POLICY_BYPASS_PRIORITY, tables.h). */
#define CNP_OF_PRIORITY_BASE 100
#define CNP_OF_PRIORITY_MAX (CNP_OF_PRIORITY_BASE \
                             + (CNP_MAX_PRIORITY + 1) * CNP_MAX_RULES - 1)

#define CNP_ID_BIT 0x80000000u

enum cnp_tier {
    CNP_TIER_ADMIN,
    CNP_TIER_BASELINE,
};

enum cnp_action {
    CNP_ACCEPT,
    CNP_DENY,
    CNP_PASS,
};

enum cnp_peer_kind {
    CNP_PEER_NAMESPACES,        /* ns_sel */
    CNP_PEER_PODS,              /* ns_sel and pod_sel */
    CNP_PEER_NODES,             /* node_sel (egress) */
    CNP_PEER_NETWORKS,          /* networks (egress) */
    CNP_PEER_DOMAIN_NAMES,      /* names (egress, Accept) */
    CNP_PEER_UNKNOWN,           /* no known field: fails closed */
};

struct cnp_peer {
    enum cnp_peer_kind kind;
    struct labelsel *ns_sel;
    struct labelsel *pod_sel;
    struct labelsel *node_sel;
    struct polflows_cidr *networks; /* the IPv4 ones */
    size_t n_networks;
    char **names;
    size_t n_names;
};

struct cnp_protocol {
    uint8_t proto;              /* IPPROTO_TCP, _UDP, _SCTP; 0 with a name */
    uint16_t port;
    uint16_t end_port;          /* 0: one port */
    char *named_port;           /* destinationNamedPort, or NULL */
};

struct cnp_rule {
    char *name;                 /* may be NULL */
    enum cnp_action action;
    struct cnp_peer *peers;
    size_t n_peers;
    struct cnp_protocol *protocols; /* none: every port */
    size_t n_protocols;
};

struct cnp {
    char *name;
    enum cnp_tier tier;
    int priority;
    struct labelsel *subject_ns_sel;    /* both subjects */
    struct labelsel *subject_pod_sel;   /* NULL: subject.namespaces */
    struct cnp_rule *rules[CNP_N_DIRS];
    size_t n_rules[CNP_N_DIRS];
    struct json_object *spec;           /* as given, for cnp_equal */
};

/* Parses and validates a ClusterNetworkPolicy object as the API server
 * would with the v1beta1 schema.  'name' NULL takes it from metadata.  0,
 * or -EINVAL with '*err' naming the field ("spec.egress[0].to[1].networks[0]:
 * ..."; caller frees). */
int cnp_parse(struct json_object *obj, const char *name, struct cnp **cnpp,
              char **err);
void cnp_destroy(struct cnp *);
bool cnp_equal(const struct cnp *, const struct cnp *);

/* The OpenFlow priority of rule 'index' of a policy of 'priority' (see
 * above); -1 outside the API's ranges. */
int cnp_of_priority(int priority, size_t index);

/* The table of 'tier' and 'dir', and where its actions go. */
uint8_t cnp_table(enum cnp_tier, enum polflows_dir);
uint8_t cnp_accept_table(enum polflows_dir);
uint8_t cnp_pass_table(enum cnp_tier, enum polflows_dir);

/* Resolution. */

struct cnp_compiled {
    struct polflows_rule rule;
    char *key;
    struct in_addr *pods;           /* sorted, no duplicates */
    struct polflows_cidr *peers;    /* sorted, no duplicates */
    struct polflows_port *ports;    /* sorted, no duplicates */
};

struct cnp_result {
    struct cnp_compiled *rules;     /* sorted by id */
    size_t n_rules;
};

/* Resolves every ClusterNetworkPolicy of 'cluster' for the pods of node
 * 'node_name'.  'taken' (sorted, 'n_taken' ids) are ids the result must not
 * use. */
void cnp_resolve(const struct cluster *, const char *node_name,
                 const uint32_t *taken, size_t n_taken, struct cnp_result *);
void cnp_result_destroy(struct cnp_result *);

/* Incremental resolution, as netpol_state (netpol.h): each policy's rules
 * are kept with the pods and namespaces that counted, and a change of the
 * model recomputes only the policies it may affect: the policy itself; for
 * a pod, the policies that selected it or had it as a peer last time or
 * whose selectors match it now (peers only for policies with subjects on
 * this node); for a namespace, likewise by namespace selectors; for a
 * node, the policies with subjects here and a nodes peer. */
struct cnp_state *cnp_state_create(const char *node_name);
void cnp_state_destroy(struct cnp_state *);
void cnp_state_recompute_all(struct cnp_state *, const struct cluster *);
/* Adds to 'names' the policies 'change' may affect. */
void cnp_state_affected(const struct cnp_state *, const struct cluster *,
                        const struct cluster_change *, struct sset *names);
/* Recomputes the policies in 'names' (dropping those the model lost). */
void cnp_state_recompute(struct cnp_state *, const struct cluster *,
                         const struct sset *names);
/* Every policy's rules, with ids clear of 'taken' (sorted). */
void cnp_state_result(const struct cnp_state *, const uint32_t *taken,
                      size_t n_taken, struct cnp_result *);
/* One line per rule, in key order, for logs and tests. */
void cnp_result_format(const struct cnp_result *, struct ds *);
/* The compiled rule of 'key', or NULL. */
const struct cnp_compiled *cnp_result_find(const struct cnp_result *,
                                           const char *key);

#endif /* cnp.h */
