/*
 * Sets of 64-bit ids: linear probing, the table doubled at half full.  Ids
 * are spread by a multiplicative hash, so sequential ids probe well too.
 */
#include <config.h>
#include "agent/lib/idset.h"

#include <stdlib.h>

#include "hash.h"
#include "util.h"

void
idset_init(struct idset *set)
{
    *set = (struct idset) IDSET_INITIALIZER;
}

void
idset_destroy(struct idset *set)
{
    free(set->slots);
    idset_init(set);
}

static size_t
slot_of(const struct idset *set, uint64_t id)
{
    return (id * UINT64_C(0x9e3779b97f4a7c15)) >> 32 & set->mask;
}

static void
insert(struct idset *set, uint64_t id)
{
    size_t i = slot_of(set, id);

    while (set->slots[i] && set->slots[i] != id) {
        i = (i + 1) & set->mask;
    }
    if (!set->slots[i]) {
        set->slots[i] = id;
        set->n++;
    }
}

static void
grow(struct idset *set)
{
    uint64_t *old = set->slots;
    size_t n_old = old ? set->mask + 1 : 0;

    set->mask = n_old ? 2 * n_old - 1 : 15;
    set->slots = xcalloc(set->mask + 1, sizeof *set->slots);
    set->n = 0;
    for (size_t i = 0; i < n_old; i++) {
        if (old[i]) {
            insert(set, old[i]);
        }
    }
    free(old);
}

void
idset_add(struct idset *set, uint64_t id)
{
    if (!id) {
        set->has_zero = true;
        return;
    }
    if (!set->slots || 2 * (set->n + 1) > set->mask + 1) {
        grow(set);
    }
    insert(set, id);
}

bool
idset_contains(const struct idset *set, uint64_t id)
{
    size_t i;

    if (!id) {
        return set->has_zero;
    }
    if (!set->slots) {
        return false;
    }
    for (i = slot_of(set, id); set->slots[i]; i = (i + 1) & set->mask) {
        if (set->slots[i] == id) {
            return true;
        }
    }
    return false;
}

size_t
idset_count(const struct idset *set)
{
    return set->n + set->has_zero;
}

uint64_t
idset_string_id(const char *s)
{
    return (uint64_t) hash_string(s, 0) << 32 | hash_string(s, 1);
}
