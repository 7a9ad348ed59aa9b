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

static uint32_t
plen_mask(int plen)
{
    return plen ? UINT32_MAX << (32 - plen) : 0;
}

bool
ipblock_cidr_contains(const struct polflows_cidr *cidr, struct in_addr addr)
{
    uint32_t mask = plen_mask(cidr->plen);
    return (ntohl(addr.s_addr) & mask) == ntohl(cidr->addr.s_addr);
}

static bool
cidr_covers(const struct polflows_cidr *outer,
            const struct polflows_cidr *inner)
{
    return (outer->plen <= inner->plen
            && ipblock_cidr_contains(outer, inner->addr));
}

static int
cidr_compare(const void *a_, const void *b_)
{
    const struct polflows_cidr *a = a_, *b = b_;
    uint32_t x = ntohl(a->addr.s_addr), y = ntohl(b->addr.s_addr);

    if (x != y) {
        return x < y ? -1 : 1;
    }
    return a->plen - b->plen;
}

struct cidr_list {
    struct polflows_cidr *cidrs;
    size_t n, allocated;
};

static void
cidr_list_add(struct cidr_list *list, uint32_t addr, int plen)
{
    if (list->n >= list->allocated) {
        list->cidrs = x2nrealloc(list->cidrs, &list->allocated,
                                 sizeof *list->cidrs);
    }
    list->cidrs[list->n++] = (struct polflows_cidr) {
        .addr = { htonl(addr) },
        .plen = plen,
    };
}

/* Adds to 'out' what is left of 'c' once 'e' (inside it) is taken out. */
static void
split_around(const struct polflows_cidr *c, const struct polflows_cidr *e,
             struct cidr_list *out)
{
    uint32_t base = ntohl(c->addr.s_addr);
    uint32_t target = ntohl(e->addr.s_addr);

    for (int plen = c->plen + 1; plen <= e->plen; plen++) {
        uint32_t bit = UINT32_C(1) << (32 - plen);
        uint32_t other = (base & plen_mask(plen - 1)) | (~target & bit);

        cidr_list_add(out, other, plen);
        base = (base & plen_mask(plen - 1)) | (target & bit);
    }
}

void
ipblock_subtract(const struct polflows_cidr *cidr,
                 const struct polflows_cidr *except, size_t n_except,
                 struct polflows_cidr **outp, size_t *n_outp)
{
    struct cidr_list cur = { NULL, 0, 0 };

    cidr_list_add(&cur, ntohl(cidr->addr.s_addr) & plen_mask(cidr->plen),
                  cidr->plen);
    for (size_t i = 0; i < n_except; i++) {
        struct cidr_list next = { NULL, 0, 0 };

        for (size_t j = 0; j < cur.n; j++) {
            const struct polflows_cidr *c = &cur.cidrs[j];

            if (cidr_covers(&except[i], c)) {
                continue;
            } else if (cidr_covers(c, &except[i])) {
                split_around(c, &except[i], &next);
            } else {
                cidr_list_add(&next, ntohl(c->addr.s_addr), c->plen);
            }
        }
        free(cur.cidrs);
        cur = next;
    }
    if (cur.n) {
        if (cur.n) {
            qsort(cur.cidrs, cur.n, sizeof *cur.cidrs, cidr_compare);
        }
    }
    *outp = cur.cidrs;
    *n_outp = cur.n;
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

static void
to_polflows(const unsigned char addr[16], int plen,
            struct polflows_cidr *out)
{
    memcpy(&out->addr, addr, sizeof out->addr);
    out->plen = plen;
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
        if (family == AF_INET) {
            to_polflows(addr, plen, &block->except[block->n_except++]);
        }
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
    if (!block->ipv6) {
        to_polflows(addr, plen, &block->cidr);
    }
    except = json_child(obj, "except");
    if (except) {
        error = parse_except(except, path, block, addr, family, plen, err);
        if (error) {
            goto out;
        }
    }
    if (!block->ipv6) {
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
        free(block);
    }
}

static bool
cidr_equal(const struct polflows_cidr *a, const struct polflows_cidr *b)
{
    return a->addr.s_addr == b->addr.s_addr && a->plen == b->plen;
}

bool
ipblock_equal(const struct ipblock *a, const struct ipblock *b)
{
    if (a->ipv6 != b->ipv6 || !cidr_equal(&a->cidr, &b->cidr)
        || a->n_except != b->n_except) {
        return false;
    }
    for (size_t i = 0; i < a->n_except; i++) {
        if (!cidr_equal(&a->except[i], &b->except[i])) {
            return false;
        }
    }
    return true;
}
