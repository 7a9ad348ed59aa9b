/*
 * agentmetrics: what the agent counts for its Prometheus endpoint
 * (agent/observe/metricsrv), and the text of a scrape.  Counters and
 * histograms live here; gauges are read from the agent at scrape time, on
 * the poll loop's thread, so nothing needs a lock.  docs/observability.md
 * lists every family.
 */
#ifndef AGENTMETRICS_H
#define AGENTMETRICS_H 1

#include <stdbool.h>
#include <stddef.h>

#include "cni/cniproto.h"

struct agent;
struct agentmetrics;
struct ds;

struct agentmetrics *agentmetrics_create(void);
void agentmetrics_destroy(struct agentmetrics *);

/* A CNI request begins ('type': its interface type if known, else NULL)
 * and ends with 'resp'. */
void agentmetrics_cni_begin(struct agentmetrics *, enum cniproto_cmd,
                            const char *type);
void agentmetrics_cni_end(struct agentmetrics *, const char *type,
                          const struct cniproto_response *);

/* A bundle ended: 'error' 0, a refusal (-EPROTO) or another error, after
 * 'seconds', with 'n_changes' operations. */
void agentmetrics_commit(struct agentmetrics *, int error, double seconds,
                         size_t n_changes);
void agentmetrics_reconnect(struct agentmetrics *);
/* Policy resolution took 'seconds' (a full sync or a batch of changes). */
void agentmetrics_policy(struct agentmetrics *, double seconds);

/* Reads the switch's per-rule counters now and then (rulestats.h). */
void agentmetrics_run(struct agentmetrics *, const struct agent *);
void agentmetrics_wait(const struct agentmetrics *);

/* The whole scrape. */
void agentmetrics_collect(struct agentmetrics *, const struct agent *,
                          struct ds *);

#endif /* agentmetrics.h */
