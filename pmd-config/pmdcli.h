/*
 * pmdcli: seine-pmd's command line, parsed whole into a struct
 * pmdcli_opts before anything is read or written, and its commands (one
 * table: plan, apply, show).  The intent's settings are flags of their
 * own (--intent, --nic, ...; pmdintent.h), applied in order with --config
 * FILE, so that what comes later wins.
 */
#ifndef PMD_CONFIG_PMDCLI_H
#define PMD_CONFIG_PMDCLI_H 1

#include <stdbool.h>

#include "pmd-config/pmdintent.h"

/* Exit codes, as seinectl's. */
enum {
    PMDCLI_EXIT_OK = 0,
    PMDCLI_EXIT_ERROR = 1,      /* a refused plan, or the switch failed */
    PMDCLI_EXIT_USAGE = 2,
    PMDCLI_EXIT_UNREACHABLE = 3,    /* no OVSDB or ovs-vswitchd */
};

#define PMDCLI_DEFAULT_DB "unix:/run/openvswitch/db.sock"
#define PMDCLI_DEFAULT_RUNDIR "/run/openvswitch"
#define PMDCLI_TIMEOUT_MS 5000

struct pmdcli_command;

struct pmdcli_opts {
    const struct pmdcli_command *command;   /* NULL with 'help': all */
    bool help;
    bool version;
    bool json;                  /* -o json */
    const char *db;             /* --db */
    const char *rundir;         /* --rundir */
    const char *restart;        /* --restart CMD (apply) */
    struct pmdintent intent;
};

/* Parses argv[1..argc-1].  0, or PMDCLI_EXIT_USAGE with why in '*errp'
 * (the caller frees it).  The caller destroys opts->intent either way. */
int pmdcli_parse(int argc, char *argv[], struct pmdcli_opts *, char **errp);

/* Runs the command: the exit code. */
int pmdcli_run(struct pmdcli_opts *);

/* The overview, or one command's help. */
struct ds;
void pmdcli_usage(const struct pmdcli_opts *, struct ds *);

#endif /* pmd-config/pmdcli.h */
