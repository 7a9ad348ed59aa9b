#include <config.h>
#include "agent/observe/ipfixsend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/observe/ipfix.h"
#include "dns-resolve.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "reconnect.h"
#include "socket-util.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipfixsend);

struct ipfixsend {
    char *collector;            /* as configured, for the logs */
    bool tcp;
    char *host, *port;
    size_t max_queue;
    unsigned int max_rate;      /* UDP messages a second; 0: no bound */
    double tokens;              /* messages that may go now */
    long long int tokens_ms;    /* when 'tokens' was last refilled */
    struct ipfix *ipfix;

    struct reconnect *fsm;
    struct stream *stream;      /* TCP */
    int fd;                     /* UDP, or -1 */
    bool connected;             /* a session is up */
    unsigned int n_sessions;

    struct ovs_list queue;      /* struct ipfix_msg, oldest first */
    size_t n_queued;
    struct ipfix_msg *cur;      /* being sent, stamped, not in 'queue' */
    size_t cur_ofs;             /* bytes of it sent */
    bool blocked;               /* the last send would have blocked */
    bool paced;                 /* the rate bound holds the next message */

    struct ipfixsend_stats stats;
};

/* Splits "udp:HOST:PORT" or "tcp:HOST:PORT" (HOST may be an IPv6
 * address in brackets). */
static int
parse_collector(struct ipfixsend *s, const char *collector, char **errp)
{
    char *copy, *host, *port;
    int n;

    if (!collector || (strncmp(collector, "udp:", 4)
                       && strncmp(collector, "tcp:", 4))) {
        *errp = xasprintf("collector \"%s\": not udp:HOST:PORT or "
                          "tcp:HOST:PORT", collector ? collector : "");
        return -EINVAL;
    }
    s->tcp = collector[0] == 't';
    copy = xstrdup(collector + 4);
    inet_parse_host_port_tokens(copy, &host, &port);
    if (!host || !*host || !port || !str_to_int(port, 10, &n) || n <= 0
        || n > UINT16_MAX) {
        *errp = xasprintf("collector \"%s\": needs a host and a port "
                          "(1 to 65535)", collector);
        free(copy);
        return -EINVAL;
    }
    s->host = xstrdup(host);
    s->port = xstrdup(port);
    free(copy);
    return 0;
}

int
ipfixsend_create(const struct ipfixsend_options *options, struct ipfix *ipfix,
                 struct ipfixsend **sp, char **errp)
{
    struct ipfixsend *s = xzalloc(sizeof *s);
    int error;

    *sp = NULL;
    *errp = NULL;
    error = parse_collector(s, options->collector, errp);
    if (error) {
        free(s);
        return error;
    }
    s->collector = xstrdup(options->collector);
    s->max_queue = options->max_queue ? options->max_queue
                                      : IPFIXSEND_DEFAULT_QUEUE;
    s->max_rate = options->max_rate;
    s->tokens_ms = time_msec();
    s->ipfix = ipfix;
    s->fd = -1;
    ovs_list_init(&s->queue);

    s->fsm = reconnect_create(time_msec());
    reconnect_set_name(s->fsm, s->collector);
    reconnect_set_backoff(s->fsm, IPFIXSEND_MIN_BACKOFF_MS,
                          IPFIXSEND_MAX_BACKOFF_MS);
    reconnect_set_probe_interval(s->fsm, 0);
    reconnect_enable(s->fsm, time_msec());
    *sp = s;
    return 0;
}

static void
queue_push(struct ipfixsend *s, struct ipfix_msg *msg, bool front)
{
    if (front) {
        ovs_list_push_front(&s->queue, &msg->list_node);
    } else {
        ovs_list_push_back(&s->queue, &msg->list_node);
    }
    s->n_queued++;
}

static struct ipfix_msg *
queue_pop(struct ipfixsend *s)
{
    if (ovs_list_is_empty(&s->queue)) {
        return NULL;
    }
    s->n_queued--;
    return CONTAINER_OF(ovs_list_pop_front(&s->queue), struct ipfix_msg,
                        list_node);
}

/* Loses the message being sent (a template message is not counted: it
 * is made anew for the next session). */
static void
cur_drop(struct ipfixsend *s)
{
    s->stats.drops += s->cur->n_records > 0;
    ipfix_msg_destroy(s->cur);
    s->cur = NULL;
    s->cur_ofs = 0;
}

/* Forgets the message being sent: one not begun goes back to the head
 * of the queue, to be stamped again in the next session; one half sent
 * is lost. */
static void
cur_abandon(struct ipfixsend *s)
{
    if (!s->cur) {
        return;
    }
    if (!s->cur_ofs && s->cur->n_records) {
        queue_push(s, s->cur, true);
        s->cur = NULL;
    } else {
        cur_drop(s);
    }
}

