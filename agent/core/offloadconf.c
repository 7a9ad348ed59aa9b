#include <config.h>
#include "agent/core/offloadconf.h"

#include <string.h>

#include "dataplane/ovsbridge.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(offloadconf);

#define OFFLOADCONF_KEY "hw-offload"

int
offloadconf_apply(bool want, struct ovsbridge *br)
{
    const char *now = ovsbridge_get_setting(br, OVSBRIDGE_OVS_OTHER_CONFIG,
                                            NULL, OFFLOADCONF_KEY);

    if (!want || (now && !strcmp(now, "true"))) {
        VLOG_INFO("other_config:%s is %s%s", OFFLOADCONF_KEY,
                  now ? now : "unset", want ? " already" : "");
        return 0;
    }
    struct ovsbridge_setting setting = {
        .column = OVSBRIDGE_OVS_OTHER_CONFIG,
        .key = OFFLOADCONF_KEY,
        .value = "true",
    };
    int error = ovsbridge_configure(br, &setting, 1);
    if (error) {
        VLOG_WARN("setting other_config:%s=true failed: %s", OFFLOADCONF_KEY,
                  ovs_strerror(-error));
    } else {
        /* OVS 3.1 turns its flow API on when the key appears, but only
         * for datapath flows set up from then on; its manual asks for a
         * restart, which also makes the existing flows go through it. */
        VLOG_WARN("other_config:%s=true set (was %s): flows set up from now "
                  "on may be offloaded; restart ovs-vswitchd for flows to "
                  "be offloaded from the start (turning it off needs a "
                  "restart too)", OFFLOADCONF_KEY, now ? now : "unset");
    }
    return error;
}
