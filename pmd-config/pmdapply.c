#include <config.h>
#include "pmd-config/pmdapply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "dataplane/ovsbridge.h"
#include "openvswitch/vlog.h"
#include "pmd-config/pmdkeys.h"
#include "pmd-config/pmdplan.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(pmdapply);

bool
pmdapply_item_differs(const struct pmdapply_item *it)
{
    return !nullable_string_is_equal(it->want, it->live);
}

void
pmdapply_diff_destroy(struct pmdapply_diff *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].name);
        free(d->items[i].want);
        free(d->items[i].live);
    }
    free(d->items);
    d->items = NULL;
    d->n = 0;
}

void
pmdapply_plan_values(const struct pmdplan *plan, struct smap *values)
{
    for (size_t i = 0; i < plan->n_values; i++) {
        smap_replace(values, plan->values[i].name, plan->values[i].value);
    }
}

int
pmdapply_read_record(struct ovsbridge *br, struct smap *record)
{
    const char *text = ovsbridge_get_setting(br, OVSBRIDGE_OVS_EXTERNAL_IDS,
                                             NULL, PMDKEY_RECORD);
    struct json_object *doc;
    int error = 0;

    if (!text) {
        return 0;
    }
    doc = json_tokener_parse(text);
    if (!json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        return -EINVAL;
    }
    json_object_object_foreach (doc, name, value) {
        if (json_object_is_type(value, json_type_string)) {
            smap_replace(record, name, json_object_get_string(value));
        } else {
            error = -EINVAL;
        }
    }
    json_object_put(doc);
    return error;
}

/* The database's value of 'name', or NULL (also for a name that is no
 * key). */
static char *
live_value(struct ovsbridge *br, const char *name, bool *restartp)
{
    char *port;
    const struct pmdkey *k = pmdkey_parse(name, &port);
    const char *v = (k ? ovsbridge_get_setting(br, k->column, port, k->key)
                     : NULL);

    *restartp = k && k->restart;
    free(port);
    return nullable_xstrdup(v);
}

static void
add_item(struct ovsbridge *br, struct pmdapply_diff *d, const char *name,
         const char *want)
{
    struct pmdapply_item *it;

    d->items = xrealloc(d->items, (d->n + 1) * sizeof *d->items);
    it = &d->items[d->n++];
    it->name = xstrdup(name);
    it->want = nullable_xstrdup(want);
    it->live = live_value(br, name, &it->restart);
}

void
pmdapply_compare(struct ovsbridge *br, const struct smap *want,
                 const struct smap *previous, struct pmdapply_diff *d)
{
    const struct smap_node **nodes = smap_sort(want);
    size_t n = smap_count(want);

    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        add_item(br, d, nodes[i]->key, nodes[i]->value);
    }
    free(nodes);
    if (previous) {
        nodes = smap_sort(previous);
        for (size_t i = 0; i < smap_count(previous); i++) {
            if (!smap_get(want, nodes[i]->key)) {
                add_item(br, d, nodes[i]->key, NULL);
            }
        }
        free(nodes);
    }
}

static char *
record_text(const struct smap *values)
{
    const struct smap_node **nodes = smap_sort(values);
    struct json_object *doc = json_object_new_object();

    for (size_t i = 0; i < smap_count(values); i++) {
        json_object_object_add(doc, nodes[i]->key,
                               json_object_new_string(nodes[i]->value));
    }
    free(nodes);
    char *text = xstrdup(json_object_to_json_string_ext(
                             doc, JSON_C_TO_STRING_PLAIN
                             | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    return text;
}

/* The settings that turn the database into 'd''s wants, and the record;
 * how many.  They point into 'd', 'record' and 'ports' (the interface
 * names, which the caller frees). */
static size_t
build_settings(const struct pmdapply_diff *d, const char *record,
               struct ovsbridge_setting *settings, char **ports)
{
    size_t n = 0;

    for (size_t i = 0; i < d->n; i++) {
        const struct pmdapply_item *it = &d->items[i];
        const struct pmdkey *k = pmdkey_parse(it->name, &ports[n]);
        if (k && pmdapply_item_differs(it)) {
            settings[n] = (struct ovsbridge_setting) {
                k->column, ports[n], k->key, it->want,
            };
            n++;
        } else {
            free(ports[n]);
            ports[n] = NULL;
        }
    }
    settings[n++] = (struct ovsbridge_setting) {
        OVSBRIDGE_OVS_EXTERNAL_IDS, NULL, PMDKEY_RECORD, record,
    };
    return n;
}

static bool
restart_needed(struct ovsbridge *br, const struct pmdapply_diff *d)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].restart && pmdapply_item_differs(&d->items[i])) {
            return ovsbridge_dpdk_initialized(br);
        }
    }
    return false;
}

int
pmdapply_apply(struct ovsbridge *br, const struct pmdplan *plan,
               struct pmdapply_diff *d, bool *restartp)
{
    struct smap want = SMAP_INITIALIZER(&want);
    struct smap previous = SMAP_INITIALIZER(&previous);
    int error = 0;

    memset(d, 0, sizeof *d);
    *restartp = false;
    if (pmdplan_refused(plan)) {
        return -EPERM;
    }
    pmdapply_plan_values(plan, &want);
    if (pmdapply_read_record(br, &previous)) {
        VLOG_WARN("external_ids:%s is not a JSON object of strings: the "
                  "keys it named are left as they are", PMDKEY_RECORD);
    }
    pmdapply_compare(br, &want, &previous, d);

    char *record = record_text(&want);
    bool changed = !smap_equal(&want, &previous);
    for (size_t i = 0; i < d->n; i++) {
        changed = changed || pmdapply_item_differs(&d->items[i]);
    }
    if (changed) {
        struct ovsbridge_setting *settings = xcalloc(d->n + 1,
                                                     sizeof *settings);
        char **ports = xcalloc(d->n + 1, sizeof *ports);
        size_t n = build_settings(d, record, settings, ports);
        error = ovsbridge_configure(br, settings, n);
        for (size_t i = 0; i < n; i++) {
            free(ports[i]);
        }
        free(ports);
        free(settings);
        *restartp = !error && restart_needed(br, d);
    }
    free(record);
    smap_destroy(&want);
    smap_destroy(&previous);
    return error;
}

struct json_object *
pmdapply_diff_to_json(const struct pmdapply_diff *d)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; i < d->n; i++) {
        const struct pmdapply_item *it = &d->items[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(it->name));
        json_object_object_add(o, "want", it->want
                               ? json_object_new_string(it->want) : NULL);
        json_object_object_add(o, "live", it->live
                               ? json_object_new_string(it->live) : NULL);
        json_object_object_add(o, "changed", json_object_new_boolean(
                                   pmdapply_item_differs(it)));
        json_object_object_add(o, "restart",
                               json_object_new_boolean(it->restart));
        json_object_array_add(a, o);
    }
    return a;
}
