/*
 * vec: a growable array of elements of one size, and the sort that makes
 * an array an ordered set (sorted, no duplicates), so that two built from
 * the same elements in any order compare equal.
 */
#ifndef VEC_H
#define VEC_H 1

#include <stddef.h>

struct vec {
    void *data;
    size_t n, allocated, size;
};

#define VEC_INIT(TYPE) { NULL, 0, 0, sizeof(TYPE) }

/* Appends a copy of 'elem' (v->size bytes); returns where it went. */
void *vec_push(struct vec *, const void *elem);

/* A copy of 'v' with its own storage (never NULL, even when empty). */
struct vec vec_clone(const struct vec *v);

/* Sorts the 'n' elements of 'size' bytes at 'base' by 'compare' and drops
 * duplicates; returns the new count. */
size_t vec_sort_unique_array(void *base, size_t n, size_t size,
                             int (*compare)(const void *, const void *));

/* The same for the elements of 'v'. */
void vec_sort_unique(struct vec *v, int (*compare)(const void *, const void *));

#endif /* vec.h */
