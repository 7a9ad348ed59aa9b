/* Policy rules compiled to conjunctive flows, compared as exact canonical
 * text, and the shared clause flows underneath them in flowtab. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/polflows.h"
#include "dataplane/tables.h"
#include "tests/unit/flowtab-fixture.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"

#define RULE(ID) cookie_owner(COOKIE_KIND_POLICY, ID)
#define SHARED flowtab_conj_owner(RULE(1))

static int
setup(void **state)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    *state = flowtab_create(3);
    return 0;
}

static struct in_addr
ip(const char *s)
{
    struct in_addr a;

    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return a;
}

static struct polflows_cidr
cidr(const char *s, int plen)
{
    return (struct polflows_cidr) { ip(s), plen };
}

/* An egress ALLOW rule in table 40 at priority 100, to table 50. */
static struct polflows_rule
egress_rule(uint32_t id, const struct in_addr *pods, size_t n_pods)
{
    return (struct polflows_rule) {
        .id = id,
        .dir = POLFLOWS_EGRESS,
        .action = POLFLOWS_ALLOW,
        .table = TABLE_EGRESS_RULE,
        .priority = 100,
        .next_table = TABLE_L3_FORWARDING,
        .pass_table = TABLE_EGRESS_DEFAULT,
        .pods = pods,
        .n_pods = n_pods,
    };
}

static void
test_pod_peers_ports(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    struct polflows_cidr peers[] = { cidr("10.244.2.0", 24),
                                     cidr("192.168.7.9", 32) };
    struct polflows_port ports[] = { { IPPROTO_TCP, 80, 0 },
                                     { IPPROTO_UDP, 53, 53 } };
    struct polflows_rule r = egress_rule(7, pods, 1);

    r.peers = peers;
    r.n_peers = 2;
    r.ports = ports;
    r.n_ports = 2;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=7 actions=set_field:0x7->reg6,goto_table:50\n"
        "table=40,priority=100,ip,nw_dst=10.244.2.0/24 "
        "actions=conjunction(7,2/3)\n"
        "table=40,priority=100,ip,nw_dst=192.168.7.9 "
        "actions=conjunction(7,2/3)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(7,1/3)\n"
        "table=40,priority=100,tcp,tp_dst=80 actions=conjunction(7,3/3)\n"
        "table=40,priority=100,udp,tp_dst=53 actions=conjunction(7,3/3)\n");
    /* pods + peers + ports + the conj_id flow */
    assert_int_equal(flowtab_count(ft), 1 + 2 + 2 + 1);
    assert_int_equal(flowtab_count_owner(ft, RULE(7)), 6);
    /* the rule owns its conj_id flow; the clause flows are shared */
    assert_diff(ft,
        "add table=40,priority=100,conj_id=7 cookie=0x3000000000070003 "
        "actions=set_field:0x7->reg6,goto_table:50\n"
        "add table=40,priority=100,ip,nw_dst=10.244.2.0/24 "
        "cookie=0x3fffffffffff0003 actions=conjunction(7,2/3)\n"
        "add table=40,priority=100,ip,nw_dst=192.168.7.9 "
        "cookie=0x3fffffffffff0003 actions=conjunction(7,2/3)\n"
        "add table=40,priority=100,ip,nw_src=10.244.1.2 "
        "cookie=0x3fffffffffff0003 actions=conjunction(7,1/3)\n"
        "add table=40,priority=100,tcp,tp_dst=80 "
        "cookie=0x3fffffffffff0003 actions=conjunction(7,3/3)\n"
        "add table=40,priority=100,udp,tp_dst=53 "
        "cookie=0x3fffffffffff0003 actions=conjunction(7,3/3)\n");

    polflows_remove_rule(ft, 7);
    assert_int_equal(flowtab_count(ft), 0);
}

static void
test_ingress_any_port(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2"), ip("10.244.1.3") };
    struct polflows_cidr peers[] = { cidr("10.0.0.0", 8) };
    struct polflows_rule r = egress_rule(8, pods, 2);

    r.dir = POLFLOWS_INGRESS;
    r.table = TABLE_INGRESS_RULE;
    r.next_table = TABLE_CT_COMMIT;
    r.peers = peers;
    r.n_peers = 1;
    r.any_port = true;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_desired(ft, 0,
        "table=70,priority=100,conj_id=8 actions=set_field:0x8->reg7,goto_table:80\n"
        "table=70,priority=100,ip,nw_dst=10.244.1.2 "
        "actions=conjunction(8,1/2)\n"
        "table=70,priority=100,ip,nw_dst=10.244.1.3 "
        "actions=conjunction(8,1/2)\n"
        "table=70,priority=100,ip,nw_src=10.0.0.0/8 "
        "actions=conjunction(8,2/2)\n");
}

