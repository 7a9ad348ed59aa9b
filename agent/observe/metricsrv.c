#include <config.h>
#include "agent/observe/metricsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <microhttpd.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(metricsrv);

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A scrape that takes a second holds up the whole agent: the buckets
 * stop there. */
static const double scrape_bounds[] = {
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
};

struct metricsrv {
    struct MHD_Daemon *mhd;
    metricsrv_collect_func *collect;
    void *aux;
    uint16_t port;

    /* libmicrohttpd keeps pointers to the PEM texts, not copies. */
    char *tls_cert;
    char *tls_key;

    char *token_file;           /* NULL: no token asked */
    char *token;
    struct stat token_stat;     /* of the file 'token' was read from */

    /* What libmicrohttpd logs while the daemon starts, for '*err'. */
    struct ds open_log;
    bool opening;

    struct metricsrv_stats stats;

    struct metricsrv_route {
        char *path;
        metricsrv_route_func *func;
        void *aux;
    } *routes;
    size_t n_routes;
};

struct metricsrv_request {
    struct MHD_Connection *conn;
};

static void
free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* Reads all of 'path' into '*textp' (caller frees).  0 or -errno. */
static int
read_file(const char *path, char **textp, struct stat *st)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    char buf[4096];
    size_t n;
    int error = 0;
    FILE *f = fopen(path, "re");

    if (!f) {
        return -errno;
    }
    if (st && fstat(fileno(f), st)) {
        error = -errno;
    }
    while (!error && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        ds_put_buffer(&text, buf, n);
    }
    if (!error && ferror(f)) {
        error = -EIO;
    }
    fclose(f);
    explicit_bzero(buf, sizeof buf);
    *textp = ds_steal_cstr(&text);
    if (error) {
        free_secret(*textp);
        *textp = NULL;
    }
    return error;
}

/* A token file's content without the final newline an editor or
 * "kubectl create secret --from-file" leaves; an empty token would
 * let in any "Bearer " header. */
static int
read_token(const char *path, char **tokenp, struct stat *st, char **err)
{
    int error = read_file(path, tokenp, st);

    if (error) {
        *err = xasprintf("%s: %s", path, ovs_strerror(-error));
        return error;
    }
    (*tokenp)[strcspn(*tokenp, "\r\n")] = '\0';
    if (!**tokenp) {
        free(*tokenp);
        *tokenp = NULL;
        *err = xasprintf("%s: holds no token", path);
        return -EINVAL;
    }
    return 0;
}

static bool
same_file_version(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino
           && a->st_size == b->st_size
           && a->st_mtim.tv_sec == b->st_mtim.tv_sec
           && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Takes a changed token file's new token.  A file that cannot be read
 * (being replaced, say) leaves the last token in force. */
static void
refresh_token(struct metricsrv *srv)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct stat st;
    char *token, *err;

    if (!stat(srv->token_file, &st)
        && same_file_version(&st, &srv->token_stat)) {
        return;
    }
    if (read_token(srv->token_file, &token, &st, &err)) {
        VLOG_WARN_RL(&rl, "metrics token kept: %s", err);
        free(err);
        return;
    }
    free_secret(srv->token);
    srv->token = token;
    srv->token_stat = st;
}

/* Compares in a time that does not depend on where they differ. */
static bool
secret_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    unsigned char diff = n != strlen(b);

    for (size_t i = 0; i < n && b[i]; i++) {
        diff |= a[i] ^ b[i];
    }
    return !diff;
}

static bool
authorized(struct metricsrv *srv, struct MHD_Connection *conn)
{
    const char *value;

    if (!srv->token_file) {
        return true;
    }
    refresh_token(srv);
    value = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_AUTHORIZATION);
    if (!value || strncasecmp(value, "Bearer ", 7)) {
        return false;
    }
    value += strspn(value + 7, " ") + 7;
    return secret_equal(value, srv->token);
}

