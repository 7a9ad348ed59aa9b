#include <config.h>
#include "agent/core/traceflow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/agent.h"
#include "agent/core/agentconf.h"
#include "agent/core/ctlapi.h"
#include "agent/core/tracepeer.h"
#include "agent/core/tracereport.h"
#include "agent/core/tracespec.h"
#include "agent/observe/metricsrv.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "dataplane/ofptrace.h"
#include "dataplane/tables.h"
#include "dataplane/traceflows.h"
#include "dataplane/tracepkt.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "random.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(traceflow);


enum tf_state {
    TF_INSTALLING,                  /* the trace's flows are being committed */
    TF_SENT,                        /* the packet is out; waiting for it */
    TF_REMOTE,                      /* it went through the tunnel: asking
                                     * the receiving node for its part */
    TF_STATIC,                      /* ofproto/trace asked */
};

struct tf_session {
    struct unixctl_conn *conn;
    struct tracespec spec;
    enum tf_state state;
    uint64_t commit_gen;
    long long int deadline;
    struct ofptrace *query;         /* TF_STATIC */
    uint32_t nonce;                 /* its packet-ins' userdata, not 0 */
    struct json_object *local;      /* this node's part, once known */
    struct tracepeer *peer;         /* TF_REMOTE */
};

/* Another node's trace packet this node received: its part of the path,
 * kept for a while for the source node to ask for (tracereceived_*). */
struct tf_received {
    struct in_addr src;
    uint8_t dscp;
    uint16_t sport;                 /* TCP/UDP source port; 0 for ICMP */
    long long int at;
    struct json_object *part;       /* NULL: an empty slot */
};

/* A tag is taken again only this long after its trace ended: the
 * datapath's cache may hold, for a while, a flow its packets took, which
 * would send a new trace's packet to the old trace's controller action
 * until ovs-vswitchd's revalidators see it (every 500 ms, later on a busy
 * switch). */
#define TF_TAG_QUIET_MS 3000

#define TF_RECEIVED_MAX 64
#define TF_RECEIVED_KEEP_MS (5 * 60 * 1000)

struct traceflow {
    struct tf_session *sessions[TRACE_N_TAGS];
    unsigned int next_tag;          /* where the search for a free tag
                                     * starts: not the one just freed */
    long long int quiet_until[TRACE_N_TAGS];    /* see TF_TAG_QUIET_MS */
    struct tf_received received[TF_RECEIVED_MAX];
    size_t next_received;
};

struct traceflow *
traceflow_create(void)
{
    return xzalloc(sizeof(struct traceflow));
}

static void
session_free(struct tf_session *s)
{
    if (s->query) {
        ofptrace_abandon(s->query);
    }
    tracepeer_destroy(s->peer);
    json_object_put(s->local);
    tracespec_destroy(&s->spec);
    free(s);
}

/* Ends trace 'i': its flows go with the next commit. */
static void
session_end(struct traceflow *tf, struct agent *agent, unsigned int i)
{
    struct tf_session *s = tf->sessions[i];

    if (s->state != TF_STATIC && agent->ft) {
        traceflows_remove(agent->ft, i);
        agent_request_commit(agent);
    }
    tf->sessions[i] = NULL;
    tf->quiet_until[i] = time_msec() + TF_TAG_QUIET_MS;
    session_free(s);
}

void
traceflow_destroy(struct traceflow *tf, struct agent *agent)
{
    if (!tf) {
        return;
    }
    for (unsigned int i = 0; i < TRACE_N_TAGS; i++) {
        if (tf->sessions[i]) {
            unixctl_command_reply_error(tf->sessions[i]->conn,
                                        "the agent is stopping");
            session_end(tf, agent, i);
        }
    }
    for (size_t i = 0; i < TF_RECEIVED_MAX; i++) {
        json_object_put(tf->received[i].part);
    }
    free(tf);
}

static const char *
proto_name(uint8_t proto)
{
    return (proto == IPPROTO_TCP ? "TCP" : proto == IPPROTO_UDP ? "UDP"
            : "ICMP");
}

