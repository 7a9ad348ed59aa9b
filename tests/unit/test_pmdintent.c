/* The intent's settings, from text (flags) and a JSON file, and their
 * errors. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pmd-config/pmdintent.h"
#include "util.h"

static void
check_error(const char *name, const char *value, const char *want)
{
    struct pmdintent in;
    char *err = NULL;

    pmdintent_init(&in);
    assert_int_equal(pmdintent_set(&in, name, value, &err), -EINVAL);
    assert_string_equal(err, want);
    free(err);
    pmdintent_destroy(&in);
}

static void
test_defaults_and_settings(void **state OVS_UNUSED)
{
    struct pmdintent in;
    char *err = NULL;

    pmdintent_init(&in);
    assert_int_equal(in.mode, PMDINTENT_SHARED);
    assert_int_equal(in.mtu, 1500);
    assert_int_equal(in.dpdk, -1);
    assert_string_equal(in.root, "/");
    assert_int_equal(pmdintent_set(&in, "intent", "dedicated", &err), 0);
    assert_int_equal(pmdintent_set(&in, "nics", "ens1f0", &err), 0);
    assert_int_equal(pmdintent_set(&in, "nics", "0000:3b:00.0=dpdk0", &err),
                     0);
    assert_int_equal(pmdintent_set(&in, "hugepageSize", "1G", &err), 0);
    assert_int_equal(pmdintent_set(&in, "set", "pmd-cpu-mask=0xc", &err), 0);
    assert_int_equal(in.mode, PMDINTENT_DEDICATED);
    assert_int_equal(in.n_nics, 2);
    assert_string_equal(in.nics[0].port, "ens1f0");
    assert_string_equal(in.nics[1].name, "0000:3b:00.0");
    assert_string_equal(in.nics[1].port, "dpdk0");
    assert_int_equal(in.hugepage_kb, 1024 * 1024);
    assert_string_equal(smap_get(&in.overrides, "pmd-cpu-mask"), "0xc");
    pmdintent_destroy(&in);
}

static void
test_errors(void **state OVS_UNUSED)
{
    check_error("intent", "fast", "intent fast: expected shared or "
                "dedicated");
    check_error("mtu", "20000", "mtu 20000: expected an integer from 68 to "
                "9710");
    check_error("maxSleepUs", "0", "maxSleepUs 0: expected an integer from "
                "1 to 10000");
    check_error("set", "pmd-cpu-mask", "set pmd-cpu-mask: expected KEY=VALUE "
                "with a key a plan gives (pmd-cpu-mask, dpdk-socket-mem, ..., "
                "PORT/n_rxq, PORT/pmd-rxq-affinity)");
    check_error("set", "n_rxq=2", "set n_rxq=2: expected KEY=VALUE with a "
                "key a plan gives (pmd-cpu-mask, dpdk-socket-mem, ..., "
                "PORT/n_rxq, PORT/pmd-rxq-affinity)");
    check_error("reservedSystemCPUs", "0-", "reservedSystemCPUs 0-: expected "
                "a CPU list such as 0-1,16-17");
    check_error("nics", "a/b", "nics a/b: expected NAME or NAME=PORT (an "
                "interface or PCI address, and its OVS interface)");
    check_error("pmds", "2", "pmds: no such setting");
}

static void
test_file(void **state)
{
    const char *dir = *state;
    char *path = xasprintf("%s/intents/dedicated.json", dir), *err = NULL;
    struct pmdintent in;

    pmdintent_init(&in);
    assert_int_equal(pmdintent_load(&in, path, &err), 0);
    assert_int_equal(in.mode, PMDINTENT_DEDICATED);
    assert_int_equal(in.pmds_per_node, 4);
    assert_int_equal(in.vhost_ports, 8);
    assert_int_equal(in.mtu, 9000);
    assert_int_equal(in.dpdk, 1);
    assert_true(in.has_reserved);
    assert_string_equal(in.nics[0].port, "dpdk0");
    assert_string_equal(smap_get(&in.overrides, "pmd-rxq-assign"), "cycles");
    assert_string_equal(smap_get(&in.overrides, "dpdk0/n_rxq"), "2");
    pmdintent_destroy(&in);
    free(path);

    path = xasprintf("%s/intents/out-of-range.json", dir);
    pmdintent_init(&in);
    assert_int_equal(pmdintent_load(&in, path, &err), -EINVAL);
    assert_non_null(strstr(err, "out-of-range.json: pmdsPerNode 999: "
                           "expected an integer from 0 to 256"));
    free(err);
    pmdintent_destroy(&in);
    free(path);
}

int
main(int argc, char *argv[])
{
    void *dir = argc > 1 ? argv[1] : "pmd-fixtures";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_settings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test_prestate(test_file, dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
