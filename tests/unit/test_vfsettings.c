/* A VF's settings on its PF: the record's text and back, and the
 * RTM_NEWLINK that writes them, checked byte for byte against the kernel's
 * IFLA_VFINFO_LIST layout (linux/if_link.h) and decoded back by libnl's
 * attribute parser. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_link.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>

#include "agent/pods/vfsettings.h"
#include "util.h"

static const struct vfsettings all = {
    .fields = VFSETTINGS_MAC | VFSETTINGS_VLAN | VFSETTINGS_SPOOFCHK
              | VFSETTINGS_TRUST | VFSETTINGS_LINK,
    .mac = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x07 },
    .vlan = 100, .qos = 3, .spoofchk = true, .trust = false,
    .link = IFLA_VF_LINK_STATE_DISABLE,
};

static void
test_text(void **state OVS_UNUSED)
{
    struct vfsettings s;
    char *text = vfsettings_format(&all);

    assert_string_equal(text, "mac=0a:58:0a:f4:01:07 vlan=100 qos=3 "
                        "spoofchk=on trust=off link=disable");
    assert_int_equal(vfsettings_parse(text, &s), 0);
    assert_memory_equal(&s, &all, sizeof s);
    free(text);

    /* What records written before the MAC and link state were kept say. */
    assert_int_equal(vfsettings_parse("vlan=0 qos=0 spoofchk=on trust=off",
                                      &s), 0);
    assert_int_equal(s.fields, VFSETTINGS_VLAN | VFSETTINGS_SPOOFCHK
                     | VFSETTINGS_TRUST);
    assert_true(s.spoofchk);

    assert_int_equal(vfsettings_parse("", &s), 0);
    assert_int_equal(s.fields, 0);
    assert_int_equal(vfsettings_parse("skipped: the PF has no netdev", &s),
                     0);
    assert_int_equal(s.fields, 0);
    assert_int_equal(vfsettings_parse(NULL, &s), 0);
    assert_int_equal(s.fields, 0);
}

static void
test_bad_text(void **state OVS_UNUSED)
{
    static const char *const bad[] = {
        "vlan=4096", "qos=8", "vlan=", "vlan=1x", "mac=0a:58", "trust=yes",
        "link=up", "rate=10", "vlan", "spoofchk=on junk",
    };
    struct vfsettings s;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        memset(&s, 0xff, sizeof s);
        assert_int_equal(vfsettings_parse(bad[i], &s), -EINVAL);
        assert_int_equal(s.fields, 0);
    }
}

