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
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "openvswitch/match.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofconn);

/* How many messages one ofconn_run() receives before it lets the rest of
 * the loop run (and wakes it again at once). */
#define OFCONN_RECV_BATCH 1000

/* A request stamps its messages with consecutive xids of the connection's
 * own, so that every reply and error the switch sends back names its
 * request by a range test.  The switch's errors for a bundle's messages,
 * at add time and at commit time, carry the xid of the message that
 * failed, which ofputil_encode_bundle_add() gives the wrapper too. */
struct ofconn_req {
    struct ovs_list node;           /* in 'ofconn->reqs' */
    unsigned int id;
    const char *what;               /* names it in the log */
    uint32_t first_xid, last_xid;   /* every message it sent */
    uint32_t reply_xid;             /* the message whose reply ends a step */
    long long int deadline;
    int status;                     /* -EINPROGRESS until it has ended */
    size_t n_errors;                /* errors the switch sent for it */
    struct ovs_list replies;        /* to 'reply_xid' (multipart: each) */
    uint32_t bundle_id;             /* bundles: 0 for other requests */
    uint32_t commit_xid;            /* bundles: kept for the commit */
    bool committing;                /* bundles: the commit is sent */
};

struct ofconn {
    struct vconn *vconn;            /* NULL once failed */
    char *target;
    int status;                     /* as ofconn_status() */
    int timeout_ms;
    long long int connect_deadline;
    enum ofp_version version;
    enum ofputil_protocol protocol;
    struct ovs_list txq;            /* struct ofpbuf not yet sent */
    struct ovs_list reqs;           /* struct ofconn_req */
    uint32_t next_xid;
    uint32_t next_bundle_id;
    unsigned int next_id;
    ofconn_packet_in_func *packet_in_cb;  /* NULL: packet-ins not asked for */
    void *packet_in_aux;
    struct vlog_rate_limit rl;
};

/* libopenvswitch returns positive errno values, and EOF (-1) when the peer
 * closed the connection. */
static int
neg_errno(int error)
{
    return error == EOF ? -ECONNRESET : -error;
}

static const char *
conn_name(const struct ofconn *conn)
{
    return conn->target;
}

static void
req_end(struct ofconn_req *req, int status)
{
    if (req->status == -EINPROGRESS) {
        req->status = status;
    }
}

/* The connection is of no more use: every request still outstanding ends
 * with 'error'. */
static void
conn_fail(struct ofconn *conn, int error)
{
    struct ofconn_req *req;

    if (conn->status && conn->status != -EINPROGRESS) {
        return;
    }
    VLOG_WARN("%s: connection failed: %s", conn_name(conn),
              ovs_strerror(-error));
    conn->status = error;
    vconn_close(conn->vconn);
    conn->vconn = NULL;
    ofpbuf_list_delete(&conn->txq);
    LIST_FOR_EACH (req, node, &conn->reqs) {
        req_end(req, error);
    }
}

int
ofconn_open_async(const char *target, int timeout_ms, struct ofconn **connp)
{
    uint32_t versions = (1u << OFP13_VERSION) | (1u << OFP14_VERSION)
                        | (1u << OFP15_VERSION);
    struct vconn *vconn;

    *connp = NULL;
    int error = vconn_open(target, versions, DSCP_DEFAULT, &vconn);
    if (error) {
        VLOG_WARN("%s: cannot open: %s", target, ovs_strerror(error));
        return neg_errno(error);
    }

    struct ofconn *conn = xzalloc(sizeof *conn);
    conn->vconn = vconn;
    conn->target = xstrdup(target);
    conn->status = -EINPROGRESS;
    conn->timeout_ms = timeout_ms;
    conn->connect_deadline = time_msec() + timeout_ms;
    ovs_list_init(&conn->txq);
    ovs_list_init(&conn->reqs);
    conn->next_xid = 1;
    conn->next_bundle_id = 1;
    conn->next_id = 1;
    conn->rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(1, 5);
    *connp = conn;
    ofconn_run(conn);
    return 0;
}

