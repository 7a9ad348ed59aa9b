/*
 * dataplane_smoke: drives ovsbridge, ofconn and flowtab against a real
 * ovs-vswitchd (started by test-dataplane.sh in a network namespace).
 *
 *   dataplane_smoke DB_REMOTE OVS_RUNDIR
 *
 * Checks that the switch ends up with exactly the desired flows after each
 * commit, that removing an owner removes its flows, and that a second
 * flowtab with the next round (an agent restart) takes the flows over
 * without flushing them: counters survive and cookies carry the new round.
 * A commit in flight takes only what was desired when it was sent: what
 * changes meanwhile is the next commit's.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "dataplane/ovsbridge.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "byte-order.h"
#include "util.h"

#define BRIDGE "br-smoke"
#define GW "gw0"
#define TIMEOUT_MS 10000

/* cookie_owner() as a constant expression, for the flow tables below. */
#define OWNER(KIND, ID) (((uint64_t) (KIND) << COOKIE_KIND_SHIFT) \
                         | ((uint64_t) (ID) << COOKIE_ID_SHIFT))
#define NODE OWNER(COOKIE_KIND_NODE, 1)
#define POD_A OWNER(COOKIE_KIND_POD, 7)
#define POD_B OWNER(COOKIE_KIND_POD, 8)

struct smoke {
    struct ovsbridge *br;
    struct ofconn *conn;
    int64_t gw_ofport;
    int failures;
};

static void
check(struct smoke *sm, bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
    fflush(stdout);
    sm->failures += !ok;
}

struct smoke_flow {
    uint64_t owner;
    uint8_t table;
    uint16_t priority;
    const char *match;
    const char *actions;
};

/* Flows in the forms the pipeline uses, so that their canonical text is
 * checked against what the switch reports. */
static const struct smoke_flow node_flows[] = {
    { NODE, 0, 0, "", "drop" },
    { NODE, 10, 0, "", "group:1" },
    { NODE, 10, 100, "arp,reg0=0x2/0xff,arp_op=1",
      "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
      "mod_dl_src:0a:58:0a:00:00:01,load:0x2->NXM_OF_ARP_OP[],"
      "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
      "load:0x0a580a000001->NXM_NX_ARP_SHA[],push:NXM_OF_ARP_TPA[],"
      "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],pop:NXM_OF_ARP_SPA[],in_port" },
    { NODE, 11, 100, "ip", "ct(table=12,zone=1)" },
    { NODE, 12, 200, "ct_state=+new+trk,ip",
      "ct(commit,zone=1),goto_table:13" },
    { NODE, 13, 0, "", "output:NXM_NX_REG1[]" },
    { POD_A, 1, 200, "ip,in_port=5,dl_src=0a:58:0a:00:00:05,nw_src=10.0.0.5",
      "load:0x2->NXM_NX_REG0[0..7],goto_table:11" },
    { POD_A, 14, 200,
      "ip,reg0=0x2/0xff,dl_dst=0a:58:0a:00:00:01,nw_dst=10.0.0.5",
      "mod_dl_src:0a:58:0a:00:00:01,mod_dl_dst:0a:58:0a:00:00:05,dec_ttl,"
      "goto_table:15" },
};

/* Dropped by the restarted agent. */
static const struct smoke_flow dropped_flow = {
    NODE, 12, 190, "ct_state=-new+trk,ip", "goto_table:13"
};

static const struct smoke_flow pod_b_flow = {
    POD_B, 1, 200, "ip,in_port=6", "goto_table:11"
};

static int
add_flow(struct flowtab *ft, const struct smoke_flow *f)
{
    return flowtab_add_flow(ft, f->owner, f->table, f->priority, f->match,
                            f->actions);
}

/* The desired state; with 'restart', as a restarted agent sees it, one
 * node flow fewer. */
