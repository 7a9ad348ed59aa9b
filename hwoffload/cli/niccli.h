/*
 * niccli: seine-nic's command line, parsed whole into a struct
 * niccli_opts before anything is read or written, and its commands (one
 * table: show, vfs, switchdev, legacy, reps-up, tc-offload, rep).  sysfs is
 * read below --sysfs-root; the kernel calls (devlink, ioctls) go to the
 * running kernel whatever the root, so a recorded tree shows what the
 * kernel here refuses.
 */
#ifndef HWOFFLOAD_CLI_NICCLI_H
#define HWOFFLOAD_CLI_NICCLI_H 1

#include <stdbool.h>
#include <stdio.h>

enum {
    NICCLI_EXIT_OK = 0,
    NICCLI_EXIT_REFUSED = 1,    /* the NIC, its driver or the kernel */
    NICCLI_EXIT_USAGE = 2,
};

#define NICCLI_MAX_ARGS 2

struct niccli_command;

struct niccli_opts {
    const struct niccli_command *command;   /* NULL with 'help': all */
    bool help;
    bool version;
    bool json;                  /* --json, -o json */
    const char *sysfs_root;     /* --sysfs-root, "/" */
    const char *args[NICCLI_MAX_ARGS];
    int n_args;
    FILE *out;                  /* the answer (stdout) */
    FILE *err;                  /* refusals (stderr) */
};

/* Parses argv[1..argc-1] into 'opts'.  0, or NICCLI_EXIT_USAGE with why
 * in '*errp' (the caller frees it). */
int niccli_parse(int argc, char *argv[], struct niccli_opts *,
                 char **errp);

/* Runs the command: the exit code. */
int niccli_run(const struct niccli_opts *);

struct ds;
/* The overview, or one command's help. */
void niccli_usage(const struct niccli_opts *, struct ds *);

#endif /* hwoffload/cli/niccli.h */
