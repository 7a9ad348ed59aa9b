/* Interned strings: sharing, reference counts, release. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/lib/strpool.h"
#include "util.h"

static void
test_shared(void **state OVS_UNUSED)
{
    struct strpool *pool = strpool_create();
    char *copy = xstrdup("app");
    const char *a = strpool_ref(pool, "app");
    const char *b = strpool_ref(pool, copy);
    const char *c = strpool_ref(pool, "web");

    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, copy);
    assert_ptr_not_equal(a, c);
    assert_string_equal(a, "app");
    assert_string_equal(c, "web");
    assert_int_equal(strpool_count(pool), 2);
    assert_null(strpool_ref(pool, NULL));
    free(copy);
    strpool_unref(pool, NULL);
    strpool_unref(pool, c);
    strpool_unref(pool, a);
    assert_int_equal(strpool_count(pool), 1);
    assert_string_equal(b, "app");
    strpool_destroy(pool);
}

/* The last reference frees the string; the next one makes it anew. */
static void
test_release(void **state OVS_UNUSED)
{
    struct strpool *pool = strpool_create();
    const char *a = strpool_ref(pool, "");

    assert_string_equal(a, "");
    strpool_unref(pool, a);
    assert_int_equal(strpool_count(pool), 0);
    a = strpool_ref(pool, "x");
    strpool_ref(pool, "y");
    assert_int_equal(strpool_count(pool), 2);
    strpool_unref(pool, a);
    strpool_destroy(pool);      /* frees what is left */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared),
        cmocka_unit_test(test_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
