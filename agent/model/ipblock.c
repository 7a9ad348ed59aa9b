/*
 * ipBlock arithmetic.
 *
 * Subtraction works on a list of disjoint CIDRs, starting with the block's
 * own.  Each except either misses a CIDR of the list (kept), covers it
 * (dropped), or lies inside it: then the CIDR is split in halves down to the
 * except's prefix length, keeping at each level the half the except is not
 * in.  A CIDR is only ever split because an except lies inside it, so no two
 * results are halves of one CIDR that lies wholly in the block: the result is
 * the set of maximal aligned blocks, which is the unique minimal cover.
 */
#include <config.h>
#include "agent/model/ipblock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The arithmetic works on prefixes of either family as bytes in network
 * order, of which a family uses 'n_bytes'; 'struct layout' says where an
 * IPv4 or IPv6 CIDR keeps its address and prefix length. */
struct prefix {
    uint8_t addr[16];
    int plen;
};

struct layout {
    size_t size;                /* of one CIDR */
    size_t plen_ofs;            /* its prefix length's offset */
    int n_bytes;                /* of its address, at offset 0 */
};

static const struct layout layout4 = {
    sizeof(struct polflows_cidr), offsetof(struct polflows_cidr, plen), 4,
};
static const struct layout layout6 = {
    sizeof(struct polflows_cidr6), offsetof(struct polflows_cidr6, plen), 16,
};

static struct prefix
to_prefix(const void *cidr, const struct layout *l)
{
    struct prefix p;

    memset(&p, 0, sizeof p);
    memcpy(p.addr, cidr, l->n_bytes);
    memcpy(&p.plen, (const char *) cidr + l->plen_ofs, sizeof p.plen);
    return p;
}

static void
from_prefix(void *cidr, const struct prefix *p, const struct layout *l)
{
    memset(cidr, 0, l->size);
    memcpy(cidr, p->addr, l->n_bytes);
    memcpy((char *) cidr + l->plen_ofs, &p->plen, sizeof p->plen);
}

static bool
bit_get(const uint8_t *addr, int i)
{
    return addr[i / 8] & (0x80 >> (i % 8));
}

static void
bit_put(uint8_t *addr, int i, bool value)
{
    uint8_t bit = 0x80 >> (i % 8);
    addr[i / 8] = value ? addr[i / 8] | bit : addr[i / 8] & ~bit;
}

/* Clears the bits of 'addr' after the first 'plen'. */
static void
mask_to(uint8_t addr[16], int plen)
{
    for (int i = plen; i < 128; i++) {
        bit_put(addr, i, false);
    }
}

/* Whether the first 'plen' bits of 'a' and 'b' are equal. */
static bool
same_bits(const uint8_t *a, const uint8_t *b, int plen)
{
    for (int i = 0; i < plen; i++) {
        if (bit_get(a, i) != bit_get(b, i)) {
            return false;
        }
    }
    return true;
}

static bool
prefix_covers(const struct prefix *outer, const struct prefix *inner)
{
    return (outer->plen <= inner->plen
            && same_bits(outer->addr, inner->addr, outer->plen));
}

static int
prefix_compare(const void *a_, const void *b_)
{
    const struct prefix *a = a_, *b = b_;
    int cmp = memcmp(a->addr, b->addr, sizeof a->addr);

    return cmp ? cmp : a->plen - b->plen;
}

struct prefix_list {
    struct prefix *prefixes;
    size_t n, allocated;
};

static void
prefix_list_add(struct prefix_list *list, const struct prefix *p)
{
    if (list->n >= list->allocated) {
        list->prefixes = x2nrealloc(list->prefixes, &list->allocated,
                                    sizeof *list->prefixes);
    }
    list->prefixes[list->n++] = *p;
}

/* Adds to 'out' what is left of 'c' once 'e' (inside it) is taken out:
 * at each prefix length down to the except's, the half it is not in. */
static void
split_around(const struct prefix *c, const struct prefix *e,
             struct prefix_list *out)
{
    struct prefix base = *c;

    for (int plen = c->plen + 1; plen <= e->plen; plen++) {
        bool bit = bit_get(e->addr, plen - 1);
        struct prefix other = base;

        mask_to(other.addr, plen - 1);
        bit_put(other.addr, plen - 1, !bit);
        other.plen = plen;
        prefix_list_add(out, &other);
        mask_to(base.addr, plen - 1);
        bit_put(base.addr, plen - 1, bit);
    }
}

/* 'cidr' minus 'except' ('n_except' CIDRs of layout 'l') as a new sorted
 * array of CIDRs of that layout. */
