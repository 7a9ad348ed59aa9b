/* Conntrack dumps of a real ovs-vswitchd 3.1 (userspace datapath), with
 * and without -m and -s, recorded by
 * tests/integration/test-conntrack-export.sh with CTDUMP_RECORD=tests/unit:
 * TCP open, closed, refused and through a DNAT, UDP both ways and in zone
 * 0, ICMP. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/lib/vec.h"
#include "agent/observe/ctdump.h"
#include "util.h"

static const char dump_plain[] =
#include "ctdump_plain.dump"
    ;
static const char dump_m[] =
#include "ctdump_m.dump"
    ;
static const char dump_s[] =
#include "ctdump_s.dump"
    ;
static const char dump_ms[] =
#include "ctdump_ms.dump"
    ;
static const char dump_zone[] =
#include "ctdump_zone.dump"
    ;

static struct vec
parse_all(const char *text, size_t want)
{
    struct vec v = VEC_INIT(struct ctdump_entry);

    assert_int_equal(ctdump_parse(text, &v), 0);
    assert_int_equal(v.n, want);
    return v;
}

static const struct ctdump_entry *
find(const struct vec *v, uint8_t proto, uint16_t dst_port)
{
    const struct ctdump_entry *e = v->data;

    for (size_t i = 0; i < v->n; i++) {
        if (e[i].proto == proto && e[i].orig.dst_port == dst_port) {
            return &e[i];
        }
    }
    fail_msg("no proto %u to port %u", proto, dst_port);
    return NULL;
}

static void
assert_ip(const struct in6_addr *addr, const char *want)
{
    char s[INET6_ADDRSTRLEN];
    ovs_be32 ip = ctdump_ipv4(addr);

    assert_true(IN6_IS_ADDR_V4MAPPED(addr));
    assert_string_equal(inet_ntop(AF_INET, &ip, s, sizeof s), want);
}

static void
assert_label(const struct ctdump_entry *e)
{
    assert_true(e->labels.u64.hi == 0x5e1e000000000001ULL);
    assert_true(e->labels.u64.lo == 0x0000000000000002ULL);
    assert_int_equal(e->mark, 7);
    assert_int_equal(e->zone, 65001);
}

static void
test_plain(void **state OVS_UNUSED)
{
    struct vec v = parse_all(dump_plain, 7);
    const struct ctdump_entry *e;

    /* Through the DNAT: the reply comes from the endpoint. */
    e = find(&v, IPPROTO_TCP, 80);
    assert_ip(&e->orig.src, "10.99.0.1");
    assert_ip(&e->orig.dst, "10.96.0.10");
    assert_int_equal(e->orig.src_port, 52918);
    assert_ip(&e->reply.src, "10.99.0.2");
    assert_ip(&e->reply.dst, "10.99.0.1");
    assert_int_equal(e->reply.src_port, 8080);
    assert_int_equal(e->reply.dst_port, 52918);
    assert_label(e);
    assert_int_equal(e->tcp_orig, CTDUMP_TCP_ESTABLISHED);
    assert_int_equal(e->tcp_reply, CTDUMP_TCP_ESTABLISHED);
    assert_int_equal(e->timeout, -1);
    assert_int_equal(e->id, 0);
    assert_false(e->has_counters);
    assert_true(ctdump_tuple_is_ipv4(&e->orig));
    assert_false(ctdump_tcp_closed(e));

    /* Refused, and closed: TIME_WAIT (FIN_WAIT_2 printed as such). */
    e = find(&v, IPPROTO_TCP, 5003);
    assert_int_equal(e->tcp_orig, CTDUMP_TCP_TIME_WAIT);
    assert_true(ctdump_tcp_closed(e));
    assert_true(ctdump_tcp_closed(find(&v, IPPROTO_TCP, 5004)));

    /* Zone 0 prints no zone, mark or labels. */
    e = find(&v, IPPROTO_UDP, 9999);
    assert_int_equal(e->zone, 0);
    assert_int_equal(e->mark, 0);
    assert_true(ovs_u128_is_zero(e->labels));
    assert_int_equal(e->orig.src_port, 40000);
    assert_int_equal(e->tcp_orig, CTDUMP_TCP_NONE);
    assert_null(ctdump_tcp_state_name(ctdump_tcp_state(e)));
    assert_label(find(&v, IPPROTO_UDP, 5002));

    e = find(&v, IPPROTO_ICMP, 0);
    assert_int_equal(e->orig.icmp_type, 8);
    assert_int_equal(e->orig.icmp_code, 0);
    assert_int_equal(e->reply.icmp_type, 0);
    assert_int_equal(e->orig.icmp_id, e->reply.icmp_id);
    assert_true(e->orig.icmp_id > 0);
    assert_label(e);
    free(v.data);
}

/* -m: id=0, status=0, the TCP state of each direction; the state the
 * entry is in agrees with the dump without -m. */
static void
test_more(void **state OVS_UNUSED)
{
    struct vec plain = parse_all(dump_plain, 7), more = parse_all(dump_m, 7);
    const struct ctdump_entry *p = plain.data, *m = more.data;

    for (size_t i = 0; i < 7; i++) {
        assert_memory_equal(&p[i].orig, &m[i].orig, sizeof p[i].orig);
        assert_memory_equal(&p[i].reply, &m[i].reply, sizeof p[i].reply);
        assert_int_equal(ctdump_tcp_state(&p[i]), ctdump_tcp_state(&m[i]));
        assert_int_equal(m[i].id, 0);
    }
    m = find(&more, IPPROTO_TCP, 5004);
    assert_int_equal(m->tcp_orig, CTDUMP_TCP_FIN_WAIT_2);
    assert_string_equal(ctdump_tcp_state_name(ctdump_tcp_state(m)),
                        "TIME_WAIT");
    m = find(&more, IPPROTO_TCP, 5001);
    assert_string_equal(ctdump_tcp_state_name(ctdump_tcp_state(m)),
                        "ESTABLISHED");
    free(plain.data);
    free(more.data);
}