static int
add_desired(struct flowtab *ft, int64_t gw, bool with_pod_b, bool restart)
{
    char match[64];
    int error;

    /* The flow the test's packets hit: its counters must survive. */
    snprintf(match, sizeof match, "udp,in_port=%"PRId64, gw);
    error = flowtab_add_flow(ft, NODE, 0, 100, match, "goto_table:10");
    for (size_t i = 0; !error && i < ARRAY_SIZE(node_flows); i++) {
        error = add_flow(ft, &node_flows[i]);
    }
    if (!error) {
        error = flowtab_add_group(ft, NODE, 1, "type=select,"
                                  "bucket=actions=drop,"
                                  "bucket=weight:50,actions=drop");
    }
    if (!error && !restart) {
        error = add_flow(ft, &dropped_flow);
    }
    if (!error && with_pod_b) {
        error = add_flow(ft, &pod_b_flow);
    }
    if (!error && with_pod_b) {
        error = flowtab_add_group(ft, POD_B, 2, "type=all,bucket=output:6");
    }
    return error;
}

/* The switch matches 'expect' exactly when a flowtab that desires
 * 'expect' finds nothing to do after reading the switch. */
static void
check_switch(struct smoke *sm, int round, bool with_pod_b, bool restart,
             const char *what)
{
    struct flowtab *probe = flowtab_create(round);
    struct ds diff = DS_EMPTY_INITIALIZER;
    int error = add_desired(probe, sm->gw_ofport, with_pod_b, restart);

    if (!error) {
        error = flowtab_sync_installed(probe, sm->conn);
    }
    if (!error) {
        flowtab_format_diff(probe, &diff);
    }
    check(sm, !error && !diff.length, what);
    if (diff.length) {
        printf("# switch differs:\n%s", ds_cstr(&diff));
    }
    ds_destroy(&diff);
    flowtab_destroy(probe);
}

struct dump {
    int64_t gw_ofport;
    size_t ours;
    size_t stale_round;         /* ours, with another round */
    size_t pod_b;
    bool operator_flow;
    uint64_t traffic_packets;   /* the udp flow in table 0 */
    int round;
};

static void
dump_cb(const void *fs_, void *d_)
{
    const struct ofputil_flow_stats *fs = fs_;
    struct dump *d = d_;
    uint64_t cookie = ntohll(fs->cookie);

    if (!cookie) {
        d->operator_flow = d->operator_flow || fs->table_id == 20;
        return;
    }
    d->ours++;
    d->stale_round += cookie_get_round(cookie) != d->round;
    d->pod_b += (cookie & COOKIE_OWNER_MASK) == POD_B;
    if (fs->table_id == 0 && fs->priority == 100) {
        d->traffic_packets = fs->packet_count;
    }
}

static int
dump(struct smoke *sm, int round, struct dump *d)
{
    memset(d, 0, sizeof *d);
    d->round = round;
    return ofconn_dump_flows(sm->conn, dump_cb, d);
}

/* A UDP packet from the gateway, matching the table 0 priority 100 flow. */
static int
send_traffic(struct smoke *sm, int n)
{
    static const uint8_t pkt[] = {
        0x0a, 0x58, 0x0a, 0x00, 0x00, 0x05, 0x0a, 0x58, 0x0a, 0x00, 0x00, 0x01,
        0x08, 0x00,
        0x45, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
        10, 0, 0, 1, 10, 0, 0, 5,
        0x30, 0x39, 0x00, 0x09, 0x00, 0x08, 0x00, 0x00,
    };

    for (int i = 0; i < n; i++) {
        int error = ofconn_packet_out(sm->conn, sm->gw_ofport, pkt,
                                      sizeof pkt);
        if (error) {
            return error;
        }
    }
    return 0;
}

/* A flow someone else added (cookie 0): flowtab must leave it alone. */
static int
add_operator_flow(struct smoke *sm)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *msg = parse_ofp_flow_mod_str(&fm, "table=20,priority=1,actions=drop",
                                       NULL, NULL, OFPFC_ADD, &usable);
    if (msg) {
        printf("# %s\n", msg);
        free(msg);
        return -EINVAL;
    }

    struct ovs_list msgs;
    ovs_list_init(&msgs);
    ovs_list_push_back(&msgs, &ofputil_encode_flow_mod(
                           &fm, ofconn_protocol(sm->conn))->list_node);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    return ofconn_bundle(sm->conn, &msgs);
}

