/*
 * tracepeer: asks the node a trace packet went to through the tunnel for
 * its part of the path.  That node's agent keeps what it observed of
 * every trace packet it received (traceflow.h) and serves it on its
 * metrics endpoint:
 *
 *   GET /traceflow/v1/received?src=IP&dscp=N&sport=N
 *     200 {"node": ..., "result": ..., "observations": [...]}
 *     404 not seen (yet)
 *
 * so the source agent asks, every 200 ms until an answer or its deadline,
 * at http(s)://NODE-IP:PORT with its own metrics port, scheme (https with
 * a TLS certificate) and token: a cluster's agents share one
 * configuration.  Requests run on the poll loop (kubehttp.h).
 */
#ifndef TRACEPEER_H
#define TRACEPEER_H 1

#include <stdint.h>
#include <netinet/in.h>

struct agentconf;
struct json_object;
struct tracepeer;

#define TRACEPEER_PATH "/traceflow/v1/received"

/* Starts asking the agent of the node at 'node_ip' for the trace packet
 * from 'src' with 'dscp' and source port 'sport', until 'deadline'
 * (time_msec()). */
struct tracepeer *tracepeer_start(const struct agentconf *,
                                  struct in_addr node_ip, struct in_addr src,
                                  uint8_t dscp, uint16_t sport,
                                  long long int deadline);
void tracepeer_destroy(struct tracepeer *);

void tracepeer_run(struct tracepeer *);
void tracepeer_wait(struct tracepeer *);

/* -EINPROGRESS, then 0 with the node's part in '*partp' (a new
 * reference), or -errno with why in '*whyp' (the peer's; valid until
 * tracepeer_destroy()). */
int tracepeer_result(struct tracepeer *, struct json_object **partp,
                     const char **whyp);

#endif /* tracepeer.h */
