/* The IPFIX encoder: exact bytes of a template set and of a data record
 * with strings, messages split at the MTU, sequence numbers, template
 * refresh; and Seine's flow record through it. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "agent/observe/flowrecord.h"
#include "agent/observe/ipfix.h"
#include "byte-order.h"
#include "flowrecord-fixture.h"
#include "util.h"

/* 2023-11-14T22:13:20.123Z: export time 0x6553f100. */
#define NOW 1700000000123LL

static const struct ipfix_ie small_ies[] = {
    { 8, 4, 0 },                        /* sourceIPv4Address */
    { 7, 2, 0 },                        /* sourceTransportPort */
    { 2, IPFIX_VARLEN, IPFIX_PEN_SEINE },   /* sourcePodName */
    { 4, 1, 0 },                        /* protocolIdentifier */
};

static struct ipfix *
small_encoder(size_t mtu)
{
    struct ipfix_options options = { .domain_id = 42, .mtu = mtu };
    struct ipfix *ipfix = ipfix_create(&options);

    assert_non_null(ipfix);
    assert_int_equal(ipfix_add_template(ipfix, 256, small_ies,
                                        ARRAY_SIZE(small_ies)), 0);
    return ipfix;
}

static int
add_small(struct ipfix *ipfix, uint16_t template, const char *pod)
{
    struct ipfix_record r;
    int error;

    ipfix_record_init(&r, ipfix, template);
    ipfix_put_ipv4(&r, htonl(0x0a000001));
    ipfix_put_u16(&r, 443);
    ipfix_put_string(&r, pod);
    ipfix_put_u8(&r, 6);
    error = ipfix_add_record(ipfix, &r);
    ipfix_record_uninit(&r);
    return error;
}

static void
assert_bytes(const struct ipfix_msg *msg, const uint8_t *want, size_t n)
{
    assert_int_equal(msg->buf.size, n);
    assert_memory_equal(msg->buf.data, want, n);
}

static uint32_t
msg_u32(const struct ipfix_msg *msg, size_t ofs)
{
    uint32_t v;

    memcpy(&v, (const uint8_t *) msg->buf.data + ofs, 4);
    return ntohl(v);
}

static uint16_t
msg_u16(const struct ipfix_msg *msg, size_t ofs)
{
    uint16_t v;

    memcpy(&v, (const uint8_t *) msg->buf.data + ofs, 2);
    return ntohs(v);
}

static void
test_template_bytes(void **state OVS_UNUSED)
{
    static const uint8_t want[] = {
        0x00, 0x0a, 0x00, 0x2c,         /* version 10, length 44 */
        0x65, 0x53, 0xf1, 0x00,         /* export time */
        0x00, 0x00, 0x00, 0x00,         /* sequence number */
        0x00, 0x00, 0x00, 0x2a,         /* observation domain 42 */
        0x00, 0x02, 0x00, 0x1c,         /* template set, 28 bytes */
        0x01, 0x00, 0x00, 0x04,         /* template 256, 4 fields */
        0x00, 0x08, 0x00, 0x04,
        0x00, 0x07, 0x00, 0x02,
        0x80, 0x02, 0xff, 0xff, 0x00, 0x00, 0x7e, 0xd9,  /* PEN 32473 */
        0x00, 0x04, 0x00, 0x01,
    };
    struct ipfix *ipfix = small_encoder(0);
    struct ipfix_msg *msg;

    ipfix_session_start(ipfix, false);
    msg = ipfix_templates(ipfix, NOW);
    assert_bytes(msg, want, sizeof want);
    assert_int_equal(msg->n_records, 0);
    ipfix_msg_destroy(msg);
    ipfix_destroy(ipfix);
}

