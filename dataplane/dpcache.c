#include <config.h>
#include "dataplane/dpcache.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "jsonrpc.h"
#include "unixctl.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpcache);

/* ovs-vswitchd's control socket: RUNDIR/ovs-vswitchd.PID.ctl by default,
 * or RUNDIR/ovs-vswitchd.ctl when it was started with that name. */
static char *
vswitchd_ctl_path(const char *rundir)
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
dpcache_purge(const char *rundir)
{
    char *path = vswitchd_ctl_path(rundir);
    struct jsonrpc *client;
    char *result = NULL, *err = NULL;
    int error = unixctl_client_create(path, &client);

    if (!error) {
        error = unixctl_client_transact(client, "revalidator/purge", 0, NULL,
                                        &result, &err);
        jsonrpc_close(client);
    }
    if (error || err) {
        VLOG_WARN("%s: revalidator/purge failed: %s", path,
                  err ? err : ovs_strerror(error));
        error = error ? -error : -EIO;
    }
    free(result);
    free(err);
    free(path);
    return error;
}
