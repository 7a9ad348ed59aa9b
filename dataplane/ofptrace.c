#include <config.h>
#include "dataplane/ofptrace.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/vswitchctl.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofptrace);

struct ofptrace {
    struct vswitchctl_query *query;
};

struct ofptrace *
ofptrace_start(const char *rundir, const char *bridge, const char *flow,
               int timeout_ms)
{
    return ofptrace_start_ct(rundir, bridge, flow, NULL, 0, timeout_ms);
}

struct ofptrace *
ofptrace_start_ct(const char *rundir, const char *bridge, const char *flow,
                  const char *const ct_next[], size_t n_ct_next,
                  int timeout_ms)
{
    const char **argv = xmalloc((2 * n_ct_next + 2) * sizeof *argv);
    int argc = 0;

    /* ofproto/trace takes its options before the bridge. */
    for (size_t i = 0; i < n_ct_next; i++) {
        argv[argc++] = "--ct-next";
        argv[argc++] = ct_next[i];
    }
    argv[argc++] = bridge;
    argv[argc++] = flow;

    struct vswitchctl_query *q = vswitchctl_query_start_argv(
        rundir, "ofproto/trace", argc, argv, timeout_ms);
    free(argv);
    if (!q) {
        return NULL;
    }

    struct ofptrace *t = xmalloc(sizeof *t);
    t->query = q;
    return t;
}

int
ofptrace_finish(struct ofptrace *t, struct ofptrace_result **resultp,
                char **errp)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 30);
    char *reply;
    int error = vswitchctl_query_finish(t->query, &reply);

    *resultp = NULL;
    *errp = NULL;
    if (error == -EINPROGRESS) {
        return error;
    }
    free(t);
    if (error == -EIO && reply) {
        *errp = reply;
        reply = NULL;
    } else if (!error) {
        error = ofptrace_parse(reply, resultp);
        if (error) {
            VLOG_WARN_RL(&rl, "ofproto/trace answered with what is not a "
                         "trace");
        }
    }
    free(reply);
    return error;
}

void
ofptrace_wait(struct ofptrace *t)
{
    vswitchctl_query_wait(t->query);
}

void
ofptrace_abandon(struct ofptrace *t)
{
    if (t) {
        vswitchctl_query_abandon(t->query);
        free(t);
    }
}

/* The parser reads the answer line by line.  Within a section, a line's
 * indentation says what it belongs to: ofproto/trace indents the tables a
 * resubmit reaches below the action that resubmits, and a table's actions
 * below the table, so the parser keeps the open tables and bridges on a
 * stack of frames by indentation. */
enum parse_state {
    PS_FLOW,                    /* before "Flow:" */
    PS_TRACE,                   /* the tables, until "Final flow:" */
    PS_MEGAFLOW,
    PS_DP_ACTIONS,
    PS_TRAILER,                 /* the end, or a recirculation */
    PS_HEADER,                  /* between a recirculation's "=" lines */
};

/* An open table ('is_step') or bridge. */
struct frame {
    size_t indent;
    bool is_step;
    size_t step;                /* index into the result's steps */
    char *bridge;
};

struct parser {
    struct ofptrace_result *r;
    size_t allocated_steps;
    enum parse_state state;
    enum ofptrace_step_kind next_kind;
    struct frame *frames;
    size_t n_frames;
    size_t allocated_frames;
};

/* 's' after 'prefix', or NULL when it does not start with it. */
static const char *
skip_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);

    return strncmp(s, prefix, n) ? NULL : s + n;
}

/* A line made of 'c' alone (under a bridge's name, around a
 * recirculation's header). */
static bool
is_line_of(const char *s, char c)
{
    if (*s != c) {
        return false;
    }
    while (*s == c) {
        s++;
    }
    return !*s;
}

static void
append_line(char **textp, const char *line)
{
    char *old = *textp;

    *textp = *old ? xasprintf("%s\n%s", old, line) : xstrdup(line);
    free(old);
}

/* The length of the comma-separated item that 's' starts with, out of
 * 'len' bytes, commas inside parentheses included; SIZE_MAX when the
 * parentheses do not balance. */
static size_t
item_len(const char *s, size_t len)
{
    int depth = 0;
    size_t i;

    for (i = 0; i < len && (depth || s[i] != ','); i++) {
        depth += (s[i] == '(') - (s[i] == ')');
        if (depth < 0) {
            return SIZE_MAX;
        }
    }
    return depth ? SIZE_MAX : i;
}

