/*
 * idset: a set of 64-bit ids, open addressing in one array: no allocation
 * per member, 8 to 16 bytes each.
 *
 * For sets that grow to many thousands of members and are built and
 * thrown away often, where an sset's copy and node per member would cost
 * more than the work that fills it.
 */
#ifndef IDSET_H
#define IDSET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idset {
    uint64_t *slots;            /* 0: empty; NULL while nothing is in */
    size_t mask;                /* number of slots - 1 */
    size_t n;                   /* members other than 0 */
    bool has_zero;
};

#define IDSET_INITIALIZER { NULL, 0, 0, false }

void idset_init(struct idset *);
void idset_destroy(struct idset *);
void idset_add(struct idset *, uint64_t id);
bool idset_contains(const struct idset *, uint64_t id);
size_t idset_count(const struct idset *);

/* An id for string 's': two 32-bit hashes, so distinct strings of one set
 * share an id with a chance of about n / 2^64. */
uint64_t idset_string_id(const char *s);

#endif /* idset.h */
