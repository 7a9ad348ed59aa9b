#include <config.h>
#include "seinectl/bundle.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "seine-config.h"
#include "seinectl/cmdline.h"
#include "seinectl/redact.h"
#include "seinectl/spawn.h"
#include "sset.h"
#include "unixctl.h"
#include "util.h"

/* Where the agent's switch is when the agent cannot tell (OVS's own
 * defaults, seine-agent's defaults: docs/configuration.md). */
#define DEFAULT_OVSDB "unix:/var/run/openvswitch/db.sock"
#define DEFAULT_RUNDIR "/var/run/openvswitch"
#define DEFAULT_BRIDGE "br-int"

struct bundle {
    const struct ctl_opts *opts;
    bool reached;               /* the agent's socket answered */
    struct jsonrpc *client;     /* NULL: the agent is unreachable */
    char *agent_error;          /* why, when it is */
    struct json_object *runtime;    /* ctl/runtime's item, or NULL */
    char *tmpdir;               /* the temporary folder */
    char *name;                 /* the bundle's folder in it */
    struct json_object *items;  /* index.json's items */
    struct sset secrets;        /* paths never read */
    struct json_object *secret_list;    /* index.json's secretsNotCollected */
    size_t n_redacted_before;   /* secrets replaced in the next item before
                                 * add_item() (a log before its tail) */
};

/* A field of ctl/runtime's answer, or 'def'. */
static const char *
runtime_str(const struct bundle *b, const char *key, const char *def)
{
    struct json_object *v = NULL;

    if (b->runtime && json_object_object_get_ex(b->runtime, key, &v)
        && json_object_is_type(v, json_type_string)) {
        return json_object_get_string(v);
    }
    return def;
}

/* Writes 'content' (redacted) as 'file' and records it in the index. */
static void
add_item(struct bundle *b, const char *file, const char *source,
         const struct ds *content, const char *error)
{
    size_t len, n_redacted;
    const char *text = content->string ? content->string : "";
    char *clean = redact(text, content->length, &len, &n_redacted);
    char *path = xasprintf("%s/%s/%s", b->tmpdir, b->name, file);
    FILE *f = fopen(path, "w");

    if (!f || fwrite(clean, 1, len, f) != len || fclose(f)) {
        ovs_fatal(errno, "%s: cannot write", path);
    }
    struct json_object *it = json_object_new_object();
    json_object_object_add(it, "file", json_object_new_string(file));
    json_object_object_add(it, "source", json_object_new_string(source));
    json_object_object_add(it, "ok", json_object_new_boolean(!error));
    json_object_object_add(it, "error",
                           error ? json_object_new_string(error) : NULL);
    json_object_object_add(it, "redacted", json_object_new_int64(
                               n_redacted + b->n_redacted_before));
    b->n_redacted_before = 0;
    json_object_array_add(b->items, it);
    free(path);
    free(clean);
}

/* A failed item's file holds why, an empty one says so: no file of the
 * bundle is empty, and each reads alone. */
static void
add_result(struct bundle *b, const char *file, const char *source,
           struct ds *content, const char *error)
{
    if (error && !content->length) {
        ds_put_format(content, "%s failed: %s\n", source, error);
    } else if (!content->length) {
        ds_put_format(content, "(%s: nothing)\n", source);
    }
    add_item(b, file, source, content, error);
}

