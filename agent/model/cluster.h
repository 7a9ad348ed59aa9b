/*
 * cluster: the agent's model of the Kubernetes objects it cares about
 * (Namespaces, Pods, Nodes, NetworkPolicies, ClusterNetworkPolicies,
 * Services, EndpointSlices), fed by a state source
 * (manifests folder now, the Kubernetes API later) through
 * cluster_apply()/cluster_delete().
 *
 * Objects are keyed by kind + namespace + name.  Each change bumps the
 * model's sequence number and is recorded in a change list the agent drains
 * (cluster_take_changes), so consumers recompute only what changed.
 */
#ifndef CLUSTER_H
#define CLUSTER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <netinet/in.h>

enum cluster_kind {
    CLUSTER_NAMESPACE,
    CLUSTER_POD,
    CLUSTER_NODE,
    CLUSTER_NETWORK_POLICY,         /* networking.k8s.io/v1 */
    CLUSTER_CLUSTER_NETWORK_POLICY, /* policy.networking.k8s.io/v1beta1,
                                     * v1alpha2 (cnp.h) */
    CLUSTER_SERVICE,                /* v1 (service.h) */
    CLUSTER_ENDPOINT_SLICE,         /* discovery.k8s.io/v1 (epslice.h) */
    CLUSTER_N_KINDS
};

struct cluster;
struct cnp;
struct epslice;
struct netpol;
struct service;

/* Sorted by key.  In the model's objects, the strings are the model's
 * (interned: equal strings of one model are the same pointer). */
struct cluster_labels {
    const char **keys;
    const char **values;
    size_t n;
};

struct cluster_namespace {
    char *name;
    struct cluster_labels labels;
};

/* One entry of spec.containers[].ports[]. */
struct cluster_container_port {
    const char *name;               /* may be NULL */
    uint16_t port;                  /* containerPort */
    uint8_t proto;                  /* IPPROTO_TCP (default), _UDP, _SCTP */
};

struct cluster_pod {
    const char *namespace;
    char *name;
    char *key;                      /* "NAMESPACE/NAME" */
    char *uid;
    const char *node_name;          /* spec.nodeName, may be NULL */
    struct cluster_labels labels;
    struct cluster_labels annotations;  /* only those the agent reads:
                                         * seine.io/interface-type*,
                                         * k8s.v1.cni.cncf.io/networks */
    char *ip;                       /* IPv4: cluster_set_pod_ip()'s, else
                                     * 'status_ip'; may be NULL */
    char *status_ip;                /* IPv4 of status.podIP(s), or NULL */
    struct in_addr addr;            /* 'ip', parsed, if 'has_addr' */
    bool has_addr;
    char *ip6;                      /* IPv6, the same way: the agent's, else
                                     * 'status_ip6'; may be NULL */
    char *status_ip6;               /* IPv6 of status.podIP(s), or NULL */
    struct in6_addr addr6;          /* 'ip6', parsed, if 'has_addr6' */
    bool has_addr6;
    bool host_network;              /* spec.hostNetwork */
    struct cluster_container_port *ports;   /* every container's, in order */
    size_t n_ports;
};

struct cluster_node {
    char *name;
    char *pod_cidr;                 /* IPv4 of spec.podCIDR(s), or NULL */
    char *pod_cidr6;                /* IPv6 of spec.podCIDR(s), or NULL */
    char *internal_ip;              /* status.addresses[InternalIP] */
    struct cluster_labels labels;
};

struct cluster_change {
    enum cluster_kind kind;
    char *namespace;                /* NULL for cluster-scoped kinds */
    char *name;
    bool deleted;
};

struct cluster *cluster_create(void);
void cluster_destroy(struct cluster *);

/* Applies one Kubernetes object (json-c, as in a manifest or API
 * response): adds it, or replaces the object of the same kind, namespace and
 * name.  A change is recorded only if a field the model keeps differs.
 * Kinds other than the ones above are ignored (returns 0).  -EINVAL with
 * '*err' when a known kind lacks metadata.name or has malformed labels or
 * annotations (values must be scalars), a Pod has a malformed container
 * port, or a NetworkPolicy, ClusterNetworkPolicy, Service or EndpointSlice
 * fails validation (netpol_parse, cnp_parse, service_parse,
 * epslice_parse). */
int cluster_apply(struct cluster *, struct json_object *obj, char **err);
/* Removes one object; a NULL or empty 'ns' of a namespaced kind means
 * "default".
 * -ENOENT (and no change recorded) when the model does not hold it. */
int cluster_delete(struct cluster *, enum cluster_kind, const char *ns,
                   const char *name);
/* Which object 'obj' is, without applying it: a source uses this to
 * remember what it applied.  '*nsp' is NULL for cluster-scoped kinds and
 * "default" for a Pod without metadata.namespace; the strings point into
 * 'obj'.  -ENOENT for a kind the model ignores (anything but apiVersion v1
 * Namespace, Pod, Node and Service, networking.k8s.io/v1 NetworkPolicy,
 * policy.networking.k8s.io/v1beta1 or v1alpha2 ClusterNetworkPolicy and
 * discovery.k8s.io/v1 EndpointSlice; a missing apiVersion is taken as the
 * kind's), -EINVAL with '*err' without metadata.name. */
int cluster_identify(struct json_object *obj, enum cluster_kind *kindp,
                     const char **nsp, const char **namep, char **err);
