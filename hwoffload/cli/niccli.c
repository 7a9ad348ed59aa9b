#include <config.h>
#include "hwoffload/cli/niccli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "hwoffload/cli/nicshow.h"
#include "hwoffload/eswitch.h"
#include "hwoffload/ethfeat.h"
#include "hwoffload/ifflags.h"
#include "hwoffload/sriovfs.h"
#include "hwoffload/vfrep.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

struct niccli_command {
    const char *name;
    int (*run)(const struct niccli_opts *);
    int n_args;
    const char *args;           /* their names, for the usage */
    const char *help;
};

static int run_show(const struct niccli_opts *);
static int run_vfs(const struct niccli_opts *);
static int run_switchdev(const struct niccli_opts *);
static int run_legacy(const struct niccli_opts *);
static int run_reps_up(const struct niccli_opts *);
static int run_tc_offload(const struct niccli_opts *);
static int run_rep(const struct niccli_opts *);

static const struct niccli_command commands[] = {
    { "show", run_show, 0, "",
      "the SR-IOV PFs, their VFs (driver, netdev or DPDK) and representors" },
    { "vfs", run_vfs, 2, "PF N",
      "gives PF N VFs (sriov_numvfs: 0 first, then N)" },
    { "switchdev", run_switchdev, 1, "PF",
      "puts PF's eswitch in switchdev mode (devlink): VF representors" },
    { "legacy", run_legacy, 1, "PF",
      "puts PF's eswitch back in legacy mode (devlink)" },
    { "reps-up", run_reps_up, 1, "PF",
      "brings the representors of PF's VFs up" },
    { "tc-offload", run_tc_offload, 2, "PF on|off",
      "turns ethtool's hw-tc-offload of PF's netdev on or off" },
    { "rep", run_rep, 1, "VF",
      "the representor of the VF at PCI address VF (Multus's deviceID)" },
};

#define TC_FEATURE "hw-tc-offload"

static int
take_value(int argc, char *argv[], int *i, const char **valuep, char **errp)
{
    const char *arg = argv[*i], *eq = strchr(arg, '=');

    if (eq) {
        *valuep = eq + 1;
    } else if (*i + 1 < argc) {
        *valuep = argv[++*i];
    } else {
        *errp = xasprintf("%s: needs a value", arg);
        return -EINVAL;
    }
    return 0;
}

static int
parse_option(int argc, char *argv[], int *i, struct niccli_opts *o,
             char **errp)
{
    const char *arg = argv[*i], *value;

    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
        o->help = true;
    } else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
        o->version = true;
    } else if (!strcmp(arg, "--json")) {
        o->json = true;
    } else if (!strcmp(arg, "-o") || !strcmp(arg, "--output")
               || !strncmp(arg, "--output=", 9)) {
        if (take_value(argc, argv, i, &value, errp)) {
            return -EINVAL;
        }
        if (strcmp(value, "json") && strcmp(value, "table")) {
            *errp = xasprintf("-o %s: the output is json or table", value);
            return -EINVAL;
        }
        o->json = !strcmp(value, "json");
    } else if (!strncmp(arg, "--sysfs-root", 12)
               && (!arg[12] || arg[12] == '=')) {
        return take_value(argc, argv, i, &o->sysfs_root, errp);
    } else {
        *errp = xasprintf("%s: unknown option (seine-nic --help)", arg);
        return -EINVAL;
    }
    return 0;
}

static int
parse_word(struct niccli_opts *o, const char *word, char **errp)
{
    if (!o->command) {
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
            if (!strcmp(commands[i].name, word)) {
                o->command = &commands[i];
                return 0;
            }
        }
        *errp = xasprintf("%s: unknown command (seine-nic --help)", word);
        return -EINVAL;
    }
    if (o->n_args >= o->command->n_args) {
        *errp = xasprintf("%s: unexpected argument (usage: seine-nic %s%s%s)",
                          word, o->command->name,
                          *o->command->args ? " " : "", o->command->args);
        return -EINVAL;
    }
    o->args[o->n_args++] = word;
    return 0;
}