/* JSON as people read it; other text as it came. */
static void
put_answer(struct ds *s, const char *text)
{
    struct json_object *obj = json_tokener_parse(text);

    if (obj && json_object_is_type(obj, json_type_object)) {
        ds_put_format(s, "%s\n", json_object_to_json_string_ext(
                          obj, JSON_C_TO_STRING_PRETTY
                          | JSON_C_TO_STRING_SPACED
                          | JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        ds_put_cstr(s, text);
    }
    json_object_put(obj);
}

/* One command of the agent's control socket; its answer in 's'. */
static char *
agent_call(struct bundle *b, const char *cmd, int argc, char *argv[],
           struct ds *s)
{
    char *reply = NULL, *err = NULL;

    if (!b->client) {
        return xstrdup(b->agent_error);
    }
    int error = unixctl_client_transact(b->client, cmd, argc, argv, &reply,
                                        &err);
    if (error) {
        jsonrpc_close(b->client);
        b->client = NULL;
        free(b->agent_error);
        b->agent_error = xasprintf("the agent went away: %s",
                                   ovs_strerror(error));
        return xstrdup(b->agent_error);
    }
    if (reply) {
        put_answer(s, reply);
    }
    free(reply);
    return err;
}

static void
add_agent(struct bundle *b, const char *file, const char *cmd, char *arg)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *source = xasprintf("agent: %s%s%s", cmd, arg ? " " : "",
                             arg ? arg : "");
    char *err = agent_call(b, cmd, arg ? 1 : 0, &arg, &s);

    add_result(b, file, source, &s, err);
    ds_destroy(&s);
    free(source);
    free(err);
}

/* An external program's stdout, or why it failed. */
static void
add_exec(struct bundle *b, const char *file, char *const argv[])
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ds source = DS_EMPTY_INITIALIZER;
    char *err;

    for (size_t i = 0; argv[i]; i++) {
        ds_put_format(&source, "%s%s", i ? " " : "", argv[i]);
    }
    spawn_run(argv, BUNDLE_ITEM_TIMEOUT_MS, &s, &err);
    add_result(b, file, ds_cstr(&source), &s, err);
    free(err);
    ds_destroy(&source);
    ds_destroy(&s);
}

/* Keeps the last 'max_lines' lines of 's', redacted first: a key cut by
 * the tail would no longer look like one. */
static void
keep_tail(struct ds *s, int max_lines, size_t *n_redacted)
{
    size_t len;
    char *clean = redact(s->string ? s->string : "", s->length, &len,
                         n_redacted);

    ds_clear(s);
    ds_put_buffer(s, clean, len);
    free(clean);

    const char *start = s->string ? s->string : "";
    const char *p = start + s->length;
    int lines = 0;

    if (p > start && p[-1] == '\n') {
        p--;
    }
    while (p > start && !(p[-1] == '\n' && ++lines == max_lines)) {
        p--;
    }
    size_t skip = p - start;
    if (skip) {
        memmove(s->string, p, s->length - skip);
        s->length -= skip;
    }
}

/* Reads 'path', only its last 'max_lines' lines if positive: those are
 * in its last 4 kB per line (a log may be large). */
static char *
read_file(const char *path, int max_lines, struct ds *s, size_t *n_redacted)
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n;

    if (!f) {
        return xasprintf("%s: %s", path, ovs_strerror(errno));
    }
    if (max_lines > 0 && !fseeko(f, 0, SEEK_END)) {
        off_t window = (off_t) max_lines * sizeof buf;
        off_t size = ftello(f);
        fseeko(f, size > window ? size - window : 0, SEEK_SET);
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        ds_put_buffer(s, buf, n);
    }
    fclose(f);
    if (max_lines > 0) {
        keep_tail(s, max_lines, n_redacted);
    }
    return NULL;
}

static void
add_file(struct bundle *b, const char *file, const char *what,
         const char *path, int max_lines)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *source = xasprintf("%s %s", what, path ? path : "(unknown)");
    char *err;

    if (!path) {
        err = xasprintf("%s: the agent did not tell it (%s)", what,
                        b->client ? "none set" : b->agent_error);
    } else if (sset_contains(&b->secrets, path)) {
        err = xasprintf("%s: named as a secret, not collected", path);
    } else {
        err = read_file(path, max_lines, &s, &b->n_redacted_before);
    }
    add_result(b, file, source, &s, err);
    ds_destroy(&s);
    free(source);
    free(err);
}

