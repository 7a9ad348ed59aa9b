/*
 * vswitchctl: commands to ovs-vswitchd through its control socket (what
 * ovs-appctl does), with libopenvswitch's unixctl client.  For what
 * ovs-vswitchd tells no database column: the datapath cache (dpcache.h),
 * the PMD threads' counters.
 *
 * A call blocks until ovs-vswitchd answers, as ovs-appctl does.
 */
#ifndef VSWITCHCTL_H
#define VSWITCHCTL_H 1

/* ovs-vswitchd's control socket in 'rundir': RUNDIR/ovs-vswitchd.PID.ctl
 * (PID from RUNDIR/ovs-vswitchd.pid), or RUNDIR/ovs-vswitchd.ctl when it
 * was started with that name.  The caller frees it. */
char *vswitchctl_path(const char *rundir);

/* Runs 'cmd' with 'argc' arguments 'argv' in the ovs-vswitchd of
 * 'rundir'.  0 with its answer in '*replyp', or -errno: the socket could
 * not be reached, or -EIO when the command failed, with ovs-vswitchd's
 * reason in '*errp'.  The caller frees both (either may be NULL). */
int vswitchctl_call(const char *rundir, const char *cmd, int argc,
                    char *argv[], char **replyp, char **errp);

#endif /* vswitchctl.h */
