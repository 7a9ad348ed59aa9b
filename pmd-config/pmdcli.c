#include <config.h>
#include "pmd-config/pmdcli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "dataplane/ovsbridge.h"
#include "openvswitch/dynamic-string.h"
#include "pmd-config/pmdapply.h"
#include "pmd-config/pmdkeys.h"
#include "pmd-config/pmdplan.h"
#include "pmd-config/pmdrender.h"
#include "pmd-config/pmdshow.h"
#include "pmd-config/pmdswitch.h"
#include "seinectl/spawn.h"
#include "util.h"

#define API_VERSION "seine-pmd/v1"

struct pmdcli_command {
    const char *name;
    int (*run)(struct pmdcli_opts *);
    bool restart;               /* takes --restart */
    const char *help;
};

static int run_plan(struct pmdcli_opts *);
static int run_apply(struct pmdcli_opts *);
static int run_show(struct pmdcli_opts *);

static const struct pmdcli_command commands[] = {
    { "plan", run_plan, false,
      "plans PMD cores, NUMA, hugepages and rx queues from the host" },
    { "apply", run_apply, true,
      "plans, then writes what differs to OVSDB (no restart unless "
      "--restart)" },
    { "show", run_show, false,
      "the PMD threads as the switch runs them, and the drift from the "
      "applied plan" },
};

enum flag_kind { FLAG_SETTING, FLAG_CONFIG, FLAG_OUTPUT, FLAG_DB,
                 FLAG_RUNDIR, FLAG_RESTART };

struct flag {
    const char *name;
    enum flag_kind kind;
    const char *setting;        /* FLAG_SETTING: pmdintent.h's name */
    const char *help;
};

static const struct flag flags[] = {
    { "intent", FLAG_SETTING, "intent", "shared|dedicated (shared)" },
    { "nic", FLAG_SETTING, "nics", "NAME[=PORT]: a datapath NIC, an "
      "interface or PCI address, and its OVS interface (repeat)" },
    { "pmds-per-node", FLAG_SETTING, "pmdsPerNode", "N PMD threads on each "
      "NIC's node (0: one per NIC queue)" },
    { "siblings", FLAG_SETTING, "siblings", "pmd|idle: every SMT sibling a "
      "PMD, or one per core" },
    { "rxqs", FLAG_SETTING, "rxqs", "N rx queues per NIC (0: planned)" },
    { "mtu", FLAG_SETTING, "mtu", "the DPDK ports' MTU (1500)" },
    { "vhost-ports", FLAG_SETTING, "vhostPorts", "N vhost-user ports "
      "(DPDK pods)" },
    { "afxdp-ports", FLAG_SETTING, "afxdpPorts", "N AF_XDP pod ports" },
    { "memory-model", FLAG_SETTING, "memoryModel", "shared|per-port" },
    { "hugepage-size", FLAG_SETTING, "hugepageSize", "2MB|1GB|auto" },
    { "dpdk", FLAG_SETTING, "dpdk", "true|false|auto: plan DPDK memory" },
    { "pin-rxqs", FLAG_SETTING, "pinRxqs", "true|false|auto: pin NIC "
      "queues to local PMDs" },
    { "max-sleep-us", FLAG_SETTING, "maxSleepUs", "a shared PMD's idle "
      "sleep (1000)" },
    { "reserved-cpus", FLAG_SETTING, "reservedSystemCPUs", "kubelet's "
      "reservedSystemCPUs" },
    { "ovs-version", FLAG_SETTING, "ovsVersion", "X.Y (default: asked of "
      "ovs-vswitchd)" },
    { "root", FLAG_SETTING, "root", "DIR whose sys/ and proc/ are read "
      "(/)" },
    { "set", FLAG_SETTING, "set", "KEY=VALUE: a value of your own for a "
      "planned key (repeat)" },
    { "config", FLAG_CONFIG, NULL, "FILE: a JSON intent "
      "(docs/pmd-config.md)" },
    { "output", FLAG_OUTPUT, NULL, "json|table (table)" },
    { "db", FLAG_DB, NULL, "OVSDB remote (" PMDCLI_DEFAULT_DB ")" },
    { "rundir", FLAG_RUNDIR, NULL, "ovs-vswitchd's run folder ("
      PMDCLI_DEFAULT_RUNDIR ")" },
    { "restart", FLAG_RESTART, NULL, "'PROGRAM ARGS...' that restarts "
      "ovs-vswitchd, run without a shell when a changed key needs it "
      "(apply)" },
};

static const struct flag *
find_flag(const char *arg, const char **valuep)
{
    const char *name = arg + 2, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t) (eq - name) : strlen(name);

    *valuep = eq ? eq + 1 : NULL;
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        const struct flag *f = &flags[i];
        if (arg[1] == '-' ? (strlen(f->name) == len
                             && !strncmp(f->name, name, len))
                          : !strcmp(arg, "-o") && f->kind == FLAG_OUTPUT) {
            return f;
        }
    }
    return NULL;
}

