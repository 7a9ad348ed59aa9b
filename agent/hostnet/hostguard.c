#include <config.h>
#include "agent/hostnet/hostguard.h"

#include <stdlib.h>

#include "agent/hostnet/nftables.h"
#include "openvswitch/dynamic-string.h"

#define HOSTGUARD_TABLE "inet seine-guard"

char *
hostguard_script(const char *gateway, int metrics_port)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    /* Creating the table first makes the deletion valid whether or not it
     * existed; both happen in the same transaction as the new table. */
    ds_put_cstr(&s, "table "HOSTGUARD_TABLE"\n"
                "delete table "HOSTGUARD_TABLE"\n");
    if (metrics_port) {
        ds_put_format(&s, "table "HOSTGUARD_TABLE" {\n"
                      "    chain input {\n"
                      "        type filter hook input priority 0; "
                      "policy accept;\n"
                      "        iifname \"%s\" tcp dport %d counter drop\n"
                      "    }\n"
                      "}\n", gateway, metrics_port);
    }
    return ds_steal_cstr(&s);
}

int
hostguard_apply(const char *gateway, int metrics_port, char **errp)
{
    char *script = hostguard_script(gateway, metrics_port);
    int error = nftables_run(script, errp);

    free(script);
    return error;
}
