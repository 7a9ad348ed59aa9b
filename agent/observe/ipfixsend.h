/*
 * ipfixsend: the transport of the IPFIX messages an encoder (ipfix.h)
 * makes, to one collector over UDP or TCP, from the poll loop.
 *
 * It takes the encoder's closed messages into a queue of its own,
 * bounded: when the collector is away and the queue is full the oldest
 * message is dropped and counted, so the agent's memory does not grow
 * with an absent collector.  The socket is non-blocking; a send that
 * would block waits for the socket in the poll loop, and nothing else
 * ever waits.
 *
 * The collector is "udp:HOST:PORT" or "tcp:HOST:PORT", HOST an IPv4
 * address or a name resolved at each connection attempt through OVS's
 * dns_resolve(): without blocking in a daemon that called
 * dns_resolve_init(true) (the answer is then taken at a later attempt),
 * synchronously otherwise.  Attempts back off from 1 s to 30 s after a
 * failure (OVS's reconnect FSM).
 *
 * Sessions (RFC 7011 §10): a UDP socket is one session, templates first
 * and again every template refresh interval; each TCP connection is one,
 * templates once at its start.  A TCP connection that fails loses the
 * message it was in the middle of (counted as a drop); the queue waits
 * for the next connection.
 */
#ifndef IPFIXSEND_H
#define IPFIXSEND_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ipfix;
struct ipfixsend;

#define IPFIXSEND_DEFAULT_QUEUE 1024
#define IPFIXSEND_MIN_BACKOFF_MS 1000
#define IPFIXSEND_MAX_BACKOFF_MS 30000

struct ipfixsend_options {
    const char *collector;      /* "udp:HOST:PORT" or "tcp:HOST:PORT" */
    size_t max_queue;           /* messages held; 0: the default */
    /* UDP: at most this many messages a second (0: as fast as the socket
     * takes them).  A collector reads datagrams as they come: a burst of
     * thousands (one poll of a node with 10,000 connections) overflows
     * its socket buffer, and UDP says nothing of the loss. */
    unsigned int max_rate;
};

struct ipfixsend_stats {
    uint64_t messages;          /* sent whole, template messages included */
    uint64_t records;           /* data records in them */
    uint64_t bytes;
    uint64_t drops;             /* messages lost: queue full, failed send */
    uint64_t reconnects;        /* sessions started after the first */
};

/* Sends what 'ipfix' (not owned; it must outlive the transport) makes to
 * the collector 'options' name.  0, or -EINVAL with '*errp' (caller
 * frees) for a collector that is not "udp:" or "tcp:" with a host and a
 * port. */
int ipfixsend_create(const struct ipfixsend_options *, struct ipfix *,
                     struct ipfixsend **, char **errp);
void ipfixsend_destroy(struct ipfixsend *);

void ipfixsend_run(struct ipfixsend *);
void ipfixsend_wait(struct ipfixsend *);

const struct ipfixsend_stats *ipfixsend_stats(const struct ipfixsend *);
/* Whether a session is up (a UDP socket is as soon as it is open). */
bool ipfixsend_connected(const struct ipfixsend *);
/* Messages waiting to be sent. */
size_t ipfixsend_queued(const struct ipfixsend *);

#endif /* ipfixsend.h */
