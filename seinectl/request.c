#include <config.h>
#include "seinectl/request.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "seine-config.h"
#include "seinectl/cmdline.h"
#include "unixctl.h"
#include "util.h"

#define CTL_API_VERSION "seinectl/v1"

static struct json_object *
new_answer(const char *kind)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "apiVersion",
                           json_object_new_string(CTL_API_VERSION));
    json_object_object_add(obj, "kind", json_object_new_string(kind));
    json_object_object_add(obj, "items", json_object_new_array());
    return obj;
}

/* One unixctl call; CTL_EXIT_OK with the answer's text in '*textp'. */
static int
call(struct jsonrpc *client, const char *cmd, int argc, char *argv[],
     char **textp, char **errp)
{
    char *err = NULL;
    int error = unixctl_client_transact(client, cmd, argc, argv, textp, &err);

    if (error) {
        *errp = xasprintf("the agent went away: %s", ovs_strerror(error));
        return CTL_EXIT_UNREACHABLE;
    }
    if (err) {
        size_t len = strlen(err);
        *errp = len && err[len - 1] == '\n' ? xmemdup0(err, len - 1) : err;
        if (*errp != err) {
            free(err);
        }
        free(*textp);
        *textp = NULL;
        return CTL_EXIT_ERROR;
    }
    return CTL_EXIT_OK;
}

static int
call_json(struct jsonrpc *client, const char *cmd, int argc, char *argv[],
          struct json_object **replyp, char **errp)
{
    char *text = NULL;
    int rc = call(client, cmd, argc, argv, &text, errp);

    if (rc) {
        return rc;
    }
    *replyp = json_tokener_parse(text);
    free(text);
    if (!*replyp || !json_object_is_type(*replyp, json_type_object)) {
        json_object_put(*replyp);
        *errp = xasprintf("%s: the agent's answer is not JSON", cmd);
        return CTL_EXIT_ERROR;
    }
    return CTL_EXIT_OK;
}

static struct json_object *
items_of(struct json_object *answer)
{
    struct json_object *items = NULL;
    json_object_object_get_ex(answer, "items", &items);
    return items;
}

/* Keeps the items whose "namespace" is 'ns'. */
static void
filter_namespace(struct json_object *answer, const char *ns)
{
    struct json_object *items = items_of(answer);
    struct json_object *kept = json_object_new_array();

    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        struct json_object *it = json_object_array_get_idx(items, i);
        struct json_object *v = NULL;
        json_object_object_get_ex(it, "namespace", &v);
        if (v && !strcmp(json_object_get_string(v), ns)) {
            json_object_array_add(kept, json_object_get(it));
        }
    }
    json_object_object_add(answer, "items", kept);
}

static int
run_flows(struct jsonrpc *client, const struct ctl_opts *opts,
          struct json_object **replyp, char **errp)
{
    char *args[3];
    int n = 0;

    args[n++] = xstrdup(opts->table ? opts->table : "all");
    if (opts->pod) {
        args[n++] = xasprintf("pod=%s", opts->pod);
    }
    if (opts->policy) {
        args[n++] = xasprintf("policy=%s", opts->policy);
    }
    int rc = call_json(client, "ctl/flows", n, args, replyp, errp);
    for (int i = 0; i < n; i++) {
        free(args[i]);
    }
    return rc;
}

/* The agent answers when the trace ends: the options go to it as given,
 * and it checks them. */
static int
run_traceflow(struct jsonrpc *client, const struct ctl_opts *opts,
              struct json_object **replyp, char **errp)
{
    const struct {
        const char *name, *value;
    } args[] = {
        { "--from", opts->from }, { "--to", opts->to },
        { "--proto", opts->proto }, { "--dport", opts->dport },
        { "--sport", opts->sport }, { "--timeout", opts->timeout },
    };
    char *argv[2 * ARRAY_SIZE(args) + 1];
    int n = 0;

    for (size_t i = 0; i < ARRAY_SIZE(args); i++) {
        if (args[i].value) {
            argv[n++] = xstrdup(args[i].name);
            argv[n++] = xstrdup(args[i].value);
        }
    }
    if (opts->trace_static) {
        argv[n++] = xstrdup("--static");
    }
    int rc = call_json(client, "ctl/traceflow", n, argv, replyp, errp);
    for (int i = 0; i < n; i++) {
        free(argv[i]);
    }
    return rc;
}

