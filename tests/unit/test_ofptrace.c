/* ofproto/trace answers of a real ovs-vswitchd 3.1 (ofptrace-record.sh
 * made the fixtures), read by ofptrace; and the query, against a stand-in
 * control socket. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/ofptrace.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "packets.h"
#include "unixctl.h"
#include "util.h"

static const char allowed_trace[] =
#include "ofptrace_allowed.trace"
    ;
static const char established_trace[] =
#include "ofptrace_established.trace"
    ;
static const char policy_drop_trace[] =
#include "ofptrace_policy_drop.trace"
    ;
static const char ingress_drop_trace[] =
#include "ofptrace_ingress_drop.trace"
    ;
static const char service_trace[] =
#include "ofptrace_service.trace"
    ;
static const char service_dphash_trace[] =
#include "ofptrace_service_dphash.trace"
    ;
static const char tunnel_trace[] =
#include "ofptrace_tunnel.trace"
    ;
static const char classifier_drop_trace[] =
#include "ofptrace_classifier_drop.trace"
    ;
static const char no_flows_trace[] =
#include "ofptrace_no_flows.trace"
    ;
static const char ttl_expired_trace[] =
#include "ofptrace_ttl_expired.trace"
    ;

static const char *const fixtures[] = {
    allowed_trace, established_trace, policy_drop_trace, ingress_drop_trace,
    service_trace, service_dphash_trace, tunnel_trace,
    classifier_drop_trace, no_flows_trace, ttl_expired_trace,
};

static struct ofptrace_result *
parse_ok(const char *text)
{
    struct ofptrace_result *r;

    assert_int_equal(ofptrace_parse(text, &r), 0);
    assert_non_null(r);
    return r;
}

/* The steps, one a line: "SECTION BRIDGE TABLE PRIORITY COOKIE KIND". */
static char *
format_steps(const struct ofptrace_result *r)
{
    static const char *const kinds[] = {
        [OFPTRACE_STEP_LOOKUP] = "lookup",
        [OFPTRACE_STEP_GOTO] = "goto",
        [OFPTRACE_STEP_RESUBMIT] = "resubmit",
        [OFPTRACE_STEP_RECIRC] = "recirc",
    };
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < r->n_steps; i++) {
        const struct ofptrace_step *step = &r->steps[i];

        ds_put_format(&s, "%"PRIuSIZE" %s %u %d %#"PRIx64" %s\n",
                      step->section, step->bridge, step->table_id,
                      step->priority, step->cookie, kinds[step->kind]);
    }
    return ds_steal_cstr(&s);
}

/* Steps shared by the fixtures, as format_steps() writes them.  The first
 * pass of a pod's packet: Classifier, SpoofGuard, ct() in ConntrackZone. */
#define POD1 "0x2000000000070001"
#define POD3 "0x2000000000090001"
#define NODE "0x1000000000010001"
#define FIRST_PASS(POD) \
    "0 br-int 0 190 " POD " lookup\n" \
    "0 br-int 10 200 " POD " goto\n" \
    "0 br-int 20 100 " NODE " goto\n"
/* A new connection resumed in ConntrackState, past the service tables. */
#define NEW_NO_SERVICE \
    "1 br-int 21 0 " NODE " recirc\n" \
    "1 br-int 30 0 " NODE " goto\n" \
    "1 br-int 31 0 " NODE " goto\n" \
    "1 br-int 35 0 " NODE " goto\n"
/* No egress policy for the pod. */
#define EGRESS_OPEN \
    "1 br-int 40 0 " NODE " goto\n" \
    "1 br-int 41 0 " NODE " goto\n" \
    "1 br-int 42 0 " NODE " goto\n"
/* No ingress policy for the destination pod, in pass SECTION. */
#define INGRESS_OPEN(SECTION) \
    SECTION " br-int 65 0 " NODE " goto\n" \
    SECTION " br-int 70 0 " NODE " goto\n" \
    SECTION " br-int 71 0 " NODE " goto\n" \
    SECTION " br-int 72 0 " NODE " goto\n"

static void
assert_steps(const struct ofptrace_result *r, const char *expected)
{
    char *steps = format_steps(r);

    assert_string_equal(steps, expected);
    free(steps);
}