/* -s: the timeouts, and still no counters in the userspace datapath. */
static void
test_stats(void **state OVS_UNUSED)
{
    const char *const dumps[] = { dump_s, dump_ms };

    for (size_t d = 0; d < ARRAY_SIZE(dumps); d++) {
        struct vec v = parse_all(dumps[d], 7);
        const struct ctdump_entry *e = v.data;

        for (size_t i = 0; i < v.n; i++) {
            assert_true(e[i].timeout >= 0);
            assert_false(e[i].has_counters);
        }
        assert_int_equal(find(&v, IPPROTO_TCP, 5001)->timeout, 86396);
        assert_int_equal(find(&v, IPPROTO_UDP, 9999)->timeout, 57);
        assert_int_equal(find(&v, IPPROTO_ICMP, 0)->timeout, 26);
        free(v.data);
    }
}

static void
test_zone(void **state OVS_UNUSED)
{
    struct vec v = parse_all(dump_zone, 6);
    const struct ctdump_entry *e = v.data;

    for (size_t i = 0; i < v.n; i++) {
        assert_int_equal(e[i].zone, 65001);
    }
    free(v.data);
}

/* What the userspace datapath does not print, from the format code:
 * counters, times, IPv6, other protocols, a helper's parent. */
static void
test_other_fields(void **state OVS_UNUSED)
{
    struct ctdump_entry e;
    char *err;

    assert_int_equal(ctdump_parse_entry(
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=21,packets=5,"
        "bytes=300),reply=(src=10.0.0.2,dst=10.0.0.1,sport=21,dport=1,"
        "packets=4,bytes=250),start=2026-12-02T05:48:40.000,id=77,zone=3,"
        "status=CONFIRMED|SEEN_REPLY,timeout=10,"
        "protoinfo=(state_orig=SYN_SENT,state_reply=SYN_RECV,"
        "flags_orig=WINDOW_SCALE|SACK_PERM,flags_reply=0),helper=ftp,"
        "parent=(src=10.0.0.1,dst=10.0.0.2,sport=2,dport=21)",
        &e, &err), 0);
    assert_true(e.has_counters);
    assert_int_equal(e.orig.counters.packets, 5);
    assert_int_equal(e.orig.counters.bytes, 300);
    assert_int_equal(e.reply.counters.packets, 4);
    assert_int_equal(e.reply.counters.bytes, 250);
    assert_int_equal(e.id, 77);
    assert_int_equal(e.zone, 3);
    assert_int_equal(e.timeout, 10);
    assert_int_equal(ctdump_tcp_state(&e), CTDUMP_TCP_ESTABLISHED);

    assert_int_equal(ctdump_parse_entry(
        "icmpv6,orig=(src=fd00::1,dst=fd00::2,id=9,type=128,code=0),"
        "reply=(src=fd00::2,dst=fd00::1,id=9,type=129,code=0),"
        "labels=0x1", &e, &err), 0);
    assert_int_equal(e.proto, IPPROTO_ICMPV6);
    assert_false(ctdump_tuple_is_ipv4(&e.orig));
    assert_true(e.labels.u64.lo == 1 && !e.labels.u64.hi);

    assert_int_equal(ctdump_parse_entry(
        "47,orig=(src=10.0.0.1,dst=10.0.0.2,sport=0,dport=0),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=0,dport=0)", &e, &err), 0);
    assert_int_equal(e.proto, 47);
}

static void
test_bad_lines(void **state OVS_UNUSED)
{
    static const char *const bad[] = {
        "",
        "tcp",
        "orig=(src=10.0.0.1,dst=10.0.0.2)",
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=2)",
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1",
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=70000,dport=2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1)",
        "tcp,orig=(src=10.0.0.1,dst=banana,sport=1,dport=2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1)",
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1),zone=-1",
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1),"
        "labels=0x" "000000000000000000000000000000001",
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1),"
        "protoinfo=(state=NAPPING)",
        "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1),stray",
        "bogus,orig=(src=10.0.0.1,dst=10.0.0.2),"
        "reply=(src=10.0.0.2,dst=10.0.0.1)",
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct ctdump_entry e;
        char *err;

        assert_int_equal(ctdump_parse_entry(bad[i], &e, &err), -EINVAL);
        assert_non_null(err);
        free(err);
    }

    /* A bad line among good ones is skipped and counted. */
    struct vec v = VEC_INIT(struct ctdump_entry);
    char *text = xasprintf("%s\nbogus line\n\n%s", "udp,orig=(src=1.1.1.1,"
                           "dst=2.2.2.2,sport=1,dport=2),reply=(src=2.2.2.2,"
                           "dst=1.1.1.1,sport=2,dport=1)", dump_zone);
    assert_int_equal(ctdump_parse(text, &v), 1);
    assert_int_equal(v.n, 7);
    free(v.data);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_more),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_zone),
        cmocka_unit_test(test_other_fields),
        cmocka_unit_test(test_bad_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