static struct json_object *
packet_json(const struct tracepkt *p)
{
    struct json_object *o = json_object_new_object();
    char ip[INET_ADDRSTRLEN];

    json_object_object_add(o, "protocol",
                           json_object_new_string(proto_name(p->proto)));
    json_object_object_add(o, "srcIP", json_object_new_string(
                               inet_ntop(AF_INET, &p->src, ip, sizeof ip)));
    json_object_object_add(o, "dstIP", json_object_new_string(
                               inet_ntop(AF_INET, &p->dst, ip, sizeof ip)));
    if (p->proto != IPPROTO_ICMP) {
        json_object_object_add(o, "srcPort", json_object_new_int(p->sport));
        json_object_object_add(o, "dstPort", json_object_new_int(p->dport));
    }
    json_object_object_add(o, "dscp", json_object_new_int(p->dscp));
    return o;
}

static struct json_object *
node_part(const char *node, const char *result,
          struct json_object *observations)
{
    struct json_object *part = json_object_new_object();

    json_object_object_add(part, "node", json_object_new_string(node));
    json_object_object_add(part, "result", json_object_new_string(result));
    json_object_object_add(part, "observations", observations);
    return part;
}

static const char *
part_result(struct json_object *part)
{
    struct json_object *v = NULL;
    json_object_object_get_ex(part, "result", &v);
    return v ? json_object_get_string(v) : "Unknown";
}

/* The answer: this node's part ('s->local'), the receiving node's
 * ('remote', taken, or NULL), and, when that part is 'missing', why. */
static void
reply(struct tf_session *s, struct json_object *remote, const char *missing)
{
    VLOG_INFO("trace %s -> %s: %s%s%s", s->spec.from, s->spec.to,
              part_result(remote ? remote : s->local),
              missing ? "; " : "", missing ? missing : "");
    struct json_object *items = json_object_new_array();
    struct json_object *t = json_object_new_object();
    struct json_object *nodes = json_object_new_array();

    json_object_object_add(t, "mode", json_object_new_string(
                               s->spec.is_static ? "static" : "live"));
    json_object_object_add(t, "source", json_object_new_string(s->spec.from));
    json_object_object_add(t, "destination",
                           json_object_new_string(s->spec.to));
    json_object_object_add(t, "packet", packet_json(&s->spec.pkt));
    json_object_object_add(t, "result", json_object_new_string(
                               part_result(remote ? remote : s->local)));
    json_object_array_add(nodes, json_object_get(s->local));
    if (remote) {
        json_object_array_add(nodes, remote);
    }
    json_object_object_add(t, "nodes", nodes);
    if (missing) {
        struct json_object *m = json_object_new_array();
        json_object_array_add(m, json_object_new_string(missing));
        json_object_object_add(t, "missing", m);
    }
    json_object_array_add(items, t);
    ctlapi_reply_items(s->conn, "Traceflow", items);
}

/* This node's part of trace 's' from verdict 'v'. */
static void
set_local(struct agent *agent, struct tf_session *s,
          struct tracereport_verdict *v)
{
    const char *result;

    v->src = s->spec.pkt.src;
    v->dst = s->spec.pkt.dst;
    v->dport = s->spec.pkt.dport;
    v->proto = s->spec.pkt.proto;
    struct json_object *obs = tracereport_observations(agent, v, &result);
    json_object_put(s->local);
    s->local = node_part(agent->conf->node_name, result, obs);
}

static void
reply_lost(struct agent *agent, struct tf_session *s, const char *why)
{
    struct json_object *obs = json_object_new_array();
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "component", json_object_new_string("Output"));
    json_object_object_add(o, "action", json_object_new_string("Unknown"));
    json_object_object_add(o, "componentInfo", json_object_new_string(why));
    json_object_array_add(obs, o);
    json_object_put(s->local);
    s->local = node_part(agent->conf->node_name, "Unknown", obs);
    reply(s, NULL, NULL);
}

/* The verdict a packet-in carries: where it ended and every register. */
static void
verdict_from_packet_in(const struct ofputil_packet_in *pin,
                       struct tracereport_verdict *v)
{
    const struct flow *f = &pin->flow_metadata.flow;

    memset(v, 0, sizeof *v);
    v->end = (pin->table_id == TABLE_DROP ? TRACEREPORT_DROPPED
              : pin->table_id == TABLE_SERVICE_LB ? TRACEREPORT_REJECTED
              : TRACEREPORT_OUTPUT);
    for (size_t i = 0; i < ARRAY_SIZE(v->regs); i++) {
        v->regs[i] = f->regs[i];
    }
    v->tun_dst.s_addr = f->tunnel.ip_dst;
}

