#include <config.h>
#include "dataplane/vswitchctl.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "jsonrpc.h"
#include "unixctl.h"
#include "util.h"

char *
vswitchctl_path(const char *rundir)
{
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", rundir);
    pid_t pid = read_pidfile(pidfile);
    char *path = NULL;

    free(pidfile);
    if (pid > 0) {
        path = xasprintf("%s/ovs-vswitchd.%ld.ctl", rundir, (long) pid);
        if (access(path, F_OK)) {
            free(path);
            path = NULL;
        }
    }
    return path ? path : xasprintf("%s/ovs-vswitchd.ctl", rundir);
}

int
vswitchctl_call(const char *rundir, const char *cmd, int argc, char *argv[],
                char **replyp, char **errp)
{
    char *path = vswitchctl_path(rundir);
    struct jsonrpc *client;
    int error = unixctl_client_create(path, &client);

    *replyp = NULL;
    *errp = NULL;
    if (error) {
        *errp = xasprintf("%s: %s", path, ovs_strerror(error));
        free(path);
        return -error;
    }
    error = unixctl_client_transact(client, cmd, argc, argv, replyp, errp);
    jsonrpc_close(client);
    if (error) {
        free(*errp);
        *errp = xasprintf("%s: %s", path, ovs_strerror(error));
    }
    free(path);
    return error ? -error : *errp ? -EIO : 0;
}
