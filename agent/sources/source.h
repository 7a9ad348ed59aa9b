/*
 * source: where cluster state comes from.  A source feeds a struct cluster
 * and plugs into the agent's poll loop.  The manifests folder is one
 * implementation (manifests.c), the Kubernetes API server another
 * (kubesource.c).
 */
#ifndef SOURCE_H
#define SOURCE_H 1

#include <stdbool.h>

struct cluster;
struct ds;
struct json_object;

struct source_class {
    const char *name;
    /* Does whatever is ready without blocking (reads inotify events,
     * re-reads changed files) and applies the result to the cluster. */
    void (*run)(void *impl, struct cluster *);
    /* Registers what the poll loop should wake up for (poll_fd_wait). */
    void (*wait)(void *impl);
    /* Says what the source reads and how it is doing, for the control
     * socket. */
    void (*format)(void *impl, struct ds *);
    /* Reads one Pod the model does not have yet (a CNI ADD may come before
     * the watch brings its Pod) into the model: -EINPROGRESS until it has
     * been read, or found absent, then 0.  NULL for a source that has all
     * it will ever have. */
    int (*fetch_pod)(void *impl, const char *ns, const char *name);
    /* Whether the source is in touch with where the state comes from. */
    bool (*connected)(const void *impl);
    /* Writes the agent's own status object (SeineAgentInfo: apiVersion,
     * kind, metadata.name and the fields, in json-c; not taken) where the
     * cluster can read it; NULL when the source has nowhere to write. */
    void (*publish)(void *impl, struct json_object *info);
    /* Appends the source's metric families (Prometheus text); NULL when
     * it has none. */
    void (*metrics)(void *impl, struct ds *);
    void (*destroy)(void *impl);
};

struct source {
    const struct source_class *class;
    void *impl;
};

static inline void source_run(struct source *s, struct cluster *c)
{
    s->class->run(s->impl, c);
}

static inline void source_wait(struct source *s)
{
    s->class->wait(s->impl);
}

static inline void source_format(const struct source *s, struct ds *out)
{
    s->class->format(s->impl, out);
}

static inline int source_fetch_pod(struct source *s, const char *ns,
                                   const char *name)
{
    return s->class->fetch_pod ? s->class->fetch_pod(s->impl, ns, name) : 0;
}

static inline bool source_connected(const struct source *s)
{
    return !s->class->connected || s->class->connected(s->impl);
}

static inline void source_publish(struct source *s, struct json_object *info)
{
    if (s->class->publish) {
        s->class->publish(s->impl, info);
    }
}

static inline void source_metrics(const struct source *s, struct ds *out)
{
    if (s->class->metrics) {
        s->class->metrics(s->impl, out);
    }
}

static inline void source_destroy(struct source *s)
{
    if (s && s->class) {
        s->class->destroy(s->impl);
        s->class = NULL;
    }
}
#endif /* source.h */
