#include <config.h>
#include "agent/sources/kubesource.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "agent/lib/promtext.h"
#include "agent/sources/kubeconfig.h"
#include "agent/sources/kubehttp.h"
#include "agent/sources/kubewatch.h"
#include "agent/sources/source.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(kubesource);

/* While the ClusterNetworkPolicy group is absent it is looked for again
 * after 5 s, then twice as long each time up to 5 minutes: a CRD installed
 * soon after the agent is seen soon, and thousands of agents of a cluster
 * without it cost the API server little. */
#define KUBESOURCE_DISCOVERY_MIN_MS 5000
#define KUBESOURCE_DISCOVERY_MAX_MS (5 * 60 * 1000)
#define KUBESOURCE_DISCOVERY_TIMEOUT_MS 10000
#define KUBESOURCE_FETCH_TIMEOUT_MS 5000
#define KUBESOURCE_PUBLISH_TIMEOUT_MS 10000
#define KUBESOURCE_INFO_PATH "/apis/crd.seine.io/v1alpha1/seineagentinfos"
/* Server-side apply: creates the object or takes over the fields this
 * agent writes. */
#define KUBESOURCE_APPLY_QUERY "?fieldManager=seine-agent&force=true"
#define KUBESOURCE_APPLY_TYPE "application/apply-patch+yaml"

enum { KUBESOURCE_POD = 2 };    /* its row below */

static const struct kubewatch_resource kubesource_resources[] = {
    { CLUSTER_NODE, "v1", "Node", "/api/v1/nodes" },
    { CLUSTER_NAMESPACE, "v1", "Namespace", "/api/v1/namespaces" },
    [KUBESOURCE_POD] = { CLUSTER_POD, "v1", "Pod", "/api/v1/pods" },
    { CLUSTER_NETWORK_POLICY, "networking.k8s.io/v1", "NetworkPolicy",
      "/apis/networking.k8s.io/v1/networkpolicies" },
    { CLUSTER_SERVICE, "v1", "Service", "/api/v1/services" },
    { CLUSTER_ENDPOINT_SLICE, "discovery.k8s.io/v1", "EndpointSlice",
      "/apis/discovery.k8s.io/v1/endpointslices" },
};

#define CNP_GROUP "policy.networking.k8s.io"

/* In the order preferred. */
static const struct kubewatch_resource kubesource_cnp_resources[] = {
    { CLUSTER_CLUSTER_NETWORK_POLICY, CNP_GROUP "/v1beta1",
      "ClusterNetworkPolicy",
      "/apis/" CNP_GROUP "/v1beta1/clusternetworkpolicies" },
    { CLUSTER_CLUSTER_NETWORK_POLICY, CNP_GROUP "/v1alpha2",
      "ClusterNetworkPolicy",
      "/apis/" CNP_GROUP "/v1alpha2/clusternetworkpolicies" },
};

struct kubesource {
    struct kubeconfig conf;
    struct kubehttp *http;
    struct cluster *cluster;
    struct kubewatch *watches[ARRAY_SIZE(kubesource_resources)];
    struct kubewatch *cnp;              /* once the group is served */
    struct kubehttp_request *discovery; /* in flight, or NULL */
    struct ds discovery_body;
    long long int next_discovery;
    int discovery_interval_ms;
    struct shash fetches;               /* "ns/name" -> struct fetch */
    struct kubehttp_request *publishing;    /* in flight, or NULL */
};

/* One Pod read by a GET for a CNI ADD. */
struct fetch {
    struct kubesource *ks;
    char *key;
    struct kubehttp_request *req;       /* NULL once answered */
    struct ds body;
};

static void fetch_free(struct kubesource *, struct fetch *);

/* The first version of the group's APIGroup document that the model
 * reads, or NULL. */
static const struct kubewatch_resource *
cnp_pick(const struct ds *body)
{
    struct json_object *group = json_tokener_parse(ds_cstr_ro(body));
    struct json_object *versions;
    const struct kubewatch_resource *res = NULL;

    if (group && json_object_object_get_ex(group, "versions", &versions)
        && json_object_is_type(versions, json_type_array)) {
        for (size_t i = 0; !res && i < ARRAY_SIZE(kubesource_cnp_resources);
             i++) {
            const struct kubewatch_resource *r = &kubesource_cnp_resources[i];
            for (size_t j = 0; j < json_object_array_length(versions); j++) {
                struct json_object *gv;
                if (json_object_object_get_ex(
                        json_object_array_get_idx(versions, j),
                        "groupVersion", &gv)
                    && !strcmp(json_object_get_string(gv), r->api_version)) {
                    res = r;
                }
            }
        }
    }
    json_object_put(group);
    return res;
}

