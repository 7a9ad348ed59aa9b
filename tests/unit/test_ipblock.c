/* ipBlock: CIDR parsing, validation and cidr-minus-except arithmetic. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/model/ipblock.h"

static struct polflows_cidr
cidr(const char *s)
{
    unsigned char addr[16];
    struct polflows_cidr c;
    int family, plen;
    char *err = NULL;

    assert_int_equal(ipblock_parse_cidr(s, &family, addr, &plen, &err), 0);
    assert_int_equal(family, AF_INET);
    memcpy(&c.addr, addr, 4);
    c.plen = plen;
    return c;
}

/* "a/n b/m ..." of a CIDR list. */
static char *
format(const struct polflows_cidr *cidrs, size_t n)
{
    char *out = calloc(1, n * 20 + 1);

    for (size_t i = 0; i < n; i++) {
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &cidrs[i].addr, buf, sizeof buf);
        sprintf(out + strlen(out), "%s%s/%d", i ? " " : "", buf,
                cidrs[i].plen);
    }
    return out;
}

/* Subtracts the space-separated 'excepts' from 'base' and compares. */
static void
check_subtract(const char *base, const char *excepts, const char *expected)
{
    struct polflows_cidr b = cidr(base), ex[16], *out;
    char *copy = strdup(excepts), *s;
    size_t n_ex = 0, n_out;

    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        ex[n_ex++] = cidr(tok);
    }
    ipblock_subtract(&b, ex, n_ex, &out, &n_out);
    s = format(out, n_out);
    if (strcmp(s, expected)) {
        fail_msg("%s minus %s: got '%s', expected '%s'", base, excepts, s,
                 expected);
    }
    free(s);
    free(out);
    free(copy);
}

static void
test_subtract(void **state)
{
    (void) state;
    check_subtract("10.0.0.0/24", "", "10.0.0.0/24");
    check_subtract("10.0.0.0/24", "10.0.0.0/25", "10.0.0.128/25");
    check_subtract("10.0.0.0/24", "10.0.0.7/32",
                   "10.0.0.0/30 10.0.0.4/31 10.0.0.6/32 10.0.0.8/29 "
                   "10.0.0.16/28 10.0.0.32/27 10.0.0.64/26 10.0.0.128/25");
    /* Several excepts. */
    check_subtract("10.0.0.0/24", "10.0.0.0/26 10.0.0.192/26",
                   "10.0.0.64/26 10.0.0.128/26");
    check_subtract("10.0.0.0/24", "10.0.0.0/26 10.0.0.64/26",
                   "10.0.0.128/25");
    /* Nested excepts: the inner one removes nothing more. */
    check_subtract("10.0.0.0/16", "10.0.1.0/24 10.0.1.128/25",
                   "10.0.0.0/24 10.0.2.0/23 10.0.4.0/22 10.0.8.0/21 "
                   "10.0.16.0/20 10.0.32.0/19 10.0.64.0/18 10.0.128.0/17");
    check_subtract("10.0.0.0/16", "10.0.1.128/25 10.0.1.0/24",
                   "10.0.0.0/24 10.0.2.0/23 10.0.4.0/22 10.0.8.0/21 "
                   "10.0.16.0/20 10.0.32.0/19 10.0.64.0/18 10.0.128.0/17");
    /* The arithmetic itself: an except equal to or covering the block
     * leaves nothing, one outside leaves it whole. */
    check_subtract("10.0.0.0/24", "10.0.0.0/24", "");
    check_subtract("10.0.0.0/24", "10.0.0.0/8", "");
    check_subtract("10.0.0.0/24", "192.168.0.0/24", "10.0.0.0/24");
    /* The whole address space. */
    check_subtract("0.0.0.0/0", "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16",
                   "0.0.0.0/5 8.0.0.0/7 11.0.0.0/8 12.0.0.0/6 16.0.0.0/4 "
                   "32.0.0.0/3 64.0.0.0/2 128.0.0.0/3 160.0.0.0/5 "
                   "168.0.0.0/6 172.0.0.0/12 172.32.0.0/11 172.64.0.0/10 "
                   "172.128.0.0/9 173.0.0.0/8 174.0.0.0/7 176.0.0.0/4 "
                   "192.0.0.0/9 192.128.0.0/11 192.160.0.0/13 "
                   "192.169.0.0/16 192.170.0.0/15 192.172.0.0/14 "
                   "192.176.0.0/12 192.192.0.0/10 193.0.0.0/8 194.0.0.0/7 "
                   "196.0.0.0/6 200.0.0.0/5 208.0.0.0/4 224.0.0.0/3");
    check_subtract("10.1.2.3/32", "", "10.1.2.3/32");
}