static int
take_flag(struct pmdcli_opts *o, const struct flag *f, const char *value,
          char **errp)
{
    switch (f->kind) {
    case FLAG_SETTING:
        return pmdintent_set(&o->intent, f->setting, value, errp);
    case FLAG_CONFIG:
        return pmdintent_load(&o->intent, value, errp);
    case FLAG_OUTPUT:
        if (strcmp(value, "json") && strcmp(value, "table")) {
            *errp = xasprintf("-o %s: the output is json or table", value);
            return -EINVAL;
        }
        o->json = !strcmp(value, "json");
        return 0;
    case FLAG_DB:
        o->db = value;
        return 0;
    case FLAG_RUNDIR:
        o->rundir = value;
        return 0;
    case FLAG_RESTART:
        o->restart = value;
        return 0;
    }
    OVS_NOT_REACHED();
}

static int
parse_arg(int argc, char *argv[], int *i, struct pmdcli_opts *o,
          char **errp)
{
    const char *arg = argv[*i], *value;
    const struct flag *f;

    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
        o->help = true;
        return 0;
    }
    if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
        o->version = true;
        return 0;
    }
    f = find_flag(arg, &value);
    if (!f) {
        *errp = xasprintf("%s: unknown option (seine-pmd --help)", arg);
        return -EINVAL;
    }
    if (!value) {
        if (*i + 1 >= argc) {
            *errp = xasprintf("%s: needs a value", arg);
            return -EINVAL;
        }
        value = argv[++*i];
    }
    return take_flag(o, f, value, errp);
}

static int
set_command(struct pmdcli_opts *o, const char *word, char **errp)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(commands[i].name, word) && !o->command) {
            o->command = &commands[i];
            return 0;
        }
    }
    *errp = xasprintf("%s: %s (seine-pmd --help)", word, o->command
                      ? "unexpected argument" : "unknown command");
    return -EINVAL;
}

int
pmdcli_parse(int argc, char *argv[], struct pmdcli_opts *o, char **errp)
{
    int error = 0;

    memset(o, 0, sizeof *o);
    o->db = PMDCLI_DEFAULT_DB;
    o->rundir = PMDCLI_DEFAULT_RUNDIR;
    pmdintent_init(&o->intent);
    *errp = NULL;
    for (int i = 1; i < argc && !error; i++) {
        error = (argv[i][0] == '-' && argv[i][1]
                 ? parse_arg(argc, argv, &i, o, errp)
                 : set_command(o, argv[i], errp));
    }
    if (!error && !o->command && !o->help && !o->version) {
        *errp = xstrdup("no command (seine-pmd --help lists them)");
        error = -EINVAL;
    }
    if (!error && o->restart && !o->command->restart) {
        *errp = xasprintf("--restart applies to apply, not %s",
                          o->command->name);
        error = -EINVAL;
    }
    return error ? PMDCLI_EXIT_USAGE : 0;
}

void
pmdcli_usage(const struct pmdcli_opts *o, struct ds *s)
{
    if (o->command) {
        ds_put_format(s, "usage: seine-pmd %s [OPTIONS]\n\n%s\n",
                      o->command->name, o->command->help);
        return;
    }
    ds_put_cstr(s, "seine-pmd: plans, applies and shows OVS's PMD threads "
                "(docs/pmd-config.md)\nusage: seine-pmd COMMAND "
                "[OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        ds_put_format(s, "  %-6s %s\n", commands[i].name, commands[i].help);
    }
    ds_put_cstr(s, "\nOptions (later ones win over earlier ones and "
                "--config):\n");
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        ds_put_format(s, "  %s--%-14s %s\n", flags[i].kind == FLAG_OUTPUT
                      ? "-o, " : "    ", flags[i].name, flags[i].help);
    }
    ds_put_format(s, "  -h, --%-14s this help, or a command's\n"
                  "  -V, --%-14s seine-pmd's version\n", "help", "version");
    ds_put_cstr(s, "\nExit codes: 0 ok, 1 a refused plan or a failure of the "
                "switch, 2 usage,\n3 OVSDB or ovs-vswitchd unreachable.\n");
}

static void
print_json(struct json_object *obj)
{
    puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY
                                        | JSON_C_TO_STRING_SPACED
                                        | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void
print_answer(const struct pmdcli_opts *o, struct json_object *answer,
             void (*render)(struct json_object *, struct ds *))
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (o->json) {
        print_json(answer);
    } else {
        render(answer, &s);
        fputs(ds_cstr(&s), stdout);
    }
    ds_destroy(&s);
}

