/*
 * The cluster model.
 *
 * One shash per kind maps an object's key to the agent's parsed copy of it:
 *
 *     objects[CLUSTER_NAMESPACE]  "NAME"       -> struct cluster_namespace
 *     objects[CLUSTER_POD]        "NS/NAME"    -> struct cluster_pod
 *     objects[CLUSTER_NODE]       "NAME"       -> struct cluster_node
 *     objects[CLUSTER_NETWORK_POLICY] "NS/NAME" -> struct netpol
 *     objects[CLUSTER_CLUSTER_NETWORK_POLICY] "NAME" -> struct cnp
 *     objects[CLUSTER_SERVICE]    "NS/NAME"    -> struct service
 *     objects[CLUSTER_ENDPOINT_SLICE] "NS/NAME" -> struct epslice
 *     pod_ips[FAMILY]             "NS/NAME"    -> IP string
 *     ns_pods                     "NS"         -> struct objlist of pod
 *     svc_slices                  "NS/SERVICE" -> struct objlist of epslice
 *     ns_by_label                 "KEY=VALUE"  -> struct objlist of namespace
 *     pods_by_net                 /16          -> struct net_pods
 *
 * 'pod_ips' holds the IPs the agent set itself, one map per family
 * (cluster_set_pod_ip_family: it attached those pods, so it knows their
 * addresses before the API server does, and a manifest Pod has no status
 * at all).  An entry may exist before its Pod; whenever a Pod is parsed its
 * 'ip' and 'ip6' are taken from here first, so comparing with the previous
 * copy sees the effective IPs.
 *
 * The model owns every entry; callers get const pointers that stay valid
 * until the next cluster_apply()/cluster_delete() of the same object.  Only
 * the fields the agent uses are kept, so an apply that changes nothing the
 * agent looks at (a status update, a resourceVersion bump) records no change.
 * Label and annotation arrays are sorted by key, which makes comparison a
 * walk over both arrays.  Strings that repeat across objects (namespace and
 * node names, label keys and values, port names) are interned in
 * 'strings'; of the annotations, only those the agent reads are kept.
 *
 * 'ns_pods' indexes the pods by namespace (a namespace is in it while it
 * holds a pod, Namespace object or not), so that resolving a selector
 * scoped to a namespace reads that namespace's pods, not the cluster's.
 *
 * 'svc_slices' indexes the EndpointSlices by the Service their
 * kubernetes.io/service-name label names (slices without the label are not
 * in it; the Service need not exist), so that a service's endpoints are
 * found without walking every slice.  A slice whose label changes moves
 * from one entry to the other.
 *
 * 'ns_by_label' indexes the Namespace objects by each of their labels, so
 * that a namespaceSelector reads the few namespaces that may match, not
 * every one.
 *
 * 'pods_by_net' indexes the pods with an address by its /16, so that an
 * ipBlock reads the pods that may lie in it.
 *
 * The indexes hold pointers to the objects in 'objects', updated whenever
 * an object is replaced or deleted, and drop an entry when it becomes
 * empty.
 *
 * Every recorded change bumps 'seqno' and appends one entry to 'changes'
 * until the agent takes them.
 */
#include <config.h>
#include "agent/model/cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/strpool.h"
#include "agent/model/epslice.h"
#include "agent/model/kjson.h"
#include "agent/model/service.h"
#include "agent/model/cnp.h"
#include "agent/model/netpol.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "util.h"

struct cluster {
    struct shash objects[CLUSTER_N_KINDS];
    struct shash pod_ips[2];    /* by ip_family_index() */
    struct shash ns_pods;
    struct shash svc_slices;
    struct shash ns_by_label;
    struct hmap pods_by_net;    /* struct net_pods */
    struct strpool *strings;    /* of every object's interned strings */
    struct cluster_change *changes;
    size_t n_changes;
    size_t allocated_changes;
    uint64_t seqno;
};

/* What differs between kinds: how to read one from JSON, compare two and
 * free one.  'parse' gets the already-validated namespace and name. */
struct kind_class {
    const char *name;
    const char *const *api_versions;    /* NULL-terminated; [0] current */
    bool namespaced;
    int (*parse)(struct strpool *, struct json_object *, const char *ns,
                 const char *name, void **objp, char **err);
    bool (*equal)(const void *, const void *);
    void (*free)(struct strpool *, void *);
};

/* Labels.  Keys and values are the pool's; both arrays are one block,
 * 'values' following the 'n' keys. */

struct label_pair {
    const char *key;
    const char *value;
};

static int
label_pair_cmp(const void *a_, const void *b_)
{
    const struct label_pair *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

static void
labels_destroy(struct strpool *pool, struct cluster_labels *labels)
{
    for (size_t i = 0; i < labels->n; i++) {
        strpool_unref(pool, labels->keys[i]);
        strpool_unref(pool, labels->values[i]);
    }
    free(labels->keys);
    memset(labels, 0, sizeof *labels);
}

/* Kubernetes label and annotation values are strings; a manifest may still
 * carry an unquoted number or boolean, which reads back as its text. */
static int
label_value(struct json_object *v, const char *field, const char *key,
            const char **valuep, char **err)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        *valuep = "";
        return 0;
    case json_type_string:
    case json_type_boolean:
    case json_type_int:
    case json_type_double:
        *valuep = json_object_get_string(v);
        return 0;
    case json_type_object:
    case json_type_array:
    default:
        *err = xasprintf("metadata.%s.%s: value is not a string", field, key);
        return -EINVAL;
    }
}

