/* The answers that reject a connection: frames built byte by byte here,
 * every field of the answer read back by offset, and the packets that
 * must never be answered. */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/reject.h"
#include "csum.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

#define ETH 14
#define PROTO_SCTP 132

static const uint8_t client_mac[6] = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x0b };
static const uint8_t gw_mac[6] = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x01 };
static const uint8_t client_ip[4] = { 10, 244, 1, 11 };
static const uint8_t service_ip[4] = { 10, 96, 0, 10 };

/* A frame under construction; 'b' has room for any frame here and the
 * Ethernet padding after it. */
struct frame {
    uint8_t b[256];
    size_t len;
    size_t l4;                  /* offset of the transport header */
};

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint16_t
get16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
    return ((uint32_t) get16(p) << 16) | get16(p + 2);
}

/* Ethernet from the client to the gateway, and an IPv4 header with
 * 'opt_len' bytes of options (NOPs) from the client to the service, for
 * 'l4_len' bytes of transport header and payload that the caller fills
 * in at f->b + f->l4. */
static void
frame_init(struct frame *f, uint8_t proto, size_t opt_len, size_t l4_len)
{
    uint8_t *ip = f->b + ETH;
    size_t hlen = 20 + opt_len;

    memset(f, 0, sizeof *f);
    memcpy(f->b, gw_mac, 6);
    memcpy(f->b + 6, client_mac, 6);
    put16(f->b + 12, 0x0800);
    ip[0] = 0x40 | (hlen / 4);
    ip[1] = 0x10;
    put16(ip + 2, hlen + l4_len);
    put16(ip + 4, 0x1234);
    ip[8] = 63;
    ip[9] = proto;
    memcpy(ip + 12, client_ip, 4);
    memcpy(ip + 16, service_ip, 4);
    memset(ip + 20, 1, opt_len);
    f->l4 = ETH + hlen;
    f->len = f->l4 + l4_len;
}

/* Fills in the IP header checksum: call once the header is final. */
static void
frame_seal(struct frame *f)
{
    uint8_t *ip = f->b + ETH;
    ovs_be16 sum;

    put16(ip + 10, 0);
    sum = csum(ip, (ip[0] & 15) * 4);
    memcpy(ip + 10, &sum, 2);
}

static void
tcp_frame(struct frame *f, uint16_t flags, uint32_t seq, uint32_t ack,
          size_t opt_len, size_t payload)
{
    frame_init(f, IPPROTO_TCP, 0, 20 + opt_len + payload);
    uint8_t *tcp = f->b + f->l4;
    put16(tcp, 40000);
    put16(tcp + 2, 80);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = ((20 + opt_len) / 4) << 4;
    tcp[13] = flags;
    put16(tcp + 14, 64240);
    memset(tcp + 20, 1, opt_len);
    memset(tcp + 20 + opt_len, 'x', payload);
    frame_seal(f);
}

static void
udp_frame(struct frame *f, size_t opt_len, size_t payload)
{
    frame_init(f, IPPROTO_UDP, opt_len, 8 + payload);
    uint8_t *udp = f->b + f->l4;
    put16(udp, 41000);
    put16(udp + 2, 53);
    put16(udp + 4, 8 + payload);
    put16(udp + 6, 0xbeef);
    memset(udp + 8, 'q', payload);
    frame_seal(f);
}

/* Builds the answer to 'f' into 'out' (initialised here, uninitialised by
 * the caller) and checks the Ethernet and IPv4 headers every answer
 * shares. */
static void
build_ok(const struct frame *f, struct ofpbuf *out, uint8_t proto,
         size_t l4_len)
{
    ofpbuf_init(out, 0);
    assert_int_equal(reject_build(f->b, f->len, out), 0);
    assert_int_equal(out->size, ETH + 20 + l4_len);

    const uint8_t *b = out->data, *ip = b + ETH;
    assert_memory_equal(b, client_mac, 6);
    assert_memory_equal(b + 6, gw_mac, 6);
    assert_int_equal(get16(b + 12), 0x0800);
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(ip[1], 0);
    assert_int_equal(get16(ip + 2), 20 + l4_len);
    assert_int_equal(get16(ip + 4), 0);
    assert_int_equal(get16(ip + 6), 0x4000);         /* DF, offset 0 */
    assert_int_equal(ip[8], 64);
    assert_int_equal(ip[9], proto);
    assert_memory_equal(ip + 12, service_ip, 4);
    assert_memory_equal(ip + 16, client_ip, 4);
    assert_int_equal(csum(ip, 20), 0);
}

