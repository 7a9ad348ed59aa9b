/* The sweep's decisions (agent/pods/podsweep.h): what a crash left at each
 * point of ADD and DEL is removed, and whole attachments, an operator's
 * ports and links or folders named otherwise are kept. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/pods/podstore.h"
#include "agent/pods/podsweep.h"
#include "util.h"

/* A node: one whole afxdp attachment (a), one whole vhost-user
 * attachment (v), the gateway and an operator's port. */
#define VHOST "/run/seine/vhost"

static const struct podsweep_record recs[] = {
    { "aaaa/eth0", "seine0000000a01", NULL, false },
    { "vvvv/eth0", "seine0000000b02", VHOST"/vvvv-eth0-02", false },
};

struct node {
    struct podsweep_port ports[8];
    size_t n_ports;
    struct podsweep_record recs[4];
    size_t n_recs;
    struct sset links, dirs, owners;
};

static void
node_init(struct node *n)
{
    memset(n, 0, sizeof *n);
    n->ports[n->n_ports++] = (struct podsweep_port) { "gw0", NULL };
    n->ports[n->n_ports++] = (struct podsweep_port) { "mirror0", NULL };
    n->ports[n->n_ports++] = (struct podsweep_port) { "seine0000000a01",
                                                      "aaaa/eth0" };
    n->ports[n->n_ports++] = (struct podsweep_port) { "seine0000000b02",
                                                      "vvvv/eth0" };
    memcpy(n->recs, recs, sizeof recs);
    n->n_recs = ARRAY_SIZE(recs);
    sset_init(&n->links);
    sset_init(&n->dirs);
    sset_init(&n->owners);
    sset_add(&n->links, "seine0000000a01");
    sset_add(&n->links, "eth0");
    sset_add(&n->dirs, VHOST"/vvvv-eth0-02");
    sset_add(&n->owners, "aaaa/eth0");
    sset_add(&n->owners, "vvvv/eth0");
}

static void
node_destroy(struct node *n)
{
    sset_destroy(&n->links);
    sset_destroy(&n->dirs);
    sset_destroy(&n->owners);
}

static void
decide(const struct node *n, struct podsweep_plan *plan)
{
    struct podsweep_input in = {
        .recs = n->recs, .n_recs = n->n_recs,
        .ports = n->ports, .n_ports = n->n_ports,
        .links = &n->links, .socket_dirs = &n->dirs, .ip_owners = &n->owners,
    };
    podsweep_decide(&in, plan);
}

/* Whole attachments and what is not ours: nothing to do. */
static void
test_whole_node_kept(void **state OVS_UNUSED)
{
    struct node n;
    struct podsweep_plan plan;

    node_init(&n);
    sset_add(&n.links, "seine-not-ours");
    sset_add(&n.links, "seine0000000A01");
    sset_add(&n.dirs, VHOST"/lost+found");
    sset_add(&n.dirs, VHOST"/notes-7f");
    decide(&n, &plan);
    assert_int_equal(podsweep_plan_count(&plan), 0);
    podsweep_plan_destroy(&plan);
    node_destroy(&n);
}

/* ADD killed after the address, the veth, the OVS port (each a step
 * further): every piece goes, none of the whole attachments' do. */
static void
test_add_cut_short(void **state OVS_UNUSED)
{
    struct node n;
    struct podsweep_plan plan;

    node_init(&n);
    sset_add(&n.owners, "cccc/eth0");                   /* address */
    sset_add(&n.links, "seine0000000c07");              /* veth */
    n.ports[n.n_ports++] = (struct podsweep_port) { "seine0000000d03",
                                                    "dddd/eth0" };
    sset_add(&n.links, "seine0000000d03");              /* ... its port */
    sset_add(&n.owners, "dddd/eth0");
    sset_add(&n.dirs, VHOST"/eeee-net1-4a");            /* vhost folder */
    decide(&n, &plan);

    assert_int_equal(plan.stale_recs.n, 0);
    assert_int_equal(plan.ports.n, 1);
    assert_string_equal(n.ports[plan.ports.idx[0]].name, "seine0000000d03");
    /* The port's link goes with the port, after it. */
    assert_int_equal(sset_count(&plan.links), 1);
    assert_true(sset_contains(&plan.links, "seine0000000c07"));
    assert_int_equal(sset_count(&plan.socket_dirs), 1);
    assert_true(sset_contains(&plan.socket_dirs, VHOST"/eeee-net1-4a"));
    assert_int_equal(sset_count(&plan.ip_owners), 2);
    assert_true(sset_contains(&plan.ip_owners, "cccc/eth0"));
    assert_true(sset_contains(&plan.ip_owners, "dddd/eth0"));
    assert_int_equal(podsweep_plan_count(&plan), 5);
    podsweep_plan_destroy(&plan);
    node_destroy(&n);
}

/* DEL killed after the port went: the record is stale and goes whole
 * (its address and folder with it, by the teardown, not as orphans). */
