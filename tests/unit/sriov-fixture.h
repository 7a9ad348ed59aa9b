/* The recorded sysfs trees of sriov-fixtures/ for the SR-IOV unit tests:
 * the test's state is the fixtures' folder (its first argument).
 * Included by one test program each, after cmocka.h. */
#ifndef SRIOV_FIXTURE_H
#define SRIOV_FIXTURE_H 1

#include <stdlib.h>
#include "util.h"

/* The root of fixture 'name', in a new string. */
static char *
tree(void **state, const char *name)
{
    return xasprintf("%s/%s", (const char *) *state, name);
}

/* A copy of fixture 'name' in a new temporary folder, for tests that
 * write, with the shell command 'then' run after the copy (its "%s" the
 * copy's root; NULL: none). */
static char *
copy_tree(void **state, const char *name, const char *then)
{
    char tmpl[] = "/tmp/sriov-fixture-XXXXXX";
    char *dir = mkdtemp(tmpl), *cmd;

    assert_non_null(dir);
    cmd = xasprintf("cp -a '%s/%s/.' '%s'", (const char *) *state, name,
                    dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    if (then) {
        cmd = xasprintf(then, dir);
        assert_int_equal(system(cmd), 0);
        free(cmd);
    }
    return xstrdup(dir);
}

/* Removes copy_tree()'s copy and frees its name. */
static void
remove_tree(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);

    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

#endif /* sriov-fixture.h */
