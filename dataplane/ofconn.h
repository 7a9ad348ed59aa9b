/*
 * ofconn: the agent's OpenFlow connection to one bridge, over the bridge's
 * management socket (RUNDIR/BRIDGE.mgmt), using libopenvswitch's vconn.
 *
 * Requests are asynchronous: a *_start() call queues the request's
 * messages and returns a request id at once; ofconn_run(), from the poll
 * loop, sends what the socket takes, matches every message the switch
 * sends to its request by xid, and answers echo requests; the request's
 * owner then takes the outcome with ofconn_finish() (or a *_finish()
 * decoder).  Nothing the switch sends is discarded on the way: a packet-in
 * that arrives while a bundle is outstanding still reaches its callback.
 *
 * A request the switch has not answered 'timeout_ms' after it was queued
 * makes the connection fail with -ETIMEDOUT (a switch that is alive but
 * stopped, e.g. by SIGSTOP, keeps the socket open and never answers): every
 * outstanding request then ends with that error, and the owner opens a new
 * connection.
 *
 * The blocking calls (ofconn_open(), ofconn_bundle(), the dumps, ...) are
 * the same requests followed by a wait on this connection alone, bounded by
 * the same timeout; they are for start-up, tools and tests.
 */
#ifndef OFCONN_H
#define OFCONN_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ofconn;
struct ofpbuf;
struct ofputil_packet_in;
struct ovs_list;

/* Connects to 'target' (e.g. "unix:/run/seine/br-int.mgmt") with OpenFlow
 * 1.5 (falling back to 1.4/1.3) and waits until the connection is up (at
 * most 'timeout_ms', which also bounds every later request).  Returns 0
 * and sets '*connp', or -errno. */
int ofconn_open(const char *target, int timeout_ms, struct ofconn **connp);

/* The same without waiting: '*connp' is set whenever 0 is returned, and
 * ofconn_status() says -EINPROGRESS until the switch has answered the
 * OpenFlow hello, which ofconn_run() waits for. */
int ofconn_open_async(const char *target, int timeout_ms,
                      struct ofconn **connp);
void ofconn_close(struct ofconn *);

/* 0 while connected, -EINPROGRESS while connecting, else why the
 * connection failed (-ETIMEDOUT, -ECONNRESET, ...). */
int ofconn_status(const struct ofconn *);

/* The negotiated protocol and version (for encoding flow mods); valid once
 * connected. */
int ofconn_version(const struct ofconn *);        /* enum ofp_version */
uint32_t ofconn_protocol(const struct ofconn *);  /* enum ofputil_protocol */

/* Asynchronous requests.  Each returns 0 and sets '*idp' to the request's
 * id (never 0), or -errno when the connection is not up.
 *
 * ofconn_bundle_start() sends every message in 'msgs' (a list of struct
 * ofpbuf, consumed) inside one ORDERED|ATOMIC bundle: open, add each, a
 * barrier, and the commit only if the switch accepted every message; on
 * failure nothing of the bundle is applied. */
int ofconn_bundle_start(struct ofconn *, struct ovs_list *msgs,
                        unsigned int *idp);

/* A flow-stats dump of table 'table_id' (255: all tables), of the flows
 * whose cookie matches 'cookie' in the bits of 'cookie_mask'. */
int ofconn_dump_flows_start(struct ofconn *, uint8_t table_id,
                            uint64_t cookie, uint64_t cookie_mask,
                            unsigned int *idp);
int ofconn_dump_groups_start(struct ofconn *, unsigned int *idp);
int ofconn_echo_start(struct ofconn *, unsigned int *idp);

/* How request 'id' ended: -EINPROGRESS while the switch has not answered
 * it; otherwise 0, or -EPROTO when the switch refused it (its errors are
 * logged), or the connection's error; the request is then forgotten.  On
 * 0 the replies (struct ofpbuf) are moved to 'replies' if it is nonnull
 * (the caller frees them), else freed. */