/* Takes the next item off the 'len' bytes at '*s' into '*item' and '*n':
 * 1, or 0 at the end, or -EINVAL. */
static int
next_item(const char **s, size_t *len, const char **item, size_t *n)
{
    if (!*len) {
        return 0;
    }
    *item = *s;
    *n = item_len(*s, *len);
    if (*n == SIZE_MAX) {
        return -EINVAL;
    }
    *s += *n;
    *len -= *n;
    if (*len) {
        (*s)++;
        (*len)--;
    }
    return 1;
}

static int
parse_fields(const char *s, struct ofptrace_field **fieldsp, size_t *np)
{
    size_t len = strlen(s), allocated = 0, n;
    const char *item;
    int more;

    *fieldsp = NULL;
    *np = 0;
    while ((more = next_item(&s, &len, &item, &n)) > 0) {
        if (*np >= allocated) {
            *fieldsp = x2nrealloc(*fieldsp, &allocated, sizeof **fieldsp);
        }

        struct ofptrace_field *f = &(*fieldsp)[(*np)++];
        const char *eq = memchr(item, '=', n);

        f->name = xmemdup0(item, eq ? eq - item : n);
        f->value = eq ? xmemdup0(eq + 1, n - (eq + 1 - item)) : xstrdup("");
    }
    return more;
}

static void
add_output(struct ofptrace_section *sec, const struct ofptrace_output *out)
{
    sec->outputs = xrealloc(sec->outputs,
                            (sec->n_outputs + 1) * sizeof *sec->outputs);
    sec->outputs[sec->n_outputs++] = *out;
}

/* The outer addresses of the header in "tnl_push(...)" 'a'. */
static bool
scan_tunnel_addrs(const char *a, struct ofptrace_output *out)
{
    const char *p = strstr(a, "ipv4(src=");
    ovs_be32 src4, dst4;

    if (p && ovs_scan(p, "ipv4(src="IP_SCAN_FMT",dst="IP_SCAN_FMT,
                      IP_SCAN_ARGS(&src4), IP_SCAN_ARGS(&dst4))) {
        in6_addr_set_mapped_ipv4(&out->tun_src, src4);
        in6_addr_set_mapped_ipv4(&out->tun_dst, dst4);
        return true;
    }

    char src6[INET6_ADDRSTRLEN + 1], dst6[INET6_ADDRSTRLEN + 1];

    p = strstr(a, "ipv6(src=");
    return (p && ovs_scan(p, "ipv6(src="IPV6_SCAN_FMT",dst="IPV6_SCAN_FMT,
                          src6, dst6)
            && ipv6_parse(src6, &out->tun_src)
            && ipv6_parse(dst6, &out->tun_dst));
}

static int
parse_tnl_push(struct ofptrace_section *sec, const char *a)
{
    struct ofptrace_output out = { .tunnel = true };
    const char *p = strstr(a, "tnl_port(");

    if (!p || !ovs_scan(p, "tnl_port(%"SCNu32")", &out.port)
        || !scan_tunnel_addrs(a, &out)) {
        return -EINVAL;
    }
    add_output(sec, &out);
    return 0;
}

static int parse_dp_list(struct ofptrace_section *, const char *, size_t);

/* One datapath action 'a'.  Actions that do not say where the packet
 * goes (set(), push_vlan(), hash()...) are only kept in the text. */
static int
parse_dp_action(struct ofptrace_section *sec, const char *a, size_t n)
{
    const char *p;

    if (n && strspn(a, "0123456789") == n) {
        unsigned long port = strtoul(a, NULL, 10);

        if (port > UINT32_MAX) {
            return -EINVAL;
        }
        add_output(sec, &(struct ofptrace_output) { .port = port });
    } else if (skip_prefix(a, "tnl_push(")) {
        return parse_tnl_push(sec, a);
    } else if ((p = skip_prefix(a, "clone(")) != NULL && a[n - 1] == ')') {
        /* Only the last action may leave the packet changed: OVS wraps
         * the others, a tunnel's among them, in clone(). */
        return parse_dp_list(sec, p, n - (p - a) - 1);
    } else if (!strcmp(a, "ct") || skip_prefix(a, "ct(")) {
        sec->ct = true;
    } else if ((p = skip_prefix(a, "recirc(")) != NULL) {
        char *end;

        sec->recirc_id = strtoul(p, &end, 0);
        sec->recirc = true;
        if (!isdigit((unsigned char) *p) || strcmp(end, ")")) {
            return -EINVAL;
        }
    }
    return 0;
}

