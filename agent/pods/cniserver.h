/*
 * cniserver: the agent's end of the CNI socket (cniproto.h).  The socket
 * is created mode 0600 in a folder of mode 0700, and a peer that is not
 * root (SO_PEERCRED) is refused, since a CNI request rewires the node.
 *
 * Requests are served one at a time from the agent's poll loop: a request
 * may wait for OVS (a port's ofport, a bundle's commit), and serving them
 * in order keeps every change to the flow table a whole one.  Nothing here
 * blocks the loop: the request is read as it arrives (5 s at most), and a
 * handler that cannot answer at once is asked again from cniserver_run()
 * until it does, while the next connections wait in the listen backlog.
 */
#ifndef CNISERVER_H
#define CNISERVER_H 1

#include <stdbool.h>

#include "cni/cniproto.h"

struct cniserver;

/* Starts serving a request: true when the response is its answer, false
 * when the answer comes later (from cniserver_run_func).  The request
 * stays valid until then. */
typedef bool cniserver_start_func(void *aux, const struct cniproto_request *,
                                  struct cniproto_response *);
/* True once the response of the request being served is its answer. */
typedef bool cniserver_run_func(void *aux, struct cniproto_response *);

/* Listens on 'path', replacing a stale socket.  0 or -errno. */
int cniserver_open(const char *path, cniserver_start_func *,
                   cniserver_run_func *, void *aux, struct cniserver **);
void cniserver_close(struct cniserver *);

void cniserver_run(struct cniserver *);
void cniserver_wait(struct cniserver *);

#endif /* cniserver.h */
