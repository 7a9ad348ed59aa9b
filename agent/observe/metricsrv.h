/*
 * metricsrv: the agent's Prometheus endpoint, an HTTP server
 * (libmicrohttpd) run from the agent's poll loop.
 *
 * libmicrohttpd runs without threads of its own, on its epoll descriptor
 * and its timeout, so the collect function is called on the loop's thread
 * and may read the agent's state without locks; a scrape costs the loop
 * the time to write the text, nothing else waits on a slow client.
 *
 * Paths: GET or HEAD /metrics (the collect function's text, "text/plain;
 * version=0.0.4"), /healthz ("ok"), the JSON routes added with
 * metricsrv_add_route(), anything else 404; other methods 405.
 * With a token file every request but /healthz must carry "Authorization:
 * Bearer TOKEN" or gets 401: a liveness probe carries no token and learns
 * nothing from "ok".  The file is read again whenever it changes, so a
 * rotated token is in force from the next request.
 *
 * Anything that can reach a non-loopback address could read the node's
 * pods and policies from the metrics, so binding one requires TLS and a
 * token, unless 'insecure' says the operator chose otherwise.
 */
#ifndef METRICSRV_H
#define METRICSRV_H 1

#include <stdbool.h>
#include <stdint.h>

#include "agent/lib/promtext.h"

struct ds;
struct metricsrv;

struct metricsrv_options {
    const char *address;        /* IPv4 or IPv6 literal; NULL: 127.0.0.1 */
    uint16_t port;              /* 0: any free port (metricsrv_port()) */
    const char *tls_cert_file;  /* PEM; with 'tls_key_file', or neither */
    const char *tls_key_file;   /* PEM, unencrypted */
    const char *token_file;     /* NULL: no token asked */
    bool insecure;              /* allow non-loopback without TLS+token */
};

/* Appends the text of every metric family to 'out'. */
typedef void metricsrv_collect_func(void *aux, struct ds *out);

struct metricsrv_stats {
    /* Answered GET and HEAD /metrics, by the time to collect and queue
     * the text; its count is the number of scrapes. */
    struct promtext_histogram scrape_seconds;
    uint64_t n_unauthorized;    /* requests answered 401 */
};

/* Listens as 'options' say and answers with 'collect' and 'aux'.  0, or
 * -errno with '*err' (caller frees) saying what is wrong: a bad address,
 * TLS half given, a non-loopback address refused, an unreadable file, a
 * port in use. */
int metricsrv_open(const struct metricsrv_options *,
                   metricsrv_collect_func *collect, void *aux,
                   struct metricsrv **, char **err);
void metricsrv_close(struct metricsrv *);

/* Another path, answered with JSON: 'func' writes the body into 'out'
 * and returns the HTTP status; 'arg' gives the request's query arguments
 * by name (NULL when absent).  The same token guards it as /metrics. */
struct metricsrv_request;
const char *metricsrv_arg(const struct metricsrv_request *, const char *name);
typedef unsigned int metricsrv_route_func(void *aux,
                                          const struct metricsrv_request *,
                                          struct ds *out);
void metricsrv_add_route(struct metricsrv *, const char *path,
                         metricsrv_route_func *, void *aux);

/* The port it listens on (the one picked for port 0). */
uint16_t metricsrv_port(const struct metricsrv *);

const struct metricsrv_stats *metricsrv_stats(const struct metricsrv *);

void metricsrv_run(struct metricsrv *);
void metricsrv_wait(struct metricsrv *);

#endif /* metricsrv.h */