static void
test_any_peer(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    struct polflows_port ports[] = { { IPPROTO_SCTP, 0, 0 },
                                     { IPPROTO_TCP, 443, 0 } };
    struct polflows_rule r = egress_rule(9, pods, 1);

    r.any_peer = true;
    r.ports = ports;
    r.n_ports = 2;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=9 actions=set_field:0x9->reg6,goto_table:50\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(9,1/2)\n"
        "table=40,priority=100,sctp actions=conjunction(9,2/2)\n"
        "table=40,priority=100,tcp,tp_dst=443 "
        "actions=conjunction(9,2/2)\n");
}

static void
test_any_peer_any_port_uses_catch_all(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2"), ip("10.244.1.3") };
    struct polflows_rule r = egress_rule(10, pods, 2);

    r.any_peer = true;
    r.any_port = true;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=10 actions=set_field:0xa->reg6,goto_table:50\n"
        "table=40,priority=100,ip actions=conjunction(10,2/2)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(10,1/2)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.3 "
        "actions=conjunction(10,1/2)\n");
    assert_int_equal(flowtab_count_owner(ft, RULE(10)), 4);
}

static void
test_port_range_split(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    struct polflows_port ports[] = { { IPPROTO_TCP, 1000, 1999 },
                                     { IPPROTO_UDP, 8080, 8081 },
                                     { IPPROTO_UDP, 65535, 65535 } };
    struct polflows_rule r = egress_rule(11, pods, 1);

    r.any_peer = true;
    r.ports = ports;
    r.n_ports = 3;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    /* 1000-1007, 1008-1023, 1024-1535, 1536-1791, 1792-1919, 1920-1983,
     * 1984-1999 */
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=11 actions=set_field:0xb->reg6,goto_table:50\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(11,1/2)\n"
        "table=40,priority=100,tcp,tp_dst=0x3e8/0xfff8 "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,tcp,tp_dst=0x3f0/0xfff0 "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,tcp,tp_dst=0x400/0xfe00 "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,tcp,tp_dst=0x600/0xff00 "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,tcp,tp_dst=0x700/0xff80 "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,tcp,tp_dst=0x780/0xffc0 "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,tcp,tp_dst=0x7c0/0xfff0 "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,udp,tp_dst=0x1f90/0xfffe "
        "actions=conjunction(11,2/2)\n"
        "table=40,priority=100,udp,tp_dst=65535 "
        "actions=conjunction(11,2/2)\n");
}

/* Every port of a range is covered by exactly one of its blocks, and no
 * port outside it is. */
static void
test_port_range_exhaustive(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    static const uint16_t ranges[][2] = {
        { 1, 65535 }, { 1000, 1999 }, { 3, 3 }, { 32767, 32769 },
        { 1024, 2047 }, { 5, 6 },
    };

    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        struct polflows_port port = { IPPROTO_TCP, ranges[i][0],
                                      ranges[i][1] };
        struct polflows_rule r = egress_rule(12, pods, 1);
        struct ds s = DS_EMPTY_INITIALIZER;
        uint32_t covered = 0;

        r.any_peer = true;
        r.ports = &port;
        r.n_ports = 1;
        assert_int_equal(polflows_set_rule(ft, &r), 0);
        flowtab_format_desired(ft, 0, &s);
        for (const char *p = strstr(ds_cstr(&s), "tp_dst="); p;
             p = strstr(p + 1, "tp_dst=")) {
            unsigned int value, mask = 0xffff;
            int n = sscanf(p, "tp_dst=%i/%i", &value, &mask);
            assert_true(n >= 1);
            assert_int_equal(value & ~mask, 0);
            assert_true(value >= ranges[i][0]);
            assert_true(value + (~mask & 0xffff) <= ranges[i][1]);
            covered += (~mask & 0xffff) + 1;
        }
        assert_int_equal(covered, ranges[i][1] - ranges[i][0] + 1u);
        ds_destroy(&s);
    }
}

