#include <config.h>
#include "seinectl/redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* A text being read: [p, end). */
struct span {
    const char *p, *end;
};

static const char *
find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);

    for (; end - p >= (ptrdiff_t) n; p++) {
        if (!memcmp(p, needle, n)) {
            return p;
        }
    }
    return NULL;
}

/* The end of the PEM marker line at 'p' ("-----BEGIN " or "-----END "
 * already matched) if it is one of a private key, else NULL. */
static const char *
private_key_marker_end(const char *p, const char *end)
{
    const char *eol = memchr(p, '\n', end - p);
    const char *close;

    eol = eol ? eol : end;
    close = find(p + 5, eol, "-----");
    if (!close || !find(p, close, "PRIVATE KEY")) {
        return NULL;
    }
    return close + 5;
}

/* The blanks before 'p' on its line when only blanks precede it there,
 * else 'p': where its line's indentation starts. */
static const char *
indent_start(const char *p, const char *start)
{
    const char *q = p;

    while (q > start && (q[-1] == ' ' || q[-1] == '\t')) {
        q--;
    }
    return q == start || q[-1] == '\n' ? q : p;
}

/* The END marker of the private key whose body starts at 'body', or
 * NULL. */
static const char *
pem_end(const char *body, const char *end)
{
    for (const char *e = find(body, end, "-----END "); e;
         e = find(e + 1, end, "-----END ")) {
        if (private_key_marker_end(e, end)) {
            return e;
        }
    }
    return NULL;
}

/* Whether [p, end) is REDACTED between blanks: a key redacted before. */
static bool
is_redacted(const char *p, const char *end)
{
    while (p < end && isspace((unsigned char) *p)) {
        p++;
    }
    while (end > p && isspace((unsigned char) end[-1])) {
        end--;
    }
    return end - p == strlen(REDACTED) && !memcmp(p, REDACTED, end - p);
}

/* Redacts the body of the first private key in 'in', keeping its marker
 * lines and their indentation (a key in a YAML block scalar stays one),
 * and advances 'in' past what it wrote to 'out'.  False when there is no
 * BEGIN marker left. */
static bool
redact_one_pem(struct span *in, struct ds *out, size_t *n)
{
    const char *begin = find(in->p, in->end, "-----BEGIN ");
    const char *body = begin ? private_key_marker_end(begin, in->end) : NULL;

    if (!begin) {
        return false;
    }
    if (!body) {
        ds_put_buffer(out, in->p, begin + 1 - in->p);
        in->p = begin + 1;
        return true;
    }
    const char *indent = indent_start(begin, in->p);
    const char *e = pem_end(body, in->end);
    const char *next = e ? indent_start(e, body) : in->end;

    ds_put_buffer(out, in->p, body - in->p);
    ds_put_char(out, '\n');
    ds_put_buffer(out, indent, begin - indent);
    ds_put_cstr(out, REDACTED "\n");
    *n += !is_redacted(body, next);
    in->p = next;
    return true;
}

/* The first private key END marker in 'in' when no BEGIN comes before
 * it, else NULL. */
static const char *
orphan_end(struct span in)
{
    for (const char *p = in.p; (p = find(p, in.end, "-----")); p++) {
        bool end = !strncmp(p + 5, "END ", 4);
        if ((end || !strncmp(p + 5, "BEGIN ", 6))
            && private_key_marker_end(p, in.end)) {
            return end ? p : NULL;
        }
    }
    return NULL;
}

static void
redact_pem(struct span in, struct ds *out, size_t *n)
{
    const char *orphan = orphan_end(in);

    /* A text cut out of a longer one (a log's tail) may start inside a
     * key: everything before that key's END is its body. */
    if (orphan) {
        ds_put_cstr(out, REDACTED "\n");
        (*n)++;
        in.p = indent_start(orphan, in.p);
    }
    while (redact_one_pem(&in, out, n)) {
        continue;
    }
    ds_put_buffer(out, in.p, in.end - in.p);
}

static bool
is_word(char c)
{
    return isalnum((unsigned char) c) || c == '_';
}

/* The characters of an OAuth bearer token (RFC 6750's b64token). */
static bool
is_token_char(char c)
{
    return isalnum((unsigned char) c) || strchr("-._~+/=", c);
}

