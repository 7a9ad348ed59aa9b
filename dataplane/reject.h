/*
 * reject: the answer that refuses a connection to a Service without ready
 * endpoints, so that the client fails at once instead of waiting for a
 * timeout: a TCP RST for TCP, an ICMP port unreachable for anything else.
 * The switch hands the first packet of such a connection to the agent
 * (packet-in); the agent builds the answer here and sends it back out of
 * the port the packet came in on (ofconn_send_packet()).
 */
#ifndef REJECT_H
#define REJECT_H 1

#include <stddef.h>

struct ofpbuf;

/* Builds in 'out' (an ofpbuf the caller initialised) the Ethernet frame
 * that rejects 'frame' ('len' bytes, an IPv4 packet as it arrived,
 * starting with its Ethernet header, VLAN tags not expected): for TCP a
 * RST from the packet's destination to its source (seq = the packet's ack
 * if it has ACK, else 0 with ACK set and ack = seq + payload length +
 * SYN/FIN; ports and addresses swapped), for anything else an ICMP type 3
 * code 3 (port unreachable) from the packet's destination quoting its IP
 * header and the first 8 bytes of payload (RFC 792/1812), TTL 64, correct
 * IP/TCP/ICMP checksums, Ethernet source and destination swapped.  The
 * frame is appended to what 'out' holds; on error 'out' is left as it was.
 *
 * Returns 0, or -EINVAL for what must never be answered: not IPv4,
 * truncated, a fragment other than the first, a TCP RST, an ICMP error, a
 * broadcast/multicast destination (or any address on either side that
 * does not name a single host: RFC 1812, 4.3.2.7). */
int reject_build(const void *frame, size_t len, struct ofpbuf *out);

#endif /* reject.h */
