#include <config.h>
#include "pmd-config/cpuset.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

void
cpuset_clear(struct cpuset *s)
{
    memset(s, 0, sizeof *s);
}

void
cpuset_add(struct cpuset *s, int cpu)
{
    if (cpu >= 0 && cpu < CPUSET_MAX) {
        s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
    }
}

void
cpuset_remove(struct cpuset *s, int cpu)
{
    if (cpu >= 0 && cpu < CPUSET_MAX) {
        s->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
    }
}

bool
cpuset_has(const struct cpuset *s, int cpu)
{
    return (cpu >= 0 && cpu < CPUSET_MAX
            && (s->bits[cpu / 64] >> (cpu % 64)) & 1);
}

int
cpuset_count(const struct cpuset *s)
{
    int n = 0;

    for (size_t i = 0; i < ARRAY_SIZE(s->bits); i++) {
        n += count_1bits(s->bits[i]);
    }
    return n;
}

bool
cpuset_is_empty(const struct cpuset *s)
{
    return cpuset_next(s, -1) < 0;
}

bool
cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
    return !memcmp(a->bits, b->bits, sizeof a->bits);
}

bool
cpuset_is_subset(const struct cpuset *a, const struct cpuset *b)
{
    for (size_t i = 0; i < ARRAY_SIZE(a->bits); i++) {
        if (a->bits[i] & ~b->bits[i]) {
            return false;
        }
    }
    return true;
}

int
cpuset_next(const struct cpuset *s, int cpu)
{
    for (int c = cpu + 1; c < CPUSET_MAX; c++) {
        uint64_t word = s->bits[c / 64] >> (c % 64);
        if (word) {
            return c + raw_ctz(word);
        }
        c |= 63;
    }
    return -1;
}

void
cpuset_or(struct cpuset *dst, const struct cpuset *src)
{
    for (size_t i = 0; i < ARRAY_SIZE(dst->bits); i++) {
        dst->bits[i] |= src->bits[i];
    }
}

void
cpuset_minus(struct cpuset *dst, const struct cpuset *src)
{
    for (size_t i = 0; i < ARRAY_SIZE(dst->bits); i++) {
        dst->bits[i] &= ~src->bits[i];
    }
}

void
cpuset_and(struct cpuset *dst, const struct cpuset *src)
{
    for (size_t i = 0; i < ARRAY_SIZE(dst->bits); i++) {
        dst->bits[i] &= src->bits[i];
    }
}

/* A CPU number at '*p', advancing it: the number, or a negative errno. */
static int
parse_cpu(const char **p)
{
    char *end;
    long n;

    if (!isdigit((unsigned char) **p)) {
        return -EINVAL;
    }
    errno = 0;
    n = strtol(*p, &end, 10);
    *p = end;
    return errno || n >= CPUSET_MAX ? -ERANGE : (int) n;
}

int
cpuset_parse_list(const char *text, struct cpuset *s)
{
    const char *p = text + strspn(text, " \t");

    cpuset_clear(s);
    while (*p && *p != '\n') {
        int first = parse_cpu(&p), last = first;
        if (first >= 0 && *p == '-') {
            p++;
            last = parse_cpu(&p);
        }
        if (first < 0 || last < 0) {
            return first < 0 ? first : last;
        }
        if (last < first) {
            return -EINVAL;
        }
        for (int c = first; c <= last; c++) {
            cpuset_add(s, c);
        }
        p += strspn(p, " \t");
        if (*p == ',') {
            p++;
        } else if (*p && *p != '\n') {
            return -EINVAL;
        }
    }
    return 0;
}

int
cpuset_parse_mask(const char *text, struct cpuset *s)
{
    const char *p = text;
    size_t len;

    cpuset_clear(s);
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
    }
    len = strlen(p);
    if (!len || strspn(p, "0123456789abcdefABCDEF") != len) {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        int nibble = hexit_value(p[len - 1 - i]);
        for (int b = 0; b < 4; b++) {
            if (nibble & (1 << b)) {
                if (i * 4 + b >= CPUSET_MAX) {
                    return -ERANGE;
                }
                cpuset_add(s, i * 4 + b);
            }
        }
    }
    return 0;
}

void
cpuset_format_list(const struct cpuset *s, struct ds *out)
{
    bool first = true;

    for (int c = cpuset_next(s, -1); c >= 0; c = cpuset_next(s, c)) {
        int last = c;
        while (cpuset_has(s, last + 1)) {
            last++;
        }
        ds_put_format(out, "%s%d", first ? "" : ",", c);
        if (last > c) {
            ds_put_format(out, "-%d", last);
        }
        first = false;
        c = last;
    }
}

void
cpuset_format_mask(const struct cpuset *s, struct ds *out)
{
    int top = -1;

    CPUSET_FOR_EACH (c, s) {
        top = c;
    }
    ds_put_cstr(out, "0x");
    for (int nib = MAX(top, 0) / 4; nib >= 0; nib--) {
        int v = 0;
        for (int b = 0; b < 4; b++) {
            v |= cpuset_has(s, nib * 4 + b) << b;
        }
        ds_put_char(out, "0123456789abcdef"[v]);
    }
}

char *
cpuset_list(const struct cpuset *s)
{
    struct ds out = DS_EMPTY_INITIALIZER;

    cpuset_format_list(s, &out);
    return ds_steal_cstr(&out);
}

char *
cpuset_mask(const struct cpuset *s)
{
    struct ds out = DS_EMPTY_INITIALIZER;

    cpuset_format_mask(s, &out);
    return ds_steal_cstr(&out);
}