static void
labels_fill(struct strpool *pool, struct label_pair *pairs, size_t n,
            struct cluster_labels *labels)
{
    qsort(pairs, n, sizeof *pairs, label_pair_cmp);
    labels->keys = xmalloc((2 * n + 1) * sizeof *labels->keys);
    labels->values = labels->keys + n;
    for (size_t i = 0; i < n; i++) {
        labels->keys[i] = strpool_ref(pool, pairs[i].key);
        labels->values[i] = strpool_ref(pool, pairs[i].value);
    }
    labels->n = n;
}

/* Reads metadata.FIELD (a string map) into 'labels', sorted by key, keeping
 * only the keys 'keep' accepts (NULL: all of them); every value is
 * validated, kept or not. */
static int
labels_parse(struct strpool *pool, struct json_object *obj,
             const char *field, bool (*keep)(const char *key),
             struct cluster_labels *labels, char **err)
{
    struct json_object *map = kjson_child(kjson_child(obj, "metadata"), field);
    struct label_pair *pairs;
    size_t n = 0;
    int error = 0;

    memset(labels, 0, sizeof *labels);
    if (!map || json_object_is_type(map, json_type_null)) {
        return 0;
    }
    if (!json_object_is_type(map, json_type_object)) {
        *err = xasprintf("metadata.%s: not a mapping", field);
        return -EINVAL;
    }

    pairs = xcalloc(json_object_object_length(map) + 1, sizeof *pairs);
    json_object_object_foreach(map, key, value) {
        error = label_value(value, field, key, &pairs[n].value, err);
        if (error) {
            break;
        }
        if (!keep || keep(key)) {
            pairs[n++].key = key;
        }
    }
    if (!error) {
        labels_fill(pool, pairs, n, labels);
    }
    free(pairs);
    return error;
}

/* Interned strings compare by pointer. */
static bool
labels_equal(const struct cluster_labels *a, const struct cluster_labels *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (a->keys[i] != b->keys[i] || a->values[i] != b->values[i]) {
            return false;
        }
    }
    return true;
}