static const struct ofptrace_step *
last_step(const struct ofptrace_result *r)
{
    assert_true(r->n_steps > 0);
    return &r->steps[r->n_steps - 1];
}

/* A flow hit's text; 'notes' NULL when they do not matter. */
static void
assert_hit(const struct ofptrace_step *step, const char *match,
           const char *actions, const char *notes)
{
    assert_true(step->matched);
    assert_string_equal(step->match, match);
    assert_string_equal(step->actions, actions);
    if (notes) {
        assert_string_equal(step->notes, notes);
    }
}

static void
assert_field(const struct ofptrace_section *sec, const char *name,
             const char *value)
{
    const char *actual = ofptrace_section_field(sec, name);

    if (value) {
        assert_non_null(actual);
        assert_string_equal(actual, value);
    } else {
        assert_null(actual);
    }
}

static void
assert_port_output(const struct ofptrace_output *out, uint32_t port)
{
    assert_false(out->tunnel);
    assert_int_equal(out->port, port);
}

static void
assert_ipv4(const struct in6_addr *addr, const char *expected)
{
    ovs_be32 ip;

    assert_int_equal(inet_pton(AF_INET, expected, &ip), 1);
    assert_true(IN6_IS_ADDR_V4MAPPED(addr));
    assert_int_equal(in6_addr_get_mapped_ipv4(addr), ip);
}

/* Pod to pod, allowed by an egress rule's conjunction: through conntrack
 * (two passes), out the destination pod's datapath port. */
static void
test_allowed(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(allowed_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);

    assert_steps(r,
        FIRST_PASS(POD1)
        NEW_NO_SERVICE
        "1 br-int 40 1000 0x3000000000050001 goto\n"
        "1 br-int 50 200 " POD3 " goto\n"
        "1 br-int 60 200 " POD3 " goto\n"
        INGRESS_OPEN("1")
        "1 br-int 80 100 " NODE " goto\n"
        "1 br-int 90 0 " NODE " goto\n");
    assert_hit(&r->steps[0], "in_port=3",
               "set_field:0x1/0xf->reg0\ngoto_table:10", "");
    assert_hit(&r->steps[7], "conj_id=5,ip", "goto_table:50", "");
    assert_hit(&r->steps[2], "ip", "ct(table=21,zone=65001,nat)\nnat",
               NULL);
    assert_non_null(strstr(r->steps[2].notes, "resumed at table 21"));
    assert_string_equal(last_step(r)->notes, "output port is 5");

    assert_int_equal(r->n_sections, 2);
    assert_null(r->sections[0].resume);
    assert_true(r->sections[0].ct);
    assert_true(r->sections[0].recirc);
    assert_int_equal(r->sections[0].recirc_id, 1);
    assert_false(r->sections[0].dropped);
    assert_string_equal(r->sections[1].resume,
                        "recirc(0x1) - resume conntrack with default "
                        "ct_state=trk|new (use --ct-next to customize)");

    assert_int_equal(ofptrace_section_reg(fin, 0), 1);
    assert_int_equal(ofptrace_section_reg(fin, 1), 5);
    assert_int_equal(ofptrace_section_reg(fin, 3), 0);
    assert_field(fin, "nw_dst", "10.244.1.4");
    assert_field(fin, "tp_dst", "8080");
    assert_field(fin, "nw_ttl", "63");
    assert_field(fin, "tcp", "");
    assert_field(fin, "ct_state", NULL);
    assert_false(fin->dropped);
    assert_true(fin->ct);
    assert_false(fin->recirc);
    assert_int_equal(fin->n_outputs, 1);
    assert_port_output(&fin->outputs[0], 4);
    assert_string_equal(fin->megaflow,
        "recirc_id=0x1,ct_state=+new-inv+trk,eth,tcp,in_port=3,"
        "dl_src=0a:58:0a:f4:01:02,dl_dst=0a:58:0a:f4:01:01,"
        "nw_src=10.244.1.2,nw_dst=10.244.1.4,nw_ttl=64,nw_frag=no,"
        "tp_dst=8080");
    assert_string_equal(fin->dp_actions,
        "set(eth(src=0a:58:0a:f4:01:01,dst=0a:58:0a:f4:01:04)),"
        "set(ipv4(ttl=63)),ct(commit,zone=65001),4");
    assert_string_equal(r->text, allowed_trace);
    ofptrace_result_destroy(r);
}

