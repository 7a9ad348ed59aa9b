/*
 * service_scale: what N Services with E endpoints each cost the agent and
 * the switch.
 *
 *   service_scale --services N [--endpoints E] [--target unix:BR.mgmt]
 *                 [--json FILE]
 *
 * Builds a cluster model with N ClusterIP Services (10.96.0.0/12, one TCP
 * port 80 -> 8080) and one EndpointSlice each with E ready endpoints
 * (10.128.0.0/9, spread over 100 nodes), through cluster_apply() as
 * Kubernetes JSON, then times:
 *
 *   compile   svclb_sync_all() into an empty flow table: every load
 *             balancer into its group and flows;
 *   install   flowtab_commit() of that table through an open ofconn (one
 *             bundle), when --target is given;
 *   change    one EndpointSlice losing an endpoint: cluster_apply(),
 *             svclb_handle_changes() and, with --target, the commit.
 *
 * It reports the flows and groups, and peak RSS (getrusage) after the
 * model is built and after compile and install, as one JSON object.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <json-c/json.h>

#include "agent/model/cluster.h"
#include "agent/services/svclb.h"
#include "bench/benchclock.h"
#include "bench/benchopt.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

#define CONNECT_TIMEOUT_MS 10000

struct scale_config {
    size_t n_services;
    size_t n_endpoints;
    const char *target;
    const char *json;
};

static void
apply_text(struct cluster *c, char *text)
{
    struct json_object *obj = json_tokener_parse(text);
    char *err = NULL;

    if (!obj || cluster_apply(c, obj, &err)) {
        ovs_fatal(0, "cannot apply %s: %s", text, err ? err : "bad JSON");
    }
    json_object_put(obj);
    free(text);
}

/* Service 'i' and its slice, with endpoints 'first'..E-1. */
static void
apply_service(struct cluster *c, size_t i, size_t n_endpoints, size_t first)
{
    struct ds eps = DS_EMPTY_INITIALIZER;

    apply_text(c, xasprintf(
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
        "{\"name\":\"svc-%zu\",\"namespace\":\"bench\"},\"spec\":"
        "{\"clusterIP\":\"10.%zu.%zu.%zu\",\"selector\":{\"app\":\"a\"},"
        "\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80,"
        "\"targetPort\":8080}]}}",
        i, 96 + i / 65536, i / 256 % 256, i % 256));
    for (size_t e = first; e < n_endpoints; e++) {
        size_t n = i * n_endpoints + e;
        ds_put_format(&eps, "%s{\"addresses\":[\"10.%zu.%zu.%zu\"],"
                      "\"nodeName\":\"node-%zu\","
                      "\"conditions\":{\"ready\":true}}",
                      e > first ? "," : "", 128 + n / 65536 % 128,
                      n / 256 % 256, n % 256, n % 100);
    }
    apply_text(c, xasprintf(
        "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\","
        "\"metadata\":{\"name\":\"svc-%zu-1\",\"namespace\":\"bench\","
        "\"labels\":{\"kubernetes.io/service-name\":\"svc-%zu\"}},"
        "\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"http\","
        "\"protocol\":\"TCP\",\"port\":8080}],\"endpoints\":[%s]}",
        i, i, ds_cstr(&eps)));
    ds_destroy(&eps);
}

static double
commit(struct flowtab *ft, struct ofconn *conn)
{
    double t0 = benchclock_now();
    int error = flowtab_commit(ft, conn);

    if (error) {
        ovs_fatal(0, "commit failed: %s", ovs_strerror(-error));
    }
    return benchclock_now() - t0;
}

static void
parse_options(int argc, char *argv[], struct scale_config *cfg)
{
    static const struct benchopt opts[] = {
        BENCHOPT("services", BENCHOPT_SIZE, struct scale_config, n_services),
        BENCHOPT("endpoints", BENCHOPT_SIZE, struct scale_config,
                 n_endpoints),
        BENCHOPT("target", BENCHOPT_STRING, struct scale_config, target),
        BENCHOPT("json", BENCHOPT_STRING, struct scale_config, json),
    };

    *cfg = (struct scale_config) { .n_services = 1000, .n_endpoints = 10 };
    if (benchopt_parse(argc, argv, opts, ARRAY_SIZE(opts), cfg,
                       "usage: service_scale --services N [--endpoints E] "
                       "[--target unix:BR.mgmt] [--json FILE]")) {
        exit(EXIT_FAILURE);
    }
    if (!cfg->n_services || cfg->n_services > 60000 || !cfg->n_endpoints
        || cfg->n_services * cfg->n_endpoints > 8000000) {
        ovs_fatal(0, "--services 1..60000, --endpoints 1.., at most 8M "
                  "endpoints in all");
    }
}

int
main(int argc, char *argv[])
{
    struct scale_config cfg;
    struct cluster *c = cluster_create();
    struct svclb *lb = svclb_create("node-0");
    struct flowtab *ft = flowtab_create(1);
    struct json_object *out = json_object_new_object();
    struct cluster_change *changes;
    struct ofconn *conn = NULL;
    size_t n_changes;
    double t0, compile, change;
    long model_kb;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    parse_options(argc, argv, &cfg);
    if (cfg.target && ofconn_open(cfg.target, CONNECT_TIMEOUT_MS, &conn)) {
        ovs_fatal(0, "%s: cannot connect", cfg.target);
    }

    for (size_t i = 0; i < cfg.n_services; i++) {
        apply_service(c, i, cfg.n_endpoints, 0);
    }
    cluster_take_changes(c, &changes, &n_changes);
    cluster_changes_free(changes, n_changes);
    model_kb = benchclock_peak_rss_kb();

    t0 = benchclock_now();
    svclb_sync_all(lb, c, ft);
    compile = benchclock_now() - t0;
    json_object_object_add(out, "services", json_object_new_int64(cfg.n_services));
    json_object_object_add(out, "endpoints_per_service",
                           json_object_new_int64(cfg.n_endpoints));
    json_object_object_add(out, "flows", json_object_new_int64(flowtab_count(ft)));
    json_object_object_add(out, "groups",
                           json_object_new_int64(flowtab_count_groups(ft)));
    json_object_object_add(out, "compile_s", json_object_new_double(compile));
    if (conn) {
        json_object_object_add(out, "install_s",
                               json_object_new_double(commit(ft, conn)));
    }
    json_object_object_add(out, "rss_model_kb", json_object_new_int64(model_kb));
    json_object_object_add(out, "rss_peak_kb",
                           json_object_new_int64(benchclock_peak_rss_kb()));

    t0 = benchclock_now();
    apply_service(c, cfg.n_services / 2, cfg.n_endpoints, 1);
    cluster_take_changes(c, &changes, &n_changes);
    svclb_handle_changes(lb, c, changes, n_changes, ft);
    cluster_changes_free(changes, n_changes);
    change = benchclock_now() - t0;
    json_object_object_add(out, "endpoint_change_compute_s",
                           json_object_new_double(change));
    if (conn) {
        double installed = commit(ft, conn);
        json_object_object_add(out, "endpoint_change_commit_s",
                               json_object_new_double(installed));
        change += installed;
    }
    json_object_object_add(out, "endpoint_change_s",
                           json_object_new_double(change));

    if (cfg.json) {
        json_object_to_file_ext(cfg.json, out, JSON_C_TO_STRING_PRETTY);
    }
    puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY));
    json_object_put(out);
    ofconn_close(conn);
    flowtab_destroy(ft);
    svclb_destroy(lb);
    cluster_destroy(c);
    return 0;
}