static int
parse_text(const char *text, struct ipblock **blockp, char **err)
{
    struct json_object *obj = json_tokener_parse(text);
    int error;

    assert_non_null(obj);
    error = ipblock_parse(obj, "ipBlock", blockp, err);
    json_object_put(obj);
    return error;
}

static void
parse_bad(const char *text, const char *expected)
{
    struct ipblock *block = NULL;
    char *err = NULL;

    assert_int_equal(parse_text(text, &block, &err), -EINVAL);
    assert_null(block);
    assert_non_null(err);
    if (!strstr(err, expected)) {
        fail_msg("'%s': message '%s' lacks '%s'", text, err, expected);
    }
    free(err);
}

static void
test_parse(void **state)
{
    struct ipblock *block = NULL;
    char *err = NULL, *s;
    struct in_addr a;

    (void) state;
    assert_int_equal(parse_text("{\"cidr\":\"10.0.0.0/16\",\"except\":"
                                "[\"10.0.0.0/17\",\"10.0.192.0/18\"]}",
                                &block, &err), 0);
    assert_false(block->ipv6);
    assert_int_equal(block->n_except, 2);
    s = format(block->ranges, block->n_ranges);
    assert_string_equal(s, "10.0.128.0/18");
    free(s);
    inet_pton(AF_INET, "10.0.130.1", &a);
    assert_true(ipblock_contains(block, a));
    inet_pton(AF_INET, "10.0.1.1", &a);
    assert_false(ipblock_contains(block, a));
    ipblock_destroy(block);

    /* Host bits are cleared, as the API server's parser does. */
    assert_int_equal(parse_text("{\"cidr\":\"10.0.0.77/24\"}", &block, &err),
                     0);
    s = format(block->ranges, block->n_ranges);
    assert_string_equal(s, "10.0.0.0/24");
    free(s);
    ipblock_destroy(block);

    /* IPv6 is validated but covers no IPv4 address. */
    assert_int_equal(parse_text("{\"cidr\":\"2001:db8::/32\",\"except\":"
                                "[\"2001:db8:1::/48\"]}", &block, &err), 0);
    assert_true(block->ipv6);
    assert_int_equal(block->n_ranges, 0);
    ipblock_destroy(block);
}

static void
test_validation(void **state)
{
    (void) state;
    parse_bad("{}", "ipBlock.cidr: required");
    parse_bad("{\"cidr\":\"\"}", "ipBlock.cidr: required");
    parse_bad("{\"cidr\":\"10.0.0.0\"}", "is not a valid CIDR");
    parse_bad("{\"cidr\":\"10.0.0.0/33\"}", "is not a valid CIDR");
    parse_bad("{\"cidr\":\"300.0.0.0/8\"}", "is not a valid CIDR");
    parse_bad("{\"cidr\":\"10.0.0.0/8x\"}", "is not a valid CIDR");
    parse_bad("{\"cidr\":10}", "ipBlock.cidr: not a string");
    /* except must be a strict subset of cidr: equal, outside, wider. */
    parse_bad("{\"cidr\":\"10.0.0.0/24\",\"except\":[\"10.0.0.0/24\"]}",
              "ipBlock.except[0]: '10.0.0.0/24' must be a strict subset "
              "of `cidr`");
    parse_bad("{\"cidr\":\"10.0.0.0/24\",\"except\":[\"10.0.0.0/25\","
              "\"192.168.0.0/25\"]}",
              "ipBlock.except[1]: '192.168.0.0/25' must be a strict subset");
    parse_bad("{\"cidr\":\"10.0.0.0/24\",\"except\":[\"10.0.0.0/16\"]}",
              "must be a strict subset");
    parse_bad("{\"cidr\":\"2001:db8::/32\",\"except\":[\"10.0.0.0/16\"]}",
              "must be a strict subset");
    parse_bad("{\"cidr\":\"2001:db8::/32\",\"except\":[\"2001:db9::/48\"]}",
              "must be a strict subset");
    parse_bad("{\"cidr\":\"10.0.0.0/24\",\"except\":\"10.0.0.0/25\"}",
              "ipBlock.except: not a list");
    parse_bad("{\"cidr\":\"10.0.0.0/24\",\"except\":[\"bogus\"]}",
              "ipBlock.except[0]: 'bogus' is not a valid CIDR");
}

