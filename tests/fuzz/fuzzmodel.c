#include <config.h>
#include "fuzzmodel.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>

#include "agent/model/cluster.h"
#include "agent/model/epslice.h"
#include "fuzzglue.h"
#include "openvswitch/dynamic-string.h"

static void
apply_twice(struct cluster *cluster, struct json_object *obj)
{
    char *err = NULL;
    uint64_t seqno;

    if (cluster_apply(cluster, obj, &err)) {
        free(err);
        return;
    }
    seqno = cluster_seqno(cluster);
    fuzzglue_check(!cluster_apply(cluster, obj, &err),
                   "an object the model took is refused the second time");
    fuzzglue_check(cluster_seqno(cluster) == seqno,
                   "the same object applied again is recorded as a change");
}

void
fuzzmodel_apply_all(struct cluster *cluster, struct json_object *objects)
{
    for (size_t i = 0; i < json_object_array_length(objects); i++) {
        apply_twice(cluster, json_object_array_get_idx(objects, i));
    }
}

static void
delete_all(struct cluster *cluster, struct json_object *objects)
{
    for (size_t i = 0; objects && i < json_object_array_length(objects);
         i++) {
        struct json_object *obj = json_object_array_get_idx(objects, i);
        enum cluster_kind kind;
        const char *ns, *name;
        char *err = NULL;

        if (!cluster_identify(obj, &kind, &ns, &name, &err)) {
            cluster_delete(cluster, kind, ns, name);
        }
        free(err);
    }
}

static bool
holds(const void *const *objs, size_t n, const void *obj)
{
    for (size_t i = 0; i < n; i++) {
        if (objs[i] == obj) {
            return true;
        }
    }
    return false;
}

/* The indexes the agent reads pods, Namespaces and EndpointSlices by
 * agree with the objects: a stale or missing entry would make a policy or
 * a Service see the wrong pods. */
static void
check_pod_indexes(const struct cluster *cluster)
{
    size_t n_pods, n_in_ns, n_net;
    const struct cluster_pod **pods = cluster_pods(cluster, &n_pods);

    fuzzglue_check(n_pods == cluster_count(cluster, CLUSTER_POD),
                   "cluster_pods() misses pods");
    for (size_t i = 0; i < n_pods; i++) {
        const struct cluster_pod *pod = pods[i];
        const void *const *in_ns = (const void *const *)
            cluster_namespace_pods(cluster, pod->namespace, &n_in_ns);

        fuzzglue_check(holds(in_ns, n_in_ns, pod),
                       "a pod missing from its namespace's index");
        if (pod->has_addr) {
            const void *const *in_net = (const void *const *)
                cluster_net_pods(cluster, ntohl(pod->addr.s_addr) >> 16,
                                 &n_net);
            fuzzglue_check(holds(in_net, n_net, pod),
                           "a pod missing from its /16's index");
        }
    }
    free(pods);
}

static void
check_namespace_index(const struct cluster *cluster)
{
    size_t n, n_labelled;
    const void **nss = cluster_list(cluster, CLUSTER_NAMESPACE, &n);

    for (size_t i = 0; i < n; i++) {
        const struct cluster_namespace *ns = nss[i];

        for (size_t j = 0; j < ns->labels.n; j++) {
            const void *const *labelled = (const void *const *)
                cluster_labelled_namespaces(cluster, ns->labels.keys[j],
                                            ns->labels.values[j],
                                            &n_labelled);
            fuzzglue_check(holds(labelled, n_labelled, ns),
                           "a Namespace missing from a label's index");
        }
    }
    free(nss);
}

static void
check_slice_index(const struct cluster *cluster)
{
    size_t n, n_of_svc;
    const void **slices = cluster_list(cluster, CLUSTER_ENDPOINT_SLICE, &n);

    for (size_t i = 0; i < n; i++) {
        const struct epslice *slice = slices[i];

        if (slice->service) {
            const void *const *of_svc = (const void *const *)
                cluster_service_slices(cluster, slice->namespace,
                                       slice->service, &n_of_svc);
            fuzzglue_check(holds(of_svc, n_of_svc, slice),
                           "an EndpointSlice missing from its Service's");
        }
    }
    free(slices);
}

/* What a change makes the agent read: the changes themselves, then the
 * model's objects. */
static void
read_back(struct cluster *cluster)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct cluster_change *changes;
    size_t n;

    cluster_take_changes(cluster, &changes, &n);
    cluster_changes_free(changes, n);
    cluster_format(cluster, &s);
    ds_destroy(&s);
    check_pod_indexes(cluster);
    check_namespace_index(cluster);
    check_slice_index(cluster);
}

void
fuzzmodel_finish(struct cluster *cluster, struct json_object *objects)
{
    read_back(cluster);
    delete_all(cluster, objects);
    read_back(cluster);
    for (enum cluster_kind k = 0; objects && k < CLUSTER_N_KINDS; k++) {
        fuzzglue_check(!cluster_count(cluster, k),
                       "an object is left after every object was deleted");
    }
    cluster_destroy(cluster);
}
