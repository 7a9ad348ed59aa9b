#include <config.h>
#include "agent/lib/sockdir.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int
check_dir(const char *dir, char **errp)
{
    struct stat st;

    if (stat(dir, &st)) {
        *errp = xasprintf("%s: %s", dir, ovs_strerror(errno));
        return -errno;
    }
    if (!S_ISDIR(st.st_mode)) {
        *errp = xasprintf("%s: not a folder", dir);
        return -ENOTDIR;
    }
    if (st.st_uid != geteuid()) {
        *errp = xasprintf("%s: owned by uid %u, not by the agent's uid %u: "
                          "its owner could replace the socket", dir,
                          (unsigned) st.st_uid, (unsigned) geteuid());
        return -EPERM;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        *errp = xasprintf("%s: mode %04o lets others write to it, so they "
                          "could replace the socket: give it mode 0700",
                          dir, (unsigned) (st.st_mode & 07777));
        return -EPERM;
    }
    return 0;
}

int
sockdir_prepare(const char *path, char **errp)
{
    char *copy = xstrdup(path);
    char *dir = dirname(copy);
    int error = 0;

    *errp = NULL;
    if (mkdir(dir, 0700) && errno != EEXIST) {
        error = -errno;
        *errp = xasprintf("%s: %s", dir, ovs_strerror(errno));
    } else {
        error = check_dir(dir, errp);
    }
    free(copy);
    return error;
}