int ofconn_finish(struct ofconn *, unsigned int id, struct ovs_list *replies);

/* ofconn_finish() for a dump, calling 'cb' once per flow (struct
 * ofputil_flow_stats *) or group (struct ofputil_group_desc *) when it
 * has ended well. */
int ofconn_dump_flows_finish(struct ofconn *, unsigned int id,
                             void (*cb)(const void *fs, void *aux),
                             void *aux);
int ofconn_dump_groups_finish(struct ofconn *, unsigned int id,
                              void (*cb)(const void *gd, void *aux),
                              void *aux);

/* Forgets request 'id' whatever its state: its replies, when they come,
 * are dropped. */
void ofconn_cancel(struct ofconn *, unsigned int id);

/* Runs this connection alone until request 'id' has ended, and returns as
 * ofconn_finish() does. */
int ofconn_wait_for(struct ofconn *, unsigned int id,
                    struct ovs_list *replies);

/* Blocking forms. */
int ofconn_bundle(struct ofconn *, struct ovs_list *msgs);
int ofconn_dump_flows(struct ofconn *,
                      void (*cb)(const void *fs, void *aux), void *aux);
int ofconn_dump_flows_filtered(struct ofconn *, uint8_t table_id,
                               uint64_t cookie, uint64_t cookie_mask,
                               void (*cb)(const void *fs, void *aux),
                               void *aux);
int ofconn_dump_groups(struct ofconn *,
                       void (*cb)(const void *gd, void *aux), void *aux);
/* Sends an echo request and waits for the reply: 0 while the switch
 * answers, -errno (-ECONNRESET, -ETIMEDOUT) once the connection is gone. */
int ofconn_echo(struct ofconn *);

/* Injects 'packet' ('len' bytes, starting with its Ethernet header) as if
 * it had arrived on OpenFlow port 'in_port', through the flow table from
 * table 0 (a packet-out to OFPP_TABLE), and waits until the switch has
 * processed it.  0, or -EPROTO if the switch refused it. */
int ofconn_packet_out(struct ofconn *, uint32_t in_port,
                      const void *packet, size_t len);

/* Called from ofconn_run() for each packet-in the switch sends. */
typedef void ofconn_packet_in_func(const struct ofputil_packet_in *,
                                   void *aux);

/* Asks the switch to send packet-ins (from controller actions) on this
 * connection, which is a service connection to a bridge's management
 * socket, and delivers them to 'cb' from ofconn_run(), as NXT_PACKET_IN2
 * (with the controller action's userdata).  Blocking; 0 or -errno. */
int ofconn_set_packet_in(struct ofconn *, ofconn_packet_in_func *cb,
                         void *aux);

/* Sends 'packet' ('len' bytes, with its Ethernet header) out of OpenFlow
 * port 'out_port' directly, without going through the flow table
 * (packet-out with in_port CONTROLLER and one output action).  Does not
 * wait for a reply.  0 or -errno (-EINVAL for a port that cannot be
 * output to). */
int ofconn_send_packet(struct ofconn *, uint32_t out_port,
                       const void *packet, size_t len);

/* Replaces meter 'id' by one that lets 'pps' packets a second through
 * and drops the rest (the switch's flows may name it: "meter:ID").
 * Waits for the switch, at most the connection's timeout.  0 or -errno. */
int ofconn_set_meter(struct ofconn *, uint32_t id, uint32_t pps);

/* Sends 'packet' into the flow table as if it came in on 'in_port'
 * (packet-out with in_port 'in_port' and the single action output:TABLE),
 * like ofconn_packet_out() but without waiting for anything.  0 or -errno
 * (-EINVAL for a port no packet can come in on). */
int ofconn_inject_packet(struct ofconn *, uint32_t in_port,
                         const void *packet, size_t len);

/* Poll-loop integration: connects, sends, receives, times requests out. */
void ofconn_run(struct ofconn *);
void ofconn_wait(struct ofconn *);

#endif /* ofconn.h */