static void
test_shared_clause(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods1[] = { ip("10.244.1.2") };
    struct in_addr pods2[] = { ip("10.244.1.2"), ip("10.244.1.3") };
    struct polflows_cidr peers1[] = { cidr("10.244.2.0", 24) };
    struct polflows_port ports2[] = { { IPPROTO_TCP, 80, 0 } };
    struct polflows_rule r1 = egress_rule(21, pods1, 1);
    struct polflows_rule r2 = egress_rule(5, pods2, 2);

    r1.peers = peers1;
    r1.n_peers = 1;
    r1.any_port = true;
    r2.any_peer = true;
    r2.ports = ports2;
    r2.n_ports = 1;
    assert_int_equal(polflows_set_rule(ft, &r1), 0);
    assert_int_equal(polflows_set_rule(ft, &r2), 0);
    /* the pod clause of both is one flow, the actions sorted by id */
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=21 actions=set_field:0x15->reg6,goto_table:50\n"
        "table=40,priority=100,conj_id=5 actions=set_field:0x5->reg6,goto_table:50\n"
        "table=40,priority=100,ip,nw_dst=10.244.2.0/24 "
        "actions=conjunction(21,2/2)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(5,1/2),conjunction(21,1/2)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.3 "
        "actions=conjunction(5,1/2)\n"
        "table=40,priority=100,tcp,tp_dst=80 actions=conjunction(5,2/2)\n");
    assert_int_equal(flowtab_count(ft), 6);
    assert_int_equal(flowtab_count_owner(ft, RULE(21)), 3);
    assert_int_equal(flowtab_count_owner(ft, RULE(5)), 4);
    assert_int_equal(flowtab_count_owner(ft, SHARED), 4);
    assert_desired(ft, RULE(21),
        "table=40,priority=100,conj_id=21 actions=set_field:0x15->reg6,goto_table:50\n"
        "table=40,priority=100,ip,nw_dst=10.244.2.0/24 "
        "actions=conjunction(21,2/2)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(5,1/2),conjunction(21,1/2)\n");

    /* setting a rule again changes nothing */
    assert_int_equal(polflows_set_rule(ft, &r2), 0);
    assert_int_equal(flowtab_count(ft), 6);

    polflows_remove_rule(ft, 5);
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=21 actions=set_field:0x15->reg6,goto_table:50\n"
        "table=40,priority=100,ip,nw_dst=10.244.2.0/24 "
        "actions=conjunction(21,2/2)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(21,1/2)\n");
    polflows_remove_rule(ft, 21);
    assert_int_equal(flowtab_count(ft), 0);
}

/* After a commit, taking one rule out of a shared flow is a modify of the
 * whole flow with the remaining actions, and the flow goes only with the
 * last contribution. */
static void
test_shared_clause_diff(void **state)
{
    struct flowtab *ft = *state;

    assert_int_equal(flowtab_add_installed_flow(ft, SHARED | 3, 40, 100,
                     "ip,nw_src=10.244.1.2",
                     "conjunction(5,1/2),conjunction(21,1/2)"), 0);
    assert_int_equal(flowtab_add_conj(ft, RULE(21), 40, 100,
                                      "ip,nw_src=10.244.1.2", 21, 1, 2), 0);
    assert_int_equal(flowtab_add_conj(ft, RULE(5), 40, 100,
                                      "ip,nw_src=10.244.1.2", 5, 1, 2), 0);
    assert_diff(ft, "");

    flowtab_remove_owner(ft, RULE(5));
    assert_diff(ft,
        "modify table=40,priority=100,ip,nw_src=10.244.1.2 "
        "cookie=0x3fffffffffff0003 actions=conjunction(21,1/2)\n");
    flowtab_remove_owner(ft, RULE(21));
    assert_diff(ft,
        "delete table=40,priority=100,ip,nw_src=10.244.1.2 "
        "cookie=0x3fffffffffff0003\n");
}

/* A restarted agent's first commit re-adds shared flows with its round
 * and deletes those no rule wants any more. */
