/*
 * kubesource: the state source that reads the Kubernetes API server: one
 * kubewatch (list then watch) per kind the model keeps, Nodes,
 * Namespaces, Pods, NetworkPolicies, Services and EndpointSlices, all on
 * one kubehttp multi handle in the agent's poll loop.  ClusterNetworkPolicy
 * is a CRD: its API group is looked up (GET /apis/policy.networking.k8s.io)
 * and watched in the first version the model reads (v1beta1, v1alpha2)
 * once the server serves it, whether the CRD was there at start or comes
 * later.
 */
#ifndef KUBESOURCE_H
#define KUBESOURCE_H 1

#include <stdbool.h>

struct cluster;
struct source;

struct kubesource_options {
    const char *kubeconfig;     /* NULL: in-cluster (service account) */
    const char *context;        /* NULL: the kubeconfig's current one */
    bool allow_insecure;        /* insecure-skip-tls-verify, http:// */
};

/* 0 and '*src' set, or -errno with '*err' (the configuration is bad). */
int kubesource_open(const struct kubesource_options *, struct cluster *,
                    struct source *src, char **err);

#endif /* kubesource.h */