const char *
cluster_labels_get(const struct cluster_labels *labels, const char *key)
{
    size_t lo = 0, hi = labels->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(key, labels->keys[mid]);
        if (!cmp) {
            return labels->values[mid];
        }
        if (cmp < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

/* Namespaces. */

static void
namespace_free(struct strpool *pool, void *ns_)
{
    struct cluster_namespace *ns = ns_;
    if (ns) {
        free(ns->name);
        labels_destroy(pool, &ns->labels);
        free(ns);
    }
}

static int
namespace_parse(struct strpool *pool, struct json_object *obj,
                const char *ns_ OVS_UNUSED, const char *name, void **objp,
                char **err)
{
    struct cluster_namespace *ns = xzalloc(sizeof *ns);
    int error;

    ns->name = xstrdup(name);
    error = labels_parse(pool, obj, "labels", NULL, &ns->labels, err);
    if (error) {
        namespace_free(pool, ns);
        return error;
    }
    *objp = ns;
    return 0;
}

static bool
namespace_equal(const void *a_, const void *b_)
{
    const struct cluster_namespace *a = a_, *b = b_;
    return !strcmp(a->name, b->name) && labels_equal(&a->labels, &b->labels);
}

/* Pods. */

static void
pod_free(struct strpool *pool, void *pod_)
{
    struct cluster_pod *pod = pod_;
    if (pod) {
        strpool_unref(pool, pod->namespace);
        free(pod->name);
        free(pod->key);
        free(pod->uid);
        strpool_unref(pool, pod->node_name);
        labels_destroy(pool, &pod->labels);
        labels_destroy(pool, &pod->annotations);
        free(pod->ip);
        free(pod->status_ip);
        free(pod->ip6);
        free(pod->status_ip6);
        for (size_t i = 0; i < pod->n_ports; i++) {
            strpool_unref(pool, pod->ports[i].name);
        }
        free(pod->ports);
        free(pod);
    }
}

static bool
is_family(const char *s, int family)
{
    struct in6_addr addr;       /* room for either family */
    return s && inet_pton(family, s, &addr) == 1;
}

/* The model's per-family arrays hold IPv4 first. */
static size_t
ip_family_index(int family)
{
    return family == AF_INET6;
}

/* The pod's address of 'family': status.podIP when it is of that family
 * (the cluster's primary one), else the entry of status.podIPs that is. */
static const char *
pod_status_ip(struct json_object *status, int family)
{
    const char *ip = kjson_child_string(status, "podIP");
    struct json_object *list = kjson_child(status, "podIPs");

    if (is_family(ip, family)) {
        return ip;
    }
    for (size_t i = 0; json_object_is_type(list, json_type_array)
                       && i < json_object_array_length(list); i++) {
        ip = kjson_child_string(json_object_array_get_idx(list, i), "ip");
        if (is_family(ip, family)) {
            return ip;
        }
    }
    return NULL;
}

static int
port_proto(const char *name, uint8_t *protop)
{
    if (!name || !strcmp(name, "TCP")) {
        *protop = IPPROTO_TCP;
    } else if (!strcmp(name, "UDP")) {
        *protop = IPPROTO_UDP;
    } else if (!strcmp(name, "SCTP")) {
        *protop = IPPROTO_SCTP;
    } else {
        return -EINVAL;
    }
    return 0;
}

static int
container_port_parse(struct strpool *pool, struct json_object *obj,
                     const char *path,
                     struct cluster_container_port *port, char **err)
{
    struct json_object *proto = kjson_child(obj, "protocol");
    char *field = xasprintf("%s.containerPort", path);
    int error = kjson_port(kjson_child(obj, "containerPort"), field, false,
                           &port->port, err);

    free(field);
    if (error) {
        return error;
    }
    if ((proto && !json_object_is_type(proto, json_type_string))
        || port_proto(kjson_child_string(obj, "protocol"), &port->proto)) {
        *err = xasprintf("%s.protocol: expected TCP, UDP or SCTP", path);
        return -EINVAL;
    }
    port->name = strpool_ref(pool, kjson_child_string(obj, "name"));
    return 0;
}

/* spec.containers[].ports[], all containers' in one array. */
static int
pod_ports_parse(struct strpool *pool, struct cluster_pod *pod,
                struct json_object *spec, char **err)
{
    struct json_object *containers = kjson_child(spec, "containers");
    size_t allocated = 0;

    for (size_t i = 0; json_object_is_type(containers, json_type_array)
                       && i < json_object_array_length(containers); i++) {
        struct json_object *ports = kjson_child(
            json_object_array_get_idx(containers, i), "ports");

        for (size_t j = 0; json_object_is_type(ports, json_type_array)
                           && j < json_object_array_length(ports); j++) {
            char *path = xasprintf("spec.containers[%zu].ports[%zu]", i, j);
            struct cluster_container_port port = { NULL, 0, 0 };
            int error = container_port_parse(
                pool, json_object_array_get_idx(ports, j), path, &port, err);

            free(path);
            if (error) {
                return error;
            }
            if (pod->n_ports >= allocated) {
                pod->ports = x2nrealloc(pod->ports, &allocated,
                                        sizeof *pod->ports);
            }
            pod->ports[pod->n_ports++] = port;
        }
    }
    return 0;
}

/* Sets the pod's effective IP of 'family' (a copy of 'ip', which may be
 * NULL) and its parsed form. */
static void
pod_set_ip(struct cluster_pod *pod, int family, const char *ip)
{
    bool v6 = family == AF_INET6;
    char **field = v6 ? &pod->ip6 : &pod->ip;
    void *addr = v6 ? (void *) &pod->addr6 : (void *) &pod->addr;
    bool *has = v6 ? &pod->has_addr6 : &pod->has_addr;

    free(*field);
    *field = nullable_xstrdup(ip);
    *has = ip && inet_pton(family, ip, addr) == 1;
}

static const char *
pod_status_ip_of(const struct cluster_pod *pod, int family)
{
    return family == AF_INET6 ? pod->status_ip6 : pod->status_ip;
}

static const char *
pod_ip_of(const struct cluster_pod *pod, int family)
{
    return family == AF_INET6 ? pod->ip6 : pod->ip;
}

/* The annotations the agent reads (agent/core/attach.c). */
static bool
pod_annotation_kept(const char *key)
{
    return (!strncmp(key, "seine.io/interface-type",
                     strlen("seine.io/interface-type"))
            || !strcmp(key, "k8s.v1.cni.cncf.io/networks"));
}

static int
pod_parse(struct strpool *pool, struct json_object *obj, const char *ns,
          const char *name, void **objp, char **err)
{
    struct cluster_pod *pod = xzalloc(sizeof *pod);
    struct json_object *spec = kjson_child(obj, "spec");
    struct json_object *host_network = kjson_child(spec, "hostNetwork");
    int error;

    pod->namespace = strpool_ref(pool, ns);
    pod->name = xstrdup(name);
    pod->key = xasprintf("%s/%s", ns, name);
    pod->uid = nullable_xstrdup(kjson_child_string(kjson_child(obj, "metadata"),
                                                  "uid"));
    pod->node_name = strpool_ref(pool, kjson_child_string(spec, "nodeName"));
    pod->status_ip = nullable_xstrdup(
        pod_status_ip(kjson_child(obj, "status"), AF_INET));
    pod->status_ip6 = nullable_xstrdup(
        pod_status_ip(kjson_child(obj, "status"), AF_INET6));
    pod_set_ip(pod, AF_INET, pod->status_ip);
    pod_set_ip(pod, AF_INET6, pod->status_ip6);
    pod->host_network = (json_object_is_type(host_network, json_type_boolean)
                         && json_object_get_boolean(host_network));
    error = labels_parse(pool, obj, "labels", NULL, &pod->labels, err);
    if (!error) {
        error = labels_parse(pool, obj, "annotations", pod_annotation_kept,
                             &pod->annotations, err);
    }
    if (!error) {
        error = pod_ports_parse(pool, pod, spec, err);
    }
    if (error) {
        pod_free(pool, pod);
        return error;
    }
    *objp = pod;
    return 0;
}

static bool
ports_equal(const struct cluster_pod *a, const struct cluster_pod *b)
{
    if (a->n_ports != b->n_ports) {
        return false;
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        const struct cluster_container_port *x = &a->ports[i];
        const struct cluster_container_port *y = &b->ports[i];
        if (x->port != y->port || x->proto != y->proto
            || x->name != y->name) {
            return false;
        }
    }
    return true;
}

static bool
pod_equal(const void *a_, const void *b_)
{
    const struct cluster_pod *a = a_, *b = b_;
    return (a->namespace == b->namespace
            && !strcmp(a->name, b->name)
            && nullable_string_is_equal(a->uid, b->uid)
            && a->node_name == b->node_name
            && labels_equal(&a->labels, &b->labels)
            && labels_equal(&a->annotations, &b->annotations)
            && nullable_string_is_equal(a->ip, b->ip)
            && nullable_string_is_equal(a->status_ip, b->status_ip)
            && nullable_string_is_equal(a->ip6, b->ip6)
            && nullable_string_is_equal(a->status_ip6, b->status_ip6)
            && a->host_network == b->host_network
            && ports_equal(a, b));
}

/* Nodes. */

static void
node_free(struct strpool *pool, void *node_)
{
    struct cluster_node *node = node_;
    if (node) {
        free(node->name);
        free(node->pod_cidr);
        free(node->pod_cidr6);
        free(node->internal_ip);
        labels_destroy(pool, &node->labels);
        free(node);
    }
}

/* The first CIDR of one family ('v6') in spec.podCIDR and spec.podCIDRs:
 * dual-stack clusters list one per family, in either order, and put the
 * first in podCIDR too; some tools write only the list. */
static const char *
node_pod_cidr(struct json_object *spec, bool v6)
{
    const char *cidr = kjson_child_string(spec, "podCIDR");
    struct json_object *list = kjson_child(spec, "podCIDRs");

    if (cidr && (strchr(cidr, ':') != NULL) == v6) {
        return cidr;
    }
    if (!json_object_is_type(list, json_type_array)) {
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *s = (json_object_is_type(e, json_type_string)
                         ? json_object_get_string(e) : NULL);
        if (s && (strchr(s, ':') != NULL) == v6) {
            return s;
        }
    }
    return NULL;
}

static const char *
node_internal_ip(struct json_object *status)
{
    struct json_object *addresses = kjson_child(status, "addresses");

    if (!json_object_is_type(addresses, json_type_array)) {
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(addresses); i++) {
        struct json_object *a = json_object_array_get_idx(addresses, i);
        const char *type = kjson_child_string(a, "type");
        if (type && !strcmp(type, "InternalIP")) {
            return kjson_child_string(a, "address");
        }
    }
    return NULL;
}

static int
node_parse(struct strpool *pool, struct json_object *obj,
           const char *ns OVS_UNUSED, const char *name, void **objp,
           char **err)
{
    struct cluster_node *node = xzalloc(sizeof *node);
    int error;

    node->name = xstrdup(name);
    struct json_object *spec = kjson_child(obj, "spec");
    node->pod_cidr = nullable_xstrdup(node_pod_cidr(spec, false));
    node->pod_cidr6 = nullable_xstrdup(node_pod_cidr(spec, true));
    node->internal_ip = nullable_xstrdup(
        node_internal_ip(kjson_child(obj, "status")));
    error = labels_parse(pool, obj, "labels", NULL, &node->labels, err);
    if (error) {
        node_free(pool, node);
        return error;
    }
    *objp = node;
    return 0;
}

static bool
node_equal(const void *a_, const void *b_)
{
    const struct cluster_node *a = a_, *b = b_;
    return (!strcmp(a->name, b->name)
            && nullable_string_is_equal(a->pod_cidr, b->pod_cidr)
            && nullable_string_is_equal(a->pod_cidr6, b->pod_cidr6)
            && nullable_string_is_equal(a->internal_ip, b->internal_ip)
            && labels_equal(&a->labels, &b->labels));
}

/* NetworkPolicies. */

static int
netpol_class_parse(struct strpool *pool OVS_UNUSED, struct json_object *obj,
                   const char *ns, const char *name, void **objp, char **err)
{
    struct netpol *np;
    int error = netpol_parse(obj, ns, name, &np, err);

    *objp = error ? NULL : np;
    return error;
}

static bool
netpol_class_equal(const void *a, const void *b)
{
    return netpol_equal(a, b);
}

static void
netpol_class_free(struct strpool *pool OVS_UNUSED, void *np)
{
    netpol_destroy(np);
}

/* ClusterNetworkPolicies. */

static int
cnp_class_parse(struct strpool *pool OVS_UNUSED, struct json_object *obj,
                const char *ns OVS_UNUSED, const char *name, void **objp,
                char **err)
{
    struct cnp *cnp;
    int error = cnp_parse(obj, name, &cnp, err);

    *objp = error ? NULL : cnp;
    return error;
}

static bool
cnp_class_equal(const void *a, const void *b)
{
    return cnp_equal(a, b);
}

static void
cnp_class_free(struct strpool *pool OVS_UNUSED, void *cnp)
{
    cnp_destroy(cnp);
}

/* Services. */

static int
service_class_parse(struct strpool *pool OVS_UNUSED,
                    struct json_object *obj, const char *ns,
                    const char *name, void **objp, char **err)
{
    struct service *svc;
    int error = service_parse(obj, ns, name, &svc, err);

    *objp = error ? NULL : svc;
    return error;
}

static bool
service_class_equal(const void *a, const void *b)
{
    return service_equal(a, b);
}

static void
service_class_free(struct strpool *pool OVS_UNUSED, void *svc)
{
    service_destroy(svc);
}

/* EndpointSlices. */

static int
epslice_class_parse(struct strpool *pool OVS_UNUSED,
                    struct json_object *obj, const char *ns,
                    const char *name, void **objp, char **err)
{
    struct epslice *slice;
    int error = epslice_parse(obj, ns, name, &slice, err);

    *objp = error ? NULL : slice;
    return error;
}

static bool
epslice_class_equal(const void *a, const void *b)
{
    return epslice_equal(a, b);
}

static void
epslice_class_free(struct strpool *pool OVS_UNUSED, void *slice)
{
    epslice_destroy(slice);
}

static const char *const core_versions[] = { "v1", NULL };
static const char *const netpol_versions[] = { "networking.k8s.io/v1", NULL };
/* v1alpha2 and v1beta1 have the same schema. */
static const char *const cnp_versions[] = {
    "policy.networking.k8s.io/v1beta1", "policy.networking.k8s.io/v1alpha2",
    NULL
};
static const char *const discovery_versions[] = { "discovery.k8s.io/v1",
                                                  NULL };

static const struct kind_class kind_classes[CLUSTER_N_KINDS] = {
    [CLUSTER_NAMESPACE] = { "Namespace", core_versions, false,
                            namespace_parse, namespace_equal, namespace_free },
    [CLUSTER_POD] = { "Pod", core_versions, true, pod_parse, pod_equal,
                      pod_free },
    [CLUSTER_NODE] = { "Node", core_versions, false, node_parse, node_equal,
                       node_free },
    [CLUSTER_NETWORK_POLICY] = { "NetworkPolicy", netpol_versions, true,
                                 netpol_class_parse, netpol_class_equal,
                                 netpol_class_free },
    [CLUSTER_CLUSTER_NETWORK_POLICY] = { "ClusterNetworkPolicy", cnp_versions,
                                         false, cnp_class_parse,
                                         cnp_class_equal, cnp_class_free },
    [CLUSTER_SERVICE] = { "Service", core_versions, true, service_class_parse,
                          service_class_equal, service_class_free },
    [CLUSTER_ENDPOINT_SLICE] = { "EndpointSlice", discovery_versions, true,
                                 epslice_class_parse, epslice_class_equal,
                                 epslice_class_free },
};

static bool
kind_has_version(const struct kind_class *class, const char *api_version)
{
    for (const char *const *v = class->api_versions; *v; v++) {
        if (!strcmp(*v, api_version)) {
            return true;
        }
    }
    return false;
}

const char *
cluster_kind_name(enum cluster_kind kind)
{
    return kind < CLUSTER_N_KINDS ? kind_classes[kind].name : "unknown";
}

/* The objects of one index entry, in no order. */
struct objlist {
    const void **objs;
    size_t n;
    size_t allocated;
};

static void
objlist_push(struct objlist *list, const void *obj)
{
    if (list->n >= list->allocated) {
        list->objs = x2nrealloc(list->objs, &list->allocated,
                                sizeof *list->objs);
    }
    list->objs[list->n++] = obj;
}

/* Replaces 'old' by 'new' in 'list', or removes 'old' when 'new' is NULL;
 * returns whether 'list' is left empty (its array freed). */
static bool
objlist_swap(struct objlist *list, const void *old, const void *new)
{
    for (size_t i = 0; i < list->n; i++) {
        if (list->objs[i] == old) {
            list->objs[i] = new ? new : list->objs[--list->n];
            break;
        }
    }
    if (!list->n) {
        free(list->objs);
        return true;
    }
    return false;
}

/* Adds 'obj' to the entry 'key' of 'index'. */
static void
objlist_add(struct shash *index, const char *key, const void *obj)
{
    struct objlist *list = shash_find_data(index, key);

    if (!list) {
        list = xzalloc(sizeof *list);
        shash_add(index, key, list);
    }
    objlist_push(list, obj);
}

/* Replaces 'old' by 'new' in the entry 'key' of 'index', or removes 'old'
 * when 'new' is NULL (and the entry with its last object). */
static void
objlist_replace(struct shash *index, const char *key, const void *old,
                const void *new)
{
    struct shash_node *node = shash_find(index, key);

    if (objlist_swap(node->data, old, new)) {
        free(node->data);
        shash_delete(index, node);
    }
}

static void
objlist_destroy_index(struct shash *index)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, index) {
        struct objlist *list = node->data;
        free(list->objs);
    }
    shash_destroy_free_data(index);
}

