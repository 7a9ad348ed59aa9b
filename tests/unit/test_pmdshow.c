/* The live PMD threads from OVS 3.1's own text (a PMD with one AF_XDP
 * port and pmd-maxsleep, as seine-pmd show read it on a real switch),
 * and the cores they run on. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "pmd-config/pmdshow.h"
#include "util.h"

static const char stats[] =
    "pmd thread numa_id 0 core_id 1:\n"
    "  packets received: 10\n"
    "  packet recirculations: 0\n"
    "  avg. datapath passes per packet: 1.00\n"
    "  megaflow hits: 6\n"
    "  miss with success upcall: 4\n"
    "  idle cycles: 50322641 (96.24%)\n"
    "  processing cycles: 1966718 (3.76%)\n"
    "  avg cycles per packet: 5228935.90 (52289359/10)\n"
    "  avg processing cycles per packet: 196671.80 (1966718/10)\n"
    "main thread:\n"
    "  packets received: 0\n";

static const char rxqs[] =
    "Displaying last 60 seconds pmd usage %\n"
    "pmd thread numa_id 0 core_id 1:\n"
    "  isolated : false\n"
    "  port: v0                queue-id:  0 (enabled)   pmd usage:  0 %\n"
    "  overhead:  0 %\n";

static const char perf[] =
    "\n"
    "Time: 06:21:45.933\n"
    "Measurement duration: 14.139 s\n"
    "\n"
    "pmd thread numa_id 0 core_id 1:\n"
    "\n"
    "  Iterations:                13806  (1017.64 us/it)\n"
    "  - Used TSC cycles:      52230755  (  0.1 % of total cycles)\n"
    "  - idle iterations:         13797  ( 96.2 % of used cycles)\n"
    "  - busy iterations:             9  (  3.8 % of used cycles)\n"
    "  - sleep iterations:        13806  (100.0 % of iterations)\n"
    "  Sleep time (us):        14029489  (1016 us/iteration avg.)\n"
    "  Rx packets:                   10  (0 Kpps, 196672 cycles/pkt)\n";

static void
test_pmds(void **state OVS_UNUSED)
{
    struct json_object *pmds = pmdshow_pmds(stats, rxqs, perf);
    const char *text = json_object_to_json_string_ext(
        pmds, JSON_C_TO_STRING_PLAIN);

    assert_string_equal(text,
        "[{\"coreId\":1,\"numaId\":0,\"isolated\":false,"
        "\"busyPercent\":3.76,\"cyclesPerPacket\":196671.80,"
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