/* Closes the session's socket; the reconnect FSM is the caller's. */
static void
session_close(struct ipfixsend *s)
{
    cur_abandon(s);
    stream_close(s->stream);
    s->stream = NULL;
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    s->connected = false;
    s->blocked = false;
}

void
ipfixsend_destroy(struct ipfixsend *s)
{
    if (s) {
        struct ipfix_msg *msg;

        session_close(s);
        while ((msg = queue_pop(s))) {
            ipfix_msg_destroy(msg);
        }
        reconnect_destroy(s->fsm);
        free(s->collector);
        free(s->host);
        free(s->port);
        free(s);
    }
}

/* "ADDRESS:PORT" for the collector (the caller frees), or NULL while its
 * name is not resolved. */
static char *
collector_target(const struct ipfixsend *s)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 30);
    struct in6_addr ip6;
    ovs_be32 ip4;
    char *addr, *target;

    if (inet_pton(AF_INET, s->host, &ip4) == 1) {
        return xasprintf("%s:%s", s->host, s->port);
    }
    if (inet_pton(AF_INET6, s->host, &ip6) == 1) {
        return xasprintf("[%s]:%s", s->host, s->port);
    }
    if (!dns_resolve(s->host, &addr) || !addr) {
        VLOG_INFO_RL(&rl, "%s: %s not resolved yet", s->collector, s->host);
        return NULL;
    }
    target = xasprintf(strchr(addr, ':') ? "[%s]:%s" : "%s:%s", addr,
                       s->port);
    free(addr);
    return target;
}

static void
session_up(struct ipfixsend *s, long long int now)
{
    reconnect_connected(s->fsm, now);
    s->connected = true;
    ipfix_session_start(s->ipfix, s->tcp);
    if (s->n_sessions++) {
        s->stats.reconnects++;
    }
}

/* Opens a socket to the collector: a UDP session is up at once, a TCP
 * connection is under way. */
static void
session_open(struct ipfixsend *s, long long int now)
{
    char *target = collector_target(s);
    int error;

    if (!target) {
        reconnect_connect_failed(s->fsm, now, EAGAIN);
        return;
    }
    if (s->tcp) {
        char *name = xasprintf("tcp:%s", target);
        error = stream_open(name, &s->stream, DSCP_DEFAULT);
        free(name);
    } else {
        error = inet_open_active(SOCK_DGRAM, target, -1, NULL, &s->fd,
                                 DSCP_DEFAULT);
    }
    free(target);
    if (error) {
        reconnect_connect_failed(s->fsm, now, error);
    } else if (s->tcp) {
        reconnect_connecting(s->fsm, now);
    } else {
        session_up(s, now);
    }
}

/* The reconnect FSM logs the failure. */
static void
session_fail(struct ipfixsend *s, long long int now, int error)
{
    session_close(s);
    reconnect_disconnected(s->fsm, now, error);
}

/* Moves the encoder's closed messages to the queue, dropping the oldest
 * beyond the bound. */
static void
take_messages(struct ipfixsend *s)
{
    struct ipfix_msg *msg;

    while ((msg = ipfix_take(s->ipfix))) {
        queue_push(s, msg, false);
    }
    while (s->n_queued > s->max_queue) {
        ipfix_msg_destroy(queue_pop(s));
        s->stats.drops++;
    }
}

