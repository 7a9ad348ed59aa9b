/* The pipeline's flows, compared as exact canonical text. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/pipeline.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"

static const struct pipeline_node test_node = {
    .subnet = { .s_addr = 0 },
    .prefix_len = 24,
    .gw_mac = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x01 },
    .gw_ofport = 1,
};

static struct pipeline_node
node_fixture(void)
{
    struct pipeline_node node = test_node;
    inet_pton(AF_INET, "10.244.1.0", &node.subnet);
    inet_pton(AF_INET, "10.244.1.1", &node.gw_ip);
    return node;
}

/* The node with an IPv6 subnet too. */
static struct pipeline_node
node6_fixture(void)
{
    struct pipeline_node node = node_fixture();
    node.has_ip6 = true;
    inet_pton(AF_INET6, "fd00:10:244:1::", &node.subnet6);
    node.prefix_len6 = 64;
    inet_pton(AF_INET6, "fd00:10:244:1::1", &node.gw_ip6);
    return node;
}

static struct pipeline_pod
pod_fixture(uint64_t id, int64_t ofport, const char *ip)
{
    struct pipeline_pod pod = {
        .owner = cookie_owner(COOKIE_KIND_POD, id),
        .ofport = ofport,
        .mac = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x00 },
    };
    inet_pton(AF_INET, ip, &pod.ip);
    pod.mac[5] = ntohl(pod.ip.s_addr) & 0xff;
    return pod;
}

static struct pipeline_pod
pod6_fixture(uint64_t id, int64_t ofport, const char *ip, const char *ip6)
{
    struct pipeline_pod pod = pod_fixture(id, ofport, ip);
    pod.has_ip6 = true;
    inet_pton(AF_INET6, ip6, &pod.ip6);
    return pod;
}

static char *
format_owner(const struct flowtab *ft, uint64_t owner)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    flowtab_format_desired(ft, owner, &s);
    return ds_steal_cstr(&s);
}

/* The flows of 'pod' on 'node' are exactly 'expected'. */
static void
check_pod_flows(const struct pipeline_node *node,
                const struct pipeline_pod *pod, const char *expected)
{
    struct flowtab *ft = flowtab_create(1);

    assert_int_equal(pipeline_set_node(ft, node), 0);
    assert_int_equal(pipeline_set_pod(ft, node, pod), 0);
    char *text = format_owner(ft, pod->owner);
    assert_string_equal(text, expected);
    free(text);
    flowtab_destroy(ft);
}

/* The node flows of 'node' are exactly 'expected'. */
static void
check_node_flows(const struct pipeline_node *node, const char *expected)
{
    struct flowtab *ft = flowtab_create(1);

    assert_int_equal(pipeline_set_node(ft, node), 0);
    char *text = format_owner(ft, pipeline_node_owner());
    assert_string_equal(text, expected);
    free(text);
    flowtab_destroy(ft);
}

static const char pod4_expected[] =
#include "pipeline_pod.expected"
    ;

static void
test_pod_flows_exact(void **state OVS_UNUSED)
{
    struct pipeline_node node = node_fixture();
    struct pipeline_pod pod = pod_fixture(7, 3, "10.244.1.2");

    check_pod_flows(&node, &pod, pod4_expected);
}

static void
test_node_flows_exact(void **state OVS_UNUSED)
{
    struct pipeline_node node = node_fixture();
    static const char expected[] =
#include "pipeline_node.expected"
        ;
    check_node_flows(&node, expected);
}

/* With conntrack for everything (flow export, conntrackAll), one flow per
 * family tracks every packet above the policies' and services' own, and a
 * TCP connection picked up from its middle (after a switch restart) is
 * not dropped. */
static void
test_conntrack_all(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct pipeline_node node = node_fixture();

    node.conntrack_all = true;
    assert_int_equal(pipeline_set_node(ft, &node), 0);
    char *text = format_owner(ft, pipeline_node_owner());
    assert_non_null(strstr(text, "table=20,priority=106,ip actions="
                           "ct(table=21,zone=65001,nat)\n"));
    assert_null(strstr(text, "tcp_flags"));
    free(text);

    node = node6_fixture();
    node.conntrack_all = true;
    assert_int_equal(pipeline_set_node(ft, &node), 0);
    text = format_owner(ft, pipeline_node_owner());
    assert_non_null(strstr(text, "table=20,priority=106,ipv6 actions="
                           "ct(table=21,zone=65001,nat)\n"));
    free(text);
    flowtab_destroy(ft);
}

