#include <config.h>
#include "agent/policy/ruleparts.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/labelsel.h"
#include "dataplane/polflows.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "util.h"

int
ruleparts_addr_compare(const void *a_, const void *b_)
{
    const struct in_addr *a = a_, *b = b_;
    uint32_t x = ntohl(a->s_addr), y = ntohl(b->s_addr);
    return x < y ? -1 : x > y;
}

int
ruleparts_cidr_compare(const void *a_, const void *b_)
{
    const struct polflows_cidr *a = a_, *b = b_;
    int cmp = ruleparts_addr_compare(&a->addr, &b->addr);
    return cmp ? cmp : a->plen - b->plen;
}

/* IPv4 addresses in network byte order compare as numbers do. */
int
ruleparts_ip_compare(const void *a_, const void *b_)
{
    const struct ruleparts_ip *a = a_, *b = b_;
    int cmp;

    if (a->family != b->family) {
        return a->family == AF_INET ? -1 : 1;
    }
    cmp = (a->family == AF_INET
           ? memcmp(&a->in4, &b->in4, sizeof a->in4)
           : memcmp(&a->in6, &b->in6, sizeof a->in6));
    return cmp ? cmp : a->plen - b->plen;
}

struct ruleparts_ip
ruleparts_ip_from_cidr(const struct polflows_cidr *cidr)
{
    struct ruleparts_ip ip = { .family = AF_INET, .plen = cidr->plen };

    ip.in4 = cidr->addr;
    return ip;
}

struct ruleparts_ip
ruleparts_ip_from_cidr6(const struct polflows_cidr6 *cidr)
{
    struct ruleparts_ip ip = { .family = AF_INET6, .plen = cidr->plen };

    ip.in6 = cidr->addr;
    return ip;
}

/* How many of sorted 'ips' are IPv4: they come first. */
static size_t
count_ipv4(const struct ruleparts_ip *ips, size_t n)
{
    size_t n_v4 = 0;

    while (n_v4 < n && ips[n_v4].family == AF_INET) {
        n_v4++;
    }
    return n_v4;
}

/* 'n' of 'ips' converted by 'put' into a new array of 'size'-byte
 * elements, never NULL. */
static void *
convert(const struct ruleparts_ip *ips, size_t n, size_t size,
        void (*put)(void *, const struct ruleparts_ip *))
{
    char *out = xmalloc((n + 1) * size);

    for (size_t i = 0; i < n; i++) {
        put(out + i * size, &ips[i]);
    }
    return out;
}

static void
put_addr(void *dst, const struct ruleparts_ip *ip)
{
    memcpy(dst, &ip->in4, sizeof ip->in4);
}

static void
put_addr6(void *dst, const struct ruleparts_ip *ip)
{
    memcpy(dst, &ip->in6, sizeof ip->in6);
}

static void
put_cidr(void *dst, const struct ruleparts_ip *ip)
{
    struct polflows_cidr cidr = { ip->in4, ip->plen };
    memcpy(dst, &cidr, sizeof cidr);
}

static void
put_cidr6(void *dst, const struct ruleparts_ip *ip)
{
    struct polflows_cidr6 cidr = { ip->in6, ip->plen };
    memcpy(dst, &cidr, sizeof cidr);
}

void
ruleparts_split_pods(const struct ruleparts_ip *ips, size_t n,
                     struct in_addr **v4, size_t *n_v4,
                     struct in6_addr **v6, size_t *n_v6)
{
    *n_v4 = count_ipv4(ips, n);
    *n_v6 = n - *n_v4;
    *v4 = convert(ips, *n_v4, sizeof **v4, put_addr);
    *v6 = convert(ips + *n_v4, *n_v6, sizeof **v6, put_addr6);
}

void
ruleparts_split_peers(const struct ruleparts_ip *ips, size_t n,
                      struct polflows_cidr **v4, size_t *n_v4,
                      struct polflows_cidr6 **v6, size_t *n_v6)
{
    *n_v4 = count_ipv4(ips, n);
    *n_v6 = n - *n_v4;
    *v4 = convert(ips, *n_v4, sizeof **v4, put_cidr);
    *v6 = convert(ips + *n_v4, *n_v6, sizeof **v6, put_cidr6);
}

int
ruleparts_port_compare(const void *a_, const void *b_)
{
    const struct polflows_port *a = a_, *b = b_;

    if (a->proto != b->proto) {
        return a->proto - b->proto;
    }
    if (a->port != b->port) {
        return a->port - b->port;
    }
    return a->end_port - b->end_port;
}

#define NS_NAME_LABEL "kubernetes.io/metadata.name"

