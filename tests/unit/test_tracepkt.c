/* Traceflow's packets, read back with OVS's own flow extraction and
 * checksums, and the tags' DSCP values and cookies. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"
#include "dataplane/cookie.h"
#include "dataplane/tables.h"
#include "dataplane/traceflows.h"
#include "dataplane/tracepkt.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

static struct tracepkt
sample(uint8_t proto)
{
    struct tracepkt t = {
        .src_mac = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x02 },
        .dst_mac = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x01 },
        .proto = proto, .sport = 50000, .dport = 80, .dscp = 7,
    };
    inet_pton(AF_INET, "10.244.1.2", &t.src);
    inet_pton(AF_INET, "10.244.1.3", &t.dst);
    return t;
}

/* Builds 't' and extracts its flow; checks what every packet shares. */
static void
build(const struct tracepkt *t, struct ofpbuf *buf, struct flow *f)
{
    struct dp_packet p;

    ofpbuf_init(buf, 128);
    assert_int_equal(tracepkt_build(t, buf), 0);
    dp_packet_use_const(&p, buf->data, buf->size);
    flow_extract(&p, f);
    assert_int_equal(f->dl_type, htons(ETH_TYPE_IP));
    assert_memory_equal(&f->dl_src, t->src_mac, 6);
    assert_memory_equal(&f->dl_dst, t->dst_mac, 6);
    assert_int_equal(f->nw_src, t->src.s_addr);
    assert_int_equal(f->nw_dst, t->dst.s_addr);
    assert_int_equal(f->nw_tos, t->dscp << 2);
    assert_int_equal(f->nw_ttl, 64);
    assert_int_equal(f->nw_proto, t->proto);
    /* the IP header's checksum sums to 0 over itself */
    assert_int_equal(csum((const char *) buf->data + ETH_HEADER_LEN,
                          IP_HEADER_LEN), 0);
    dp_packet_uninit(&p);
}

static void
assert_l4_csum_ok(const struct ofpbuf *buf)
{
    const struct ip_header *ip = (const void *) ((const char *) buf->data
                                                 + ETH_HEADER_LEN);
    const char *l4 = (const char *) (ip + 1);
    size_t len = buf->size - ETH_HEADER_LEN - IP_HEADER_LEN;

    assert_int_equal(ntohs(ip->ip_tot_len), IP_HEADER_LEN + len);
    assert_int_equal(csum_finish(csum_continue(packet_csum_pseudoheader(ip),
                                               l4, len)), 0);
}

static void
test_tcp_syn(void **state OVS_UNUSED)
{
    struct tracepkt t = sample(IPPROTO_TCP);
    struct ofpbuf buf;
    struct flow f;

    build(&t, &buf, &f);
    assert_int_equal(ntohs(f.tp_src), 50000);
    assert_int_equal(ntohs(f.tp_dst), 80);
    assert_int_equal(ntohs(f.tcp_flags), TCP_SYN);
    assert_l4_csum_ok(&buf);
    ofpbuf_uninit(&buf);
}

static void
test_udp(void **state OVS_UNUSED)
{
    struct tracepkt t = sample(IPPROTO_UDP);
    struct ofpbuf buf;
    struct flow f;

    build(&t, &buf, &f);
    assert_int_equal(ntohs(f.tp_dst), 80);
    assert_int_equal(buf.size, ETH_HEADER_LEN + IP_HEADER_LEN + 8 + 8);
    assert_l4_csum_ok(&buf);
    ofpbuf_uninit(&buf);
}

static void
test_icmp_echo(void **state OVS_UNUSED)
{
    struct tracepkt t = sample(IPPROTO_ICMP);
    struct ofpbuf buf;
    struct flow f;

    build(&t, &buf, &f);
    assert_int_equal(ntohs(f.tp_src), ICMP4_ECHO_REQUEST);
    assert_int_equal(csum((const char *) buf.data + ETH_HEADER_LEN
                          + IP_HEADER_LEN, ICMP_HEADER_LEN), 0);
    ofpbuf_uninit(&buf);
}

static void
test_other_protocol(void **state OVS_UNUSED)
{
    struct tracepkt t = sample(IPPROTO_SCTP);
    struct ofpbuf buf;

    ofpbuf_init(&buf, 64);
    assert_int_equal(tracepkt_build(&t, &buf), -EINVAL);
    assert_int_equal(buf.size, 0);
    ofpbuf_uninit(&buf);
}

/* Every tag is an odd DSCP from 3 (never a standard code point), maps
 * back to itself, and names its own cookie. */
static void
test_tags(void **state OVS_UNUSED)
{
    for (unsigned int i = 0; i < TRACE_N_TAGS; i++) {
        uint8_t dscp = traceflows_dscp(i);
        assert_true(dscp >= 3 && dscp <= 63 && dscp % 2);
        assert_int_equal(traceflows_index(dscp), i);
        assert_int_equal(traceflows_index_of_cookie(
                             traceflows_owner(i) | 7), i);
    }
    assert_int_equal(traceflows_index(0), -1);
    assert_int_equal(traceflows_index(1), -1);
    assert_int_equal(traceflows_index(46), -1);
    assert_int_equal(traceflows_index_of_cookie(
                         cookie_make(COOKIE_KIND_POD, 1, 1)), -1);
    assert_int_equal(traceflows_index_of_cookie(
                         cookie_make(COOKIE_KIND_TRACE, TRACE_N_TAGS + 1, 1)),
                     -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_syn),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_icmp_echo),
        cmocka_unit_test(test_other_protocol),
        cmocka_unit_test(test_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