/* Replacing a pod's flows (e.g. a new ofport after a restart) leaves
 * exactly one set, and other pods' flows untouched. */
static void
test_pod_replace_and_isolation(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct pipeline_node node = node_fixture();
    struct pipeline_pod a = pod_fixture(1, 3, "10.244.1.2");
    struct pipeline_pod b = pod_fixture(2, 4, "10.244.1.3");

    assert_int_equal(pipeline_set_node(ft, &node), 0);
    size_t n_node = flowtab_count(ft);
    assert_int_equal(pipeline_set_pod(ft, &node, &a), 0);
    assert_int_equal(pipeline_set_pod(ft, &node, &b), 0);
    size_t per_pod = flowtab_count_owner(ft, a.owner);
    assert_int_equal(per_pod, 9);
    assert_int_equal(flowtab_count(ft), n_node + 2 * per_pod);

    a.ofport = 9;
    assert_int_equal(pipeline_set_pod(ft, &node, &a), 0);
    assert_int_equal(flowtab_count_owner(ft, a.owner), per_pod);
    char *text = format_owner(ft, a.owner);
    assert_non_null(strstr(text, "in_port=9"));
    assert_null(strstr(text, "in_port=3"));
    free(text);

    flowtab_remove_owner(ft, a.owner);
    assert_int_equal(flowtab_count_owner(ft, a.owner), 0);
    assert_int_equal(flowtab_count_owner(ft, b.owner), per_pod);
    flowtab_destroy(ft);
}

/* Two pods must not claim the same address: the second pod's flows
 * collide with the first's and are refused whole. */
static void
test_duplicate_ip_refused(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct pipeline_node node = node_fixture();
    struct pipeline_pod a = pod_fixture(1, 3, "10.244.1.2");
    struct pipeline_pod b = pod_fixture(2, 4, "10.244.1.2");

    assert_int_equal(pipeline_set_node(ft, &node), 0);
    assert_int_equal(pipeline_set_pod(ft, &node, &a), 0);
    assert_int_equal(pipeline_set_pod(ft, &node, &b), -EEXIST);
    assert_int_equal(flowtab_count_owner(ft, b.owner), 0);
    assert_int_equal(flowtab_count_owner(ft, a.owner), 9);
    flowtab_destroy(ft);
}

/* The same for two dual-stack pods that claim the same IPv6 address. */
static void
test_duplicate_ip6_refused(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct pipeline_node node = node6_fixture();
    struct pipeline_pod a = pod6_fixture(1, 3, "10.244.1.2",
                                         "fd00:10:244:1::2");
    struct pipeline_pod b = pod6_fixture(2, 4, "10.244.1.3",
                                         "fd00:10:244:1::2");

    assert_int_equal(pipeline_set_node(ft, &node), 0);
    assert_int_equal(pipeline_set_pod(ft, &node, &a), 0);
    assert_int_equal(pipeline_set_pod(ft, &node, &b), -EEXIST);
    assert_int_equal(flowtab_count_owner(ft, b.owner), 0);
    assert_int_equal(flowtab_count_owner(ft, a.owner), 18);
    flowtab_destroy(ft);
}

/* With a tunnel port: traffic from it is classified and addressed to the
 * gateway; a remote node's pod subnet goes out of it to the node's IP. */
static void
test_remote_node(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct pipeline_node node = node_fixture();
    struct pipeline_remote remote = { .name = "node2", .prefix_len = 24 };
    char *text;

    inet_pton(AF_INET, "10.244.2.0", &remote.subnet);
    inet_pton(AF_INET, "192.168.100.2", &remote.ip);
    assert_int_equal(pipeline_set_remote(ft, &node, &remote), -EINVAL);
    node.tun_ofport = 5;
    assert_int_equal(pipeline_set_node(ft, &node), 0);
    text = format_owner(ft, pipeline_node_owner());
    assert_non_null(strstr(text, "table=0,priority=200,ip,in_port=5 actions="
                           "set_field:0x3/0xf->reg0,"
                           "set_field:0a:58:0a:f4:01:01->eth_dst,"
                           "goto_table:20\n"));
    free(text);
    assert_int_equal(pipeline_set_remote(ft, &node, &remote), 0);
    text = format_owner(ft, pipeline_remote_owner("node2"));
    assert_string_equal(text,
        "table=50,priority=190,ip,dl_dst=0a:58:0a:f4:01:01,"
        "nw_dst=10.244.2.0/24 actions=set_field:0a:58:0a:f4:01:01->eth_src,"
        "dec_ttl,set_field:192.168.100.2->tun_dst,set_field:0x5->reg1,"
        "goto_table:80\n");
    free(text);
    pipeline_remove_remote(ft, "node2");
    assert_int_equal(flowtab_count_owner(ft, pipeline_remote_owner("node2")),
                     0);
    flowtab_destroy(ft);
}

