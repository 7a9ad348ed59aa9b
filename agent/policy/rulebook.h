/*
 * rulebook: the resolved rules of every policy of one kind, kept per
 * policy with what counted in resolving them, so that a change of the
 * cluster model re-resolves only the policies it may affect, and the
 * whole list of rules, with ids, put together from them.
 *
 * What a policy means is its kind's (netpolrules for NetworkPolicy,
 * cnprules for ClusterNetworkPolicy: a struct rulebook_class each); the
 * kind resolves one policy through a struct rulebook_ctx, which records
 * as it goes:
 *
 *     policies  KEY -> struct rulebook_entry
 *                        rules      its compiled rules, ids unset
 *                        isolated   local pods it isolates, per direction
 *                                   (their addresses, both families)
 *                        pods_seen  ids of the "NS/NAME" of every pod
 *                                   that counted (idset.h)
 *                        ns_seen    namespaces that counted
 *                        n_local    its selected pods of this node
 *     active    KEYs of the policies with n_local
 *     by_ns     NS -> KEYs of the namespaced policies of NS
 *
 * A policy's result depends only on the policy and on the pods and
 * namespaces its selectors match, so a change to a pod or namespace that
 * neither counted before nor matches now cannot change it: 'pods_seen'
 * and 'ns_seen' answer "before", the kind's may_count() "now".  A pod's
 * id is a 64-bit hash of its key: a policy may count thousands of pods, and
 * the rare pod that shares an id with one that counted costs only a
 * needless recomputation.
 *
 * Ids are given when the rules are put together (rulebook_result()),
 * because settling a hash collision needs every key: the hash of the key
 * with the kind's id_bit set, at least its first_id, or on collision the
 * next free id, keys in sorted order.  So ids depend on the set of keys
 * only, and a recomputation that changes nothing gives identical rules.
 */
#ifndef RULEBOOK_H
#define RULEBOOK_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/policy/ruleparts.h"
#include "dataplane/polflows.h"
#include "openvswitch/shash.h"

struct labelsel;
struct sset;

#define RULEBOOK_N_DIRS 2           /* indexed by enum polflows_dir */

/* One compiled rule and the storage its pointers point into. */
struct rulebook_compiled {
    struct polflows_rule rule;
    char *key;                      /* what 'rule.id' is a hash of */
    struct in_addr *pods;           /* sorted, no duplicates */
    struct in6_addr *pods6;         /* the same */
    struct polflows_cidr *peers;    /* sorted, no duplicates */
    struct polflows_cidr6 *peers6;  /* the same */
    struct polflows_port *ports;    /* sorted, no duplicates */
};

struct rulebook_result {
    struct rulebook_compiled *rules;                /* sorted by id */
    size_t n_rules;
    struct in_addr *isolated[RULEBOOK_N_DIRS];     /* sorted, no duplicates */
    size_t n_isolated[RULEBOOK_N_DIRS];
    struct in6_addr *isolated6[RULEBOOK_N_DIRS];   /* the same, IPv6 */
    size_t n_isolated6[RULEBOOK_N_DIRS];
};

void rulebook_result_destroy(struct rulebook_result *);
/* The rule with id 'id', or NULL. */
const struct polflows_rule *rulebook_result_find(const struct rulebook_result *,
                                                 uint32_t id);
/* The compiled rule of 'key', or NULL. */
const struct rulebook_compiled *rulebook_result_find_key(
    const struct rulebook_result *, const char *key);

/* What resolution reads of the model, for the policies of one
 * recomputation, and what it records for the policy being resolved. */
struct rulebook_ctx {
    const struct cluster *cluster;
    const char *node_name;
    struct vec local;           /* struct ruleparts_ip: rulebook_select() */
    struct vec local_pods;      /* const struct cluster_pod *, the same */

    struct rulebook_entry *res;     /* NULL: only asking */
    struct shash ns_labels;         /* ruleparts_ns_labels() cache */
    const char **namespaces;        /* the rest on first use */
    size_t n_namespaces;
    const struct cluster_pod **pods;
    size_t n_pods;
    const struct cluster_node **nodes;
    size_t n_nodes;
};

/* The labels of namespace 'name' (ruleparts_ns_labels()). */
const struct cluster_labels *rulebook_ns_labels(struct rulebook_ctx *,
                                                const char *name);
/* The namespaces that hold pods, every pod (in no order), every node. */
const char *const *rulebook_namespaces(struct rulebook_ctx *, size_t *n);
const struct cluster_pod *const *rulebook_pods(struct rulebook_ctx *,
                                               size_t *n);
/* The namespaces holding pods that 'sel' matches
 * (ruleparts_matching_namespaces()), in no order, in an array the caller
 * frees (the strings stay the model's or the selector's). */
const char **rulebook_matching_namespaces(struct rulebook_ctx *,
                                          const struct labelsel *sel,
                                          size_t *n);
const struct cluster_node *const *rulebook_nodes(struct rulebook_ctx *,
                                                 size_t *n);

/* Whether 'pod' is on this node, and whether it can be selected here: on
 * this node with an address of either family (ruleparts_pod_ips()). */
bool rulebook_on_node(const struct rulebook_ctx *, const struct cluster_pod *);
bool rulebook_pod_here(const struct rulebook_ctx *,
                       const struct cluster_pod *);

/* Records that 'pod', or namespace 'name', counted for the policy. */
void rulebook_seen_pod(struct rulebook_ctx *, const struct cluster_pod *);
void rulebook_seen_ns(struct rulebook_ctx *, const char *name);
/* Adds 'pod', if it can be selected here, to ctx->local (its addresses)
 * and ctx->local_pods: the policy's selected pods of this node. */
