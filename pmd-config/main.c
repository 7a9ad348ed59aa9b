/* seine-pmd: plans, applies and shows OVS's PMD threads
 * (docs/pmd-config.md). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "pmd-config/pmdcli.h"
#include "seine-config.h"
#include "util.h"

int
main(int argc, char *argv[])
{
    struct pmdcli_opts opts;
    char *err;
    int rc;

    set_program_name(argv[0]);
    /* seine-pmd says itself what went wrong, once, on stderr. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    rc = pmdcli_parse(argc, argv, &opts, &err);
    if (rc) {
        fprintf(stderr, "seine-pmd: %s\n", err);
        free(err);
    } else if (opts.help || opts.version) {
        struct ds s = DS_EMPTY_INITIALIZER;
        if (opts.help) {
            pmdcli_usage(&opts, &s);
        } else {
            ds_put_format(&s, "seine-pmd %s (Open vSwitch library %s)\n",
                          SEINE_VERSION, VERSION);
        }
        fputs(ds_cstr(&s), stdout);
        ds_destroy(&s);
    } else {
        rc = pmdcli_run(&opts);
    }
    pmdintent_destroy(&opts.intent);
    return rc;
}
