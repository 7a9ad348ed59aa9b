#include <config.h>
#include "dataplane/dpcache.h"

#include <errno.h>
#include <stdlib.h>

#include "dataplane/vswitchctl.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpcache);

/* The purge is waited for, so that no packet meets a stale flow once the
 * commit counts as done; a switch that stops answering meanwhile costs
 * this long at most. */
#define DPCACHE_TIMEOUT_MS 2000

int
dpcache_purge(const char *rundir)
{
    struct vswitchctl_query *q = vswitchctl_query_start(
        rundir, "revalidator/purge", DPCACHE_TIMEOUT_MS);
    char *reply = NULL;
    int error;

    if (!q) {
        return -ENOENT;
    }
    while ((error = vswitchctl_query_finish(q, &reply)) == -EINPROGRESS) {
        vswitchctl_query_wait(q);
        poll_block();
    }
    if (error) {
        VLOG_WARN("revalidator/purge failed: %s", ovs_strerror(-error));
    } else {
        VLOG_DBG("datapath flow cache purged");
    }
    free(reply);
    return error;
}