/* The agent, if it answers, and where it keeps what the bundle reads. */
static void
open_agent(struct bundle *b)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    int error = unixctl_client_create(b->opts->socket, &b->client);

    if (error) {
        b->client = NULL;
        b->agent_error = xasprintf("cannot reach the agent at %s: %s",
                                   b->opts->socket, ovs_strerror(error));
        return;
    }
    b->reached = true;
    char *err = agent_call(b, "ctl/runtime", 0, NULL, &s);
    struct json_object *answer = err ? NULL : json_tokener_parse(ds_cstr(&s));
    struct json_object *items = NULL;
    if (answer && json_object_object_get_ex(answer, "items", &items)
        && json_object_array_length(items)) {
        b->runtime = json_object_get(json_object_array_get_idx(items, 0));
    }
    json_object_put(answer);
    free(err);
    ds_destroy(&s);
}

/* 'path', named as a secret by 'field': its path goes in the index, its
 * contents nowhere. */
static void
note_secret(struct bundle *b, const char *field, const char *path)
{
    struct json_object *it = json_object_new_object();

    json_object_object_add(it, "field", json_object_new_string(field));
    json_object_object_add(it, "path", json_object_new_string(path));
    json_object_array_add(b->secret_list, it);
    sset_add(&b->secrets, path);
}

/* The files the configuration names as secrets. */
static void
note_config_secrets(struct bundle *b)
{
    static const char *const keys[][2] = {
        { "metricsTokenFile", "metrics.tokenFile" },
        { "metricsTlsKeyFile", "metrics.tlsKeyFile" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *path = runtime_str(b, keys[i][0], NULL);
        if (path) {
            note_secret(b, keys[i][1], path);
        }
    }
}

/* The files a kubeconfig's users name as secrets: "tokenFile: PATH",
 * "client-key: PATH", a line each as kubectl writes them. */
static void
note_kubeconfig_secrets(struct bundle *b, const char *text)
{
    static const char *const keys[] = { "tokenFile", "client-key" };
    char *copy = xstrdup(text), *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        line += strspn(line, " \t-");
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            size_t n = strlen(keys[i]);
            if (strncmp(line, keys[i], n) || line[n] != ':') {
                continue;
            }
            char *v = line + n + 1;
            v += strspn(v, " \t\"'");
            v[strcspn(v, " \t\"'\r#")] = '\0';
            if (*v) {
                char *field = xasprintf("stateSource.kubeconfig %s", keys[i]);
                note_secret(b, field, v);
                free(field);
            }
        }
    }
    free(copy);
}

static void
add_kubeconfig(struct bundle *b, const char *path)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *source = xasprintf("stateSource.kubeconfig %s", path);
    char *err = read_file(path, 0, &s, NULL);

    if (!err) {
        note_kubeconfig_secrets(b, ds_cstr(&s));
    }
    add_result(b, "kubeconfig.yaml", source, &s, err);
    ds_destroy(&s);
    free(source);
    free(err);
}

static void
collect_agent(struct bundle *b)
{
    static const char *const answers[][2] = {
        { "runtime.json", "ctl/runtime" }, { "version.json", "ctl/version" },
        { "pods.json", "ctl/pods" }, { "policies.json", "ctl/policies" },
        { "services.json", "ctl/services" }, { "nodes.json", "ctl/nodes" },
        { "ports.json", "ctl/ports" }, { "pmd.json", "ctl/pmd" },
        { "model.txt", "model/show" }, { "source.txt", "source/show" },
        { "flows-commits.txt", "flows/commits" },
        { "log-levels.txt", "vlog/list" },
    };
    char all[] = "all";

    for (size_t i = 0; i < ARRAY_SIZE(answers); i++) {
        add_agent(b, answers[i][0], answers[i][1], NULL);
    }
    add_agent(b, "flows.json", "ctl/flows", all);
    add_file(b, "agent-config.yaml", "configuration file",
             runtime_str(b, "configFile", b->client ? NULL
                                                    : SEINE_DEFAULT_CONFIG),
             0);
    if (runtime_str(b, "kubeconfig", NULL)) {
        add_kubeconfig(b, runtime_str(b, "kubeconfig", NULL));
    }
    add_file(b, "agent.log", "agent log (tail) of",
             runtime_str(b, "logFile", NULL), b->opts->lines);
}