int
ofconn_open(const char *target, int timeout_ms, struct ofconn **connp)
{
    int error = ofconn_open_async(target, timeout_ms, connp);

    while (!error && ofconn_status(*connp) == -EINPROGRESS) {
        ofconn_wait(*connp);
        poll_block();
        ofconn_run(*connp);
    }
    if (!error && ofconn_status(*connp)) {
        error = ofconn_status(*connp);
        ofconn_close(*connp);
        *connp = NULL;
    }
    return error;
}

void
ofconn_close(struct ofconn *conn)
{
    if (conn) {
        struct ofconn_req *req;

        LIST_FOR_EACH_POP (req, node, &conn->reqs) {
            ofpbuf_list_delete(&req->replies);
            free(req);
        }
        ofpbuf_list_delete(&conn->txq);
        vconn_close(conn->vconn);
        free(conn->target);
        free(conn);
    }
}

int
ofconn_status(const struct ofconn *conn)
{
    return conn->status;
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

static void run_send(struct ofconn *);

/* Requests.  They send what the socket takes at once, but never receive:
 * a packet-in callback may start one. */

static struct ofconn_req *
req_find(const struct ofconn *conn, unsigned int id)
{
    struct ofconn_req *req;

    LIST_FOR_EACH (req, node, &conn->reqs) {
        if (req->id == id) {
            return req;
        }
    }
    return NULL;
}

static struct ofconn_req *
req_create(struct ofconn *conn, const char *what)
{
    struct ofconn_req *req = xzalloc(sizeof *req);

    req->id = conn->next_id++;
    if (!conn->next_id) {
        conn->next_id = 1;
    }
    req->what = what;
    req->first_xid = conn->next_xid;
    req->deadline = time_msec() + conn->timeout_ms;
    req->status = -EINPROGRESS;
    ovs_list_init(&req->replies);
    ovs_list_push_back(&conn->reqs, &req->node);
    return req;
}

/* Queues 'msg' (consumed) with the connection's next xid for 'req'. */
static uint32_t
req_send(struct ofconn *conn, struct ofconn_req *req, struct ofpbuf *msg)
{
    uint32_t xid = conn->next_xid++;

    ((struct ofp_header *) msg->data)->xid = htonl(xid);
    req->last_xid = xid;
    ovs_list_push_back(&conn->txq, &msg->list_node);
    return xid;
}

static void
req_free(struct ofconn_req *req)
{
    ovs_list_remove(&req->node);
    ofpbuf_list_delete(&req->replies);
    free(req);
}

static int
conn_check_up(const struct ofconn *conn)
{
    return conn->status == -EINPROGRESS ? -ENOTCONN : conn->status;
}

/* A request of one message that the switch answers ('expects_reply'), or,
 * followed by a barrier, one it answers only when it refuses it. */
static int
request_start(struct ofconn *conn, const char *what, struct ofpbuf *msg,
              bool expects_reply, unsigned int *idp)
{
    int error = conn_check_up(conn);

    if (error) {
        ofpbuf_delete(msg);
        return error;
    }
    struct ofconn_req *req = req_create(conn, what);
    req->reply_xid = req_send(conn, req, msg);
    if (!expects_reply) {
        req->reply_xid = req_send(conn, req, ofputil_encode_barrier_request(
                                             conn->version));
    }
    *idp = req->id;
    run_send(conn);
    return 0;
}

static struct ofpbuf *
encode_bundle_ctrl(const struct ofconn *conn, uint32_t bundle_id,
                   uint16_t type)
{
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = bundle_id,
        .type = type,
        .flags = OFPBF_ORDERED | OFPBF_ATOMIC,
    };
    return ofputil_encode_bundle_ctrl_request(conn->version, &bc);
}

