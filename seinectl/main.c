/* seinectl: the operator's CLI of a Seine node (docs/observability.md). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "seine-config.h"
#include "seinectl/bundle.h"
#include "seinectl/cmdline.h"
#include "seinectl/render.h"
#include "seinectl/request.h"
#include "unixctl.h"
#include "util.h"

static int
print_answer(const struct ctl_opts *opts, struct json_object *reply)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (opts->output == CTL_OUTPUT_JSON) {
        ds_put_format(&s, "%s\n", json_object_to_json_string_ext(
                          reply, JSON_C_TO_STRING_PRETTY
                          | JSON_C_TO_STRING_SPACED
                          | JSON_C_TO_STRING_NOSLASHESCAPE));
    } else if (render_table(reply, &s)) {
        fprintf(stderr, "seinectl: the agent's answer has no table layout\n");
        ds_destroy(&s);
        return CTL_EXIT_ERROR;
    }
    fputs(ds_cstr(&s), stdout);
    ds_destroy(&s);
    return CTL_EXIT_OK;
}

static int
run(const struct ctl_opts *opts)
{
    struct json_object *reply;
    struct jsonrpc *client;
    char *err;
    int error = unixctl_client_create(opts->socket, &client);

    if (error) {
        fprintf(stderr, "seinectl: cannot reach the agent at %s: %s (is "
                "seine-agent running? see --socket, $%s)\n", opts->socket,
                ovs_strerror(error), CTL_SOCKET_ENV);
        return CTL_EXIT_UNREACHABLE;
    }
    int rc = request_run(client, opts, &reply, &err);
    jsonrpc_close(client);
    if (rc) {
        if (rc == CTL_EXIT_UNREACHABLE) {
            fprintf(stderr, "seinectl: %s: %s\n", opts->socket, err);
        } else {
            fprintf(stderr, "seinectl: %s\n", err);
        }
        free(err);
        return rc;
    }
    rc = print_answer(opts, reply);
    json_object_put(reply);
    return rc;
}

int
main(int argc, char *argv[])
{
    struct ctl_opts opts;
    char *err;

    set_program_name(argv[0]);
    /* seinectl says itself what went wrong, once, on stderr. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    if (ctl_parse(argc, argv, getenv(CTL_SOCKET_ENV), &opts, &err)) {
        fprintf(stderr, "seinectl: %s\n", err);
        free(err);
        return CTL_EXIT_USAGE;
    }
    if (opts.help || opts.version) {
        struct ds s = DS_EMPTY_INITIALIZER;
        if (opts.help) {
            ctl_usage(opts.command, &s);
        } else {
            ds_put_format(&s, "seinectl %s (Open vSwitch library %s)\n",
                          SEINE_VERSION, VERSION);
        }
        fputs(ds_cstr(&s), stdout);
        ds_destroy(&s);
        return CTL_EXIT_OK;
    }
    if (opts.command->cmd == CTL_SUPPORTBUNDLE) {
        return bundle_run(&opts);
    }
    return run(&opts);
}
