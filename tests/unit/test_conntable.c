/* The exporter's connection table: active and idle timeouts, activity
 * from counters, TCP states and expiries, the end reasons, delta and
 * total counts, and the flow record it fills. */
#include <config.h>

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/lib/vec.h"
#include "agent/observe/conntable.h"
#include "agent/observe/ctdump.h"
#include "agent/observe/flowrecord.h"
#include "packets.h"
#include "util.h"

#define T0 1700000000000LL
#define S(N) (T0 + (N) * 1000LL)

/* The records exported, kept for the assertions. */
struct sink {
    struct conntable_flow flows[16];
    struct ctdump_entry cts[16];
    size_t n;
};

static void
collect(const struct conntable_flow *flow, void *sink_)
{
    struct sink *sink = sink_;

    assert_true(sink->n < ARRAY_SIZE(sink->flows));
    sink->cts[sink->n] = *flow->ct;
    sink->flows[sink->n] = *flow;
    sink->flows[sink->n].ct = &sink->cts[sink->n];
    sink->n++;
}

struct fixture {
    struct conntable *t;
    struct sink sink;
};

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);
    struct conntable_options options = { 0 };

    f->t = conntable_create(&options, collect, &f->sink);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    conntable_destroy(f->t);
    free(f);
    return 0;
}

/* A connection 10.0.0.1:SPORT -> 10.0.0.2:DPORT in zone 65001, without
 * timeout or counters. */
static struct ctdump_entry
conn(uint8_t proto, uint16_t sport, uint16_t dport)
{
    struct ctdump_entry e;

    memset(&e, 0, sizeof e);
    e.proto = proto;
    in6_addr_set_mapped_ipv4(&e.orig.src, htonl(0x0a000001));
    in6_addr_set_mapped_ipv4(&e.orig.dst, htonl(0x0a000002));
    e.orig.src_port = sport;
    e.orig.dst_port = dport;
    e.reply.src = e.orig.dst;
    e.reply.dst = e.orig.src;
    e.reply.src_port = dport;
    e.reply.dst_port = sport;
    e.zone = 65001;
    e.timeout = -1;
    e.tcp_orig = e.tcp_reply = (proto == IPPROTO_TCP ? CTDUMP_TCP_ESTABLISHED
                                : CTDUMP_TCP_NONE);
    return e;
}

/* Polls 'e' at second 'now' with the timeout that puts its expiry at
 * second 'expiry'. */
static void
poll_at(struct fixture *f, struct ctdump_entry *e, int now, int expiry)
{
    e->timeout = expiry - now;
    conntable_update(f->t, e, 1, S(now));
}

static void
poll_none(struct fixture *f, int now)
{
    conntable_update(f->t, NULL, 0, S(now));
}

static void
assert_flow(const struct sink *sink, size_t i, int reason, int start,
            int end)
{
    assert_true(i < sink->n);
    assert_int_equal(sink->flows[i].end_reason, reason);
    assert_true(sink->flows[i].start_ms == S(start));
    assert_true(sink->flows[i].end_ms == S(end));
}

/* A UDP stream with a packet every poll: its expiry moves each time, so
 * it is active, and reported every 60 s. */
static void
test_active_timeout(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_UDP, 1000, 53);

    for (int s = 0; s <= 125; s += 5) {
        poll_at(f, &e, s, s + 30);
    }
    assert_int_equal(f->sink.n, 2);
    assert_flow(&f->sink, 0, FLOWRECORD_END_ACTIVE, 0, 60);
    assert_flow(&f->sink, 1, FLOWRECORD_END_ACTIVE, 0, 120);
    assert_int_equal(conntable_count(f->t), 1);
}

/* Packets stop at second 10: the expiry stays put, and 15 s later the
 * final record, ending when it was last active; conntrack keeps the
 * entry until second 40, and nothing more is reported. */
static void
test_idle_timeout(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_UDP, 1000, 53);

    poll_at(f, &e, 0, 30);
    poll_at(f, &e, 5, 35);
    poll_at(f, &e, 10, 40);
    for (int s = 15; s < 25; s += 5) {
        poll_at(f, &e, s, 40);
    }
    assert_int_equal(f->sink.n, 0);
    poll_at(f, &e, 25, 40);
    assert_int_equal(f->sink.n, 1);
    assert_flow(&f->sink, 0, FLOWRECORD_END_IDLE, 0, 10);
    poll_at(f, &e, 30, 40);
    poll_at(f, &e, 35, 40);
    assert_int_equal(conntable_count(f->t), 1);
    poll_none(f, 40);
    assert_int_equal(f->sink.n, 1);
    assert_int_equal(conntable_count(f->t), 0);
}