int
ofconn_bundle_start(struct ofconn *conn, struct ovs_list *msgs,
                    unsigned int *idp)
{
    int error = conn_check_up(conn);
    struct ofpbuf *msg;

    if (error) {
        ofpbuf_list_delete(msgs);
        return error;
    }
    struct ofconn_req *req = req_create(conn, "bundle");
    req->bundle_id = conn->next_bundle_id++;
    req_send(conn, req, encode_bundle_ctrl(conn, req->bundle_id,
                                           OFPBCT_OPEN_REQUEST));
    LIST_FOR_EACH_POP (msg, list_node, msgs) {
        struct ofputil_bundle_add_msg bam = {
            .bundle_id = req->bundle_id,
            .flags = OFPBF_ORDERED | OFPBF_ATOMIC,
            .msg = msg->data,
        };
        ((struct ofp_header *) msg->data)->xid = htonl(conn->next_xid);
        req_send(conn, req, ofputil_encode_bundle_add(conn->version, &bam));
        ofpbuf_delete(msg);
    }
    /* A message the switch refuses is left out of the bundle, not fatal to
     * it: the commit waits for the barrier, and goes only if none was.  Its
     * xid is taken now, so that the request's range covers no later
     * request's. */
    req->reply_xid = req_send(conn, req, ofputil_encode_barrier_request(
                                         conn->version));
    req->commit_xid = req->last_xid = conn->next_xid++;
    *idp = req->id;
    run_send(conn);
    return 0;
}

int
ofconn_dump_flows_start(struct ofconn *conn, uint8_t table_id,
                        uint64_t cookie, uint64_t cookie_mask,
                        unsigned int *idp)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .cookie = htonll(cookie),
        .cookie_mask = htonll(cookie_mask),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = table_id,
    };
    int error = conn_check_up(conn);

    if (error) {
        return error;
    }
    match_init_catchall(&fsr.match);
    return request_start(conn, "flow dump",
                         ofputil_encode_flow_stats_request(&fsr,
                                                           conn->protocol),
                         true, idp);
}

int
ofconn_dump_groups_start(struct ofconn *conn, unsigned int *idp)
{
    int error = conn_check_up(conn);

    return (error ? error
            : request_start(conn, "group dump",
                            ofputil_encode_group_desc_request(conn->version,
                                                              OFPG_ALL),
                            true, idp));
}

int
ofconn_echo_start(struct ofconn *conn, unsigned int *idp)
{
    int error = conn_check_up(conn);

    return (error ? error
            : request_start(conn, "echo",
                            ofputil_encode_echo_request(conn->version), true,
                            idp));
}

int
ofconn_finish(struct ofconn *conn, unsigned int id, struct ovs_list *replies)
{
    struct ofconn_req *req = req_find(conn, id);

    if (!req) {
        return -ENOENT;
    }
    int status = req->status;
    if (status == -EINPROGRESS) {
        return status;
    }
    if (!status && replies) {
        ovs_list_move(replies, &req->replies);
        ovs_list_init(&req->replies);
    }
    req_free(req);
    return status;
}

void
ofconn_cancel(struct ofconn *conn, unsigned int id)
{
    struct ofconn_req *req = req_find(conn, id);

    if (req) {
        req_free(req);
    }
}

int
ofconn_wait_for(struct ofconn *conn, unsigned int id, struct ovs_list *replies)
{
    for (;;) {
        ofconn_run(conn);
        int status = ofconn_finish(conn, id, replies);
        if (status != -EINPROGRESS) {
            return status;
        }
        ofconn_wait(conn);
        poll_block();
    }
}

/* Replies. */

static void
log_switch_error(struct ofconn *conn, const struct ofconn_req *req,
                 const struct ofpbuf *msg)
{
    char *s = ofp_to_string(msg->data, msg->size, NULL, NULL, 2);
    VLOG_WARN_RL(&conn->rl, "%s: %s refused: %s", conn_name(conn),
                 req->what, s);
    free(s);
}

/* A bundle's barrier came back: commit it, or, when the switch refused a
 * message, leave it (the switch discards an uncommitted bundle). */
