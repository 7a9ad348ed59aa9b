#include <config.h>
#include "agent/core/restorewait.h"

#include <errno.h>
#include <stdlib.h>

#include "dataplane/ovsbridge.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "timeval.h"

VLOG_DEFINE_THIS_MODULE(restorewait);

#define RESTOREWAIT_KEY "flow-restore-wait"
#define RESTOREWAIT_RETRY_MS 1000

struct restorewait {
    struct ovsbridge_change *change; /* the removal in progress */
    long long int retry_at;
};

struct restorewait *
restorewait_create(void)
{
    return xzalloc(sizeof(struct restorewait));
}

void
restorewait_destroy(struct restorewait *rw)
{
    if (rw) {
        ovsbridge_change_abandon(rw->change);
        free(rw);
    }
}

static bool
key_set(struct ovsbridge *br)
{
    return ovsbridge_get_setting(br, OVSBRIDGE_OVS_OTHER_CONFIG, NULL,
                                 RESTOREWAIT_KEY) != NULL;
}

static void
finish_removal(struct restorewait *rw, struct ovsbridge *br)
{
    int error = ovsbridge_change_finish(br, rw->change);

    if (error == -EINPROGRESS) {
        return;
    }
    rw->change = NULL;
    if (error) {
        VLOG_WARN("removing other_config:%s failed (%s): retrying",
                  RESTOREWAIT_KEY, ovs_strerror(-error));
        rw->retry_at = time_msec() + RESTOREWAIT_RETRY_MS;
    } else if (!key_set(br)) {
        VLOG_INFO("flows restored: other_config:%s removed, ovs-vswitchd "
                  "forwards", RESTOREWAIT_KEY);
    }
}

void
restorewait_run(struct restorewait *rw, struct ovsbridge *br,
                bool flows_in_place)
{
    if (rw->change) {
        finish_removal(rw, br);
        return;
    }
    if (!flows_in_place || !key_set(br) || time_msec() < rw->retry_at) {
        return;
    }
    static const struct ovsbridge_setting unset = {
        .column = OVSBRIDGE_OVS_OTHER_CONFIG, .key = RESTOREWAIT_KEY,
    };
    int error = ovsbridge_configure_start(br, &unset, 1, &rw->change);
    if (error) {
        rw->change = NULL;
        rw->retry_at = time_msec() + RESTOREWAIT_RETRY_MS;
    }
}

void
restorewait_wait(const struct restorewait *rw)
{
    if (rw->change) {
        ovsbridge_change_wait(rw->change);
    } else if (rw->retry_at > time_msec()) {
        poll_timer_wait_until(rw->retry_at);
    }
}
