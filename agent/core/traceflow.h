/*
 * traceflow: "why was my packet dropped", answered by the switch itself.
 * A live trace crafts the packet the source pod would send (tracepkt.h),
 * tagged in its DSCP field, installs the trace's flows (traceflows.h),
 * injects the packet at the pod's port with a packet-out, and reports
 * what the packet-in at its end says (tracereport.h).  The trace packet
 * is never delivered and commits no connection; live traffic is matched
 * by none of the trace's flows.  A static trace asks ovs-vswitchd's
 * ofproto/trace the same question (nothing is injected) and reports it
 * the same way.
 *
 * Up to TRACE_N_TAGS traces run at once; each answers its ctl/traceflow
 * request when it ends or times out.
 */
#ifndef TRACEFLOW_H
#define TRACEFLOW_H 1

#include <stdbool.h>

struct agent;
struct ds;
struct metricsrv_request;
struct ofputil_packet_in;
struct traceflow;
struct unixctl_conn;

struct traceflow *traceflow_create(void);
void traceflow_destroy(struct traceflow *, struct agent *);

void traceflow_run(struct traceflow *, struct agent *);
void traceflow_wait(struct traceflow *);

/* Takes a packet-in that belongs to a trace: true if it did. */
bool traceflow_packet_in(struct traceflow *, struct agent *,
                         const struct ofputil_packet_in *);

/* ctl/traceflow ARGS: "--from NS/POD --to NS/POD|IP|svc:NS/NAME
 * [--proto tcp|udp|icmp] [--dport N] [--sport N] [--timeout S]
 * [--static]"; answers 'conn' when the trace ends (or at once with an
 * error). */
void traceflow_start(struct traceflow *, struct agent *,
                     struct unixctl_conn *, int argc, const char *argv[]);

/* The metrics endpoint's route for other nodes' agents (tracepeer.h):
 * what this node saw of their trace packets. */
unsigned int traceflow_received_route(void *traceflow,
                                      const struct metricsrv_request *,
                                      struct ds *out);

#endif /* traceflow.h */
