/*
 * tracespec: what a Traceflow asks, from ctl/traceflow's arguments
 * (traceflow.h), resolved against what the agent holds: the source pod
 * attached here (its port, MAC and address), the destination (a pod of
 * the model, a Service's cluster IP and port, or an address), and the
 * packet the source would send (tracepkt.h).
 */
#ifndef TRACESPEC_H
#define TRACESPEC_H 1

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/tracepkt.h"

struct agent;

#define TRACESPEC_DEFAULT_TIMEOUT_S 10
#define TRACESPEC_MAX_TIMEOUT_S 300

struct tracespec {
    char *from, *to;                /* as given, for the answer */
    bool is_static;
    int timeout_s;
    struct tracepkt pkt;            /* all but the tag (pkt.dscp) */
    int64_t in_port;                /* the source pod's OpenFlow port */
};

/* Parses argv[1..argc-1] ("--from NS/POD --to ..." as traceflow.h has
 * them) into '*spec': NULL, or what is wrong (the caller frees it; the
 * spec then needs tracespec_destroy() all the same). */
char *tracespec_parse(const struct agent *, int argc, const char *argv[],
                      struct tracespec *spec);
void tracespec_destroy(struct tracespec *);

/* The packet as ofproto/trace takes it, coming in on the pod's port. */
char *tracespec_ofproto_flow(const struct tracespec *);

#endif /* tracespec.h */
