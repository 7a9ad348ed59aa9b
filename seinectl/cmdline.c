#include <config.h>
#include "seinectl/cmdline.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

static const struct ctl_command commands[CTL_N_CMDS] = {
    { "get pods", CTL_GET_PODS, CTL_OPT_NAMESPACE, 0, "[-n NS]",
      "every pod attachment of the node: port, IP, MAC, link, flows" },
    { "get policies", CTL_GET_POLICIES, 0, 0, "",
      "NetworkPolicies and ClusterNetworkPolicies with their rules in force" },
    { "get services", CTL_GET_SERVICES, 0, 0, "",
      "service load balancers: frontends (VIPs), endpoints, group ids" },
    { "get flows", CTL_GET_FLOWS, CTL_OPT_TABLE | CTL_OPT_POD | CTL_OPT_POLICY,
      0, "[--table T] [--pod NS/NAME] [--policy [NS/]NAME]",
      "desired OpenFlow flows, by table (name or number), pod or policy" },
    { "get nodes", CTL_GET_NODES, 0, 0, "",
      "Nodes of the model: pod CIDR, InternalIP, route or tunnel" },
    { "pmd", CTL_PMD, 0, 0, "",
      "per-PMD thread counters and receive queues of ovs-vswitchd" },
    { "offload", CTL_OFFLOAD, 0, 0, "",
      "datapath flows and their hardware offload (dpctl/dump-flows -m)" },
    { "ports", CTL_PORTS, 0, 0, "",
      "every port of the bridge: type, link, packet counters" },
    { "log-level", CTL_LOG_LEVEL, 0, 2, "[MODULE] [LEVEL]",
      "the agent's log levels; with LEVEL, sets it (for MODULE, or all)" },
    { "recompute", CTL_RECOMPUTE, 0, 0, "",
      "recomputes every desired flow; says how many changes that needed" },
    { "version", CTL_VERSION, 0, 0, "",
      "versions of seinectl, the agent, libopenvswitch and ovs-vswitchd" },
    { "supportbundle", CTL_SUPPORTBUNDLE, CTL_OPT_FILE | CTL_OPT_LINES, 0,
      "[-o FILE] [--lines N]",
      "a tar.gz of the node's diagnostics, secrets redacted (in the node's "
      "netns)" },
    { "traceflow", CTL_TRACEFLOW, CTL_OPT_TRACE, 0,
      "--from NS/POD --to NS/POD|IP|svc:NS/NAME [--proto tcp|udp|icmp] "
      "[--dport N] [--sport N] [--timeout S] [--static]",
      "injects a tagged packet from a pod and shows each stage's verdict "
      "(--static: asks ofproto/trace, injects nothing)" },
};

const struct ctl_command *
ctl_commands(void)
{
    return commands;
}

/* The command whose words start argv[*i..]; advances '*i' past them. */
static const struct ctl_command *
find_command(char *words[], size_t n, size_t *used)
{
    for (size_t c = 0; c < CTL_N_CMDS; c++) {
        char *copy = xstrdup(commands[c].words), *save = NULL;
        size_t k = 0;
        bool match = true;

        for (char *w = strtok_r(copy, " ", &save); w && match;
             w = strtok_r(NULL, " ", &save), k++) {
            match = k < n && !strcmp(words[k], w);
        }
        free(copy);
        if (match) {
            *used = k;
            return &commands[c];
        }
    }
    return NULL;
}

struct ctl_option {
    const char *long_name;
    char short_name;
    int flag;                   /* CTL_OPT_*, 0 for a global option */
    size_t offset;              /* of its value in struct ctl_opts */
};

static const struct ctl_option options[] = {
    { "socket", 0, 0, offsetof(struct ctl_opts, socket) },
    { "output", 'o', 0, 0 },
    { "namespace", 'n', CTL_OPT_NAMESPACE,
      offsetof(struct ctl_opts, namespace) },
    { "table", 0, CTL_OPT_TABLE, offsetof(struct ctl_opts, table) },
    { "pod", 0, CTL_OPT_POD, offsetof(struct ctl_opts, pod) },
    { "policy", 0, CTL_OPT_POLICY, offsetof(struct ctl_opts, policy) },
    { "lines", 0, CTL_OPT_LINES, 0 },
    { "from", 0, CTL_OPT_TRACE, offsetof(struct ctl_opts, from) },
    { "to", 0, CTL_OPT_TRACE, offsetof(struct ctl_opts, to) },
    { "proto", 0, CTL_OPT_TRACE, offsetof(struct ctl_opts, proto) },
    { "dport", 0, CTL_OPT_TRACE, offsetof(struct ctl_opts, dport) },
    { "sport", 0, CTL_OPT_TRACE, offsetof(struct ctl_opts, sport) },
    { "timeout", 0, CTL_OPT_TRACE, offsetof(struct ctl_opts, timeout) },
};

static const struct ctl_option *
find_option(const char *arg, const char **valuep)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t) (eq - arg) : strlen(arg);

    *valuep = eq ? eq + 1 : NULL;
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const struct ctl_option *o = &options[i];
        if (arg[1] == '-' ? (len - 2 == strlen(o->long_name)
                             && !strncmp(arg + 2, o->long_name, len - 2))
                          : (len == 2 && arg[1] == o->short_name)) {
            return o;
        }
    }
    return NULL;
}

static int
set_output(struct ctl_opts *opts, const char *value, char **errp)
{
    if (!strcmp(value, "json")) {
        opts->output = CTL_OUTPUT_JSON;
    } else if (!strcmp(value, "table") || !strcmp(value, "wide")) {
        opts->output = CTL_OUTPUT_TABLE;
    } else {
        *errp = xasprintf("-o %s: the output is json or table", value);
        return CTL_EXIT_USAGE;
    }
    return 0;
}

