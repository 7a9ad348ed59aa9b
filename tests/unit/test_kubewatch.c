/* kubewatch against a stand-in for kubehttp (defined here, so the real one
 * is not linked): the test sees each request's path and delivers its body,
 * in pieces as small as it likes, and its end. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/model/cluster.h"
#include "agent/sources/kubehttp.h"
#include "agent/sources/kubewatch.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

struct kubehttp_request {
    char *path;
    const struct kubehttp_callbacks *cbs;
    void *aux;
};

/* The one request outstanding (kubewatch has at most one). */
static struct kubehttp_request *current;
static int n_requests;
static int n_refreshes;

struct kubehttp_request *
kubehttp_get(struct kubehttp *http OVS_UNUSED, const char *path,
             int timeout_ms OVS_UNUSED, const struct kubehttp_callbacks *cbs,
             void *aux)
{
    assert_null(current);
    current = xzalloc(sizeof *current);
    current->path = xstrdup(path);
    current->cbs = cbs;
    current->aux = aux;
    n_requests++;
    return current;
}

void
kubehttp_cancel(struct kubehttp *http OVS_UNUSED,
                struct kubehttp_request *req)
{
    assert_ptr_equal(req, current);
    free(req->path);
    free(req);
    current = NULL;
}

int
kubehttp_refresh_token(struct kubehttp *http OVS_UNUSED, char **err OVS_UNUSED)
{
    n_refreshes++;
    return 0;
}

static const char *
path(void)
{
    assert_non_null(current);
    return current->path;
}

/* Sends 'body' in pieces of 'piece' bytes, then ends the request. */
static void
answer(long status, const char *body, size_t piece)
{
    struct kubehttp_request *req = current;
    size_t len = strlen(body);

    assert_non_null(req);
    for (size_t i = 0; i < len; i += piece) {
        req->cbs->body(req->aux, status, body + i, MIN(piece, len - i));
    }
    current = NULL;
    req->cbs->done(req->aux, status, 0, NULL);
    free(req->path);
    free(req);
}

static void
cut(void)
{
    struct kubehttp_request *req = current;

    current = NULL;
    req->cbs->done(req->aux, 0, -ECONNRESET, "connection reset");
    free(req->path);
    free(req);
}

static const struct kubewatch_resource ns_resource = {
    CLUSTER_NAMESPACE, "v1", "Namespace", "/api/v1/namespaces",
};

static char *
model(const struct cluster *c)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    cluster_format(c, &s);
    return ds_steal_cstr(&s);
}

static void
assert_model(const struct cluster *c, const char *want)
{
    char *got = model(c);
    assert_string_equal(got, want);
    free(got);
}

#define NS(NAME, RV) \
    "{\"metadata\":{\"name\":\"" NAME "\",\"resourceVersion\":\"" RV "\"}}"
#define EVENT(TYPE, NAME, RV) \
    "{\"type\":\"" TYPE "\",\"object\":{\"kind\":\"Namespace\"," \
    "\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" NAME "\"," \
    "\"resourceVersion\":\"" RV "\"}}}\n"

struct fixture {
    struct cluster *cluster;
    struct kubewatch *kw;
};

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    n_requests = n_refreshes = 0;
    f->cluster = cluster_create();
    f->kw = kubewatch_create(&ns_resource, NULL, f->cluster);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    kubewatch_destroy(f->kw);
    cluster_destroy(f->cluster);
    free(f);
    return 0;
}

/* Two pages, then a watch from the list's resourceVersion. */
static void
list_and_watch(struct fixture *f)
{
    assert_string_equal(path(), "/api/v1/namespaces?limit=500");
    answer(200, "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\","
           "\"metadata\":{\"resourceVersion\":\"10\",\"continue\":\"a+b=\","
           "\"remainingItemCount\":1},\"items\":[" NS("a", "3") "]}", 7);
    assert_false(kubewatch_synced(f->kw));
    assert_string_equal(path(), "/api/v1/namespaces?limit=500&continue=a%2Bb%3D");
    answer(200, "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\","
           "\"metadata\":{\"resourceVersion\":\"10\"},\"items\":["
           NS("b", "4") "]}", 1000);
    assert_true(kubewatch_synced(f->kw));
    assert_model(f->cluster, "Namespace a\nNamespace b\n");
    assert_non_null(strstr(path(), "?watch=1&resourceVersion=10"
                                   "&allowWatchBookmarks=true"));
}

static void
test_pages(void **state)
{
    list_and_watch(*state);
}

/* List items that are not objects are skipped, the others applied: such
 * an item once aborted the agent (json-c's assertion in
 * json_object_object_add(), found by tests/fuzz/kubewatch). */
static void
test_items_not_objects(void **state)
{
    struct fixture *f = *state;

    answer(200, "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\","
           "\"metadata\":{\"resourceVersion\":\"10\"},\"items\":["
           "\"Egress\",7,null,[]," NS("a", "3") "]}", 1000);
    assert_true(kubewatch_synced(f->kw));
    assert_model(f->cluster, "Namespace a\n");
}

/* An object the model refuses (a label value that is not a string) in a
 * list or a watch is skipped; the valid ones around it are applied. */
#define BAD_NS(NAME, RV) \
    "{\"metadata\":{\"name\":\"" NAME "\",\"resourceVersion\":\"" RV \
    "\",\"labels\":{\"team\":{\"x\":1}}}}"