/* The source port that, with the source address and the DSCP, names a
 * trace packet between nodes (the echo id of an ICMP one is not in the
 * flow the receiving node extracts: 0). */
static uint16_t
l4_key(const struct tracepkt *p)
{
    return p->proto == IPPROTO_ICMP ? 0 : p->sport;
}

/* Another node's trace packet, marked by the tunnel key (tables.h): its
 * path through this node is kept for the source node to ask for. */
static bool
received_packet_in(struct traceflow *tf, struct agent *agent,
                   const struct ofputil_packet_in *pin)
{
    const struct flow *md = &pin->flow_metadata.flow;
    struct tracereport_verdict v;
    struct dp_packet packet;
    struct flow f;

    if (!(md->regs[0] & REG_TRACE_RX_MASK)
        || (pin->table_id != TABLE_OUTPUT && pin->table_id != TABLE_DROP)) {
        return false;
    }
    dp_packet_use_const(&packet, pin->packet, pin->packet_len);
    flow_extract(&packet, &f);
    verdict_from_packet_in(pin, &v);
    v.src.s_addr = f.nw_src;
    v.dst.s_addr = f.nw_dst;
    v.dport = ntohs(f.tp_dst);
    v.proto = f.nw_proto;

    const char *result;
    struct json_object *obs = tracereport_observations(agent, &v, &result);
    struct tf_received *r = &tf->received[tf->next_received++
                                          % TF_RECEIVED_MAX];
    json_object_put(r->part);
    *r = (struct tf_received) {
        .src = v.src,
        .dscp = f.nw_tos >> 2,
        .sport = f.nw_proto == IPPROTO_ICMP ? 0 : ntohs(f.tp_src),
        .at = time_msec(),
        .part = node_part(agent->conf->node_name, result, obs),
    };
    dp_packet_uninit(&packet);
    return true;
}

/* The trace a packet-in is about: by its flow's cookie, or for a
 * ServiceLB reject (svcflows' flow, not the trace's) by the packet's tag
 * and source. */
static int
packet_in_trace(const struct traceflow *tf,
                const struct ofputil_packet_in *pin)
{
    int i = traceflows_index_of_cookie(ntohll(pin->cookie));

    if (i < 0 && pin->table_id == TABLE_SERVICE_LB
        && pin->packet_len >= ETH_HEADER_LEN + IP_HEADER_LEN) {
        const struct eth_header *eth = pin->packet;
        const struct ip_header *ip = (const void *) (eth + 1);
        if (eth->eth_type == htons(ETH_TYPE_IP)) {
            i = traceflows_index(ip->ip_tos >> 2);
            if (i >= 0 && (!tf->sessions[i] || get_16aligned_be32(&ip->ip_src)
                           != tf->sessions[i]->spec.pkt.src.s_addr)) {
                i = -1;
            }
        }
    }
    return i;
}

bool
traceflow_packet_in(struct traceflow *tf, struct agent *agent,
                    const struct ofputil_packet_in *pin)
{
    int i = packet_in_trace(tf, pin);

    if (i < 0) {
        return received_packet_in(tf, agent, pin);
    }
    struct tf_session *s = tf->sessions[i];
    uint32_t nonce = traceflows_nonce(pin->userdata, pin->userdata_len);
    if (s && s->state == TF_SENT
        && (nonce == s->nonce || pin->table_id == TABLE_SERVICE_LB)) {
        struct tracereport_verdict v;
        verdict_from_packet_in(pin, &v);
        set_local(agent, s, &v);
        if (v.tun_dst.s_addr
            && !strcmp(part_result(s->local), "ForwardedToTunnel")) {
            s->state = TF_REMOTE;
            s->peer = tracepeer_start(agent->conf, v.tun_dst,
                                      s->spec.pkt.src, s->spec.pkt.dscp,
                                      l4_key(&s->spec.pkt), s->deadline);
        } else {
            reply(s, NULL, NULL);
            session_end(tf, agent, i);
        }
    }
    return true;
}

/* Injects trace 'i''s packet; false (and 's' answered) when it cannot. */
static bool
send_trace(struct agent *agent, struct tf_session *s, unsigned int i)
{
    struct ofpbuf pkt;

    ofpbuf_init(&pkt, 128);
    s->spec.pkt.dscp = traceflows_dscp(i);
    int error = (tracepkt_build(&s->spec.pkt, &pkt)
                 || !agent->of ? -ENOTCONN
                 : ofconn_inject_packet(agent->of, s->spec.in_port, pkt.data,
                                        pkt.size));
    ofpbuf_uninit(&pkt);
    if (error) {
        reply_lost(agent, s, "the packet could not be injected");
        return false;
    }
    s->state = TF_SENT;
    return true;
}

