/* seine-cni: the CNI plugin binary (type "seine").  See docs/cni.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/cniargs.h"
#include "cni/cniproto.h"
#include "cni/cniresult.h"
#include "seine-config.h"

/* An ADD may wait for OVS to create a port and commit flows. */
#define AGENT_TIMEOUT_MS (60 * 1000)

typedef int cmd_handler(struct cniargs *, struct cniproto_response *err);

static int
print_and_put(struct json_object *obj)
{
    int error = cniresult_print(stdout, obj);

    json_object_put(obj);
    return error;
}

static int
run_version(struct cniargs *args CNIPROTO_UNUSED,
            struct cniproto_response *err CNIPROTO_UNUSED)
{
    return print_and_put(cniresult_version_to_json());
}

/* The agent could not be asked: STATUS says the plugin is not available;
 * other commands are worth retrying, unless the agent answered in a
 * protocol version or a form this plugin does not know. */
static int
call_failed(const struct cniargs *args, int error,
                  struct cniproto_response *err)
{
    const char *what = "seine-agent is not reachable at %s";
    int code = CNI_ERR_TRY_AGAIN;

    if (error == -EPROTONOSUPPORT) {
        what = "seine-agent at %s speaks another cniproto version";
        code = CNI_ERR_INCOMPATIBLE_VERSION;
    } else if (error == -EPROTO || error == -EBADMSG || error == -EMSGSIZE) {
        what = "seine-agent at %s answered garbage";
        code = CNI_ERR_INTERNAL;
    }
    if (args->cmd == CNIARGS_STATUS) {
        code = CNI_ERR_PLUGIN_NOT_AVAILABLE;
    }
    cniproto_response_error(err, code, strerror(-error), what,
                            args->agent_socket);
    return error;
}

static int
run_agent(struct cniargs *args, struct cniproto_response *err)
{
    struct cniproto_response resp;
    int error = cniproto_call(args->agent_socket, &args->req, &resp,
                              AGENT_TIMEOUT_MS);

    if (error) {
        return call_failed(args, error, err);
    } else if (!resp.ok) {
        cniproto_response_destroy(err);
        *err = resp;
        return -EIO;
    }
    if (args->cmd == CNIARGS_ADD && !resp.has_result) {
        cniproto_response_error(err, CNI_ERR_INTERNAL, NULL,
                                "seine-agent answered ADD without a result");
        error = -EPROTO;
    } else if (args->cmd == CNIARGS_ADD) {
        error = print_and_put(cniresult_to_json(&resp.result, args->spec));
    }
    cniproto_response_destroy(&resp);
    return error;
}

static cmd_handler *const handlers[CNIARGS_N_CMDS] = {
    [CNIARGS_ADD] = run_agent,
    [CNIARGS_DEL] = run_agent,
    [CNIARGS_CHECK] = run_agent,
    [CNIARGS_STATUS] = run_agent,
    [CNIARGS_GC] = run_agent,
    [CNIARGS_VERSION] = run_version,
};

static int
run_option(const char *program, const char *option)
{
    if (!strcmp(option, "--version")) {
        printf("seine-cni %s (CNI 0.3.1, 0.4.0, 1.0.0, 1.1.0)\n",
               SEINE_VERSION);
        return 0;
    } else if (!strcmp(option, "--help")) {
        printf("usage: CNI_COMMAND=ADD|DEL|CHECK|VERSION|STATUS|GC "
               "CNI_CONTAINERID=... CNI_NETNS=... CNI_IFNAME=...\n"
               "       %s < network-config.json\n"
               "The CNI plugin of Seine (type \"seine\"); it asks seine-agent "
               "on its socket\n(\"agentSocket\", default %s).  "
               "See docs/cni.md.\n", program, SEINE_DEFAULT_CNI_SOCKET);
        return 0;
    }
    fprintf(stderr, "%s: unknown option %s (try --help)\n", program, option);
    return 2;
}

int
main(int argc, char *argv[])
{
    struct cniargs args = { .spec = CNIARGS_SPEC_LATEST };
    struct cniproto_response err = { .ok = false };
    char *input = NULL;
    size_t len = 0;
    int error = 0;

    if (argc > 1) {
        return run_option(argv[0], argv[1]);
    }
    if (cniargs_needs_input(environ)) {
        error = cniargs_read_input(STDIN_FILENO, &input, &len, &err);
    }
    if (!error) {
        error = cniargs_parse(environ, input, len, &args, &err);
    }
    if (!error) {
        error = handlers[args.cmd](&args, &err);
    }
    if (error && err.code) {
        print_and_put(cniresult_error_to_json(&err, args.spec));
    }
    free(input);
    cniargs_destroy(&args);
    cniproto_response_destroy(&err);
    return error ? 1 : 0;
}
