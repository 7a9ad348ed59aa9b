#include <config.h>
#include "dataplane/ofconn.h"

#include <errno.h>
#include <stdlib.h>

#include "openflow/openflow.h"
#include "byte-order.h"
#include "flow.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-connection.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "openvswitch/match.h"
#include "socket-util.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofconn);

/* Only the connection setup honours the caller's timeout.  Once connected,
 * every exchange uses libopenvswitch's blocking vconn helpers, which wait
 * until the reply arrives or the connection fails: a switch that exits or
 * restarts closes the socket and the call returns an error, but one that
 * stays alive without answering would block the caller.
 *
 * Those helpers read until the reply to their own request arrives and
 * discard whatever else comes first: a packet-in that arrives meanwhile is
 * lost.  That is acceptable for the packet-ins asked for here (a rejected
 * connection's first packet), as the client sends again and the next one
 * is answered from ofconn_run(). */
struct ofconn {
    struct vconn *vconn;
    enum ofp_version version;
    enum ofputil_protocol protocol;
    ofconn_packet_in_func *packet_in_cb;  /* NULL: packet-ins not asked for */
    void *packet_in_aux;
    struct vlog_rate_limit packet_in_rl;  /* for undecodable packet-ins */
};

/* libopenvswitch returns positive errno values, and EOF (-1) when the peer
 * closed the connection. */
static int
neg_errno(int error)
{
    return error == EOF ? -ECONNRESET : -error;
}

int
ofconn_open(const char *target, int timeout_ms, struct ofconn **connp)
{
    uint32_t versions = (1u << OFP13_VERSION) | (1u << OFP14_VERSION)
                        | (1u << OFP15_VERSION);
    struct vconn *vconn;
    int error;

    *connp = NULL;
    error = vconn_open(target, versions, DSCP_DEFAULT, &vconn);
    if (error) {
        VLOG_WARN("%s: cannot open: %s", target, ovs_strerror(error));
        return neg_errno(error);
    }
    error = vconn_connect_block(vconn, timeout_ms);
    if (error) {
        VLOG_WARN("%s: cannot connect: %s", target,
                  ovs_retval_to_string(error));
        vconn_close(vconn);
        return neg_errno(error);
    }

    struct ofconn *conn = xzalloc(sizeof *conn);
    conn->vconn = vconn;
    conn->version = vconn_get_version(vconn);
    conn->protocol = ofputil_protocol_from_ofp_version(conn->version);
    VLOG_DBG("%s: connected with %s", target,
             ofputil_version_to_string(conn->version));
    *connp = conn;
    return 0;
}

void
ofconn_close(struct ofconn *conn)
{
    if (conn) {
        vconn_close(conn->vconn);
        free(conn);
    }
}

int
ofconn_version(const struct ofconn *conn)
{
    return conn->version;
}

uint32_t
ofconn_protocol(const struct ofconn *conn)
{
    return conn->protocol;
}

/* Logs each error the switch sent and frees them.  The failing request is
 * printed along with the error, since the error alone rarely says which
 * flow was refused. */
static void
log_errors(struct ofconn *conn, struct ovs_list *errors)
{
    struct ofpbuf *error;

    LIST_FOR_EACH_POP (error, list_node, errors) {
        char *s = ofp_to_string(error->data, error->size, NULL, NULL, 2);
        VLOG_WARN("%s: bundle refused: %s", vconn_get_name(conn->vconn), s);
        free(s);
        ofpbuf_delete(error);
    }
}

int
ofconn_bundle(struct ofconn *conn, struct ovs_list *msgs)
{
    struct ovs_list errors;
    int error;

    if (ovs_list_is_empty(msgs)) {
        return 0;
    }
    error = vconn_bundle_transact(conn->vconn, msgs,
                                  OFPBF_ORDERED | OFPBF_ATOMIC, &errors);
    bool refused = !ovs_list_is_empty(&errors);
    log_errors(conn, &errors);
    ofpbuf_list_delete(msgs);
    if (error) {
        if (!refused) {
            VLOG_WARN("%s: bundle failed: %s", vconn_get_name(conn->vconn),
                      ovs_retval_to_string(error));
        }
        return refused ? -EPROTO : neg_errno(error);
    }
    return 0;
}

int
ofconn_dump_flows(struct ofconn *conn,
                  void (*cb)(const void *fs, void *aux), void *aux)
{
    return ofconn_dump_flows_filtered(conn, OFPTT_ALL, 0, 0, cb, aux);
}

int
ofconn_dump_flows_filtered(struct ofconn *conn, uint8_t table_id,
                           uint64_t cookie, uint64_t cookie_mask,
                           void (*cb)(const void *fs, void *aux), void *aux)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .cookie = htonll(cookie),
        .cookie_mask = htonll(cookie_mask),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = table_id,
    };
    struct ofputil_flow_stats *fses;
    size_t n_fses;

    match_init_catchall(&fsr.match);
    int error = vconn_dump_flows(conn->vconn, &fsr, conn->protocol,
                                 &fses, &n_fses);
    if (error) {
        VLOG_WARN("%s: flow dump failed: %s", vconn_get_name(conn->vconn),
                  ovs_retval_to_string(error));
        return neg_errno(error);
    }
    for (size_t i = 0; i < n_fses; i++) {
        cb(&fses[i], aux);
    }
    for (size_t i = 0; i < n_fses; i++) {
        free(CONST_CAST(struct ofpact *, fses[i].ofpacts));
    }
    free(fses);
    return 0;
}