/* The objects of entry 'key' of 'index' ('*n' is 0 and the result NULL
 * when it has none). */
static const void *const *
objlist_find(const struct shash *index, const char *key, size_t *n)
{
    const struct objlist *list = shash_find_data(index, key);

    *n = list ? list->n : 0;
    return list ? list->objs : NULL;
}

static char *
svc_slices_key(const char *ns, const char *svc)
{
    return xasprintf("%s/%s", ns, svc);
}

static void
svc_slices_replace(struct cluster *c, const struct epslice *old,
                   const struct epslice *new)
{
    char *key;

    if (old && old->service) {
        key = svc_slices_key(old->namespace, old->service);
        objlist_replace(&c->svc_slices, key, old, NULL);
        free(key);
    }
    if (new && new->service) {
        key = svc_slices_key(new->namespace, new->service);
        objlist_add(&c->svc_slices, key, new);
        free(key);
    }
}

/* The pods with an address in one /16. */
struct net_pods {
    struct hmap_node node;      /* in 'pods_by_net', by hash_int(net) */
    uint16_t net;               /* the address's top 16 bits */
    struct objlist pods;
};

static uint16_t
pod_net(const struct cluster_pod *pod)
{
    return ntohl(pod->addr.s_addr) >> 16;
}

static struct net_pods *
net_pods_find(const struct hmap *index, uint16_t net)
{
    struct net_pods *np;

    HMAP_FOR_EACH_WITH_HASH (np, node, hash_int(net, 0), index) {
        if (np->net == net) {
            return np;
        }
    }
    return NULL;
}

