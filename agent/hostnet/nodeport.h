/*
 * nodeport: the host side of NodePort Services.
 *
 * A connection to a node port is addressed to one of the node's own
 * addresses, so the node's stack would take it.  An nftables table in the
 * node's network namespace sends it into br-int instead:
 *
 *   table ip seine {
 *       set nodeports { type inet_proto . inet_service; elements = { tcp . 30080, ... } }
 *       chain prerouting { type nat hook prerouting priority -100;
 *           fib daddr type local meta l4proto . th dport @nodeports dnat to NODEPORT_IP }
 *       chain output { the same, type nat hook output }
 *   }
 *
 * NODEPORT_IP (tables.h) is routed through the gateway port with a
 * permanent neighbour entry of the gateway's own MAC, so the packet enters
 * br-int from the gateway, addressed as the pod stage of the pipeline
 * expects from a router, and ServiceLB load-balances NODEPORT_IP:PORT.  The
 * host's conntrack undoes the DNAT on the reply.  The whole table is
 * replaced in one nftables transaction at each change, and removed when no
 * node port is left.
 */
#ifndef NODEPORT_H
#define NODEPORT_H 1

#include <stddef.h>
#include <stdint.h>

#include "agent/lib/ipproto.h"

/* Routes NODEPORT_IP through host link 'gateway' (whose MAC is 'mac').  0
 * or -errno. */
int nodeport_setup_route(const char *gateway, const uint8_t mac[6]);

/* The nftables commands that make the table hold exactly 'ports' (sorted,
 * no duplicates), as one transaction; the caller frees them. */
char *nodeport_script(const struct ipproto_port *ports, size_t n);

/* Runs nodeport_script() in the current network namespace.  0, or -EIO
 * with the nftables error in '*errp' (caller frees). */
int nodeport_apply(const struct ipproto_port *ports, size_t n, char **errp);

#endif /* nodeport.h */
