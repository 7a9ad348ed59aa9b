/*
 * cnp: ClusterNetworkPolicy (policy.networking.k8s.io, the tiered cluster
 * policy of the Kubernetes network-policy-api project, API v1beta1; the
 * identical v1alpha2 is read too), parsed and validated into a typed
 * struct, as the cluster model holds it.  agent/policy/cnprules resolves
 * it into the rules that enforce it.
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
 *     networks match IPv6 traffic only, IPv4 ones IPv4 traffic.  A peer that sets no
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
 */
#ifndef CNP_H
#define CNP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "dataplane/polflows.h"

struct labelsel;

#define CNP_N_DIRS 2                /* indexed by enum polflows_dir */
#define CNP_MAX_PRIORITY 1000
#define CNP_MAX_RULES 25            /* per direction */
#define CNP_MAX_ITEMS 25            /* peers, protocols, networks, names */
#define CNP_MAX_RULE_NAME 100

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
    struct polflows_cidr6 *networks6;   /* the IPv6 ones */
    size_t n_networks6;
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
};

/* Parses and validates a ClusterNetworkPolicy object as the API server
 * would with the v1beta1 schema.  'name' NULL takes it from metadata.  0,
 * or -EINVAL with '*err' naming the field ("spec.egress[0].to[1].networks[0]:
 * ..."; caller frees). */
int cnp_parse(struct json_object *obj, const char *name, struct cnp **cnpp,
              char **err);
void cnp_destroy(struct cnp *);
/* Whether 'a' and 'b' parsed to the same policy. */
bool cnp_equal(const struct cnp *, const struct cnp *);

#endif /* cnp.h */
