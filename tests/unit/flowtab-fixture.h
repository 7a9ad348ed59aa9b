/* A fresh flow table per test, and assertions on its canonical text.
 * Included by one test program each. */
#ifndef FLOWTAB_FIXTURE_H
#define FLOWTAB_FIXTURE_H 1

#include "dataplane/flowtab.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"

static int
teardown(void **state)
{
    flowtab_destroy(*state);
    return 0;
}

static void
assert_desired(const struct flowtab *ft, uint64_t owner, const char *expect)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    flowtab_format_desired(ft, owner, &s);
    assert_string_equal(ds_cstr(&s), expect);
    ds_destroy(&s);
}

/* The next commit's operations are 'expect' (flowtab_format_diff()), and
 * flowtab_has_changes() agrees. */
static inline void
assert_diff(const struct flowtab *ft, const char *expect)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    flowtab_format_diff(ft, &s);
    assert_string_equal(ds_cstr(&s), expect);
    ds_destroy(&s);
    assert_int_equal(flowtab_has_changes(ft), *expect != '\0');
}

#endif /* flowtab-fixture.h */
