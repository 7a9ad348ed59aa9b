/*
 * polflows_smoke: installs br-int's pipeline (pipeline.c) with policy rules
 * (polflows.c) in a bridge of a real ovs-vswitchd, started by
 * test-polflows.sh in a network namespace, one phase per run:
 *
 *   polflows_smoke DB_REMOTE OVS_RUNDIR install|traffic|remove
 *
 * install: creates the bridge and three pod ports, commits node, pods,
 *          rules and isolation (round 1), and checks the switch has
 *          exactly those flows.
 * traffic: injects TCP SYNs from pod a with packet-outs and checks that
 *          each rule's counters (polflows_rule_stats) count its packets.
 * remove:  as a restarted agent (round 2), takes the installed flows over
 *          without rule 102, and checks the switch, the new round and that
 *          the counters survived.
 *
 * The pods: a 10.244.1.11 (ofport 11), b .12 (12), c .13 (13).  Rules:
 *   101 egress  ALLOW a -> b, tcp 80 and 1000-1999    table 40, prio 100
 *   102 egress  ALLOW a, c -> c, udp 53               table 40, prio 100
 *   103 egress  DENY  a -> b, tcp 1500                table 40, prio 200
 *   201 ingress ALLOW a -> b, any port                table 70, prio 100
 * egress isolation of a and c (table 41), ingress isolation of b (71).
 * 101 and 102 share the clause flow of pod a.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/pipeline.h"
#include "dataplane/polflows.h"
#include "dataplane/tables.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/vlog.h"
#include "byte-order.h"
#include "util.h"

#define BRIDGE "br-pol"
#define GW "pol-gw"
#define TIMEOUT_MS 10000
#define N_PODS 3

static const uint8_t gw_mac[6] = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x01 };

struct smoke {
    struct ovsbridge *br;
    struct ofconn *conn;
    struct pipeline_node node;
    struct pipeline_pod pods[N_PODS];
    const char *names[N_PODS];
    int failures;
    int n_checks;
};

/* The rules' inputs; the rules point into it. */
struct rules {
    struct in_addr a, b, c, ac[2];
    struct polflows_cidr b_peer, c_peer, a_peer;
    struct polflows_port ports_101[2], port_102, port_103;
    struct polflows_rule r101, r102, r103, r201;
};

static void
check(struct smoke *sm, bool ok, const char *what)
{
    printf("%sok %d - %s\n", ok ? "" : "not ", ++sm->n_checks, what);
    fflush(stdout);
    sm->failures += !ok;
}

static void
smoke_init(struct smoke *sm)
{
    static const char *const names[N_PODS] = { "pol-a", "pol-b", "pol-c" };

    memset(sm, 0, sizeof *sm);
    inet_pton(AF_INET, "10.244.1.0", &sm->node.subnet);
    sm->node.prefix_len = 24;
    inet_pton(AF_INET, "10.244.1.1", &sm->node.gw_ip);
    memcpy(sm->node.gw_mac, gw_mac, 6);
    for (int i = 0; i < N_PODS; i++) {
        struct pipeline_pod *pod = &sm->pods[i];

        sm->names[i] = names[i];
        pod->owner = cookie_owner(COOKIE_KIND_POD, i + 1);
        pod->ofport = 11 + i;
        pod->ip.s_addr = htonl(0x0af4010b + i);
        memcpy(pod->mac, gw_mac, 6);
        pod->mac[5] = 0x0b + i;
    }
}

static struct polflows_rule
rule(uint32_t id, enum polflows_dir dir, enum polflows_action action,
     uint16_t priority)
{
    bool egress = dir == POLFLOWS_EGRESS;

    return (struct polflows_rule) {
        .id = id,
        .dir = dir,
        .action = action,
        .table = egress ? TABLE_EGRESS_RULE : TABLE_INGRESS_RULE,
        .priority = priority,
        .next_table = egress ? TABLE_L3_FORWARDING : TABLE_CT_COMMIT,
        .pass_table = egress ? TABLE_EGRESS_DEFAULT : TABLE_INGRESS_DEFAULT,
    };
}

