/* seine-agent's YAML configuration file, as agentconf_load() reads it. */
#include <config.h>

#include <stdlib.h>

#include "agent/core/agentconf.h"
#include "fuzzglue.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct agentconf conf;
    char *err = NULL;

    if (!agentconf_parse("agent.yaml", (const char *) data, size, &conf,
                         &err)) {
        agentconf_destroy(&conf);
    }
    free(err);
    return 0;
}