static void
subtract(const void *cidr, const void *except, size_t n_except,
         const struct layout *l, void **outp, size_t *n_outp)
{
    struct prefix_list cur = { NULL, 0, 0 };
    struct prefix first = to_prefix(cidr, l);
    char *out;

    mask_to(first.addr, first.plen);
    prefix_list_add(&cur, &first);
    for (size_t i = 0; i < n_except; i++) {
        struct prefix e = to_prefix((const char *) except + i * l->size, l);
        struct prefix_list next = { NULL, 0, 0 };

        for (size_t j = 0; j < cur.n; j++) {
            const struct prefix *c = &cur.prefixes[j];

            if (prefix_covers(&e, c)) {
                continue;
            } else if (prefix_covers(c, &e)) {
                split_around(c, &e, &next);
            } else {
                prefix_list_add(&next, c);
            }
        }
        free(cur.prefixes);
        cur = next;
    }
    if (cur.n) {
        qsort(cur.prefixes, cur.n, sizeof *cur.prefixes, prefix_compare);
    }
    out = xmalloc(MAX(cur.n, 1) * l->size);
    for (size_t i = 0; i < cur.n; i++) {
        from_prefix(out + i * l->size, &cur.prefixes[i], l);
    }
    free(cur.prefixes);
    *outp = out;
    *n_outp = cur.n;
}

void
ipblock_subtract(const struct polflows_cidr *cidr,
                 const struct polflows_cidr *except, size_t n_except,
                 struct polflows_cidr **outp, size_t *n_outp)
{
    void *out;

    subtract(cidr, except, n_except, &layout4, &out, n_outp);
    *outp = out;
}

void
ipblock_subtract6(const struct polflows_cidr6 *cidr,
                  const struct polflows_cidr6 *except, size_t n_except,
                  struct polflows_cidr6 **outp, size_t *n_outp)
{
    void *out;

    subtract(cidr, except, n_except, &layout6, &out, n_outp);
    *outp = out;
}

bool
ipblock_cidr_contains(const struct polflows_cidr *cidr, struct in_addr addr)
{
    return same_bits((const uint8_t *) &cidr->addr,
                     (const uint8_t *) &addr, cidr->plen);
}

bool
ipblock_cidr6_contains(const struct polflows_cidr6 *cidr,
                       const struct in6_addr *addr)
{
    return same_bits(cidr->addr.s6_addr, addr->s6_addr, cidr->plen);
}

bool
ipblock_contains(const struct ipblock *block, struct in_addr addr)
{
    for (size_t i = 0; i < block->n_ranges; i++) {
        if (ipblock_cidr_contains(&block->ranges[i], addr)) {
            return true;
        }
    }
    return false;
}

bool
ipblock_contains6(const struct ipblock *block, const struct in6_addr *addr)
{
    for (size_t i = 0; i < block->n_ranges6; i++) {
        if (ipblock_cidr6_contains(&block->ranges6[i], addr)) {
            return true;
        }
    }
    return false;
}

/* Parsing. */

int
ipblock_parse_cidr(const char *s, int *family, unsigned char addr[16],
                   int *plen, char **err)
{
    const char *slash = strchr(s, '/');
    char host[INET6_ADDRSTRLEN];
    size_t host_len = slash ? (size_t) (slash - s) : 0;
    int max, n_bytes;
    char *end;
    long len;

    if (!slash || !host_len || host_len >= sizeof host) {
        goto bad;
    }
    memcpy(host, s, host_len);
    host[host_len] = '\0';
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, host, addr) == 1) {
        *family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, host, addr) == 1) {
        *family = AF_INET6;
        max = 128;
    } else {
        goto bad;
    }
    if (slash[1] < '0' || slash[1] > '9') {
        goto bad;
    }
    len = strtol(slash + 1, &end, 10);
    if (*end || len > max) {
        goto bad;
    }
    *plen = len;
    n_bytes = max / 8;
    for (int i = 0; i < n_bytes; i++) {
        int keep = *plen - i * 8;
        addr[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : 0xff << (8 - keep);
    }
    return 0;

bad:
    *err = xasprintf("'%s' is not a valid CIDR (e.g. 10.9.8.0/24 or "
                     "2001:db8::/64)", s);
    return -EINVAL;
}

/* Whether prefix 'inner' lies in prefix 'outer' and is longer (both
 * already masked, same family). */
static bool
prefix_strict_subset(const unsigned char outer[16], int outer_plen,
                     const unsigned char inner[16], int inner_plen)
{
    if (inner_plen <= outer_plen) {
        return false;
    }
    for (int i = 0; i < outer_plen; i++) {
        int bit = 0x80 >> (i % 8);
        if ((outer[i / 8] & bit) != (inner[i / 8] & bit)) {
            return false;
        }
    }
    return true;
}

static struct json_object *
json_child(struct json_object *obj, const char *key)
{
    struct json_object *v;
    return (json_object_object_get_ex(obj, key, &v)
            && !json_object_is_type(v, json_type_null) ? v : NULL);
}

static int
parse_field_cidr(struct json_object *v, const char *path, int *family,
                 unsigned char addr[16], int *plen, char **err)
{
    char *cidr_err = NULL;
    int error;

    if (!json_object_is_type(v, json_type_string)) {
        *err = xasprintf("%s: not a string", path);
        return -EINVAL;
    }
    error = ipblock_parse_cidr(json_object_get_string(v), family, addr, plen,
                               &cidr_err);
    if (error) {
        *err = xasprintf("%s: %s", path, cidr_err);
        free(cidr_err);
    }
    return error;
}