/* Queues 'status' with 'body' (taken), and a header if 'header'. */
static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned int status, const char *type,
        struct ds *body, const char *header, const char *value)
{
    size_t len = body->length;
    struct MHD_Response *resp
        = MHD_create_response_from_buffer(len, ds_steal_cstr(body),
                                          MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (header) {
        MHD_add_response_header(resp, header, value);
    }
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
respond_text(struct MHD_Connection *conn, unsigned int status,
             const char *text, const char *header, const char *value)
{
    struct ds body = DS_EMPTY_INITIALIZER;

    ds_put_format(&body, "%s\n", text);
    return respond(conn, status, "text/plain; charset=utf-8", &body,
                   header, value);
}

static double
now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum MHD_Result
scrape(struct metricsrv *srv, struct MHD_Connection *conn)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    double start = now_seconds();
    enum MHD_Result ret;

    srv->collect(srv->aux, &text);
    ret = respond(conn, MHD_HTTP_OK, METRICS_TYPE, &text, NULL, NULL);
    promtext_histogram_observe(&srv->stats.scrape_seconds,
                               now_seconds() - start);
    return ret;
}

void
metricsrv_add_route(struct metricsrv *srv, const char *path,
                    metricsrv_route_func *func, void *aux)
{
    srv->routes = xrealloc(srv->routes,
                           (srv->n_routes + 1) * sizeof *srv->routes);
    srv->routes[srv->n_routes++] = (struct metricsrv_route) {
        xstrdup(path), func, aux
    };
}

const char *
metricsrv_arg(const struct metricsrv_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

static enum MHD_Result
answer_route(struct metricsrv *srv, struct MHD_Connection *conn,
             const char *url)
{
    for (size_t i = 0; i < srv->n_routes; i++) {
        const struct metricsrv_route *r = &srv->routes[i];
        if (!strcmp(url, r->path)) {
            struct metricsrv_request req = { conn };
            struct ds body = DS_EMPTY_INITIALIZER;
            unsigned int status = r->func(r->aux, &req, &body);
            return respond(conn, status, "application/json", &body, NULL,
                           NULL);
        }
    }
    return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found", NULL, NULL);
}

/* Answers on the first call, before any request body: no path takes
 * one, and libmicrohttpd then closes the connection rather than read
 * it. */
static enum MHD_Result
answer(void *srv_, struct MHD_Connection *conn, const char *url,
       const char *method, const char *version OVS_UNUSED,
       const char *upload_data OVS_UNUSED,
       size_t *upload_data_size OVS_UNUSED, void **req_cls OVS_UNUSED)
{
    struct metricsrv *srv = srv_;

    if (strcmp(method, MHD_HTTP_METHOD_GET)
        && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
        return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                            "method not allowed", MHD_HTTP_HEADER_ALLOW,
                            "GET, HEAD");
    } else if (!strcmp(url, "/healthz")) {
        return respond_text(conn, MHD_HTTP_OK, "ok", NULL, NULL);
    } else if (!authorized(srv, conn)) {
        srv->stats.n_unauthorized++;
        return respond_text(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                            MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    } else if (!strcmp(url, "/metrics")) {
        return scrape(srv, conn);
    }
    return answer_route(srv, conn, url);
}

static void
mhd_log(void *srv_, const char *format, va_list args)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct metricsrv *srv = srv_;
    struct ds msg = DS_EMPTY_INITIALIZER;

    ds_put_format_valist(&msg, format, args);
    ds_chomp(&msg, '\n');
    if (srv->opening) {
        ds_put_format(&srv->open_log, "%s%s", srv->open_log.length ? "; " : "",
                      ds_cstr(&msg));
    } else {
        VLOG_WARN_RL(&rl, "metrics endpoint: %s", ds_cstr(&msg));
    }
    ds_destroy(&msg);
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;
        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
    }
    const struct in6_addr *a = &((const struct sockaddr_in6 *) ss)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(a)
           || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

static int
parse_address(const char *s, uint16_t port, struct sockaddr_storage *ss,
              char **err)
{
    struct sockaddr_in *sin = (struct sockaddr_in *) ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
    } else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
    } else {
        *err = xasprintf("metrics address \"%s\" is not an IPv4 or IPv6 "
                         "address", s);
        return -EINVAL;
    }
    return 0;
}

/* Everything about 'o' that can be refused without opening anything. */
static int
check_options(const struct metricsrv_options *o,
              const struct sockaddr_storage *ss, const char *address,
              char **err)
{
    bool tls = o->tls_cert_file || o->tls_key_file;

    if (tls && !(o->tls_cert_file && o->tls_key_file)) {
        *err = xstrdup("metrics TLS needs both a certificate and a key file");
        return -EINVAL;
    }
    if (!is_loopback(ss) && !o->insecure && !(tls && o->token_file)) {
        *err = xasprintf("metrics address %s is not loopback: it needs TLS "
                         "(certificate and key) and a token file, or "
                         "insecure set to allow it without", address);
        return -EPERM;
    }
    if (tls && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        *err = xstrdup("metrics TLS: libmicrohttpd is built without TLS");
        return -ENOTSUP;
    }
    return 0;
}

