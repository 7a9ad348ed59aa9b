#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "tests/unit/flowtab-fixture.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

#define NODE cookie_owner(COOKIE_KIND_NODE, 1)
#define POD_A cookie_owner(COOKIE_KIND_POD, 7)
#define POD_B cookie_owner(COOKIE_KIND_POD, 8)

static int
setup(void **state)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    *state = flowtab_create(5);
    return 0;
}

static void
test_canonical_text(void **state)
{
    struct flowtab *ft = *state;

    assert_int_equal(flowtab_round(ft), 5);
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 0, "", "drop"), 0);
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 100, "dl_type=0x0800",
                                      "ct(zone=1,table=21)"), 0);
    assert_int_equal(flowtab_add_flow(ft, NODE, 5, 100, "",
                                      "output:NXM_NX_REG1[]"), 0);
    assert_int_equal(flowtab_add_flow(ft, NODE, 5, 101, "",
                                      "goto_table:10"), 0);
    assert_int_equal(flowtab_add_flow(ft, NODE, 6, 200, "in_port=3,ip",
                                      "load:2->NXM_NX_REG0[0..7],"
                                      "goto_table:7"), 0);
    assert_int_equal(flowtab_add_flow(ft, NODE, 7, 200,
                                      "ip,ct_state=-new+trk",
                                      "mod_dl_dst:0a:00:00:00:00:02,"
                                      "dec_ttl,in_port"), 0);
    assert_desired(ft, 0,
        "table=0,priority=100,ip actions=ct(table=21,zone=1)\n"
        "table=0,priority=0 actions=drop\n"
        "table=5,priority=101 actions=goto_table:10\n"
        "table=5,priority=100 actions=output:NXM_NX_REG1[]\n"
        "table=6,priority=200,ip,in_port=3 "
        "actions=set_field:0x2/0xff->reg0,goto_table:7\n"
        "table=7,priority=200,ct_state=-new+trk,ip "
        "actions=set_field:0a:00:00:00:00:02->eth_dst,dec_ttl,IN_PORT\n");
    assert_int_equal(flowtab_count(ft), 6);
}

static void
test_bad_syntax(void **state)
{
    struct flowtab *ft = *state;

    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 1, "ip", "frobnicate"),
                     -EINVAL);
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 1, "no_such_field=1",
                                      "drop"), -EINVAL);
    /* nw_src without ip would silently match everything */
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 1, "nw_src=10.0.0.1",
                                      "drop"), -EINVAL);
    assert_int_equal(flowtab_add_flow(ft, NODE, 255, 1, "", "drop"),
                     -EINVAL);
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 1, "ip,idle_timeout=5",
                                      "drop"), -EINVAL);
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 1, "ip,cookie=0x5",
                                      "drop"), -EINVAL);
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 1, "table=3,ip", "drop"),
                     -EINVAL);
    assert_int_equal(flowtab_add_group(ft, NODE, 1, "type=bogus"), -EINVAL);
    assert_int_equal(flowtab_add_group(ft, NODE, 0xffffff01,
                                       "type=all,bucket=output:1"), -EINVAL);
    assert_int_equal(flowtab_count(ft), 0);
    assert_false(flowtab_has_changes(ft));
}

static void
test_conflicts(void **state)
{
    struct flowtab *ft = *state;

    assert_int_equal(flowtab_add_flow(ft, POD_A, 1, 10, "ip", "drop"), 0);
    /* the same flow again, even spelled differently, is not a conflict */
    assert_int_equal(flowtab_add_flow(ft, POD_A, 1, 10, "dl_type=0x800",
                                      "drop"), 0);
    assert_int_equal(flowtab_add_flow(ft, POD_A, 1, 10, "ip",
                                      "goto_table:2"), -EEXIST);
    assert_int_equal(flowtab_add_flow(ft, POD_B, 1, 10, "ip", "drop"),
                     -EEXIST);
    /* other priority or table: a different flow */
    assert_int_equal(flowtab_add_flow(ft, POD_B, 1, 11, "ip", "drop"), 0);
    assert_int_equal(flowtab_add_flow(ft, POD_B, 2, 10, "ip", "drop"), 0);
    assert_int_equal(flowtab_count(ft), 3);

    assert_int_equal(flowtab_add_group(ft, POD_A, 3,
                                       "type=all,bucket=output:1"), 0);
    assert_int_equal(flowtab_add_group(ft, POD_A, 3,
                                       "type=all,bucket=actions=output:1"), 0);
    assert_int_equal(flowtab_add_group(ft, POD_A, 3,
                                       "type=all,bucket=output:2"), -EEXIST);
    assert_int_equal(flowtab_add_group(ft, POD_B, 3,
                                       "type=all,bucket=output:1"), -EEXIST);
}

