/* ovs-vswitchd's conntrack dump (dpctl/dump-conntrack text, with or
 * without -m and -s), parsed as ctdump_parse() reads it for flow export,
 * and its entries fed to the exporter's connection table as two dumps in
 * a row and a flush, each record due made a flow record. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "agent/lib/vec.h"
#include "agent/observe/conntable.h"
#include "agent/observe/ctdump.h"
#include "agent/observe/flowrecord.h"
#include "fuzzglue.h"

/* Far enough apart for the idle and active timeouts to pass. */
#define FUZZ_DUMP_GAP_MS (CONNTABLE_DEFAULT_ACTIVE_TIMEOUT_S * 1000 * 2)

static void
export(const struct conntable_flow *flow, void *aux OVS_UNUSED)
{
    struct flowrecord rec;

    memset(&rec, 0, sizeof rec);
    conntable_to_flowrecord(flow, &rec);
    ctdump_tcp_state_name(ctdump_tcp_state(flow->ct));
    ctdump_tcp_closed(flow->ct);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vec entries = VEC_INIT(struct ctdump_entry);
    char *text = fuzzglue_cstr(data, size);
    static const struct conntable_options defaults;
    struct conntable *table = conntable_create(&defaults, export, NULL);

    ctdump_parse(text, &entries);
    conntable_update(table, entries.data, entries.n, 0);
    conntable_update(table, entries.data, entries.n, FUZZ_DUMP_GAP_MS);
    conntable_flush(table, 2 * FUZZ_DUMP_GAP_MS);
    conntable_destroy(table);
    free(entries.data);
    free(text);
    return 0;
}
