/*
 * source: where cluster state comes from.  A source feeds a struct cluster
 * and plugs into the agent's poll loop.  The manifests folder is one
 * implementation (manifests.c), the Kubernetes API server another
 * (kubesource.c).
 */
#ifndef SOURCE_H
#define SOURCE_H 1

struct cluster;
struct ds;

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

static inline void source_destroy(struct source *s)
{
    if (s && s->class) {
        s->class->destroy(s->impl);
        s->class = NULL;
    }
}
#endif /* source.h */