static void
test_remove_owner(void **state)
{
    struct flowtab *ft = *state;

    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 0, "", "drop"), 0);
    assert_int_equal(flowtab_add_flow(ft, POD_A, 0, 100, "in_port=1",
                                      "goto_table:1"), 0);
    assert_int_equal(flowtab_add_flow(ft, POD_A, 1, 100, "in_port=1,ip",
                                      "goto_table:2"), 0);
    assert_int_equal(flowtab_add_flow(ft, POD_B, 0, 100, "in_port=2",
                                      "goto_table:1"), 0);
    assert_int_equal(flowtab_add_group(ft, POD_A, 9,
                                       "type=select,bucket=output:1"), 0);
    assert_int_equal(flowtab_count_owner(ft, POD_A), 2);
    /* the round part of a cookie does not matter for ownership */
    assert_int_equal(flowtab_count_owner(ft, POD_A | 3), 2);
    assert_desired(ft, POD_B,
                   "table=0,priority=100,in_port=2 actions=goto_table:1\n");

    flowtab_remove_owner(ft, POD_A);
    assert_int_equal(flowtab_count(ft), 2);
    assert_int_equal(flowtab_count_owner(ft, POD_A), 0);
    assert_desired(ft, 0,
                   "table=0,priority=100,in_port=2 actions=goto_table:1\n"
                   "table=0,priority=0 actions=drop\n");
    /* the group went with its owner: nothing but flows to add */
    assert_diff(ft,
                "add table=0,priority=100,in_port=2 cookie=0x2000000000080005 "
                "actions=goto_table:1\n"
                "add table=0,priority=0 cookie=0x1000000000010005 "
                "actions=drop\n");
    flowtab_remove_owner(ft, cookie_owner(COOKIE_KIND_SERVICE, 1));
    assert_int_equal(flowtab_count(ft), 2);
}

static void
test_diff(void **state)
{
    struct flowtab *ft = *state;
    uint64_t node_now = cookie_make(COOKIE_KIND_NODE, 1, 5);
    uint64_t node_old = cookie_make(COOKIE_KIND_NODE, 1, 4);

    assert_diff(ft, "");

    /* up to date: same actions, this round's cookie */
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 0, "", "drop"), 0);
    assert_int_equal(flowtab_add_installed_flow(ft, node_now, 0, 0, "",
                                                "drop"), 0);
    /* installed by the previous agent: re-added with the new round */
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 10, "ip",
                                      "goto_table:1"), 0);
    assert_int_equal(flowtab_add_installed_flow(ft, node_old, 0, 10, "ip",
                                                "goto_table:1"), 0);
    /* actions changed */
    assert_int_equal(flowtab_add_flow(ft, NODE, 1, 10, "ip", "group:2"), 0);
    assert_int_equal(flowtab_add_installed_flow(ft, node_now, 1, 10, "ip",
                                                "drop"), 0);
    /* new */
    assert_int_equal(flowtab_add_flow(ft, POD_A, 1, 20, "in_port=4",
                                      "goto_table:2"), 0);
    /* stale: installed, no longer desired */
    assert_int_equal(flowtab_add_installed_flow(ft, node_old, 2, 0, "",
                                                "drop"), 0);
    /* groups: one new, one changed, one stale, one unchanged */
    assert_int_equal(flowtab_add_group(ft, NODE, 2,
                                       "type=select,bucket=output:1"), 0);
    assert_int_equal(flowtab_add_group(ft, NODE, 3,
                                       "type=all,bucket=output:3"), 0);
    assert_int_equal(flowtab_add_installed_group(ft, 3,
                                                 "type=all,bucket=output:4"),
                     0);
    assert_int_equal(flowtab_add_installed_group(ft, 4,
                                                 "type=all,bucket=output:4"),
                     0);
    assert_int_equal(flowtab_add_group(ft, NODE, 5,
                                       "type=all,bucket=output:5"), 0);
    assert_int_equal(flowtab_add_installed_group(ft, 5,
                                                 "type=all,bucket=output:5"),
                     0);

    assert_diff(ft,
        "add-group group_id=2,type=select,bucket=actions=output:1\n"
        "modify-group group_id=3,type=all,bucket=actions=output:3\n"
        "add table=1,priority=20,in_port=4 cookie=0x2000000000070005 "
        "actions=goto_table:2\n"
        "modify table=0,priority=10,ip cookie=0x1000000000010005 "
        "actions=goto_table:1\n"
        "modify table=1,priority=10,ip cookie=0x1000000000010005 "
        "actions=group:2\n"
        "delete table=2,priority=0 cookie=0x1000000000010004\n"
        "delete-group group_id=4\n");
}

