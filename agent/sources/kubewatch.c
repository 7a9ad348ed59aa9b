#include <config.h>
#include "agent/sources/kubewatch.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "agent/sources/kubehttp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(kubewatch);

#define KUBEWATCH_PAGE 500
#define KUBEWATCH_LIST_TIMEOUT_MS 60000
#define KUBEWATCH_MAX_PAGE_BYTES (256 * 1024 * 1024)
/* The server ends a watch after this many seconds, plus up to as many
 * again at random (as client-go does, so agents do not all re-watch at
 * once). */
#define KUBEWATCH_WATCH_SECONDS 300
#define KUBEWATCH_BACKOFF_MIN_MS 500
#define KUBEWATCH_BACKOFF_MAX_MS 30000
/* Kubernetes objects nest deeply (managedFields). */
#define KUBEWATCH_JSON_DEPTH 128

enum kubewatch_state {
    KUBEWATCH_LISTING,
    KUBEWATCH_WATCHING,
    KUBEWATCH_WAITING,          /* backing off until 'next' */
};

struct kubewatch {
    const struct kubewatch_resource *res;
    struct kubehttp *http;
    struct cluster *cluster;
    enum kubewatch_state state;
    struct kubehttp_request *req;

    /* Listing. */
    struct ds page;             /* the page being received */
    char *cont;                 /* its continue token, or NULL */
    struct sset seen;           /* keys the list in progress has applied */

    /* Watching. */
    struct json_tokener *tok;
    bool skip_line;             /* after a bad event: up to the next '\n' */
    bool relist;                /* an ERROR event said 410 */

    struct sset present;        /* keys of the model's objects of the kind */
    char *rv;                   /* the last resourceVersion seen */
    bool synced;
    bool want_list;             /* what WAITING leads to */
    bool retried_401;
    int backoff_ms;
    long long int next;

    struct kubewatch_counters n;
};

static void start_list(struct kubewatch *);
static void start_watch(struct kubewatch *);

/* "ns/name", or "/name" for a cluster-scoped kind. */
static char *
object_key(const char *ns, const char *name)
{
    return xasprintf("%s/%s", ns ? ns : "", name);
}

static void
key_delete(struct kubewatch *kw, const char *key)
{
    const char *slash = strchr(key, '/');
    char *ns = xmemdup0(key, slash - key);

    cluster_delete(kw->cluster, kw->res->kind, *ns ? ns : NULL, slash + 1);
    free(ns);
}

/* Applies one object of the kind; returns its key (caller frees), or NULL
 * when it was refused (logged). */
static char *
apply_object(struct kubewatch *kw, struct json_object *obj)
{
    enum cluster_kind kind;
    const char *ns, *name;
    char *err = NULL;

    /* A list item that is not an object (a string, a number, null) is
     * refused before json-c is asked to add to it: it would abort. */
    if (!json_object_is_type(obj, json_type_object)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 10);
        VLOG_WARN_RL(&rl, "%s: list item refused: not an object",
                     kw->res->kind_name);
        return NULL;
    }
    /* List items come without their kind and apiVersion. */
    if (!json_object_object_get_ex(obj, "kind", NULL)) {
        json_object_object_add(obj, "kind",
                               json_object_new_string(kw->res->kind_name));
    }
    if (!json_object_object_get_ex(obj, "apiVersion", NULL)) {
        json_object_object_add(obj, "apiVersion",
                               json_object_new_string(kw->res->api_version));
    }
    int error = cluster_identify(obj, &kind, &ns, &name, &err);
    char *key = error || kind != kw->res->kind ? NULL : object_key(ns, name);
    if (key && cluster_apply(kw->cluster, obj, &err)) {
        free(key);
        key = NULL;
    }
    if (!key) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 10);
        VLOG_WARN_RL(&rl, "%s: object refused: %s", kw->res->kind_name,
                     err ? err : "of another kind");
    }
    free(err);
    return key;
}

static void
set_rv(struct kubewatch *kw, struct json_object *obj)
{
    struct json_object *md, *rv;

    if (json_object_object_get_ex(obj, "metadata", &md)
        && json_object_object_get_ex(md, "resourceVersion", &rv)
        && json_object_is_type(rv, json_type_string)) {
        free(kw->rv);
        kw->rv = xstrdup(json_object_get_string(rv));
    }
}

/* Waiting. */

