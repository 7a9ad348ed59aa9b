#include <config.h>
#include "fuzzglue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/vlog.h"
#include "util.h"

/* The decoders log what they refuse: at millions of inputs that would be
 * most of the time spent, and of the output. */
int
LLVMFuzzerInitialize(int *argc OVS_UNUSED, char ***argv OVS_UNUSED)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    return 0;
}

char *
fuzzglue_cstr(const uint8_t *data, size_t size)
{
    return xmemdup0((const char *) data, strnlen((const char *) data, size));
}

void
fuzzglue_split(const uint8_t *data, size_t size, char **first,
               const uint8_t **rest, size_t *rest_size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t n = nul ? (size_t) (nul - data) : size;

    *first = xmemdup0((const char *) data, n);
    *rest = nul ? nul + 1 : data + size;
    *rest_size = size - n - (nul != NULL);
}

void
fuzzglue_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz property broken: %s\n", what);
        abort();
    }
}
