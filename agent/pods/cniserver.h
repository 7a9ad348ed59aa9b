/*
 * cniserver: the agent's end of the CNI socket (cniproto.h).  The socket
 * is created mode 0600 in a folder of mode 0700, and a peer that is not
 * root (SO_PEERCRED) is refused, since a CNI request rewires the node.
 *
 * Requests are served one at a time from the agent's poll loop: a request
 * may wait for OVS (a port's ofport, a bundle's commit), and serving them
 * in order keeps every change to the flow table a whole one.
 */
#ifndef CNISERVER_H
#define CNISERVER_H 1

#include "cni/cniproto.h"

struct cniserver;

typedef void cniserver_handler(void *aux, const struct cniproto_request *,
                               struct cniproto_response *);

/* Listens on 'path', replacing a stale socket.  0 or -errno. */
int cniserver_open(const char *path, cniserver_handler *, void *aux,
                   struct cniserver **);
void cniserver_close(struct cniserver *);

void cniserver_run(struct cniserver *);
void cniserver_wait(struct cniserver *);

#endif /* cniserver.h */
