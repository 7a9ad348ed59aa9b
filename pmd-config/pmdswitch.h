/*
 * pmdswitch: what seine-pmd asks the running ovs-vswitchd through its
 * control socket (dataplane/vswitchctl): its version, which names the
 * PMD sleep key (Open_vSwitch.ovs_version is written by ovs-ctl, not by
 * ovs-vswitchd, and is empty when it is started otherwise), and the text
 * of its PMD commands.  Each call waits for the answers, up to a
 * timeout: the CLI and the agent's start-up ask once and go on.
 */
#ifndef PMD_CONFIG_PMDSWITCH_H
#define PMD_CONFIG_PMDSWITCH_H 1

#include <stddef.h>

/* The 'n' commands 'cmds' (no arguments) asked of the ovs-vswitchd of
 * 'rundir' at once; their answers in 'answers' (the caller frees each;
 * NULL for one that failed).  0 when every one was answered, else the
 * first -errno. */
int pmdswitch_ask(const char *rundir, const char *const *cmds, size_t n,
                  int timeout_ms, char **answers);

/* "3.1.0", from "ovs-vswitchd (Open vSwitch) 3.1.0" (the caller frees
 * it), or NULL. */
char *pmdswitch_version(const char *rundir, int timeout_ms);

#endif /* pmd-config/pmdswitch.h */
