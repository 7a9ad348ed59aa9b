/*
 * ruleparts: what policy resolution (netpol for NetworkPolicy, cnp for
 * ClusterNetworkPolicy) builds rules from: the orders that make a rule's
 * addresses, CIDRs and ports sorted and free of duplicates (vec.h)
 * (so equal rules compare equal and give identical flows), and small
 * readings of the cluster model and of JSON both resolvers share.
 */
#ifndef RULEPARTS_H
#define RULEPARTS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <json-c/json.h>

struct cluster;
struct cluster_pod;
struct in_addr;
struct labelsel;
struct polflows_cidr;
struct polflows_port;
struct shash;
struct vec;

/* qsort() orders: struct in_addr (numeric), struct polflows_cidr (address,
 * then prefix length), struct polflows_port (protocol, port, end port). */
int ruleparts_addr_compare(const void *, const void *);
int ruleparts_cidr_compare(const void *, const void *);
int ruleparts_port_compare(const void *, const void *);

/* The labels of namespace 'name' as the API server has them: the model's
 * plus kubernetes.io/metadata.name=NAME, sorted by key as cluster_labels
 * are, even when the model lacks the Namespace object.  Cached in 'cache'
 * (name -> struct cluster_labels *), whose strings stay the model's: clear
 * it before the model changes. */
const struct cluster_labels *ruleparts_ns_labels(struct shash *cache,
                                                 const struct cluster *,
                                                 const char *name);
/* Appends namespace 'name' to 'names' (const char *) if it holds pods and
 * its labels (ruleparts_ns_labels(), cached in 'cache') match 'sel'. */
void ruleparts_add_matching_namespace(struct shash *cache,
                                      const struct cluster *,
                                      const struct labelsel *sel,
                                      const char *name, struct vec *names);
/* Appends to 'names' the namespaces holding pods that 'sel' matches, in no
 * order, when 'sel' has an In requirement: the candidates the model's label
 * index names for it (strings the model's or the selector's).  Without one,
 * returns false and appends nothing: every namespace is a candidate. */
bool ruleparts_indexed_namespaces(struct shash *cache, const struct cluster *,
                                  const struct labelsel *sel,
                                  struct vec *names);
/* Frees a cache of namespace labels. */
void ruleparts_ns_labels_clear(struct shash *cache);

/* The pod's IPv4 address, false for host-network pods and pods with none:
 * those are neither selected by policy nor its peers. */
bool ruleparts_pod_ip(const struct cluster_pod *, struct in_addr *);

#endif /* ruleparts.h */
