/* What the API server sends a kind's list and watch (kubewatch): the
 * input's first byte picks the kind and the size of the pieces the body
 * arrives in, the rest is a list page, a NUL, then the watch stream (one
 * event after another).  The page answers every list and the stream every
 * watch, for a few rounds: a list, its continue pages, the watch, the
 * watch again or a relist after a 410, which reconciles the model. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "agent/model/cluster.h"
#include "agent/sources/kubehttp.h"
#include "agent/sources/kubewatch.h"
#include "fuzzglue.h"
#include "fuzzmodel.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define FUZZ_ROUNDS 4

/* The kinds seine-agent watches (kubesource). */
static const struct kubewatch_resource resources[] = {
    { CLUSTER_NODE, "v1", "Node", "/api/v1/nodes" },
    { CLUSTER_NAMESPACE, "v1", "Namespace", "/api/v1/namespaces" },
    { CLUSTER_POD, "v1", "Pod", "/api/v1/pods" },
    { CLUSTER_NETWORK_POLICY, "networking.k8s.io/v1", "NetworkPolicy",
      "/apis/networking.k8s.io/v1/networkpolicies" },
    { CLUSTER_SERVICE, "v1", "Service", "/api/v1/services" },
    { CLUSTER_ENDPOINT_SLICE, "discovery.k8s.io/v1", "EndpointSlice",
      "/apis/discovery.k8s.io/v1/endpointslices" },
    { CLUSTER_CLUSTER_NETWORK_POLICY, "policy.networking.k8s.io/v1beta1",
      "ClusterNetworkPolicy",
      "/apis/policy.networking.k8s.io/v1beta1/clusternetworkpolicies" },
};

/* A stand-in for kubehttp, which is not linked: kubewatch has at most one
 * request outstanding, and the target answers it. */
struct kubehttp {
    struct kubehttp_request *current;
};

struct kubehttp_request {
    bool watch;
    const struct kubehttp_callbacks *cbs;
    void *aux;
};

struct kubehttp_request *
kubehttp_get(struct kubehttp *http, const char *path,
             int timeout_ms OVS_UNUSED, const struct kubehttp_callbacks *cbs,
             void *aux)
{
    struct kubehttp_request *req = xzalloc(sizeof *req);

    req->watch = strstr(path, "watch=1") != NULL;
    req->cbs = cbs;
    req->aux = aux;
    http->current = req;
    return req;
}

void
kubehttp_cancel(struct kubehttp *http, struct kubehttp_request *req)
{
    fuzzglue_check(req == http->current, "a request cancelled twice");
    http->current = NULL;
    free(req);
}

int
kubehttp_refresh_token(struct kubehttp *http OVS_UNUSED,
                       char **err OVS_UNUSED)
{
    return 0;
}

/* Sends 'body' in pieces of 'piece' bytes, then ends the request. */
static void
answer(struct kubehttp *http, const char *body, size_t len, size_t piece)
{
    struct kubehttp_request *req = http->current;

    for (size_t i = 0; i < len; i += piece) {
        req->cbs->body(req->aux, 200, body + i, MIN(piece, len - i));
    }
    http->current = NULL;
    req->cbs->done(req->aux, 200, 0, NULL);
    free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kubehttp http = { NULL };
    const uint8_t *stream;
    size_t stream_size;
    char *page;

    if (!size) {
        return 0;
    }

    const struct kubewatch_resource *res
        = &resources[data[0] % ARRAY_SIZE(resources)];
    size_t piece = 1 + data[0] / ARRAY_SIZE(resources);

    fuzzglue_split(data + 1, size - 1, &page, &stream, &stream_size);

    struct cluster *cluster = cluster_create();
    struct kubewatch *kw = kubewatch_create(res, &http, cluster);
    for (int i = 0; i < FUZZ_ROUNDS && http.current; i++) {
        if (http.current->watch) {
            answer(&http, (const char *) stream, stream_size, piece);
        } else {
            answer(&http, page, strlen(page), piece);
        }
    }

    struct ds status = DS_EMPTY_INITIALIZER;
    kubewatch_format(kw, &status);
    ds_destroy(&status);
    kubewatch_destroy(kw);
    fuzzmodel_finish(cluster, NULL);
    free(page);
    return 0;
}