static bool
is_level(const char *s)
{
    static const char *const levels[] = { "off", "emer", "err", "warn",
                                          "info", "dbg" };
    for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
        if (!strcasecmp(s, levels[i])) {
            return true;
        }
    }
    return false;
}

static void
lower(char *s)
{
    for (; *s; s++) {
        *s = tolower((unsigned char) *s);
    }
}

struct json_object *
request_parse_loglevels(const char *text, const char *module)
{
    struct json_object *answer = new_answer("LogLevelList");
    struct json_object *items = items_of(answer);
    char *copy = xstrdup(text), *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char name[128], levels[3][16];

        if (sscanf(line, "%127s %15s %15s %15s", name, levels[0], levels[1],
                   levels[2]) != 4 || !is_level(levels[0])
            || (module && strcmp(module, name))) {
            continue;
        }
        struct json_object *it = json_object_new_object();
        static const char *const dests[] = { "console", "syslog", "file" };
        json_object_object_add(it, "module", json_object_new_string(name));
        for (size_t i = 0; i < ARRAY_SIZE(dests); i++) {
            lower(levels[i]);
            json_object_object_add(it, dests[i],
                                   json_object_new_string(levels[i]));
        }
        json_object_array_add(items, it);
    }
    free(copy);
    return answer;
}

/* log-level [MODULE] [LEVEL]: sets with a LEVEL, then lists. */
static int
run_log_level(struct jsonrpc *client, const struct ctl_opts *opts,
              struct json_object **replyp, char **errp)
{
    const char *module = opts->n_args == 2 || (opts->n_args == 1
                                               && !is_level(opts->args[0]))
                         ? opts->args[0] : NULL;
    const char *level = opts->n_args ? opts->args[opts->n_args - 1] : NULL;
    char *text = NULL;
    int rc = 0;

    if (level && level != module) {
        char *spec = module ? xasprintf("%s:%s", module, level)
                            : xstrdup(level);
        rc = call(client, "vlog/set", 1, &spec, &text, errp);
        free(spec);
        free(text);
    }
    rc = rc ? rc : call(client, "vlog/list", 0, NULL, &text, errp);
    if (!rc) {
        *replyp = request_parse_loglevels(text, module);
        free(text);
        if (module && !json_object_array_length(items_of(*replyp))) {
            json_object_put(*replyp);
            *errp = xasprintf("%s: no such log module", module);
            rc = CTL_EXIT_ERROR;
        }
    }
    return rc;
}

static int
run_version(struct jsonrpc *client, struct json_object **replyp, char **errp)
{
    int rc = call_json(client, "ctl/version", 0, NULL, replyp, errp);
    struct json_object *items = rc ? NULL : items_of(*replyp);

    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        json_object_object_add(json_object_array_get_idx(items, i),
                               "clientVersion",
                               json_object_new_string(SEINE_VERSION));
    }
    return rc;
}

int
request_run(struct jsonrpc *client, const struct ctl_opts *opts,
            struct json_object **replyp, char **errp)
{
    static const char *const simple[CTL_N_CMDS] = {
        [CTL_GET_PODS] = "ctl/pods",
        [CTL_GET_POLICIES] = "ctl/policies",
        [CTL_GET_SERVICES] = "ctl/services",
        [CTL_GET_NODES] = "ctl/nodes",
        [CTL_PMD] = "ctl/pmd",
        [CTL_OFFLOAD] = "ctl/offload",
        [CTL_PORTS] = "ctl/ports",
        [CTL_RECOMPUTE] = "ctl/recompute",
    };
    enum ctl_cmd cmd = opts->command->cmd;
    int rc;

    *replyp = NULL;
    *errp = NULL;
    if (cmd == CTL_GET_FLOWS) {
        return run_flows(client, opts, replyp, errp);
    } else if (cmd == CTL_LOG_LEVEL) {
        return run_log_level(client, opts, replyp, errp);
    } else if (cmd == CTL_VERSION) {
        return run_version(client, replyp, errp);
    } else if (cmd == CTL_TRACEFLOW) {
        return run_traceflow(client, opts, replyp, errp);
    }
    rc = call_json(client, simple[cmd], 0, NULL, replyp, errp);
    if (!rc && opts->namespace) {
        filter_namespace(*replyp, opts->namespace);
    }
    return rc;
}