int
niccli_parse(int argc, char *argv[], struct niccli_opts *o, char **errp)
{
    int error = 0;

    memset(o, 0, sizeof *o);
    o->sysfs_root = "/";
    o->out = stdout;
    o->err = stderr;
    *errp = NULL;
    for (int i = 1; i < argc && !error; i++) {
        error = (argv[i][0] == '-' && argv[i][1]
                 ? parse_option(argc, argv, &i, o, errp)
                 : parse_word(o, argv[i], errp));
    }
    if (error || o->help || o->version) {
        return error ? NICCLI_EXIT_USAGE : 0;
    }
    if (!o->command) {
        *errp = xstrdup("no command (seine-nic --help lists them)");
    } else if (o->n_args < o->command->n_args) {
        *errp = xasprintf("usage: seine-nic %s %s", o->command->name,
                          o->command->args);
    }
    return *errp ? NICCLI_EXIT_USAGE : 0;
}

void
niccli_usage(const struct niccli_opts *o, struct ds *s)
{
    if (o->command) {
        ds_put_format(s, "usage: seine-nic %s %s [--sysfs-root DIR]\n\n%s\n",
                      o->command->name, o->command->args, o->command->help);
        return;
    }
    ds_put_cstr(s, "seine-nic: SR-IOV NICs, their VFs and switchdev "
                "representors (docs/sriov-offload.md)\nusage: seine-nic "
                "COMMAND [ARGS] [OPTIONS]\n\nCommands (PF: a PCI address or "
                "its netdev):\n");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        char *synopsis = xasprintf("%s %s", commands[i].name,
                                   commands[i].args);
        ds_put_format(s, "  %-20s %s\n", synopsis, commands[i].help);
        free(synopsis);
    }
    ds_put_cstr(s, "\nOptions:\n"
                "  --sysfs-root DIR     read sysfs below DIR (/)\n"
                "  --json, -o json      show: JSON (seine-nic/v1)\n"
                "  -h, --help           this help, or a command's\n"
                "  -V, --version        seine-nic's version\n"
                "\nExit codes: 0 ok, 1 refused by the NIC, its driver or the "
                "kernel, 2 usage.\n");
}

/* Says why on o->err: the exit code of a refusal. */
static int
refuse(const struct niccli_opts *o, char *why)
{
    fprintf(o->err, "seine-nic %s: %s\n", o->command->name, why);
    free(why);
    return NICCLI_EXIT_REFUSED;
}

