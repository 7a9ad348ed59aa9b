#include <config.h>
#include "dataplane/dpoffload.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const state_names[] = {
    [DPOFFLOAD_NO] = "no",
    [DPOFFLOAD_PARTIAL] = "partial",
    [DPOFFLOAD_YES] = "yes",
};

const char *
dpoffload_state_name(enum dpoffload_state state)
{
    return state_names[state];
}

/* The text after ", KEY:" (or "KEY:" at the line's start) up to the next
 * ", " outside parentheses or the end of 'line', as a new string; NULL
 * when the line has no such field. */
static char *
field(const char *line, const char *key)
{
    size_t klen = strlen(key);
    const char *p = line;

    for (;;) {
        p = strstr(p, key);
        if (!p) {
            return NULL;
        }
        if ((p == line || (p >= line + 2 && !strncmp(p - 2, ", ", 2)))
            && p[klen] == ':') {
            break;
        }
        p += klen;
    }
    p += klen + 1;
    const char *end = p;
    for (int depth = 0; *end && *end != '\n'; end++) {
        if (*end == '(') {
            depth++;
        } else if (*end == ')') {
            depth--;
        } else if (!depth && !strncmp(end, ", ", 2)) {
            break;
        }
    }
    return xmemdup0(p, end - p);
}

static void
add_str(struct json_object *obj, const char *key, char *value)
{
    json_object_object_add(obj, key,
                           value ? json_object_new_string(value) : NULL);
    free(value);
}

/* The match: after the ufid, up to ", packets:". */
static char *
match_of(const char *line)
{
    const char *start = line;
    const char *end = strstr(line, ", packets:");

    if (!strncmp(line, "ufid:", 5)) {
        const char *comma = strstr(line, ", ");
        start = comma ? comma + 2 : line;
    }
    return end && end > start ? xmemdup0(start, end - start) : NULL;
}

static struct json_object *
parse_flow(const char *line)
{
    struct json_object *flow = json_object_new_object();
    char *offloaded = field(line, "offloaded");
    char *packets = field(line, "packets");
    enum dpoffload_state state = DPOFFLOAD_NO;

    if (offloaded && !strcmp(offloaded, "yes")) {
        state = DPOFFLOAD_YES;
    } else if (offloaded && !strcmp(offloaded, "partial")) {
        state = DPOFFLOAD_PARTIAL;
    }
    free(offloaded);
    add_str(flow, "ufid", field(line, "ufid"));
    add_str(flow, "match", match_of(line));
    json_object_object_add(flow, "offloaded", json_object_new_string(
                               dpoffload_state_name(state)));
    add_str(flow, "dp", field(line, "dp"));
    json_object_object_add(flow, "packets", json_object_new_int64(
                               packets ? strtoll(packets, NULL, 10) : 0));
    free(packets);
    add_str(flow, "actions", field(line, "actions"));
    return flow;
}

struct json_object *
dpoffload_parse(const char *text)
{
    struct json_object *flows = json_object_new_array();

    for (const char *line = text; line && *line; ) {
        const char *nl = strchr(line, '\n');
        char *copy = nl ? xmemdup0(line, nl - line) : xstrdup(line);

        if (strstr(copy, ", packets:") && strstr(copy, "actions:")) {
            json_object_array_add(flows, parse_flow(copy));
        }
        free(copy);
        line = nl ? nl + 1 : NULL;
    }
    return flows;
}

void
dpoffload_count(struct json_object *flows,
                size_t counts[DPOFFLOAD_N_STATES])
{
    memset(counts, 0, DPOFFLOAD_N_STATES * sizeof *counts);
    for (size_t i = 0; i < json_object_array_length(flows); i++) {
        struct json_object *v;
        const char *s = (json_object_object_get_ex(
                             json_object_array_get_idx(flows, i),
                             "offloaded", &v)
                         ? json_object_get_string(v) : "no");
        for (size_t j = 0; j < DPOFFLOAD_N_STATES; j++) {
            if (!strcmp(s, state_names[j])) {
                counts[j]++;
            }
        }
    }
}