/* "Namespace", "Pod", "Node", "NetworkPolicy", "ClusterNetworkPolicy",
 * "Service", "EndpointSlice". */
const char *cluster_kind_name(enum cluster_kind);
/* Objects of 'kind' present in the model, for sources that re-list. */
size_t cluster_count(const struct cluster *, enum cluster_kind);

const struct cluster_namespace *cluster_find_namespace(const struct cluster *,
                                                       const char *name);
const struct cluster_pod *cluster_find_pod(const struct cluster *,
                                           const char *ns, const char *name);
const struct cluster_node *cluster_find_node(const struct cluster *,
                                             const char *name);
/* A NetworkPolicy, parsed and validated (netpol.h). */
const struct netpol *cluster_find_netpol(const struct cluster *,
                                         const char *ns, const char *name);

/* A ClusterNetworkPolicy, parsed and validated (cnp.h). */
const struct cnp *cluster_find_cnp(const struct cluster *, const char *name);

/* A Service or an EndpointSlice, parsed and validated (service.h,
 * epslice.h); a NULL or empty 'ns' means "default". */
const struct service *cluster_find_service(const struct cluster *,
                                           const char *ns, const char *name);
const struct epslice *cluster_find_epslice(const struct cluster *,
                                           const char *ns, const char *name);
/* The EndpointSlices labelled kubernetes.io/service-name=SVC in namespace
 * 'ns' (NULL or empty: "default"), in no order ('*n' is 0 and the result
 * NULL when there are none), whether or not the Service exists.  The array
 * is the model's: valid until the next change of an EndpointSlice. */
const struct epslice *const *cluster_service_slices(const struct cluster *,
                                                    const char *ns,
                                                    const char *svc,
                                                    size_t *n);

/* Every object of 'kind' (struct cluster_namespace, cluster_pod,
 * cluster_node, netpol, cnp, service or epslice), sorted by namespace and
 * name, in an array the caller frees (the objects stay the model's). */
const void **cluster_list(const struct cluster *, enum cluster_kind,
                          size_t *n);

/* The pods of namespace 'ns', in no particular order ('*n' is 0 and the
 * result NULL when it has none).  The array is the model's: valid until
 * the next change of a pod. */
const struct cluster_pod *const *cluster_namespace_pods(
    const struct cluster *, const char *ns, size_t *n);
/* Every pod, in no particular order, in an array the caller frees (the
 * pods stay the model's). */
const struct cluster_pod **cluster_pods(const struct cluster *, size_t *n);
/* The pods whose address ('addr', with 'has_addr') lies in the /16 'net'
 * (the address's top 16 bits, host byte order), in no order ('*n' is 0 and
 * the result NULL when there are none).  The array is the model's: valid
 * until the next change of a pod or of a pod's IP. */
const struct cluster_pod *const *cluster_net_pods(const struct cluster *,
                                                  uint16_t net, size_t *n);
/* A pod whose address is 'addr', or NULL (several: any one of them). */
const struct cluster_pod *cluster_pod_by_addr(const struct cluster *,
                                              struct in_addr addr);
/* The /16s that hold pods with an address, in no order, in an array the
 * caller frees. */
uint16_t *cluster_pod_nets(const struct cluster *, size_t *n);
/* The Namespace objects labelled 'key'='value', in no order ('*n' is 0 and
 * the result NULL when there are none).  The array is the model's: valid
 * until the next change of a Namespace. */
const struct cluster_namespace *const *cluster_labelled_namespaces(
    const struct cluster *, const char *key, const char *value, size_t *n);
/* The names of the namespaces that hold at least one pod (with or without
 * a Namespace object), in no particular order, in an array the caller
 * frees (the strings stay the model's, valid until the next change of a
 * pod). */
const char **cluster_pod_namespaces(const struct cluster *, size_t *n);

/* Sets the IP of family 'family' (AF_INET or AF_INET6) of pod 'ns'/'name'
 * as the agent knows it (it attached the pod), overriding that family's
 * entry of status.podIP(s); NULL goes back to it.  The override may come
 * before the Pod object and survives re-applies of it; it goes with the Pod
 * object's deletion.  Records a change of the pod if its IP changes.  0, or
 * -EINVAL for another family or an 'ip' that is not an address of
 * 'family'. */
int cluster_set_pod_ip_family(struct cluster *, const char *ns,
                              const char *name, int family, const char *ip);
/* The same for the pod's IPv4 address. */
int cluster_set_pod_ip(struct cluster *, const char *ns, const char *name,
                       const char *ip);
/* Every object, one a line, by kind then key: "KIND [NS/]NAME", and for
 * a Pod its IP ("-" if none; ",IPV6" after it when it has one) and labels,
 * for a Namespace its labels (" k=v,k2=v2").  For the control socket and
 * tests. */
struct ds;
void cluster_format(const struct cluster *, struct ds *);

/* Value of 'key' in 'labels', or NULL. */
const char *cluster_labels_get(const struct cluster_labels *, const char *key);

/* Moves the pending changes to the caller (free with
 * cluster_changes_free). */
void cluster_take_changes(struct cluster *, struct cluster_change **,
                          size_t *n);
void cluster_changes_free(struct cluster_change *, size_t n);
uint64_t cluster_seqno(const struct cluster *);

#endif /* cluster.h */
