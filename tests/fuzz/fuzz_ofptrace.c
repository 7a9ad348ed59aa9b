/* ovs-vswitchd's answer to ofproto/trace (text), as ofptrace_parse()
 * reads it for Traceflow, and the fields and registers Traceflow reads of
 * each pass. */
#include <config.h>

#include <stdlib.h>

#include "dataplane/ofptrace.h"
#include "fuzzglue.h"

static void
read_section(const struct ofptrace_section *sec)
{
    ofptrace_section_field(sec, "in_port");
    for (int reg = 0; reg < 16; reg++) {
        ofptrace_section_reg(sec, reg);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ofptrace_result *r;
    char *text = fuzzglue_cstr(data, size);

    if (!ofptrace_parse(text, &r)) {
        for (size_t i = 0; i < r->n_sections; i++) {
            read_section(&r->sections[i]);
        }
        read_section(ofptrace_final(r));
        ofptrace_result_destroy(r);
    }
    free(text);
    return 0;
}