/* An expiry one second later is the dump's rounding, not a packet. */
static void
test_expiry_slack(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_UDP, 1000, 53);

    poll_at(f, &e, 0, 30);
    for (int s = 5; s <= 15; s += 5) {
        poll_at(f, &e, s, 30 + s % 2 + (s == 10));
    }
    assert_int_equal(f->sink.n, 1);
    assert_flow(&f->sink, 0, FLOWRECORD_END_IDLE, 0, 0);
}

/* Idle, then packets again while conntrack still had it: a new flow. */
static void
test_idle_then_active(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_UDP, 1000, 53);

    poll_at(f, &e, 0, 30);
    poll_at(f, &e, 15, 30);
    assert_int_equal(f->sink.n, 1);
    poll_at(f, &e, 20, 50);
    poll_at(f, &e, 25, 55);
    poll_none(f, 30);
    assert_int_equal(f->sink.n, 2);
    assert_flow(&f->sink, 1, FLOWRECORD_END_IDLE, 20, 25);
}

/* Gone from conntrack while active: a UDP flow ends idle, a TCP one
 * that was closing ends as end of flow. */
static void
test_gone(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry udp = conn(IPPROTO_UDP, 1000, 53);
    struct ctdump_entry tcp = conn(IPPROTO_TCP, 1001, 80);
    struct ctdump_entry both[2];

    tcp.tcp_orig = CTDUMP_TCP_FIN_WAIT_1;
    both[0] = udp;
    both[1] = tcp;
    both[0].timeout = both[1].timeout = 30;
    conntable_update(f->t, both, 2, S(0));
    both[0].timeout = both[1].timeout = 30;
    conntable_update(f->t, both, 2, S(4));
    assert_int_equal(f->sink.n, 0);
    poll_none(f, 8);
    assert_int_equal(f->sink.n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct conntable_flow *flow = &f->sink.flows[i];
        assert_int_equal(flow->end_reason,
                         flow->ct->proto == IPPROTO_TCP
                         ? FLOWRECORD_END_OF_FLOW : FLOWRECORD_END_IDLE);
        assert_true(flow->end_ms == S(4));
    }
}

/* A TCP connection that reaches TIME_WAIT is reported at once and not
 * again; one first seen closed too (a short connection between two
 * polls). */
static void
test_tcp_closed(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_TCP, 1000, 80);
    struct ctdump_entry quick = conn(IPPROTO_TCP, 1001, 80);

    poll_at(f, &e, 0, 86400);
    e.tcp_orig = CTDUMP_TCP_FIN_WAIT_2;
    e.tcp_reply = CTDUMP_TCP_FIN_WAIT_2;
    poll_at(f, &e, 5, 35);
    assert_int_equal(f->sink.n, 1);
    assert_flow(&f->sink, 0, FLOWRECORD_END_OF_FLOW, 0, 5);
    assert_string_equal(ctdump_tcp_state_name(
                            ctdump_tcp_state(f->sink.flows[0].ct)),
                        "TIME_WAIT");
    poll_at(f, &e, 10, 35);
    poll_at(f, &e, 30, 36);     /* a retransmitted FIN: still closed */
    assert_int_equal(f->sink.n, 1);

    quick.tcp_orig = quick.tcp_reply = CTDUMP_TCP_TIME_WAIT;
    poll_at(f, &quick, 31, 60);
    assert_int_equal(f->sink.n, 2);
    assert_flow(&f->sink, 1, FLOWRECORD_END_OF_FLOW, 31, 31);
}

/* Where the datapath counts: activity from the counters alone, deltas
 * since the last record, totals; counts that went back are a new
 * connection on the same tuple. */