/* The database, or NULL after saying why. */
static struct ovsbridge *
open_db(const struct pmdcli_opts *o, bool quiet)
{
    struct ovsbridge *br;

    /* No bridge: seine-pmd reads and writes the Open_vSwitch record and
     * interfaces only. */
    if (ovsbridge_open(o->db, "", PMDCLI_TIMEOUT_MS, &br) && !quiet) {
        fprintf(stderr, "seine-pmd: cannot reach OVSDB at %s (see --db)\n",
                o->db);
    }
    return br;
}

/* What the running switch tells the plan: its version, and the memory a
 * running DPDK holds (which the hugepage check counts as available). */
static void
ask_switch(struct pmdcli_opts *o, struct ovsbridge *br)
{
    char *err = NULL;

    if (!o->intent.ovs_version) {
        char *v = pmdswitch_version(o->rundir, PMDCLI_TIMEOUT_MS);
        if (v) {
            pmdintent_set(&o->intent, "ovsVersion", v, &err);
        }
        free(v);
    }
    const char *held = (br && ovsbridge_dpdk_initialized(br)
                        ? ovsbridge_get_setting(br, OVSBRIDGE_OVS_OTHER_CONFIG,
                                                NULL, PMDKEY_SOCKET_MEM)
                        : NULL);
    if (held && !o->intent.held_socket_mem) {
        pmdintent_set(&o->intent, "heldSocketMem", held, &err);
    }
    free(err);
}

static struct pmdplan *
compute(struct pmdcli_opts *o, struct ovsbridge *br)
{
    struct pmdplan *plan;
    char *err;

    ask_switch(o, br);
    plan = pmdplan_for_host(&o->intent, &err);
    if (!plan) {
        fprintf(stderr, "seine-pmd: %s\n", err);
        free(err);
    }
    return plan;
}

/* A plan asks the database only when it may be there: planning for
 * another host, or before OVS runs, waits for nothing. */
static bool
db_may_answer(const char *db)
{
    return strncmp(db, "unix:", 5) || !access(db + 5, F_OK);
}

static int
run_plan(struct pmdcli_opts *o)
{
    struct ovsbridge *br = db_may_answer(o->db) ? open_db(o, true) : NULL;
    struct pmdplan *plan = compute(o, br);
    int rc = PMDCLI_EXIT_ERROR;

    if (plan) {
        struct json_object *j = pmdplan_to_json(plan);
        json_object_object_add(j, "apiVersion",
                               json_object_new_string(API_VERSION));
        print_answer(o, j, pmdrender_plan);
        json_object_put(j);
        rc = pmdplan_refused(plan) ? PMDCLI_EXIT_ERROR : PMDCLI_EXIT_OK;
        pmdplan_destroy(plan);
    }
    ovsbridge_close(br);
    return rc;
}

static struct json_object *
restart_keys(const struct pmdapply_diff *d)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].restart && pmdapply_item_differs(&d->items[i])) {
            json_object_array_add(a, json_object_new_string(
                                      d->items[i].name));
        }
    }
    return a;
}

static struct json_object *
apply_answer(const struct pmdplan *plan, const struct pmdapply_diff *d,
             bool restart, bool restarted)
{
    struct json_object *j = json_object_new_object();
    int changed = 0;

    for (size_t i = 0; i < d->n; i++) {
        changed += pmdapply_item_differs(&d->items[i]);
    }
    json_object_object_add(j, "apiVersion",
                           json_object_new_string(API_VERSION));
    json_object_object_add(j, "plan", pmdplan_to_json(plan));
    json_object_object_add(j, "changes", pmdapply_diff_to_json(d));
    json_object_object_add(j, "changed", json_object_new_int(changed));
    json_object_object_add(j, "restartFor", restart
                           ? restart_keys(d) : json_object_new_array());
    json_object_object_add(j, "restarted",
                           json_object_new_boolean(restarted));
    return j;
}

/* How long the restart command may take before it is killed. */
#define RESTART_TIMEOUT_MS (5 * 60 * 1000)

/* Runs 'cmd', split on blanks into a program and its arguments, without a
 * shell: nothing in it is expanded or run but that program.  Its output is
 * dropped (stdout carries seine-pmd's answer); why it failed goes to
 * stderr.  True when it exited 0. */
