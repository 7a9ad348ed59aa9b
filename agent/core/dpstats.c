#include <config.h>
#include "agent/core/dpstats.h"

#include <errno.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "dataplane/dpoffload.h"
#include "dataplane/pmdstats.h"
#include "dataplane/vswitchctl.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"

#define DPSTATS_INTERVAL_MS 10000
#define DPSTATS_TIMEOUT_MS 5000

enum {
    Q_PMD_STATS, Q_PMD_RXQS, Q_CT_ENTRIES, Q_CT_LIMIT, Q_DP_FLOWS, N_QUERIES
};

static const char *const commands[N_QUERIES] = {
    [Q_PMD_STATS] = "dpif-netdev/pmd-stats-show",
    [Q_PMD_RXQS] = "dpif-netdev/pmd-rxq-show",
    [Q_CT_ENTRIES] = "dpctl/ct-get-nconns",
    [Q_CT_LIMIT] = "dpctl/ct-get-maxconns",
    [Q_DP_FLOWS] = "dpctl/dump-flows",
};

struct dpstats {
    char *rundir;
    struct vswitchctl_query *queries[N_QUERIES];
    char *answers[N_QUERIES];       /* the last of each, or NULL */
    long long int next;
    long long int updated;
};

struct dpstats *
dpstats_create(const char *ovs_rundir)
{
    struct dpstats *d = xzalloc(sizeof *d);

    d->rundir = xstrdup(ovs_rundir);
    return d;
}

void
dpstats_destroy(struct dpstats *d)
{
    if (d) {
        for (size_t i = 0; i < N_QUERIES; i++) {
            vswitchctl_query_abandon(d->queries[i]);
            free(d->answers[i]);
        }
        free(d->rundir);
        free(d);
    }
}

static bool
in_flight(const struct dpstats *d)
{
    for (size_t i = 0; i < N_QUERIES; i++) {
        if (d->queries[i]) {
            return true;
        }
    }
    return false;
}

void
dpstats_run(struct dpstats *d)
{
    if (!in_flight(d) && time_msec() >= d->next) {
        /* -m: each flow's offload state ("offloaded:", "dp:"). */
        static const char *verbose[] = { "-m" };

        for (size_t i = 0; i < N_QUERIES; i++) {
            d->queries[i] = (i == Q_DP_FLOWS
                             ? vswitchctl_query_start_argv(
                                   d->rundir, commands[i], 1, verbose,
                                   DPSTATS_TIMEOUT_MS)
                             : vswitchctl_query_start(d->rundir, commands[i],
                                                      DPSTATS_TIMEOUT_MS));
        }
        d->next = time_msec() + DPSTATS_INTERVAL_MS;
    }
    for (size_t i = 0; i < N_QUERIES; i++) {
        char *reply;
        if (d->queries[i]) {
            int error = vswitchctl_query_finish(d->queries[i], &reply);
            if (error != -EINPROGRESS) {
                d->queries[i] = NULL;
            }
            if (!error) {
                free(d->answers[i]);
                d->answers[i] = reply;
                d->updated = time_wall_msec();
            } else if (error != -EINPROGRESS) {
                free(reply);
            }
        }
    }
}

void
dpstats_wait(struct dpstats *d)
{
    bool waiting = false;

    for (size_t i = 0; i < N_QUERIES; i++) {
        if (d->queries[i]) {
            vswitchctl_query_wait(d->queries[i]);
            waiting = true;
        }
    }
    if (!waiting) {
        poll_timer_wait_until(d->next);
    }
}

struct json_object *
dpstats_pmds(const struct dpstats *d)
{
    if (!d->answers[Q_PMD_STATS]) {
        return json_object_new_array();
    }
    struct json_object *threads = pmdstats_parse_stats(d->answers[Q_PMD_STATS]);
    if (d->answers[Q_PMD_RXQS]) {
        pmdstats_parse_rxqs(d->answers[Q_PMD_RXQS], threads);
    }
    return threads;
}

struct json_object *
dpstats_offload_flows(const struct dpstats *d)
{
    return dpoffload_parse(d->answers[Q_DP_FLOWS]
                           ? d->answers[Q_DP_FLOWS] : "");
}

static int64_t
answer_number(const struct dpstats *d, int q)
{
    char *end;

    if (!d->answers[q]) {
        return -1;
    }
    long long n = strtoll(d->answers[q], &end, 10);
    return end == d->answers[q] || n < 0 ? -1 : n;
}

int64_t
dpstats_ct_entries(const struct dpstats *d)
{
    return answer_number(d, Q_CT_ENTRIES);
}

int64_t
dpstats_ct_limit(const struct dpstats *d)
{
    return answer_number(d, Q_CT_LIMIT);
}

long long int
dpstats_updated(const struct dpstats *d)
{
    return d->updated;
}
