/*
 * cniargs: the plugin's whole input (CNI_* environment and the network
 * configuration on stdin), validated into one typed struct before the
 * plugin does anything else.
 *
 * A failure is reported as a CNI error (code, msg, details) in a
 * cniproto_response, the same form an agent error arrives in, so the
 * plugin prints both the same way.  What a command requires follows the
 * CNI spec: ADD and CHECK need CNI_CONTAINERID, CNI_NETNS and CNI_IFNAME;
 * DEL needs CNI_CONTAINERID and CNI_IFNAME; VERSION, STATUS and GC need
 * none of them.  VERSION reads no configuration at all.
 */
#ifndef CNIARGS_H
#define CNIARGS_H 1

#include <stdbool.h>
#include <stddef.h>

#include "cni/cniproto.h"

/* The CNI spec versions the plugin accepts, oldest first. */
enum cniargs_spec {
    CNIARGS_SPEC_0_3_1,
    CNIARGS_SPEC_0_4_0,
    CNIARGS_SPEC_1_0_0,
    CNIARGS_SPEC_1_1_0,
    CNIARGS_N_SPECS,
};
#define CNIARGS_SPEC_LATEST CNIARGS_SPEC_1_1_0

const char *cniargs_spec_name(enum cniargs_spec);
int cniargs_spec_from_name(const char *, enum cniargs_spec *);

enum cniargs_cmd {
    CNIARGS_ADD,
    CNIARGS_DEL,
    CNIARGS_CHECK,
    CNIARGS_STATUS,
    CNIARGS_GC,
    CNIARGS_VERSION,
    CNIARGS_N_CMDS,
};

struct cniargs {
    enum cniargs_cmd cmd;
    /* The requested version once known to be supported, else the latest:
     * what an error object reports. */
    enum cniargs_spec spec;
    char *agent_socket;         /* config "agentSocket" or the default */
    char *cni_path;             /* CNI_PATH, NULL if unset */
    /* For every command but VERSION: what goes to the agent. */
    struct cniproto_request req;
};

/* The most stdin the plugin reads (a configuration with a prevResult). */
#define CNIARGS_MAX_INPUT CNIPROTO_MAX_MSG

/* Looks up CNI_COMMAND in 'envp' (NULL-terminated "KEY=VALUE" strings)
 * and tells whether the command reads a configuration from stdin. */
bool cniargs_needs_input(char **envp);

/* Reads all of 'fd' (at most CNIARGS_MAX_INPUT bytes) into a
 * NUL-terminated '*data'.  0, or -errno with 'err' filled (code 5). */
int cniargs_read_input(int fd, char **data, size_t *len,
                       struct cniproto_response *err);

/* Validates 'envp' and the configuration 'input' ('len' bytes; ignored for
 * VERSION) into 'args'.  Returns 0, or -EINVAL with 'err' filled (code 1,
 * 4, 6 or 7) and 'args' left destroyable.  'err' must be zeroed. */
int cniargs_parse(char **envp, const char *input, size_t len,
                  struct cniargs *args, struct cniproto_response *err);

void cniargs_destroy(struct cniargs *);

#endif /* cniargs.h */