static void
back_off(struct kubewatch *kw, bool list, const char *why)
{
    kw->n.errors++;
    kw->backoff_ms = (kw->backoff_ms
                      ? MIN(kw->backoff_ms * 2, KUBEWATCH_BACKOFF_MAX_MS)
                      : KUBEWATCH_BACKOFF_MIN_MS);
    int delay = kw->backoff_ms / 2 + random_range(kw->backoff_ms / 2 + 1);
    VLOG_WARN("%s: %s; %s again in %d ms", kw->res->kind_name, why,
              list ? "listing" : "watching", delay);
    kw->req = NULL;
    kw->state = KUBEWATCH_WAITING;
    kw->want_list = list;
    kw->next = time_msec() + delay;
}

/* A 401 re-reads the token once before backing off: a bound token
 * rotates about hourly. */
static bool
retry_401(struct kubewatch *kw, long status)
{
    char *err = NULL;

    if (status != 401 || kw->retried_401) {
        return false;
    }
    kw->retried_401 = true;
    if (kubehttp_refresh_token(kw->http, &err)) {
        VLOG_WARN("%s: 401, and the token could not be re-read: %s",
                  kw->res->kind_name, err);
        free(err);
        return false;
    }
    VLOG_INFO("%s: 401: token re-read, trying again", kw->res->kind_name);
    return true;
}

static void
progress(struct kubewatch *kw)
{
    kw->backoff_ms = 0;
    kw->retried_401 = false;
}

/* Listing. */

static void
list_body(void *kw_, long status OVS_UNUSED, const char *data, size_t len)
{
    struct kubewatch *kw = kw_;

    if (kw->page.length + len <= KUBEWATCH_MAX_PAGE_BYTES) {
        ds_put_buffer(&kw->page, data, len);
    }
}

/* The list is whole: what the model holds of the kind and the list lacks
 * was deleted meanwhile. */
static void
list_complete(struct kubewatch *kw)
{
    const char *key;

    SSET_FOR_EACH (key, &kw->present) {
        if (!sset_contains(&kw->seen, key)) {
            key_delete(kw, key);
            kw->n.deleted_by_relist++;
        }
    }
    sset_swap(&kw->present, &kw->seen);
    sset_clear(&kw->seen);
    VLOG_INFO("%s: listed %zu at resourceVersion %s", kw->res->kind_name,
              sset_count(&kw->present), kw->rv ? kw->rv : "?");
    kw->n.lists++;
    kw->synced = true;
    progress(kw);
    start_watch(kw);
}

/* Applies one page: 0, or -EPROTO when it is not a list. */
static int
list_page(struct kubewatch *kw, struct json_object *list)
{
    struct json_object *items, *md, *cont;

    if (!json_object_object_get_ex(list, "items", &items)
        || !json_object_is_type(items, json_type_array)) {
        return -EPROTO;
    }
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        char *key = apply_object(kw, json_object_array_get_idx(items, i));
        if (key) {
            sset_add_and_free(&kw->seen, key);
        }
    }
    set_rv(kw, list);
    free(kw->cont);
    kw->cont = NULL;
    if (json_object_object_get_ex(list, "metadata", &md)
        && json_object_object_get_ex(md, "continue", &cont)
        && json_object_is_type(cont, json_type_string)
        && *json_object_get_string(cont)) {
        kw->cont = xstrdup(json_object_get_string(cont));
    }
    return 0;
}

