/* The plugin's whole input, as seine-cni's main() gets it: the
 * environment, one "KEY=VALUE" a line, then a NUL, then stdin (the network
 * configuration).  What cniargs_parse() accepts must reach the agent as
 * the same request; what it refuses is printed as the spec's error
 * object. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cni/cniargs.h"
#include "cni/cniresult.h"
#include "fuzzcni.h"
#include "fuzzglue.h"
#include "util.h"

/* 'block' cut at its newlines into a NULL-terminated environment. */
static char **
env_from_block(char *block)
{
    size_t n = 1, i = 0;
    char *save = NULL;

    for (const char *p = block; *p; p++) {
        n += *p == '\n';
    }
    char **envp = xcalloc(n + 1, sizeof *envp);
    for (char *line = strtok_r(block, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        envp[i++] = line;
    }
    return envp;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cniproto_response err = { .ok = false };
    struct cniargs args;
    const uint8_t *input;
    size_t len;
    char *block;

    fuzzglue_split(data, size, &block, &input, &len);

    char **envp = env_from_block(block);
    /* main() reads stdin into a NUL-terminated buffer. */
    char *stdin_text = xmemdup0((const char *) input, len);

    cniargs_needs_input(envp);
    if (cniargs_parse(envp, stdin_text, len, &args, &err)) {
        json_object_put(cniresult_error_to_json(&err, args.spec));
    } else if (args.cmd != CNIARGS_VERSION) {
        fuzzcni_check_request(&args.req);
    }
    cniargs_destroy(&args);
    cniproto_response_destroy(&err);
    free(stdin_text);
    free(envp);
    free(block);
    return 0;
}
