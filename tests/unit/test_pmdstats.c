/* The PMD counters parsed from ovs-vswitchd's text (OVS 3.1's layout). */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/pmdstats.h"
#include "pmd-live-fixture.h"

static const char stats_show[] =
    "pmd thread numa_id 0 core_id 1:\n"
    "  packets received: 120\n"
    "  packet recirculations: 40\n"
    "  avg. datapath passes per packet: 1.33\n"
    "  emc hits: 100\n"
    "  megaflow hits: 18\n"
    "  miss with success upcall: 2\n"
    "  idle cycles: 9000 (90.00%)\n"
    "  processing cycles: 1000 (10.00%)\n"
    "  avg cycles per packet: 83.33 (10000/120)\n"
    "main thread:\n"
    "  packets received: 3\n";

static const char rxq_show[] =
    "pmd thread numa_id 0 core_id 1:\n"
    "  isolated : false\n"
    "  port: seine-gw0         queue-id:  0 (enabled)   pmd usage:  4 %\n"
    "  port: seine-0a1b2c-7f   queue-id:  0 (disabled)  pmd usage: NOT AVAIL\n"
    "  overhead:  1 %\n";


static const char *
get(struct json_object *obj, const char *path)
{
    struct json_object *v = obj;
    char *copy = strdup(path), *save = NULL;

    bool found = true;

    for (char *k = strtok_r(copy, ".", &save); k && found;
         k = strtok_r(NULL, ".", &save)) {
        if (*k >= '0' && *k <= '9') {
            v = json_object_array_get_idx(v, atoi(k));
            found = v != NULL;
        } else {
            found = json_object_object_get_ex(v, k, &v);
        }
    }
    free(copy);
    return found ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)
                 : "absent";
}

static void
test_stats(void **state)
{
    struct json_object *t = pmdstats_parse_stats(stats_show);
    (void) state;

    assert_int_equal(json_object_array_length(t), 2);
    assert_string_equal(get(t, "0.thread"), "\"pmd\"");
    assert_string_equal(get(t, "0.coreId"), "1");
    assert_string_equal(get(t, "0.numaId"), "0");
    assert_string_equal(get(t, "0.stats.packetsReceived"), "120");
    assert_string_equal(get(t, "0.stats.avgDatapathPassesPerPacket"),
                        "1.33");
    assert_string_equal(get(t, "0.stats.missWithSuccessUpcall"), "2");
    assert_string_equal(get(t, "0.stats.idleCyclesPercent"), "90.00");
    assert_string_equal(get(t, "0.stats.avgCyclesPerPacket"), "83.33");
    assert_string_equal(get(t, "0.stats.avgCyclesPerPacketPercent"),
                        "absent");
    assert_string_equal(get(t, "1.thread"), "\"main\"");
    assert_string_equal(get(t, "1.coreId"), "absent");
    assert_string_equal(get(t, "1.stats.packetsReceived"), "3");
    json_object_put(t);
}

static void
test_rxqs(void **state)
{
    struct json_object *t = pmdstats_parse_stats(stats_show);
    (void) state;

    pmdstats_parse_rxqs(rxq_show, t);
    assert_int_equal(json_object_array_length(t), 2);
    assert_string_equal(get(t, "0.isolated"), "false");
    assert_string_equal(get(t, "0.rxqs.0.port"), "\"seine-gw0\"");
    assert_string_equal(get(t, "0.rxqs.0.usagePercent"), "4");
    assert_string_equal(get(t, "0.rxqs.0.enabled"), "true");
    assert_string_equal(get(t, "0.rxqs.1.enabled"), "false");
    assert_string_equal(get(t, "0.rxqs.1.usagePercent"), "null");
    assert_string_equal(get(t, "0.overheadPercent"), "1");
    json_object_put(t);
}

static void
test_perf(void **state)
{
    struct json_object *t = pmdstats_parse_stats(stats_show);
    (void) state;

    pmdstats_parse_perf(live_perf_show, t);
    assert_int_equal(json_object_array_length(t), 2);
    assert_string_equal(get(t, "0.perf.iterations"), "20037");
    assert_string_equal(get(t, "0.perf.iterationsUsIt"), "1029.26");
    assert_string_equal(get(t, "0.perf.usedTscCyclesPercent"), "0.1");
    assert_string_equal(get(t, "0.perf.busyIterationsPercent"), "2.7");
    assert_string_equal(get(t, "0.perf.rxPackets"), "10");
    assert_string_equal(get(t, "0.perf.rxPacketsKpps"), "0");
    assert_string_equal(get(t, "0.perf.rxPacketsCyclesPkt"), "196672");
    assert_string_equal(get(t, "0.perf.megaflowHitsPercent"), "60.0");
    assert_string_equal(get(t, "0.perf.megaflowHitsSubtblLookupsHit"),
                        "1.33");
    /* The lines between threads belong to none. */
    assert_string_equal(get(t, "0.perf.time"), "absent");
    assert_string_equal(get(t, "0.perf.measurementDuration"), "absent");
    assert_string_equal(get(t, "0.stats.packetsReceived"), "120");
    json_object_put(t);
}

static void
test_camel_case(void **state)
{
    char *s = pmdstats_camel_case("avg. subtable lookups per megaflow hit");
    (void) state;

    assert_string_equal(s, "avgSubtableLookupsPerMegaflowHit");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_rxqs),
        cmocka_unit_test(test_perf),
        cmocka_unit_test(test_camel_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
