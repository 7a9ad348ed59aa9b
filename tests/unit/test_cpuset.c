/* CPU sets: sysfs lists and OVS's hexadecimal masks, both ways. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pmd-config/cpuset.h"
#include "util.h"

static void
check_round_trip(const char *list, const char *mask)
{
    struct cpuset a, b;

    assert_int_equal(cpuset_parse_list(list, &a), 0);
    assert_int_equal(cpuset_parse_mask(mask, &b), 0);
    assert_true(cpuset_equal(&a, &b));
    char *l = cpuset_list(&a), *m = cpuset_mask(&a);
    assert_string_equal(m, mask);
    free(l);
    free(m);
}

static void
test_lists(void **state OVS_UNUSED)
{
    struct cpuset s;
    char *text;

    assert_int_equal(cpuset_parse_list("0-3,8,10-11\n", &s), 0);
    assert_int_equal(cpuset_count(&s), 7);
    text = cpuset_list(&s);
    assert_string_equal(text, "0-3,8,10-11");
    free(text);
    assert_int_equal(cpuset_parse_list("", &s), 0);
    assert_true(cpuset_is_empty(&s));
    text = cpuset_list(&s);
    assert_string_equal(text, "");
    free(text);
    assert_int_equal(cpuset_parse_list("3-1", &s), -EINVAL);
    assert_int_equal(cpuset_parse_list("1,x", &s), -EINVAL);
    assert_int_equal(cpuset_parse_list("4096", &s), -ERANGE);
}

static void
test_masks(void **state OVS_UNUSED)
{
    struct cpuset s;
    char *text;

    check_round_trip("2-3,10-11", "0xc0c");
    check_round_trip("2,16,30,44", "0x100040010004");
    check_round_trip("1", "0x2");
    assert_int_equal(cpuset_parse_mask("f0", &s), 0);
    text = cpuset_list(&s);
    assert_string_equal(text, "4-7");
    free(text);
    cpuset_clear(&s);
    text = cpuset_mask(&s);
    assert_string_equal(text, "0x0");
    free(text);
    assert_int_equal(cpuset_parse_mask("0x", &s), -EINVAL);
    assert_int_equal(cpuset_parse_mask("0xg", &s), -EINVAL);
}

static void
test_set_algebra(void **state OVS_UNUSED)
{
    struct cpuset a, b;

    cpuset_parse_list("0-7", &a);
    cpuset_parse_list("2-3,6", &b);
    assert_true(cpuset_is_subset(&b, &a));
    assert_false(cpuset_is_subset(&a, &b));
    cpuset_minus(&a, &b);
    assert_int_equal(cpuset_count(&a), 5);
    assert_int_equal(cpuset_next(&a, 1), 4);
    cpuset_and(&a, &b);
    assert_true(cpuset_is_empty(&a));
    cpuset_add(&a, 1023);
    assert_int_equal(cpuset_next(&a, -1), 1023);
    cpuset_add(&a, 1024);
    assert_int_equal(cpuset_count(&a), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_set_algebra),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
