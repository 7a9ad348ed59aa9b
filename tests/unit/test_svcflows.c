/* Service load balancers compiled to a select group and flows, compared
 * as exact canonical text. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/flowtab.h"
#include "dataplane/svcflows.h"
#include "tests/unit/flowtab-fixture.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

static int
setup(void **state)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    *state = flowtab_create(3);
    return 0;
}

static struct svcflows_addr
addr(const char *s, uint16_t port)
{
    struct svcflows_addr a = { .port = port };

    assert_int_equal(inet_pton(AF_INET, s, &a.addr), 1);
    return a;
}

static struct svcflows_addr
addr6(const char *s, uint16_t port)
{
    struct svcflows_addr a = { .port = port };

    assert_int_equal(inet_pton(AF_INET6, s, &a.addr6), 1);
    return a;
}

static char *
diff_text(const struct flowtab *ft)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    flowtab_format_diff(ft, &s);
    return ds_steal_cstr(&s);
}

static void
assert_has(const char *text, const char *part)
{
    assert_non_null(text);
    if (!strstr(text, part)) {
        fail_msg("\"%s\" not in:\n%s", part, text ? text : "");
    }
}

/* Two frontends (a cluster IP and an external IP) and two endpoints over
 * TCP: one group, a frontend flow each, a DNAT flow per endpoint and the
 * re-choice flow. */
static void
test_tcp_exact(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_addr fe[] = { addr("10.96.0.10", 80),
                                  addr("192.0.2.7", 80) };
    struct svcflows_addr ep[] = { addr("10.244.1.2", 8080),
                                  addr("10.244.1.3", 8080) };
    struct svcflows_lb lb = {
        .id = 0x12, .proto = IPPROTO_TCP, .frontends = fe, .n_frontends = 2,
        .endpoints = ep, .n_endpoints = 2,
    };
    char *text;

    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_desired(ft, svcflows_owner(0x12),
        "table=30,priority=200,tcp,nw_dst=10.96.0.10,tp_dst=80"
        " actions=group:18\n"
        "table=30,priority=200,tcp,nw_dst=192.0.2.7,tp_dst=80"
        " actions=group:18\n"
        "table=31,priority=200,tcp,reg0=0x10/0x10,reg3=0xaf40102,"
        "reg4=0x121f90 actions=ct(commit,table=35,zone=65001,"
        "nat(dst=10.244.1.2:8080))\n"
        "table=31,priority=200,tcp,reg0=0x10/0x10,reg3=0xaf40103,"
        "reg4=0x121f90 actions=ct(commit,table=35,zone=65001,"
        "nat(dst=10.244.1.3:8080))\n"
        "table=31,priority=100,tcp,reg4=0x120000/0xffff0000"
        " actions=group:18\n");
    text = diff_text(ft);
    assert_has(text, "add-group group_id=18,type=select,selection_method=dp_hash,"
               "bucket=actions=set_field:0xaf40102->reg3,"
               "set_field:0x1f90/0xffff->reg4,"
               "set_field:0x120000/0xffff0000->reg4,"
               "set_field:0x10/0x10->reg0,resubmit(,31),"
               "bucket=actions=set_field:0xaf40103->reg3,");
    free(text);
}

/* An IPv6 cluster IP and two endpoints over TCP: the same flows in the
 * IPv6 words, the endpoint's address in xxreg2 (reg8..reg11), the DNAT to
 * [EP]:PORT. */
