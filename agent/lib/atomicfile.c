#include <config.h>
#include "agent/lib/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int
atomicfile_write(const char *path, const char *text, mode_t mode)
{
    char *tmp = xasprintf("%s.tmp", path);
    size_t len = strlen(text);
    int error = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

    if (fd < 0) {
        error = -errno;
        goto out;
    }
    if (write(fd, text, len) != (ssize_t) len || fsync(fd)) {
        error = errno ? -errno : -EIO;
    }
    if (close(fd) && !error) {
        error = -errno;
    }
    if (!error && rename(tmp, path)) {
        error = -errno;
    }
    if (error) {
        unlink(tmp);
    }
out:
    free(tmp);
    return error;
}