/* The comma-separated datapath actions in the 'len' bytes at 's'. */
static int
parse_dp_list(struct ofptrace_section *sec, const char *s, size_t len)
{
    const char *item;
    size_t n;
    int more;

    while ((more = next_item(&s, &len, &item, &n)) > 0) {
        char *a = xmemdup0(item, n);
        int error = parse_dp_action(sec, a, n);

        free(a);
        if (error) {
            return error;
        }
    }
    return more;
}

/* The packet goes nowhere unless it is output, recirculated or sent to
 * userspace (to the controller, or a slow-path action); "drop" is how OVS
 * writes no action at all. */
static bool
goes_nowhere(const struct ofptrace_section *sec)
{
    return !sec->n_outputs && !sec->recirc
           && !strstr(sec->dp_actions, "userspace(");
}

static struct ofptrace_section *
cur_section(const struct parser *p)
{
    return &p->r->sections[p->r->n_sections - 1];
}

static void
new_section(struct parser *p)
{
    struct ofptrace_result *r = p->r;

    r->sections = xrealloc(r->sections,
                           (r->n_sections + 1) * sizeof *r->sections);
    r->sections[r->n_sections++] = (struct ofptrace_section) { 0 };
}

static void
pop_frame(struct parser *p)
{
    free(p->frames[--p->n_frames].bridge);
}

/* Closes the frames that a line of 'indent' is no longer part of: those
 * indented as much or more, or with 'keep_bridge', a bridge of the same
 * indentation stays open (its tables are not indented below it). */
static void
pop_frames(struct parser *p, size_t indent, bool keep_bridge)
{
    while (p->n_frames) {
        const struct frame *top = &p->frames[p->n_frames - 1];

        if (top->indent < indent
            || (top->indent == indent && keep_bridge && !top->is_step)) {
            break;
        }
        pop_frame(p);
    }
}

static void
push_frame(struct parser *p, size_t indent, bool is_step, size_t step,
           const char *bridge)
{
    if (p->n_frames >= p->allocated_frames) {
        p->frames = x2nrealloc(p->frames, &p->allocated_frames,
                               sizeof *p->frames);
    }
    p->frames[p->n_frames++] = (struct frame) {
        .indent = indent,
        .is_step = is_step,
        .step = step,
        .bridge = xstrdup(bridge),
    };
}

static struct ofptrace_step *
new_step(struct parser *p)
{
    struct ofptrace_result *r = p->r;

    if (r->n_steps >= p->allocated_steps) {
        r->steps = x2nrealloc(r->steps, &p->allocated_steps,
                              sizeof *r->steps);
    }

    struct ofptrace_step *step = &r->steps[r->n_steps++];
    *step = (struct ofptrace_step) {
        .section = r->n_sections - 1,
        .kind = p->next_kind,
        .priority = -1,
        .match = xstrdup(""),
        .actions = xstrdup(""),
        .notes = xstrdup(""),
    };
    return step;
}

/* What follows "N. " in a table's line: "[MATCH, ]priority P[, cookie C]",
 * or why no flow matched. */
static int
parse_rule(const char *s, struct ofptrace_step *step)
{
    const char *p = skip_prefix(s, "priority ");
    const char *match_end = s;

    if (!p) {
        match_end = strstr(s, ", priority ");
        if (!match_end) {
            if (skip_prefix(s, "No match") || skip_prefix(s, "Packets are")) {
                append_line(&step->notes, s);
                return 0;
            }
            return -EINVAL;
        }
        p = match_end + strlen(", priority ");
    }

    char *end;
    long priority = strtol(p, &end, 10);

    if (!isdigit((unsigned char) *p) || priority > UINT16_MAX) {
        return -EINVAL;
    }
    if (*end) {
        p = skip_prefix(end, ", cookie 0x");

        size_t n_hex = p ? strspn(p, "0123456789abcdef") : 0;

        if (!n_hex || n_hex > 16 || p[n_hex]) {
            return -EINVAL;
        }
        step->cookie = strtoull(p, NULL, 16);
    }
    step->matched = true;
    step->priority = priority;
    free(step->match);
    step->match = xmemdup0(s, match_end - s);
    return 0;
}

