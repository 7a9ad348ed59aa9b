#include <config.h>
#include "agent/sources/kubehttp.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "agent/sources/kubeconfig.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(kubehttp);

#define KUBEHTTP_CONNECT_TIMEOUT_MS 10000

struct kubehttp_request {
    struct ovs_list node;           /* in 'kubehttp->requests' */
    CURL *easy;
    struct curl_slist *headers;
    const struct kubehttp_callbacks *cbs;
    void *aux;
    char errbuf[CURL_ERROR_SIZE];
    bool cancelled;                 /* from a callback: freed by run() */
};

/* A socket curl asked to be watched. */
struct kubehttp_socket {
    curl_socket_t fd;
    int what;                       /* CURL_POLL_IN, _OUT, _INOUT */
};

struct kubehttp {
    struct kubeconfig *conf;
    CURLM *multi;
    struct ovs_list requests;
    struct kubehttp_socket *socks;
    size_t n_socks, allocated_socks;
    struct pollfd *pfds;            /* run()'s snapshot of 'socks' */
    size_t allocated_pfds;
    long long int deadline;         /* curl's timer, or LLONG_MAX */
    bool in_curl;                   /* inside a curl callback */
};

/* Only the first user initialises libcurl's globals; the agent has one. */
static void
global_init(void)
{
    static bool done;

    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = true;
    }
}

static int
socket_cb(CURL *easy OVS_UNUSED, curl_socket_t fd, int what, void *http_,
          void *socketp OVS_UNUSED)
{
    struct kubehttp *http = http_;

    for (size_t i = 0; i < http->n_socks; i++) {
        if (http->socks[i].fd == fd) {
            if (what == CURL_POLL_REMOVE) {
                http->socks[i] = http->socks[--http->n_socks];
            } else {
                http->socks[i].what = what;
            }
            return 0;
        }
    }
    if (what != CURL_POLL_REMOVE) {
        if (http->n_socks >= http->allocated_socks) {
            http->socks = x2nrealloc(http->socks, &http->allocated_socks,
                                     sizeof *http->socks);
        }
        http->socks[http->n_socks++] = (struct kubehttp_socket) { fd, what };
    }
    return 0;
}

static int
timer_cb(CURLM *multi OVS_UNUSED, long timeout_ms, void *http_)
{
    struct kubehttp *http = http_;

    http->deadline = timeout_ms < 0 ? LLONG_MAX : time_msec() + timeout_ms;
    return 0;
}

int
kubehttp_create(struct kubeconfig *conf, struct kubehttp **httpp, char **err)
{
    global_init();
    CURLM *multi = curl_multi_init();
    if (!multi) {
        *err = xstrdup("libcurl could not make a multi handle");
        return -ENOMEM;
    }

    struct kubehttp *http = xzalloc(sizeof *http);
    http->conf = conf;
    http->multi = multi;
    http->deadline = LLONG_MAX;
    ovs_list_init(&http->requests);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, http);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, http);
    *httpp = http;
    return 0;
}

static void
request_free(struct kubehttp *http, struct kubehttp_request *req)
{
    ovs_list_remove(&req->node);
    curl_multi_remove_handle(http->multi, req->easy);
    curl_easy_cleanup(req->easy);
    curl_slist_free_all(req->headers);
    free(req);
}

void
kubehttp_destroy(struct kubehttp *http)
{
    if (http) {
        struct kubehttp_request *req;

        LIST_FOR_EACH_SAFE (req, node, &http->requests) {
            request_free(http, req);
        }
        curl_multi_cleanup(http->multi);
        free(http->socks);
        free(http->pfds);
        free(http);
    }
}

static size_t
write_cb(char *data, size_t size, size_t n, void *req_)
{
    struct kubehttp_request *req = req_;

    long status = 0;

    if (req->cancelled) {
        return 0;               /* curl then ends the transfer */
    }
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
    req->cbs->body(req->aux, status, data, size * n);
    return size * n;
}

/* The TLS material: files or the PEM the kubeconfig carried inline. */
static void
set_tls(CURL *easy, const struct kubeconfig *conf)
{
    struct curl_blob blob;

    if (conf->ca_pem) {
        blob = (struct curl_blob) { conf->ca_pem, strlen(conf->ca_pem),
                                    CURL_BLOB_COPY };
        curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
    } else if (conf->ca_file) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, conf->ca_file);
    }
    if (conf->cert_pem) {
        blob = (struct curl_blob) { conf->cert_pem, strlen(conf->cert_pem),
                                    CURL_BLOB_COPY };
        curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &blob);
        blob = (struct curl_blob) { conf->key_pem, strlen(conf->key_pem),
                                    CURL_BLOB_COPY };
        curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &blob);
    } else if (conf->cert_file) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, conf->cert_file);
        curl_easy_setopt(easy, CURLOPT_SSLKEY, conf->key_file);
    }
    if (conf->insecure) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

static struct curl_slist *
make_headers(struct kubehttp *http)
{
    struct curl_slist *headers = curl_slist_append(NULL,
                                                   "Accept: application/json");
    const char *token = NULL;
    char *err = NULL;

    if (kubeconfig_token(http->conf, &token, false, &err)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 10);
        VLOG_WARN_RL(&rl, "%s", err);
        free(err);
    }
    if (token) {
        char *h = xasprintf("Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, h);
        free(h);
    }
    return headers;
}