static void
test_shared_clause_restart(void **state)
{
    struct flowtab *ft = *state;

    assert_int_equal(flowtab_add_installed_flow(ft, SHARED | 2, 40, 100,
                     "ip,nw_src=10.244.1.2", "conjunction(5,1/2)"), 0);
    assert_int_equal(flowtab_add_installed_flow(ft, SHARED | 2, 40, 100,
                     "ip,nw_src=10.244.1.9", "conjunction(5,1/2)"), 0);
    assert_int_equal(flowtab_add_conj(ft, RULE(5), 40, 100,
                                      "ip,nw_src=10.244.1.2", 5, 1, 2), 0);
    assert_diff(ft,
        "modify table=40,priority=100,ip,nw_src=10.244.1.2 "
        "cookie=0x3fffffffffff0003 actions=conjunction(5,1/2)\n"
        "delete table=40,priority=100,ip,nw_src=10.244.1.9 "
        "cookie=0x3fffffffffff0002\n");
}

static void
test_conj_conflicts(void **state)
{
    struct flowtab *ft = *state;
    uint64_t pod = cookie_owner(COOKIE_KIND_POD, 1);

    assert_int_equal(flowtab_add_conj(ft, RULE(1), 40, 100, "ip", 1, 1, 2),
                     0);
    assert_int_equal(flowtab_add_conj(ft, RULE(1), 40, 100,
                                      "dl_type=0x0800", 1, 1, 2), 0);
    /* the same conjunction id with another clause or owner */
    assert_int_equal(flowtab_add_conj(ft, RULE(1), 40, 100, "ip", 1, 2, 2),
                     -EEXIST);
    assert_int_equal(flowtab_add_conj(ft, RULE(2), 40, 100, "ip", 1, 1, 2),
                     -EEXIST);
    /* a normal flow and a clause flow cannot share a key */
    assert_int_equal(flowtab_add_flow(ft, RULE(2), 40, 100, "ip", "drop"),
                     -EEXIST);
    assert_int_equal(flowtab_add_flow(ft, SHARED, 40, 100, "ip",
                                      "conjunction(1,1/2)"), -EEXIST);
    assert_int_equal(flowtab_add_flow(ft, RULE(2), 40, 100, "tcp", "drop"),
                     0);
    assert_int_equal(flowtab_add_conj(ft, RULE(3), 40, 100, "tcp", 3, 1, 2),
                     -EEXIST);
    /* contributors of another kind have another shared cookie */
    assert_int_equal(flowtab_add_conj(ft, pod, 40, 100, "ip", 4, 1, 2),
                     -EEXIST);
    /* clause numbers the switch would refuse */
    assert_int_equal(flowtab_add_conj(ft, RULE(1), 40, 100, "udp", 1, 1, 1),
                     -EINVAL);
    assert_int_equal(flowtab_add_conj(ft, RULE(1), 40, 100, "udp", 1, 3, 2),
                     -EINVAL);
    assert_int_equal(flowtab_add_conj(ft, RULE(1), 40, 100, "udp", 1, 0, 2),
                     -EINVAL);
    assert_int_equal(flowtab_add_conj(ft, RULE(1), 40, 100, "nw_src=1.2.3.4",
                                      1, 1, 2), -EINVAL);
    assert_int_equal(flowtab_count(ft), 2);
    assert_desired(ft, 0,
        "table=40,priority=100,ip actions=conjunction(1,1/2)\n"
        "table=40,priority=100,tcp actions=drop\n");
}

static void
test_deny_and_pass(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    struct polflows_cidr peers[] = { cidr("10.1.0.0", 16) };
    struct polflows_rule deny = egress_rule(31, pods, 1);
    struct polflows_rule pass = egress_rule(32, pods, 1);

    deny.action = POLFLOWS_DENY;
    deny.priority = 200;
    deny.peers = peers;
    deny.n_peers = 1;
    deny.any_port = true;
    pass.action = POLFLOWS_PASS;
    pass.priority = 150;
    pass.pass_table = TABLE_EGRESS_DEFAULT;
    pass.any_peer = true;
    pass.any_port = true;
    assert_int_equal(polflows_set_rule(ft, &deny), 0);
    assert_int_equal(polflows_set_rule(ft, &pass), 0);
    assert_desired(ft, 0,
        "table=40,priority=200,conj_id=31 actions=set_field:0x1f->reg6,set_field:0x28/0xff->reg2,goto_table:95\n"
        "table=40,priority=200,ip,nw_dst=10.1.0.0/16 "
        "actions=conjunction(31,2/2)\n"
        "table=40,priority=200,ip,nw_src=10.244.1.2 "
        "actions=conjunction(31,1/2)\n"
        "table=40,priority=150,conj_id=32 actions=set_field:0x20->reg6,goto_table:41\n"
        "table=40,priority=150,ip actions=conjunction(32,2/2)\n"
        "table=40,priority=150,ip,nw_src=10.244.1.2 "
        "actions=conjunction(32,1/2)\n");
}