/* The same with --ct-next trk,est: ConntrackState and IngressAdmin let
 * the established connection skip the policy tables. */
static void
test_established(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(established_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);

    assert_steps(r,
        FIRST_PASS(POD1)
        "1 br-int 21 200 " NODE " recirc\n"
        "1 br-int 50 200 " POD3 " goto\n"
        "1 br-int 60 200 " POD3 " goto\n"
        "1 br-int 65 40010 " NODE " goto\n"
        "1 br-int 80 0 " NODE " goto\n"
        "1 br-int 90 0 " NODE " goto\n");
    assert_string_equal(r->steps[3].match, "ct_state=-new+trk");
    assert_non_null(strstr(fin->resume, "ct_state=est|trk"));
    assert_field(fin, "ct_state", "est|trk");
    assert_field(fin, "ct_zone", "65001");
    assert_int_equal(ofptrace_section_reg(fin, 1), 5);
    assert_false(fin->dropped);
    assert_false(fin->ct);
    assert_int_equal(fin->n_outputs, 1);
    assert_port_output(&fin->outputs[0], 4);
    ofptrace_result_destroy(r);
}

/* Denied by the egress default of an isolated pod (EgressDefault). */
static void
test_policy_drop(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(policy_drop_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);
    const struct ofptrace_step *last = last_step(r);

    assert_steps(r,
        FIRST_PASS(POD1)
        NEW_NO_SERVICE
        "1 br-int 40 0 " NODE " goto\n"
        "1 br-int 41 100 0x3000000000010001 goto\n");
    assert_hit(last, "ip,reg0=0x1/0xf,nw_src=10.244.1.2", "drop", "");
    assert_string_equal(fin->dp_actions, "drop");
    assert_true(fin->dropped);
    assert_int_equal(fin->n_outputs, 0);
    /* "Final flow: unchanged": the flow the pass began with. */
    assert_field(fin, "ct_state", "new|trk");
    assert_field(fin, "tp_dst", "22");
    assert_int_equal(ofptrace_section_reg(fin, 0), 1);
    ofptrace_result_destroy(r);
}

/* Denied by the ingress default of the destination pod (IngressDefault),
 * after L2Forwarding chose its port. */
static void
test_ingress_drop(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(ingress_drop_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);
    const struct ofptrace_step *last = last_step(r);

    assert_steps(r,
        FIRST_PASS(POD3)
        NEW_NO_SERVICE
        EGRESS_OPEN
        "1 br-int 50 200 0x2000000000080001 goto\n"
        "1 br-int 60 200 0x2000000000080001 goto\n"
        "1 br-int 65 0 " NODE " goto\n"
        "1 br-int 70 0 " NODE " goto\n"
        "1 br-int 71 100 0x3000000000020001 goto\n");
    assert_hit(last, "ip,reg1=0x4", "drop", "");
    assert_true(fin->dropped);
    assert_int_equal(ofptrace_section_reg(fin, 1), 4);
    assert_field(fin, "nw_ttl", "63");
    ofptrace_result_destroy(r);
}

/* A service through a select group (hash on the client address), the
 * bucket's resubmit to EndpointDNAT, ct(commit, nat) and a third pass
 * with the destination NATed to the endpoint. */