/* A static trace's answer: the last table it reached says how it ended
 * (Drop, Output, or ServiceLB's controller action for a reject). */
static void
finish_static(struct agent *agent, struct tf_session *s,
              const struct ofptrace_result *r)
{
    const struct ofptrace_section *final = ofptrace_final(r);
    struct tracereport_verdict v;

    memset(&v, 0, sizeof v);
    for (size_t i = 0; i < ARRAY_SIZE(v.regs); i++) {
        v.regs[i] = ofptrace_section_reg(final, i);
    }
    for (size_t i = 0; i < final->n_outputs; i++) {
        if (final->outputs[i].tunnel) {
            v.tun_dst.s_addr = in6_addr_get_mapped_ipv4(
                &final->outputs[i].tun_dst);
        }
    }
    /* Past the tunnel's tnl_push the trace goes on in the underlay's
     * bridge: the packet's fate on this bridge is its last step here. */
    uint8_t last = 0;
    for (size_t i = 0; i < r->n_steps; i++) {
        if (!strcmp(r->steps[i].bridge, agent->conf->bridge)) {
            last = r->steps[i].table_id;
        }
    }
    v.end = (last == TABLE_DROP ? TRACEREPORT_DROPPED
             : last == TABLE_SERVICE_LB ? TRACEREPORT_REJECTED
             : TRACEREPORT_OUTPUT);
    if (v.end == TRACEREPORT_OUTPUT && last != TABLE_OUTPUT) {
        reply_lost(agent, s, "ofproto/trace cannot follow the packet past "
                   "this point (a recirculation after a select group): "
                   "use a live trace");
        return;
    }
    set_local(agent, s, &v);
    reply(s, NULL, (!strcmp(part_result(s->local), "ForwardedToTunnel")
                    ? "the receiving node's part: a static trace stops at "
                      "the tunnel (a live trace follows the packet there)"
                    : NULL));
}

static bool
run_static(struct agent *agent, struct tf_session *s)
{
    struct ofptrace_result *r;
    char *refusal;
    int error = ofptrace_finish(s->query, &r, &refusal);

    if (error == -EINPROGRESS) {
        return false;
    }
    s->query = NULL;
    if (error) {
        char *msg = xasprintf("ofproto/trace failed: %s",
                              refusal ? refusal : ovs_strerror(-error));
        free(refusal);
        unixctl_command_reply_error(s->conn, msg);
        free(msg);
    } else {
        finish_static(agent, s, r);
        ofptrace_result_destroy(r);
    }
    return true;
}

/* The receiving node's part, or why it is missing. */
static bool
run_remote(struct tf_session *s)
{
    struct json_object *part;
    const char *why;

    tracepeer_run(s->peer);
    int error = tracepeer_result(s->peer, &part, &why);
    if (error == -EINPROGRESS) {
        return false;
    }
    if (error) {
        char *missing = xasprintf("the receiving node's part: %s", why);
        reply(s, NULL, missing);
        free(missing);
    } else {
        reply(s, part, NULL);
    }
    return true;
}

/* Runs trace 'i'; true when it has ended. */
static bool
run_session(struct agent *agent, struct tf_session *s, unsigned int i)
{
    if (s->state == TF_STATIC) {
        return run_static(agent, s);
    }
    if (s->state == TF_INSTALLING) {
        int error = agent_commit_result(agent, s->commit_gen);
        if (error == -EINPROGRESS && time_msec() < s->deadline) {
            return false;
        }
        if (error) {
            reply_lost(agent, s, "the trace's flows could not be installed");
            return true;
        }
        return !send_trace(agent, s, i);
    }
    if (s->state == TF_REMOTE) {
        return run_remote(s);
    }
    if (time_msec() >= s->deadline) {
        reply_lost(agent, s, "no observation before the timeout: the packet "
                   "was lost on the way");
        return true;
    }
    return false;
}

void
traceflow_run(struct traceflow *tf, struct agent *agent)
{
    for (unsigned int i = 0; i < TRACE_N_TAGS; i++) {
        if (tf->sessions[i] && run_session(agent, tf->sessions[i], i)) {
            session_end(tf, agent, i);
        }
    }
}

