/* devlink's eswitch messages, byte for byte as the kernel reads them
 * (include/uapi/linux/netlink.h, genetlink.h, devlink.h), decoded again
 * with libnl's own parser; answers decoded; and the live call on a
 * kernel without the device. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/devlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "hwoffload/eswitch.h"
#include "util.h"

/* The family id the tests pretend the kernel gave devlink. */
#define FAMILY 0x15

/* Little-endian, as on every machine Seine runs on. */
static const uint8_t get_bytes[] = {
    /* nlmsghdr: len 48, type FAMILY, flags REQUEST|ACK, seq 0, pid 0 */
    0x30, 0x00, 0x00, 0x00,  0x15, 0x00,  0x05, 0x00,
    0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
    /* genlmsghdr: cmd 29 (ESWITCH_GET), version 1, reserved */
    0x1d, 0x01, 0x00, 0x00,
    /* attr 1 (BUS_NAME), len 8: "pci\0" */
    0x08, 0x00, 0x01, 0x00,  'p', 'c', 'i', 0x00,
    /* attr 2 (DEV_NAME), len 17: "0000:03:00.0\0", 3 bytes of padding */
    0x11, 0x00, 0x02, 0x00,
    '0', '0', '0', '0', ':', '0', '3', ':', '0', '0', '.', '0',
    0x00, 0x00, 0x00, 0x00,
};

static const uint8_t set_bytes[] = {
    /* nlmsghdr: len 56 */
    0x38, 0x00, 0x00, 0x00,  0x15, 0x00,  0x05, 0x00,
    0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,
    /* genlmsghdr: cmd 30 (ESWITCH_SET), version 1 */
    0x1e, 0x01, 0x00, 0x00,
    0x08, 0x00, 0x01, 0x00,  'p', 'c', 'i', 0x00,
    0x11, 0x00, 0x02, 0x00,
    '0', '0', '0', '0', ':', '0', '3', ':', '0', '0', '.', '0',
    0x00, 0x00, 0x00, 0x00,
    /* attr 25 (ESWITCH_MODE), len 6: u16 1 (switchdev), 2 of padding */
    0x06, 0x00, 0x19, 0x00,  0x01, 0x00, 0x00, 0x00,
};

static void
check_bytes(struct nl_msg *msg, const uint8_t *want, size_t n)
{
    struct nlmsghdr *nlh = nlmsg_hdr(msg);

    assert_int_equal(nlh->nlmsg_len, n);
    assert_memory_equal(nlh, want, n);
}

/* 'msg' decoded by genlmsg_parse against devlink's attribute types. */
static void
decode(struct nl_msg *msg, uint8_t cmd, int mode)
{
    static const struct nla_policy policy[DEVLINK_ATTR_MAX + 1] = {
        [DEVLINK_ATTR_BUS_NAME] = { .type = NLA_NUL_STRING },
        [DEVLINK_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING },
        [DEVLINK_ATTR_ESWITCH_MODE] = { .type = NLA_U16 },
    };
    struct nlattr *tb[DEVLINK_ATTR_MAX + 1];
    struct nlmsghdr *nlh = nlmsg_hdr(msg);

    assert_int_equal(genlmsg_parse(nlh, 0, tb, DEVLINK_ATTR_MAX, policy), 0);
    assert_int_equal(genlmsg_hdr(nlh)->cmd, cmd);
    assert_int_equal(genlmsg_hdr(nlh)->version, DEVLINK_GENL_VERSION);
    assert_string_equal(nla_get_string(tb[DEVLINK_ATTR_BUS_NAME]), "pci");
    assert_string_equal(nla_get_string(tb[DEVLINK_ATTR_DEV_NAME]),
                        "0000:03:00.0");
    if (mode < 0) {
        assert_null(tb[DEVLINK_ATTR_ESWITCH_MODE]);
    } else {
        assert_int_equal(nla_get_u16(tb[DEVLINK_ATTR_ESWITCH_MODE]), mode);
    }
}

static void
test_get_request(void **state OVS_UNUSED)
{
    struct nl_msg *msg = eswitch_msg_get(FAMILY, "0000:03:00.0");

    assert_non_null(msg);
    check_bytes(msg, get_bytes, sizeof get_bytes);
    decode(msg, DEVLINK_CMD_ESWITCH_GET, -1);
    nlmsg_free(msg);
}