static void
test_service(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(service_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);
    const struct ofptrace_step *lb = &r->steps[4], *dnat = &r->steps[5];

    assert_steps(r,
        FIRST_PASS(POD1)
        "1 br-int 21 0 " NODE " recirc\n"
        "1 br-int 30 200 0x4000000000060001 goto\n"
        "1 br-int 31 200 0x4000000000060001 resubmit\n"
        "2 br-int 35 0 " NODE " recirc\n"
        "2 br-int 40 1000 0x3000000000050001 goto\n"
        "2 br-int 50 200 " POD3 " goto\n"
        "2 br-int 60 200 " POD3 " goto\n"
        INGRESS_OPEN("2")
        "2 br-int 80 100 " NODE " goto\n"
        "2 br-int 90 0 " NODE " goto\n");
    assert_hit(lb, "tcp,nw_dst=10.96.0.11,tp_dst=80",
               "group:6\nbucket 0\nset_field:0xaf40104->reg3\n"
               "set_field:0x1f90/0xffff->reg4\n"
               "set_field:0x60000/0xffff0000->reg4\n"
               "set_field:0x10/0x10->reg0\nresubmit(,31)",
               "bucket 0: score 63629\nusing bucket 0");
    assert_string_equal(dnat->actions,
                        "ct(commit,table=35,zone=65001,"
                        "nat(dst=10.244.1.4:8080))\nnat(dst=10.244.1.4:8080)");
    assert_non_null(strstr(dnat->notes, "resumed at table 35"));

    assert_int_equal(r->n_sections, 3);
    assert_true(r->sections[1].ct);
    assert_int_equal(r->sections[1].recirc_id, r->sections[0].recirc_id + 1);
    assert_string_equal(r->sections[1].dp_actions,
                        "ct(commit,zone=65001,nat(dst=10.244.1.4:8080)),"
                        "recirc(0x6)");
    assert_field(&r->sections[1], "nw_dst", "10.96.0.11");
    assert_field(fin, "nw_dst", "10.244.1.4");
    assert_field(fin, "tp_dst", "8080");
    assert_int_equal(ofptrace_section_reg(fin, 0), 0x11);
    assert_int_equal(ofptrace_section_reg(fin, 1), 5);
    assert_int_equal(ofptrace_section_reg(fin, 3), 0x0af40104);
    assert_int_equal(ofptrace_section_reg(fin, 4), 0x61f90);
    assert_false(fin->dropped);
    assert_int_equal(fin->n_outputs, 1);
    assert_port_output(&fin->outputs[0], 4);
    ofptrace_result_destroy(r);
}

/* The same through a dp_hash group, Seine's default: the datapath hashes
 * and recirculates, and OVS cannot trace on, so the trace ends in
 * recirc() with no bucket chosen. */
static void
test_service_dphash(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(service_dphash_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);
    const struct ofptrace_step *last = last_step(r);

    assert_int_equal(r->n_sections, 2);
    assert_steps(r,
        FIRST_PASS(POD1)
        "1 br-int 21 0 " NODE " recirc\n"
        "1 br-int 30 200 0x4000000000040001 goto\n");
    assert_hit(last, "tcp,nw_dst=10.96.0.10,tp_dst=80", "group:4",
               "no live bucket");
    assert_string_equal(fin->dp_actions, "hash(l4(0)),recirc(0x8)");
    assert_true(fin->recirc);
    assert_int_equal(fin->recirc_id, 8);
    assert_false(fin->ct);
    assert_false(fin->dropped);
    assert_int_equal(fin->n_outputs, 0);
    ofptrace_result_destroy(r);
}

/* To a pod of another node: set_field to tun_dst, out the geneve port;
 * OVS follows the encapsulated packet into br-phy, the bridge holding
 * the node address, and its NORMAL output. */
static void
test_tunnel(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(tunnel_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);
    const struct ofptrace_step *phy = last_step(r);
    const struct ofptrace_step *out = &r->steps[r->n_steps - 2];

    assert_steps(r,
        FIRST_PASS(POD3)
        NEW_NO_SERVICE
        EGRESS_OPEN
        "1 br-int 50 190 0x1000000000020001 goto\n"
        "1 br-int 80 100 " NODE " goto\n"
        "1 br-int 90 0 " NODE " goto\n"
        "1 br-phy 0 0 0 lookup\n");
    assert_hit(&r->steps[10],
               "ip,dl_dst=0a:58:0a:f4:01:01,nw_dst=10.244.2.0/24",
               "set_field:0a:58:0a:f4:01:01->eth_src\ndec_ttl\n"
               "set_field:192.168.100.2->tun_dst\n"
               "set_field:0x2->reg1\ngoto_table:80", "");
    assert_hit(out, "", "output:NXM_NX_REG1[]",
               "output port is 2\n"
               "output to native tunnel\n"
               "tunneling to 192.168.100.2 via br-phy\n"
               "tunneling from 0a:58:c0:a8:64:01 192.168.100.1 "
               "to 0a:58:c0:a8:64:02 192.168.100.2");
    assert_hit(phy, "", "NORMAL",
               "no learned MAC for destination, flooding");

    assert_field(fin, "tun_dst", "192.168.100.2");
    assert_field(fin, "nw_tos", "32");
    assert_field(fin, "nw_dst", "10.244.2.5");
    assert_field(fin, "tp_dst", "53");
    assert_int_equal(ofptrace_section_reg(fin, 1), 2);
    assert_false(fin->dropped);
    assert_true(fin->ct);
    assert_int_equal(fin->n_outputs, 2);
    assert_true(fin->outputs[0].tunnel);
    assert_int_equal(fin->outputs[0].port, 1);
    assert_ipv4(&fin->outputs[0].tun_src, "192.168.100.1");
    assert_ipv4(&fin->outputs[0].tun_dst, "192.168.100.2");
    assert_port_output(&fin->outputs[1], 9);
    ofptrace_result_destroy(r);
}

