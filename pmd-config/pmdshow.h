/*
 * pmdshow: the PMD threads as the switch runs them, from its own
 * counters (dpif-netdev/pmd-stats-show, pmd-rxq-show, pmd-perf-show,
 * read by dataplane/pmdstats), and the drift between the applied plan
 * (pmdapply.h's record) and what the database and the switch have.
 *
 * Per PMD thread:
 *
 *   {"coreId": 1, "numaId": 0, "isolated": false, "busyPercent": 3.76,
 *    "cyclesPerPacket": 196671.8, "packets": 10, "sleepPercent": 100.0,
 *    "rxqs": [{"port": "v0", "queueId": 0, "enabled": true,
 *              "usagePercent": 0}]}
 *
 * busyPercent is the share of the thread's cycles spent processing
 * packets, cyclesPerPacket its processing cycles per packet received
 * (both since the counters were last cleared), usagePercent a queue's
 * share of the PMD's processing cycles over the last minute.
 */
#ifndef PMD_CONFIG_PMDSHOW_H
#define PMD_CONFIG_PMDSHOW_H 1

#include <stdbool.h>
#include <stddef.h>

#include "pmd-config/cpuset.h"

struct json_object;
struct ovsbridge;

/* The PMD threads (not the main thread) from the three commands' texts
 * (any may be NULL), as a new JSON array. */
struct json_object *pmdshow_pmds(const char *stats, const char *rxqs,
                                 const char *perf);

/* The CPUs the threads of 'pmds' run on. */
struct cpuset pmdshow_cores(struct json_object *pmds);

/* One recorded key against the switch: the database's value, or for
 * "pmd-cores" the CPUs the PMD threads run on against the recorded
 * pmd-cpu-mask. */
struct pmdshow_drift {
    char *name;
    char *planned;
    char *live;                 /* NULL: none */
    bool drifts;
};

/* Every recorded key (none when no plan was applied), and "pmd-cores"
 * when 'pmds' is nonnull and the record has a pmd-cpu-mask. */
size_t pmdshow_drift(struct ovsbridge *, struct json_object *pmds,
                     struct pmdshow_drift **driftp);
void pmdshow_drift_free(struct pmdshow_drift *, size_t n);

/* [{"name", "planned", "live", "drifts"}]. */
struct json_object *pmdshow_drift_to_json(const struct pmdshow_drift *,
                                          size_t n);

#endif /* pmd-config/pmdshow.h */