static void
test_record_bytes(void **state OVS_UNUSED)
{
    static const uint8_t want[] = {
        0x00, 0x0a, 0x00, 0x3e,         /* length 62 */
        0x65, 0x53, 0xf1, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x2a,
        0x01, 0x00, 0x00, 0x2e,         /* data set of template 256, 46 */
        0x0a, 0x00, 0x00, 0x01, 0x01, 0xbb,
        0x05, 'w', 'e', 'b', '-', '1',  /* §7: one length byte */
        0x06,
        0x0a, 0x00, 0x00, 0x01, 0x01, 0xbb,
        0x00,                           /* NULL: empty */
        0x06,
        0x0a, 0x00, 0x00, 0x01, 0x01, 0xbb,
        0x0d, 'd', 'b', '-', '0', '.', 'p', 'r', 'o', 'd', '-', 'e', 'u',
        '1',
        0x06,
    };
    struct ipfix *ipfix = small_encoder(0);
    struct ipfix_msg *msg;

    ipfix_session_start(ipfix, true);
    ipfix_msg_destroy(ipfix_templates(ipfix, NOW));
    assert_int_equal(add_small(ipfix, 256, "web-1"), 0);
    assert_int_equal(add_small(ipfix, 256, NULL), 0);
    assert_int_equal(add_small(ipfix, 256, "db-0.prod-eu1"), 0);
    assert_null(ipfix_take(ipfix));
    assert_false(ipfix_has_closed(ipfix));
    ipfix_flush(ipfix);
    assert_true(ipfix_has_closed(ipfix));
    msg = ipfix_take(ipfix);
    assert_int_equal(msg->n_records, 3);
    ipfix_stamp(ipfix, msg, NOW);
    assert_bytes(msg, want, sizeof want);
    ipfix_msg_destroy(msg);
    assert_null(ipfix_take(ipfix));
    ipfix_destroy(ipfix);
}

static void
test_long_string(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = small_encoder(IPFIX_DEFAULT_MTU);
    char name[301];
    struct ipfix_msg *msg;
    const uint8_t *rec;

    memset(name, 'p', 300);
    name[300] = '\0';
    assert_int_equal(add_small(ipfix, 256, name), 0);
    ipfix_flush(ipfix);
    msg = ipfix_take(ipfix);
    rec = (const uint8_t *) msg->buf.data + IPFIX_HEADER_LEN
          + IPFIX_SET_HEADER_LEN;
    /* 255, then the length in two bytes. */
    assert_int_equal(rec[6], 255);
    assert_int_equal(rec[7], 0x01);
    assert_int_equal(rec[8], 0x2c);
    assert_int_equal(rec[9], 'p');
    assert_int_equal(msg->buf.size, 16 + 4 + 6 + 3 + 300 + 1);
    ipfix_msg_destroy(msg);
    ipfix_destroy(ipfix);
}

static void
test_record_errors(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = small_encoder(128);
    struct ipfix_record r;
    char big[200];

    /* A u32 where the element is two bytes long. */
    ipfix_record_init(&r, ipfix, 256);
    ipfix_put_ipv4(&r, 0);
    ipfix_put_u32(&r, 443);
    assert_int_equal(ipfix_add_record(ipfix, &r), -EINVAL);
    ipfix_record_uninit(&r);

    /* A field missing, and one too many. */
    ipfix_record_init(&r, ipfix, 256);
    ipfix_put_ipv4(&r, 0);
    assert_int_equal(ipfix_add_record(ipfix, &r), -EINVAL);
    ipfix_put_u16(&r, 1);
    ipfix_put_string(&r, "a");
    ipfix_put_u8(&r, 6);
    ipfix_put_u8(&r, 6);
    assert_int_equal(ipfix_add_record(ipfix, &r), -E2BIG);
    ipfix_record_uninit(&r);

    ipfix_record_init(&r, ipfix, 999);
    assert_int_equal(ipfix_add_record(ipfix, &r), -EINVAL);
    ipfix_record_uninit(&r);

    /* Larger than a 128-byte message can carry (108). */
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(add_small(ipfix, 256, big), -EMSGSIZE);
    big[108 - 4 - 2 - 1 - 1] = '\0';
    assert_int_equal(add_small(ipfix, 256, big), 0);
    big[108 - 4 - 2 - 1 - 1] = 'x';
    big[108 - 4 - 2 - 1] = '\0';
    assert_int_equal(add_small(ipfix, 256, big), -EMSGSIZE);
    ipfix_destroy(ipfix);
}