static void
test_bridge(struct smoke *sm)
{
    struct ovsbridge_port_spec spec = {
        .name = "smoke-p1",
        .type = OVSBRIDGE_PORT_INTERNAL,
        .owner = "smoke/p1",
        .ofport_request = 40,
    };
    struct ovsbridge_port_status st;
    char **names;
    size_t n;
    int64_t ofport;

    check(sm, !ovsbridge_ensure(sm->br, GW, TIMEOUT_MS), "bridge ensured");
    check(sm, !ovsbridge_ensure(sm->br, GW, TIMEOUT_MS),
          "bridge ensured again");
    check(sm, !ovsbridge_wait_ofport(sm->br, GW, TIMEOUT_MS,
                                     &sm->gw_ofport, NULL)
          && sm->gw_ofport > 0, "gateway port has an ofport");

    check(sm, !ovsbridge_add_port(sm->br, &spec), "port added");
    check(sm, !ovsbridge_add_port(sm->br, &spec), "same port added again");
    check(sm, !ovsbridge_wait_ofport(sm->br, spec.name, TIMEOUT_MS, &ofport,
                                     NULL) && ofport == 40,
          "port got the requested ofport 40");
    ovsbridge_port_status(sm->br, spec.name, &st);
    check(sm, st.exists && st.ofport == 40 && !st.error, "port status");
    free(st.error);

    check(sm, !ovsbridge_list_owned_ports(sm->br, NULL, &names, &n)
          && n == 1 && !strcmp(names[0], spec.name),
          "only the owned port is listed");
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);

    check(sm, !ovsbridge_del_port(sm->br, spec.name), "port deleted");
    check(sm, !ovsbridge_del_port(sm->br, spec.name),
          "deleting a missing port is fine");
    ovsbridge_port_status(sm->br, spec.name, &st);
    check(sm, !st.exists, "deleted port is gone");
    free(st.error);

    char *why = NULL;
    bool ready = ovsbridge_dpdk_ready(sm->br, "dpdkvhostuserclient", &why);
    check(sm, ready == !why, "dpdk_ready explains itself");
    printf("# dpdk ready: %s%s\n", ready ? "yes" : "no: ", why ? why : "");
    free(why);
}

static void
test_first_round(struct smoke *sm, struct flowtab *ft)
{
    struct dump d;

    check(sm, !add_operator_flow(sm), "operator flow added");
    check(sm, !add_desired(ft, sm->gw_ofport, true, false),
          "desired flows accepted");
    check(sm, flowtab_has_changes(ft), "changes pending");
    check(sm, !flowtab_commit(ft, sm->conn), "first commit");
    check(sm, !flowtab_has_changes(ft), "nothing pending after commit");
    check_switch(sm, 1, true, false, "switch has exactly the desired flows");
    check(sm, !dump(sm, 1, &d) && d.ours == flowtab_count(ft)
          && d.operator_flow, "dump: our flows plus the operator's");

    check(sm, !send_traffic(sm, 5), "5 packets injected");
    check(sm, !dump(sm, 1, &d) && d.traffic_packets == 5,
          "traffic flow counted 5 packets");

    flowtab_remove_owner(ft, POD_B);
    check(sm, !flowtab_commit(ft, sm->conn), "commit without pod B");
    check_switch(sm, 1, false, false, "pod B's flows and group are gone");
    check(sm, !dump(sm, 1, &d) && !d.pod_b && d.operator_flow
          && d.ours == flowtab_count(ft), "dump agrees");
    check(sm, !flowtab_commit(ft, sm->conn) && !flowtab_has_changes(ft),
          "empty commit");
}

static int
finish_commit(struct smoke *sm, struct flowtab *ft)
{
    for (;;) {
        ofconn_run(sm->conn);
        int error = flowtab_commit_finish(ft, sm->conn);
        if (error != -EINPROGRESS) {
            return error;
        }
        ofconn_wait(sm->conn);
        poll_block();
    }
}

