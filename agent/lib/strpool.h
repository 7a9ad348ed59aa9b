/*
 * strpool: interned strings with reference counts.
 *
 * A model of a whole cluster holds the same few strings (namespace and node
 * names, label keys and values) in every one of its objects; a pool keeps
 * one copy of each.  Two strings of one pool are equal exactly when their
 * pointers are, so comparisons need no strcmp().
 */
#ifndef STRPOOL_H
#define STRPOOL_H 1

#include <stddef.h>

struct strpool;

struct strpool *strpool_create(void);
/* Frees the pool and every string still in it. */
void strpool_destroy(struct strpool *);

/* The pool's copy of 's', with one more reference; NULL for NULL. */
const char *strpool_ref(struct strpool *, const char *s);
/* Drops one reference to 's', a string strpool_ref() returned (or NULL),
 * freeing it with the last. */
void strpool_unref(struct strpool *, const char *s);
/* Distinct strings in the pool. */
size_t strpool_count(const struct strpool *);

#endif /* strpool.h */