static void
test_template_errors(void **state OVS_UNUSED)
{
    struct ipfix_options options = { .mtu = 128 };
    struct ipfix *ipfix = ipfix_create(&options);
    struct ipfix_ie zero = { 1, 0, 0 }, bit = { 0x8001, 8, 0 };
    struct ipfix_ie many[40];

    assert_int_equal(ipfix_add_template(ipfix, 255, small_ies, 1), -EINVAL);
    assert_int_equal(ipfix_add_template(ipfix, 256, small_ies, 0), -EINVAL);
    assert_int_equal(ipfix_add_template(ipfix, 256, &zero, 1), -EINVAL);
    assert_int_equal(ipfix_add_template(ipfix, 256, &bit, 1), -EINVAL);
    assert_int_equal(ipfix_add_template(ipfix, 256, small_ies, 4), 0);
    assert_int_equal(ipfix_add_template(ipfix, 256, small_ies, 4), -EINVAL);
    for (size_t i = 0; i < ARRAY_SIZE(many); i++) {
        many[i] = (struct ipfix_ie) { i + 1, 4, IPFIX_PEN_SEINE };
    }
    assert_int_equal(ipfix_add_template(ipfix, 257, many, ARRAY_SIZE(many)),
                     -EMSGSIZE);
    ipfix_destroy(ipfix);

    options.mtu = 100;
    assert_null(ipfix_create(&options));
    options.mtu = 70000;
    assert_null(ipfix_create(&options));
}

/* Records of 13 bytes in messages of 128: 16 + 4 + 8 * 13 = 124, so 8 a
 * message; a second template starts a set of its own. */
static void
test_mtu_split(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = small_encoder(128);
    struct ipfix_msg *msg;
    size_t counts[4], n = 0;

    assert_int_equal(ipfix_add_template(ipfix, 300, small_ies,
                                        ARRAY_SIZE(small_ies)), 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(add_small(ipfix, 256, "web-1"), 0);
    }
    ipfix_flush(ipfix);
    ipfix_flush(ipfix);         /* nothing open: no empty message */
    while ((msg = ipfix_take(ipfix))) {
        assert_true(msg->buf.size <= 128);
        assert_int_equal(msg_u16(msg, 16), 256);
        assert_int_equal(msg_u16(msg, 18), msg->buf.size - 16);
        counts[n++] = msg->n_records;
        ipfix_msg_destroy(msg);
    }
    assert_int_equal(n, 3);
    assert_int_equal(counts[0], 8);
    assert_int_equal(counts[1], 8);
    assert_int_equal(counts[2], 4);

    /* 256, 300, 256: three sets of one record, 16 + 3 * (4 + 13). */
    assert_int_equal(add_small(ipfix, 256, "web-1"), 0);
    assert_int_equal(add_small(ipfix, 300, "web-1"), 0);
    assert_int_equal(add_small(ipfix, 256, "web-1"), 0);
    ipfix_flush(ipfix);
    msg = ipfix_take(ipfix);
    assert_int_equal(msg->buf.size, 16 + 3 * 17);
    assert_int_equal(msg_u16(msg, 16), 256);
    assert_int_equal(msg_u16(msg, 18), 17);
    assert_int_equal(msg_u16(msg, 33), 300);
    assert_int_equal(msg_u16(msg, 35), 17);
    assert_int_equal(msg_u16(msg, 50), 256);
    ipfix_msg_destroy(msg);
    ipfix_destroy(ipfix);
}

/* The sequence number is the count of data records sent before the
 * message in the session; template messages do not count. */