static void
bundle_step(struct ofconn *conn, struct ofconn_req *req)
{
    if (req->committing || req->n_errors) {
        req_end(req, req->n_errors ? -EPROTO : 0);
        return;
    }
    struct ofpbuf *commit = encode_bundle_ctrl(conn, req->bundle_id,
                                               OFPBCT_COMMIT_REQUEST);
    ((struct ofp_header *) commit->data)->xid = htonl(req->commit_xid);
    ovs_list_push_back(&conn->txq, &commit->list_node);
    req->committing = true;
    req->reply_xid = req->commit_xid;
    req->deadline = time_msec() + conn->timeout_ms;
}

static bool
is_last_part(const struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;

    return !ofpmsg_is_stat_reply(oh) || !ofpmp_more(oh);
}

static void
req_receive(struct ofconn *conn, struct ofconn_req *req, struct ofpbuf *msg,
            enum ofptype type)
{
    uint32_t xid = ntohl(((const struct ofp_header *) msg->data)->xid);

    if (type == OFPTYPE_ERROR) {
        req->n_errors++;
        log_switch_error(conn, req, msg);
    }
    if (xid != req->reply_xid || req->status != -EINPROGRESS) {
        ofpbuf_delete(msg);
        return;
    }
    bool last = type == OFPTYPE_ERROR || is_last_part(msg);
    if (type == OFPTYPE_ERROR) {
        ofpbuf_delete(msg);
    } else {
        ovs_list_push_back(&req->replies, &msg->list_node);
    }
    if (!last) {
        return;
    }
    if (req->bundle_id) {
        bundle_step(conn, req);
    } else {
        req_end(req, req->n_errors ? -EPROTO : 0);
    }
}

static struct ofconn_req *
req_by_xid(const struct ofconn *conn, uint32_t xid)
{
    struct ofconn_req *req;

    LIST_FOR_EACH (req, node, &conn->reqs) {
        if (xid - req->first_xid <= req->last_xid - req->first_xid) {
            return req;
        }
    }
    return NULL;
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
        VLOG_WARN_RL(&conn->rl, "%s: bad packet-in: %s", conn_name(conn),
                     ofperr_to_string(error));
        return;
    }
    conn->packet_in_cb(&pin, conn->packet_in_aux);
}

/* The switch probes an idle controller connection with echo requests and
 * drops it when they go unanswered; packet-ins go to the callback, if one
 * asked for them; anything else the switch sends unasked is of no
 * interest. */
static void
receive(struct ofconn *conn, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    struct ofconn_req *req;
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        ofpbuf_delete(msg);
    } else if (type == OFPTYPE_ECHO_REQUEST) {
        ovs_list_push_back(&conn->txq,
                           &ofputil_encode_echo_reply(oh)->list_node);
        ofpbuf_delete(msg);
    } else if (type == OFPTYPE_PACKET_IN) {
        deliver_packet_in(conn, msg);
        ofpbuf_delete(msg);
    } else if ((req = req_by_xid(conn, ntohl(oh->xid)))) {
        req_receive(conn, req, msg, type);
    } else {
        ofpbuf_delete(msg);
    }
}

/* The loop. */

static void
run_connect(struct ofconn *conn)
{
    int error = vconn_connect(conn->vconn);

    if (!error) {
        conn->status = 0;
        conn->version = vconn_get_version(conn->vconn);
        conn->protocol = ofputil_protocol_from_ofp_version(conn->version);
        VLOG_DBG("%s: connected with %s", conn_name(conn),
                 ofputil_version_to_string(conn->version));
    } else if (error != EAGAIN) {
        conn_fail(conn, neg_errno(error));
    } else if (time_msec() >= conn->connect_deadline) {
        conn_fail(conn, -ETIMEDOUT);
    }
}

static void
run_send(struct ofconn *conn)
{
    while (conn->vconn && !conn->status && !ovs_list_is_empty(&conn->txq)) {
        struct ofpbuf *msg = CONTAINER_OF(ovs_list_front(&conn->txq),
                                          struct ofpbuf, list_node);
        ovs_list_remove(&msg->list_node);
        int error = vconn_send(conn->vconn, msg);
        if (error) {
            ovs_list_push_front(&conn->txq, &msg->list_node);
            if (error != EAGAIN) {
                conn_fail(conn, neg_errno(error));
            }
            return;
        }
    }
}