/* Between dual-stack nodes the tunnel carries IPv6 too: classified like
 * IPv4 on the way in, routed to the remote's IPv6 subnet on the way out
 * (a remote without one gets its IPv4 route only). */
static void
test_remote_node6(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct pipeline_node node = node6_fixture();
    struct pipeline_remote remote = { .name = "node2", .prefix_len = 24,
                                      .prefix_len6 = 64 };
    char *text;

    inet_pton(AF_INET, "10.244.2.0", &remote.subnet);
    inet_pton(AF_INET, "192.168.100.2", &remote.ip);
    inet_pton(AF_INET6, "fd00:10:244:2::", &remote.subnet6);
    node.tun_ofport = 5;
    assert_int_equal(pipeline_set_node(ft, &node), 0);
    text = format_owner(ft, pipeline_node_owner());
    assert_non_null(strstr(text, "table=0,priority=200,ipv6,in_port=5 "
                           "actions=set_field:0x3/0xf->reg0,"
                           "set_field:0a:58:0a:f4:01:01->eth_dst,"
                           "goto_table:20\n"));
    free(text);
    assert_int_equal(pipeline_set_remote(ft, &node, &remote), 0);
    assert_int_equal(flowtab_count_owner(ft, pipeline_remote_owner("node2")),
                     1);
    remote.has_ip6 = true;
    assert_int_equal(pipeline_set_remote(ft, &node, &remote), 0);
    text = format_owner(ft, pipeline_remote_owner("node2"));
    assert_non_null(strstr(text,
        "table=50,priority=190,ipv6,dl_dst=0a:58:0a:f4:01:01,"
        "ipv6_dst=fd00:10:244:2::/64 actions="
        "set_field:0a:58:0a:f4:01:01->eth_src,dec_ttl,"
        "set_field:192.168.100.2->tun_dst,set_field:0x5->reg1,"
        "goto_table:80\n"));
    assert_int_equal(flowtab_count_owner(ft, pipeline_remote_owner("node2")),
                     2);
    free(text);
    flowtab_destroy(ft);
}

/* A dual-stack pod on a dual-stack node: its IPv4 flows, and the same
 * guard and route for IPv6 with neighbour discovery for ARP. */
static void
test_pod6_flows_exact(void **state OVS_UNUSED)
{
    struct pipeline_node node = node6_fixture();
    struct pipeline_pod pod = pod6_fixture(7, 3, "10.244.1.2",
                                           "fd00:10:244:1::2");
    static const char expected[] =
#include "pipeline_pod6.expected"
        ;
    check_pod_flows(&node, &pod, expected);
}

/* Either side without IPv6 makes a pod's flows exactly its IPv4 ones. */
static void
test_pod_v4_only(void **state OVS_UNUSED)
{
    struct pipeline_node node = node_fixture();
    struct pipeline_node node6 = node6_fixture();
    struct pipeline_pod pod = pod_fixture(7, 3, "10.244.1.2");
    struct pipeline_pod pod6 = pod6_fixture(7, 3, "10.244.1.2",
                                            "fd00:10:244:1::2");

    check_pod_flows(&node, &pod6, pod4_expected);
    check_pod_flows(&node6, &pod, pod4_expected);
}

/* A dual-stack node: the gateway's IPv6 and neighbour discovery, the ND
 * proxy, the pods' router messages dropped, conntrack for both families. */
static void
test_node6_flows_exact(void **state OVS_UNUSED)
{
    struct pipeline_node node = node6_fixture();
    static const char expected[] =
#include "pipeline_node6.expected"
        ;
    check_node_flows(&node, expected);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_flows_exact),
        cmocka_unit_test(test_node_flows_exact),
        cmocka_unit_test(test_pod6_flows_exact),
        cmocka_unit_test(test_pod_v4_only),
        cmocka_unit_test(test_node6_flows_exact),
        cmocka_unit_test(test_conntrack_all),
        cmocka_unit_test(test_pod_replace_and_isolation),
        cmocka_unit_test(test_duplicate_ip_refused),
        cmocka_unit_test(test_duplicate_ip6_refused),
        cmocka_unit_test(test_remote_node),
        cmocka_unit_test(test_remote_node6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