static void
test_tcp6_exact(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_addr fe[] = { addr6("fd00:10:96::10", 80) };
    struct svcflows_addr ep[] = { addr6("fd00:10:244:1::2", 8080),
                                  addr6("fd00:10:244:1::3", 8080) };
    struct svcflows_lb lb = {
        .id = 0x13, .proto = IPPROTO_TCP, .frontends = fe, .n_frontends = 1,
        .endpoints = ep, .n_endpoints = 2, .ipv6 = true,
    };
    char *text;

    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_desired(ft, svcflows_owner(0x13),
        "table=30,priority=200,tcp6,ipv6_dst=fd00:10:96::10,tp_dst=80"
        " actions=group:19\n"
        "table=31,priority=200,tcp6,reg0=0x10/0x10,reg4=0x131f90,"
        "reg8=0xfd000010,reg9=0x2440001,reg10=0,reg11=0x2"
        " actions=ct(commit,table=35,zone=65001,"
        "nat(dst=[fd00:10:244:1::2]:8080))\n"
        "table=31,priority=200,tcp6,reg0=0x10/0x10,reg4=0x131f90,"
        "reg8=0xfd000010,reg9=0x2440001,reg10=0,reg11=0x3"
        " actions=ct(commit,table=35,zone=65001,"
        "nat(dst=[fd00:10:244:1::3]:8080))\n"
        "table=31,priority=100,tcp6,reg4=0x130000/0xffff0000"
        " actions=group:19\n");
    text = diff_text(ft);
    assert_has(text, "add-group group_id=19,type=select,"
               "selection_method=dp_hash,bucket=actions="
               "set_field:0xfd000010024400010000000000000002->xxreg2,"
               "set_field:0x1f90/0xffff->reg4,"
               "set_field:0x130000/0xffff0000->reg4,"
               "set_field:0x10/0x10->reg0,resubmit(,31),"
               "bucket=actions="
               "set_field:0xfd000010024400010000000000000003->xxreg2,");
    free(text);

    /* Affinity would learn the client's IPv4 address: refused. */
    lb.affinity_timeout = 60;
    assert_int_equal(svcflows_set(ft, &lb), -EINVAL);
    assert_int_equal(flowtab_count_owner(ft, svcflows_owner(0x13)), 0);
}

/* The conntrack flows of an IPv6 load balancer, beside an IPv4 one. */
static void
test_conntrack6(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_addr fe4[] = { addr("10.96.0.10", 80) };
    struct svcflows_addr ep4[] = { addr("10.244.1.2", 8080) };
    struct svcflows_addr fe6[] = { addr6("fd00:10:96::10", 80) };
    struct svcflows_addr ep6[] = { addr6("fd00:10:244:1::2", 8080) };
    struct svcflows_lb lbs[] = {
        { .id = 1, .proto = IPPROTO_TCP, .frontends = fe4, .n_frontends = 1,
          .endpoints = ep4, .n_endpoints = 1 },
        { .id = 2, .proto = IPPROTO_UDP, .frontends = fe6, .n_frontends = 1,
          .endpoints = ep6, .n_endpoints = 1, .ipv6 = true },
    };

    assert_int_equal(svcflows_set_conntrack(ft, lbs, 2), 0);
    assert_desired(ft, svcflows_conntrack_owner(),
        "table=20,priority=104,tcp,nw_dst=10.96.0.10,tp_dst=80"
        " actions=ct(table=21,zone=65001,nat)\n"
        "table=20,priority=104,udp6,ipv6_dst=fd00:10:96::10,tp_dst=80"
        " actions=ct(table=21,zone=65001,nat)\n"
        "table=20,priority=102,icmp,nw_src=10.244.1.2"
        " actions=set_field:0x40/0x40->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=102,icmp6,ipv6_src=fd00:10:244:1::2"
        " actions=set_field:0x40/0x40->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=102,tcp,nw_src=10.244.1.2,tp_src=8080"
        " actions=set_field:0x40/0x40->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=102,udp6,ipv6_src=fd00:10:244:1::2,tp_src=8080"
        " actions=set_field:0x40/0x40->reg0,ct(table=21,zone=65001,nat)\n");
}

/* Frontends take a conntrack pass; so does what comes from an endpoint's
 * address and port (or ICMP from its address), marked untracked unless
 * conntrack knows it.  Two load balancers with the same endpoint (a
 * Service's cluster IP and node port) make its flows once. */