static void
run_receive(struct ofconn *conn)
{
    for (int i = 0; conn->vconn && i < OFCONN_RECV_BATCH; i++) {
        struct ofpbuf *msg;
        int error = vconn_recv(conn->vconn, &msg);

        if (error == EAGAIN) {
            return;
        } else if (error) {
            conn_fail(conn, neg_errno(error));
            return;
        }
        receive(conn, msg);
        run_send(conn);
    }
    poll_immediate_wake();
}

static void
run_deadlines(struct ofconn *conn)
{
    long long int now = time_msec();
    struct ofconn_req *req;

    LIST_FOR_EACH (req, node, &conn->reqs) {
        if (req->status == -EINPROGRESS && now >= req->deadline) {
            VLOG_WARN("%s: %s unanswered after %d ms", conn_name(conn),
                      req->what, conn->timeout_ms);
            conn_fail(conn, -ETIMEDOUT);
            return;
        }
    }
}

void
ofconn_run(struct ofconn *conn)
{
    if (!conn->vconn) {
        return;
    }
    vconn_run(conn->vconn);
    if (conn->status == -EINPROGRESS) {
        run_connect(conn);
    }
    if (!conn->status) {
        run_send(conn);
        run_receive(conn);
        run_deadlines(conn);
    }
}

void
ofconn_wait(struct ofconn *conn)
{
    struct ofconn_req *req;

    if (!conn->vconn) {
        return;
    }
    vconn_run_wait(conn->vconn);
    if (conn->status == -EINPROGRESS) {
        vconn_connect_wait(conn->vconn);
        poll_timer_wait_until(conn->connect_deadline);
        return;
    }
    vconn_recv_wait(conn->vconn);
    if (!ovs_list_is_empty(&conn->txq)) {
        vconn_send_wait(conn->vconn);
    }
    LIST_FOR_EACH (req, node, &conn->reqs) {
        if (req->status == -EINPROGRESS) {
            poll_timer_wait_until(req->deadline);
        }
    }
}

/* Dumps. */

static int
decode_flows(struct ofconn *conn, struct ovs_list *replies,
             void (*cb)(const void *fs, void *aux), void *aux)
{
    struct ofpbuf *reply;
    struct ofpbuf ofpacts;
    int error = 0;

    ofpbuf_init(&ofpacts, 0);
    LIST_FOR_EACH (reply, list_node, replies) {
        struct ofpbuf b = ofpbuf_const_initializer(reply->data, reply->size);
        for (;;) {
            struct ofputil_flow_stats fs;
            int retval = ofputil_decode_flow_stats_reply(&fs, &b, false,
                                                         &ofpacts);
            if (retval == EOF) {
                break;
            } else if (retval) {
                VLOG_WARN("%s: bad flow stats: %s", conn_name(conn),
                          ofperr_to_string(retval));
                error = -EPROTO;
                goto out;
            }
            cb(&fs, aux);
        }
    }
out:
    ofpbuf_uninit(&ofpacts);
    return error;
}

static int
decode_groups(struct ofconn *conn, struct ovs_list *replies,
              void (*cb)(const void *gd, void *aux), void *aux)
{
    struct ofpbuf *reply;

    LIST_FOR_EACH (reply, list_node, replies) {
        const struct ofp_header *oh = reply->data;
        struct ofpbuf b = ofpbuf_const_initializer(oh, ntohs(oh->length));
        for (;;) {
            struct ofputil_group_desc gd;
            int retval = ofputil_decode_group_desc_reply(&gd, &b,
                                                         oh->version);
            if (retval == EOF) {
                break;
            } else if (retval) {
                VLOG_WARN("%s: bad group description: %s", conn_name(conn),
                          ofperr_to_string(retval));
                return -EPROTO;
            }
            cb(&gd, aux);
            ofputil_uninit_group_desc(&gd);
        }
    }
    return 0;
}

typedef int decode_func(struct ofconn *, struct ovs_list *,
                        void (*cb)(const void *, void *), void *);

