#include <config.h>
#include "pmd-config/pmdrender.h"

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "openvswitch/dynamic-string.h"
#include "seinectl/render.h"
#include "seinectl/table.h"
#include "util.h"

static const char *
cell(struct json_object *obj, const char *key)
{
    return render_cell(json_object_object_get(obj, key));
}

static const char *
yes(struct json_object *obj, const char *key)
{
    return (json_object_get_boolean(json_object_object_get(obj, key))
            ? "yes" : "");
}

/* A table of the items of 'array', one row each of 'fields'. */
static void
items_table(struct json_object *array, const char *const *headers,
            const char *const *fields, size_t n_cols, struct ds *s)
{
    struct table t;
    const char **cells = xcalloc(n_cols, sizeof *cells);

    table_init(&t, headers, n_cols);
    for (size_t i = 0; array && i < json_object_array_length(array); i++) {
        struct json_object *item = json_object_array_get_idx(array, i);
        for (size_t c = 0; c < n_cols; c++) {
            cells[c] = (fields[c][0] == '?' ? yes(item, fields[c] + 1)
                        : cell(item, fields[c]));
        }
        table_add_row(&t, cells);
    }
    table_format(&t, s);
    table_destroy(&t);
    free(cells);
}

static void
lines(struct json_object *array, const char *prefix, struct ds *s)
{
    for (size_t i = 0; array && i < json_object_array_length(array); i++) {
        ds_put_format(s, "%s: %s\n", prefix, json_object_get_string(
                          json_object_array_get_idx(array, i)));
    }
}

void
pmdrender_plan(struct json_object *plan, struct ds *s)
{
    static const char *const vh[] = { "NAME", "VALUE", "RESTART", "REASON" };
    static const char *const vf[] = { "name", "value", "?restart", "reason" };
    static const char *const hh[] = { "NODE", "SIZE-KB", "PAGES", "FREE",
                                      "REASON" };
    static const char *const hf[] = { "node", "sizeKB", "pages", "free",
                                      "reason" };
    static const char *const mh[] = { "NODE", "MTU", "PORTS", "MBUFS",
                                      "MBUF-BYTES", "BYTES" };
    static const char *const mf[] = { "node", "mtu", "ports", "mbufs",
                                      "mbufBytes", "bytes" };
    struct json_object *pages = json_object_object_get(plan, "hugepages");
    struct json_object *pools = json_object_object_get(plan, "mempools");

    items_table(json_object_object_get(plan, "values"), vh, vf,
                ARRAY_SIZE(vh), s);
    if (pages && json_object_array_length(pages)) {
        ds_put_cstr(s, "\nHugepages to reserve:\n");
        items_table(pages, hh, hf, ARRAY_SIZE(hh), s);
    }
    if (pools && json_object_array_length(pools)) {
        ds_put_cstr(s, "\nMempools (OVS's arithmetic):\n");
        items_table(pools, mh, mf, ARRAY_SIZE(mh), s);
    }
    lines(json_object_object_get(plan, "warnings"), "warning", s);
    lines(json_object_object_get(plan, "refusals"), "refused", s);
}

void
pmdrender_apply(struct json_object *answer, struct ds *s)
{
    static const char *const h[] = { "NAME", "WANT", "WAS", "CHANGED",
                                     "RESTART" };
    static const char *const f[] = { "name", "want", "live", "?changed",
                                     "?restart" };
    struct json_object *restart = json_object_object_get(answer, "restartFor");

    items_table(json_object_object_get(answer, "changes"), h, f,
                ARRAY_SIZE(h), s);
    ds_put_format(s, "%s keys changed\n", cell(answer, "changed"));
    if (restart && json_object_array_length(restart)) {
        ds_put_cstr(s, "ovs-vswitchd reads these only when it starts: ");
        for (size_t i = 0; i < json_object_array_length(restart); i++) {
            ds_put_format(s, "%s%s", i ? ", " : "", json_object_get_string(
                              json_object_array_get_idx(restart, i)));
        }
        ds_put_format(s, " (%s)\n", json_object_get_boolean(
                          json_object_object_get(answer, "restarted"))
                      ? "restarted with --restart"
                      : "restart it yourself, or give --restart CMD");
    }
    struct json_object *plan = json_object_object_get(answer, "plan");
    lines(json_object_object_get(plan, "warnings"), "warning", s);
}

/* "port:queue usage%" of each rx queue of a PMD. */
static void
rxq_cells(struct json_object *pmd, struct ds *out)
{
    struct json_object *rxqs = json_object_object_get(pmd, "rxqs");

    for (size_t i = 0; rxqs && i < json_object_array_length(rxqs); i++) {
        struct json_object *q = json_object_array_get_idx(rxqs, i);
        const char *usage = cell(q, "usagePercent");
        ds_put_format(out, "%s%s:%s(%s%%)", i ? "," : "", cell(q, "port"),
                      cell(q, "queueId"), usage ? usage : "-");
    }
}

void
pmdrender_show(struct json_object *answer, struct ds *s)
{
    static const char *const h[] = { "CORE", "NUMA", "BUSY%", "CYCLES/PKT",
                                     "PACKETS", "ISOLATED", "RXQS" };
    static const char *const dh[] = { "NAME", "PLANNED", "LIVE", "DRIFT" };
    static const char *const df[] = { "name", "planned", "live", "?drifts" };
    struct json_object *pmds = json_object_object_get(answer, "pmds");
    struct table t;

    table_init(&t, h, ARRAY_SIZE(h));
    for (size_t i = 0; pmds && i < json_object_array_length(pmds); i++) {
        struct json_object *p = json_object_array_get_idx(pmds, i);
        struct ds rxqs = DS_EMPTY_INITIALIZER;
        rxq_cells(p, &rxqs);
        table_add_row(&t, (const char *const[]) {
            cell(p, "coreId"), cell(p, "numaId"), cell(p, "busyPercent"),
            cell(p, "cyclesPerPacket"), cell(p, "packets"),
            cell(p, "isolated"), ds_cstr(&rxqs) });
        ds_destroy(&rxqs);
    }
    table_format(&t, s);
    table_destroy(&t);
    ds_put_cstr(s, "\nDrift from the applied plan:\n");
    items_table(json_object_object_get(answer, "drift"), dh, df,
                ARRAY_SIZE(dh), s);
}
