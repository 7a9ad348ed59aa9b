#include <config.h>
#include "pmd-config/pmdshow.h"

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "dataplane/pmdstats.h"
#include "pmd-config/pmdapply.h"
#include "pmd-config/pmdkeys.h"
#include "smap.h"
#include "util.h"

static struct json_object *
get(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;

    json_object_object_get_ex(obj, key, &v);
    return v;
}

/* 'obj''s 'key', if any, as 'to''s 'name'. */
static void
copy(struct json_object *to, const char *name, struct json_object *obj,
     const char *key)
{
    struct json_object *v = obj ? get(obj, key) : NULL;

    if (v) {
        json_object_object_add(to, name, json_object_get(v));
    }
}

static struct json_object *
pmd_json(struct json_object *t)
{
    struct json_object *p = json_object_new_object();
    struct json_object *stats = get(t, "stats"), *perf = get(t, "perf");

    copy(p, "coreId", t, "coreId");
    copy(p, "numaId", t, "numaId");
    copy(p, "isolated", t, "isolated");
    copy(p, "busyPercent", stats, "processingCyclesPercent");
    copy(p, "cyclesPerPacket", stats, "avgProcessingCyclesPerPacket");
    copy(p, "packets", stats, "packetsReceived");
    copy(p, "sleepPercent", perf, "sleepIterationsPercent");
    copy(p, "overheadPercent", t, "overheadPercent");
    struct json_object *rxqs = get(t, "rxqs");
    json_object_object_add(p, "rxqs", rxqs ? json_object_get(rxqs)
                                           : json_object_new_array());
    return p;
}

struct json_object *
pmdshow_pmds(const char *stats, const char *rxqs, const char *perf)
{
    struct json_object *threads = pmdstats_parse_stats(stats ? stats : "");
    struct json_object *pmds = json_object_new_array();

    if (rxqs) {
        pmdstats_parse_rxqs(rxqs, threads);
    }
    if (perf) {
        pmdstats_parse_perf(perf, threads);
    }
    for (size_t i = 0; i < json_object_array_length(threads); i++) {
        struct json_object *t = json_object_array_get_idx(threads, i);
        struct json_object *kind = get(t, "thread");
        if (kind && !strcmp(json_object_get_string(kind), "pmd")) {
            json_object_array_add(pmds, pmd_json(t));
        }
    }
    json_object_put(threads);
    return pmds;
}

struct cpuset
pmdshow_cores(struct json_object *pmds)
{
    struct cpuset s;

    cpuset_clear(&s);
    for (size_t i = 0; i < json_object_array_length(pmds); i++) {
        struct json_object *core = get(json_object_array_get_idx(pmds, i),
                                       "coreId");
        if (core) {
            cpuset_add(&s, json_object_get_int(core));
        }
    }
    return s;
}

static void
add_drift(struct pmdshow_drift **d, size_t *n, const char *name,
          const char *planned, const char *live, bool drifts)
{
    *d = xrealloc(*d, (*n + 1) * sizeof **d);
    (*d)[(*n)++] = (struct pmdshow_drift) {
        xstrdup(name), xstrdup(planned), nullable_xstrdup(live), drifts,
    };
}

/* The recorded pmd-cpu-mask against the cores the threads run on. */
static void
core_drift(const struct smap *record, struct json_object *pmds,
           struct pmdshow_drift **d, size_t *n)
{
    const char *mask = smap_get(record, PMDKEY_PMD_CPU_MASK);
    struct cpuset planned, running = pmdshow_cores(pmds);

    if (mask && !cpuset_parse_mask(mask, &planned)) {
        char *p = cpuset_list(&planned), *r = cpuset_list(&running);
        add_drift(d, n, "pmd-cores", p, r,
                  !cpuset_equal(&planned, &running));
        free(p);
        free(r);
    }
}

size_t
pmdshow_drift(struct ovsbridge *br, struct json_object *pmds,
              struct pmdshow_drift **driftp)
{
    struct smap record = SMAP_INITIALIZER(&record);
    struct pmdapply_diff diff;
    size_t n = 0;

    *driftp = NULL;
    pmdapply_read_record(br, &record);
    pmdapply_compare(br, &record, NULL, &diff);
    for (size_t i = 0; i < diff.n; i++) {
        const struct pmdapply_item *it = &diff.items[i];
        add_drift(driftp, &n, it->name, it->want, it->live,
                  pmdapply_item_differs(it));
    }
    pmdapply_diff_destroy(&diff);
    if (pmds) {
        core_drift(&record, pmds, driftp, &n);
    }
    smap_destroy(&record);
    return n;
}

void
pmdshow_drift_free(struct pmdshow_drift *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(d[i].name);
        free(d[i].planned);
        free(d[i].live);
    }
    free(d);
}

struct json_object *
pmdshow_drift_to_json(const struct pmdshow_drift *d, size_t n)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(d[i].name));
        json_object_object_add(o, "planned",
                               json_object_new_string(d[i].planned));
        json_object_object_add(o, "live", d[i].live
                               ? json_object_new_string(d[i].live) : NULL);
        json_object_object_add(o, "drifts",
                               json_object_new_boolean(d[i].drifts));
        json_object_array_add(a, o);
    }
    return a;
}
