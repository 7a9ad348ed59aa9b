/*
 * cnimem: allocation for the plugin side, which does not link
 * libopenvswitch (and its xmalloc).  A one-shot plugin that cannot allocate
 * has no better answer than stopping, so these abort on failure, as
 * xmalloc does in the agent.
 */
#ifndef CNIMEM_H
#define CNIMEM_H 1

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *
cnimem_check(void *p)
{
    if (!p) {
        abort();
    }
    return p;
}

static inline void *
cnimem_calloc(size_t n, size_t size)
{
    return cnimem_check(calloc(n ? n : 1, size));
}

static inline void *
cnimem_malloc(size_t size)
{
    return cnimem_check(malloc(size ? size : 1));
}

/* NULL stays NULL. */
static inline char *
cnimem_strdup(const char *s)
{
    return s ? cnimem_check(strdup(s)) : NULL;
}

static inline char *
cnimem_strndup(const char *s, size_t len)
{
    return cnimem_check(strndup(s, len));
}

static inline char * __attribute__((format(printf, 1, 0)))
cnimem_vasprintf(const char *fmt, va_list args)
{
    char *s;

    if (vasprintf(&s, fmt, args) < 0) {
        abort();
    }
    return s;
}

#endif /* cnimem.h */