/* The length of the bearer token after "Bearer" at 'p', or 0. */
static size_t
bearer_token_at(const char *p, const char *end, const char *start,
                size_t *skip)
{
    const char *q = p + 6;

    if (end - p < 7 || strncasecmp(p, "bearer", 6)
        || (p > start && is_word(p[-1])) || (*q != ' ' && *q != '\t')) {
        return 0;
    }
    while (q < end && (*q == ' ' || *q == '\t')) {
        q++;
    }
    *skip = q - p;
    const char *t = q;
    while (t < end && is_token_char(*t)) {
        t++;
    }
    return t - q;
}

static void
redact_bearer(struct span in, struct ds *out, size_t *n)
{
    const char *copied = in.p;

    for (const char *p = in.p; p < in.end; p++) {
        size_t skip, len = bearer_token_at(p, in.end, in.p, &skip);
        if (len) {
            ds_put_buffer(out, copied, p + skip - copied);
            ds_put_cstr(out, REDACTED);
            (*n)++;
            p += skip + len - 1;
            copied = p + 1;
        }
    }
    ds_put_buffer(out, copied, in.end - copied);
}

/* The length of a secret key's name at 'p' (a word starting there), or 0. */
static size_t
secret_key_at(const char *p, const char *end, const char *start)
{
    static const char *const keys[] = {
        "client-certificate-data", "client-key-data", "password", "token",
    };

    if (p > start && is_word(p[-1])) {
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        size_t len = strlen(keys[i]);
        if (end - p >= (ptrdiff_t) len && !strncasecmp(p, keys[i], len)
            && (end - p == (ptrdiff_t) len
                || (!is_word(p[len]) && p[len] != '-'))) {
            return len;
        }
    }
    return 0;
}

/* After a key's name at 'p': the value's start (after the colon and
 * blanks), or NULL when no colon follows the name. */
static const char *
value_start(const char *p, const char *end)
{
    if (p < end && (*p == '"' || *p == '\'')) {
        p++;
    }
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p >= end || *p != ':') {
        return NULL;
    }
    for (p++; p < end && (*p == ' ' || *p == '\t'); p++) {
        continue;
    }
    return p;
}

/* The secret value at 'v': its [start, stop), or false when there is none
 * (empty, null, a nested mapping or list, a block scalar, one redacted
 * before). */
static bool
secret_value(const char *v, const char *end, const char **startp,
             const char **stopp)
{
    if (v < end && (*v == '"' || *v == '\'')) {
        const char *close = memchr(v + 1, *v, end - v - 1);
        const char *eol = memchr(v + 1, '\n', end - v - 1);
        if (!close || (eol && eol < close) || close == v + 1) {
            return false;
        }
        *startp = v + 1;
        *stopp = close;
        return !is_redacted(*startp, *stopp);
    }
    const char *s = v;
    while (s < end && !strchr(" \t\r\n,}]#", *s)) {
        s++;
    }
    size_t len = s - v;
    if (!len || strchr("{[|>&*", *v) || (len == 4 && !strncmp(v, "null", 4))
        || (len == 1 && *v == '~')) {
        return false;
    }
    *startp = v;
    *stopp = s;
    return !is_redacted(v, s);
}

static void
redact_keys(struct span in, struct ds *out, size_t *n)
{
    const char *copied = in.p;

    for (const char *p = in.p; p < in.end; p++) {
        size_t len = secret_key_at(p, in.end, in.p);
        const char *v = len ? value_start(p + len, in.end) : NULL;
        const char *start, *stop;

        if (v && secret_value(v, in.end, &start, &stop)) {
            ds_put_buffer(out, copied, start - copied);
            ds_put_cstr(out, REDACTED);
            (*n)++;
            copied = stop;
            p = stop - 1;
        }
    }
    ds_put_buffer(out, copied, in.end - copied);
}

char *
redact(const char *text, size_t len, size_t *lenp, size_t *n_redacted)
{
    void (*const passes[])(struct span, struct ds *, size_t *) = {
        redact_pem, redact_bearer, redact_keys,
    };
    struct ds cur = DS_EMPTY_INITIALIZER;
    size_t n = 0;

    ds_put_buffer(&cur, text, len);
    for (size_t i = 0; i < ARRAY_SIZE(passes); i++) {
        struct ds next = DS_EMPTY_INITIALIZER;
        struct span in = { cur.string ? cur.string : "",
                           (cur.string ? cur.string : "") + cur.length };
        passes[i](in, &next, &n);
        ds_destroy(&cur);
        cur = next;
    }
    if (n_redacted) {
        *n_redacted = n;
    }
    *lenp = cur.length;
    return ds_steal_cstr(&cur);
}