static void
discovery_body(void *ks_, long status OVS_UNUSED, const char *data,
               size_t len)
{
    struct kubesource *ks = ks_;

    ds_put_buffer(&ks->discovery_body, data, len);
}

static void
discovery_done(void *ks_, long status, int error, const char *why)
{
    struct kubesource *ks = ks_;
    const struct kubewatch_resource *res = NULL;

    ks->discovery = NULL;
    ks->discovery_interval_ms = (ks->discovery_interval_ms
                                 ? MIN(ks->discovery_interval_ms * 2,
                                       KUBESOURCE_DISCOVERY_MAX_MS)
                                 : KUBESOURCE_DISCOVERY_MIN_MS);
    ks->next_discovery = time_msec() + ks->discovery_interval_ms;
    if (error) {
        VLOG_WARN("API group %s not looked up: %s", CNP_GROUP, why);
    } else if (status == 200 && !(res = cnp_pick(&ks->discovery_body))) {
        VLOG_WARN("API group %s serves no version this agent reads "
                  "(v1beta1, v1alpha2)", CNP_GROUP);
    } else if (status != 200 && status != 404) {
        VLOG_WARN("API group %s: HTTP %ld", CNP_GROUP, status);
    }
    if (res) {
        VLOG_INFO("watching %s", res->api_version);
        ks->cnp = kubewatch_create(res, ks->http, ks->cluster);
    }
}

static const struct kubehttp_callbacks discovery_cbs = {
    discovery_body, discovery_done,
};

static void
kubesource_run(void *ks_, struct cluster *cluster OVS_UNUSED)
{
    struct kubesource *ks = ks_;

    kubehttp_run(ks->http);
    for (size_t i = 0; i < ARRAY_SIZE(ks->watches); i++) {
        kubewatch_run(ks->watches[i]);
    }
    if (ks->cnp) {
        kubewatch_run(ks->cnp);
    } else if (!ks->discovery && time_msec() >= ks->next_discovery) {
        ds_clear(&ks->discovery_body);
        ks->discovery = kubehttp_get(ks->http, "/apis/" CNP_GROUP,
                                     KUBESOURCE_DISCOVERY_TIMEOUT_MS,
                                     &discovery_cbs, ks);
    }
}

static void
kubesource_wait(void *ks_)
{
    struct kubesource *ks = ks_;

    kubehttp_wait(ks->http);
    for (size_t i = 0; i < ARRAY_SIZE(ks->watches); i++) {
        kubewatch_wait(ks->watches[i]);
    }
    if (ks->cnp) {
        kubewatch_wait(ks->cnp);
    } else if (!ks->discovery) {
        poll_timer_wait_until(ks->next_discovery);
    }
}

static void
kubesource_format(void *ks_, struct ds *s)
{
    struct kubesource *ks = ks_;

    ds_put_format(s, "kubernetes: %s\n", ks->conf.server);
    for (size_t i = 0; i < ARRAY_SIZE(ks->watches); i++) {
        kubewatch_format(ks->watches[i], s);
    }
    if (ks->cnp) {
        kubewatch_format(ks->cnp, s);
    } else {
        ds_put_cstr(s, "ClusterNetworkPolicy: the API group is not served\n");
    }
}

static void
kubesource_destroy(void *ks_)
{
    struct kubesource *ks = ks_;

    for (size_t i = 0; i < ARRAY_SIZE(ks->watches); i++) {
        kubewatch_destroy(ks->watches[i]);
    }
    kubewatch_destroy(ks->cnp);
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &ks->fetches) {
        fetch_free(ks, node->data);
    }
    shash_destroy(&ks->fetches);
    if (ks->publishing) {
        kubehttp_cancel(ks->http, ks->publishing);
    }
    if (ks->discovery) {
        kubehttp_cancel(ks->http, ks->discovery);
    }
    kubehttp_destroy(ks->http);
    ds_destroy(&ks->discovery_body);
    kubeconfig_destroy(&ks->conf);
    free(ks);
}