static struct json_object *
parse_page(const struct ds *page)
{
    struct json_tokener *tok = json_tokener_new_ex(KUBEWATCH_JSON_DEPTH);
    struct json_object *obj = json_tokener_parse_ex(tok, page->string,
                                                    page->length);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

/* The list stops: what it applied stays known, for the next list to
 * reconcile. */
static void
list_abandon(struct kubewatch *kw)
{
    const char *key;

    SSET_FOR_EACH (key, &kw->seen) {
        sset_add(&kw->present, key);
    }
    sset_clear(&kw->seen);
    free(kw->cont);
    kw->cont = NULL;
}

static void
list_done(void *kw_, long status, int error, const char *why)
{
    struct kubewatch *kw = kw_;
    struct json_object *list = NULL;

    kw->req = NULL;
    if (!error && status == 200 && (list = parse_page(&kw->page))
        && !list_page(kw, list)) {
        json_object_put(list);
        if (kw->cont) {
            start_list(kw);
        } else {
            list_complete(kw);
        }
        return;
    }
    json_object_put(list);
    list_abandon(kw);
    if (!error && status == 410) {
        /* The continue token expired: a fresh list. */
        VLOG_INFO("%s: list continue token expired, listing afresh",
                  kw->res->kind_name);
        start_list(kw);
    } else if (retry_401(kw, status)) {
        start_list(kw);
    } else {
        char *msg = (error ? xasprintf("list failed: %s", why)
                     : xasprintf("list answered HTTP %ld", status));
        back_off(kw, true, msg);
        free(msg);
    }
}

static const struct kubehttp_callbacks list_cbs = { list_body, list_done };

/* Percent-encodes all but RFC 3986's unreserved characters. */
static void
put_query_value(struct ds *s, const char *v)
{
    for (; *v; v++) {
        unsigned char c = *v;
        if (isalnum(c) || strchr("-._~", c)) {
            ds_put_char(s, c);
        } else {
            ds_put_format(s, "%%%02X", c);
        }
    }
}

static void
start_list(struct kubewatch *kw)
{
    struct ds path = DS_EMPTY_INITIALIZER;

    ds_put_format(&path, "%s?limit=%d", kw->res->path, KUBEWATCH_PAGE);
    if (kw->cont) {
        ds_put_cstr(&path, "&continue=");
        put_query_value(&path, kw->cont);
    }
    ds_clear(&kw->page);
    kw->state = KUBEWATCH_LISTING;
    kw->req = kubehttp_get(kw->http, ds_cstr(&path),
                           KUBEWATCH_LIST_TIMEOUT_MS, &list_cbs, kw);
    ds_destroy(&path);
}

/* Watching. */

static const char *
event_string(struct json_object *obj, const char *key)
{
    struct json_object *v;

    return (json_object_object_get_ex(obj, key, &v)
            && json_object_is_type(v, json_type_string)
            ? json_object_get_string(v) : NULL);
}

static void
watch_error_event(struct kubewatch *kw, struct json_object *status)
{
    struct json_object *code;

    if (json_object_object_get_ex(status, "code", &code)
        && json_object_get_int(code) == 410) {
        VLOG_INFO("%s: watch expired (%s): listing again", kw->res->kind_name,
                  event_string(status, "message"));
        kw->relist = true;
    } else {
        VLOG_WARN("%s: watch error: %s", kw->res->kind_name,
                  json_object_to_json_string(status));
    }
}

static void
watch_deleted(struct kubewatch *kw, struct json_object *obj)
{
    enum cluster_kind kind;
    const char *ns, *name;
    char *err = NULL;

    if (cluster_identify(obj, &kind, &ns, &name, &err)) {
        free(err);
        return;
    }
    char *key = object_key(ns, name);
    sset_find_and_delete(&kw->present, key);
    free(key);
    cluster_delete(kw->cluster, kw->res->kind, ns, name);
}

static void
watch_event(struct kubewatch *kw, struct json_object *event)
{
    const char *type = event_string(event, "type");
    struct json_object *obj;

    if (!type || !json_object_object_get_ex(event, "object", &obj)
        || !json_object_is_type(obj, json_type_object)) {
        kw->n.bad_events++;
        VLOG_WARN("%s: watch event without type or object: skipped",
                  kw->res->kind_name);
        return;
    }
    for (enum kubewatch_event e = 0; e < KUBEWATCH_N_EVENTS; e++) {
        if (!strcmp(type, kubewatch_event_name(e))) {
            kw->n.events[e]++;
        }
    }
    if (!strcmp(type, "ERROR")) {
        watch_error_event(kw, obj);
        return;
    }
    progress(kw);
    set_rv(kw, obj);
    if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
        char *key = apply_object(kw, obj);
        if (key) {
            sset_add_and_free(&kw->present, key);
        }
    } else if (!strcmp(type, "DELETED")) {
        watch_deleted(kw, obj);
    }
}

/* Feeds the stream to the tokener as it comes: an event may arrive in
 * many pieces, and several in one. */
static void
watch_body(void *kw_, long status, const char *data, size_t len)
{
    struct kubewatch *kw = kw_;

    /* Anything but 200 carries a Status, which watch_done() reads from the
     * status code alone. */
    while (status == 200 && len) {
        if (kw->skip_line) {
            const char *nl = memchr(data, '\n', len);
            if (!nl) {
                return;
            }
            len -= nl + 1 - data;
            data = nl + 1;
            kw->skip_line = false;
            continue;
        }
        struct json_object *event = json_tokener_parse_ex(kw->tok, data, len);
        enum json_tokener_error jerr = json_tokener_get_error(kw->tok);
        if (jerr == json_tokener_continue) {
            return;
        }
        size_t used = json_tokener_get_parse_end(kw->tok);
        json_tokener_reset(kw->tok);
        data += used;
        len -= used;
        if (jerr != json_tokener_success) {
            kw->n.bad_events++;
            VLOG_WARN("%s: watch event does not parse (%s): skipped",
                      kw->res->kind_name, json_tokener_error_desc(jerr));
            kw->skip_line = true;
        } else if (!json_object_is_type(event, json_type_object)) {
            kw->n.bad_events++;
        } else {
            watch_event(kw, event);
        }
        json_object_put(event);
    }
}