static void
test_set_request(void **state OVS_UNUSED)
{
    struct nl_msg *msg = eswitch_msg_set(FAMILY, "0000:03:00.0",
                                         ESWITCH_SWITCHDEV);

    assert_non_null(msg);
    check_bytes(msg, set_bytes, sizeof set_bytes);
    decode(msg, DEVLINK_CMD_ESWITCH_SET, DEVLINK_ESWITCH_MODE_SWITCHDEV);
    nlmsg_free(msg);

    /* legacy: the same message, mode 0. */
    msg = eswitch_msg_set(FAMILY, "0000:03:00.0", ESWITCH_LEGACY);
    uint8_t legacy[sizeof set_bytes];
    memcpy(legacy, set_bytes, sizeof legacy);
    legacy[sizeof legacy - 4] = 0x00;
    check_bytes(msg, legacy, sizeof legacy);
    decode(msg, DEVLINK_CMD_ESWITCH_SET, DEVLINK_ESWITCH_MODE_LEGACY);
    nlmsg_free(msg);
}

/* The answer to an ESWITCH_GET with seq 7 from port 4242, as the kernel's
 * devlink_nl_eswitch_fill() and netlink_ack() write it for a ConnectX in
 * switchdev mode (composed from the kernel's code: there is no devlink
 * device here to record from), then the (capped) ack. */
static const uint8_t get_reply[] = {
    /* nlmsghdr: len 72, type FAMILY, flags 0, seq 7, pid 4242 */
    0x48, 0x00, 0x00, 0x00,  0x15, 0x00,  0x00, 0x00,
    0x07, 0x00, 0x00, 0x00,  0x92, 0x10, 0x00, 0x00,
    0x1d, 0x01, 0x00, 0x00,
    0x08, 0x00, 0x01, 0x00,  'p', 'c', 'i', 0x00,
    0x11, 0x00, 0x02, 0x00,
    '0', '0', '0', '0', ':', '0', '3', ':', '0', '0', '.', '0',
    0x00, 0x00, 0x00, 0x00,
    /* ESWITCH_MODE u16 1 (switchdev) */
    0x06, 0x00, 0x19, 0x00,  0x01, 0x00, 0x00, 0x00,
    /* ESWITCH_INLINE_MODE (26) u8 0 (none) */
    0x05, 0x00, 0x1a, 0x00,  0x00, 0x00, 0x00, 0x00,
    /* ESWITCH_ENCAP_MODE (62) u8 1 (basic) */
    0x05, 0x00, 0x3e, 0x00,  0x01, 0x00, 0x00, 0x00,
    /* NLMSG_ERROR: len 36, type 2, flags CAPPED (0x100), seq 7, pid 4242,
     * error 0, the request's header */
    0x24, 0x00, 0x00, 0x00,  0x02, 0x00,  0x00, 0x01,
    0x07, 0x00, 0x00, 0x00,  0x92, 0x10, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
    0x30, 0x00, 0x00, 0x00,  0x15, 0x00,  0x05, 0x00,
    0x07, 0x00, 0x00, 0x00,  0x92, 0x10, 0x00, 0x00,
};

/* Runs the answers in 'buf' through eswitch_parse() as the live call
 * does. */
static int
parse_all(const uint8_t *buf, size_t size, enum eswitch_mode *modep,
          bool *has_modep, bool *donep, char **errp)
{
    uint8_t *copy = xmemdup(buf, size);
    int n = size, error = 0;

    *has_modep = *donep = false;
    for (struct nlmsghdr *h = (struct nlmsghdr *) copy;
         !error && !*donep && nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
        error = eswitch_parse(h, "0000:03:00.0", modep, has_modep, donep,
                              errp);
    }
    free(copy);
    return error;
}

static void
test_get_reply(void **state OVS_UNUSED)
{
    enum eswitch_mode mode = ESWITCH_LEGACY;
    bool has_mode, done;
    char *err = NULL;

    assert_int_equal(sizeof get_reply, 72 + 36);
    assert_int_equal(parse_all(get_reply, sizeof get_reply, &mode,
                               &has_mode, &done, &err), 0);
    assert_true(has_mode);
    assert_true(done);
    assert_int_equal(mode, ESWITCH_SWITCHDEV);
    assert_string_equal(eswitch_mode_name(mode), "switchdev");

    /* The answer about another device is not ours. */
    uint8_t other[sizeof get_reply];
    memcpy(other, get_reply, sizeof other);
    other[20 + 8 + 4 + 11] = '1';
    assert_int_equal(parse_all(other, sizeof other, &mode, &has_mode, &done,
                               &err), -EBADMSG);
    assert_string_equal(err, "pci/0000:03:00.0: devlink answered for "
                        "0000:03:00.1");
    free(err);
}

