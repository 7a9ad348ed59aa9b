/* metricsrv on 127.0.0.1 and a free port: the test runs the poll loop as
 * the agent would, while a thread makes its requests with libcurl. */
#include <config.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/observe/metricsrv.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"

#define OPENSSL "/usr/bin/openssl"

static pthread_t loop_thread;
static int n_collects;

static void
collect(void *aux, struct ds *out)
{
    /* On the loop's thread, as the agent's state requires. */
    assert_true(pthread_equal(pthread_self(), loop_thread));
    assert_string_equal(aux, "aux");
    n_collects++;
    promtext_family(out, "seine_test_total", PROMTEXT_COUNTER, "Test.");
    promtext_sample_uint(out, "seine_test_total", NULL, 0, n_collects);
}

struct request {
    const char *method;
    const char *path;
    const char *authorization;  /* the header's value, or NULL */

    long status;                /* 0: no answer */
    struct ds body;
    struct ds headers;
    char *content_type;
};

#define REQ(METHOD, PATH, AUTHORIZATION) \
    { .method = METHOD, .path = PATH, .authorization = AUTHORIZATION }

struct client {
    char *base;                 /* "http://127.0.0.1:PORT" */
    const char *ca_file;
    struct request *reqs;
    size_t n;
    int done_fd;
};

static size_t
put_data(char *data, size_t size, size_t n, void *ds_)
{
    ds_put_buffer(ds_, data, size * n);
    return size * n;
}

static void
perform(const struct client *c, struct request *r)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    char *url = xasprintf("%s%s", c->base, r->path);
    char *auth = NULL;
    const char *type = NULL;

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, put_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, put_data);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r->headers);
    if (c->ca_file) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
    }
    if (!strcmp(r->method, "HEAD")) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(r->method, "POST")) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "a=1");
    } else if (strcmp(r->method, "GET")) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (r->authorization) {
        auth = xasprintf("Authorization: %s", r->authorization);
        headers = curl_slist_append(headers, auth);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    }
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
        r->content_type = type ? xstrdup(type) : NULL;
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(auth);
    free(url);
}

static void *
client_main(void *c_)
{
    struct client *c = c_;

    for (size_t i = 0; i < c->n; i++) {
        perform(c, &c->reqs[i]);
    }
    ignore(write(c->done_fd, "", 1));
    return NULL;
}

/* Makes the 'n' requests 'reqs' against 'srv' ("http" or "https" as
 * 'scheme' says) while running the poll loop, as the agent does. */
static void
run_requests(struct metricsrv *srv, const char *scheme, const char *ca_file,
             struct request *reqs, size_t n)
{
    struct client c = {
        .base = xasprintf("%s://127.0.0.1:%"PRIu16, scheme,
                          metricsrv_port(srv)),
        .ca_file = ca_file, .reqs = reqs, .n = n,
    };
    long long int deadline = time_msec() + 4000;
    pthread_t thread;
    int fds[2];
    char byte;

    for (size_t i = 0; i < n; i++) {
        ds_init(&reqs[i].body);
        ds_init(&reqs[i].headers);
    }
    assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    c.done_fd = fds[1];
    assert_int_equal(pthread_create(&thread, NULL, client_main, &c), 0);
    while (read(fds[0], &byte, 1) != 1) {
        assert_true(time_msec() < deadline);
        metricsrv_run(srv);
        metricsrv_wait(srv);
        poll_fd_wait(fds[0], POLLIN);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    pthread_join(thread, NULL);
    close(fds[0]);
    close(fds[1]);
    free(c.base);
}

static void
free_requests(struct request *reqs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_destroy(&reqs[i].body);
        ds_destroy(&reqs[i].headers);
        free(reqs[i].content_type);
    }
}

/* Makes one request and checks its answer's status (0: none). */
static void
check_status(struct metricsrv *srv, const char *scheme, const char *path,
             const char *authorization, long status)
{
    struct request r = REQ("GET", path, authorization);

    run_requests(srv, scheme, NULL, &r, 1);
    assert_int_equal(r.status, status);
    free_requests(&r, 1);
}

static bool
has_header(const struct request *r, const char *line)
{
    return strstr(ds_cstr_ro(&r->headers), line) != NULL;
}

static struct metricsrv *
open_ok(const struct metricsrv_options *o)
{
    struct metricsrv *srv;
    char *err;
    int error = metricsrv_open(o, collect, "aux", &srv, &err);

    if (error) {
        fail_msg("metricsrv_open: %s", err);
    }
    assert_null(err);
    assert_int_not_equal(metricsrv_port(srv), 0);
    return srv;
}