static bool
run_restart(const char *cmd)
{
    char *copy = xstrdup(cmd), *save = NULL;
    char **argv = NULL;
    size_t n = 0;
    struct ds out = DS_EMPTY_INITIALIZER;
    char *err = NULL;
    bool ok = false;

    for (char *w = strtok_r(copy, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        argv = xrealloc(argv, (n + 2) * sizeof *argv);
        argv[n++] = w;
    }
    if (!n) {
        fprintf(stderr, "seine-pmd: --restart: no program given\n");
    } else {
        argv[n] = NULL;
        ok = !spawn_run(argv, RESTART_TIMEOUT_MS, &out, &err);
        if (!ok) {
            fprintf(stderr, "seine-pmd: --restart: %s\n", err);
        }
    }
    free(err);
    ds_destroy(&out);
    free(argv);
    free(copy);
    return ok;
}

static int
apply_plan(struct pmdcli_opts *o, struct ovsbridge *br,
           const struct pmdplan *plan)
{
    struct pmdapply_diff d;
    bool restart, restarted = false;
    int error = pmdapply_apply(br, plan, &d, &restart);

    if (error) {
        fprintf(stderr, "seine-pmd: apply: %s\n", error == -ENODEV
                ? "a port of the plan is not in the database"
                : ovs_strerror(-error));
        pmdapply_diff_destroy(&d);
        return PMDCLI_EXIT_ERROR;
    }
    if (restart && o->restart) {
        restarted = run_restart(o->restart);
    }
    struct json_object *j = apply_answer(plan, &d, restart, restarted);
    print_answer(o, j, pmdrender_apply);
    json_object_put(j);
    pmdapply_diff_destroy(&d);
    return restart && o->restart && !restarted ? PMDCLI_EXIT_ERROR
                                               : PMDCLI_EXIT_OK;
}

static int
run_apply(struct pmdcli_opts *o)
{
    struct ovsbridge *br = open_db(o, false);
    struct pmdplan *plan = br ? compute(o, br) : NULL;
    int rc = br ? PMDCLI_EXIT_ERROR : PMDCLI_EXIT_UNREACHABLE;

    if (plan && pmdplan_refused(plan)) {
        struct ds s = DS_EMPTY_INITIALIZER;
        struct json_object *j = pmdplan_to_json(plan);
        pmdrender_plan(j, &s);
        fprintf(stderr, "%sseine-pmd: the plan is refused: nothing "
                "applied\n", ds_cstr(&s));
        json_object_put(j);
        ds_destroy(&s);
    } else if (plan) {
        rc = apply_plan(o, br, plan);
    }
    pmdplan_destroy(plan);
    ovsbridge_close(br);
    return rc;
}

static struct json_object *
live_config(const struct pmdshow_drift *d, size_t n)
{
    struct json_object *c = json_object_new_object();

    for (size_t i = 0; i < n; i++) {
        if (strcmp(d[i].name, "pmd-cores")) {
            json_object_object_add(c, d[i].name, d[i].live
                                   ? json_object_new_string(d[i].live)
                                   : NULL);
        }
    }
    return c;
}

static struct json_object *
show_answer(struct ovsbridge *br, struct json_object *pmds)
{
    struct json_object *j = json_object_new_object();
    struct pmdshow_drift *d;
    size_t n = pmdshow_drift(br, pmds, &d), drifting = 0;

    for (size_t i = 0; i < n; i++) {
        drifting += d[i].drifts;
    }
    json_object_object_add(j, "apiVersion",
                           json_object_new_string(API_VERSION));
    json_object_object_add(j, "pmds", json_object_get(pmds));
    json_object_object_add(j, "config", live_config(d, n));
    json_object_object_add(j, "drift", pmdshow_drift_to_json(d, n));
    json_object_object_add(j, "drifting", json_object_new_int(drifting));
    pmdshow_drift_free(d, n);
    return j;
}

static int
run_show(struct pmdcli_opts *o)
{
    static const char *const cmds[] = {
        "dpif-netdev/pmd-stats-show", "dpif-netdev/pmd-rxq-show",
        "dpif-netdev/pmd-perf-show",
    };
    struct ovsbridge *br = open_db(o, false);
    char *texts[ARRAY_SIZE(cmds)];

    if (!br) {
        return PMDCLI_EXIT_UNREACHABLE;
    }
    if (pmdswitch_ask(o->rundir, cmds, ARRAY_SIZE(cmds), PMDCLI_TIMEOUT_MS,
                      texts)) {
        fprintf(stderr, "seine-pmd: ovs-vswitchd in %s did not answer (see "
                "--rundir)\n", o->rundir);
        for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
            free(texts[i]);
        }
        ovsbridge_close(br);
        return PMDCLI_EXIT_UNREACHABLE;
    }
    struct json_object *pmds = pmdshow_pmds(texts[0], texts[1], texts[2]);
    struct json_object *j = show_answer(br, pmds);
    print_answer(o, j, pmdrender_show);
    json_object_put(j);
    json_object_put(pmds);
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        free(texts[i]);
    }
    ovsbridge_close(br);
    return PMDCLI_EXIT_OK;
}

int
pmdcli_run(struct pmdcli_opts *o)
{
    return o->command->run(o);
}