/* Sends what it can of 'n' bytes at 'data': their number, or -errno. */
static int
transmit(struct ipfixsend *s, const void *data, size_t n)
{
    ssize_t retval;

    if (s->tcp) {
        return stream_send(s->stream, data, n);
    }
    retval = send(s->fd, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (retval < 0 && errno == ECONNREFUSED) {
        /* The refusal was of an earlier datagram; this one was not sent
         * and may be. */
        retval = send(s->fd, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    return retval < 0 ? -errno : retval;
}

/* The next message to send: the templates when they are due, else the
 * oldest queued one; stamped now. */
static struct ipfix_msg *
next_message(struct ipfixsend *s)
{
    long long int wall = time_wall_msec();
    struct ipfix_msg *msg;

    if (ipfix_templates_due(s->ipfix, wall)) {
        return ipfix_templates(s->ipfix, wall);
    }
    msg = queue_pop(s);
    if (msg) {
        ipfix_stamp(s->ipfix, msg, wall);
    }
    return msg;
}

static void
message_sent(struct ipfixsend *s, long long int now)
{
    reconnect_activity(s->fsm, now);
    s->stats.messages++;
    s->stats.records += s->cur->n_records;
    s->stats.bytes += s->cur->buf.size;
    ipfix_msg_destroy(s->cur);
    s->cur = NULL;
    s->cur_ofs = 0;
}

/* Whether the rate bound lets one more UDP message go now; refills the
 * bucket, which holds a tenth of a second's messages at most. */
static bool
rate_allows(struct ipfixsend *s, long long int now)
{
    if (s->tcp || !s->max_rate) {
        return true;
    }
    double burst = MAX(1.0, s->max_rate / 10.0);
    s->tokens = MIN(burst, s->tokens + (now - s->tokens_ms) * s->max_rate
                                       / 1000.0);
    s->tokens_ms = now;
    if (s->tokens < 1.0) {
        return false;
    }
    s->tokens -= 1.0;
    return true;
}

static void
send_messages(struct ipfixsend *s, long long int now)
{
    s->blocked = false;
    s->paced = false;
    while (s->connected) {
        if (!s->cur && !rate_allows(s, now)) {
            s->paced = true;
            return;
        }
        if (!s->cur) {
            s->cur = next_message(s);
            if (!s->cur) {
                return;
            }
        }

        const struct ofpbuf *b = &s->cur->buf;
        int n = transmit(s, (const uint8_t *) b->data + s->cur_ofs,
                         b->size - s->cur_ofs);
        if (n == -EAGAIN) {
            s->blocked = true;
            return;
        } else if (n == -ENOBUFS && !s->tcp) {
            /* The interface's queue is full: the datagram is lost, as
             * it would have been further on. */
            cur_drop(s);
        } else if (n < 0 && !s->tcp) {
            /* UDP gives no second chance: this datagram is lost, the
             * socket made anew after the backoff. */
            cur_drop(s);
            session_fail(s, now, -n);
        } else if (n < 0) {
            session_fail(s, now, -n);
        } else {
            s->cur_ofs += n;
            if (s->cur_ofs >= b->size) {
                message_sent(s, now);
            }
        }
    }
}

/* Reads and drops what a TCP collector sends, to see it close. */
static void
check_closed(struct ipfixsend *s, long long int now)
{
    char buf[512];
    int n;

    do {
        n = stream_recv(s->stream, buf, sizeof buf);
    } while (n > 0);
    if (n == 0) {
        session_fail(s, now, EOF);
    } else if (n != -EAGAIN) {
        session_fail(s, now, -n);
    }
}

static void
tcp_connect(struct ipfixsend *s, long long int now)
{
    int error = stream_connect(s->stream);

    if (!error) {
        session_up(s, now);
    } else if (error != EAGAIN) {
        stream_close(s->stream);
        s->stream = NULL;
        reconnect_connect_failed(s->fsm, now, error);
    }
}

void
ipfixsend_run(struct ipfixsend *s)
{
    long long int now = time_msec();

    take_messages(s);
    if (s->stream && !s->connected) {
        tcp_connect(s, now);
    }
    switch (reconnect_run(s->fsm, now)) {
    case RECONNECT_CONNECT:
        session_close(s);
        session_open(s, now);
        break;
    case RECONNECT_DISCONNECT:
        reconnect_disconnected(s->fsm, now, 0);
        session_close(s);
        break;
    case RECONNECT_PROBE:
    default:
        break;
    }
    if (s->connected && s->tcp) {
        stream_run(s->stream);
        check_closed(s, now);
    }
    send_messages(s, now);
}

/* Wakes the loop when the templates are due again. */
static void
templates_wait(const struct ipfixsend *s)
{
    long long int next = ipfix_templates_next(s->ipfix);

    if (next == LLONG_MIN) {
        poll_immediate_wake();
    } else if (next != LLONG_MAX) {
        poll_timer_wait(MAX(0, next - time_wall_msec()));
    }
}

void
ipfixsend_wait(struct ipfixsend *s)
{
    reconnect_wait(s->fsm, time_msec());
    if (ipfix_has_closed(s->ipfix)) {
        poll_immediate_wake();
    }
    if (s->stream && !s->connected) {
        stream_connect_wait(s->stream);
    }
    if (!s->connected) {
        return;
    }
    if (s->tcp) {
        stream_run_wait(s->stream);
        stream_recv_wait(s->stream);
    }
    if (s->blocked) {
        if (s->tcp) {
            stream_send_wait(s->stream);
        } else {
            poll_fd_wait(s->fd, POLLOUT);
        }
    } else if (s->paced) {
        poll_timer_wait(MAX(1, 1000 / s->max_rate));
    } else if (s->cur || s->n_queued) {
        poll_immediate_wake();
    }
    templates_wait(s);
}

const struct ipfixsend_stats *
ipfixsend_stats(const struct ipfixsend *s)
{
    return &s->stats;
}

bool
ipfixsend_connected(const struct ipfixsend *s)
{
    return s->connected;
}

size_t
ipfixsend_queued(const struct ipfixsend *s)
{
    return s->n_queued + (s->cur != NULL);
}