static int
set_lines(struct ctl_opts *opts, const char *value, char **errp)
{
    if (!str_to_int(value, 10, &opts->lines) || opts->lines < 1) {
        *errp = xasprintf("--lines %s: expected a positive number", value);
        return CTL_EXIT_USAGE;
    }
    return 0;
}

/* Takes option argv[*i] (and its value); records which command options
 * were given in '*given' and the value of -o in '*outputp' (a format or,
 * for some commands, a file: known once the command is). */
static int
parse_option(int argc, char *argv[], int *i, struct ctl_opts *opts,
             int *given, const char **outputp, char **errp)
{
    const char *arg = argv[*i], *value;
    const struct ctl_option *o;

    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
        opts->help = true;
        return 0;
    }
    if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
        opts->version = true;
        return 0;
    }
    if (!strcmp(arg, "--static")) {
        opts->trace_static = true;
        *given |= CTL_OPT_TRACE;
        return 0;
    }
    o = find_option(arg, &value);
    if (!o) {
        *errp = xasprintf("%s: unknown option", arg);
        return CTL_EXIT_USAGE;
    }
    if (!value) {
        if (*i + 1 >= argc) {
            *errp = xasprintf("%s: needs a value", arg);
            return CTL_EXIT_USAGE;
        }
        value = argv[++*i];
    }
    *given |= o->flag;
    if (o->short_name == 'o') {
        *outputp = value;
        return 0;
    } else if (o->flag == CTL_OPT_LINES) {
        return set_lines(opts, value, errp);
    }
    *(const char **) ((char *) opts + o->offset) = value;
    return 0;
}

/* Checks the words and arguments in 'pos' against the command table. */
static int
resolve_command(char *pos[], size_t n_pos, int given, struct ctl_opts *opts,
                char **errp)
{
    size_t used = 0;

    if (!n_pos) {
        if (!opts->help && !opts->version) {
            *errp = xstrdup("no command (seinectl --help lists them)");
            return CTL_EXIT_USAGE;
        }
        return 0;
    }
    opts->command = find_command(pos, n_pos, &used);
    if (!opts->command) {
        *errp = xasprintf("%s: unknown command (seinectl --help lists them)",
                          pos[0]);
        return CTL_EXIT_USAGE;
    }
    if (given & ~opts->command->options) {
        *errp = xasprintf("%s: an option given does not apply (see "
                          "seinectl %s --help)", opts->command->words,
                          opts->command->words);
        return CTL_EXIT_USAGE;
    }
    if (n_pos - used > opts->command->max_args) {
        *errp = xasprintf("%s: unexpected argument '%s'",
                          opts->command->words, pos[used]);
        return CTL_EXIT_USAGE;
    }
    for (size_t i = used; i < n_pos; i++) {
        opts->args[opts->n_args++] = pos[i];
    }
    return 0;
}

int
ctl_parse(int argc, char *argv[], const char *env_socket,
          struct ctl_opts *opts, char **errp)
{
    char **pos = xmalloc(MAX(argc, 1) * sizeof *pos);
    size_t n_pos = 0;
    const char *output = NULL;
    int given = 0;
    int error = 0;

    memset(opts, 0, sizeof *opts);
    opts->lines = CTL_DEFAULT_LOG_LINES;
    opts->socket = env_socket && *env_socket ? env_socket : CTL_DEFAULT_SOCKET;
    *errp = NULL;
    for (int i = 1; i < argc && !error; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            error = parse_option(argc, argv, &i, opts, &given, &output,
                                 errp);
        } else {
            pos[n_pos++] = argv[i];
        }
    }
    if (!error) {
        error = resolve_command(pos, n_pos, given, opts, errp);
    }
    if (!error && output) {
        if (opts->command && opts->command->options & CTL_OPT_FILE) {
            opts->output_file = output;
        } else {
            error = set_output(opts, output, errp);
        }
    }
    free(pos);
    return error;
}

void
ctl_usage(const struct ctl_command *cmd, struct ds *s)
{
    if (cmd) {
        ds_put_format(s, "usage: seinectl %s%s%s%s [--socket PATH]\n\n%s\n",
                      cmd->words, *cmd->usage ? " " : "", cmd->usage,
                      cmd->options & CTL_OPT_FILE ? "" : " [-o json|table]",
                      cmd->help);
        if (cmd->cmd == CTL_SUPPORTBUNDLE) {
            ds_put_format(s, "\nFILE defaults to seine-bundle-NODE-TIMESTAMP"
                          ".tar.gz in the current folder,\nN (the agent "
                          "log's last lines) to %d.  Run it in the agent's "
                          "network\nnamespace: the host's links, routes and "
                          "nftables are read where seinectl\nruns.  With the "
                          "agent down: the rest of the bundle, and exit 3.\n",
                          CTL_DEFAULT_LOG_LINES);
        }
        return;
    }
    ds_put_cstr(s, "seinectl: the Seine node agent's operator CLI\n"
                "usage: seinectl COMMAND [OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < CTL_N_CMDS; i++) {
        ds_put_format(s, "  %-14s %s\n", commands[i].words, commands[i].help);
    }
    ds_put_format(s, "\nOptions:\n"
                  "  -o, --output json|table   the agent's JSON, or a table "
                  "(default)\n"
                  "  --socket PATH   the agent's control socket (default: $%s"
                  " or %s)\n"
                  "  -h, --help      this help, or a command's\n"
                  "  -V, --version   seinectl's version\n"
                  "\nExit codes: 0 ok, 1 the agent answered an error, "
                  "2 usage, 3 agent unreachable.\n",
                  CTL_SOCKET_ENV, CTL_DEFAULT_SOCKET);
}