/* Decodes every group description in one multipart reply. */
static int
parse_group_reply(struct ofconn *conn, const struct ofpbuf *reply,
                  void (*cb)(const void *gd, void *aux), void *aux)
{
    const struct ofp_header *oh = reply->data;
    enum ofptype type;

    if (ofptype_decode(&type, oh) || type != OFPTYPE_GROUP_DESC_STATS_REPLY) {
        char *s = ofp_to_string(reply->data, reply->size, NULL, NULL, 1);
        VLOG_WARN("%s: group dump failed: %s", vconn_get_name(conn->vconn), s);
        free(s);
        return -EPROTO;
    }

    struct ofpbuf b = ofpbuf_const_initializer(oh, ntohs(oh->length));
    for (;;) {
        struct ofputil_group_desc gd;
        int retval = ofputil_decode_group_desc_reply(&gd, &b, oh->version);
        if (retval == EOF) {
            return 0;
        } else if (retval) {
            VLOG_WARN("%s: bad group description: %s",
                      vconn_get_name(conn->vconn), ofperr_to_string(retval));
            return -EPROTO;
        }
        cb(&gd, aux);
        ofputil_uninit_group_desc(&gd);
    }
}

int
ofconn_dump_groups(struct ofconn *conn,
                   void (*cb)(const void *gd, void *aux), void *aux)
{
    struct ovs_list requests, replies;
    struct ofpbuf *reply;
    int error;

    struct ofpbuf *request = ofputil_encode_group_desc_request(conn->version,
                                                               OFPG_ALL);
    ovs_list_init(&requests);
    ovs_list_push_back(&requests, &request->list_node);
    error = vconn_transact_multipart(conn->vconn, &requests, &replies);
    if (error) {
        VLOG_WARN("%s: group dump failed: %s", vconn_get_name(conn->vconn),
                  ovs_retval_to_string(error));
        return neg_errno(error);
    }
    LIST_FOR_EACH (reply, list_node, &replies) {
        error = parse_group_reply(conn, reply, cb, aux);
        if (error) {
            break;
        }
    }
    ofpbuf_list_delete(&replies);
    return error;
}

/* Sends 'msg' (consumed), which has no reply on success, and waits until
 * the switch has processed it.  'what' names it in the log. */
static int
transact_noreply(struct ofconn *conn, struct ofpbuf *msg, const char *what)
{
    struct ofpbuf *reply;
    int error = vconn_transact_noreply(conn->vconn, msg, &reply);

    if (error) {
        VLOG_WARN("%s: %s failed: %s", vconn_get_name(conn->vconn), what,
                  ovs_retval_to_string(error));
        return neg_errno(error);
    }
    if (reply) {
        char *s = ofp_to_string(reply->data, reply->size, NULL, NULL, 1);
        VLOG_WARN("%s: %s refused: %s", vconn_get_name(conn->vconn), what, s);
        free(s);
        ofpbuf_delete(reply);
        return -EPROTO;
    }
    return 0;
}

/* A packet-out of 'packet' as if it came in on 'in_port', with the single
 * action output:'out_port'. */
static struct ofpbuf *
encode_packet_out(const struct ofconn *conn, ofp_port_t in_port,
                  ofp_port_t out_port, const void *packet, size_t len)
{
    struct ofputil_packet_out po = {
        .packet = packet,
        .packet_len = len,
        .buffer_id = UINT32_MAX,
    };
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 64);
    ofpact_put_OUTPUT(&ofpacts)->port = out_port;
    po.ofpacts = ofpacts.data;
    po.ofpacts_len = ofpacts.size;
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, in_port);

    struct ofpbuf *msg = ofputil_encode_packet_out(&po, conn->protocol);
    ofpbuf_uninit(&ofpacts);
    return msg;
}

int
ofconn_packet_out(struct ofconn *conn, uint32_t in_port,
                  const void *packet, size_t len)
{
    return transact_noreply(conn, encode_packet_out(conn, u16_to_ofp(in_port),
                                                    OFPP_TABLE, packet, len),
                            "packet-out");
}