/* Adds 'pod' to the index by address, or removes it; pods without an
 * address are not in it. */
static void
pods_by_net_update(struct cluster *c, const struct cluster_pod *pod,
                   bool add)
{
    struct net_pods *np;

    if (!pod->has_addr) {
        return;
    }
    np = net_pods_find(&c->pods_by_net, pod_net(pod));
    if (add && !np) {
        np = xzalloc(sizeof *np);
        np->net = pod_net(pod);
        hmap_insert(&c->pods_by_net, &np->node, hash_int(np->net, 0));
    }
    if (add) {
        objlist_push(&np->pods, pod);
    } else if (objlist_swap(&np->pods, pod, NULL)) {
        hmap_remove(&c->pods_by_net, &np->node);
        free(np);
    }
}

/* Label keys hold no '=', so "KEY=VALUE" names one pair. */
static char *
label_index_key(const char *key, const char *value)
{
    return xasprintf("%s=%s", key, value);
}

static void
ns_labels_index(struct cluster *c, const struct cluster_namespace *ns,
                bool add)
{
    for (size_t i = 0; i < ns->labels.n; i++) {
        char *key = label_index_key(ns->labels.keys[i], ns->labels.values[i]);

        if (add) {
            objlist_add(&c->ns_by_label, key, ns);
        } else {
            objlist_replace(&c->ns_by_label, key, ns, NULL);
        }
        free(key);
    }
}

