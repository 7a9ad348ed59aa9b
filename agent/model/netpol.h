/*
 * netpol: Kubernetes NetworkPolicy (networking.k8s.io/v1), parsed and
 * validated into a typed struct, as the cluster model holds it.
 * agent/policy/netpolrules resolves it into the rules that enforce it.
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
 */
#ifndef NETPOL_H
#define NETPOL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <json-c/json.h>

#include "dataplane/polflows.h"

struct ipblock;
struct labelsel;

#define NETPOL_N_DIRS 2         /* indexed by enum polflows_dir */

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
};

/* Parses and validates a NetworkPolicy object as the API server would
 * (label selectors, peers, ports, ipBlocks, policyTypes).  'ns' and 'name'
 * name it; NULL takes them from its metadata (namespace "default" when
 * unset).  0, or -EINVAL with '*err' naming the field
 * ("spec.ingress[0].from[1].ipBlock.except[0]: ..."; caller frees). */
int netpol_parse(struct json_object *obj, const char *ns, const char *name,
                 struct netpol **npp, char **err);
void netpol_destroy(struct netpol *);
/* Whether 'a' and 'b' parsed to the same policy. */
bool netpol_equal(const struct netpol *, const struct netpol *);

#endif /* netpol.h */
