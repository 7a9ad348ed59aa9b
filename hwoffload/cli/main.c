/* seine-nic: SR-IOV NICs, VFs and switchdev representors
 * (docs/sriov-offload.md). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "hwoffload/cli/niccli.h"
#include "openvswitch/dynamic-string.h"
#include "seine-config.h"
#include "util.h"

int
main(int argc, char *argv[])
{
    struct niccli_opts opts;
    char *err;
    int rc;

    set_program_name(argv[0]);
    rc = niccli_parse(argc, argv, &opts, &err);
    if (rc) {
        fprintf(stderr, "seine-nic: %s\n", err);
        free(err);
    } else if (opts.help || opts.version) {
        struct ds s = DS_EMPTY_INITIALIZER;
        if (opts.help) {
            niccli_usage(&opts, &s);
        } else {
            ds_put_format(&s, "seine-nic %s\n", SEINE_VERSION);
        }
        fputs(ds_cstr(&s), stdout);
        ds_destroy(&s);
    } else {
        rc = niccli_run(&opts);
    }
    return rc;
}
