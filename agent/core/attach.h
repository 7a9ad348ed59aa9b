/*
 * attach: what each CNI command does on this node.  ADD builds a pod
 * attachment step by step (address, interface, OVS port, flows, record)
 * and, if any step fails, tears down what the earlier steps made, so a
 * failed ADD leaves nothing behind.  Steps that wait for OVS return to the
 * poll loop and go on from attach_run(); one request is served at a time
 * (cniserver.h), and one that has waited the configured cniTimeoutMs is
 * answered "try again later" (11).  DEL runs the same teardown, which
 * tolerates every piece being already gone, so DEL is idempotent and
 * succeeds for containers it never saw.  A DEL refuses (106) before it
 * undoes anything when the state directory is read-only, and a teardown
 * that could not release an address keeps the record, so the DEL retried
 * after the folder is writable again finishes the job.
 *
 * Error codes are the CNI spec's where one fits, and Seine's own (100+,
 * enum attach_error) otherwise; docs/cni.md lists them.
 */
#ifndef ATTACH_H
#define ATTACH_H 1

#include <stdbool.h>

#include "cni/cniproto.h"

struct agent;

enum attach_error {
    ATTACH_ERR_INTERNAL = 100,      /* anything unexpected; see the log */
    ATTACH_ERR_NO_ADDRESS = 101,    /* the pod subnet is full */
    ATTACH_ERR_DATAPATH = 102,      /* OVS refused a port or flows */
    ATTACH_ERR_INTERFACE = 103,     /* the pod interface could not be made */
    ATTACH_ERR_NO_DPDK = 104,       /* vhost-user needs DPDK in OVS */
    ATTACH_ERR_CHECK_FAILED = 105,  /* CHECK found something wrong */
    ATTACH_ERR_STATE_DIR = 106,     /* the state directory cannot be
                                     * written (read-only, full, I/O) */
    ATTACH_ERR_DEVICE_BUSY = 107,   /* sriov: the VF is another pod's */
};

/* The annotation that chooses a pod's interface type, for all its
 * attachments; ATTACH_TYPE_ANNOTATION "." IFNAME chooses it for one. */
#define ATTACH_TYPE_ANNOTATION "seine.io/interface-type"

/* Starts serving 'req': true when 'resp' is its answer already, false when
 * the request waits for OVS; attach_run() then returns true once 'resp' is
 * the answer.  Only one request at a time. */
bool attach_start(struct agent *, const struct cniproto_request *,
                  struct cniproto_response *);
bool attach_run(struct agent *, struct cniproto_response *);
void attach_wait(const struct agent *);
/* The sweep of what a crash left (agent/pods/podsweep.h), run once the
 * agent is ready and before it serves CNI requests; GC runs it too.  Call
 * until it returns true (it waits for OVS like a DEL does); not while a
 * request is served. */
bool attach_sweep(struct agent *);

/* Forgets the request being served (the agent exits): what it made stays
 * for the runtime's DEL. */
void attach_cancel(struct agent *);

/* A tap is a file descriptor of ovs-vswitchd's: when the switch restarts,
 * the pod's tap is left with nobody reading it, and the new one makes it
 * again, in its own namespace.  For a tap record whose link is back in
 * this namespace, replaces the pod's old tap with it, set up as ADD did
 * (a failure is logged; DEL still cleans up). */
struct podrec;
/* The pipeline's view of attachment 'rec' (its port number as known). */
struct pipeline_pod;
void attach_pipeline_pod(const struct podrec *, struct pipeline_pod *);

void attach_retake_tap(const struct agent *, const struct podrec *);

#endif /* attach.h */
