/*
 * ofconn: the agent's OpenFlow connection to one bridge, over the bridge's
 * management socket (RUNDIR/BRIDGE.mgmt), using libopenvswitch's vconn.
 *
 * The agent uses it synchronously: each call sends its messages and waits
 * for the replies (with a timeout), which keeps the flow table logic simple
 * and makes a bundle's commit a point the caller can reason about.
 */
#ifndef OFCONN_H
#define OFCONN_H 1

#include <stddef.h>
#include <stdint.h>

struct ofconn;
struct ofpbuf;
struct ofputil_packet_in;
struct ovs_list;

/* Connects to 'target' (e.g. "unix:/run/seine/br-int.mgmt") with OpenFlow
 * 1.5 (falling back to 1.4/1.3).  Returns 0 and sets '*connp', or -errno. */
int ofconn_open(const char *target, int timeout_ms, struct ofconn **connp);
void ofconn_close(struct ofconn *);

/* The negotiated protocol and version (for encoding flow mods). */
int ofconn_version(const struct ofconn *);        /* enum ofp_version */
uint32_t ofconn_protocol(const struct ofconn *);  /* enum ofputil_protocol */

/* Sends every message in 'msgs' (a list of struct ofpbuf, consumed) inside
 * one ORDERED|ATOMIC bundle: open, add each, commit.  Returns 0 once the
 * switch has committed, or -errno (-EPROTO with the switch's error logged)
 * when it refused; on failure nothing of the bundle is applied. */
int ofconn_bundle(struct ofconn *, struct ovs_list *msgs);

/* Sends a flow-stats dump request for all tables and collects the replies:
 * calls 'cb' once per flow (struct ofputil_flow_stats *). */
int ofconn_dump_flows(struct ofconn *,
                      void (*cb)(const void *fs, void *aux), void *aux);

/* Same, for the flows in table 'table_id' (255: all tables) whose cookie
 * matches 'cookie' in the bits of 'cookie_mask'. */
int ofconn_dump_flows_filtered(struct ofconn *, uint8_t table_id,
                               uint64_t cookie, uint64_t cookie_mask,
                               void (*cb)(const void *fs, void *aux),
                               void *aux);

/* Same for groups (struct ofputil_group_desc *). */
int ofconn_dump_groups(struct ofconn *,
                       void (*cb)(const void *gd, void *aux), void *aux);

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
 * socket, and delivers them to 'cb' from ofconn_run().  0 or -errno.
 *
 * Packet-ins that arrive while another call here waits for its reply are
 * dropped; the connection's clients retry. */
int ofconn_set_packet_in(struct ofconn *, ofconn_packet_in_func *cb,
                         void *aux);

/* Sends 'packet' ('len' bytes, with its Ethernet header) out of OpenFlow
 * port 'out_port' directly, without going through the flow table
 * (packet-out with in_port CONTROLLER and one output action).  Does not
 * wait for a reply.  0 or -errno (-EINVAL for a port that cannot be
 * output to). */
int ofconn_send_packet(struct ofconn *, uint32_t out_port,
                       const void *packet, size_t len);

/* Poll-loop integration: answers the switch's echo requests, so that an
 * idle connection is not dropped by its inactivity probe, and delivers
 * packet-ins (ofconn_set_packet_in()). */
void ofconn_run(struct ofconn *);
void ofconn_wait(struct ofconn *);

/* Sends an echo request and waits for the reply: 0 while the switch
 * answers, -errno (-ECONNRESET, -EPIPE) once the connection is gone. */
int ofconn_echo(struct ofconn *);

#endif /* ofconn.h */
