/*
 * tracepkt: the packet a Traceflow injects: what the source pod itself
 * would send (its MAC and IP, to the gateway's MAC, as every routed pod
 * packet is), with the trace's tag in the DSCP field (tables.h) and TTL
 * 64: a TCP SYN, a UDP datagram with an 8-byte payload, or an ICMP echo
 * request.
 */
#ifndef TRACEPKT_H
#define TRACEPKT_H 1

#include <stdint.h>
#include <netinet/in.h>

struct ofpbuf;

struct tracepkt {
    uint8_t src_mac[6], dst_mac[6];
    struct in_addr src, dst;
    uint8_t proto;          /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP */
    uint16_t sport, dport;  /* TCP/UDP; for ICMP, 'sport' is the echo id */
    uint8_t dscp;
};

/* Appends the frame to 'out' (an initialised ofpbuf), with correct IP,
 * TCP, UDP and ICMP checksums.  0, or -EINVAL for another protocol. */
int tracepkt_build(const struct tracepkt *, struct ofpbuf *out);

#endif /* tracepkt.h */