/* A port the pipeline does not know: the classifier's default drops. */
static void
test_classifier_drop(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(classifier_drop_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);

    assert_steps(r, "0 br-int 0 0 " NODE " lookup\n");
    assert_hit(&r->steps[0], "", "drop", "");
    assert_int_equal(r->n_sections, 1);
    assert_true(fin->dropped);
    assert_false(fin->ct);
    assert_field(fin, "in_port", "9");
    assert_int_equal(ofptrace_section_reg(fin, 0), 0);
    assert_string_equal(fin->megaflow, "recirc_id=0,eth,ip,in_port=9,"
                        "nw_frag=no");
    ofptrace_result_destroy(r);
}

/* A bridge with no flow at all (fail_mode=secure before the agent has
 * installed any): a table miss. */
static void
test_no_flows(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(no_flows_trace);

    assert_steps(r, "0 br-empty 0 -1 0 lookup\n");
    assert_false(r->steps[0].matched);
    assert_string_equal(r->steps[0].notes, "No match.");
    assert_string_equal(r->steps[0].actions, "drop");
    assert_true(ofptrace_final(r)->dropped);
    ofptrace_result_destroy(r);
}

/* TTL 1 to a local pod: dec_ttl in L3Forwarding sends it to the
 * controller (the agent), so it is not dropped, and OVS warns. */
static void
test_ttl_expired(void **state OVS_UNUSED)
{
    struct ofptrace_result *r = parse_ok(ttl_expired_trace);
    const struct ofptrace_section *fin = ofptrace_final(r);

    assert_steps(r,
        FIRST_PASS(POD1)
        NEW_NO_SERVICE
        "1 br-int 40 1000 0x3000000000050001 goto\n"
        "1 br-int 50 200 " POD3 " goto\n");
    assert_hit(last_step(r), "ip,reg0=0x1/0xf,dl_dst=0a:58:0a:f4:01:01,"
               "nw_dst=10.244.1.4",
               "set_field:0a:58:0a:f4:01:01->eth_src\n"
               "set_field:0a:58:0a:f4:01:04->eth_dst\ndec_ttl",
               ">> IPv4 decrement TTL exception");
    assert_field(fin, "nw_ttl", "1");
    assert_int_equal(fin->n_outputs, 0);
    assert_false(fin->recirc);
    assert_false(fin->dropped);
    assert_non_null(strstr(fin->dp_actions, "userspace(pid=0,controller("));
    ofptrace_result_destroy(r);
}

static void
assert_invalid(const char *text)
{
    struct ofptrace_result *r = (struct ofptrace_result *) 1;

    assert_int_equal(ofptrace_parse(text, &r), -EINVAL);
    assert_null(r);
}

/* 'text' with the first 'old' replaced by 'new'. */
static char *
replace(const char *text, const char *old, const char *new)
{
    const char *p = strstr(text, old);

    assert_non_null(p);
    return xasprintf("%.*s%s%s", (int) (p - text), text, new,
                     p + strlen(old));
}

static void
assert_invalid_edit(const char *text, const char *old, const char *new)
{
    char *edited = replace(text, old, new);

    assert_invalid(edited);
    free(edited);
}