static void
test_paths(void **state OVS_UNUSED)
{
    struct metricsrv_options o = { .port = 0 };
    struct metricsrv *srv = open_ok(&o);
    struct request reqs[] = {
        REQ("GET", "/metrics", NULL), REQ("HEAD", "/metrics", NULL),
        REQ("GET", "/healthz", NULL), REQ("GET", "/nope", NULL),
        REQ("POST", "/metrics", NULL), REQ("DELETE", "/healthz", NULL),
        REQ("GET", "/metrics", NULL),
    };

    n_collects = 0;
    run_requests(srv, "http", NULL, reqs, ARRAY_SIZE(reqs));
    assert_int_equal(reqs[0].status, 200);
    assert_string_equal(reqs[0].content_type,
                        "text/plain; version=0.0.4; charset=utf-8");
    assert_string_equal(ds_cstr(&reqs[0].body),
                        "# HELP seine_test_total Test.\n"
                        "# TYPE seine_test_total counter\n"
                        "seine_test_total 1\n");
    assert_int_equal(reqs[1].status, 200);
    assert_int_equal(reqs[1].body.length, 0);
    assert_int_equal(reqs[2].status, 200);
    assert_string_equal(ds_cstr(&reqs[2].body), "ok\n");
    assert_int_equal(reqs[3].status, 404);
    assert_int_equal(reqs[4].status, 405);
    assert_true(has_header(&reqs[4], "Allow: GET, HEAD\r\n"));
    assert_int_equal(reqs[5].status, 405);
    assert_int_equal(reqs[6].status, 200);
    assert_string_equal(ds_cstr(&reqs[6].body) + reqs[6].body.length - 3,
                        " 3\n");

    const struct metricsrv_stats *st = metricsrv_stats(srv);
    assert_int_equal(st->scrape_seconds.count, 3);
    assert_true(st->scrape_seconds.sum >= 0 && st->scrape_seconds.sum < 1);
    assert_int_equal(st->n_unauthorized, 0);

    free_requests(reqs, ARRAY_SIZE(reqs));
    metricsrv_close(srv);
}

/* A folder of the test's own, removed with what it holds. */
static char *
make_dir(void)
{
    char *dir = xstrdup("/tmp/test-metricsrv.XXXXXX");

    assert_non_null(mkdtemp(dir));
    return dir;
}

static void
remove_dir(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);

    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

/* Writes 'text' to DIR/NAME by rename, as the kubelet and editors
 * replace a file; returns the path. */
static char *
write_file(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
    free(tmp);
    return path;
}

static void
test_token(void **state OVS_UNUSED)
{
    char *dir = make_dir();
    char *token = write_file(dir, "token", "s3cret\n");
    struct metricsrv_options o = { .token_file = token };
    struct metricsrv *srv = open_ok(&o);
    struct request reqs[] = {
        REQ("GET", "/metrics", NULL),
        REQ("GET", "/metrics", "Bearer wrong"),
        REQ("GET", "/metrics", "Basic czNjcmV0"),
        REQ("GET", "/metrics", "Bearer s3cre"),
        REQ("GET", "/metrics", "Bearer s3cret"),
        REQ("GET", "/metrics", "bearer  s3cret"),
        REQ("GET", "/healthz", NULL),
        REQ("GET", "/nope", NULL),
    };
    const long expected[] = { 401, 401, 401, 401, 200, 200, 200, 401 };

    run_requests(srv, "http", NULL, reqs, ARRAY_SIZE(reqs));
    for (size_t i = 0; i < ARRAY_SIZE(reqs); i++) {
        assert_int_equal(reqs[i].status, expected[i]);
    }
    assert_true(has_header(&reqs[0], "WWW-Authenticate: Bearer\r\n"));
    assert_int_equal(metricsrv_stats(srv)->n_unauthorized, 5);
    assert_int_equal(metricsrv_stats(srv)->scrape_seconds.count, 2);
    free_requests(reqs, ARRAY_SIZE(reqs));

    /* Rotated: the new token is in force from the next request. */
    free(write_file(dir, "token", "rotated-token"));
    check_status(srv, "http", "/metrics", "Bearer s3cret", 401);
    check_status(srv, "http", "/metrics", "Bearer rotated-token", 200);

    /* Gone: the last token stays in force. */
    assert_int_equal(unlink(token), 0);
    check_status(srv, "http", "/metrics", "Bearer rotated-token", 200);

    metricsrv_close(srv);
    free(token);
    remove_dir(dir);
}

/* Makes a self-signed certificate for 127.0.0.1 in 'dir'; false if
 * openssl is not there. */
static bool
make_cert(const char *dir)
{
    char *cmd;
    int status;

    if (access(OPENSSL, X_OK)) {
        return false;
    }
    cmd = xasprintf(OPENSSL " req -x509 -newkey ec -pkeyopt "
                    "ec_paramgen_curve:prime256v1 -nodes -days 1 "
                    "-subj /CN=seine-test -addext subjectAltName=IP:127.0.0.1 "
                    "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1",
                    dir, dir);
    status = system(cmd);
    free(cmd);
    assert_int_equal(status, 0);
    return true;
}