/* The TCP header of an answer, its checksum verified over the pseudo
 * header. */
static const uint8_t *
rst_ok(const struct ofpbuf *out)
{
    const uint8_t *ip = (const uint8_t *) out->data + ETH;
    const uint8_t *tcp = ip + 20;
    uint8_t pseudo[12] = { 0 };

    memcpy(pseudo, ip + 12, 8);
    pseudo[9] = IPPROTO_TCP;
    put16(pseudo + 10, 20);
    assert_int_equal(csum_finish(csum_continue(csum_continue(0, pseudo, 12),
                                               tcp, 20)), 0);
    assert_int_equal(get16(tcp), 80);
    assert_int_equal(get16(tcp + 2), 40000);
    assert_int_equal(tcp[12], 5 << 4);
    assert_int_equal(get16(tcp + 14), 0);            /* window */
    assert_int_equal(get16(tcp + 18), 0);            /* urgent pointer */
    return tcp;
}

static void
test_tcp_syn(void **state)
{
    struct frame f;
    struct ofpbuf out;

    (void) state;
    /* with an MSS option: options are not payload */
    tcp_frame(&f, 0x02, 0xfffffff0, 0, 4, 0);
    build_ok(&f, &out, IPPROTO_TCP, 20);
    const uint8_t *tcp = rst_ok(&out);
    assert_int_equal(get32(tcp + 4), 0);
    assert_int_equal(get32(tcp + 8), 0xfffffff1);
    assert_int_equal(tcp[13], 0x14);                  /* RST|ACK */
    ofpbuf_uninit(&out);
}

static void
test_tcp_ack_with_payload(void **state)
{
    struct frame f;
    struct ofpbuf out;

    (void) state;
    tcp_frame(&f, 0x18, 5000, 7000, 0, 10);          /* PSH|ACK */
    build_ok(&f, &out, IPPROTO_TCP, 20);
    const uint8_t *tcp = rst_ok(&out);
    assert_int_equal(get32(tcp + 4), 7000);
    assert_int_equal(get32(tcp + 8), 0);
    assert_int_equal(tcp[13], 0x04);                  /* RST only */
    ofpbuf_uninit(&out);
}

/* Without ACK, the answer acknowledges payload, SYN and FIN; the seq wraps
 * around; Ethernet padding after the IP total length is not payload. */
static void
test_tcp_syn_fin_payload_padded(void **state)
{
    struct frame f;
    struct ofpbuf out;

    (void) state;
    tcp_frame(&f, 0x03, UINT32_MAX, 0, 0, 3);
    f.len = 60;
    build_ok(&f, &out, IPPROTO_TCP, 20);
    const uint8_t *tcp = rst_ok(&out);
    assert_int_equal(get32(tcp + 4), 0);
    assert_int_equal(get32(tcp + 8), 4);              /* -1 + 3 + 1 + 1 */
    assert_int_equal(tcp[13], 0x14);
    ofpbuf_uninit(&out);
}

/* An ICMP port unreachable quoting 'quote' bytes of 'f' from its IP
 * header on. */
static void
check_unreachable(const struct frame *f, size_t quote)
{
    struct ofpbuf out;

    build_ok(f, &out, IPPROTO_ICMP, 8 + quote);
    const uint8_t *icmp = (const uint8_t *) out.data + ETH + 20;
    assert_int_equal(icmp[0], 3);
    assert_int_equal(icmp[1], 3);
    assert_int_equal(get32(icmp + 4), 0);
    assert_int_equal(csum(icmp, 8 + quote), 0);
    assert_memory_equal(icmp + 8, f->b + ETH, quote);
    ofpbuf_uninit(&out);
}

static void
test_udp(void **state)
{
    struct frame f;

    (void) state;
    udp_frame(&f, 0, 20);
    check_unreachable(&f, 20 + 8);
}

static void
test_udp_ip_options(void **state)
{
    struct frame f;

    (void) state;
    udp_frame(&f, 8, 5);
    check_unreachable(&f, 28 + 8);
}

