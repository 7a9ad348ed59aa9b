/*
 * sockdir: the folder of a unix socket only root may use.
 *
 * The CNI socket and the control socket are made mode 0600, so no other
 * user can connect to them.  Their folder matters as much: whoever may
 * write to it can remove the agent's socket and put one of its own in its
 * place, and the plugin would hand that listener every pod's network
 * namespace.  So the folder is made 0700 when it is missing, and one that
 * exists must belong to the agent's user and be writable by nobody else
 * (0755, as kubelet makes a hostPath folder, is fine; /tmp is not).
 */
#ifndef SOCKDIR_H
#define SOCKDIR_H 1

/* Makes or checks the folder of socket 'path' as above (only the last
 * folder is made).  0, or -errno with what is wrong in '*errp' (caller
 * frees). */
int sockdir_prepare(const char *path, char **errp);

#endif /* sockdir.h */
