/*
 * connstats: per-connection packet and byte counters, which the userspace
 * conntrack does not keep (ctdump.h).  With flow export the pipeline
 * counts every packet leaving ConntrackCommit in a flow the switch learned
 * for its 5-tuple, in ConnectionStats (pipeline.h); one asynchronous dump
 * of that table reads them all.
 *
 * A packet is counted as it is after conntrack's NAT: the original
 * direction of a connection to a Service goes to the endpoint (its
 * destination is the reply tuple's source), the reply comes back from the
 * Service's address (the original tuple's destination).  connstats_apply()
 * puts each direction's counters into a conntrack entry's tuples that way.
 * A learned flow that went idle and was learned again starts from 0: the
 * connection's counts go back, and conntable takes the drop as a restart.
 */
#ifndef CONNSTATS_H
#define CONNSTATS_H 1

#include <stdbool.h>
#include <stddef.h>

struct connstats;
struct ctdump_entry;
struct ofconn;

struct connstats *connstats_create(void);
void connstats_destroy(struct connstats *);

/* Starts a dump on 'conn'.  0 or -errno. */
int connstats_start(struct connstats *, struct ofconn *conn);
/* -EINPROGRESS while it runs; 0 once the counters are in, or -errno (the
 * previous counters stay). */
int connstats_finish(struct connstats *);
bool connstats_running(const struct connstats *);

/* Sets the counters of 'e''s two directions from the last dump (0 when it
 * had none), and says they are there. */
void connstats_apply(const struct connstats *, struct ctdump_entry *e);

/* Flows in the last dump. */
size_t connstats_count(const struct connstats *);

#endif /* connstats.h */