static void
test_sequence(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = small_encoder(128);
    struct ipfix_msg *msgs[3], *t;

    for (int i = 0; i < 20; i++) {
        add_small(ipfix, 256, "web-1");
    }
    ipfix_flush(ipfix);
    for (int i = 0; i < 3; i++) {
        msgs[i] = ipfix_take(ipfix);
    }
    ipfix_session_start(ipfix, false);
    t = ipfix_templates(ipfix, NOW);
    assert_int_equal(msg_u32(t, 8), 0);
    ipfix_msg_destroy(t);
    ipfix_stamp(ipfix, msgs[0], NOW);
    assert_int_equal(msg_u32(msgs[0], 8), 0);
    t = ipfix_templates(ipfix, NOW + 1);
    assert_int_equal(msg_u32(t, 8), 8);
    ipfix_msg_destroy(t);
    ipfix_stamp(ipfix, msgs[1], NOW + 1);
    assert_int_equal(msg_u32(msgs[1], 8), 8);
    assert_int_equal(msg_u32(msgs[1], 4), NOW / 1000);
    ipfix_stamp(ipfix, msgs[2], NOW + 5000);
    assert_int_equal(msg_u32(msgs[2], 8), 16);
    assert_int_equal(msg_u32(msgs[2], 4), NOW / 1000 + 5);
    assert_int_equal(msg_u32(msgs[2], 12), 42);

    /* A new session counts from 0 again. */
    ipfix_session_start(ipfix, true);
    ipfix_stamp(ipfix, msgs[2], NOW);
    assert_int_equal(msg_u32(msgs[2], 8), 0);
    ipfix_stamp(ipfix, msgs[2], NOW);
    assert_int_equal(msg_u32(msgs[2], 8), 4);
    for (int i = 0; i < 3; i++) {
        ipfix_msg_destroy(msgs[i]);
    }
    ipfix_destroy(ipfix);
}

static void
test_refresh_udp(void **state OVS_UNUSED)
{
    struct ipfix_options options = { .template_refresh_s = 10 };
    struct ipfix *ipfix = ipfix_create(&options);

    /* No templates: never due. */
    ipfix_session_start(ipfix, false);
    assert_false(ipfix_templates_due(ipfix, NOW));
    assert_null(ipfix_templates(ipfix, NOW));
    assert_int_equal(ipfix_add_template(ipfix, 256, small_ies, 4), 0);

    /* Before the first data, then every 10 s. */
    assert_true(ipfix_templates_due(ipfix, NOW));
    assert_true(ipfix_templates_next(ipfix) == LLONG_MIN);
    ipfix_msg_destroy(ipfix_templates(ipfix, NOW));
    assert_false(ipfix_templates_due(ipfix, NOW));
    assert_false(ipfix_templates_due(ipfix, NOW + 9999));
    assert_true(ipfix_templates_next(ipfix) == NOW + 10000);
    assert_true(ipfix_templates_due(ipfix, NOW + 10000));
    ipfix_msg_destroy(ipfix_templates(ipfix, NOW + 10500));
    assert_false(ipfix_templates_due(ipfix, NOW + 20000));
    assert_true(ipfix_templates_due(ipfix, NOW + 20500));
    /* A clock set back. */
    assert_true(ipfix_templates_due(ipfix, NOW));
    /* A new socket: due at once. */
    ipfix_session_start(ipfix, false);
    assert_true(ipfix_templates_due(ipfix, NOW + 10600));
    ipfix_destroy(ipfix);

    options.template_refresh_s = 0;
    ipfix = ipfix_create(&options);
    ipfix_add_template(ipfix, 256, small_ies, 4);
    ipfix_msg_destroy(ipfix_templates(ipfix, NOW));
    assert_false(ipfix_templates_due(ipfix, NOW + 59999));
    assert_true(ipfix_templates_due(ipfix, NOW + 60000));
    ipfix_destroy(ipfix);
}

static void
test_refresh_tcp(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = small_encoder(0);

    ipfix_session_start(ipfix, true);
    assert_true(ipfix_templates_due(ipfix, NOW));
    ipfix_msg_destroy(ipfix_templates(ipfix, NOW));
    assert_false(ipfix_templates_due(ipfix, NOW + 3600 * 1000));
    assert_false(ipfix_templates_due(ipfix, 0));
    assert_true(ipfix_templates_next(ipfix) == LLONG_MAX);
    /* Reconnected. */
    ipfix_session_start(ipfix, true);
    assert_true(ipfix_templates_due(ipfix, NOW + 1));
    ipfix_destroy(ipfix);
}

/* Walks a record of template 'ies', returning where field 'want' is and
 * its length. */