static void
test_conntrack_shared_endpoint(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_addr fe1[] = { addr("10.96.0.10", 80) };
    struct svcflows_addr fe2[] = { addr("169.254.169.253", 30080) };
    struct svcflows_addr ep[] = { addr("10.244.1.2", 8080) };
    struct svcflows_lb lbs[] = {
        { .id = 1, .proto = IPPROTO_TCP, .frontends = fe1, .n_frontends = 1,
          .endpoints = ep, .n_endpoints = 1 },
        { .id = 2, .proto = IPPROTO_TCP, .frontends = fe2, .n_frontends = 1,
          .endpoints = ep, .n_endpoints = 1 },
    };

    assert_int_equal(svcflows_set_conntrack(ft, lbs, 2), 0);
    assert_desired(ft, svcflows_conntrack_owner(),
        "table=20,priority=104,tcp,nw_dst=10.96.0.10,tp_dst=80"
        " actions=ct(table=21,zone=65001,nat)\n"
        "table=20,priority=104,tcp,nw_dst=169.254.169.253,tp_dst=30080"
        " actions=ct(table=21,zone=65001,nat)\n"
        "table=20,priority=102,icmp,nw_src=10.244.1.2"
        " actions=set_field:0x40/0x40->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=102,tcp,nw_src=10.244.1.2,tp_src=8080"
        " actions=set_field:0x40/0x40->reg0,ct(table=21,zone=65001,nat)\n");
    assert_int_equal(svcflows_set_conntrack(ft, lbs, 1), 0);
    assert_int_equal(flowtab_count(ft), 3);
    assert_int_equal(svcflows_set_conntrack(ft, NULL, 0), 0);
    assert_int_equal(flowtab_count(ft), 0);
}

/* The affinity tests' load balancer: id 7, UDP 53 -> 5353, affinity for
 * 600 s, on the first 'n_fe' and 'n_ep' of two frontends and endpoints. */
static struct svcflows_addr affinity_fe[2], affinity_ep[2];

static struct svcflows_lb
affinity_lb(size_t n_fe, size_t n_ep)
{
    affinity_fe[0] = addr("10.96.0.11", 53);
    affinity_fe[1] = addr("10.96.0.12", 53);
    affinity_ep[0] = addr("10.244.1.4", 5353);
    affinity_ep[1] = addr("10.244.1.5", 5353);
    return (struct svcflows_lb) {
        .id = 7, .proto = IPPROTO_UDP, .frontends = affinity_fe,
        .n_frontends = n_fe, .endpoints = affinity_ep, .n_endpoints = n_ep,
        .affinity_timeout = 600,
    };
}

/* ClientIP affinity: a frontend consults the learned flows of its load
 * balancer's affinity version, and each endpoint's DNAT flow learns the
 * client's choice there, under the learned set's cookie, for the affinity
 * timeout. */
static void
test_affinity_learns(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_lb lb = affinity_lb(1, 1);

    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_desired(ft, svcflows_owner(7),
        "table=30,priority=200,udp,nw_dst=10.96.0.11,tp_dst=53"
        " actions=set_field:0x70000/0xffff0000->reg4,"
        "set_field:0x576685b->reg5,resubmit(,29),goto_table:31\n"
        "table=31,priority=200,udp,reg0=0x10/0x10,reg3=0xaf40104,"
        "reg4=0x714e9 actions=learn(table=29,idle_timeout=600,priority=100,"
        "cookie=0x50007576685b0000,eth_type=0x800,nw_proto=17,"
        "NXM_OF_IP_SRC[],NXM_NX_REG4[16..31],NXM_NX_REG5[],"
        "load:NXM_NX_REG3[]->NXM_NX_REG3[],"
        "load:NXM_NX_REG4[]->NXM_NX_REG4[],"
        "load:0x1->NXM_NX_REG0[4]),ct(commit,table=35,zone=65001,"
        "nat(dst=10.244.1.4:5353))\n"
        "table=31,priority=100,udp,reg4=0x70000/0xffff0000"
        " actions=group:7\n");
    assert_int_equal(svcflows_learned_cookie(7, 0x576685b),
                     UINT64_C(0x50007576685b0000));
    char *text = diff_text(ft);
    assert_null(strstr(text, "delete-learned"));
    assert_has(text, "add-group group_id=7,type=select,"
               "selection_method=hash,fields=ip_src,bucket=");
    free(text);
}

static bool
deletes_learned(const struct flowtab *ft, uint64_t cookie)
{
    char *part = xasprintf("delete-learned table=29,cookie=%#"PRIx64
                           "/0xffffffffffff0000\n", cookie);
    char *text = diff_text(ft);
    bool found = strstr(text, part) != NULL;

    free(part);
    free(text);
    return found;
}