/* A short datagram in a padded frame: the quote stops at its end. */
static void
test_udp_padded(void **state)
{
    struct frame f;

    (void) state;
    udp_frame(&f, 0, 0);
    memset(f.b + f.len, 0xee, 60 - f.len);
    f.len = 60;
    check_unreachable(&f, 20 + 8);
}

static void
test_sctp(void **state)
{
    struct frame f;

    (void) state;
    frame_init(&f, PROTO_SCTP, 0, 12 + 20);
    uint8_t *sctp = f.b + f.l4;
    put16(sctp, 42000);
    put16(sctp + 2, 3868);
    put32(sctp + 4, 0);
    put32(sctp + 8, 0x11223344);
    sctp[12] = 1;                                    /* INIT */
    frame_seal(&f);
    check_unreachable(&f, 20 + 8);
}

/* Fewer than 8 bytes of payload, an odd count: all of it is quoted. */
static void
test_other_protocol_short(void **state)
{
    struct frame f;

    (void) state;
    frame_init(&f, 253, 0, 3);
    memcpy(f.b + f.l4, "abc", 3);
    frame_seal(&f);
    check_unreachable(&f, 20 + 3);
}

/* The first fragment is answered like any packet. */
static void
test_first_fragment(void **state)
{
    struct frame f;

    (void) state;
    udp_frame(&f, 0, 40);
    put16(f.b + ETH + 6, 0x2000);                    /* MF, offset 0 */
    frame_seal(&f);
    check_unreachable(&f, 20 + 8);
}

static void
test_icmp_echo(void **state)
{
    struct frame f;

    (void) state;
    frame_init(&f, IPPROTO_ICMP, 0, 16);
    f.b[f.l4] = 8;
    put16(f.b + f.l4 + 4, 77);
    frame_seal(&f);
    check_unreachable(&f, 20 + 8);
}

/* reject_build() refuses 'f', and leaves what 'out' held alone. */
static void
assert_refused(const struct frame *f)
{
    uint64_t stub[8];
    struct ofpbuf out;

    ofpbuf_use_stub(&out, stub, sizeof stub);
    ofpbuf_put(&out, "keep", 4);
    assert_int_equal(reject_build(f->b, f->len, &out), -EINVAL);
    assert_int_equal(out.size, 4);
    assert_memory_equal(out.data, "keep", 4);
    ofpbuf_uninit(&out);
}

static void
test_not_ipv4(void **state)
{
    struct frame f;

    (void) state;
    udp_frame(&f, 0, 8);
    put16(f.b + 12, 0x86dd);
    assert_refused(&f);
    put16(f.b + 12, 0x0806);
    assert_refused(&f);
    put16(f.b + 12, 0x8100);                         /* VLAN tag */
    assert_refused(&f);

    udp_frame(&f, 0, 8);
    f.b[ETH] = 0x65;                                 /* version 6 */
    frame_seal(&f);
    assert_refused(&f);
    f.b[ETH] = 0x44;                                 /* IHL 4 */
    frame_seal(&f);
    assert_refused(&f);
}

static void
test_truncated(void **state)
{
    struct frame f;

    (void) state;
    udp_frame(&f, 0, 8);
    f.len = ETH + 19;                                /* half an IP header */
    assert_refused(&f);
    udp_frame(&f, 0, 8);
    f.len--;                                         /* short of tot_len */
    assert_refused(&f);
    udp_frame(&f, 8, 8);
    put16(f.b + ETH + 2, 24);                        /* tot_len < IHL */
    frame_seal(&f);
    assert_refused(&f);

    frame_init(&f, IPPROTO_UDP, 0, 7);               /* UDP header cut */
    frame_seal(&f);
    assert_refused(&f);
    frame_init(&f, IPPROTO_ICMP, 0, 4);              /* ICMP header cut */
    f.b[f.l4] = 8;
    frame_seal(&f);
    assert_refused(&f);

    tcp_frame(&f, 0x02, 1, 0, 0, 0);
    put16(f.b + ETH + 2, 20 + 19);                   /* TCP header cut */
    frame_seal(&f);
    f.len = 60;
    assert_refused(&f);
    tcp_frame(&f, 0x02, 1, 0, 0, 0);
    f.b[f.l4 + 12] = 6 << 4;                         /* options missing */
    assert_refused(&f);
    f.b[f.l4 + 12] = 4 << 4;                         /* offset below 5 */
    assert_refused(&f);
}