const struct cluster_labels *
ruleparts_ns_labels(struct shash *cache, const struct cluster *cluster,
                    const char *name)
{
    struct cluster_labels *labels = shash_find_data(cache, name);
    const struct cluster_namespace *ns;
    size_t n_given, n = 0;
    bool added = false;

    if (labels) {
        return labels;
    }
    ns = cluster_find_namespace(cluster, name);
    n_given = ns ? ns->labels.n : 0;
    labels = xzalloc(sizeof *labels);
    labels->keys = xmalloc((n_given + 1) * sizeof *labels->keys);
    labels->values = xmalloc((n_given + 1) * sizeof *labels->values);
    for (size_t i = 0; i <= n_given; i++) {
        const char *key = i < n_given ? ns->labels.keys[i] : NULL;
        int cmp = key ? strcmp(key, NS_NAME_LABEL) : 1;

        if (!added && cmp >= 0) {
            labels->keys[n] = CONST_CAST(char *, NS_NAME_LABEL);
            labels->values[n++] = CONST_CAST(char *, name);
            added = true;
        }
        if (key && cmp) {
            labels->keys[n] = ns->labels.keys[i];
            labels->values[n++] = ns->labels.values[i];
        }
    }
    labels->n = n;
    shash_add(cache, name, labels);
    return labels;
}

/* The requirement of 'sel' that names its candidates: the first In. */
static const struct labelsel_req *
first_in(const struct labelsel *sel)
{
    for (size_t i = 0; i < sel->n_reqs; i++) {
        if (sel->reqs[i].op == LABELSEL_IN) {
            return &sel->reqs[i];
        }
    }
    return NULL;
}

void
ruleparts_add_matching_namespace(struct shash *cache,
                                 const struct cluster *cluster,
                                 const struct labelsel *sel, const char *name,
                                 struct vec *names)
{
    size_t n_pods;

    cluster_namespace_pods(cluster, name, &n_pods);
    if (n_pods && labelsel_matches(sel, ruleparts_ns_labels(cache, cluster,
                                                            name))) {
        vec_push(names, &name);
    }
}

/* A namespace has one value per key, so the candidates of distinct values
 * are distinct. */
bool
ruleparts_indexed_namespaces(struct shash *cache,
                             const struct cluster *cluster,
                             const struct labelsel *sel, struct vec *names)
{
    const struct labelsel_req *req = first_in(sel);

    for (size_t i = 0; req && i < req->n_values; i++) {
        if (!strcmp(req->key, NS_NAME_LABEL)) {
            ruleparts_add_matching_namespace(cache, cluster, sel,
                                             req->values[i], names);
        } else {
            size_t n;
            const struct cluster_namespace *const *nss
                = cluster_labelled_namespaces(cluster, req->key,
                                              req->values[i], &n);

            for (size_t j = 0; j < n; j++) {
                ruleparts_add_matching_namespace(cache, cluster, sel,
                                                 nss[j]->name, names);
            }
        }
    }
    return req != NULL;
}

void
ruleparts_ns_labels_clear(struct shash *cache)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, cache) {
        struct cluster_labels *labels = node->data;
        free(labels->keys);
        free(labels->values);
        free(labels);
    }
    shash_destroy(cache);
}

/* One address of 'family', with "/PLEN" when 'plen' >= 0, after a comma
 * unless it is the first. */
static void
format_ip(struct ds *s, bool *first, int family, const void *addr, int plen)
{
    char buf[INET6_ADDRSTRLEN];

    ds_put_format(s, "%s%s", *first ? "" : ",",
                  inet_ntop(family, addr, buf, sizeof buf));
    if (plen >= 0) {
        ds_put_format(s, "/%d", plen);
    }
    *first = false;
}

void
ruleparts_format_pods(struct ds *s, const struct in_addr *v4, size_t n,
                      const struct in6_addr *v6, size_t n6)
{
    bool first = true;

    for (size_t i = 0; i < n; i++) {
        format_ip(s, &first, AF_INET, &v4[i], -1);
    }
    for (size_t i = 0; i < n6; i++) {
        format_ip(s, &first, AF_INET6, &v6[i], -1);
    }
}

void
ruleparts_format_peers(struct ds *s, const struct polflows_rule *r)
{
    bool first = true;

    for (size_t i = 0; i < r->n_peers; i++) {
        format_ip(s, &first, AF_INET, &r->peers[i].addr, r->peers[i].plen);
    }
    for (size_t i = 0; i < r->n_peers6; i++) {
        format_ip(s, &first, AF_INET6, &r->peers6[i].addr,
                  r->peers6[i].plen);
    }
}

bool
ruleparts_pod_ip(const struct cluster_pod *pod, struct in_addr *addr)
{
    *addr = pod->addr;
    return pod->has_addr && !pod->host_network;
}

size_t
ruleparts_pod_ips(const struct cluster_pod *pod, struct ruleparts_ip ips[2])
{
    size_t n = 0;

    memset(ips, 0, 2 * sizeof *ips);
    if (pod->host_network) {
        return 0;
    }
    if (pod->has_addr) {
        ips[n].family = AF_INET;
        ips[n].in4 = pod->addr;
        ips[n++].plen = 32;
    }
    if (pod->has_addr6) {
        ips[n].family = AF_INET6;
        ips[n].in6 = pod->addr6;
        ips[n++].plen = 128;
    }
    return n;
}
