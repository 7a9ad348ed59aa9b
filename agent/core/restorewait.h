/*
 * restorewait: other_config:flow-restore-wait, the key that keeps a
 * restarting ovs-vswitchd from forwarding before its flows are back.
 * Whoever starts the switch over an existing bridge sets it first (the
 * node's start-up script, as docs/reliability.md says); the switch then
 * opens its ports and takes OpenFlow but sets up no datapath flow.  The
 * agent removes the key once the switch has confirmed the whole flow set
 * (a full install or a resync after reconnecting), and reads it back,
 * retrying until the database no longer has it.
 */
#ifndef RESTOREWAIT_H
#define RESTOREWAIT_H 1

#include <stdbool.h>

struct ovsbridge;
struct restorewait;

struct restorewait *restorewait_create(void);
void restorewait_destroy(struct restorewait *);

/* 'flows_in_place': the switch holds every flow of the current desired
 * set.  Removes the key (without blocking) when it is set and the flows
 * are in place. */
void restorewait_run(struct restorewait *, struct ovsbridge *,
                     bool flows_in_place);
void restorewait_wait(const struct restorewait *);

#endif /* restorewait.h */
