#include <config.h>
#include "agent/pods/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "util.h"

int
netns_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

bool
netns_is_gone(const char *path)
{
    struct statfs fs;

    if (statfs(path, &fs)) {
        return errno == ENOENT || errno == ENOTDIR;
    }
    return fs.f_type != NSFS_MAGIC;
}

/* setns() moves only the calling thread, so the namespace to come back to
 * is the thread's own; /proc/self names the main thread's. */
static int
open_current(void)
{
    int fd = netns_open("/proc/thread-self/ns/net");
    return fd == -ENOENT ? netns_open("/proc/self/ns/net") : fd;
}

int
netns_enter(const char *path, struct netns_saved *saved)
{
    int error;

    saved->fd = -1;
    int self = open_current();
    if (self < 0) {
        return self;
    }
    int target = netns_open(path);
    if (target < 0) {
        error = target;
        goto out_self;
    }
    if (setns(target, CLONE_NEWNET)) {
        error = -errno;
        goto out_target;
    }
    close(target);
    saved->fd = self;
    return 0;

out_target:
    close(target);
out_self:
    close(self);
    return error;
}

void
netns_return(struct netns_saved *saved)
{
    if (setns(saved->fd, CLONE_NEWNET)) {
        ovs_abort(errno, "cannot return to the agent's network namespace");
    }
    close(saved->fd);
    saved->fd = -1;
}