static bool
is_table_line(const char *s)
{
    size_t n = strspn(s, "0123456789");

    return n && skip_prefix(s + n, ". ");
}

static int
push_step(struct parser *p, size_t indent, const char *s)
{
    pop_frames(p, indent, true);
    if (!p->n_frames) {
        return -EINVAL;
    }

    const char *bridge = p->frames[p->n_frames - 1].bridge;
    struct ofptrace_step *step = new_step(p);
    char *end;
    unsigned long table_id = strtoul(s, &end, 10);

    step->bridge = xstrdup(bridge);
    if (table_id > UINT8_MAX) {
        return -EINVAL;
    }
    step->table_id = table_id;
    push_frame(p, indent, true, p->r->n_steps - 1, bridge);
    return parse_rule(end + 2, step);
}

static int
push_bridge(struct parser *p, size_t indent, const char *s)
{
    const char *name = skip_prefix(s, "bridge(\"");
    size_t len = strlen(name);

    if (len < 2 || strcmp(name + len - 2, "\")")) {
        return -EINVAL;
    }

    char *bridge = xmemdup0(name, len - 2);

    pop_frames(p, indent, false);
    push_frame(p, indent, false, 0, bridge);
    free(bridge);
    p->next_kind = OFPTRACE_STEP_LOOKUP;
    return 0;
}

/* An action or what OVS says of one, in the innermost open table. */
static void
add_to_step(struct parser *p, size_t indent, const char *s)
{
    pop_frames(p, indent, false);

    const struct frame *top = (p->n_frames ? &p->frames[p->n_frames - 1]
                               : NULL);
    struct ofptrace_step *step = (top && top->is_step
                                  ? &p->r->steps[top->step] : NULL);
    const char *detail = skip_prefix(s, "-> ");

    if (!strcmp(s, "thaw")) {
        return;
    } else if (skip_prefix(s, "Resuming from table ")) {
        p->next_kind = OFPTRACE_STEP_RECIRC;
    } else if (detail || skip_prefix(s, ">>")) {
        /* Warnings and errors keep their ">>" marks. */
        if (step) {
            append_line(&step->notes, detail ? detail : s);
        }
    } else {
        if (skip_prefix(s, "goto_table:")) {
            p->next_kind = OFPTRACE_STEP_GOTO;
        } else if (skip_prefix(s, "resubmit")) {
            p->next_kind = OFPTRACE_STEP_RESUBMIT;
        }
        if (step) {
            append_line(&step->actions, s);
        }
    }
}

static int
parse_final_flow(struct parser *p, const char *s)
{
    struct ofptrace_section *sec = cur_section(p);

    p->state = PS_MEGAFLOW;
    return parse_fields(strcmp(s, "unchanged") ? s : sec->flow,
                        &sec->final_flow, &sec->n_final_flow);
}

static int
parse_trace_line(struct parser *p, const char *line)
{
    size_t n = strspn(line, " ");
    size_t indent = n - n % 4;
    const char *s = line + n;
    const char *final = skip_prefix(line, "Final flow: ");

    if (final) {
        return parse_final_flow(p, final);
    } else if (!*s || is_line_of(s, '-')) {
        return 0;
    } else if (skip_prefix(s, "bridge(\"")) {
        return push_bridge(p, indent, s);
    } else if (is_table_line(s)) {
        return push_step(p, indent, s);
    } else if (indent < 4) {
        return -EINVAL;
    }
    add_to_step(p, indent, s);
    return 0;
}

static int
parse_flow_line(struct parser *p, const char *line)
{
    const char *flow = skip_prefix(line, "Flow: ");

    if (!flow) {
        return *line ? -EINVAL : 0;
    }
    cur_section(p)->flow = xstrdup(flow);
    while (p->n_frames) {
        pop_frame(p);
    }
    p->next_kind = OFPTRACE_STEP_LOOKUP;
    p->state = PS_TRACE;
    return 0;
}

static int
parse_megaflow_line(struct parser *p, const char *line)
{
    const char *megaflow = skip_prefix(line, "Megaflow: ");

    if (!megaflow) {
        return -EINVAL;
    }
    cur_section(p)->megaflow = xstrdup(megaflow);
    p->state = PS_DP_ACTIONS;
    return 0;
}

