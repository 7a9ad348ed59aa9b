/*
 * kubewatch: one kind of object kept in the cluster model from the API
 * server, by list then watch (client-go's reflector).
 *
 * The list is read in pages ('limit', 'continue'); once the last page is
 * in, objects of the kind that the model holds from an earlier list or
 * watch but the new list lacks are deleted, once each: that is how an
 * object deleted while the agent was away leaves the model.  The watch
 * starts from the list's resourceVersion with bookmarks, resumes from the
 * last resourceVersion seen after a normal close or a cut connection, and
 * lists again on 410 Gone (an HTTP status or an ERROR event).  Events are
 * decoded as they arrive; one that does not parse is logged and skipped,
 * the stream goes on.  Errors back off exponentially with jitter; the
 * model is never emptied on a disconnect.
 */
#ifndef KUBEWATCH_H
#define KUBEWATCH_H 1

#include <stdbool.h>
#include <stdint.h>

#include "agent/model/cluster.h"

struct ds;
struct kubehttp;
struct kubewatch;

struct kubewatch_resource {
    enum cluster_kind kind;
    const char *api_version;    /* of its objects: "v1", "networking..." */
    const char *kind_name;      /* "Pod" */
    const char *path;           /* "/api/v1/pods" */
};

/* Starts listing 'res' into 'cluster' (both must outlive the result). */
struct kubewatch *kubewatch_create(const struct kubewatch_resource *,
                                   struct kubehttp *, struct cluster *);
void kubewatch_destroy(struct kubewatch *);

/* Starts the next step when its time has come (backoff). */
void kubewatch_run(struct kubewatch *);
void kubewatch_wait(struct kubewatch *);

/* Applies 'obj', an object of the kind read elsewhere (a single GET), as
 * if the watch had brought it: a later relist removes it if it is gone.
 * 0, or -EINVAL when the model refused it (logged). */
struct json_object;
int kubewatch_adopt(struct kubewatch *, struct json_object *obj);

/* True once a whole list has been applied. */
bool kubewatch_synced(const struct kubewatch *);
/* True when synced and not backing off after an error. */
bool kubewatch_healthy(const struct kubewatch *);

/* Watch events by type. */
enum kubewatch_event {
    KUBEWATCH_ADDED, KUBEWATCH_MODIFIED, KUBEWATCH_DELETED,
    KUBEWATCH_BOOKMARK, KUBEWATCH_ERROR, KUBEWATCH_N_EVENTS
};
const char *kubewatch_event_name(enum kubewatch_event);

struct kubewatch_counters {
    unsigned long long lists;       /* whole lists applied */
    unsigned long long watches;     /* watches started */
    unsigned long long events[KUBEWATCH_N_EVENTS];
    unsigned long long bad_events;  /* that did not parse */
    unsigned long long errors;      /* failed requests, each backed off */
    unsigned long long deleted_by_relist;
};
const struct kubewatch_counters *kubewatch_counters(const struct kubewatch *);
const char *kubewatch_kind_name(const struct kubewatch *);

/* One line: the kind, its state, resourceVersion and counters. */
void kubewatch_format(const struct kubewatch *, struct ds *);

#endif /* kubewatch.h */