/* Pod B comes and, while its bundle is in flight, goes again. */
static void
test_in_flight(struct smoke *sm, struct flowtab *ft)
{
    check(sm, !add_flow(ft, &pod_b_flow)
          && !flowtab_add_group(ft, POD_B, 2, "type=all,bucket=output:6"),
          "in flight: pod B desired again");
    check(sm, !flowtab_commit_start(ft, sm->conn)
          && flowtab_commit_in_flight(ft), "in flight: bundle sent");
    check(sm, !flowtab_has_changes(ft), "in flight: nothing else pending");
    check(sm, flowtab_commit_start(ft, sm->conn) == -EBUSY,
          "in flight: a second commit waits");
    /* Sent before the bundle's commit, answered after it. */
    unsigned int echo;
    check(sm, !ofconn_echo_start(sm->conn, &echo),
          "in flight: an echo request sent");
    flowtab_remove_owner(ft, POD_B);
    check(sm, !finish_commit(sm, ft) && !flowtab_commit_in_flight(ft),
          "in flight: the switch confirms the bundle");
    check(sm, !ofconn_wait_for(sm->conn, echo, NULL),
          "in flight: the echo's reply reaches the echo");
    check_switch(sm, 1, true, false, "in flight: the switch has what was sent");
    check(sm, flowtab_has_changes(ft)
          && flowtab_count_changes(ft) == 2, "in flight: then the removal of "
          "pod B's flow and group is pending");
    check(sm, !flowtab_commit(ft, sm->conn), "in flight: next commit");
    check_switch(sm, 1, false, false, "in flight: pod B is gone again");
}

static void
test_restart(struct smoke *sm)
{
    struct flowtab *ft = flowtab_create(2);
    struct ds diff = DS_EMPTY_INITIALIZER;
    struct dump d;

    check(sm, !flowtab_sync_installed(ft, sm->conn), "restart: sync");
    check(sm, !add_desired(ft, sm->gw_ofport, false, true),
          "restart: desired flows accepted");
    flowtab_format_diff(ft, &diff);
    printf("# restart diff:\n%s", ds_cstr(&diff));
    ds_destroy(&diff);

    check(sm, !flowtab_commit(ft, sm->conn), "restart: commit");
    check_switch(sm, 2, false, true, "restart: switch has the new set");
    check(sm, !dump(sm, 2, &d) && !d.stale_round
          && d.ours == flowtab_count(ft), "restart: every cookie has round 2");
    check(sm, d.operator_flow, "restart: operator flow untouched");
    check(sm, d.traffic_packets == 5,
          "restart: counters kept (no flush, no reset)");
    check(sm, !send_traffic(sm, 3) && !dump(sm, 2, &d)
          && d.traffic_packets == 8, "restart: traffic still counted");
    flowtab_destroy(ft);
}

int
main(int argc, char *argv[])
{
    struct smoke sm = { .failures = 0 };

    if (argc != 3) {
        fprintf(stderr, "usage: %s DB_REMOTE OVS_RUNDIR\n", argv[0]);
        return 2;
    }
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    check(&sm, NODE == cookie_owner(COOKIE_KIND_NODE, 1)
          && POD_B == cookie_owner(COOKIE_KIND_POD, 8), "owner cookies");

    int error = ovsbridge_open(argv[1], BRIDGE, TIMEOUT_MS, &sm.br);
    check(&sm, !error, "database opened");
    if (error) {
        return 1;
    }
    test_bridge(&sm);

    char *target = ovsbridge_mgmt_target(argv[2], BRIDGE);
    error = ofconn_open(target, TIMEOUT_MS, &sm.conn);
    free(target);
    check(&sm, !error, "OpenFlow connection");
    if (!error) {
        check(&sm, ofconn_version(sm.conn) == OFP15_VERSION,
              "OpenFlow 1.5 negotiated");
        struct flowtab *ft = flowtab_create(1);
        test_first_round(&sm, ft);
        test_in_flight(&sm, ft);
        flowtab_destroy(ft);
        test_restart(&sm);
        ofconn_close(sm.conn);
    }
    ovsbridge_close(sm.br);

    printf("%d failed\n", sm.failures);
    return sm.failures ? 1 : 0;
}