static int
dump_finish(struct ofconn *conn, unsigned int id, decode_func *decode,
            void (*cb)(const void *, void *), void *aux)
{
    struct ovs_list replies;
    int error = ofconn_finish(conn, id, &replies);

    if (!error) {
        error = decode(conn, &replies, cb, aux);
        ofpbuf_list_delete(&replies);
    }
    return error;
}

int
ofconn_dump_flows_finish(struct ofconn *conn, unsigned int id,
                         void (*cb)(const void *fs, void *aux), void *aux)
{
    return dump_finish(conn, id, decode_flows, cb, aux);
}

int
ofconn_dump_groups_finish(struct ofconn *conn, unsigned int id,
                          void (*cb)(const void *gd, void *aux), void *aux)
{
    return dump_finish(conn, id, decode_groups, cb, aux);
}

/* Blocking forms. */

static int
wait_dump(struct ofconn *conn, int error, unsigned int id, decode_func *decode,
          void (*cb)(const void *, void *), void *aux)
{
    struct ovs_list replies;

    if (!error) {
        error = ofconn_wait_for(conn, id, &replies);
    }
    if (!error) {
        error = decode(conn, &replies, cb, aux);
        ofpbuf_list_delete(&replies);
    }
    return error;
}

int
ofconn_bundle(struct ofconn *conn, struct ovs_list *msgs)
{
    unsigned int id;

    if (ovs_list_is_empty(msgs)) {
        return 0;
    }
    int error = ofconn_bundle_start(conn, msgs, &id);
    return error ? error : ofconn_wait_for(conn, id, NULL);
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
    unsigned int id = 0;
    int error = ofconn_dump_flows_start(conn, table_id, cookie, cookie_mask,
                                        &id);
    return wait_dump(conn, error, id, decode_flows, cb, aux);
}

int
ofconn_dump_groups(struct ofconn *conn,
                   void (*cb)(const void *gd, void *aux), void *aux)
{
    unsigned int id = 0;
    int error = ofconn_dump_groups_start(conn, &id);

    return wait_dump(conn, error, id, decode_groups, cb, aux);
}

int
ofconn_echo(struct ofconn *conn)
{
    unsigned int id;
    int error = ofconn_echo_start(conn, &id);

    return error ? error : ofconn_wait_for(conn, id, NULL);
}

/* Sends 'msg' (consumed) and waits for its reply, or, without
 * 'expects_reply', until the switch has processed it. */
static int
transact(struct ofconn *conn, const char *what, struct ofpbuf *msg,
         bool expects_reply, struct ovs_list *replies)
{
    unsigned int id;
    int error = request_start(conn, what, msg, expects_reply, &id);

    return error ? error : ofconn_wait_for(conn, id, replies);
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
    int error = conn_check_up(conn);

    return (error ? error
            : transact(conn, "packet-out",
                       encode_packet_out(conn, u16_to_ofp(in_port),
                                         OFPP_TABLE, packet, len),
                       false, NULL));
}

static struct ofpbuf *
encode_meter(const struct ofconn *conn, uint16_t command, uint32_t id,
             uint32_t pps)
{
    struct ofputil_meter_band band = { .type = OFPMBT13_DROP, .rate = pps };
    struct ofputil_meter_mod mm = {
        .command = command,
        .meter = { .meter_id = id, .flags = OFPMF13_PKTPS,
                   .n_bands = command == OFPMC13_DELETE ? 0 : 1,
                   .bands = &band },
    };
    return ofputil_encode_meter_mod(conn->version, &mm);
}

int
ofconn_set_meter(struct ofconn *conn, uint32_t id, uint32_t pps)
{
    int error = conn_check_up(conn);

    if (!error) {
        error = transact(conn, "meter delete",
                         encode_meter(conn, OFPMC13_DELETE, id, 0), false,
                         NULL);
    }
    if (!error) {
        error = transact(conn, "meter add",
                         encode_meter(conn, OFPMC13_ADD, id, pps), false,
                         NULL);
    }
    return error;
}