/* The RTM_NEWLINK payload after struct ifinfomsg for VF 3 with 'all'. */
static const uint8_t all_encoded[] = {
    0x64, 0x00, 0x16, 0x80,             /* IFLA_VFINFO_LIST, nested */
    0x60, 0x00, 0x01, 0x80,             /*  IFLA_VF_INFO, nested */
    0x28, 0x00, 0x01, 0x00,             /*   IFLA_VF_MAC: ifla_vf_mac */
    0x03, 0x00, 0x00, 0x00,             /*    vf 3 */
    0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x07, /*    mac[32] */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0,
    0x10, 0x00, 0x02, 0x00,             /*   IFLA_VF_VLAN: ifla_vf_vlan */
    0x03, 0x00, 0x00, 0x00,             /*    vf */
    0x64, 0x00, 0x00, 0x00,             /*    vlan 100 */
    0x03, 0x00, 0x00, 0x00,             /*    qos 3 */
    0x0c, 0x00, 0x04, 0x00,             /*   IFLA_VF_SPOOFCHK */
    0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x0c, 0x00, 0x05, 0x00,             /*   IFLA_VF_LINK_STATE */
    0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x0c, 0x00, 0x09, 0x00,             /*   IFLA_VF_TRUST */
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The request that writes 's' for VF 'index' of the link with ifindex 7. */
static struct nl_msg *
request(int index, const struct vfsettings *s)
{
    struct rtnl_link *pf = rtnl_link_alloc();
    struct rtnl_link *changes = vfsettings_change(index, s);
    struct nl_msg *msg = NULL;

    rtnl_link_set_ifindex(pf, 7);
    assert_int_equal(rtnl_link_build_change_request(pf, changes, 0, &msg), 0);
    rtnl_link_put(changes);
    rtnl_link_put(pf);
    return msg;
}

static const void *
attrs_of(struct nl_msg *msg, size_t *lenp)
{
    struct nlmsghdr *h = nlmsg_hdr(msg);
    struct ifinfomsg *ifi = nlmsg_data(h);

    assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(ifi->ifi_index, 7);
    *lenp = nlmsg_attrlen(h, sizeof *ifi);
    return nlmsg_attrdata(h, sizeof *ifi);
}

static void
test_encoding(void **state OVS_UNUSED)
{
    struct nl_msg *msg = request(3, &all);
    size_t len;
    const void *attrs = attrs_of(msg, &len);

    assert_int_equal(len, sizeof all_encoded);
    assert_memory_equal(attrs, all_encoded, sizeof all_encoded);
    nlmsg_free(msg);
}

/* IFLA_VF_INFO of 'msg', parsed into 'tb'. */
static void
parse_vf_info(struct nl_msg *msg, struct nlattr *tb[IFLA_VF_MAX + 1])
{
    struct nlattr *top[IFLA_MAX + 1], *list[IFLA_VF_INFO + 1];
    struct nlmsghdr *h = nlmsg_hdr(msg);

    assert_int_equal(nlmsg_parse(h, sizeof(struct ifinfomsg), top, IFLA_MAX,
                                 NULL), 0);
    assert_non_null(top[IFLA_VFINFO_LIST]);
    assert_int_equal(nla_parse_nested(list, IFLA_VF_INFO,
                                      top[IFLA_VFINFO_LIST], NULL), 0);
    assert_non_null(list[IFLA_VF_INFO]);
    assert_int_equal(nla_parse_nested(tb, IFLA_VF_MAX, list[IFLA_VF_INFO],
                                      NULL), 0);
}

static void
test_decoded(void **state OVS_UNUSED)
{
    struct nl_msg *msg = request(5, &all);
    struct nlattr *tb[IFLA_VF_MAX + 1];

    parse_vf_info(msg, tb);
    const struct ifla_vf_mac *mac = nla_data(tb[IFLA_VF_MAC]);
    const struct ifla_vf_vlan *vlan = nla_data(tb[IFLA_VF_VLAN]);
    const struct ifla_vf_spoofchk *spoofchk = nla_data(tb[IFLA_VF_SPOOFCHK]);
    const struct ifla_vf_trust *trust = nla_data(tb[IFLA_VF_TRUST]);
    const struct ifla_vf_link_state *link = nla_data(tb[IFLA_VF_LINK_STATE]);

    assert_int_equal(mac->vf, 5);
    assert_memory_equal(mac->mac, all.mac, 6);
    assert_int_equal(vlan->vf, 5);
    assert_int_equal(vlan->vlan, 100);
    assert_int_equal(vlan->qos, 3);
    assert_int_equal(spoofchk->setting, 1);
    assert_int_equal(trust->setting, 0);
    assert_int_equal(link->link_state, IFLA_VF_LINK_STATE_DISABLE);
    nlmsg_free(msg);
}

/* ADD writes the administrative MAC alone: nothing else of the VF's
 * changes. */
static void
test_mac_only(void **state OVS_UNUSED)
{
    struct vfsettings s = { .fields = VFSETTINGS_MAC, .mac = { 2, 0, 0, 0,
                                                               0, 9 } };
    struct nl_msg *msg = request(1, &s);
    struct nlattr *tb[IFLA_VF_MAX + 1];

    parse_vf_info(msg, tb);
    for (int i = 0; i <= IFLA_VF_MAX; i++) {
        if (i == IFLA_VF_MAC) {
            assert_non_null(tb[i]);
        } else {
            assert_null(tb[i]);
        }
    }
    const struct ifla_vf_mac *mac = nla_data(tb[IFLA_VF_MAC]);
    assert_int_equal(mac->vf, 1);
    assert_int_equal(mac->mac[5], 9);
    nlmsg_free(msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_decoded),
        cmocka_unit_test(test_mac_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