static const uint8_t *
find_field(const uint8_t *rec, const struct ipfix_ie *ies, size_t n,
           uint16_t id, uint32_t pen, size_t *lenp)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = ies[i].length;
        if (len == IPFIX_VARLEN) {
            len = *rec++;
            if (len == 255) {
                len = rec[0] << 8 | rec[1];
                rec += 2;
            }
        }
        if (ies[i].id == id && ies[i].pen == pen) {
            *lenp = len;
            return rec;
        }
        rec += len;
    }
    fail();
    return NULL;
}

/* The template, as the first template message carries it. */
static struct ipfix_ie *
flowrecord_template(struct ipfix *ipfix, size_t *n)
{
    struct ipfix_msg *msg = ipfix_templates(ipfix, NOW);
    const uint8_t *p = (const uint8_t *) msg->buf.data + 20;
    struct ipfix_ie *ies;

    assert_int_equal(msg_u16(msg, 20), FLOWRECORD_TEMPLATE_ID);
    *n = msg_u16(msg, 22);
    ies = xcalloc(*n, sizeof *ies);
    p += 4;
    for (size_t i = 0; i < *n; i++) {
        ies[i].id = (p[0] << 8 | p[1]) & 0x7fff;
        ies[i].length = p[2] << 8 | p[3];
        if (p[0] & 0x80) {
            ies[i].pen = (uint32_t) p[4] << 24 | p[5] << 16 | p[6] << 8
                         | p[7];
            p += 4;
        }
        p += 4;
    }
    assert_ptr_equal(p, (const uint8_t *) msg->buf.data + msg->buf.size);
    ipfix_msg_destroy(msg);
    return ies;
}


static const uint8_t *
only_record(struct ipfix *ipfix, struct ipfix_msg **msgp)
{
    ipfix_flush(ipfix);
    *msgp = ipfix_take(ipfix);
    assert_non_null(*msgp);
    assert_int_equal((*msgp)->n_records, 1);
    assert_null(ipfix_take(ipfix));
    return (const uint8_t *) (*msgp)->buf.data + 20;
}

static void
assert_field_string(const uint8_t *rec, const struct ipfix_ie *ies,
                    size_t n, uint16_t id, uint32_t pen, const char *want)
{
    size_t len;
    const uint8_t *p = find_field(rec, ies, n, id, pen, &len);

    assert_int_equal(len, strlen(want));
    assert_memory_equal(p, want, len);
}

static void
test_flowrecord(void **state OVS_UNUSED)
{
    struct ipfix_options options = { 0 };
    struct ipfix *ipfix = ipfix_create(&options);
    struct flowrecord sample = flowrecord_fixture(NOW, 0);
    struct ipfix_msg *msg;
    struct ipfix_ie *ies;
    const uint8_t *rec, *p;
    size_t n, len;
    uint64_t v64;

    assert_int_equal(flowrecord_add_template(ipfix, IPFIX_PEN_SEINE), 0);
    ies = flowrecord_template(ipfix, &n);
    assert_int_equal(n, 40);
    assert_int_equal(ies[0].id, 152);
    assert_int_equal(ies[12].pen, IPFIX_PEN_REVERSE);
    assert_int_equal(ies[12].id, 2);
    assert_int_equal(ies[n - 1].id, FLOWRECORD_IE_DENIED);
    assert_int_equal(ies[n - 1].pen, IPFIX_PEN_SEINE);

    assert_int_equal(flowrecord_encode(ipfix, &sample), 0);
    rec = only_record(ipfix, &msg);
    p = find_field(rec, ies, n, 152, 0, &len);
    memcpy(&v64, p, 8);
    assert_true(ntohll(v64) == (uint64_t) NOW - 10000);
    p = find_field(rec, ies, n, 8, 0, &len);
    assert_memory_equal(p, "\x0a\xf4\x01\x05", 4);
    p = find_field(rec, ies, n, 226, 0, &len);
    assert_memory_equal(p, "\x0a\xf4\x02\x07", 4);
    p = find_field(rec, ies, n, 11, 0, &len);
    assert_int_equal(p[0] << 8 | p[1], 80);
    p = find_field(rec, ies, n, 1, IPFIX_PEN_REVERSE, &len);
    memcpy(&v64, p, 8);
    assert_true(ntohll(v64) == 3131);
    p = find_field(rec, ies, n, 228, 0, &len);
    assert_int_equal(p[0] << 8 | p[1], 8080);
    assert_field_string(rec, ies, n, FLOWRECORD_IE_SOURCE_POD_NAME,
                        IPFIX_PEN_SEINE, "web-1");
    assert_field_string(rec, ies, n, FLOWRECORD_IE_DESTINATION_NODE_NAME,
                        IPFIX_PEN_SEINE, "node2");
    assert_field_string(rec, ies, n, FLOWRECORD_IE_EGRESS_POLICY_KIND,
                        IPFIX_PEN_SEINE, "ClusterNetworkPolicy");
    assert_field_string(rec, ies, n, FLOWRECORD_IE_EGRESS_POLICY_NAMESPACE,
                        IPFIX_PEN_SEINE, "");
    assert_field_string(rec, ies, n, FLOWRECORD_IE_INGRESS_POLICY_RULE,
                        IPFIX_PEN_SEINE, "ingress rule 0");
    assert_field_string(rec, ies, n, FLOWRECORD_IE_TCP_STATE,
                        IPFIX_PEN_SEINE, "TIME_WAIT");
    p = find_field(rec, ies, n, FLOWRECORD_IE_EGRESS_POLICY_ACTION,
                   IPFIX_PEN_SEINE, &len);
    assert_int_equal(len, 1);
    assert_int_equal(*p, FLOWRECORD_ACTION_ALLOW);
    p = find_field(rec, ies, n, FLOWRECORD_IE_DENIED, IPFIX_PEN_SEINE, &len);
    assert_int_equal(*p, 0);
    ipfix_msg_destroy(msg);
    free(ies);
    ipfix_destroy(ipfix);
}