static void
test_garbage(void **state OVS_UNUSED)
{
    assert_invalid("");
    assert_invalid("\n\n");
    assert_invalid("hello, world\n");
    assert_invalid("ovs-appctl: br-int: unknown bridge\n");
    assert_invalid("Flow: tcp\n");
    assert_invalid("Flow: tcp\n\nbridge(\"br-int\")\n----\n"
                   " 0. priority 0\n    drop\n\nFinal flow: unchanged\n");
    assert_invalid("\x01\x02\xff(((\n=====\n");

    assert_invalid_edit(classifier_drop_trace, "priority 0,", "priority x,");
    assert_invalid_edit(classifier_drop_trace, "cookie 0x1", "cookie 1");
    assert_invalid_edit(classifier_drop_trace, "cookie 0x1000000000010001",
                        "cookie 0x10000000000100010");
    assert_invalid_edit(classifier_drop_trace, " 0. ", " 256. ");
    assert_invalid_edit(classifier_drop_trace, "    drop\n", "drop\n");
    assert_invalid_edit(classifier_drop_trace, "bridge(\"br-int\")\n", "");
    assert_invalid_edit(classifier_drop_trace, "Megaflow", "Megaflop");
    assert_invalid_edit(allowed_trace, "\nrecirc(0x1)", "\nrecirc is");
    assert_invalid_edit(allowed_trace, "set(ipv4(ttl=63))", "set(ipv4(ttl");
    assert_invalid_edit(tunnel_trace, "tnl_port(1)", "tnl_port");
    assert_invalid_edit(tunnel_trace, "ipv4(src=192.168.100.1,",
                        "ipv4(src=192.168.100,");
}

/* A prefix of every length, each in a buffer of its own size so that
 * AddressSanitizer sees any read past it: -EINVAL up to the first
 * section's datapath actions, and never a crash. */
static void
test_truncated(void **state OVS_UNUSED)
{
    for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
        const char *text = fixtures[i];
        const char *dp = strstr(text, "\nDatapath actions:");
        size_t first = dp - text + strlen("\nDatapath actions:");

        for (size_t len = 0; len < strlen(text); len++) {
            char *prefix = xmemdup0(text, len);
            struct ofptrace_result *r;
            int error = ofptrace_parse(prefix, &r);

            if (len < first) {
                assert_int_equal(error, -EINVAL);
            } else {
                assert_true(error == 0 || error == -EINVAL);
            }
            ofptrace_result_destroy(r);
            free(prefix);
        }
    }
}

/* Random bytes in random places: 0 or -EINVAL, a result that holds
 * together, and never a read past the text. */
static void
test_mutations(void **state OVS_UNUSED)
{
    static const char alphabet[] = "\n (),=-.>\"0123456789abxz:|";
    uint32_t seed = 1;

    for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
        size_t len = strlen(fixtures[i]);

        for (int round = 0; round < 300; round++) {
            char *text = xmemdup0(fixtures[i], len);
            struct ofptrace_result *r;

            for (int k = 0; k < 1 + round % 4; k++) {
                seed = seed * 1103515245 + 12345;
                size_t at = (seed >> 8) % len;
                seed = seed * 1103515245 + 12345;
                text[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
            }

            int error = ofptrace_parse(text, &r);

            assert_true(error == 0 || error == -EINVAL);
            if (!error) {
                assert_true(r->n_sections > 0);
                for (size_t s = 0; s < r->n_steps; s++) {
                    assert_true(r->steps[s].section < r->n_sections);
                }
            }
            ofptrace_result_destroy(r);
            free(text);
        }
    }
}

/* The query: a stand-in for ovs-vswitchd's control socket answers
 * "ofproto/trace" with a fixture, and records the arguments it got. */
struct fake_vswitchd {
    char *rundir;
    struct unixctl_server *server;
    char *args;                 /* the last request's arguments */
    const char *answer;         /* NULL: an error */
    char *refusal;              /* what the last refused query said */
};

static struct fake_vswitchd *fake;

static void
fake_trace(struct unixctl_conn *conn, int argc, const char *argv[],
           void *aux OVS_UNUSED)
{
    struct ds args = DS_EMPTY_INITIALIZER;

    for (int i = 1; i < argc; i++) {
        ds_put_format(&args, "%s%s", i > 1 ? " " : "", argv[i]);
    }
    free(fake->args);
    fake->args = ds_steal_cstr(&args);
    if (fake->answer) {
        unixctl_command_reply(conn, fake->answer);
    } else {
        unixctl_command_reply_error(conn, "no bridge named br-nope");
    }
}