static void
test_counters(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_TCP, 1000, 80);

    e.has_counters = true;
    e.orig.counters = (struct ctdump_counters) { 10, 1000 };
    e.reply.counters = (struct ctdump_counters) { 8, 8000 };
    conntable_update(f->t, &e, 1, S(0));
    for (int s = 10; s <= 60; s += 10) {
        e.orig.counters.packets += 10;
        e.orig.counters.bytes += 1000;
        conntable_update(f->t, &e, 1, S(s));
    }
    assert_int_equal(f->sink.n, 1);
    assert_flow(&f->sink, 0, FLOWRECORD_END_ACTIVE, 0, 60);
    assert_int_equal(f->sink.flows[0].total.packets, 70);
    assert_int_equal(f->sink.flows[0].delta.packets, 70);
    assert_int_equal(f->sink.flows[0].delta.bytes, 7000);
    assert_int_equal(f->sink.flows[0].reverse_total.bytes, 8000);
    assert_int_equal(f->sink.flows[0].reverse_delta.bytes, 8000);

    e.orig.counters.packets += 5;
    conntable_update(f->t, &e, 1, S(65));
    /* Unchanged from 65 on: idle at 80. */
    conntable_update(f->t, &e, 1, S(75));
    conntable_update(f->t, &e, 1, S(80));
    assert_int_equal(f->sink.n, 2);
    assert_flow(&f->sink, 1, FLOWRECORD_END_IDLE, 0, 65);
    assert_int_equal(f->sink.flows[1].delta.packets, 5);
    assert_int_equal(f->sink.flows[1].total.packets, 75);
    assert_int_equal(f->sink.flows[1].reverse_delta.bytes, 0);

    /* The tuple again, counting from 1. */
    e.orig.counters = (struct ctdump_counters) { 1, 60 };
    e.reply.counters = (struct ctdump_counters) { 0, 0 };
    conntable_update(f->t, &e, 1, S(90));
    assert_int_equal(f->sink.n, 2);
    conntable_flush(f->t, S(95));
    assert_int_equal(f->sink.n, 3);
    assert_flow(&f->sink, 2, FLOWRECORD_END_FORCED, 90, 90);
    assert_int_equal(f->sink.flows[2].total.packets, 1);
}

/* Counts of a reported flow that fall back to 0 with no packet since (a
 * counter flow that went idle) or of a closed TCP connection: no record,
 * and the next counts are new. */
static void
test_counters_back_to_zero(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_UDP, 1000, 53);

    e.has_counters = true;
    e.orig.counters = (struct ctdump_counters) { 4, 400 };
    conntable_update(f->t, &e, 1, S(0));
    conntable_update(f->t, &e, 1, S(20));
    assert_int_equal(f->sink.n, 1);
    assert_flow(&f->sink, 0, FLOWRECORD_END_IDLE, 0, 0);

    e.orig.counters = (struct ctdump_counters) { 0, 0 };
    conntable_update(f->t, &e, 1, S(30));
    conntable_update(f->t, &e, 1, S(60));
    assert_int_equal(f->sink.n, 1);

    e.orig.counters = (struct ctdump_counters) { 2, 200 };
    conntable_update(f->t, &e, 1, S(65));
    conntable_flush(f->t, S(70));
    assert_int_equal(f->sink.n, 2);
    assert_int_equal(f->sink.flows[1].delta.packets, 2);
    assert_int_equal(f->sink.flows[1].total.packets, 2);
}

/* Old counts going back while active: the old flow's record first. */
static void
test_counters_reset(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e = conn(IPPROTO_UDP, 1000, 53);

    e.orig.counters = (struct ctdump_counters) { 50, 5000 };
    conntable_update(f->t, &e, 1, S(0));
    e.orig.counters = (struct ctdump_counters) { 2, 200 };
    conntable_update(f->t, &e, 1, S(5));
    assert_int_equal(f->sink.n, 1);
    assert_flow(&f->sink, 0, FLOWRECORD_END_IDLE, 0, 0);
    assert_int_equal(f->sink.flows[0].total.packets, 50);
    assert_int_equal(conntable_count(f->t), 1);
}

/* Forced end at shutdown, for what has not ended only. */
static void
test_flush(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e[2] = {
        conn(IPPROTO_UDP, 1000, 53), conn(IPPROTO_TCP, 1001, 80),
    };

    e[1].tcp_orig = e[1].tcp_reply = CTDUMP_TCP_TIME_WAIT;
    conntable_update(f->t, e, 2, S(0));
    assert_int_equal(f->sink.n, 1);
    conntable_flush(f->t, S(3));
    assert_int_equal(f->sink.n, 2);
    assert_flow(&f->sink, 1, FLOWRECORD_END_FORCED, 0, 0);
    assert_int_equal(f->sink.flows[1].ct->proto, IPPROTO_UDP);
    assert_int_equal(conntable_count(f->t), 0);
}