static void
fetch_body(void *f_, long status OVS_UNUSED, const char *data, size_t len)
{
    struct fetch *f = f_;

    ds_put_buffer(&f->body, data, len);
}

static void
fetch_done(void *f_, long status, int error, const char *why)
{
    struct fetch *f = f_;
    struct json_object *pod = NULL;

    f->req = NULL;
    if (!error && status == 200
        && (pod = json_tokener_parse(ds_cstr(&f->body)))) {
        kubewatch_adopt(f->ks->watches[KUBESOURCE_POD], pod);
    } else if (error || status != 404) {
        VLOG_WARN("Pod %s: not read (%s)", f->key,
                  error ? why : "HTTP error");
    }
    json_object_put(pod);
}

static const struct kubehttp_callbacks fetch_cbs = { fetch_body, fetch_done };

static void
fetch_free(struct kubesource *ks, struct fetch *f)
{
    if (f->req) {
        kubehttp_cancel(ks->http, f->req);
    }
    ds_destroy(&f->body);
    free(f->key);
    free(f);
}

static int
kubesource_fetch_pod(void *ks_, const char *ns, const char *name)
{
    struct kubesource *ks = ks_;
    char *key = xasprintf("%s/%s", ns, name);
    struct fetch *f = shash_find_data(&ks->fetches, key);

    if (!f) {
        char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", ns, name);
        f = xzalloc(sizeof *f);
        f->ks = ks;
        f->key = key;
        ds_init(&f->body);
        f->req = kubehttp_get(ks->http, path, KUBESOURCE_FETCH_TIMEOUT_MS,
                              &fetch_cbs, f);
        shash_add(&ks->fetches, key, f);
        free(path);
        return -EINPROGRESS;
    }
    free(key);
    if (f->req) {
        return -EINPROGRESS;
    }
    shash_find_and_delete(&ks->fetches, f->key);
    fetch_free(ks, f);
    return 0;
}

static bool
kubesource_connected(const void *ks_)
{
    const struct kubesource *ks = ks_;

    for (size_t i = 0; i < ARRAY_SIZE(ks->watches); i++) {
        if (!kubewatch_healthy(ks->watches[i])) {
            return false;
        }
    }
    return true;
}

static void
publish_body(void *ks OVS_UNUSED, long status OVS_UNUSED,
             const char *data OVS_UNUSED, size_t len OVS_UNUSED)
{
}

static void
publish_done(void *ks_, long status, int error, const char *why)
{
    struct kubesource *ks = ks_;
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);

    ks->publishing = NULL;
    if (error) {
        VLOG_WARN_RL(&rl, "SeineAgentInfo not written: %s", why);
    } else if (status / 100 != 2) {
        VLOG_WARN_RL(&rl, "SeineAgentInfo not written: HTTP %ld", status);
    }
}

static const struct kubehttp_callbacks publish_cbs = {
    publish_body, publish_done,
};

/* One write in flight at a time: a newer one replaces it. */
static void
kubesource_publish(void *ks_, struct json_object *info)
{
    struct kubesource *ks = ks_;
    struct json_object *md, *name;

    if (!json_object_object_get_ex(info, "metadata", &md)
        || !json_object_object_get_ex(md, "name", &name)) {
        return;
    }
    if (ks->publishing) {
        kubehttp_cancel(ks->http, ks->publishing);
    }
    char *path = xasprintf(KUBESOURCE_INFO_PATH "/%s" KUBESOURCE_APPLY_QUERY,
                           json_object_get_string(name));
    ks->publishing = kubehttp_send(ks->http, "PATCH", path,
                                   KUBESOURCE_APPLY_TYPE,
                                   json_object_to_json_string(info),
                                   KUBESOURCE_PUBLISH_TIMEOUT_MS,
                                   &publish_cbs, ks);
    free(path);
}

