/*
 * flowexport: every connection of the node's pods, exported over IPFIX
 * (flowrecord.h) with the names behind its addresses: source and
 * destination pod (namespace, name, node), the Service a connection was
 * load-balanced through, and the egress and ingress policy rule that let
 * it through (committed into its conntrack label, tables.h).
 *
 * Every pollIntervalS seconds, two asynchronous reads: the pod zone of
 * the userspace conntrack (ctdump.h) and the per-connection counters of
 * ConnectionStats (connstats.h); conntable.h turns them into records with
 * active and idle timeouts.  Connections a policy dropped never reach
 * conntrack: the pipeline samples their packets to the agent (at most
 * deniedPerSecond a second, a meter), and they are exported as flows of
 * their own, flagged denied, with the rule that dropped them.  Records go
 * to the collector as the transport can take them (ipfixsend.h); the
 * poll loop never waits on it.
 */
#ifndef FLOWEXPORT_H
#define FLOWEXPORT_H 1

#include <stdbool.h>
#include <stdint.h>

struct agent;
struct agentconf;
struct ds;
struct flowexport;
struct ofputil_packet_in;

/* NULL when the configuration names no collector; NULL with '*err' when
 * the exporter cannot be set up. */
struct flowexport *flowexport_create(const struct agentconf *, char **err);
/* Ends every connection's flow (forced end, with the names 'agent' still
 * holds; NULL: without) and sends what it can without waiting. */
void flowexport_destroy(struct flowexport *, const struct agent *);

void flowexport_run(struct flowexport *, struct agent *);
void flowexport_wait(struct flowexport *);

/* Takes a sampled packet a policy dropped: true if it was one. */
bool flowexport_packet_in(struct flowexport *, struct agent *,
                          const struct ofputil_packet_in *);

/* The exporter's metric families (seine_flow_export_*). */
void flowexport_metrics(const struct flowexport *, struct ds *out);

#endif /* flowexport.h */