static int
read_secrets(struct metricsrv *srv, const struct metricsrv_options *o,
             char **err)
{
    const char *paths[] = { o->tls_cert_file, o->tls_key_file };
    char **texts[] = { &srv->tls_cert, &srv->tls_key };
    int error;

    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        error = paths[i] ? read_file(paths[i], texts[i], NULL) : 0;
        if (error) {
            *err = xasprintf("%s: %s", paths[i], ovs_strerror(-error));
            return error;
        }
    }
    if (o->token_file) {
        srv->token_file = xstrdup(o->token_file);
        return read_token(srv->token_file, &srv->token, &srv->token_stat,
                          err);
    }
    return 0;
}

static int
start_daemon(struct metricsrv *srv, const struct sockaddr_storage *ss,
             const char *address, uint16_t port, char **err)
{
    unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG
                         | (ss->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0)
                         | (srv->tls_cert ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls[] = {
        { MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key },
        { MHD_OPTION_END, 0, NULL },
    };

    srv->opening = true;
    srv->mhd = MHD_start_daemon(
        flags, port, NULL, NULL, answer, srv,
        MHD_OPTION_SOCK_ADDR, ss,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_CONNECTION_LIMIT, 64u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_ARRAY, srv->tls_cert ? tls : &tls[2],
        MHD_OPTION_END);
    srv->opening = false;
    if (!srv->mhd) {
        *err = xasprintf("metrics endpoint on %s port %"PRIu16": %s",
                         address, port,
                         srv->open_log.length ? ds_cstr(&srv->open_log)
                                              : "libmicrohttpd refused");
        return -EADDRNOTAVAIL;
    }
    srv->port = MHD_get_daemon_info(srv->mhd,
                                    MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

int
metricsrv_open(const struct metricsrv_options *o,
               metricsrv_collect_func *collect, void *aux,
               struct metricsrv **srvp, char **err)
{
    const char *address = o->address ? o->address : "127.0.0.1";
    struct metricsrv *srv;
    struct sockaddr_storage ss;
    int error;

    *srvp = NULL;
    *err = NULL;
    error = parse_address(address, o->port, &ss, err);
    error = error ? error : check_options(o, &ss, address, err);
    if (error) {
        return error;
    }

    srv = xzalloc(sizeof *srv);
    srv->collect = collect;
    srv->aux = aux;
    ds_init(&srv->open_log);
    promtext_histogram_init(&srv->stats.scrape_seconds, scrape_bounds,
                            ARRAY_SIZE(scrape_bounds));
    error = read_secrets(srv, o, err);
    error = error ? error : start_daemon(srv, &ss, address, o->port, err);
    if (error) {
        metricsrv_close(srv);
        return error;
    }
    *srvp = srv;
    return 0;
}

void
metricsrv_close(struct metricsrv *srv)
{
    if (!srv) {
        return;
    }
    if (srv->mhd) {
        MHD_stop_daemon(srv->mhd);
    }
    free_secret(srv->tls_key);
    free(srv->tls_cert);
    free_secret(srv->token);
    free(srv->token_file);
    ds_destroy(&srv->open_log);
    promtext_histogram_destroy(&srv->stats.scrape_seconds);
    for (size_t i = 0; i < srv->n_routes; i++) {
        free(srv->routes[i].path);
    }
    free(srv->routes);
    free(srv);
}

uint16_t
metricsrv_port(const struct metricsrv *srv)
{
    return srv->port;
}

const struct metricsrv_stats *
metricsrv_stats(const struct metricsrv *srv)
{
    return &srv->stats;
}

void
metricsrv_run(struct metricsrv *srv)
{
    MHD_run(srv->mhd);
}

void
metricsrv_wait(struct metricsrv *srv)
{
    const union MHD_DaemonInfo *info
        = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    MHD_UNSIGNED_LONG_LONG ms;

    /* One descriptor however many connections: epoll's own, readable
     * when any of theirs is. */
    poll_fd_wait(info->epoll_fd, POLLIN);
    if (MHD_get_timeout(srv->mhd, &ms) == MHD_YES) {
        poll_timer_wait(MIN(ms, INT_MAX));
    }
}