static int
get_switch_config(struct ofconn *conn, struct ofputil_switch_config *config)
{
    struct ofpbuf *request = ofpraw_alloc(OFPRAW_OFPT_GET_CONFIG_REQUEST,
                                          conn->version, 0);
    struct ofpbuf *reply;
    enum ofptype type;

    int error = vconn_transact(conn->vconn, request, &reply);
    if (error) {
        VLOG_WARN("%s: switch config request failed: %s",
                  vconn_get_name(conn->vconn), ovs_retval_to_string(error));
        return neg_errno(error);
    }
    if (ofptype_decode(&type, reply->data)
        || type != OFPTYPE_GET_CONFIG_REPLY) {
        char *s = ofp_to_string(reply->data, reply->size, NULL, NULL, 1);
        VLOG_WARN("%s: bad switch config reply: %s",
                  vconn_get_name(conn->vconn), s);
        free(s);
        ofpbuf_delete(reply);
        return -EPROTO;
    }
    ofputil_decode_get_config_reply(reply->data, config);
    ofpbuf_delete(reply);
    return 0;
}

/* A service connection hears no asynchronous message until it sets a
 * nonzero miss_send_len (as "ovs-ofctl monitor" does).  The asynchronous
 * configuration goes first and asks for the packet-ins of controller
 * actions only: no table misses, port status or flow removed messages,
 * which the blocking exchanges would have to wade through.  The switch
 * config is read back and rewritten with only miss_send_len changed, as it
 * also holds the bridge-wide fragment handling.  The packet-in format
 * stays the standard one of the negotiated version: it carries all a
 * callback needs (in_port, table, cookie, the whole packet). */
int
ofconn_set_packet_in(struct ofconn *conn, ofconn_packet_in_func *cb,
                     void *aux)
{
    struct ofputil_async_cfg ac = OFPUTIL_ASYNC_CFG_INIT;
    struct ofputil_switch_config config;

    ac.primary[OAM_PACKET_IN] = ((1u << OFPR_ACTION)
                                 | (1u << OFPR_ACTION_SET)
                                 | (1u << OFPR_GROUP));
    int error = transact_noreply(conn,
                                 ofputil_encode_set_async_config(
                                     &ac, UINT32_MAX, conn->version),
                                 "async config");
    if (!error) {
        error = get_switch_config(conn, &config);
    }
    if (!error) {
        config.miss_send_len = UINT16_MAX;
        error = transact_noreply(conn,
                                 ofputil_encode_set_config(&config,
                                                           conn->version),
                                 "switch config");
    }
    if (!error) {
        conn->packet_in_cb = cb;
        conn->packet_in_aux = aux;
        conn->packet_in_rl
            = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(1, 5);
    }
    return error;
}

int
ofconn_send_packet(struct ofconn *conn, uint32_t out_port,
                   const void *packet, size_t len)
{
    if (out_port >= ofp_to_u16(OFPP_MAX)
        && out_port != ofp_to_u16(OFPP_LOCAL)) {
        return -EINVAL;
    }

    struct ofpbuf *msg = encode_packet_out(conn, OFPP_CONTROLLER,
                                           u16_to_ofp(out_port), packet, len);
    int error = vconn_send_block(conn->vconn, msg);
    if (error) {
        VLOG_WARN("%s: packet-out failed: %s", vconn_get_name(conn->vconn),
                  ovs_retval_to_string(error));
        ofpbuf_delete(msg);
        return neg_errno(error);
    }
    return 0;
}

int
ofconn_echo(struct ofconn *conn)
{
    struct ofpbuf *request = ofputil_encode_echo_request(conn->version);
    struct ofpbuf *reply = NULL;
    int error = vconn_transact(conn->vconn, request, &reply);

    ofpbuf_delete(reply);
    return error ? neg_errno(error) : 0;
}

static void
deliver_packet_in(struct ofconn *conn, const struct ofpbuf *msg)
{
    struct ofputil_packet_in pin;

    if (!conn->packet_in_cb) {
        return;
    }
    enum ofperr error = ofputil_decode_packet_in(msg->data, true, NULL, NULL,
                                                 &pin, NULL, NULL, NULL);
    if (error) {
        VLOG_WARN_RL(&conn->packet_in_rl, "%s: bad packet-in: %s",
                     vconn_get_name(conn->vconn), ofperr_to_string(error));
        return;
    }
    conn->packet_in_cb(&pin, conn->packet_in_aux);
}

/* The switch probes an idle controller connection with echo requests and
 * drops it when they go unanswered; the agent answers from its poll loop.
 * Packet-ins go to the callback, if one asked for them; anything else the
 * switch sends unasked is of no interest. */
void
ofconn_run(struct ofconn *conn)
{
    vconn_run(conn->vconn);
    for (int i = 0; i < 50; i++) {
        struct ofpbuf *msg;
        enum ofptype type;

        if (vconn_recv(conn->vconn, &msg)) {
            return;
        }
        if (!ofptype_decode(&type, msg->data)) {
            if (type == OFPTYPE_ECHO_REQUEST) {
                struct ofpbuf *reply = ofputil_encode_echo_reply(msg->data);
                if (vconn_send(conn->vconn, reply)) {
                    ofpbuf_delete(reply);
                }
            } else if (type == OFPTYPE_PACKET_IN) {
                deliver_packet_in(conn, msg);
            }
        }
        ofpbuf_delete(msg);
    }
}

void
ofconn_wait(struct ofconn *conn)
{
    vconn_run_wait(conn->vconn);
    vconn_recv_wait(conn->vconn);
}
