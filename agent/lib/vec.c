#include <config.h>
#include "agent/lib/vec.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void *
vec_push(struct vec *v, const void *elem)
{
    if (v->n >= v->allocated) {
        v->data = x2nrealloc(v->data, &v->allocated, v->size);
    }
    void *slot = (char *) v->data + v->n++ * v->size;
    memcpy(slot, elem, v->size);
    return slot;
}

struct vec
vec_clone(const struct vec *v)
{
    struct vec copy = *v;
    size_t n_bytes = v->n * v->size;

    copy.data = xmalloc(n_bytes ? n_bytes : 1);
    if (n_bytes) {
        memcpy(copy.data, v->data, n_bytes);
    }
    copy.allocated = v->n;
    return copy;
}

size_t
vec_sort_unique_array(void *base, size_t n, size_t size,
                      int (*compare)(const void *, const void *))
{
    char *p = base;
    size_t out = 0;

    if (!n) {
        return 0;
    }
    qsort(base, n, size, compare);
    for (size_t i = 0; i < n; i++) {
        if (!out || compare(p + (out - 1) * size, p + i * size)) {
            memmove(p + out * size, p + i * size, size);
            out++;
        }
    }
    return out;
}

void
vec_sort_unique(struct vec *v, int (*compare)(const void *, const void *))
{
    v->n = vec_sort_unique_array(v->data, v->n, v->size, compare);
}
