/*
 * ipproto: the L4 protocols of Services and policies: their ports, and the
 * names Kubernetes and OpenFlow give them.
 */
#ifndef IPPROTO_H
#define IPPROTO_H 1

#include <stdint.h>

/* A port of an L4 protocol (a node port, for one). */
struct ipproto_port {
    uint8_t proto;                  /* IPPROTO_TCP, _UDP, _SCTP */
    uint16_t port;
};

/* "tcp", "udp" or "sctp" (anything else reads as "tcp"). */
const char *ipproto_name(uint8_t proto);

#endif /* ipproto.h */