static int
get_switch_config(struct ofconn *conn, struct ofputil_switch_config *config)
{
    struct ofpbuf *request = ofpraw_alloc(OFPRAW_OFPT_GET_CONFIG_REQUEST,
                                          conn->version, 0);
    struct ovs_list replies;
    int error = transact(conn, "switch config request", request, true,
                         &replies);

    if (error) {
        return error;
    }
    struct ofpbuf *reply = CONTAINER_OF(ovs_list_front(&replies),
                                        struct ofpbuf, list_node);
    enum ofptype type;
    if (ofptype_decode(&type, reply->data)
        || type != OFPTYPE_GET_CONFIG_REPLY) {
        VLOG_WARN("%s: bad switch config reply", conn_name(conn));
        error = -EPROTO;
    } else {
        ofputil_decode_get_config_reply(reply->data, config);
    }
    ofpbuf_list_delete(&replies);
    return error;
}

/* A service connection hears no asynchronous message until it sets a
 * nonzero miss_send_len (as "ovs-ofctl monitor" does).  The asynchronous
 * configuration goes first and asks for the packet-ins of controller
 * actions only: no table misses, port status or flow removed messages.
 * The switch config is read back and rewritten with only miss_send_len
 * changed, as it also holds the bridge-wide fragment handling.  The
 * packet-in format stays the standard one of the negotiated version: it
 * carries all a callback needs (in_port, table, cookie, the whole
 * packet). */
int
ofconn_set_packet_in(struct ofconn *conn, ofconn_packet_in_func *cb,
                     void *aux)
{
    struct ofputil_async_cfg ac = OFPUTIL_ASYNC_CFG_INIT;
    struct ofputil_switch_config config;
    int error = conn_check_up(conn);

    ac.primary[OAM_PACKET_IN] = ((1u << OFPR_ACTION)
                                 | (1u << OFPR_ACTION_SET)
                                 | (1u << OFPR_GROUP));
    if (!error) {
        error = transact(conn, "async config",
                         ofputil_encode_set_async_config(&ac, UINT32_MAX,
                                                         conn->version),
                         false, NULL);
    }
    /* NXT_PACKET_IN2: the only packet-in that carries a controller
     * action's userdata. */
    if (!error) {
        error = transact(conn, "packet-in format",
                         ofputil_encode_set_packet_in_format(
                             conn->version, OFPUTIL_PACKET_IN_NXT2),
                         false, NULL);
    }
    if (!error) {
        error = get_switch_config(conn, &config);
    }
    if (!error) {
        config.miss_send_len = UINT16_MAX;
        error = transact(conn, "switch config",
                         ofputil_encode_set_config(&config, conn->version),
                         false, NULL);
    }
    if (!error) {
        conn->packet_in_cb = cb;
        conn->packet_in_aux = aux;
    }
    return error;
}

static bool
port_is_real(uint32_t port)
{
    return port < ofp_to_u16(OFPP_MAX) || port == ofp_to_u16(OFPP_LOCAL);
}

/* Queues a packet-out without waiting for anything back. */
static int
queue_packet_out(struct ofconn *conn, ofp_port_t in_port, ofp_port_t out_port,
                 const void *packet, size_t len)
{
    int error = conn_check_up(conn);

    if (error) {
        return error;
    }
    ovs_list_push_back(&conn->txq,
                       &encode_packet_out(conn, in_port, out_port, packet,
                                          len)->list_node);
    run_send(conn);
    return 0;
}

int
ofconn_send_packet(struct ofconn *conn, uint32_t out_port,
                   const void *packet, size_t len)
{
    return (port_is_real(out_port)
            ? queue_packet_out(conn, OFPP_CONTROLLER, u16_to_ofp(out_port),
                               packet, len)
            : -EINVAL);
}

int
ofconn_inject_packet(struct ofconn *conn, uint32_t in_port,
                     const void *packet, size_t len)
{
    return (port_is_real(in_port)
            ? queue_packet_out(conn, u16_to_ofp(in_port), OFPP_TABLE, packet,
                               len)
            : -EINVAL);
}
