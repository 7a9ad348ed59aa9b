/* Sets of 64-bit ids: membership across growth, zero, string ids. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/lib/idset.h"
#include "util.h"

static void
test_members(void **state OVS_UNUSED)
{
    struct idset set = IDSET_INITIALIZER;

    assert_false(idset_contains(&set, 1));
    assert_false(idset_contains(&set, 0));
    for (uint64_t id = 1; id <= 10000; id++) {
        idset_add(&set, id * 3);
    }
    idset_add(&set, 3);                 /* again: no new member */
    assert_int_equal(idset_count(&set), 10000);
    for (uint64_t id = 1; id <= 30000; id++) {
        assert_true(idset_contains(&set, id) == !(id % 3));
    }
    assert_false(idset_contains(&set, 0));
    idset_add(&set, 0);
    assert_true(idset_contains(&set, 0));
    assert_int_equal(idset_count(&set), 10001);
    idset_destroy(&set);
    assert_int_equal(idset_count(&set), 0);
    assert_false(idset_contains(&set, 3));
}

static void
test_string_ids(void **state OVS_UNUSED)
{
    struct idset set;

    idset_init(&set);
    idset_add(&set, idset_string_id("ns-1/pod-1"));
    assert_true(idset_contains(&set, idset_string_id("ns-1/pod-1")));
    assert_false(idset_contains(&set, idset_string_id("ns-1/pod-2")));
    assert_int_not_equal(idset_string_id("a"), idset_string_id("b"));
    idset_destroy(&set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_string_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
