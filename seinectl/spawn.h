/*
 * spawn: runs one external program for seinectl supportbundle, without a
 * shell (its arguments are never parsed, so nothing in them runs), with
 * stdin from /dev/null and a time limit: a tool that hangs (ovs-appctl on
 * a held ovs-vswitchd) costs one item of the bundle, not the bundle.
 */
#ifndef SEINECTL_SPAWN_H
#define SEINECTL_SPAWN_H 1

struct ds;

/* Runs 'argv' (argv[0] found in $PATH), killing it and its children after
 * 'timeout_ms'.  Its stdout is appended to 'out' either way.  0 when it
 * exited 0, else -1 with why in '*errp' (its exit status or signal and
 * the first line it wrote on stderr, or the time limit; the caller frees
 * it). */
int spawn_run(char *const argv[], int timeout_ms, struct ds *out,
              char **errp);

#endif /* seinectl/spawn.h */