static void
test_later_fragment(void **state)
{
    struct frame f;

    (void) state;
    udp_frame(&f, 0, 40);
    put16(f.b + ETH + 6, 185);
    frame_seal(&f);
    assert_refused(&f);
    put16(f.b + ETH + 6, 0x2000 | 1);                /* MF, offset 8 */
    frame_seal(&f);
    assert_refused(&f);
}

static void
test_tcp_rst(void **state)
{
    struct frame f;

    (void) state;
    tcp_frame(&f, 0x04, 1, 0, 0, 0);
    assert_refused(&f);
    tcp_frame(&f, 0x14, 1, 2, 0, 0);
    assert_refused(&f);
}

static void
test_icmp_errors(void **state)
{
    static const uint8_t errors[] = { 3, 4, 5, 11, 12 };
    struct frame f;

    (void) state;
    for (size_t i = 0; i < sizeof errors; i++) {
        frame_init(&f, IPPROTO_ICMP, 0, 8 + 28);
        f.b[f.l4] = errors[i];
        frame_seal(&f);
        assert_refused(&f);
    }
}

static void
test_not_one_host(void **state)
{
    static const uint8_t bad_dst[][4] = {
        { 224, 0, 0, 251 }, { 239, 1, 2, 3 }, { 255, 255, 255, 255 },
    };
    static const uint8_t bad_src[][4] = {
        { 0, 0, 0, 0 }, { 127, 0, 0, 1 }, { 224, 0, 0, 1 },
        { 240, 0, 0, 1 }, { 255, 255, 255, 255 },
    };
    struct frame f;

    (void) state;
    udp_frame(&f, 0, 8);
    memset(f.b, 0xff, 6);                            /* broadcast MAC */
    assert_refused(&f);
    udp_frame(&f, 0, 8);
    memcpy(f.b, (uint8_t[]) { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }, 6);
    assert_refused(&f);
    udp_frame(&f, 0, 8);
    f.b[6] |= 1;                                     /* multicast source */
    assert_refused(&f);

    for (size_t i = 0; i < ARRAY_SIZE(bad_dst); i++) {
        udp_frame(&f, 0, 8);
        memcpy(f.b + ETH + 16, bad_dst[i], 4);
        frame_seal(&f);
        assert_refused(&f);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad_src); i++) {
        udp_frame(&f, 0, 8);
        memcpy(f.b + ETH + 12, bad_src[i], 4);
        frame_seal(&f);
        assert_refused(&f);
    }
}

/* The frame may sit at any alignment, as in a packet-in message. */
static void
test_unaligned(void **state)
{
    struct frame f;
    uint8_t copy[sizeof f.b + 1];
    struct ofpbuf out, ref;

    (void) state;
    tcp_frame(&f, 0x18, 5000, 7000, 0, 10);
    memcpy(copy + 1, f.b, f.len);
    ofpbuf_init(&out, 0);
    ofpbuf_init(&ref, 0);
    assert_int_equal(reject_build(copy + 1, f.len, &out), 0);
    assert_int_equal(reject_build(f.b, f.len, &ref), 0);
    assert_int_equal(out.size, ref.size);
    assert_memory_equal(out.data, ref.data, out.size);
    ofpbuf_uninit(&out);
    ofpbuf_uninit(&ref);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_syn),
        cmocka_unit_test(test_tcp_ack_with_payload),
        cmocka_unit_test(test_tcp_syn_fin_payload_padded),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_udp_ip_options),
        cmocka_unit_test(test_udp_padded),
        cmocka_unit_test(test_sctp),
        cmocka_unit_test(test_other_protocol_short),
        cmocka_unit_test(test_first_fragment),
        cmocka_unit_test(test_icmp_echo),
        cmocka_unit_test(test_not_ipv4),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_later_fragment),
        cmocka_unit_test(test_tcp_rst),
        cmocka_unit_test(test_icmp_errors),
        cmocka_unit_test(test_not_one_host),
        cmocka_unit_test(test_unaligned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
