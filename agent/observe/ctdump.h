/*
 * ctdump: the connections of ovs-vswitchd's conntrack, parsed from the
 * text "ovs-appctl dpctl/dump-conntrack [-m] [-s] [zone=N]" prints, as
 * OVS 3.1's lib/ct-dpif.c (ct_dpif_format_entry()) writes it:
 *
 *   tcp,orig=(src=10.99.0.1,dst=10.96.0.10,sport=52918,dport=80),
 *     reply=(src=10.99.0.2,dst=10.99.0.1,sport=8080,dport=52918),
 *     zone=65001,timeout=86396,mark=7,labels=0x5e1e...02,
 *     protoinfo=(state=ESTABLISHED)
 *
 * (one line; -m adds id= and status= and gives the TCP state of each
 * direction, -s adds timeout=, and packets=, bytes= in a tuple and
 * start=, stop= after the tuples when the datapath keeps them).  Like
 * dataplane/pmdstats, it reads text meant for people because
 * ovs-vswitchd offers conntrack through nothing else.
 *
 * What the userspace datapath has (lib/conntrack.c,
 * conn_to_ct_dpif_entry() in OVS 3.1): the two tuples, zone, mark,
 * labels, the TCP state of each direction and the seconds until the
 * entry expires.  It keeps no packet or byte counters, no start time and
 * no id: it zeroes the entry and fills none of them, so -s never prints
 * packets= or bytes= and -m prints id=0.  Counters are parsed anyway
 * (the kernel datapath prints them), and 'has_counters' says whether a
 * line had any.  A connection's activity can still be told from the
 * timeout: every packet sets the expiry anew (conn_update_expiration()).
 *
 * Addresses are kept as IPv6, an IPv4 one mapped (::ffff:a.b.c.d).
 */
#ifndef CTDUMP_H
#define CTDUMP_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct vec;
struct vswitchctl_query;

/* OVS's TCP states (CT_DPIF_TCP_STATES), in its order: the larger of
 * two is the further along. */
enum ctdump_tcp_state {
    CTDUMP_TCP_CLOSED,
    CTDUMP_TCP_LISTEN,
    CTDUMP_TCP_SYN_SENT,
    CTDUMP_TCP_SYN_RECV,
    CTDUMP_TCP_ESTABLISHED,
    CTDUMP_TCP_CLOSE_WAIT,
    CTDUMP_TCP_FIN_WAIT_1,
    CTDUMP_TCP_CLOSING,
    CTDUMP_TCP_LAST_ACK,
    CTDUMP_TCP_FIN_WAIT_2,
    CTDUMP_TCP_TIME_WAIT,
    CTDUMP_TCP_NONE,            /* not TCP, or not printed */
};

struct ctdump_counters {
    uint64_t packets;
    uint64_t bytes;
};

struct ctdump_tuple {
    struct in6_addr src, dst;
    uint16_t src_port, dst_port;    /* 0 for ICMP */
    uint16_t icmp_id;
    uint8_t icmp_type, icmp_code;
    struct ctdump_counters counters;
};

struct ctdump_entry {
    uint8_t proto;                  /* IPPROTO_* */
    struct ctdump_tuple orig, reply;
    uint16_t zone;
    uint32_t mark;
    ovs_u128 labels;
    uint32_t id;                    /* 0 in the userspace datapath */
    int64_t timeout;                /* seconds left; -1 without -s */
    enum ctdump_tcp_state tcp_orig, tcp_reply;
    bool has_counters;              /* packets= or bytes= in a tuple */
};

/* Parses one line of the dump into '*entry'.  0, or -EINVAL with '*errp'
 * (caller frees) saying what is wrong. */
int ctdump_parse_entry(const char *line, struct ctdump_entry *entry,
                       char **errp);

/* Appends the entries of every line of 'text' to 'entries' (a vec of
 * struct ctdump_entry); returns the number of lines that did not parse,
 * skipped (the first one logged, rate-limited). */
size_t ctdump_parse(const char *text, struct vec *entries);

/* The TCP state the entry is in, as the dump without -m names it: the
 * further of the two directions, FIN_WAIT_2 read as TIME_WAIT and
 * SYN_RECV as ESTABLISHED (ct-dpif.c's coalesce_tcp_state()), so a dump
 * with -m and one without agree. */
enum ctdump_tcp_state ctdump_tcp_state(const struct ctdump_entry *);
/* "ESTABLISHED", ...; NULL for CTDUMP_TCP_NONE. */
const char *ctdump_tcp_state_name(enum ctdump_tcp_state);
/* Whether the connection is over: TIME_WAIT or CLOSED. */
bool ctdump_tcp_closed(const struct ctdump_entry *);

/* Whether the tuple's addresses are IPv4, and the addresses if so. */
bool ctdump_tuple_is_ipv4(const struct ctdump_tuple *);
ovs_be32 ctdump_ipv4(const struct in6_addr *);

/* Asks the ovs-vswitchd of 'rundir' for its connections with -s (the
 * timeouts tell activity), in 'zone' only unless it is NULL.  The answer
 * comes from vswitchctl_query_finish() and goes to ctdump_parse(). */
struct vswitchctl_query *ctdump_query_start(const char *rundir,
                                            const uint16_t *zone,
                                            int timeout_ms);

#endif /* ctdump.h */