static void
rules_init(struct rules *rs, const struct smoke *sm)
{
    rs->a = sm->pods[0].ip;
    rs->b = sm->pods[1].ip;
    rs->c = sm->pods[2].ip;
    rs->ac[0] = rs->a;
    rs->ac[1] = rs->c;
    rs->a_peer = (struct polflows_cidr) { rs->a, 32 };
    rs->b_peer = (struct polflows_cidr) { rs->b, 32 };
    rs->c_peer = (struct polflows_cidr) { rs->c, 32 };
    rs->ports_101[0] = (struct polflows_port) { IPPROTO_TCP, 80, 0 };
    rs->ports_101[1] = (struct polflows_port) { IPPROTO_TCP, 1000, 1999 };
    rs->port_102 = (struct polflows_port) { IPPROTO_UDP, 53, 0 };
    rs->port_103 = (struct polflows_port) { IPPROTO_TCP, 1500, 0 };

    rs->r101 = rule(101, POLFLOWS_EGRESS, POLFLOWS_ALLOW, 100);
    rs->r101.pods = &rs->a;
    rs->r101.n_pods = 1;
    rs->r101.peers = &rs->b_peer;
    rs->r101.n_peers = 1;
    rs->r101.ports = rs->ports_101;
    rs->r101.n_ports = 2;

    rs->r102 = rule(102, POLFLOWS_EGRESS, POLFLOWS_ALLOW, 100);
    rs->r102.pods = rs->ac;
    rs->r102.n_pods = 2;
    rs->r102.peers = &rs->c_peer;
    rs->r102.n_peers = 1;
    rs->r102.ports = &rs->port_102;
    rs->r102.n_ports = 1;

    rs->r103 = rule(103, POLFLOWS_EGRESS, POLFLOWS_DENY, 200);
    rs->r103.pods = &rs->a;
    rs->r103.n_pods = 1;
    rs->r103.peers = &rs->b_peer;
    rs->r103.n_peers = 1;
    rs->r103.ports = &rs->port_103;
    rs->r103.n_ports = 1;

    rs->r201 = rule(201, POLFLOWS_INGRESS, POLFLOWS_ALLOW, 100);
    rs->r201.pods = &rs->b;
    rs->r201.n_pods = 1;
    rs->r201.peers = &rs->a_peer;
    rs->r201.n_peers = 1;
    rs->r201.any_port = true;
}

static int
add_desired(struct flowtab *ft, const struct smoke *sm, bool with_102)
{
    struct rules rs;
    int error;

    rules_init(&rs, sm);
    error = pipeline_set_node(ft, &sm->node);
    for (int i = 0; !error && i < N_PODS; i++) {
        error = pipeline_set_pod(ft, &sm->node, &sm->pods[i]);
    }
    error = (error ? error
             : polflows_set_rule(ft, &rs.r101)
               || (with_102 && polflows_set_rule(ft, &rs.r102))
               || polflows_set_rule(ft, &rs.r103)
               || polflows_set_rule(ft, &rs.r201)
               || polflows_set_isolation(ft, 1000, POLFLOWS_EGRESS,
                                         TABLE_EGRESS_DEFAULT, 100, rs.ac, 2)
               || polflows_set_isolation(ft, 1001, POLFLOWS_INGRESS,
                                         TABLE_INGRESS_DEFAULT, 100, &rs.b,
                                         1) ? -EINVAL : 0);
    /* The isolated pods take the conntrack pass, as the agent's policy
     * module makes them (pipeline.md, ConntrackZone). */
    const struct in_addr tracked[] = { rs.ac[0], rs.ac[1], rs.b };
    if (!error) {
        error = polflows_set_conntrack(ft, 3, tracked, ARRAY_SIZE(tracked));
    }
    return error;
}

/* The switch holds exactly the desired flows when a flowtab that desires
 * them finds nothing to send after reading the switch. */
static void
check_switch(struct smoke *sm, uint16_t round, bool with_102,
             const char *what)
{
    struct flowtab *probe = flowtab_create(round);
    struct ds diff = DS_EMPTY_INITIALIZER;
    int error = add_desired(probe, sm, with_102);

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

static int
smoke_connect(struct smoke *sm, const char *remote, const char *rundir)
{
    int error = ovsbridge_open(remote, BRIDGE, TIMEOUT_MS, &sm->br);

    if (!error) {
        error = ovsbridge_ensure(sm->br, GW, TIMEOUT_MS);
    }
    if (!error) {
        error = ovsbridge_wait_ofport(sm->br, GW, TIMEOUT_MS,
                                      &sm->node.gw_ofport, NULL);
    }
    if (!error) {
        char *target = ovsbridge_mgmt_target(rundir, BRIDGE);
        error = ofconn_open(target, TIMEOUT_MS, &sm->conn);
        free(target);
    }
    check(sm, !error, "bridge and OpenFlow connection");
    return error;
}

static void
phase_install(struct smoke *sm)
{
    struct flowtab *ft = flowtab_create(1);
    bool ports_ok = true;

    for (int i = 0; i < N_PODS; i++) {
        struct ovsbridge_port_spec spec = {
            .name = sm->names[i],
            .type = OVSBRIDGE_PORT_INTERNAL,
            .owner = sm->names[i],
            .ofport_request = sm->pods[i].ofport,
        };
        int64_t ofport = 0;

        ports_ok = ports_ok && !ovsbridge_add_port(sm->br, &spec)
                   && !ovsbridge_wait_ofport(sm->br, spec.name, TIMEOUT_MS,
                                             &ofport, NULL)
                   && ofport == sm->pods[i].ofport;
    }
    check(sm, ports_ok, "pod ports with ofports 11, 12, 13");
    check(sm, !add_desired(ft, sm, true), "desired flows accepted");
    check(sm, !flowtab_commit(ft, sm->conn), "commit");
    check_switch(sm, 1, true, "switch has exactly the desired flows");
    flowtab_destroy(ft);
}

static uint16_t
csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    return sum;
}

/* An Ethernet + IPv4 + TCP SYN from pod a to 'dst', through the gateway
 * MAC as pods send everything, with correct checksums (conntrack checks
 * them). */
