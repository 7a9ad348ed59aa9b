/*
 * cmdline: seinectl's command line, parsed whole into a struct ctl_opts
 * before anything is sent.  Commands come from one table (their words,
 * arguments, the options they take and their help); options may come
 * anywhere after the program name, as "--opt VALUE" or "--opt=VALUE".
 */
#ifndef SEINECTL_CMDLINE_H
#define SEINECTL_CMDLINE_H 1

#include <stdbool.h>
#include <stddef.h>

/* Exit codes. */
enum {
    CTL_EXIT_OK = 0,
    CTL_EXIT_ERROR = 1,         /* the agent answered an error */
    CTL_EXIT_USAGE = 2,
    CTL_EXIT_UNREACHABLE = 3,   /* no agent on the socket */
};

#define CTL_DEFAULT_SOCKET "/var/run/seine/seine-agent.ctl"
#define CTL_SOCKET_ENV "SEINE_AGENT_CTL"

enum ctl_cmd {
    CTL_GET_PODS,
    CTL_GET_POLICIES,
    CTL_GET_SERVICES,
    CTL_GET_FLOWS,
    CTL_GET_NODES,
    CTL_PMD,
    CTL_OFFLOAD,
    CTL_PORTS,
    CTL_LOG_LEVEL,
    CTL_RECOMPUTE,
    CTL_VERSION,
    CTL_SUPPORTBUNDLE,
    CTL_TRACEFLOW,
    CTL_N_CMDS
};

/* Options a command may take (besides --socket, -o and --help). */
enum {
    CTL_OPT_NAMESPACE = 1 << 0,     /* -n, --namespace NS */
    CTL_OPT_TABLE = 1 << 1,         /* --table T */
    CTL_OPT_POD = 1 << 2,           /* --pod NS/NAME */
    CTL_OPT_POLICY = 1 << 3,        /* --policy [NS/]NAME */
    CTL_OPT_LINES = 1 << 4,         /* --lines N */
    CTL_OPT_FILE = 1 << 5,          /* -o is a FILE to write, not a format */
    CTL_OPT_TRACE = 1 << 6,         /* --from --to --proto --dport --sport
                                     * --timeout --static */
};

#define CTL_DEFAULT_LOG_LINES 2000

struct ctl_command {
    const char *words;          /* "get pods" */
    enum ctl_cmd cmd;
    int options;                /* CTL_OPT_* */
    size_t max_args;            /* positional arguments after the words */
    const char *usage;          /* what follows the words */
    const char *help;
};

enum ctl_output { CTL_OUTPUT_TABLE, CTL_OUTPUT_JSON };

#define CTL_MAX_ARGS 2

struct ctl_opts {
    const char *socket;
    enum ctl_output output;
    const struct ctl_command *command;  /* NULL with 'help': the overview */
    bool help;
    bool version;               /* --version: seinectl's own */
    const char *namespace;
    const char *table;
    const char *pod;
    const char *policy;
    const char *output_file;    /* -o FILE of a CTL_OPT_FILE command */
    int lines;                  /* --lines, else CTL_DEFAULT_LOG_LINES */
    /* traceflow's, passed on to the agent as given */
    const char *from, *to, *proto, *dport, *sport, *timeout;
    bool trace_static;
    const char *args[CTL_MAX_ARGS];
    size_t n_args;
};

/* The command table, 'CTL_N_CMDS' entries in enum ctl_cmd order. */
const struct ctl_command *ctl_commands(void);

/* Parses argv[1..argc-1]; 'env_socket' is $SEINE_AGENT_CTL (or NULL).
 * 0, or CTL_EXIT_USAGE with why in '*errp' (the caller frees it).  The
 * strings in 'opts' point into argv. */
int ctl_parse(int argc, char *argv[], const char *env_socket,
              struct ctl_opts *opts, char **errp);

/* The overview of every command, or one command's help. */
struct ds;
void ctl_usage(const struct ctl_command *, struct ds *);

#endif /* seinectl/cmdline.h */
