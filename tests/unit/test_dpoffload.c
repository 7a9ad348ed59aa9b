/* The offload state of datapath flows from "dpctl/dump-flows -m" text
 * (OVS 3.1's layout). */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dpoffload.h"
#include "util.h"

static const char dump[] =
    "ufid:1b2c3d4e-0000-0000-0000-000000000001, skb_priority(0/0),"
    "recirc_id(0),dp_hash(0/0),in_port(enp3s0f0npf0vf0),packet_type(ns=0,"
    "id=0),eth(src=0a:58:0a:f4:01:03,dst=0a:58:0a:f4:01:02),eth_type(0x0800),"
    "ipv4(src=10.244.1.3,dst=10.244.1.2,proto=6,frag=no), packets:12, "
    "bytes:1188, used:0.412s, flags:SFP., dp:ovs, actions:ct(zone=2,nat),"
    "recirc(0x1), dp-extra-info:miniflow_bits(5,1)\n"
    "ufid:1b2c3d4e-0000-0000-0000-000000000002, recirc_id(0x1),"
    "in_port(enp3s0f0npf0vf0),eth_type(0x0800),ipv4(frag=no), packets:7, "
    "bytes:700, used:0.1s, offloaded:partial, dp:ovs, actions:3, "
    "dp-extra-info:miniflow_bits(4,1)\n"
    "ufid:1b2c3d4e-0000-0000-0000-000000000003, in_port(pf0vf1),"
    "eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800), "
    "packets:1000, bytes:64000, used:0.0s, offloaded:yes, dp:dpdk, "
    "actions:pf0vf2\n"
    "flow-dump from the main thread:\n"
    "recirc_id(0),in_port(1),eth_type(0x0806), packets:0, bytes:0, "
    "used:never, actions:drop\n";

static const char *
str(struct json_object *flow, const char *key)
{
    struct json_object *v;

    assert_true(json_object_object_get_ex(flow, key, &v));
    return v ? json_object_get_string(v) : NULL;
}

static void
test_parse(void **state OVS_UNUSED)
{
    struct json_object *flows = dpoffload_parse(dump);
    size_t counts[DPOFFLOAD_N_STATES];
    struct json_object *f, *v;

    assert_int_equal(json_object_array_length(flows), 4);

    f = json_object_array_get_idx(flows, 0);
    assert_string_equal(str(f, "ufid"),
                        "1b2c3d4e-0000-0000-0000-000000000001");
    assert_string_equal(str(f, "offloaded"), "no");
    assert_string_equal(str(f, "dp"), "ovs");
    assert_string_equal(str(f, "actions"), "ct(zone=2,nat),recirc(0x1)");
    assert_non_null(strstr(str(f, "match"), "in_port(enp3s0f0npf0vf0)"));
    assert_null(strstr(str(f, "match"), "ufid"));
    assert_true(json_object_object_get_ex(f, "packets", &v));
    assert_int_equal(json_object_get_int64(v), 12);

    f = json_object_array_get_idx(flows, 1);
    assert_string_equal(str(f, "offloaded"), "partial");
    assert_string_equal(str(f, "dp"), "ovs");
    assert_string_equal(str(f, "actions"), "3");

    f = json_object_array_get_idx(flows, 2);
    assert_string_equal(str(f, "offloaded"), "yes");
    assert_string_equal(str(f, "dp"), "dpdk");
    assert_string_equal(str(f, "actions"), "pf0vf2");

    /* The main thread's flows have neither a ufid nor a dp. */
    f = json_object_array_get_idx(flows, 3);
    assert_null(str(f, "ufid"));
    assert_null(str(f, "dp"));
    assert_string_equal(str(f, "offloaded"), "no");
    assert_string_equal(str(f, "actions"), "drop");

    dpoffload_count(flows, counts);
    assert_int_equal(counts[DPOFFLOAD_NO], 2);
    assert_int_equal(counts[DPOFFLOAD_PARTIAL], 1);
    assert_int_equal(counts[DPOFFLOAD_YES], 1);
    json_object_put(flows);
}

static void
test_empty(void **state OVS_UNUSED)
{
    struct json_object *flows = dpoffload_parse("");
    size_t counts[DPOFFLOAD_N_STATES];

    assert_int_equal(json_object_array_length(flows), 0);
    dpoffload_count(flows, counts);
    assert_int_equal(counts[DPOFFLOAD_YES], 0);
    json_object_put(flows);
    flows = dpoffload_parse("flow-dump from pmd on cpu core: 1\n");
    assert_int_equal(json_object_array_length(flows), 0);
    json_object_put(flows);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_empty),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