static void
test_isolation(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2"), ip("10.244.1.3") };

    assert_int_equal(polflows_set_isolation(ft, 1000, POLFLOWS_EGRESS,
                                            TABLE_EGRESS_DEFAULT, 100,
                                            pods, 2), 0);
    assert_int_equal(polflows_set_isolation(ft, 1001, POLFLOWS_INGRESS,
                                            TABLE_INGRESS_DEFAULT, 100,
                                            pods, 1), 0);
    assert_desired(ft, 0,
        "table=41,priority=100,ip,nw_src=10.244.1.2 "
        "actions=set_field:0x3e8->reg6,set_field:0x29/0xff->reg2,goto_table:95\n"
        "table=41,priority=100,ip,nw_src=10.244.1.3 "
        "actions=set_field:0x3e8->reg6,set_field:0x29/0xff->reg2,goto_table:95\n"
        "table=71,priority=100,ip,nw_dst=10.244.1.2 "
        "actions=set_field:0x3e9->reg7,set_field:0x47/0xff->reg2,goto_table:95\n");
    /* replacing the set removes the pods no longer isolated */
    assert_int_equal(polflows_set_isolation(ft, 1000, POLFLOWS_EGRESS,
                                            TABLE_EGRESS_DEFAULT, 100,
                                            &pods[1], 1), 0);
    assert_desired(ft, RULE(1000),
        "table=41,priority=100,ip,nw_src=10.244.1.3 "
        "actions=set_field:0x3e8->reg6,set_field:0x29/0xff->reg2,goto_table:95\n");
    assert_int_equal(flowtab_count(ft), 2);
}

/* The pods policies isolate take a conntrack pass in both directions; a
 * new set replaces the old. */
static void
test_conntrack_pods(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2"), ip("10.244.1.3") };

    assert_int_equal(polflows_set_conntrack(ft, 3, pods, 2), 0);
    assert_desired(ft, RULE(3),
        "table=20,priority=105,ip,nw_dst=10.244.1.2 "
        "actions=set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=105,ip,nw_dst=10.244.1.3 "
        "actions=set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=105,ip,nw_src=10.244.1.2 "
        "actions=set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=105,ip,nw_src=10.244.1.3 "
        "actions=set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n");
    assert_int_equal(polflows_set_conntrack(ft, 3, &pods[1], 1), 0);
    assert_int_equal(flowtab_count(ft), 2);
    assert_int_equal(polflows_set_conntrack(ft, 3, NULL, 0), 0);
    assert_int_equal(flowtab_count(ft), 0);
}

static struct in6_addr
ip6(const char *s)
{
    struct in6_addr a;

    assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
    return a;
}

/* A dual-stack pod's IPv6 address is in the pod clause beside its IPv4
 * one, IPv6 peers beside IPv4 peers, and its port clause has IPv6 twins:
 * one conjunction for both families. */
