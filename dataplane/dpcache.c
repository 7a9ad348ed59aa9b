#include <config.h>
#include "dataplane/dpcache.h"

#include <stdlib.h>

#include "dataplane/vswitchctl.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpcache);

int
dpcache_purge(const char *rundir)
{
    char *reply, *err;
    int error = vswitchctl_call(rundir, "revalidator/purge", 0, NULL, &reply,
                                &err);

    if (error) {
        VLOG_WARN("revalidator/purge failed: %s", err);
    }
    free(reply);
    free(err);
    return error;
}