static int
run_show(const struct niccli_opts *o)
{
    struct json_object *j;
    char *err = NULL;

    if (nicshow_collect(o->sysfs_root, !strcmp(o->sysfs_root, "/"), &j,
                        &err)) {
        return refuse(o, err);
    }
    if (o->json) {
        fprintf(o->out, "%s\n", json_object_to_json_string_ext(
                    j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                    | JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        struct ds s = DS_EMPTY_INITIALIZER;
        nicshow_render(j, &s);
        fputs(ds_cstr(&s), o->out);
        ds_destroy(&s);
    }
    json_object_put(j);
    return NICCLI_EXIT_OK;
}

/* The PF the first argument names, read into 'pf'. */
static int
read_pf(const struct niccli_opts *o, struct sriovfs_pf *pf, char **errp)
{
    char *pci;
    int error = sriovfs_resolve(o->sysfs_root, o->args[0], &pci, errp);

    if (!error) {
        error = sriovfs_read_pf(o->sysfs_root, pci, pf, errp);
        free(pci);
    }
    return error;
}

static int
run_vfs(const struct niccli_opts *o)
{
    struct sriovfs_pf pf;
    char *err = NULL;
    int n;

    if (!str_to_int(o->args[1], 10, &n) || n < 0) {
        fprintf(o->err, "seine-nic vfs: %s: not a number of VFs\n",
                o->args[1]);
        return NICCLI_EXIT_USAGE;
    }
    if (read_pf(o, &pf, &err)) {
        return refuse(o, err);
    }
    int was = pf.numvfs;
    int error = sriovfs_set_numvfs(o->sysfs_root, &pf, n, &err);
    if (!error) {
        fprintf(o->out, "%s: %d VFs (had %d)\n", pf.pci, n, was);
    }
    sriovfs_pf_destroy(&pf);
    return error ? refuse(o, err) : NICCLI_EXIT_OK;
}

static int
set_mode(const struct niccli_opts *o, enum eswitch_mode mode)
{
    struct sriovfs_pf pf;
    char *err = NULL;

    if (read_pf(o, &pf, &err)) {
        return refuse(o, err);
    }
    int error = eswitch_set(pf.pci, mode, &err);
    if (!error) {
        fprintf(o->out, "%s: eswitch mode %s\n", pf.pci,
                eswitch_mode_name(mode));
    }
    sriovfs_pf_destroy(&pf);
    return error ? refuse(o, err) : NICCLI_EXIT_OK;
}

static int
run_switchdev(const struct niccli_opts *o)
{
    return set_mode(o, ESWITCH_SWITCHDEV);
}

static int
run_legacy(const struct niccli_opts *o)
{
    return set_mode(o, ESWITCH_LEGACY);
}

/* Brings up each representor of 'reps', saying what became of each. */
static int
bring_up(const struct niccli_opts *o, const struct vfrep_set *reps)
{
    int rc = NICCLI_EXIT_OK;

    for (size_t i = 0; i < reps->n; i++) {
        const struct vfrep *rep = &reps->reps[i];
        char *err = NULL;
        bool was_up;
        if (ifflags_up(rep->netdev, &was_up, &err)) {
            fprintf(o->err, "seine-nic reps-up: VF %d: %s\n", rep->vf, err);
            free(err);
            rc = NICCLI_EXIT_REFUSED;
        } else {
            fprintf(o->out, "%s (VF %d): %s\n", rep->netdev, rep->vf,
                    was_up ? "was up" : "up");
        }
    }
    return rc;
}

static int
run_reps_up(const struct niccli_opts *o)
{
    struct sriovfs_pf pf;
    struct vfrep_set reps;
    char *err = NULL;
    int rc;

    if (read_pf(o, &pf, &err)) {
        return refuse(o, err);
    }
    if (vfrep_find(o->sysfs_root, &pf, &reps, &err)) {
        rc = refuse(o, err);
    } else if (!pf.numvfs) {
        rc = refuse(o, xasprintf("%s: no VFs (seine-nic vfs %s N first)",
                                 pf.pci, pf.pci));
    } else if (!reps.n) {
        rc = refuse(o, xasprintf("%s: no VF representors (eswitch mode %s: "
                                 "seine-nic switchdev %s first)", pf.pci,
                                 vfrep_eswitch_mode(o->sysfs_root, &pf,
                                                    &reps), pf.pci));
    } else {
        rc = bring_up(o, &reps);
    }
    vfrep_set_destroy(&reps);
    sriovfs_pf_destroy(&pf);
    return rc;
}

static int
run_tc_offload(const struct niccli_opts *o)
{
    bool on = !strcmp(o->args[1], "on");
    struct sriovfs_pf pf;
    char *err = NULL;
    int rc = NICCLI_EXIT_OK;

    if (!on && strcmp(o->args[1], "off")) {
        fprintf(o->err, "seine-nic tc-offload: %s: on or off\n", o->args[1]);
        return NICCLI_EXIT_USAGE;
    }
    if (read_pf(o, &pf, &err)) {
        return refuse(o, err);
    }
    if (!pf.netdev) {
        rc = refuse(o, xasprintf("%s: no netdev (driver %s)", pf.pci,
                                 pf.driver ? pf.driver : "none"));
    } else if (ethfeat_set(pf.netdev, TC_FEATURE, on, &err)) {
        rc = refuse(o, err);
    } else {
        fprintf(o->out, "%s: " TC_FEATURE " %s\n", pf.netdev,
                on ? "on" : "off");
    }
    sriovfs_pf_destroy(&pf);
    return rc;
}

static int
run_rep(const struct niccli_opts *o)
{
    char *rep, *err = NULL;

    if (vfrep_for_vf(o->sysfs_root, o->args[0], &rep, &err)) {
        return refuse(o, err);
    }
    fprintf(o->out, "%s\n", rep);
    free(rep);
    return NICCLI_EXIT_OK;
}

int
niccli_run(const struct niccli_opts *o)
{
    return o->command->run(o);
}
