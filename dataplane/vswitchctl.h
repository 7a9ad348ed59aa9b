/*
 * vswitchctl: commands to ovs-vswitchd through its control socket (what
 * ovs-appctl does), as JSON-RPC requests on the poll loop.  For what
 * ovs-vswitchd tells no database column: the datapath cache (dpcache.h),
 * the PMD threads' counters.
 *
 * A query is answered from the poll loop and bounded by a timeout, so
 * nothing waits on a switch that stopped answering.
 */
#ifndef VSWITCHCTL_H
#define VSWITCHCTL_H 1

#include <stddef.h>

/* ovs-vswitchd's control socket in 'rundir': RUNDIR/ovs-vswitchd.PID.ctl
 * (PID from RUNDIR/ovs-vswitchd.pid), or RUNDIR/ovs-vswitchd.ctl when it
 * was started with that name.  The caller frees it. */
char *vswitchctl_path(const char *rundir);

/* Starts 'cmd' (without arguments) in the ovs-vswitchd of 'rundir'; NULL
 * when its socket cannot be opened (logged at most every few seconds). */
struct vswitchctl_query *vswitchctl_query_start(const char *rundir,
                                                const char *cmd,
                                                int timeout_ms);
/* The same with the 'argc' arguments in 'argv' ("-s", "zone=65001"), as
 * ovs-appctl passes the words after the command. */
struct vswitchctl_query *vswitchctl_query_start_args(const char *rundir,
                                                     const char *cmd,
                                                     const char *const argv[],
                                                     size_t argc,
                                                     int timeout_ms);
/* -EINPROGRESS until ovs-vswitchd has answered; then 0 with the answer in
 * '*replyp' (the caller frees it), or -errno (-ETIMEDOUT, -EIO when the
 * command failed), and the query is freed. */
int vswitchctl_query_finish(struct vswitchctl_query *, char **replyp);
void vswitchctl_query_wait(struct vswitchctl_query *);
void vswitchctl_query_abandon(struct vswitchctl_query *);

#endif /* vswitchctl.h */