static void
test_ipv6_clauses(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    struct in6_addr pods6[] = { ip6("fd00:10:244:1::2") };
    struct polflows_cidr peers[] = { cidr("10.244.2.0", 24) };
    struct polflows_cidr6 peers6[] = { { ip6("fd00:10:244:2::"), 64 },
                                       { ip6("fd00::9"), 128 } };
    struct polflows_port ports[] = { { IPPROTO_TCP, 80, 0 } };
    struct polflows_rule r = egress_rule(7, pods, 1);

    r.pods6 = pods6;
    r.n_pods6 = 1;
    r.peers = peers;
    r.n_peers = 1;
    r.peers6 = peers6;
    r.n_peers6 = 2;
    r.ports = ports;
    r.n_ports = 1;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=7 actions=set_field:0x7->reg6,goto_table:50\n"
        "table=40,priority=100,ip,nw_dst=10.244.2.0/24 "
        "actions=conjunction(7,2/3)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(7,1/3)\n"
        "table=40,priority=100,ipv6,ipv6_dst=fd00:10:244:2::/64 "
        "actions=conjunction(7,2/3)\n"
        "table=40,priority=100,ipv6,ipv6_dst=fd00::9 "
        "actions=conjunction(7,2/3)\n"
        "table=40,priority=100,ipv6,ipv6_src=fd00:10:244:1::2 "
        "actions=conjunction(7,1/3)\n"
        "table=40,priority=100,tcp,tp_dst=80 actions=conjunction(7,3/3)\n"
        "table=40,priority=100,tcp6,tp_dst=80 actions=conjunction(7,3/3)\n");

    /* IPv6 pods only, any peer, any port: the catch-all twin. */
    r.n_pods = 0;
    r.any_peer = r.any_port = true;
    r.dir = POLFLOWS_INGRESS;
    r.table = TABLE_INGRESS_RULE;
    r.next_table = TABLE_CT_COMMIT;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_desired(ft, 0,
        "table=70,priority=100,conj_id=7 actions=set_field:0x7->reg7,goto_table:80\n"
        "table=70,priority=100,ip actions=conjunction(7,2/2)\n"
        "table=70,priority=100,ipv6 actions=conjunction(7,2/2)\n"
        "table=70,priority=100,ipv6,ipv6_dst=fd00:10:244:1::2 "
        "actions=conjunction(7,1/2)\n");

    /* A prefix longer than IPv6 allows. */
    peers6[0].plen = 129;
    r.any_peer = false;
    assert_int_equal(polflows_set_rule(ft, &r), -EINVAL);
    assert_int_equal(flowtab_count(ft), 0);
}

/* Isolation and the conntrack pass cover a pod's IPv6 address as its
 * IPv4 one. */
static void
test_ipv6_isolation_conntrack(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr v4[] = { ip("10.244.1.2") };
    struct in6_addr v6[] = { ip6("fd00:10:244:1::2") };
    struct polflows_pods pods = { v4, 1, v6, 1 };

    assert_int_equal(polflows_set_isolation_pods(ft, 1000, POLFLOWS_EGRESS,
                                                 TABLE_EGRESS_DEFAULT, 100,
                                                 &pods), 0);
    assert_int_equal(polflows_set_isolation_pods(ft, 1001, POLFLOWS_INGRESS,
                                                 TABLE_INGRESS_DEFAULT, 100,
                                                 &pods), 0);
    assert_desired(ft, 0,
        "table=41,priority=100,ip,nw_src=10.244.1.2 "
        "actions=set_field:0x3e8->reg6,set_field:0x29/0xff->reg2,goto_table:95\n"
        "table=41,priority=100,ipv6,ipv6_src=fd00:10:244:1::2 "
        "actions=set_field:0x3e8->reg6,set_field:0x29/0xff->reg2,goto_table:95\n"
        "table=71,priority=100,ip,nw_dst=10.244.1.2 "
        "actions=set_field:0x3e9->reg7,set_field:0x47/0xff->reg2,goto_table:95\n"
        "table=71,priority=100,ipv6,ipv6_dst=fd00:10:244:1::2 "
        "actions=set_field:0x3e9->reg7,set_field:0x47/0xff->reg2,goto_table:95\n");

    pods.n_v4 = 0;
    assert_int_equal(polflows_set_conntrack_pods(ft, 3, &pods), 0);
    assert_desired(ft, RULE(3),
        "table=20,priority=105,ipv6,ipv6_dst=fd00:10:244:1::2 "
        "actions=set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n"
        "table=20,priority=105,ipv6,ipv6_src=fd00:10:244:1::2 "
        "actions=set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n");
}

