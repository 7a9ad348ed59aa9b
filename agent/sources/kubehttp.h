/*
 * kubehttp: HTTPS requests to the Kubernetes API server with libcurl, on the
 * agent's poll loop.  One multi handle serves every request; its sockets
 * and its timer (curl's socket and timer callbacks) become poll_fd_wait()
 * and poll_timer_wait() calls, so a watch that stays open for minutes, or
 * a server that stops answering, never holds up the CNI socket or the
 * switch.
 *
 * A request hands its body to the caller as it arrives, chunk by chunk,
 * and ends exactly once, with the HTTP status or an error.  The bearer
 * token is taken from the kubeconfig for every request, so a rotated token
 * file is used as soon as it changes (kubeconfig_token()).
 */
#ifndef KUBEHTTP_H
#define KUBEHTTP_H 1

#include <stdbool.h>
#include <stddef.h>

struct kubeconfig;
struct kubehttp;
struct kubehttp_request;

struct kubehttp_callbacks {
    /* A piece of the body, in order, with the response's HTTP status. */
    void (*body)(void *aux, long status, const char *data, size_t len);
    /* The end: 'error' 0 with the server's HTTP 'status' (any), or a
     * negative errno with 'why' (connection refused or cut, TLS, time
     * out). */
    void (*done)(void *aux, long status, int error, const char *why);
};

/* Talks to the server of 'conf', which must outlive the result.  0 or
 * -errno with '*err'. */
int kubehttp_create(struct kubeconfig *conf, struct kubehttp **, char **err);
void kubehttp_destroy(struct kubehttp *);

/* Starts GET 'path' ("/api/v1/pods?limit=500", appended to the server's
 * URL).  'timeout_ms' bounds the whole transfer (0: none, for watches;
 * the connection attempt is always bounded).  The callbacks may start new
 * requests and cancel other ones, not their own. */
struct kubehttp_request *kubehttp_get(struct kubehttp *, const char *path,
                                      int timeout_ms,
                                      const struct kubehttp_callbacks *,
                                      void *aux);
/* The same with another 'method' ("PATCH") and a body, sent as
 * 'content_type' (copied). */
struct kubehttp_request *kubehttp_send(struct kubehttp *, const char *method,
                                       const char *path,
                                       const char *content_type,
                                       const char *body, int timeout_ms,
                                       const struct kubehttp_callbacks *,
                                       void *aux);

/* Ends a request without calling its 'done'. */
void kubehttp_cancel(struct kubehttp *, struct kubehttp_request *);

/* Re-reads the token file now, for a 401: 0 or -errno with '*err'. */
int kubehttp_refresh_token(struct kubehttp *, char **err);

void kubehttp_run(struct kubehttp *);
void kubehttp_wait(struct kubehttp *);

#endif /* kubehttp.h */