/* Keeps the indexes right when object 'old' of 'kind' is replaced by 'new'
 * (NULL when 'old' is deleted; 'old' NULL when 'new' is added). */
static void
indexes_replace(struct cluster *c, enum cluster_kind kind, const void *old,
                const void *new)
{
    if (kind == CLUSTER_POD) {
        const struct cluster_pod *pod = old ? old : new;

        if (old) {
            objlist_replace(&c->ns_pods, pod->namespace, old, new);
            pods_by_net_update(c, old, false);
        } else {
            objlist_add(&c->ns_pods, pod->namespace, new);
        }
        if (new) {
            pods_by_net_update(c, new, true);
        }
    } else if (kind == CLUSTER_ENDPOINT_SLICE) {
        svc_slices_replace(c, old, new);
    } else if (kind == CLUSTER_NAMESPACE) {
        if (old) {
            ns_labels_index(c, old, false);
        }
        if (new) {
            ns_labels_index(c, new, true);
        }
    }
}

/* The model. */

struct cluster *
cluster_create(void)
{
    struct cluster *c = xzalloc(sizeof *c);
    for (size_t i = 0; i < CLUSTER_N_KINDS; i++) {
        shash_init(&c->objects[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(c->pod_ips); i++) {
        shash_init(&c->pod_ips[i]);
    }
    shash_init(&c->ns_pods);
    shash_init(&c->svc_slices);
    shash_init(&c->ns_by_label);
    hmap_init(&c->pods_by_net);
    c->strings = strpool_create();
    return c;
}

void
cluster_destroy(struct cluster *c)
{
    struct shash_node *node;
    struct net_pods *np;

    if (!c) {
        return;
    }
    for (size_t i = 0; i < CLUSTER_N_KINDS; i++) {
        SHASH_FOR_EACH (node, &c->objects[i]) {
            kind_classes[i].free(c->strings, node->data);
        }
        shash_destroy(&c->objects[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(c->pod_ips); i++) {
        shash_destroy_free_data(&c->pod_ips[i]);
    }
    objlist_destroy_index(&c->ns_pods);
    objlist_destroy_index(&c->svc_slices);
    objlist_destroy_index(&c->ns_by_label);
    HMAP_FOR_EACH_POP (np, node, &c->pods_by_net) {
        free(np->pods.objs);
        free(np);
    }
    hmap_destroy(&c->pods_by_net);
    cluster_changes_free(c->changes, c->n_changes);
    strpool_destroy(c->strings);
    free(c);
}

static char *
object_key(enum cluster_kind kind, const char *ns, const char *name)
{
    return (kind_classes[kind].namespaced ? xasprintf("%s/%s", ns, name)
            : xstrdup(name));
}

static void
record_change(struct cluster *c, enum cluster_kind kind, const char *ns,
              const char *name, bool deleted)
{
    if (c->n_changes >= c->allocated_changes) {
        c->changes = x2nrealloc(c->changes, &c->allocated_changes,
                                sizeof *c->changes);
    }
    c->changes[c->n_changes++] = (struct cluster_change) {
        .kind = kind,
        .namespace = kind_classes[kind].namespaced ? xstrdup(ns) : NULL,
        .name = xstrdup(name),
        .deleted = deleted,
    };
    c->seqno++;
}

int
cluster_identify(struct json_object *obj, enum cluster_kind *kindp,
                 const char **nsp, const char **namep, char **err)
{
    const char *kind_name = kjson_child_string(obj, "kind");
    const char *api_version = kjson_child_string(obj, "apiVersion");
    struct json_object *metadata = kjson_child(obj, "metadata");
    const char *ns, *name;
    size_t kind;

    if (!kind_name) {
        return -ENOENT;
    }
    for (kind = 0; kind < CLUSTER_N_KINDS; kind++) {
        if (!strcmp(kind_name, kind_classes[kind].name)
            && (!api_version
                || kind_has_version(&kind_classes[kind], api_version))) {
            break;
        }
    }
    if (kind == CLUSTER_N_KINDS) {
        return -ENOENT;
    }

    name = kjson_child_string(metadata, "name");
    if (!name || !name[0]) {
        *err = xasprintf("%s without metadata.name", kind_name);
        return -EINVAL;
    }
    ns = NULL;
    if (kind_classes[kind].namespaced) {
        ns = kjson_child_string(metadata, "namespace");
        if (!ns || !ns[0]) {
            ns = "default";
        }
    }
    *kindp = kind;
    *nsp = ns;
    *namep = name;
    return 0;
}

/* Gives a newly parsed pod the IPs the agent set for it. */
static void
pod_take_overrides(const struct cluster *c, struct cluster_pod *pod,
                   const char *key)
{
    static const int families[] = { AF_INET, AF_INET6 };

    for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
        const char *ip = shash_find_data(
            &c->pod_ips[ip_family_index(families[i])], key);
        if (ip) {
            pod_set_ip(pod, families[i], ip);
        }
    }
}

int
cluster_apply(struct cluster *c, struct json_object *obj, char **err)
{
    enum cluster_kind kind;
    const struct kind_class *class;
    const char *ns, *name;
    struct shash_node *node;
    void *parsed, *old;
    char *key, *parse_err = NULL;
    int error;

    error = cluster_identify(obj, &kind, &ns, &name, err);
    if (error) {
        return error == -ENOENT ? 0 : error;
    }
    class = &kind_classes[kind];
    error = class->parse(c->strings, obj, ns, name, &parsed, &parse_err);
    if (error) {
        *err = (ns ? xasprintf("%s %s/%s: %s", class->name, ns, name,
                               parse_err)
                : xasprintf("%s %s: %s", class->name, name, parse_err));
        free(parse_err);
        return error;
    }

    key = object_key(kind, ns, name);
    if (kind == CLUSTER_POD) {
        pod_take_overrides(c, parsed, key);
    }
    node = shash_find(&c->objects[kind], key);
    old = node ? node->data : NULL;
    if (old && class->equal(old, parsed)) {
        class->free(c->strings, parsed);
    } else {
        if (node) {
            node->data = parsed;
        } else {
            shash_add(&c->objects[kind], key, parsed);
        }
        indexes_replace(c, kind, old, parsed);
        class->free(c->strings, old);
        record_change(c, kind, ns, name, false);
    }
    free(key);
    return 0;
}

int
cluster_delete(struct cluster *c, enum cluster_kind kind, const char *ns,
               const char *name)
{
    struct shash_node *node;
    char *key;

    if (kind >= CLUSTER_N_KINDS || !name) {
        return -EINVAL;
    }
    if (kind_classes[kind].namespaced && (!ns || !ns[0])) {
        ns = "default";
    }
    key = object_key(kind, ns, name);
    node = shash_find(&c->objects[kind], key);
    for (size_t i = 0; node && kind == CLUSTER_POD
                       && i < ARRAY_SIZE(c->pod_ips); i++) {
        free(shash_find_and_delete(&c->pod_ips[i], key));
    }
    free(key);
    if (!node) {
        return -ENOENT;
    }
    indexes_replace(c, kind, node->data, NULL);
    kind_classes[kind].free(c->strings, node->data);
    shash_delete(&c->objects[kind], node);
    record_change(c, kind, ns, name, true);
    return 0;
}

size_t
cluster_count(const struct cluster *c, enum cluster_kind kind)
{
    return kind < CLUSTER_N_KINDS ? shash_count(&c->objects[kind]) : 0;
}

const struct cluster_namespace *
cluster_find_namespace(const struct cluster *c, const char *name)
{
    return shash_find_data(&c->objects[CLUSTER_NAMESPACE], name);
}

const struct cluster_pod *
cluster_find_pod(const struct cluster *c, const char *ns, const char *name)
{
    char *key = object_key(CLUSTER_POD, ns && ns[0] ? ns : "default", name);
    const struct cluster_pod *pod = shash_find_data(&c->objects[CLUSTER_POD],
                                                    key);
    free(key);
    return pod;
}

const struct cluster_node *
cluster_find_node(const struct cluster *c, const char *name)
{
    return shash_find_data(&c->objects[CLUSTER_NODE], name);
}

const struct netpol *
cluster_find_netpol(const struct cluster *c, const char *ns,
                    const char *name)
{
    char *key = object_key(CLUSTER_NETWORK_POLICY,
                           ns && ns[0] ? ns : "default", name);
    const struct netpol *np = shash_find_data(
        &c->objects[CLUSTER_NETWORK_POLICY], key);
    free(key);
    return np;
}

const struct cnp *
cluster_find_cnp(const struct cluster *c, const char *name)
{
    return shash_find_data(&c->objects[CLUSTER_CLUSTER_NETWORK_POLICY], name);
}

const struct service *
cluster_find_service(const struct cluster *c, const char *ns,
                     const char *name)
{
    char *key = object_key(CLUSTER_SERVICE, ns && ns[0] ? ns : "default",
                           name);
    const struct service *svc = shash_find_data(&c->objects[CLUSTER_SERVICE],
                                                key);
    free(key);
    return svc;
}

const struct epslice *
cluster_find_epslice(const struct cluster *c, const char *ns,
                     const char *name)
{
    char *key = object_key(CLUSTER_ENDPOINT_SLICE,
                           ns && ns[0] ? ns : "default", name);
    const struct epslice *slice = shash_find_data(
        &c->objects[CLUSTER_ENDPOINT_SLICE], key);
    free(key);
    return slice;
}

const struct epslice *const *
cluster_service_slices(const struct cluster *c, const char *ns,
                       const char *svc, size_t *n)
{
    char *key = svc_slices_key(ns && ns[0] ? ns : "default", svc);
    const void *const *slices = objlist_find(&c->svc_slices, key, n);

    free(key);
    return (const struct epslice *const *) slices;
}

const struct cluster_pod *const *
cluster_namespace_pods(const struct cluster *c, const char *ns, size_t *n)
{
    return (const struct cluster_pod *const *) objlist_find(&c->ns_pods, ns,
                                                            n);
}

const struct cluster_namespace *const *
cluster_labelled_namespaces(const struct cluster *c, const char *key,
                            const char *value, size_t *n)
{
    char *index_key = label_index_key(key, value);
    const void *const *nss = objlist_find(&c->ns_by_label, index_key, n);

    free(index_key);
    return (const struct cluster_namespace *const *) nss;
}

const char **
cluster_pod_namespaces(const struct cluster *c, size_t *n)
{
    const char **names = xmalloc((shash_count(&c->ns_pods) + 1)
                                 * sizeof *names);
    const struct shash_node *node;
    size_t i = 0;

    SHASH_FOR_EACH (node, &c->ns_pods) {
        names[i++] = node->name;
    }
    *n = i;
    return names;
}

const struct cluster_pod *const *
cluster_net_pods(const struct cluster *c, uint16_t net, size_t *n)
{
    const struct net_pods *np = net_pods_find(&c->pods_by_net, net);

    *n = np ? np->pods.n : 0;
    return np ? (const struct cluster_pod *const *) np->pods.objs : NULL;
}

const struct cluster_pod *
cluster_pod_by_addr(const struct cluster *c, struct in_addr addr)
{
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_net_pods(c, ntohl(addr.s_addr) >> 16, &n);

    for (size_t i = 0; i < n; i++) {
        if (pods[i]->has_addr && pods[i]->addr.s_addr == addr.s_addr) {
            return pods[i];
        }
    }
    return NULL;
}

uint16_t *
cluster_pod_nets(const struct cluster *c, size_t *n)
{
    uint16_t *nets = xmalloc((hmap_count(&c->pods_by_net) + 1)
                             * sizeof *nets);
    const struct net_pods *np;
    size_t i = 0;

    HMAP_FOR_EACH (np, node, &c->pods_by_net) {
        nets[i++] = np->net;
    }
    *n = i;
    return nets;
}

const struct cluster_pod **
cluster_pods(const struct cluster *c, size_t *n)
{
    const struct cluster_pod **pods = xmalloc(
        (shash_count(&c->objects[CLUSTER_POD]) + 1) * sizeof *pods);
    const struct shash_node *node;
    size_t i = 0;

    /* The namespace index, not 'objects': its arrays are dense. */
    SHASH_FOR_EACH (node, &c->ns_pods) {
        const struct objlist *list = node->data;

        memcpy(&pods[i], list->objs, list->n * sizeof *pods);
        i += list->n;
    }
    *n = i;
    return pods;
}

const void **
cluster_list(const struct cluster *c, enum cluster_kind kind, size_t *np)
{
    const struct shash_node **nodes;
    const void **objs;
    size_t n;

    if (kind >= CLUSTER_N_KINDS) {
        *np = 0;
        return xmalloc(sizeof *objs);
    }
    n = shash_count(&c->objects[kind]);
    nodes = shash_sort(&c->objects[kind]);
    objs = xmalloc((n + 1) * sizeof *objs);
    for (size_t i = 0; i < n; i++) {
        objs[i] = nodes[i]->data;
    }
    free(nodes);
    *np = n;
    return objs;
}

int
cluster_set_pod_ip_family(struct cluster *c, const char *ns,
                          const char *name, int family, const char *ip)
{
    struct shash *overrides;
    struct cluster_pod *pod;
    struct shash_node *node;
    char *key;

    if ((family != AF_INET && family != AF_INET6)
        || (ip && !is_family(ip, family))) {
        return -EINVAL;
    }
    overrides = &c->pod_ips[ip_family_index(family)];
    ns = ns && ns[0] ? ns : "default";
    key = object_key(CLUSTER_POD, ns, name);
    free(shash_find_and_delete(overrides, key));
    if (ip) {
        shash_add(overrides, key, xstrdup(ip));
    }
    node = shash_find(&c->objects[CLUSTER_POD], key);
    free(key);
    if (!node) {
        return 0;
    }

    pod = node->data;
    ip = ip ? ip : pod_status_ip_of(pod, family);
    if (!nullable_string_is_equal(pod_ip_of(pod, family), ip)) {
        pods_by_net_update(c, pod, false);
        pod_set_ip(pod, family, ip);
        pods_by_net_update(c, pod, true);
        record_change(c, CLUSTER_POD, ns, name, false);
    }
    return 0;
}

int
cluster_set_pod_ip(struct cluster *c, const char *ns, const char *name,
                   const char *ip)
{
    return cluster_set_pod_ip_family(c, ns, name, AF_INET, ip);
}

void
cluster_take_changes(struct cluster *c, struct cluster_change **changesp,
                     size_t *np)
{
    *changesp = c->changes;
    *np = c->n_changes;
    c->changes = NULL;
    c->n_changes = c->allocated_changes = 0;
}

void
cluster_changes_free(struct cluster_change *changes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(changes[i].namespace);
        free(changes[i].name);
    }
    free(changes);
}

uint64_t
cluster_seqno(const struct cluster *c)
{
    return c->seqno;
}

static void
format_labels(struct ds *s, const struct cluster_labels *labels)
{
    for (size_t i = 0; i < labels->n; i++) {
        ds_put_format(s, "%s%s=%s", i ? "," : " ", labels->keys[i],
                      labels->values[i]);
    }
}

void
cluster_format(const struct cluster *c, struct ds *s)
{
    for (enum cluster_kind kind = 0; kind < CLUSTER_N_KINDS; kind++) {
        const struct shash_node **nodes = shash_sort(&c->objects[kind]);

        for (size_t i = 0; i < shash_count(&c->objects[kind]); i++) {
            ds_put_format(s, "%s %s", kind_classes[kind].name,
                          nodes[i]->name);
            if (kind == CLUSTER_POD) {
                const struct cluster_pod *pod = nodes[i]->data;
                ds_put_format(s, " %s", pod->ip ? pod->ip : "-");
                if (pod->ip6) {
                    ds_put_format(s, ",%s", pod->ip6);
                }
                format_labels(s, &pod->labels);
            } else if (kind == CLUSTER_NAMESPACE) {
                const struct cluster_namespace *ns = nodes[i]->data;
                format_labels(s, &ns->labels);
            }
            ds_put_char(s, '\n');
        }
        free(nodes);
    }
}
