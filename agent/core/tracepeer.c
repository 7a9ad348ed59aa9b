#include <config.h>
#include "agent/core/tracepeer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>

#include "agent/core/agentconf.h"
#include "agent/sources/kubeconfig.h"
#include "agent/sources/kubehttp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"

#define TRACEPEER_POLL_MS 200

struct tracepeer {
    struct kubeconfig conf;
    struct kubehttp *http;
    struct kubehttp_request *req;   /* the request in flight, or NULL */
    char *path;
    struct ds body;
    long long int next_poll;
    long long int deadline;
    int result;                     /* -EINPROGRESS until known */
    struct json_object *part;
    char *why;
};

static void
peer_fail(struct tracepeer *p, int error, char *why)
{
    p->result = error;
    free(p->why);
    p->why = why;
}

static void
peer_body(void *p_, long status OVS_UNUSED, const char *data, size_t len)
{
    struct tracepeer *p = p_;
    ds_put_buffer(&p->body, data, len);
}

static void
peer_done(void *p_, long status, int error, const char *why)
{
    struct tracepeer *p = p_;

    p->req = NULL;
    if (error) {
        peer_fail(p, error, xasprintf("%s: %s", p->conf.server, why));
    } else if (status == 404) {
        p->next_poll = time_msec() + TRACEPEER_POLL_MS;
    } else if (status != 200) {
        peer_fail(p, -EPROTO, xasprintf("%s answered HTTP %ld",
                                        p->conf.server, status));
    } else {
        p->part = json_tokener_parse(ds_cstr(&p->body));
        if (p->part) {
            p->result = 0;
        } else {
            peer_fail(p, -EPROTO, xasprintf("%s answered what is not JSON",
                                            p->conf.server));
        }
    }
    ds_clear(&p->body);
}

struct tracepeer *
tracepeer_start(const struct agentconf *conf, struct in_addr node_ip,
                struct in_addr src, uint8_t dscp, uint16_t sport,
                long long int deadline)
{
    struct tracepeer *p = xzalloc(sizeof *p);
    char ip[INET_ADDRSTRLEN], sip[INET_ADDRSTRLEN];
    char *err = NULL;

    ds_init(&p->body);
    p->deadline = deadline;
    p->result = -EINPROGRESS;
    p->conf.server = xasprintf("%s://%s:%d", conf->metrics_tls_cert
                               ? "https" : "http",
                               inet_ntop(AF_INET, &node_ip, ip, sizeof ip),
                               conf->metrics_port);
    p->conf.insecure = conf->metrics_insecure;
    p->conf.token_file = nullable_xstrdup(conf->metrics_token_file);
    p->path = xasprintf(TRACEPEER_PATH"?src=%s&dscp=%u&sport=%u",
                        inet_ntop(AF_INET, &src, sip, sizeof sip), dscp,
                        sport);
    if (!conf->metrics_port) {
        peer_fail(p, -ENOTCONN, xstrdup("the metrics endpoint, which "
                                        "serves the other nodes, is off "
                                        "(metrics.port 0)"));
    } else if (kubehttp_create(&p->conf, &p->http, &err)) {
        peer_fail(p, -ENOMEM, err);
    }
    return p;
}

void
tracepeer_destroy(struct tracepeer *p)
{
    if (p) {
        kubehttp_destroy(p->http);
        kubeconfig_destroy(&p->conf);
        ds_destroy(&p->body);
        json_object_put(p->part);
        free(p->path);
        free(p->why);
        free(p);
    }
}

static const struct kubehttp_callbacks peer_callbacks = {
    .body = peer_body,
    .done = peer_done,
};

void
tracepeer_run(struct tracepeer *p)
{
    if (p->http) {
        kubehttp_run(p->http);
    }
    if (p->result != -EINPROGRESS) {
        return;
    }
    long long int now = time_msec();
    if (now >= p->deadline) {
        peer_fail(p, -ETIMEDOUT, xasprintf("%s did not report the packet "
                                           "before the timeout",
                                           p->conf.server));
    } else if (!p->req && now >= p->next_poll) {
        p->req = kubehttp_get(p->http, p->path, p->deadline - now,
                              &peer_callbacks, p);
    }
}

void
tracepeer_wait(struct tracepeer *p)
{
    if (p->http) {
        kubehttp_wait(p->http);
    }
    if (p->result == -EINPROGRESS) {
        poll_timer_wait_until(p->req ? p->deadline
                              : MIN(p->next_poll, p->deadline));
    }
}

int
tracepeer_result(struct tracepeer *p, struct json_object **partp,
                 const char **whyp)
{
    *partp = p->result ? NULL : json_object_get(p->part);
    *whyp = p->why;
    return p->result;
}