void
traceflow_wait(struct traceflow *tf)
{
    for (unsigned int i = 0; i < TRACE_N_TAGS; i++) {
        const struct tf_session *s = tf->sessions[i];
        if (s && s->query) {
            ofptrace_wait(s->query);
        }
        if (s && s->peer) {
            tracepeer_wait(s->peer);
        }
        if (s) {
            poll_timer_wait_until(s->deadline);
        }
    }
}

static int
free_tag(struct traceflow *tf)
{
    for (unsigned int k = 0; k < TRACE_N_TAGS; k++) {
        unsigned int i = (tf->next_tag + k) % TRACE_N_TAGS;
        if (!tf->sessions[i] && time_msec() >= tf->quiet_until[i]) {
            tf->next_tag = i + 1;
            return i;
        }
    }
    return -1;
}

static int
begin(struct agent *agent, struct tf_session *s, unsigned int i)
{
    if (s->spec.is_static) {
        char *flow = tracespec_ofproto_flow(&s->spec);
        s->state = TF_STATIC;
        s->query = ofptrace_start(agent->conf->ovs_rundir, agent->conf->bridge,
                                  flow, s->spec.timeout_s * 1000);
        free(flow);
        return s->query ? 0 : -ENOTCONN;
    }
    if (agent->of_state != AGENT_OF_UP) {
        return -ENOTCONN;
    }
    s->nonce = random_uint32() | 1;
    int error = traceflows_set(agent->ft, i, &s->spec.pkt,
                               agent->pnode.tun_ofport, s->nonce);
    if (!error) {
        s->state = TF_INSTALLING;
        s->commit_gen = agent_request_commit(agent);
    }
    return error;
}

void
traceflow_start(struct traceflow *tf, struct agent *agent,
                struct unixctl_conn *conn, int argc, const char *argv[])
{
    struct tf_session *s = xzalloc(sizeof *s);
    char *err = tracespec_parse(agent, argc, argv, &s->spec);
    int i = free_tag(tf);

    if (!err && i < 0) {
        err = xasprintf("every one of the %d trace tags is in use or was "
                        "used in the last %d s: try again in a moment",
                        TRACE_N_TAGS, TF_TAG_QUIET_MS / 1000);
    }
    int error = err ? 0 : begin(agent, s, i);
    if (error) {
        err = xasprintf("cannot start the trace: %s", ovs_strerror(-error));
        traceflows_remove(agent->ft, i);
    }
    if (err) {
        unixctl_command_reply_error(conn, err);
        free(err);
        session_free(s);
        return;
    }
    s->conn = conn;
    s->deadline = time_msec() + s->spec.timeout_s * 1000LL;
    tf->sessions[i] = s;
    VLOG_INFO("trace %d: %s -> %s", i, s->spec.from, s->spec.to);
}

/* GET TRACEPEER_PATH?src=IP&dscp=N&sport=N, from another node's agent. */
unsigned int
traceflow_received_route(void *tf_, const struct metricsrv_request *req,
                         struct ds *out)
{
    const struct traceflow *tf = tf_;
    const char *src = metricsrv_arg(req, "src");
    const char *dscp = metricsrv_arg(req, "dscp");
    const char *sport = metricsrv_arg(req, "sport");
    struct in_addr addr;
    unsigned int d, p;

    if (!src || inet_pton(AF_INET, src, &addr) != 1
        || !dscp || !str_to_uint(dscp, 10, &d) || d > 63
        || !sport || !str_to_uint(sport, 10, &p) || p > 65535) {
        ds_put_cstr(out, "{\"error\": \"src, dscp and sport are "
                    "needed\"}\n");
        return 400;
    }
    for (size_t i = 0; i < TF_RECEIVED_MAX; i++) {
        const struct tf_received *r = &tf->received[i];
        if (r->part && r->src.s_addr == addr.s_addr && r->dscp == d
            && r->sport == p && time_msec() - r->at < TF_RECEIVED_KEEP_MS) {
            ds_put_format(out, "%s\n", json_object_to_json_string_ext(
                              r->part, JSON_C_TO_STRING_PLAIN));
            return 200;
        }
    }
    ds_put_cstr(out, "{\"error\": \"no such trace packet received\"}\n");
    return 404;
}