static size_t
make_syn(const struct smoke *sm, struct in_addr dst, uint16_t sport,
         uint16_t dport, uint8_t pkt[54])
{
    const struct pipeline_pod *a = &sm->pods[0];
    uint8_t *ip = pkt + 14, *tcp = pkt + 34;

    memset(pkt, 0, 54);
    memcpy(pkt, gw_mac, 6);
    memcpy(pkt + 6, a->mac, 6);
    pkt[12] = 0x08;
    ip[0] = 0x45;
    ip[3] = 40;
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    memcpy(ip + 12, &a->ip, 4);
    memcpy(ip + 16, &dst, 4);
    uint16_t sum = csum_fold(csum_add(0, ip, 20));
    ip[10] = sum >> 8;
    ip[11] = sum;

    tcp[0] = sport >> 8;
    tcp[1] = sport;
    tcp[2] = dport >> 8;
    tcp[3] = dport;
    tcp[7] = 1;
    tcp[12] = 5 << 4;
    tcp[13] = 0x02;
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    uint32_t pseudo = csum_add(0, ip + 12, 8) + IPPROTO_TCP + 20;
    sum = csum_fold(csum_add(pseudo, tcp, 20));
    tcp[16] = sum >> 8;
    tcp[17] = sum;
    return 54;
}

/* 'n' new connections from a to 'dst':'dport', each from its own source
 * port so that each is new to conntrack and walks the policy tables. */
static int
send_syns(struct smoke *sm, struct in_addr dst, uint16_t dport, int n,
          uint16_t *sport)
{
    for (int i = 0; i < n; i++) {
        uint8_t pkt[54];
        size_t len = make_syn(sm, dst, (*sport)++, dport, pkt);
        int error = ofconn_packet_out(sm->conn, sm->pods[0].ofport, pkt,
                                      len);
        if (error) {
            return error;
        }
    }
    return 0;
}

static void
check_stats(struct smoke *sm, const struct polflows_rule *r,
            uint64_t expect, const char *what)
{
    uint64_t packets = 0, bytes = 0;
    int error = polflows_rule_stats(sm->conn, r, &packets, &bytes);

    check(sm, !error && packets == expect && bytes == expect * 54, what);
    printf("# rule %"PRIu32": %s, %"PRIu64" packets, %"PRIu64" bytes\n",
           r->id, error ? ovs_strerror(-error) : "found", packets, bytes);
}

static void
phase_traffic(struct smoke *sm)
{
    struct rules rs;
    uint16_t sport = 40000;

    rules_init(&rs, sm);
    check_stats(sm, &rs.r101, 0, "rule 101 counts nothing yet");
    check(sm, !send_syns(sm, rs.b, 80, 4, &sport)
          && !send_syns(sm, rs.b, 1234, 2, &sport)
          && !send_syns(sm, rs.b, 81, 5, &sport)
          && !send_syns(sm, rs.b, 1500, 3, &sport)
          && !send_syns(sm, rs.c, 53, 2, &sport),
          "packets injected");
    check_stats(sm, &rs.r101, 6, "rule 101 counted a->b tcp 80 and 1234");
    check_stats(sm, &rs.r103, 3, "rule 103 (deny) counted a->b tcp 1500");
    check_stats(sm, &rs.r201, 6, "rule 201 counted what 101 let through");
    /* tcp to c is no udp: rule 102 matches none of it */
    check_stats(sm, &rs.r102, 0, "rule 102 counted nothing");
}

static void
phase_remove(struct smoke *sm)
{
    struct flowtab *ft = flowtab_create(2);
    struct rules rs;
    uint64_t packets, bytes;

    rules_init(&rs, sm);
    check(sm, !flowtab_sync_installed(ft, sm->conn), "restart: sync");
    check(sm, !add_desired(ft, sm, false),
          "restart: desired flows without rule 102");
    check(sm, !flowtab_commit(ft, sm->conn), "restart: commit");
    check_switch(sm, 2, false, "restart: switch has the new set, round 2");
    check_stats(sm, &rs.r101, 6, "restart: rule 101 kept its counters");
    check(sm, polflows_rule_stats(sm->conn, &rs.r102, &packets, &bytes)
          == -ENOENT, "rule 102 is gone from the switch");
    flowtab_destroy(ft);
}

int
main(int argc, char *argv[])
{
    struct smoke sm;

    if (argc != 4) {
        fprintf(stderr, "usage: %s DB_REMOTE OVS_RUNDIR "
                "install|traffic|remove\n", argv[0]);
        return 2;
    }
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    smoke_init(&sm);
    if (!smoke_connect(&sm, argv[1], argv[2])) {
        if (!strcmp(argv[3], "install")) {
            phase_install(&sm);
        } else if (!strcmp(argv[3], "traffic")) {
            phase_traffic(&sm);
        } else if (!strcmp(argv[3], "remove")) {
            phase_remove(&sm);
        } else {
            check(&sm, false, "known phase");
        }
    }
    ofconn_close(sm.conn);
    ovsbridge_close(sm.br);
    return sm.failures ? 1 : 0;
}