static void
test_tls(void **state OVS_UNUSED)
{
    char *dir = make_dir();

    if (!make_cert(dir)) {
        remove_dir(dir);
        skip();
    }
    char *cert = xasprintf("%s/cert.pem", dir);
    char *key = xasprintf("%s/key.pem", dir);
    char *token = write_file(dir, "token", "tls-token");
    /* Not loopback, so TLS and a token are what let it open. */
    struct metricsrv_options o = {
        .address = "0.0.0.0", .tls_cert_file = cert, .tls_key_file = key,
        .token_file = token,
    };
    struct metricsrv *srv = open_ok(&o);
    struct request reqs[] = {
        REQ("GET", "/metrics", "Bearer tls-token"),
        REQ("GET", "/metrics", NULL),
        REQ("GET", "/healthz", NULL),
    };

    run_requests(srv, "https", cert, reqs, ARRAY_SIZE(reqs));
    assert_int_equal(reqs[0].status, 200);
    assert_non_null(strstr(ds_cstr(&reqs[0].body), "seine_test_total"));
    assert_int_equal(reqs[1].status, 401);
    assert_int_equal(reqs[2].status, 200);
    free_requests(reqs, ARRAY_SIZE(reqs));

    /* Plain HTTP gets no answer from the TLS port. */
    check_status(srv, "http", "/healthz", NULL, 0);

    metricsrv_close(srv);
    free(token);
    free(key);
    free(cert);
    remove_dir(dir);
}

/* metricsrv_open() with 'o' fails with 'error' and a message holding
 * 'words'. */
static void
check_refused(const struct metricsrv_options *o, int error,
              const char *words)
{
    struct metricsrv *srv;
    char *err;

    assert_int_equal(metricsrv_open(o, collect, "aux", &srv, &err), error);
    assert_null(srv);
    if (!strstr(err, words)) {
        fail_msg("\"%s\" does not say \"%s\"", err, words);
    }
    free(err);
}

static void
test_refusals(void **state OVS_UNUSED)
{
    check_refused(&(struct metricsrv_options) { .address = "0.0.0.0" },
                  -EPERM, "0.0.0.0 is not loopback: it needs TLS");
    check_refused(&(struct metricsrv_options) { .address = "::" },
                  -EPERM, "not loopback");
    check_refused(&(struct metricsrv_options) {
                      .address = "10.1.2.3", .tls_cert_file = "c",
                      .tls_key_file = "k" },
                  -EPERM, "not loopback");
    check_refused(&(struct metricsrv_options) {
                      .address = "10.1.2.3", .token_file = "t" },
                  -EPERM, "not loopback");
    check_refused(&(struct metricsrv_options) { .tls_cert_file = "c" },
                  -EINVAL, "both a certificate and a key");
    check_refused(&(struct metricsrv_options) { .address = "localhost" },
                  -EINVAL, "not an IPv4 or IPv6 address");
    check_refused(&(struct metricsrv_options) {
                      .token_file = "/nonexistent/token" },
                  -ENOENT, "/nonexistent/token: No such file");
    check_refused(&(struct metricsrv_options) {
                      .tls_cert_file = "/nonexistent/c",
                      .tls_key_file = "/nonexistent/k" },
                  -ENOENT, "/nonexistent/c");

    char *dir = make_dir();
    char *empty = write_file(dir, "empty", "\n");
    check_refused(&(struct metricsrv_options) { .token_file = empty },
                  -EINVAL, "holds no token");
    free(empty);
    remove_dir(dir);

    /* The operator's explicit choice. */
    struct metricsrv *srv = open_ok(&(struct metricsrv_options) {
                                        .address = "0.0.0.0",
                                        .insecure = true });
    check_refused(&(struct metricsrv_options) {
                      .port = metricsrv_port(srv) },
                  -EADDRNOTAVAIL, "metrics endpoint on 127.0.0.1 port");
    metricsrv_close(srv);
}

static void
test_ipv6_loopback(void **state OVS_UNUSED)
{
    struct metricsrv_options o = { .address = "::1" };
    struct metricsrv *srv;
    char *err;

    if (metricsrv_open(&o, collect, "aux", &srv, &err)) {
        /* A host without IPv6 cannot bind ::1; the rule was passed. */
        assert_null(strstr(err, "loopback"));
        free(err);
        skip();
    }
    assert_int_not_equal(metricsrv_port(srv), 0);
    metricsrv_close(srv);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_ipv6_loopback),
    };

    loop_thread = pthread_self();
    curl_global_init(CURL_GLOBAL_ALL);
    int status = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return status;
}
