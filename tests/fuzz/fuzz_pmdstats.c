/* ovs-vswitchd's answers to dpif-netdev/pmd-stats-show and
 * dpif-netdev/pmd-rxq-show (text), given as "STATS NUL RXQS" and parsed
 * as pmdstats reads them for seinectl's ctl/pmd, which then writes the
 * JSON out. */
#include <config.h>

#include <stdlib.h>

#include "dataplane/pmdstats.h"
#include "fuzzglue.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *rest;
    size_t rest_size;
    char *stats, *rxqs;

    fuzzglue_split(data, size, &stats, &rest, &rest_size);
    rxqs = fuzzglue_cstr(rest, rest_size);

    struct json_object *threads = pmdstats_parse_stats(stats);
    pmdstats_parse_rxqs(rxqs, threads);
    json_object_to_json_string_ext(threads, JSON_C_TO_STRING_PLAIN);
    json_object_put(threads);
    free(rxqs);
    free(stats);
    return 0;
}
