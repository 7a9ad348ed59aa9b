/*
 * dpstats: the userspace datapath's own counters, which ovs-vswitchd keeps
 * in memory only (no OVSDB column has them): its PMD threads' packets,
 * cache hits, upcalls and cycles, their rx-queue usage, and conntrack's
 * entries and limit.  They are asked for every few seconds with
 * asynchronous queries (dataplane/vswitchctl), so a scrape or a seinectl
 * command reads the last answer and never waits on a switch that stopped
 * answering.
 */
#ifndef DPSTATS_H
#define DPSTATS_H 1

#include <stdint.h>

struct dpstats;
struct json_object;

struct dpstats *dpstats_create(const char *ovs_rundir);
void dpstats_destroy(struct dpstats *);

void dpstats_run(struct dpstats *);
void dpstats_wait(struct dpstats *);

/* The PMD threads as pmdstats.h's JSON array (a new reference; an empty
 * array before the first answer). */
struct json_object *dpstats_pmds(const struct dpstats *);

/* The datapath's flows with their hardware offload state, as dpoffload.h's
 * JSON array (a new reference; empty before the first answer). */
struct json_object *dpstats_offload_flows(const struct dpstats *);

/* Conntrack's entries in use and its limit; -1 when not known. */
int64_t dpstats_ct_entries(const struct dpstats *);
int64_t dpstats_ct_limit(const struct dpstats *);

/* When the last answers came (wall clock, ms; 0: none yet). */
long long int dpstats_updated(const struct dpstats *);

#endif /* dpstats.h */