/* "a/n b/m ..." of the IPv6 ranges of block 'text'. */
static char *
ranges6_text(const char *text)
{
    struct json_object *obj = json_tokener_parse(text);
    struct ipblock *block;
    char *err = NULL, *out;

    assert_non_null(obj);
    assert_int_equal(ipblock_parse(obj, "ipBlock", &block, &err), 0);
    assert_true(block->ipv6);
    assert_int_equal(block->n_ranges, 0);
    out = calloc(1, block->n_ranges6 * (INET6_ADDRSTRLEN + 5) + 1);
    for (size_t i = 0; i < block->n_ranges6; i++) {
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &block->ranges6[i].addr, buf, sizeof buf);
        sprintf(out + strlen(out), "%s%s/%d", i ? " " : "", buf,
                block->ranges6[i].plen);
    }
    ipblock_destroy(block);
    json_object_put(obj);
    return out;
}

static void
check_ranges6(const char *text, const char *expected)
{
    char *s = ranges6_text(text);

    if (strcmp(s, expected)) {
        fail_msg("%s: got '%s', expected '%s'", text, s, expected);
    }
    free(s);
}

/* IPv6 blocks get the same arithmetic over 128 bits. */
static void
test_ipv6(void **state)
{
    struct json_object *a, *b;
    struct ipblock *x, *y;
    struct in6_addr addr;
    char *err = NULL;

    (void) state;
    check_ranges6("{\"cidr\":\"2001:db8::/32\"}", "2001:db8::/32");
    check_ranges6("{\"cidr\":\"2001:db8::/32\",\"except\":"
                  "[\"2001:db8:8000::/33\"]}", "2001:db8::/33");
    check_ranges6("{\"cidr\":\"fd00::/125\",\"except\":[\"fd00::5/128\"]}",
                  "fd00::/126 fd00::4/128 fd00::6/127");
    check_ranges6("{\"cidr\":\"::/0\",\"except\":[\"8000::/1\","
                  "\"::/2\"]}", "4000::/2");
    /* the bits past 64 count as the first ones do */
    check_ranges6("{\"cidr\":\"fd00::/64\",\"except\":"
                  "[\"fd00::8000:0:0:0/65\"]}", "fd00::/65");

    a = json_tokener_parse("{\"cidr\":\"fd00::/125\",\"except\":"
                           "[\"fd00::5/128\"]}");
    b = json_tokener_parse("{\"cidr\":\"fd00::/125\",\"except\":"
                           "[\"fd00::4/128\"]}");
    assert_int_equal(ipblock_parse(a, "a", &x, &err), 0);
    assert_int_equal(ipblock_parse(b, "b", &y, &err), 0);
    assert_true(ipblock_equal(x, x));
    assert_false(ipblock_equal(x, y));
    inet_pton(AF_INET6, "fd00::4", &addr);
    assert_true(ipblock_contains6(x, &addr));
    assert_false(ipblock_contains6(y, &addr));
    assert_false(ipblock_contains(x, (struct in_addr) { 0 }));
    inet_pton(AF_INET6, "fd00::8", &addr);
    assert_false(ipblock_contains6(x, &addr));
    ipblock_destroy(x);
    ipblock_destroy(y);
    json_object_put(a);
    json_object_put(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subtract),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