#define ARGS(...) (char *[]) { __VA_ARGS__, NULL }

static void
collect_switch(struct bundle *b)
{
    char *ovsdb = xstrdup(runtime_str(b, "ovsdb", DEFAULT_OVSDB));
    const char *rundir = runtime_str(b, "ovsRunDir", DEFAULT_RUNDIR);
    char *mgmt = xasprintf("unix:%s/%s.mgmt", rundir,
                           runtime_str(b, "bridge", DEFAULT_BRIDGE));
    char *ctl = xstrdup(runtime_str(b, "vswitchdControl", "ovs-vswitchd"));
    static const char *const appctl[][2] = {
        { "vswitchd-version.txt", "version" },
        { "pmd-stats.txt", "dpif-netdev/pmd-stats-show" },
        { "pmd-rxq.txt", "dpif-netdev/pmd-rxq-show" },
        { "conntrack-stats.txt", "dpctl/ct-stats-show" },
        { "coverage.txt", "coverage/show" },
    };

    add_exec(b, "ovsdb.txt", ARGS("ovsdb-client", "dump", ovsdb));
    add_exec(b, "openflow-flows.txt",
             ARGS("ovs-ofctl", "-O", "OpenFlow15", "dump-flows", mgmt));
    add_exec(b, "openflow-groups.txt",
             ARGS("ovs-ofctl", "-O", "OpenFlow15", "dump-groups", mgmt));
    add_exec(b, "openflow-group-stats.txt",
             ARGS("ovs-ofctl", "-O", "OpenFlow15", "dump-group-stats", mgmt));
    for (size_t i = 0; i < ARRAY_SIZE(appctl); i++) {
        add_exec(b, appctl[i][0], ARGS("ovs-appctl", "-t", ctl,
                                       (char *) appctl[i][1]));
    }
    free(ctl);
    free(mgmt);
    free(ovsdb);
}

static void
collect_host(struct bundle *b)
{
    add_exec(b, "ip-link.txt", ARGS("ip", "-d", "link", "show"));
    add_exec(b, "ip-addr.txt", ARGS("ip", "addr", "show"));
    add_exec(b, "ip-route.txt", ARGS("ip", "route", "show", "table", "all"));
    add_exec(b, "nft-ruleset.txt", ARGS("nft", "list", "ruleset"));
    add_exec(b, "uname.txt", ARGS("uname", "-a"));
    add_file(b, "os-release.txt", "file", "/etc/os-release", 0);
}

static void
write_index(struct bundle *b, const char *created)
{
    struct json_object *idx = json_object_new_object();
    struct ds s = DS_EMPTY_INITIALIZER;

    json_object_object_add(idx, "apiVersion",
                           json_object_new_string("seinectl/v1"));
    json_object_object_add(idx, "kind", json_object_new_string("SupportBundle"));
    json_object_object_add(idx, "createdAt", json_object_new_string(created));
    json_object_object_add(idx, "seinectlVersion",
                           json_object_new_string(SEINE_VERSION));
    json_object_object_add(idx, "agentReachable",
                           json_object_new_boolean(b->reached));
    json_object_object_add(idx, "agentError", b->agent_error
                           ? json_object_new_string(b->agent_error) : NULL);
    json_object_object_add(idx, "secretsNotCollected",
                           json_object_get(b->secret_list));
    json_object_object_add(idx, "items", json_object_get(b->items));
    put_answer(&s, json_object_to_json_string(idx));
    add_item(b, "index.json", "seinectl supportbundle", &s, NULL);
    json_object_put(idx);
    ds_destroy(&s);
}

/* tar -czf OUT -C TMPDIR NAME, with OUT absolute: tar reads the names
 * after -C from TMPDIR. */
