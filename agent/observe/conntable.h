/*
 * conntable: the flow exporter's table of connections, made from
 * successive conntrack dumps (ctdump) and nothing else: no I/O, no
 * clock of its own, so a test feeds it dumps at the times it likes.
 *
 * A connection is keyed by zone and original 5-tuple (ICMP: id, type and
 * code for the ports).  Each conntable_update() gives one poll's entries
 * at time T:
 *
 *   new key          -> a connection, started at T (first seen); at once
 *                       ended if it is a TCP connection already closed
 *   seen again       -> its activity checked (below); then, in order:
 *     TCP closed     -> final record, end of flow (3)
 *     idle           -> final record, idle (1): no activity for the idle
 *                       timeout
 *     active timeout -> a record, active (2), and the connection goes on
 *   gone             -> final record: end of flow (3) if it was a TCP
 *                       connection closing, idle (1) otherwise
 *
 * conntable_flush() ends every connection with forced end (4).  A
 * connection whose final record went out while conntrack still has it
 * stays in the table, ended, so it is not reported again; if it shows
 * activity again it starts anew as a new flow (unless it is a closed TCP
 * connection), and it leaves the table when conntrack lets it go.
 *
 * Activity: the counters changed, where the datapath keeps them; the TCP
 * state changed; or the entry's expiry moved forward.  ovs-vswitchd's
 * userspace conntrack keeps no counters (ctdump.h), but every packet
 * sets a connection's expiry to now plus its state's timeout, so with the
 * dump's timeout= (ctdump_query_start() asks for it) an expiry later than
 * the one the last poll saw means packets came.  It is read in whole
 * seconds, so it must move by more than CONNTABLE_EXPIRY_SLACK_MS to
 * count.  Without counters, records carry zero counts.
 *
 * A record's counts: 'total' is what conntrack counted since the
 * connection started, 'delta' what it counted since the connection's
 * last record.  A record's end time is the last time it was seen active
 * (for idle, gone and forced records), or T.
 */
#ifndef CONNTABLE_H
#define CONNTABLE_H 1

#include <stdbool.h>
#include <stddef.h>

#include "agent/observe/ctdump.h"
#include "agent/observe/flowrecord.h"

#define CONNTABLE_DEFAULT_ACTIVE_TIMEOUT_S 60
#define CONNTABLE_DEFAULT_IDLE_TIMEOUT_S 15
/* How much further an expiry must be to count as activity: the dump's
 * seconds are truncated, and the answer comes some time after it was
 * written. */
#define CONNTABLE_EXPIRY_SLACK_MS 2000

struct conntable_options {
    int active_timeout_s;       /* 0: the default */
    int idle_timeout_s;         /* 0: the default */
};

/* One record to export. */
struct conntable_flow {
    const struct ctdump_entry *ct;  /* as last seen */
    long long int start_ms;
    long long int end_ms;
    enum flowrecord_end_reason end_reason;
    struct ctdump_counters delta, total;
    struct ctdump_counters reverse_delta, reverse_total;
};

typedef void conntable_export_func(const struct conntable_flow *,
                                   void *aux);

struct conntable *conntable_create(const struct conntable_options *,
                                   conntable_export_func *, void *aux);
/* Frees the table without exporting anything (conntable_flush() first to
 * export). */
void conntable_destroy(struct conntable *);

/* Feeds the 'n' entries of one dump made at 'now' (ms; the clock the
 * caller keeps, the same for every call).  Calls the export function
 * for each record due. */
void conntable_update(struct conntable *, const struct ctdump_entry *,
                      size_t n, long long int now);
/* Ends every connection that has not ended (forced end) and empties the
 * table. */
void conntable_flush(struct conntable *, long long int now);

/* Connections in the table, ended ones included. */
size_t conntable_count(const struct conntable *);

/* Sets 'rec' afresh from 'flow': times, end reason, the original
 * 5-tuple, counts, the endpoint a DNAT chose (when the reply comes from
 * another address or port than the original went to) and the TCP state;
 * the Kubernetes fields are left NULL for the caller.  False for an IPv6
 * connection, which the record cannot carry. */
bool conntable_to_flowrecord(const struct conntable_flow *,
                             struct flowrecord *rec);

#endif /* conntable.h */