static void
test_del_cut_short(void **state OVS_UNUSED)
{
    struct node n;
    struct podsweep_plan plan;

    node_init(&n);
    n.n_ports--;                                        /* v's port gone */
    decide(&n, &plan);
    assert_int_equal(plan.stale_recs.n, 1);
    assert_string_equal(n.recs[plan.stale_recs.idx[0]].owner, "vvvv/eth0");
    assert_int_equal(plan.ports.n, 0);
    assert_int_equal(sset_count(&plan.socket_dirs), 0);
    assert_int_equal(sset_count(&plan.ip_owners), 0);
    podsweep_plan_destroy(&plan);
    node_destroy(&n);
}

/* After a reboot (or a runtime that removed the namespace before DEL) a
 * record's port is still in OVSDB, but its pod is dead: the record goes
 * whole, and so its VF or address is free for the next ADD. */
static void
test_netns_gone(void **state OVS_UNUSED)
{
    struct node n;
    struct podsweep_plan plan;

    node_init(&n);
    n.recs[0].netns_gone = true;
    decide(&n, &plan);
    assert_int_equal(plan.stale_recs.n, 1);
    assert_string_equal(n.recs[plan.stale_recs.idx[0]].owner, "aaaa/eth0");
    assert_int_equal(plan.ports.n, 0);
    assert_int_equal(sset_count(&plan.links), 0);
    assert_int_equal(sset_count(&plan.ip_owners), 0);
    assert_int_equal(podsweep_plan_count(&plan), 1);
    podsweep_plan_destroy(&plan);
    node_destroy(&n);
}

/* A retried ADD made a new port for an owner whose first port a crash
 * left: the old port goes, the owner's address (the record's) stays. */
static void
test_old_port_of_live_owner(void **state OVS_UNUSED)
{
    struct node n;
    struct podsweep_plan plan;

    node_init(&n);
    n.ports[n.n_ports++] = (struct podsweep_port) { "seine0000000a7f",
                                                    "aaaa/eth0" };
    sset_add(&n.links, "seine0000000a7f");
    decide(&n, &plan);
    assert_int_equal(plan.ports.n, 1);
    assert_string_equal(n.ports[plan.ports.idx[0]].name, "seine0000000a7f");
    assert_int_equal(sset_count(&plan.ip_owners), 0);
    assert_int_equal(sset_count(&plan.links), 0);
    assert_int_equal(podsweep_plan_count(&plan), 1);
    podsweep_plan_destroy(&plan);
    node_destroy(&n);
}

/* A link named like a pod port that is on the bridge without an owner key
 * is an operator's port: kept, as the port is. */
static void
test_operator_port_kept(void **state OVS_UNUSED)
{
    struct node n;
    struct podsweep_plan plan;

    node_init(&n);
    n.ports[n.n_ports++] = (struct podsweep_port) { "seine00000000ff", NULL };
    sset_add(&n.links, "seine00000000ff");
    decide(&n, &plan);
    assert_int_equal(podsweep_plan_count(&plan), 0);
    podsweep_plan_destroy(&plan);
    node_destroy(&n);
}

/* An empty node: nothing. */
static void
test_empty(void **state OVS_UNUSED)
{
    struct sset empty = SSET_INITIALIZER(&empty);
    struct podsweep_input in = {
        .links = &empty, .socket_dirs = &empty, .ip_owners = &empty,
    };
    struct podsweep_plan plan;

    podsweep_decide(&in, &plan);
    assert_int_equal(podsweep_plan_count(&plan), 0);
    podsweep_plan_destroy(&plan);
    sset_destroy(&empty);
}

static void
test_names(void **state OVS_UNUSED)
{
    char *name = podstore_port_name(UINT64_C(0x123456789abcdef0), 0x7f);

    assert_string_equal(name, "seine9abcdef07f");
    assert_true(podstore_is_port_name(name));
    free(name);
    assert_false(podstore_is_port_name("seine9abcdef0"));
    assert_false(podstore_is_port_name("seine9abcdef07f0"));
    assert_false(podstore_is_port_name("seine9ABCDEF07f"));
    assert_false(podstore_is_port_name("xeine9abcdef07f"));

    assert_true(podsweep_is_socket_dir_name("0123456789ab-eth0-7f"));
    assert_true(podsweep_is_socket_dir_name("c-net-1-00"));
    assert_false(podsweep_is_socket_dir_name("eth0-7f"));
    assert_false(podsweep_is_socket_dir_name("a-eth0-7F"));
    assert_false(podsweep_is_socket_dir_name("a-eth0-7"));
    assert_false(podsweep_is_socket_dir_name("-eth0-7f"));
    assert_false(podsweep_is_socket_dir_name("lost+found"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_node_kept),
        cmocka_unit_test(test_add_cut_short),
        cmocka_unit_test(test_del_cut_short),
        cmocka_unit_test(test_netns_gone),
        cmocka_unit_test(test_old_port_of_live_owner),
        cmocka_unit_test(test_operator_port_kept),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
