/*
 * netns: running a piece of work inside another network namespace.  The
 * agent is single-threaded, so entering a namespace with setns() and coming
 * back is safe as long as every entry is paired with a return.
 */
#ifndef NETNS_H
#define NETNS_H 1

#include <stdbool.h>

struct netns_saved {
    int fd;                     /* the namespace to come back to */
};

/* Enters the namespace at 'path'.  0 or -errno (-ENOENT: no such netns). */
int netns_enter(const char *path, struct netns_saved *);
/* Returns to the saved namespace; aborts if that fails, since continuing
 * in the wrong namespace would corrupt every later operation. */
void netns_return(struct netns_saved *);

/* Opens 'path' as a namespace fd (O_RDONLY|O_CLOEXEC), -errno on failure. */
int netns_open(const char *path);

/* Whether 'path' no longer names a namespace: it is not there, or it is a
 * file a namespace was once mounted on.  A runtime's namespace path goes
 * with the pod's last process, and every one of them with a reboot. */
bool netns_is_gone(const char *path);

#endif /* netns.h */
