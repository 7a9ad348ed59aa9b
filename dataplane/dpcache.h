/*
 * dpcache: the switch's datapath flow cache (the userspace datapath's
 * megaflows), driven through ovs-vswitchd's control socket
 * (vswitchctl.h).
 *
 * After the OpenFlow tables change, OVS revalidates cached datapath flows
 * and fixes the ones whose actions changed.  In OVS 3.1 the fix can land on
 * the wrong flow when two cached flows overlap (the update looks the flow
 * up by packet key, not by its id), leaving a stale flow that keeps the old
 * verdict for as long as traffic keeps it alive.  For forwarding that is a
 * glitch; for a policy that now denies, it is a hole.  So after a commit
 * that changed policy flows the agent empties the cache: the next packet
 * of each flow takes one upcall and gets a flow built from the new tables.
 * (test-netpol-matrix shows the stale verdicts without this.)  A commit
 * that only re-stamped cookies, the first after an agent restart when
 * nothing else changed, changes no verdict and is not followed by a purge
 * (flowtab_last_commit_restamped()).
 */
#ifndef DPCACHE_H
#define DPCACHE_H 1

/* Empties the datapath flow cache of the ovs-vswitchd whose control socket
 * is in 'rundir' (found through its pidfile, as ovs-appctl does), and waits
 * for it, 2 s at most.  0 or -errno (-ETIMEDOUT). */
int dpcache_purge(const char *rundir);

#endif /* dpcache.h */