static void
test_invalid_objects_skipped(void **state)
{
    struct fixture *f = *state;

    answer(200, "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\","
           "\"metadata\":{\"resourceVersion\":\"10\"},\"items\":["
           NS("a", "3") "," BAD_NS("bad", "4") "," NS("b", "5") "]}", 1000);
    assert_true(kubewatch_synced(f->kw));
    assert_model(f->cluster, "Namespace a\nNamespace b\n");

    answer(200, EVENT("ADDED", "c", "11")
           "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Namespace\","
           "\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"worse\","
           "\"resourceVersion\":\"12\",\"labels\":{\"team\":[]}}}}\n"
           EVENT("ADDED", "d", "13"), 7);
    assert_model(f->cluster,
                 "Namespace a\nNamespace b\nNamespace c\nNamespace d\n");
    assert_non_null(strstr(path(), "resourceVersion=13"));
}

/* Events one byte at a time, a bookmark, and a normal close: the next
 * watch resumes from the last resourceVersion. */
static void
test_watch_events(void **state)
{
    struct fixture *f = *state;

    list_and_watch(f);
    answer(200, EVENT("ADDED", "c", "11") EVENT("MODIFIED", "a", "12")
           EVENT("DELETED", "b", "13")
           "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Namespace\","
           "\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"20\"}}}"
           "\n", 1);
    assert_model(f->cluster, "Namespace a\nNamespace c\n");
    assert_non_null(strstr(path(), "?watch=1&resourceVersion=20&"));
}

/* A line that does not parse is skipped; the stream goes on. */
static void
test_malformed_event(void **state)
{
    struct fixture *f = *state;
    struct ds s = DS_EMPTY_INITIALIZER;

    list_and_watch(f);
    answer(200, EVENT("ADDED", "c", "11") "{\"type\": ADDED, oops}\n"
           EVENT("ADDED", "d", "12"), 5);
    assert_model(f->cluster,
                 "Namespace a\nNamespace b\nNamespace c\nNamespace d\n");
    kubewatch_format(f->kw, &s);
    assert_non_null(strstr(ds_cstr(&s), "bad events 1,"));
    ds_destroy(&s);
}

/* 410 by an ERROR event: a fresh list, after which what it lacks is
 * deleted from the model, once. */
static void
test_expired_event_relists(void **state)
{
    struct fixture *f = *state;
    struct cluster_change *changes;
    size_t n;

    list_and_watch(f);
    cluster_take_changes(f->cluster, &changes, &n);
    cluster_changes_free(changes, n);
    answer(200, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
           "\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
           "\"message\":\"too old resource version: 10 (30)\","
           "\"reason\":\"Expired\",\"code\":410}}\n", 64);
    assert_string_equal(path(), "/api/v1/namespaces?limit=500");
    answer(200, "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\","
           "\"metadata\":{\"resourceVersion\":\"40\"},\"items\":["
           NS("b", "4") "," NS("e", "35") "]}", 64);
    assert_model(f->cluster, "Namespace b\nNamespace e\n");
    cluster_take_changes(f->cluster, &changes, &n);
    assert_int_equal(n, 2);         /* a deleted, e added */
    cluster_changes_free(changes, n);
    assert_non_null(strstr(path(), "resourceVersion=40"));
}

/* 410 as the watch's HTTP status, and a list whose continue token
 * expired: both list from the start. */
static void
test_http_410(void **state)
{
    struct fixture *f = *state;

    list_and_watch(f);
    answer(410, "{\"kind\":\"Status\",\"code\":410}", 100);
    assert_string_equal(path(), "/api/v1/namespaces?limit=500");
    answer(200, "{\"metadata\":{\"resourceVersion\":\"50\",\"continue\":"
           "\"x\"},\"items\":[" NS("a", "3") "]}", 100);
    answer(410, "{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410}",
           100);
    assert_string_equal(path(), "/api/v1/namespaces?limit=500");
    answer(200, "{\"metadata\":{\"resourceVersion\":\"51\"},\"items\":["
           NS("a", "3") "]}", 100);
    /* b was in the first list only: the relist deleted it. */
    assert_model(f->cluster, "Namespace a\n");
}

/* A 401 re-reads the token and tries once more; a second one backs off
 * (no request until later). */
static void
test_401(void **state)
{
    struct fixture *f = *state;

    answer(401, "{\"kind\":\"Status\",\"code\":401}", 100);
    assert_int_equal(n_refreshes, 1);
    assert_string_equal(path(), "/api/v1/namespaces?limit=500");
    answer(401, "{\"kind\":\"Status\",\"code\":401}", 100);
    assert_int_equal(n_refreshes, 1);
    assert_null(current);
    kubewatch_run(f->kw);
    assert_null(current);
}

/* A cut connection backs off; the model keeps what it had. */
static void
test_cut_keeps_model(void **state)
{
    struct fixture *f = *state;
    int before;

    list_and_watch(f);
    before = n_requests;
    cut();
    assert_null(current);
    assert_int_equal(n_requests, before);
    assert_model(f->cluster, "Namespace a\nNamespace b\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_objects_skipped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_items_not_objects, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_watch_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_event, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_event_relists, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_http_410, setup, teardown),
        cmocka_unit_test_setup_teardown(test_401, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_keeps_model, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
