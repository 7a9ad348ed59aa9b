#include <config.h>
#include "dataplane/pmdstats.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "util.h"

char *
pmdstats_camel_case(const char *words)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    bool upper = false;

    for (const char *p = words; *p; p++) {
        if (!isalnum((unsigned char) *p)) {
            upper = s.length > 0;
        } else {
            ds_put_char(&s, upper ? toupper((unsigned char) *p)
                                  : tolower((unsigned char) *p));
            upper = false;
        }
    }
    return ds_steal_cstr(&s);
}

/* "pmd thread numa_id 0 core_id 1:" or "main thread:" as a new thread
 * object, or NULL for another line. */
static struct json_object *
parse_thread_header(const char *line)
{
    const char *rest;
    struct json_object *t;
    int numa, core;

    if (!strncmp(line, "pmd thread", 10)) {
        rest = line + 10;
    } else if (!strncmp(line, "main thread", 11)) {
        rest = line + 11;
    } else {
        return NULL;
    }
    t = json_object_new_object();
    json_object_object_add(t, "thread",
                           json_object_new_string(line[0] == 'p' ? "pmd"
                                                                 : "main"));
    if (sscanf(rest, " numa_id %d", &numa) == 1) {
        json_object_object_add(t, "numaId", json_object_new_int(numa));
    }
    const char *core_s = strstr(rest, "core_id");
    if (core_s && sscanf(core_s, "core_id %d", &core) == 1) {
        json_object_object_add(t, "coreId", json_object_new_int(core));
    }
    return t;
}

/* A number as JSON: an integer when it has no decimal point. */
static struct json_object *
parse_number(const char *s, const char **endp)
{
    char *end;
    double d = strtod(s, &end);

    *endp = end;
    if (end == s) {
        return NULL;
    }
    if (memchr(s, '.', end - s)) {
        /* As ovs-vswitchd wrote it: "1.33", not 1.3300000000000001. */
        char *text = xmemdup0(s, end - s);
        struct json_object *v = json_object_new_double_s(d, text + strspn(
                                                             text, " "));
        free(text);
        return v;
    }
    return json_object_new_int64(strtoll(s, NULL, 10));
}

/* The "NUMBER UNIT" items of the parenthesis at 'p' ("(3 Kpps, 6000
 * cycles/pkt)", "(3.50%)") into 'stats' as KEY + the unit. */
static void
parse_paren(const char *p, const char *key, struct json_object *stats)
{
    const char *close = strchr(p, ')');

    while (p && close && p < close) {
        const char *end;
        struct json_object *v = parse_number(p + 1, &end);
        const char *unit = end + strspn(end, " ");
        bool percent = *unit == '%';

        if (v && (percent || isalpha((unsigned char) *unit))) {
            char *words = xmemdup0(unit, MIN(strcspn(unit, ",)"),
                                             (size_t) (close - unit)));
            char *camel = pmdstats_camel_case(words);
            char *ukey = xasprintf("%s%s", key, percent ? "Percent" : camel);
            if (!percent) {
                ukey[strlen(key)] = toupper((unsigned char) ukey[strlen(key)]);
            }
            json_object_object_add(stats, ukey, v);
            free(ukey);
            free(camel);
            free(words);
        } else {
            json_object_put(v);
        }
        p = strchr(unit, ',');
    }
}

/* "  key: 12 (3.50%)" into 'stats'. */
static void
parse_stat(const char *line, struct json_object *stats)
{
    const char *colon = strchr(line, ':');
    const char *end;

    if (!colon) {
        return;
    }
    char *words = xmemdup0(line, colon - line);
    char *key = pmdstats_camel_case(words);
    struct json_object *value = parse_number(colon + 1, &end);

    if (value && *key) {
        json_object_object_add(stats, key, value);
        const char *paren = strchr(end, '(');
        if (paren) {
            parse_paren(paren, key, stats);
        }
    } else {
        json_object_put(value);
    }
    free(key);
    free(words);
}