/* A commit that only re-stamps the previous run's flows with this round
 * says so; one that changes an action or adds a flow does not. */
static void
test_restamp_only(void **state)
{
    struct flowtab *ft = *state;
    uint64_t node_old = cookie_make(COOKIE_KIND_NODE, 1, 4);

    assert_false(flowtab_last_commit_restamped(ft));
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 10, "ip",
                                      "goto_table:1"), 0);
    assert_int_equal(flowtab_add_installed_flow(ft, node_old, 0, 10, "ip",
                                                "goto_table:1"), 0);
    assert_int_equal(flowtab_add_flow(ft, NODE, 1, 0, "", "drop"), 0);
    assert_int_equal(flowtab_add_installed_flow(ft, node_old, 1, 0, "",
                                                "drop"), 0);
    flowtab_assume_committed(ft);
    assert_true(flowtab_last_commit_restamped(ft));

    flowtab_remove_owner(ft, NODE);
    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 10, "ip",
                                      "goto_table:1"), 0);
    assert_int_equal(flowtab_add_flow(ft, NODE, 1, 0, "", "goto_table:2"),
                     0);
    flowtab_assume_committed(ft);
    assert_false(flowtab_last_commit_restamped(ft));

    assert_int_equal(flowtab_add_flow(ft, POD_A, 2, 5, "ip", "drop"), 0);
    flowtab_assume_committed(ft);
    assert_false(flowtab_last_commit_restamped(ft));
}

/* A learned set that went is deleted again, as often as set, and the
 * repeats are not counted as changes; one desired again is left alone. */
static void
test_learned_resweep(void **state)
{
    struct flowtab *ft = *state;
    uint64_t set = cookie_owner(COOKIE_KIND_LEARNED, 0x42);
    const char *del = "delete-learned table=29,cookie=0x5000000000420000"
                      "/0xffffffffffff0000\n";

    flowtab_set_learned_resweeps(ft, 2, 0);
    assert_int_equal(flowtab_add_learned(ft, POD_A, 29, set), 0);
    flowtab_assume_committed(ft);
    assert_diff(ft, "");

    flowtab_remove_owner(ft, POD_A);
    assert_diff(ft, del);
    assert_int_equal(flowtab_count_changes(ft), 1);
    for (int i = 0; i < 2; i++) {
        flowtab_assume_committed(ft);
        assert_diff(ft, del);
        assert_int_equal(flowtab_count_changes(ft), 0);
    }
    flowtab_assume_committed(ft);
    assert_diff(ft, "");

    assert_int_equal(flowtab_add_learned(ft, POD_A, 29, set), 0);
    flowtab_remove_owner(ft, POD_A);
    flowtab_assume_committed(ft);
    assert_int_equal(flowtab_add_learned(ft, POD_A, 29, set), 0);
    assert_diff(ft, "");

    flowtab_set_learned_resweeps(ft, 1, 60000);
    flowtab_remove_owner(ft, POD_A);
    flowtab_assume_committed(ft);
    assert_diff(ft, "");
}