static int
fake_setup(void **state)
{
    char template[] = "/tmp/test_ofptrace.XXXXXX";

    fake = xzalloc(sizeof *fake);
    assert_non_null(mkdtemp(template));
    fake->rundir = xstrdup(template);

    char *path = xasprintf("%s/ovs-vswitchd.ctl", fake->rundir);

    assert_int_equal(unixctl_server_create(path, &fake->server), 0);
    free(path);
    unixctl_command_register("ofproto/trace", "", 2, 6, fake_trace, NULL);
    *state = fake;
    return 0;
}

static int
fake_teardown(void **state OVS_UNUSED)
{
    unixctl_server_destroy(fake->server);
    rmdir(fake->rundir);
    free(fake->rundir);
    free(fake->args);
    free(fake->refusal);
    free(fake);
    fake = NULL;
    return 0;
}

/* Runs 't' to its end; what ovs-vswitchd said of a refusal is kept in
 * fake->refusal. */
static int
run_query(struct ofptrace *t, struct ofptrace_result **resultp)
{
    int error;

    assert_non_null(t);
    free(fake->refusal);
    while ((error = ofptrace_finish(t, resultp, &fake->refusal))
           == -EINPROGRESS) {
        unixctl_server_run(fake->server);
        unixctl_server_wait(fake->server);
        ofptrace_wait(t);
        poll_block();
    }
    return error;
}

static void
test_query(void **state OVS_UNUSED)
{
    struct ofptrace_result *r;

    fake->answer = tunnel_trace;
    assert_int_equal(run_query(ofptrace_start(fake->rundir, "br-int",
                                              "udp,in_port=5", 2000), &r), 0);
    assert_string_equal(fake->args, "br-int udp,in_port=5");
    assert_true(ofptrace_final(r)->outputs[0].tunnel);
    ofptrace_result_destroy(r);

    static const char *const ct_next[] = { "trk,est", "trk,new" };

    fake->answer = established_trace;
    assert_int_equal(run_query(ofptrace_start_ct(fake->rundir, "br-int",
                                                 "tcp,in_port=3", ct_next, 2,
                                                 2000), &r), 0);
    assert_string_equal(fake->args, "--ct-next trk,est --ct-next trk,new "
                        "br-int tcp,in_port=3");
    assert_int_equal(r->n_sections, 2);
    ofptrace_result_destroy(r);

    fake->answer = "Bad openflow flow syntax";
    assert_int_equal(run_query(ofptrace_start(fake->rundir, "br-int", "x",
                                              2000), &r), -EINVAL);
    assert_null(r);

    fake->answer = NULL;
    assert_int_equal(run_query(ofptrace_start(fake->rundir, "br-nope", "ip",
                                              2000), &r), -EIO);
    assert_null(r);
    assert_string_equal(fake->refusal, "no bridge named br-nope\n");
}

/* Nothing answers: the query gives up at its deadline. */
static void
test_query_timeout(void **state OVS_UNUSED)
{
    struct ofptrace_result *r;
    struct ofptrace *t = ofptrace_start(fake->rundir, "br-int", "ip", 50);
    int error;

    assert_non_null(t);
    char *refusal;
    while ((error = ofptrace_finish(t, &r, &refusal)) == -EINPROGRESS) {
        ofptrace_wait(t);
        poll_block();
    }
    assert_int_equal(error, -ETIMEDOUT);
    assert_null(r);

    ofptrace_abandon(ofptrace_start(fake->rundir, "br-int", "ip", 1000));
    assert_null(ofptrace_start("/nonexistent", "br-int", "ip", 1000));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowed),
        cmocka_unit_test(test_established),
        cmocka_unit_test(test_policy_drop),
        cmocka_unit_test(test_ingress_drop),
        cmocka_unit_test(test_service),
        cmocka_unit_test(test_service_dphash),
        cmocka_unit_test(test_tunnel),
        cmocka_unit_test(test_classifier_drop),
        cmocka_unit_test(test_no_flows),
        cmocka_unit_test(test_ttl_expired),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test_setup_teardown(test_query, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_query_timeout, fake_setup,
                                        fake_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