/* Each watch's counters, one family per counter, a series per kind. */
static const struct watch_family {
    const char *name;
    const char *help;
    size_t offset;              /* in struct kubewatch_counters */
} watch_families[] = {
    { "seine_source_lists_total", "Whole lists applied, by kind.",
      offsetof(struct kubewatch_counters, lists) },
    { "seine_source_watches_total", "Watches started, by kind.",
      offsetof(struct kubewatch_counters, watches) },
    { "seine_source_bad_events_total",
      "Watch events that did not parse and were skipped, by kind.",
      offsetof(struct kubewatch_counters, bad_events) },
    { "seine_source_errors_total",
      "Failed lists and watches (each backed off), by kind.",
      offsetof(struct kubewatch_counters, errors) },
    { "seine_source_relist_deletions_total",
      "Objects a relist found deleted while the agent was away, by kind.",
      offsetof(struct kubewatch_counters, deleted_by_relist) },
};

static size_t
all_watches(const struct kubesource *ks, const struct kubewatch **kws)
{
    size_t n = 0;

    for (size_t i = 0; i < ARRAY_SIZE(ks->watches); i++) {
        kws[n++] = ks->watches[i];
    }
    if (ks->cnp) {
        kws[n++] = ks->cnp;
    }
    return n;
}

static void
kubesource_metrics(void *ks_, struct ds *s)
{
    const struct kubesource *ks = ks_;
    const struct kubewatch *kws[ARRAY_SIZE(ks->watches) + 1];
    size_t n = all_watches(ks, kws);

    for (size_t f = 0; f < ARRAY_SIZE(watch_families); f++) {
        const struct watch_family *wf = &watch_families[f];
        promtext_family(s, wf->name, PROMTEXT_COUNTER, wf->help);
        for (size_t i = 0; i < n; i++) {
            struct promtext_label l = { "kind", kubewatch_kind_name(kws[i]) };
            const unsigned long long *v = (const void *)
                ((const char *) kubewatch_counters(kws[i]) + wf->offset);
            promtext_sample_uint(s, wf->name, &l, 1, *v);
        }
    }
    promtext_family(s, "seine_source_watch_events_total", PROMTEXT_COUNTER,
                    "Watch events received, by kind and type.");
    for (size_t i = 0; i < n; i++) {
        const struct kubewatch_counters *c = kubewatch_counters(kws[i]);
        for (enum kubewatch_event e = 0; e < KUBEWATCH_N_EVENTS; e++) {
            struct promtext_label l[] = {
                { "kind", kubewatch_kind_name(kws[i]) },
                { "type", kubewatch_event_name(e) },
            };
            promtext_sample_uint(s, "seine_source_watch_events_total", l, 2,
                                 c->events[e]);
        }
    }
}

static const struct source_class kubesource_class = {
    .name = "kubernetes",
    .run = kubesource_run,
    .wait = kubesource_wait,
    .format = kubesource_format,
    .fetch_pod = kubesource_fetch_pod,
    .connected = kubesource_connected,
    .publish = kubesource_publish,
    .metrics = kubesource_metrics,
    .destroy = kubesource_destroy,
};

static int
load_config(const struct kubesource_options *opts, struct kubeconfig *conf,
            char **err)
{
    if (opts->kubeconfig) {
        struct kubeconfig_options kopts = {
            .context = opts->context,
            .allow_insecure = opts->allow_insecure,
        };
        return kubeconfig_load(opts->kubeconfig, &kopts, conf, err);
    }
    return kubeconfig_in_cluster(KUBECONFIG_SERVICEACCOUNT_DIR, NULL, NULL,
                                 conf, err);
}

int
kubesource_open(const struct kubesource_options *opts,
                struct cluster *cluster, struct source *src, char **err)
{
    struct kubesource *ks = xzalloc(sizeof *ks);
    int error = load_config(opts, &ks->conf, err);

    if (!error) {
        error = kubehttp_create(&ks->conf, &ks->http, err);
    }
    if (error) {
        kubeconfig_destroy(&ks->conf);
        free(ks);
        return error;
    }
    ks->cluster = cluster;
    ds_init(&ks->discovery_body);
    shash_init(&ks->fetches);
    for (size_t i = 0; i < ARRAY_SIZE(ks->watches); i++) {
        ks->watches[i] = kubewatch_create(&kubesource_resources[i], ks->http,
                                          cluster);
    }
    VLOG_INFO("reading the cluster from %s", ks->conf.server);
    src->class = &kubesource_class;
    src->impl = ks;
    return 0;
}