/* What a client learned must not outlive what it learned for: the learned
 * set goes when affinity goes, when the load balancer goes, and when the
 * Service is another incarnation or has other frontends (a new version,
 * which old learned flows never match); an endpoint change alone keeps
 * it. */
static void
test_affinity_learned_set_goes(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_lb lb = affinity_lb(1, 2);
    uint64_t first = svcflows_learned_cookie(7, 0x576685b);

    assert_int_equal(svcflows_set(ft, &lb), 0);
    lb.n_endpoints = 1;
    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_false(deletes_learned(ft, first));

    lb.affinity_timeout = 0;
    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_true(deletes_learned(ft, first));

    lb.affinity_timeout = 600;
    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_false(deletes_learned(ft, first));
    lb.affinity_salt = 1;
    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_true(deletes_learned(ft, first));

    lb.affinity_salt = 0;
    lb.n_frontends = 2;
    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_true(deletes_learned(ft, first));

    lb.n_frontends = 1;
    assert_int_equal(svcflows_set(ft, &lb), 0);
    svcflows_remove(ft, 7);
    assert_true(deletes_learned(ft, first));
}

/* After a restart, learned flows the switch holds for a load balancer
 * that is still the same are kept; those of any other version go. */
static void
test_affinity_learned_after_restart(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_lb lb = affinity_lb(1, 1);
    uint64_t kept = svcflows_learned_cookie(7, 0x576685b);
    uint64_t stale = svcflows_learned_cookie(7, 0x1234);
    const char *match = "udp,reg4=0x70000/0xffff0000,reg5=0x1,"
                        "nw_src=10.244.1.9";
    const char *actions = "load:0xaf40104->NXM_NX_REG3[]";

    assert_int_equal(flowtab_add_installed_flow(ft, kept | 2, 29, 100, match,
                                                actions), 0);
    assert_int_equal(flowtab_add_installed_flow(ft, stale | 2, 29, 100,
                                                match, actions), 0);
    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_false(deletes_learned(ft, kept));
    assert_true(deletes_learned(ft, stale));
}

/* Without endpoints the frontends reject through the agent, and there is
 * no group; endpoints coming back restore the group in place. */
static void
test_no_endpoints_rejects(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_addr fe[] = { addr("10.96.0.12", 9000) };
    struct svcflows_addr ep[] = { addr("10.244.1.5", 9000) };
    struct svcflows_lb lb = {
        .id = 9, .proto = IPPROTO_SCTP, .frontends = fe, .n_frontends = 1,
    };
    char *text;

    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_desired(ft, svcflows_owner(9),
        "table=30,priority=200,sctp,nw_dst=10.96.0.12,tp_dst=9000"
        " actions=CONTROLLER:65535\n");
    text = diff_text(ft);
    assert_null(strstr(text, "group"));
    free(text);

    lb.endpoints = ep;
    lb.n_endpoints = 1;
    assert_int_equal(svcflows_set(ft, &lb), 0);
    assert_int_equal(flowtab_count_owner(ft, svcflows_owner(9)), 3);
    svcflows_remove(ft, 9);
    assert_int_equal(flowtab_count_owner(ft, svcflows_owner(9)), 0);
    assert_int_equal(flowtab_count(ft), 0);
}

static void
test_bad_input(void **state)
{
    struct flowtab *ft = *state;
    struct svcflows_addr fe[] = { addr("10.96.0.13", 80) };
    struct svcflows_lb lb = { .id = 0, .proto = IPPROTO_TCP,
                              .frontends = fe, .n_frontends = 1 };

    assert_int_equal(svcflows_set(ft, &lb), -EINVAL);
    lb.id = 1;
    lb.proto = IPPROTO_ICMP;
    assert_int_equal(svcflows_set(ft, &lb), -EINVAL);
    lb.proto = IPPROTO_TCP;
    lb.n_frontends = 0;
    assert_int_equal(svcflows_set(ft, &lb), -EINVAL);
    assert_int_equal(flowtab_count(ft), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tcp_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp6_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conntrack6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conntrack_shared_endpoint,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_affinity_learns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_affinity_learned_set_goes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_affinity_learned_after_restart,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_endpoints_rejects, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