static bool
same_int(struct json_object *a, struct json_object *b, const char *key)
{
    struct json_object *x = NULL, *y = NULL;

    json_object_object_get_ex(a, key, &x);
    json_object_object_get_ex(b, key, &y);
    return x && y ? json_object_get_int(x) == json_object_get_int(y)
                  : x == y;
}

/* The object of 'threads' for the thread 'header' names ('header' is
 * consumed): an existing one, or 'header' itself, appended. */
static struct json_object *
find_thread(struct json_object *threads, struct json_object *header)
{
    for (size_t i = 0; i < json_object_array_length(threads); i++) {
        struct json_object *t = json_object_array_get_idx(threads, i);
        if (same_int(t, header, "numaId") && same_int(t, header, "coreId")) {
            json_object_put(header);
            return t;
        }
    }
    json_object_array_add(threads, header);
    return header;
}

/* "NN %" or "NOT AVAIL" after 'label' in 'line', as JSON (NULL for
 * null). */
static struct json_object *
parse_percent(const char *line, const char *label)
{
    const char *p = strstr(line, label);
    const char *end;

    return p ? parse_number(p + strlen(label), &end) : NULL;
}

/* "  port: NAME  queue-id:  0 (enabled)   pmd usage:  5 %". */
static struct json_object *
parse_rxq(const char *line)
{
    char name[256];
    int queue;
    const char *q = strstr(line, "queue-id:");

    if (!q || sscanf(line, " port: %255s", name) != 1
        || sscanf(q, "queue-id: %d", &queue) != 1) {
        return NULL;
    }
    struct json_object *rxq = json_object_new_object();
    json_object_object_add(rxq, "port", json_object_new_string(name));
    json_object_object_add(rxq, "queueId", json_object_new_int(queue));
    json_object_object_add(rxq, "enabled",
                           json_object_new_boolean(!strstr(q, "(disabled)")));
    json_object_object_add(rxq, "usagePercent",
                           parse_percent(line, "pmd usage:"));
    return rxq;
}

static void
parse_rxq_line(const char *line, struct json_object *t,
               struct json_object *rxqs)
{
    if (strstr(line, "isolated :")) {
        json_object_object_add(t, "isolated",
                               json_object_new_boolean(strstr(line, "true")
                                                       != NULL));
    } else if (strstr(line, "overhead:")) {
        json_object_object_add(t, "overheadPercent",
                               parse_percent(line, "overhead:"));
    } else {
        struct json_object *rxq = parse_rxq(line);
        if (rxq) {
            json_object_array_add(rxqs, rxq);
        }
    }
}

static void
parse_stat_line(const char *line, struct json_object *t OVS_UNUSED,
                struct json_object *stats)
{
    parse_stat(line, stats);
}

/* What one command says of each thread: the member it fills in the
 * thread's object, and how it reads one of the thread's lines. */
struct section {
    const char *member;
    bool is_array;
    void (*parse_line)(const char *line, struct json_object *thread,
                       struct json_object *member);
};

static void
parse_sections(const char *text, struct json_object *threads,
               const struct section *sec)
{
    struct json_object *t = NULL, *member = NULL;
    char *copy = xstrdup(text), *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct json_object *header = parse_thread_header(line);
        if (header) {
            t = find_thread(threads, header);
            member = (sec->is_array ? json_object_new_array()
                      : json_object_new_object());
            json_object_object_add(t, sec->member, member);
        } else if (line[0] != ' ') {
            t = NULL;
        } else if (t) {
            sec->parse_line(line, t, member);
        }
    }
    free(copy);
}

struct json_object *
pmdstats_parse_stats(const char *text)
{
    static const struct section stats = { "stats", false, parse_stat_line };
    struct json_object *threads = json_object_new_array();

    parse_sections(text, threads, &stats);
    return threads;
}

void
pmdstats_parse_rxqs(const char *text, struct json_object *threads)
{
    static const struct section rxqs = { "rxqs", true, parse_rxq_line };

    parse_sections(text, threads, &rxqs);
}

void
pmdstats_parse_perf(const char *text, struct json_object *threads)
{
    static const struct section perf = { "perf", false, parse_stat_line };

    parse_sections(text, threads, &perf);
}