struct kubehttp_request *
kubehttp_send(struct kubehttp *http, const char *method, const char *path,
              const char *content_type, const char *body, int timeout_ms,
              const struct kubehttp_callbacks *cbs, void *aux)
{
    struct kubehttp_request *req = xzalloc(sizeof *req);
    char *url = xasprintf("%s%s", http->conf->server, path);

    req->easy = curl_easy_init();
    req->cbs = cbs;
    req->aux = aux;
    req->headers = make_headers(http);
    if (content_type) {
        char *h = xasprintf("Content-Type: %s", content_type);
        req->headers = curl_slist_append(req->headers, h);
        free(h);
    }
    if (method) {
        curl_easy_setopt(req->easy, CURLOPT_CUSTOMREQUEST, method);
    }
    if (body) {
        curl_easy_setopt(req->easy, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
        curl_easy_setopt(req->easy, CURLOPT_COPYPOSTFIELDS, body);
    }
    curl_easy_setopt(req->easy, CURLOPT_URL, url);
    curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, req->headers);
    curl_easy_setopt(req->easy, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(req->easy, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(req->easy, CURLOPT_PRIVATE, req);
    curl_easy_setopt(req->easy, CURLOPT_ERRORBUFFER, req->errbuf);
    curl_easy_setopt(req->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(req->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(req->easy, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) KUBEHTTP_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
    set_tls(req->easy, http->conf);
    free(url);

    ovs_list_push_back(&http->requests, &req->node);
    curl_multi_add_handle(http->multi, req->easy);
    return req;
}

struct kubehttp_request *
kubehttp_get(struct kubehttp *http, const char *path, int timeout_ms,
             const struct kubehttp_callbacks *cbs, void *aux)
{
    return kubehttp_send(http, NULL, path, NULL, NULL, timeout_ms, cbs, aux);
}

void
kubehttp_cancel(struct kubehttp *http, struct kubehttp_request *req)
{
    if (http->in_curl) {
        req->cancelled = true;
    } else {
        request_free(http, req);
    }
}

int
kubehttp_refresh_token(struct kubehttp *http, char **err)
{
    const char *token;

    return kubeconfig_token(http->conf, &token, true, err);
}

static int
curl_error(CURLcode code)
{
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
        return -EHOSTUNREACH;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return -EACCES;
    default:
        return -EIO;
    }
}

/* Ends the transfers curl says are done, each with one 'done' call. */
static void
finish_done(struct kubehttp *http)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(http->multi, &left))) {
        struct kubehttp_request *req;
        long status = 0;

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURLcode code = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &req);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        if (!req->cancelled) {
            const char *why = (code == CURLE_OK ? NULL
                               : req->errbuf[0] ? req->errbuf
                               : curl_easy_strerror(code));
            req->cancelled = true;
            req->cbs->done(req->aux, status, code ? curl_error(code) : 0,
                           why);
        }
        request_free(http, req);
    }
}

static void
drop_cancelled(struct kubehttp *http)
{
    struct kubehttp_request *req;

    LIST_FOR_EACH_SAFE (req, node, &http->requests) {
        if (req->cancelled) {
            request_free(http, req);
        }
    }
}

static void
socket_action(struct kubehttp *http, curl_socket_t fd, int flags)
{
    int running;

    http->in_curl = true;
    curl_multi_socket_action(http->multi, fd, flags, &running);
    http->in_curl = false;
}

/* The poll loop does not say which descriptor woke it: each of curl's
 * sockets is asked without waiting. */
void
kubehttp_run(struct kubehttp *http)
{
    size_t n = http->n_socks;

    /* A socket action may add or remove sockets: 'pfds' is a snapshot,
     * grown only here. */
    if (n > http->allocated_pfds) {
        http->allocated_pfds = http->allocated_socks;
        http->pfds = xrealloc(http->pfds,
                              http->allocated_pfds * sizeof *http->pfds);
    }
    struct pollfd *pfds = http->pfds;
    for (size_t i = 0; i < n; i++) {
        pfds[i].fd = http->socks[i].fd;
        pfds[i].events = ((http->socks[i].what & CURL_POLL_IN ? POLLIN : 0)
                          | (http->socks[i].what & CURL_POLL_OUT
                             ? POLLOUT : 0));
    }
    if (n && poll(pfds, n, 0) > 0) {
        for (size_t i = 0; i < n; i++) {
            int flags = ((pfds[i].revents & POLLIN ? CURL_CSELECT_IN : 0)
                         | (pfds[i].revents & POLLOUT ? CURL_CSELECT_OUT : 0)
                         | (pfds[i].revents & (POLLERR | POLLHUP)
                            ? CURL_CSELECT_ERR : 0));
            if (flags) {
                socket_action(http, pfds[i].fd, flags);
            }
        }
    }
    if (time_msec() >= http->deadline) {
        http->deadline = LLONG_MAX;
        socket_action(http, CURL_SOCKET_TIMEOUT, 0);
    }
    http->in_curl = true;
    finish_done(http);
    http->in_curl = false;
    drop_cancelled(http);
}

void
kubehttp_wait(struct kubehttp *http)
{
    for (size_t i = 0; i < http->n_socks; i++) {
        short events = ((http->socks[i].what & CURL_POLL_IN ? POLLIN : 0)
                        | (http->socks[i].what & CURL_POLL_OUT ? POLLOUT : 0));
        poll_fd_wait(http->socks[i].fd, events);
    }
    if (http->deadline != LLONG_MAX) {
        poll_timer_wait_until(http->deadline);
    }
}