static void
watch_done(void *kw_, long status, int error, const char *why)
{
    struct kubewatch *kw = kw_;

    kw->req = NULL;
    if (kw->relist || (!error && status == 410)) {
        kw->relist = false;
        start_list(kw);
    } else if (!error && status == 200) {
        start_watch(kw);        /* the server's timeoutSeconds */
    } else if (retry_401(kw, status)) {
        start_watch(kw);
    } else {
        char *msg = (error ? xasprintf("watch ended: %s", why)
                     : xasprintf("watch answered HTTP %ld", status));
        back_off(kw, false, msg);
        free(msg);
    }
}

static const struct kubehttp_callbacks watch_cbs = { watch_body, watch_done };

static void
start_watch(struct kubewatch *kw)
{
    char *path = xasprintf("%s?watch=1&resourceVersion=%s"
                           "&allowWatchBookmarks=true&timeoutSeconds=%d",
                           kw->res->path, kw->rv ? kw->rv : "0",
                           KUBEWATCH_WATCH_SECONDS
                           + (int) random_range(KUBEWATCH_WATCH_SECONDS));

    json_tokener_reset(kw->tok);
    kw->skip_line = false;
    kw->relist = false;
    kw->state = KUBEWATCH_WATCHING;
    kw->n.watches++;
    kw->req = kubehttp_get(kw->http, path, 0, &watch_cbs, kw);
    free(path);
}

struct kubewatch *
kubewatch_create(const struct kubewatch_resource *res, struct kubehttp *http,
                 struct cluster *cluster)
{
    struct kubewatch *kw = xzalloc(sizeof *kw);

    kw->res = res;
    kw->http = http;
    kw->cluster = cluster;
    ds_init(&kw->page);
    sset_init(&kw->seen);
    sset_init(&kw->present);
    kw->tok = json_tokener_new_ex(KUBEWATCH_JSON_DEPTH);
    start_list(kw);
    return kw;
}

void
kubewatch_destroy(struct kubewatch *kw)
{
    if (kw) {
        if (kw->req) {
            kubehttp_cancel(kw->http, kw->req);
        }
        ds_destroy(&kw->page);
        sset_destroy(&kw->seen);
        sset_destroy(&kw->present);
        json_tokener_free(kw->tok);
        free(kw->cont);
        free(kw->rv);
        free(kw);
    }
}

void
kubewatch_run(struct kubewatch *kw)
{
    if (kw->state == KUBEWATCH_WAITING && time_msec() >= kw->next) {
        /* Without a resourceVersion there is nothing to resume from. */
        if (kw->want_list || !kw->rv) {
            start_list(kw);
        } else {
            start_watch(kw);
        }
    }
}

void
kubewatch_wait(struct kubewatch *kw)
{
    if (kw->state == KUBEWATCH_WAITING) {
        poll_timer_wait_until(kw->next);
    }
}

int
kubewatch_adopt(struct kubewatch *kw, struct json_object *obj)
{
    char *key = apply_object(kw, obj);

    if (!key) {
        return -EINVAL;
    }
    sset_add_and_free(&kw->present, key);
    return 0;
}

bool
kubewatch_synced(const struct kubewatch *kw)
{
    return kw->synced;
}

bool
kubewatch_healthy(const struct kubewatch *kw)
{
    return kw->synced && kw->state != KUBEWATCH_WAITING;
}

const char *
kubewatch_event_name(enum kubewatch_event e)
{
    static const char *const names[KUBEWATCH_N_EVENTS] = {
        "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR",
    };
    return names[e];
}

const struct kubewatch_counters *
kubewatch_counters(const struct kubewatch *kw)
{
    return &kw->n;
}

const char *
kubewatch_kind_name(const struct kubewatch *kw)
{
    return kw->res->kind_name;
}

void
kubewatch_format(const struct kubewatch *kw, struct ds *s)
{
    static const char *const states[] = {
        [KUBEWATCH_LISTING] = "listing",
        [KUBEWATCH_WATCHING] = "watching",
        [KUBEWATCH_WAITING] = "backing off",
    };
    unsigned long long events = 0;

    for (size_t e = 0; e < KUBEWATCH_N_EVENTS; e++) {
        events += kw->n.events[e];
    }
    ds_put_format(s, "%s: %s, resourceVersion %s, %zu objects, lists %llu, "
                  "watches %llu, events %llu, bad events %llu, errors %llu, "
                  "deleted by a relist %llu\n", kw->res->kind_name,
                  states[kw->state], kw->rv ? kw->rv : "-",
                  sset_count(&kw->present), kw->n.lists, kw->n.watches,
                  events, kw->n.bad_events, kw->n.errors,
                  kw->n.deleted_by_relist);
}