/* Names too long for one message together: the longest are cut, the
 * short ones stay whole. */
static void
test_flowrecord_cut(void **state OVS_UNUSED)
{
    struct ipfix_options options = { .mtu = 600 };
    struct ipfix *ipfix = ipfix_create(&options);
    struct flowrecord r = flowrecord_fixture(NOW, 0);
    struct ipfix_msg *msg;
    struct ipfix_ie *ies;
    char longname[254], rule[300];
    const uint8_t *rec;
    size_t n, len;

    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    memset(rule, 'r', sizeof rule - 1);
    rule[sizeof rule - 1] = '\0';
    /* 106 bytes of numbers leave 474 of 580 to the strings: 106 for the
     * short ones, 3 * 122 for the long ones.  A two-byte UTF-8 sequence
     * across the cut moves it back a byte. */
    memcpy(rule + 121, "\xc3\xa9", 2);
    r.src_pod_name = longname;
    r.dst_pod_name = longname;
    r.ingress.rule = rule;

    assert_int_equal(flowrecord_add_template(ipfix, IPFIX_PEN_SEINE), 0);
    ies = flowrecord_template(ipfix, &n);
    assert_int_equal(flowrecord_encode(ipfix, &r), 0);
    rec = only_record(ipfix, &msg);
    assert_true(msg->buf.size <= 600);
    assert_field_string(rec, ies, n, FLOWRECORD_IE_SOURCE_POD_NAMESPACE,
                        IPFIX_PEN_SEINE, "shop");
    find_field(rec, ies, n, FLOWRECORD_IE_SOURCE_POD_NAME, IPFIX_PEN_SEINE,
               &len);
    assert_int_equal(len, 122);
    size_t cap = len;
    find_field(rec, ies, n, FLOWRECORD_IE_DESTINATION_POD_NAME,
               IPFIX_PEN_SEINE, &len);
    assert_int_equal(len, cap);
    find_field(rec, ies, n, FLOWRECORD_IE_INGRESS_POLICY_RULE,
               IPFIX_PEN_SEINE, &len);
    assert_int_equal(len, cap - 1);
    ipfix_msg_destroy(msg);
    free(ies);
    ipfix_destroy(ipfix);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_bytes),
        cmocka_unit_test(test_record_bytes),
        cmocka_unit_test(test_long_string),
        cmocka_unit_test(test_record_errors),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_mtu_split),
        cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_refresh_udp),
        cmocka_unit_test(test_refresh_tcp),
        cmocka_unit_test(test_flowrecord),
        cmocka_unit_test(test_flowrecord_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
