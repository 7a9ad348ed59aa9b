/* A kubeconfig file, as kubeconfig_load() reads it, with and without
 * insecure connections allowed.  Its folder does not exist, so that the
 * relative file names an input gives are not found: what an input names
 * is only ever checked for access, or read when it is a token file. */
#include <config.h>

#include <stdlib.h>

#include "agent/sources/kubeconfig.h"
#include "fuzzglue.h"

#define FUZZ_KUBECONFIG "/nonexistent/seine-fuzz/kubeconfig"

static void
parse(const uint8_t *data, size_t size, bool allow_insecure)
{
    const struct kubeconfig_options options = {
        .allow_insecure = allow_insecure,
    };
    struct kubeconfig kc;
    char *err = NULL;

    kubeconfig_parse(FUZZ_KUBECONFIG, (const char *) data, size, &options,
                     &kc, &err);
    kubeconfig_destroy(&kc);
    free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse(data, size, false);
    parse(data, size, true);
    return 0;
}
