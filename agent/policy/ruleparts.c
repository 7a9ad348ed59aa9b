#include <config.h>
#include "agent/policy/ruleparts.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/labelsel.h"
#include "dataplane/polflows.h"
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

bool
ruleparts_pod_ip(const struct cluster_pod *pod, struct in_addr *addr)
{
    *addr = pod->addr;
    return pod->has_addr && !pod->host_network;
}