/* The same tuple in two zones is two connections; ICMP keys on its id. */
static void
test_keys(void **state)
{
    struct fixture *f = *state;
    struct ctdump_entry e[4] = {
        conn(IPPROTO_UDP, 1000, 53), conn(IPPROTO_UDP, 1000, 53),
        conn(IPPROTO_ICMP, 0, 0), conn(IPPROTO_ICMP, 0, 0),
    };

    e[1].zone = 0;
    e[2].orig.icmp_id = 1;
    e[3].orig.icmp_id = 2;
    conntable_update(f->t, e, 4, S(0));
    assert_int_equal(conntable_count(f->t), 4);
    conntable_update(f->t, e, 4, S(1));
    assert_int_equal(conntable_count(f->t), 4);
}

/* Timeouts of the options, not the defaults. */
static void
test_options(void **state OVS_UNUSED)
{
    struct conntable_options options = { .active_timeout_s = 10,
                                         .idle_timeout_s = 3 };
    struct sink sink = { .n = 0 };
    struct conntable *t = conntable_create(&options, collect, &sink);
    struct ctdump_entry e = conn(IPPROTO_UDP, 1000, 53);

    e.has_counters = true;
    for (int s = 0; s <= 10; s++) {
        e.orig.counters.packets++;
        conntable_update(t, &e, 1, S(s));
    }
    assert_int_equal(sink.n, 1);
    assert_int_equal(sink.flows[0].end_reason, FLOWRECORD_END_ACTIVE);
    assert_true(sink.flows[0].end_ms == S(10));
    for (int s = 11; s <= 13; s++) {
        conntable_update(t, &e, 1, S(s));
    }
    assert_int_equal(sink.n, 2);
    assert_int_equal(sink.flows[1].end_reason, FLOWRECORD_END_IDLE);
    conntable_destroy(t);
}

static const char dump_s[] =
#include "ctdump_s.dump"
    ;

/* The record from the recorded dump: the Service's DNAT is the post-NAT
 * destination; ICMP's type and code go in the destination port. */
static void
test_to_flowrecord(void **state)
{
    struct fixture *f = *state;
    struct vec v = VEC_INIT(struct ctdump_entry);
    struct flowrecord rec;
    bool dnat_seen = false;

    assert_int_equal(ctdump_parse(dump_s, &v), 0);
    conntable_update(f->t, v.data, v.n, S(0));
    conntable_flush(f->t, S(1));
    assert_int_equal(f->sink.n, 7);
    for (size_t i = 0; i < f->sink.n; i++) {
        const struct conntable_flow *flow = &f->sink.flows[i];
        assert_true(conntable_to_flowrecord(flow, &rec));
        assert_int_equal(rec.src_ip, htonl(0x0a630001));
        assert_null(rec.src_pod_name);
        if (rec.proto == IPPROTO_ICMP) {
            assert_int_equal(rec.dst_port, 8 * 256);
            assert_int_equal(rec.src_port, 0);
            assert_null(rec.tcp_state);
        } else if (rec.dst_port == 80) {
            dnat_seen = true;
            assert_int_equal(rec.dst_ip, htonl(0x0a60000a));
            assert_int_equal(rec.post_nat_dst_ip, htonl(0x0a630002));
            assert_int_equal(rec.post_nat_dst_port, 8080);
            assert_string_equal(rec.tcp_state, "ESTABLISHED");
            assert_int_equal(rec.end_reason, FLOWRECORD_END_FORCED);
        } else {
            assert_int_equal(rec.post_nat_dst_ip, 0);
            assert_int_equal(rec.post_nat_dst_port, 0);
        }
    }
    assert_true(dnat_seen);

    struct ctdump_entry v6 = conn(IPPROTO_UDP, 1, 2);
    struct conntable_flow flow = { .ct = &v6 };
    inet_pton(AF_INET6, "fd00::1", &v6.orig.src);
    assert_false(conntable_to_flowrecord(&flow, &rec));
    free(v.data);
}

int
main(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_active_timeout),
        T(test_idle_timeout),
        T(test_expiry_slack),
        T(test_idle_then_active),
        T(test_gone),
        T(test_tcp_closed),
        T(test_counters),
        T(test_counters_reset),
        T(test_counters_back_to_zero),
        T(test_flush),
        T(test_keys),
        cmocka_unit_test(test_options),
        T(test_to_flowrecord),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