static char *
archive(const struct bundle *b, const char *out)
{
    char cwd[4096];
    char *abs = (out[0] == '/' || !getcwd(cwd, sizeof cwd)
                 ? xstrdup(out) : xasprintf("%s/%s", cwd, out));
    struct ds ignored = DS_EMPTY_INITIALIZER;
    char *err;

    spawn_run(ARGS("tar", "-czf", abs, "-C", b->tmpdir, b->name),
              6 * BUNDLE_ITEM_TIMEOUT_MS, &ignored, &err);
    ds_destroy(&ignored);
    free(abs);
    return err;
}

/* Removes the temporary files: every file the index names, then the
 * folders. */
static void
remove_tmp(struct bundle *b)
{
    for (size_t i = 0; i < json_object_array_length(b->items); i++) {
        struct json_object *file = NULL;
        json_object_object_get_ex(json_object_array_get_idx(b->items, i),
                                  "file", &file);
        char *path = xasprintf("%s/%s/%s", b->tmpdir, b->name,
                               json_object_get_string(file));
        unlink(path);
        free(path);
    }
    char *dir = xasprintf("%s/%s", b->tmpdir, b->name);
    rmdir(dir);
    rmdir(b->tmpdir);
    free(dir);
}

static char *
node_name(const struct bundle *b)
{
    char host[256];

    if (runtime_str(b, "nodeName", NULL)) {
        return xstrdup(runtime_str(b, "nodeName", NULL));
    }
    return xstrdup(gethostname(host, sizeof host) ? "unknown" : host);
}

static void
make_tmpdir(struct bundle *b)
{
    const char *tmp = getenv("TMPDIR");
    char *dir;

    b->tmpdir = xasprintf("%s/seine-bundle.XXXXXX", tmp && *tmp ? tmp
                                                                : "/tmp");
    if (!mkdtemp(b->tmpdir)) {
        ovs_fatal(errno, "%s: cannot create", b->tmpdir);
    }
    dir = xasprintf("%s/%s", b->tmpdir, b->name);
    if (mkdir(dir, 0700)) {
        ovs_fatal(errno, "%s: cannot create", dir);
    }
    free(dir);
}

static void
collect(struct bundle *b, const char *created)
{
    note_config_secrets(b);
    collect_agent(b);
    collect_switch(b);
    collect_host(b);
    write_index(b, created);
}

/* Says what was written, or why not; the exit code. */
static int
report(const struct bundle *b, const char *out, const char *err)
{
    if (err) {
        fprintf(stderr, "seinectl: %s: no bundle written: %s\n", out, err);
        return CTL_EXIT_ERROR;
    } else if (!b->reached) {
        fprintf(stderr, "seinectl: %s; wrote %s without the agent's items "
                "(index.json marks them failed)\n", b->agent_error, out);
        return CTL_EXIT_UNREACHABLE;
    }
    fprintf(stderr, "seinectl: wrote %s\n", out);
    return CTL_EXIT_OK;
}

static void
bundle_destroy(struct bundle *b)
{
    if (b->client) {
        jsonrpc_close(b->client);
    }
    json_object_put(b->runtime);
    json_object_put(b->items);
    json_object_put(b->secret_list);
    sset_destroy(&b->secrets);
    free(b->agent_error);
    free(b->tmpdir);
    free(b->name);
}

int
bundle_run(const struct ctl_opts *opts)
{
    struct bundle b = { .opts = opts, .items = json_object_new_array(),
                        .secret_list = json_object_new_array() };
    char stamp[32], created[32];
    time_t now = time(NULL);
    struct tm tm;

    /* The bundle and its temporary files are the operator's alone. */
    umask(077);
    sset_init(&b.secrets);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    open_agent(&b);
    char *node = node_name(&b);
    b.name = xasprintf("seine-bundle-%s-%s", node, stamp);
    char *out = (opts->output_file ? xstrdup(opts->output_file)
                 : xasprintf("%s.tar.gz", b.name));
    make_tmpdir(&b);
    collect(&b, created);
    char *err = archive(&b, out);
    remove_tmp(&b);

    int rc = report(&b, out, err);
    bundle_destroy(&b);
    free(node);
    free(out);
    free(err);
    return rc;
}
