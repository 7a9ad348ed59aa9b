/*
 * Interned strings: an hmap of entries that carry their text, so a string
 * leads back to its entry without a lookup.
 */
#include <config.h>
#include "agent/lib/strpool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "util.h"

struct strpool_entry {
    struct hmap_node node;
    uint32_t refs;
    char s[];
};

struct strpool {
    struct hmap strings;
};

struct strpool *
strpool_create(void)
{
    struct strpool *pool = xmalloc(sizeof *pool);

    hmap_init(&pool->strings);
    return pool;
}

void
strpool_destroy(struct strpool *pool)
{
    struct strpool_entry *e;

    if (!pool) {
        return;
    }
    HMAP_FOR_EACH_POP (e, node, &pool->strings) {
        free(e);
    }
    hmap_destroy(&pool->strings);
    free(pool);
}

const char *
strpool_ref(struct strpool *pool, const char *s)
{
    struct strpool_entry *e;
    size_t len;
    uint32_t hash;

    if (!s) {
        return NULL;
    }
    len = strlen(s);
    hash = hash_bytes(s, len, 0);
    HMAP_FOR_EACH_WITH_HASH (e, node, hash, &pool->strings) {
        if (!strcmp(e->s, s)) {
            e->refs++;
            return e->s;
        }
    }
    e = xmalloc(sizeof *e + len + 1);
    memcpy(e->s, s, len + 1);
    e->refs = 1;
    hmap_insert(&pool->strings, &e->node, hash);
    return e->s;
}

void
strpool_unref(struct strpool *pool, const char *s)
{
    struct strpool_entry *e;

    if (!s) {
        return;
    }
    e = CONTAINER_OF(s, struct strpool_entry, s);
    if (!--e->refs) {
        hmap_remove(&pool->strings, &e->node);
        free(e);
    }
}

size_t
strpool_count(const struct strpool *pool)
{
    return hmap_count(&pool->strings);
}
