/*
 * offloadconf: the agent's hwOffload setting on the switch.  With it,
 * other_config:hw-offload=true asks the userspace datapath to hand its
 * flows to NICs that can run them (rte_flow; docs/sriov-offload.md).
 * ovs-vswitchd reads the key only when it starts, so a change is logged
 * with that warning, and the flows' offload state is what tells whether
 * it took effect (dpstats_offload_flows(), seinectl offload).
 */
#ifndef OFFLOADCONF_H
#define OFFLOADCONF_H 1

#include <stdbool.h>

struct ovsbridge;

/* Sets other_config:hw-offload=true when 'want' and the switch does not
 * have it; with 'want' false leaves whatever the switch has.  0, or
 * -errno of the database write (logged). */
int offloadconf_apply(bool want, struct ovsbridge *);

#endif /* offloadconf.h */
