/*
 * traceflows: the flows of one Traceflow, which see its trace packet and
 * nothing else.  A trace packet carries its tag in the IP DSCP field
 * (tables.h) and its source pod's address; the trace's flows match both:
 *
 *   ConntrackCommit  priority 300  -> Output (the trace leaves no
 *                                      committed connection behind)
 *   Output           priority 300  -> controller (never delivered)
 *   Drop             priority 200  -> controller (where and why it died:
 *                                      reg2, reg6, reg7)
 *
 * so the agent receives the packet, with every register the pipeline set,
 * at the point it would have been delivered or dropped.  They belong to
 * cookie_owner(COOKIE_KIND_TRACE, tag): removing a trace is
 * flowtab_remove_owner(), and an agent restart deletes what a trace left.
 */
#ifndef TRACEFLOWS_H
#define TRACEFLOWS_H 1

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct flowtab;
struct tracepkt;

/* The DSCP value of tag 'i' (0 <= i < TRACE_N_TAGS). */
uint8_t traceflows_dscp(unsigned int i);
/* The tag index whose DSCP is 'dscp', or -1. */
int traceflows_index(uint8_t dscp);

uint64_t traceflows_owner(unsigned int i);
/* The tag index of a trace flow's cookie, or -1 for any other cookie. */
int traceflows_index_of_cookie(uint64_t cookie);

/* Sets the flows of trace 'i' for its packet 'pkt': from its source, with
 * tag i's DSCP, and for TCP and UDP from its source port too, so that no
 * flow the datapath cached for an earlier trace's packet can take it.  With a
 * tunnel port ('tun_ofport' > 0), a trace packet Output sends there goes
 * on, with the tunnel key TRACE_TUN_ID, to the node that reports the rest
 * of its path, and to the controller.  0 or -errno from flowtab (on error
 * the trace has no flows).  Their packet-ins carry 'nonce' as userdata
 * (traceflows_nonce()): one trace's are never taken for another's that
 * had the same tag, and the switch never reuses the state it kept for an
 * earlier trace's controller action. */
int traceflows_set(struct flowtab *, unsigned int i,
                   const struct tracepkt *, int64_t tun_ofport,
                   uint32_t nonce);
void traceflows_remove(struct flowtab *, unsigned int i);

/* The nonce of a trace flow's packet-in ('userdata', 'len' bytes), or 0
 * when it carries none. */
uint32_t traceflows_nonce(const uint8_t *userdata, size_t len);

#endif /* traceflows.h */
