/* The live PMD threads from OVS 3.1's own text (pmd-live-fixture.h), and
 * the cores they run on. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "pmd-config/pmdshow.h"
#include "pmd-live-fixture.h"
#include "util.h"

static void
test_pmds(void **state OVS_UNUSED)
{
    struct json_object *pmds = pmdshow_pmds(live_stats_show, live_rxq_show,
                                            live_perf_show);
    const char *text = json_object_to_json_string_ext(
        pmds, JSON_C_TO_STRING_PLAIN);

    assert_string_equal(text,
        "[{\"coreId\":1,\"numaId\":0,\"isolated\":false,"
        "\"busyPercent\":2.71,\"cyclesPerPacket\":196671.80,"
        "\"packets\":10,\"sleepPercent\":100.0,\"overheadPercent\":0,"
        "\"rxqs\":[{\"port\":\"v0\",\"queueId\":0,\"enabled\":true,"
        "\"usagePercent\":0}]}]");

    struct cpuset cores = pmdshow_cores(pmds);
    char *list = cpuset_list(&cores);
    assert_string_equal(list, "1");
    free(list);
    json_object_put(pmds);
}

/* A switch that answered nothing yet: no threads. */
static void
test_no_answers(void **state OVS_UNUSED)
{
    struct json_object *pmds = pmdshow_pmds(NULL, NULL, NULL);

    assert_int_equal(json_object_array_length(pmds), 0);
    json_object_put(pmds);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmds),
        cmocka_unit_test(test_no_answers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