static void
test_empty_and_invalid(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    struct polflows_cidr bad_peer[] = { cidr("10.0.0.0", 33) };
    struct polflows_port icmp[] = { { IPPROTO_ICMP, 0, 0 } };
    struct polflows_port backwards[] = { { IPPROTO_TCP, 90, 80 } };
    struct polflows_rule r = egress_rule(41, pods, 1);

    /* matches nothing: no flows, no error */
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    r.any_peer = true;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    r.any_port = true;
    r.n_pods = 0;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_int_equal(flowtab_count(ft), 0);

    r.n_pods = 1;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_int_equal(flowtab_count(ft), 3);
    r.any_peer = false;
    r.peers = bad_peer;
    r.n_peers = 1;
    /* a bad rule leaves no flows of its own behind */
    assert_int_equal(polflows_set_rule(ft, &r), -EINVAL);
    assert_int_equal(flowtab_count(ft), 0);

    r.any_peer = true;
    r.any_port = false;
    r.ports = icmp;
    r.n_ports = 1;
    assert_int_equal(polflows_set_rule(ft, &r), -EINVAL);
    r.ports = backwards;
    assert_int_equal(polflows_set_rule(ft, &r), -EINVAL);
    r.ports = NULL;
    r.n_ports = 0;
    r.any_port = true;
    r.next_table = r.table;
    assert_int_equal(polflows_set_rule(ft, &r), -EINVAL);
    r.next_table = TABLE_L3_FORWARDING;
    r.id = 0;
    assert_int_equal(polflows_set_rule(ft, &r), -EINVAL);
    assert_int_equal(flowtab_count(ft), 0);
}

/* A rule's direct flow cannot take the key of another rule's clause flow
 * (OVS allows no other action beside conjunction()); the failed rule has
 * no flows and the other keeps its own. */
static void
test_pod_only_rule_shares_clauses(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[] = { ip("10.244.1.2") };
    struct polflows_port ports[] = { { IPPROTO_TCP, 80, 0 } };
    struct polflows_rule conj = egress_rule(51, pods, 1);
    struct polflows_rule direct = egress_rule(52, pods, 1);

    conj.any_peer = true;
    conj.ports = ports;
    conj.n_ports = 1;
    direct.any_peer = true;
    direct.any_port = true;
    /* A rule on the pods alone shares the pod's clause flow with a rule
     * that also names ports: both stay conjunctions. */
    assert_int_equal(polflows_set_rule(ft, &conj), 0);
    assert_int_equal(polflows_set_rule(ft, &direct), 0);
    assert_int_equal(flowtab_count_owner(ft, RULE(51)), 3);
    assert_int_equal(flowtab_count_owner(ft, RULE(52)), 3);
    assert_desired(ft, 0,
        "table=40,priority=100,conj_id=51 actions=set_field:0x33->reg6,goto_table:50\n"
        "table=40,priority=100,conj_id=52 actions=set_field:0x34->reg6,goto_table:50\n"
        "table=40,priority=100,ip actions=conjunction(52,2/2)\n"
        "table=40,priority=100,ip,nw_src=10.244.1.2 "
        "actions=conjunction(51,1/2),conjunction(52,1/2)\n"
        "table=40,priority=100,tcp,tp_dst=80 "
        "actions=conjunction(51,2/2)\n");
}

/* N peers and M ports for A pods: A + N + M + 1 flows. */
static void
test_flow_count(void **state)
{
    struct flowtab *ft = *state;
    struct in_addr pods[3];
    struct polflows_cidr peers[40];
    struct polflows_port ports[25];
    struct polflows_rule r = egress_rule(61, pods, 3);

    for (size_t i = 0; i < 3; i++) {
        pods[i].s_addr = htonl(0x0af40100 + 2 + i);
    }
    for (size_t i = 0; i < 40; i++) {
        peers[i] = (struct polflows_cidr) { { htonl(0x0a000000 + (i << 8)) },
                                            24 };
    }
    for (size_t i = 0; i < 25; i++) {
        ports[i] = (struct polflows_port) { IPPROTO_TCP, 8000 + i, 0 };
    }
    r.peers = peers;
    r.n_peers = 40;
    r.ports = ports;
    r.n_ports = 25;
    assert_int_equal(polflows_set_rule(ft, &r), 0);
    assert_int_equal(flowtab_count(ft), 3 + 40 + 25 + 1);
    assert_int_equal(flowtab_count_owner(ft, RULE(61)), 3 + 40 + 25 + 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pod_peers_ports, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ingress_any_port, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_any_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_any_peer_any_port_uses_catch_all,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_range_split, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_port_range_exhaustive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shared_clause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_clause_diff, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shared_clause_restart, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_conj_conflicts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deny_and_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conntrack_pods, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_invalid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_clauses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_isolation_conntrack, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pod_only_rule_shares_clauses, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flow_count, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