/* "No such device" for the request, as netlink_ack() writes it. */
static const uint8_t enodev_reply[] = {
    0x24, 0x00, 0x00, 0x00,  0x02, 0x00,  0x00, 0x01,
    0x07, 0x00, 0x00, 0x00,  0x92, 0x10, 0x00, 0x00,
    /* error -19 (ENODEV) */
    0xed, 0xff, 0xff, 0xff,
    0x38, 0x00, 0x00, 0x00,  0x15, 0x00,  0x05, 0x00,
    0x07, 0x00, 0x00, 0x00,  0x92, 0x10, 0x00, 0x00,
};

/* "Not supported" with the kernel's reason (extended ack): flags
 * CAPPED|ACK_TLVS (0x300), then NLMSGERR_ATTR_MSG (1). */
static const uint8_t eopnotsupp_reply[] = {
    0x40, 0x00, 0x00, 0x00,  0x02, 0x00,  0x00, 0x03,
    0x07, 0x00, 0x00, 0x00,  0x92, 0x10, 0x00, 0x00,
    /* error -95 (EOPNOTSUPP) */
    0xa1, 0xff, 0xff, 0xff,
    0x38, 0x00, 0x00, 0x00,  0x15, 0x00,  0x05, 0x00,
    0x07, 0x00, 0x00, 0x00,  0x92, 0x10, 0x00, 0x00,
    /* attr 1, len 26: "no eswitch on this PF\0", 2 bytes of padding */
    0x1a, 0x00, 0x01, 0x00,
    'n', 'o', ' ', 'e', 's', 'w', 'i', 't', 'c', 'h', ' ', 'o', 'n', ' ',
    't', 'h', 'i', 's', ' ', 'P', 'F', 0x00,
    0x00, 0x00,
};

static void
test_refusals(void **state OVS_UNUSED)
{
    enum eswitch_mode mode;
    bool has_mode, done;
    char *err = NULL;

    /* Each buffer is exactly the length its header says. */
    assert_int_equal(sizeof enodev_reply, 36);
    assert_int_equal(sizeof eopnotsupp_reply, 64);
    assert_int_equal(parse_all(enodev_reply, sizeof enodev_reply, &mode,
                               &has_mode, &done, &err), -ENODEV);
    assert_string_equal(err, "no devlink device pci/0000:03:00.0");
    free(err);
    assert_int_equal(parse_all(eopnotsupp_reply, sizeof eopnotsupp_reply,
                               &mode, &has_mode, &done, &err), -EOPNOTSUPP);
    assert_string_equal(err, "pci/0000:03:00.0: its driver has no eswitch "
                        "mode to show or change (kernel: no eswitch on this "
                        "PF)");
    free(err);
    assert_false(has_mode);
}

/* This kernel has no devlink device at that address (the machines Seine
 * is developed on have no devlink at all): a clear error, either way. */
static void
test_live(void **state OVS_UNUSED)
{
    enum eswitch_mode mode;
    char *err = NULL;
    const char *want = "no devlink device pci/0000:ff:1f.7";

    assert_int_equal(eswitch_get("0000:ff:1f.7", &mode, &err), -ENODEV);
    assert_true(!strncmp(err, want, strlen(want)));
    free(err);
    assert_int_equal(eswitch_set("0000:ff:1f.7", ESWITCH_SWITCHDEV, &err),
                     -ENODEV);
    assert_true(!strncmp(err, want, strlen(want)));
    free(err);
}

static void
test_mode_names(void **state OVS_UNUSED)
{
    enum eswitch_mode mode;

    assert_true(eswitch_mode_from_name("legacy", &mode));
    assert_int_equal(mode, ESWITCH_LEGACY);
    assert_true(eswitch_mode_from_name("switchdev", &mode));
    assert_int_equal(mode, ESWITCH_SWITCHDEV);
    assert_false(eswitch_mode_from_name("switch", &mode));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_request),
        cmocka_unit_test(test_set_request),
        cmocka_unit_test(test_get_reply),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_live),
        cmocka_unit_test(test_mode_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