/* Keeps CIDR 'addr'/'plen' of 'family' as the 'n'th of 'v4' or 'v6' and
 * counts it. */
static void
keep_cidr(int family, const unsigned char addr[16], int plen,
          struct polflows_cidr *v4, size_t *n_v4,
          struct polflows_cidr6 *v6, size_t *n_v6)
{
    struct prefix p = { .plen = plen };

    memcpy(p.addr, addr, sizeof p.addr);
    if (family == AF_INET) {
        from_prefix(&v4[(*n_v4)++], &p, &layout4);
    } else {
        from_prefix(&v6[(*n_v6)++], &p, &layout6);
    }
}

static int
parse_except(struct json_object *list, const char *path,
             struct ipblock *block, const unsigned char cidr[16],
             int cidr_family, int cidr_plen, char **err)
{
    size_t n;

    if (!json_object_is_type(list, json_type_array)) {
        *err = xasprintf("%s.except: not a list", path);
        return -EINVAL;
    }
    n = json_object_array_length(list);
    block->except = xcalloc(n + 1, sizeof *block->except);
    block->except6 = xcalloc(n + 1, sizeof *block->except6);
    for (size_t i = 0; i < n; i++) {
        char *elem_path = xasprintf("%s.except[%zu]", path, i);
        unsigned char addr[16];
        int family, plen;
        int error = parse_field_cidr(json_object_array_get_idx(list, i),
                                     elem_path, &family, addr, &plen, err);

        if (!error && (family != cidr_family
                       || !prefix_strict_subset(cidr, cidr_plen, addr,
                                                plen))) {
            *err = xasprintf("%s: '%s' must be a strict subset of `cidr`",
                             elem_path, json_object_get_string(
                                 json_object_array_get_idx(list, i)));
            error = -EINVAL;
        }
        free(elem_path);
        if (error) {
            return error;
        }
        keep_cidr(family, addr, plen, block->except, &block->n_except,
                  block->except6, &block->n_except6);
    }
    return 0;
}

int
ipblock_parse(struct json_object *obj, const char *path,
              struct ipblock **blockp, char **err)
{
    struct ipblock *block = xzalloc(sizeof *block);
    struct json_object *cidr, *except;
    unsigned char addr[16];
    size_t n_cidr = 0, n_cidr6 = 0;     /* one of them becomes 1 */
    int family, plen;
    char *cidr_path = xasprintf("%s.cidr", path);
    int error;

    *blockp = NULL;
    if (!json_object_is_type(obj, json_type_object)) {
        *err = xasprintf("%s: not a mapping", path);
        error = -EINVAL;
        goto out;
    }
    cidr = json_child(obj, "cidr");
    if (!cidr || (json_object_is_type(cidr, json_type_string)
                  && !json_object_get_string_len(cidr))) {
        *err = xasprintf("%s: required", cidr_path);
        error = -EINVAL;
        goto out;
    }
    error = parse_field_cidr(cidr, cidr_path, &family, addr, &plen, err);
    if (error) {
        goto out;
    }
    block->ipv6 = family == AF_INET6;
    keep_cidr(family, addr, plen, &block->cidr, &n_cidr, &block->cidr6,
              &n_cidr6);
    except = json_child(obj, "except");
    if (except) {
        error = parse_except(except, path, block, addr, family, plen, err);
        if (error) {
            goto out;
        }
    }
    if (block->ipv6) {
        ipblock_subtract6(&block->cidr6, block->except6, block->n_except6,
                          &block->ranges6, &block->n_ranges6);
    } else {
        ipblock_subtract(&block->cidr, block->except, block->n_except,
                         &block->ranges, &block->n_ranges);
    }

out:
    free(cidr_path);
    if (error) {
        ipblock_destroy(block);
        return error;
    }
    *blockp = block;
    return 0;
}

void
ipblock_destroy(struct ipblock *block)
{
    if (block) {
        free(block->except);
        free(block->ranges);
        free(block->except6);
        free(block->ranges6);
        free(block);
    }
}

/* Whether the 'n' CIDRs of layout 'l' at 'a' and 'b' are the same. */
static bool
cidrs_equal(const void *a, const void *b, size_t n, const struct layout *l)
{
    for (size_t i = 0; i < n; i++) {
        struct prefix x = to_prefix((const char *) a + i * l->size, l);
        struct prefix y = to_prefix((const char *) b + i * l->size, l);

        if (prefix_compare(&x, &y)) {
            return false;
        }
    }
    return true;
}

bool
ipblock_equal(const struct ipblock *a, const struct ipblock *b)
{
    return (a->ipv6 == b->ipv6
            && a->n_except == b->n_except && a->n_except6 == b->n_except6
            && cidrs_equal(&a->cidr, &b->cidr, 1, &layout4)
            && cidrs_equal(&a->cidr6, &b->cidr6, 1, &layout6)
            && cidrs_equal(a->except, b->except, a->n_except, &layout4)
            && cidrs_equal(a->except6, b->except6, a->n_except6, &layout6));
}
