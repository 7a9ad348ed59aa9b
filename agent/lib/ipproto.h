/*
 * ipproto: the names Kubernetes and OpenFlow give the L4 protocols of
 * Services and policies.
 */
#ifndef IPPROTO_H
#define IPPROTO_H 1

#include <stdint.h>

/* "tcp", "udp" or "sctp" (anything else reads as "tcp"). */
const char *ipproto_name(uint8_t proto);

#endif /* ipproto.h */
