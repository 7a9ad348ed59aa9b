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
struct polflows_cidr6;
struct polflows_port;
struct shash;
struct vec;

/* An address or a prefix of either family: what resolution keeps a rule's
 * pods and peers and the isolated pods as, so that a pod's IPv6 address
 * goes wherever its IPv4 one does.  They are split by family only into
 * the polflows rule (ruleparts_split_pods(), ruleparts_split_peers()). */
struct ruleparts_ip {
    int family;                 /* AF_INET or AF_INET6 */
    union {
        struct in_addr in4;     /* network byte order */
        struct in6_addr in6;
    };
    int plen;                   /* a pod's: the whole address */
};

/* qsort() orders: struct in_addr (numeric), struct polflows_cidr (address,
 * then prefix length), struct polflows_port (protocol, port, end port),
 * struct ruleparts_ip (IPv4 first, then as the address and prefix length
 * of its family). */
int ruleparts_addr_compare(const void *, const void *);
int ruleparts_cidr_compare(const void *, const void *);
int ruleparts_port_compare(const void *, const void *);
int ruleparts_ip_compare(const void *, const void *);

/* 'cidr' as a struct ruleparts_ip. */
struct ruleparts_ip ruleparts_ip_from_cidr(const struct polflows_cidr *);
struct ruleparts_ip ruleparts_ip_from_cidr6(const struct polflows_cidr6 *);
/* Sorted 'ips' (ruleparts_ip_compare()) as the IPv4 and the IPv6
 * addresses of pods, or as IPv4 and IPv6 peers: new arrays, never NULL. */
void ruleparts_split_pods(const struct ruleparts_ip *ips, size_t n,
                          struct in_addr **v4, size_t *n_v4,
                          struct in6_addr **v6, size_t *n_v6);
void ruleparts_split_peers(const struct ruleparts_ip *ips, size_t n,
                           struct polflows_cidr **v4, size_t *n_v4,
                           struct polflows_cidr6 **v6, size_t *n_v6);

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

/* Pods' addresses "A,B,A6" (IPv4 first), and a rule's peers
 * "A/P,A6/P", as both kinds' results are written for logs and tests. */
struct ds;
struct polflows_rule;
void ruleparts_format_pods(struct ds *, const struct in_addr *, size_t n,
                           const struct in6_addr *, size_t n6);
void ruleparts_format_peers(struct ds *, const struct polflows_rule *);

/* The pod's IPv4 address, false for host-network pods and pods with none:
 * those are neither selected by policy nor its peers. */
bool ruleparts_pod_ip(const struct cluster_pod *, struct in_addr *);
/* The pod's addresses, IPv4 first, into 'ips'; how many (none for
 * host-network pods). */
size_t ruleparts_pod_ips(const struct cluster_pod *,
                         struct ruleparts_ip ips[2]);

#endif /* ruleparts.h */