void rulebook_select(struct rulebook_ctx *, const struct cluster_pod *);
/* Isolates the selected pods of this node in 'dir'. */
void rulebook_isolate(struct rulebook_ctx *, enum polflows_dir);

/* One rule of a policy as its kind reads it, which becomes a compiled
 * rule for its numeric ports (or for every port when it lists none) and
 * one per distinct set of numbers its named ports resolve to: for ingress
 * on each selected pod of this node, for egress on each peer pod (pods =
 * every selected pod, peers = the /32s and /128s of the group).  Rules
 * that match nothing (no pod, or no peer and not any_peer) are left out. */
struct rulebook_draft {
    struct polflows_rule proto; /* dir, action, tables, priority, any_peer */
    char *key;                  /* a named-port group's is KEY/PORTS */
    struct vec peers;           /* struct ruleparts_ip */
    struct vec peer_pods;       /* struct rulebook_peer_pod */
    struct vec numeric;         /* struct polflows_port */
    struct vec names;           /* named ports */
};

/* Starts 'd' as 'proto' keyed 'key' (taken). */
void rulebook_draft_init(struct rulebook_draft *d,
                         const struct polflows_rule *proto, char *key);
/* A pod an egress named port may resolve on, and the addresses by which
 * it is a destination of the rule. */
struct rulebook_peer_pod {
    const struct cluster_pod *pod;
    struct ruleparts_ip ips[2];
    size_t n_ips;                   /* not 0 */
};

/* Adds peer pod 'pod' by each of its addresses (a /32, a /128), if it
 * has any (ruleparts_pod_ips()). */
void rulebook_draft_peer_pod(struct rulebook_draft *,
                             const struct cluster_pod *pod);
/* Adds 'pod' as a destination its named ports may resolve on by the 'n'
 * addresses 'ips' (of its own) only, with no peer of its own: a pod inside
 * an ipBlock peer. */
void rulebook_draft_destination(struct rulebook_draft *,
                                const struct cluster_pod *pod,
                                const struct ruleparts_ip *ips, size_t n);
/* Adds the peer 'cidr'. */
void rulebook_draft_peer_cidr(struct rulebook_draft *,
                              const struct polflows_cidr *cidr);
void rulebook_draft_peer_cidr6(struct rulebook_draft *,
                               const struct polflows_cidr6 *cidr);
/* Adds a port: numeric without 'name'; with one, named, resolving to the
 * first container port of that name and 'proto', or with 'proto' 0 to
 * every container port of that name whatever its protocol. */
void rulebook_draft_port(struct rulebook_draft *, uint8_t proto,
                         uint16_t port, uint16_t end_port, const char *name);
/* Adds the rules of 'd' to the policy's and frees 'd'. */
void rulebook_draft_finish(struct rulebook_ctx *, struct rulebook_draft *d);
/* Frees 'd' with no rule added. */
void rulebook_draft_drop(struct rulebook_draft *d);

/* What a kind of policy tells the rulebook.  Keys are the kind's names
 * of its policies: "NS/NAME" for namespaced ones, NAME otherwise. */
struct rulebook_class {
    enum cluster_kind kind;         /* of the policies in the model */
    uint32_t first_id;              /* rule ids start here */
    uint32_t id_bit;                /* and have this set */
    /* Whether a policy selects pods of its own namespace only: then one
     * selecting no pod of this node can come to only by a change of a pod
     * of its namespace, and a change looks at the policies of the node
     * and those of its namespace only. */
    bool own_namespace;

    const void *(*find)(const struct cluster *, const char *key);
    const char *(*key)(const void *policy);
    const char *(*namespace)(const void *policy);   /* NULL: none */
    /* Resolution, through the functions above: 'select' selects the
     * policy's pods (rulebook_select()); 'resolve_dir' adds its rules of
     * 'dir', called only if it selected pods of this node (one that does
     * not has no rule here whatever its peers are, so they are not looked
     * at). */
    void (*select)(struct rulebook_ctx *, const void *policy);
    void (*resolve_dir)(struct rulebook_ctx *, const void *policy,
                        enum polflows_dir);
    /* Whether 'policy' may come to count what 'change' names (a pod, then
     * 'pod', or a namespace or a node), judged from the model now.
     * 'peers_count': the policy selected pods of this node last time, or
     * is not resolved yet (without one it has no rule, so its peers do not
     * count). */
    bool (*may_count)(struct rulebook_ctx *, const void *policy,
                      bool peers_count, const struct cluster_change *,
                      const struct cluster_pod *pod);
};

struct rulebook *rulebook_create(const struct rulebook_class *,
                                 const char *node_name);
void rulebook_destroy(struct rulebook *);
/* Recomputes every policy (and forgets policies the cluster lost). */
void rulebook_recompute_all(struct rulebook *, const struct cluster *);
/* Adds to 'keys' the policies 'change' may affect, judged from 'cluster'
 * after the change and from what counted in the last resolution: the
 * policy itself when it changed; for a pod, a namespace or a node, every
 * policy it counted for last time or that may_count() it now. */
void rulebook_affected(const struct rulebook *, const struct cluster *,
                       const struct cluster_change *, struct sset *keys);
/* Recomputes the policies in 'keys'; one the cluster no longer has is
 * dropped. */
void rulebook_recompute(struct rulebook *, const struct cluster *,
                        const struct sset *keys);
/* Every policy's rules, with ids clear of 'taken' (sorted, 'n_taken'
 * ids), and the isolated pods. */
void rulebook_result(const struct rulebook *, const uint32_t *taken,
                     size_t n_taken, struct rulebook_result *);
/* The same from scratch, for every policy of 'class' in 'cluster'. */
void rulebook_resolve(const struct rulebook_class *, const struct cluster *,
                      const char *node_name, const uint32_t *taken,
                      size_t n_taken, struct rulebook_result *);

#endif /* rulebook.h */
