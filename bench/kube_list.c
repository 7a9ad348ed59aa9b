/*
 * kube_list: how fast the agent lists Pods from an API server, and what
 * each Pod costs it in memory.  One kubewatch of Pods (the agent's own
 * code: libcurl on the poll loop, pages of 500, decode, the cluster model)
 * runs until the list is whole; the program then prints one JSON object:
 *
 *   {"pods": N, "seconds": S, "pods_per_s": R, "rss_before_kb": A,
 *    "rss_after_kb": B, "bytes_per_pod": (B - A) * 1024 / N}
 *
 *   kube_list KUBECONFIG
 *
 * The peak RSS counts the model and a page of JSON at a time; the
 * bench/kube-list script starts the test API server and compares with a
 * plain fetch of the same pages.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "agent/model/cluster.h"
#include "agent/sources/kubeconfig.h"
#include "agent/sources/kubehttp.h"
#include "agent/sources/kubewatch.h"
#include "bench/benchclock.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"

static const struct kubewatch_resource pods = {
    CLUSTER_POD, "v1", "Pod", "/api/v1/pods",
};

int
main(int argc, char *argv[])
{
    struct kubeconfig_options opts = { .context = NULL };
    struct kubeconfig conf;
    struct kubehttp *http;
    char *err = NULL;

    if (argc != 2) {
        fprintf(stderr, "usage: %s KUBECONFIG\n", argv[0]);
        return 2;
    }
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    if (kubeconfig_load(argv[1], &opts, &conf, &err)
        || kubehttp_create(&conf, &http, &err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    struct cluster *cluster = cluster_create();
    long before = benchclock_peak_rss_kb();
    double start = benchclock_now();
    struct kubewatch *kw = kubewatch_create(&pods, http, cluster);
    while (!kubewatch_synced(kw)) {
        kubehttp_run(http);
        kubewatch_run(kw);
        if (kubewatch_synced(kw)) {
            break;
        }
        kubehttp_wait(http);
        kubewatch_wait(kw);
        poll_block();
    }
    double seconds = benchclock_now() - start;
    long after = benchclock_peak_rss_kb();
    size_t n = cluster_count(cluster, CLUSTER_POD);

    printf("{\"pods\": %zu, \"seconds\": %.3f, \"pods_per_s\": %.0f, "
           "\"rss_before_kb\": %ld, \"rss_after_kb\": %ld, "
           "\"bytes_per_pod\": %.0f}\n", n, seconds, n / seconds, before,
           after, n ? (after - before) * 1024.0 / n : 0.0);
    kubewatch_destroy(kw);
    kubehttp_destroy(http);
    kubeconfig_destroy(&conf);
    cluster_destroy(cluster);
    return 0;
}