static void
test_installed_matches_desired(void **state)
{
    struct flowtab *ft = *state;
    uint64_t pod_now = cookie_make(COOKIE_KIND_POD, 7, 5);

    /* different spellings of one flow compare equal once canonical */
    assert_int_equal(flowtab_add_flow(ft, POD_A, 3, 7,
                                      "dl_type=0x0806,arp_op=1,reg0=2/0xff",
                                      "load:0x2->NXM_OF_ARP_OP[],in_port"),
                     0);
    assert_int_equal(flowtab_add_installed_flow(ft, pod_now, 3, 7,
                                                "arp,reg0=0x2/0xff,arp_op=1",
                                                "set_field:2->arp_op,"
                                                "IN_PORT"), 0);
    assert_diff(ft, "");
}

static void
test_instances_independent(void **state)
{
    struct flowtab *ft = *state;
    struct flowtab *other = flowtab_create(6);

    assert_int_equal(flowtab_add_flow(ft, NODE, 0, 0, "", "drop"), 0);
    assert_int_equal(flowtab_count(other), 0);
    assert_int_equal(flowtab_add_flow(other, NODE, 0, 0, "",
                                      "goto_table:1"), 0);
    assert_desired(ft, 0, "table=0,priority=0 actions=drop\n");
    assert_desired(other, 0, "table=0,priority=0 actions=goto_table:1\n");
    flowtab_destroy(other);
}

/* The lines of 'text' keyed by what precedes " actions=". */
static void
lines_by_key(const char *text, struct shash *lines)
{
    char *copy = xstrdup(text), *save = NULL;

    for (char *l = strtok_r(copy, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        char *actions = strstr(l, " actions=");
        *actions = '\0';
        shash_add(lines, l, xstrdup(actions + 1));
    }
    free(copy);
}

/* How many flow operations turn 'before' into 'after' (desired texts). */
static size_t
expected_changes(const char *before, const char *after)
{
    struct shash b = SHASH_INITIALIZER(&b), a = SHASH_INITIALIZER(&a);
    struct shash_node *node;
    size_t n = 0;

    lines_by_key(before, &b);
    lines_by_key(after, &a);
    SHASH_FOR_EACH (node, &a) {
        const char *was = shash_find_data(&b, node->name);
        n += !was || strcmp(was, node->data);
    }
    SHASH_FOR_EACH (node, &b) {
        n += !shash_find(&a, node->name);
    }
    shash_destroy_free_data(&a);
    shash_destroy_free_data(&b);
    return n;
}

static char *
desired_text(const struct flowtab *ft)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    flowtab_format_desired(ft, 0, &s);
    return ds_steal_cstr(&s);
}

/* The commit after a committed state sends exactly what the desired flows
 * changed by, however the changes came (flows of owners added, replaced
 * and removed, conjunction contributions to shared clause flows), as the
 * keys the table recorded tell it: 200 rounds of random changes. */
static void
test_dirty_keys_give_the_whole_difference(void **state)
{
    struct flowtab *ft = *state;
    uint32_t seed = 12345;

    for (int round = 0; round < 200; round++) {
        char *before = desired_text(ft);

        for (int k = 0; k < 5; k++) {
            seed = seed * 1103515245 + 12345;
            uint32_t r = seed >> 8;
            uint64_t owner = cookie_owner(COOKIE_KIND_POLICY, 1 + r % 6);
            char match[64];

            snprintf(match, sizeof match, "ip,nw_src=10.0.0.%u",
                     (unsigned int) (r / 7 % 5));
            switch (r / 41 % 3) {
            case 0:
                flowtab_remove_owner(ft, owner);
                break;
            case 1:
                flowtab_add_conj(ft, owner, 40, 100, match, 1 + r % 6, 1, 2);
                break;
            case 2:
                snprintf(match, sizeof match, "ip,nw_dst=10.1.%u.%u",
                         (unsigned int) (r % 6), (unsigned int) (r / 7 % 3));
                flowtab_add_flow(ft, owner, 41, 50, match,
                                 r / 5 % 2 ? "drop" : "goto_table:50");
                break;
            }
        }
        char *after = desired_text(ft);
        assert_int_equal(flowtab_count_changes(ft),
                         expected_changes(before, after));
        assert_int_equal(flowtab_has_changes(ft), strcmp(before, after) != 0);
        flowtab_assume_committed(ft);
        assert_false(flowtab_has_changes(ft));
        free(before);
        free(after);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_canonical_text, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_dirty_keys_give_the_whole_difference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_syntax, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restamp_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learned_resweep, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_installed_matches_desired,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_independent,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