static int
parse_dp_line(struct parser *p, const char *line)
{
    struct ofptrace_section *sec = cur_section(p);
    const char *s = skip_prefix(line, "Datapath actions:");

    if (!s) {
        return -EINVAL;
    }
    s += *s == ' ';
    sec->dp_actions = xstrdup(s);
    p->state = PS_TRAILER;

    int error = parse_dp_list(sec, s, strlen(s));

    sec->dropped = goes_nowhere(sec);
    return error;
}

/* After the datapath actions: what OVS adds (a failure, why the flow
 * needs the slow path), then the end or another section. */
static int
parse_trailer_line(struct parser *p, const char *line)
{
    struct ofptrace_section *sec = cur_section(p);

    if (is_line_of(line, '=')) {
        new_section(p);
        p->state = PS_HEADER;
    } else if (skip_prefix(line, "Translation failed") && !sec->error) {
        sec->error = xstrdup(line);
        sec->dropped = true;
    }
    return 0;
}

/* "recirc(0x1) - resume conntrack with...", what OVS did to simulate
 * NAT, up to the closing "=" line. */
static int
parse_header_line(struct parser *p, const char *line)
{
    struct ofptrace_section *sec = cur_section(p);

    if (!sec->resume) {
        if (!skip_prefix(line, "recirc(")) {
            return -EINVAL;
        }
        sec->resume = xstrdup(line);
    } else if (is_line_of(line, '=')) {
        p->state = PS_FLOW;
    }
    return 0;
}

/* What reads a line in each state. */
static int (*const parse_line[])(struct parser *, const char *line) = {
    [PS_FLOW] = parse_flow_line,
    [PS_TRACE] = parse_trace_line,
    [PS_MEGAFLOW] = parse_megaflow_line,
    [PS_DP_ACTIONS] = parse_dp_line,
    [PS_TRAILER] = parse_trailer_line,
    [PS_HEADER] = parse_header_line,
};

int
ofptrace_parse(const char *text, struct ofptrace_result **resultp)
{
    struct parser p = {
        .r = xzalloc(sizeof *p.r),
        .state = PS_FLOW,
        .next_kind = OFPTRACE_STEP_LOOKUP,
    };
    char *copy = xstrdup(text);
    char *rest = copy;
    const char *line;
    int error = 0;

    p.r->text = xstrdup(text);
    new_section(&p);
    while (!error && (line = strsep(&rest, "\n")) != NULL) {
        error = parse_line[p.state](&p, line);
    }
    if (!error && p.state != PS_TRAILER) {
        error = -EINVAL;
    }
    while (p.n_frames) {
        pop_frame(&p);
    }
    free(p.frames);
    free(copy);
    if (error) {
        ofptrace_result_destroy(p.r);
        p.r = NULL;
    }
    *resultp = p.r;
    return error;
}

static void
destroy_section(struct ofptrace_section *sec)
{
    for (size_t i = 0; i < sec->n_final_flow; i++) {
        free(sec->final_flow[i].name);
        free(sec->final_flow[i].value);
    }
    free(sec->final_flow);
    free(sec->resume);
    free(sec->flow);
    free(sec->megaflow);
    free(sec->dp_actions);
    free(sec->outputs);
    free(sec->error);
}

void
ofptrace_result_destroy(struct ofptrace_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n_steps; i++) {
        struct ofptrace_step *step = &r->steps[i];

        free(step->bridge);
        free(step->match);
        free(step->actions);
        free(step->notes);
    }
    free(r->steps);
    for (size_t i = 0; i < r->n_sections; i++) {
        destroy_section(&r->sections[i]);
    }
    free(r->sections);
    free(r->text);
    free(r);
}

const struct ofptrace_section *
ofptrace_final(const struct ofptrace_result *r)
{
    return &r->sections[r->n_sections - 1];
}

const char *
ofptrace_section_field(const struct ofptrace_section *sec, const char *name)
{
    for (size_t i = 0; i < sec->n_final_flow; i++) {
        if (!strcmp(sec->final_flow[i].name, name)) {
            return sec->final_flow[i].value;
        }
    }
    return NULL;
}

uint32_t
ofptrace_section_reg(const struct ofptrace_section *sec, int reg)
{
    char name[8];
    const char *value;

    snprintf(name, sizeof name, "reg%d", reg);
    value = ofptrace_section_field(sec, name);
    return value ? strtoul(value, NULL, 0) : 0;
}
