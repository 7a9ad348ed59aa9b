#include <config.h>
#include "agent/lib/promtext.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "util.h"

static bool
name_char(char c, bool first, bool colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
           || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

static bool
valid_name(const char *name, bool colon)
{
    if (!name || !*name) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (!name_char(*p, p == name, colon)) {
            return false;
        }
    }
    return true;
}

bool
promtext_valid_metric_name(const char *name)
{
    return valid_name(name, true);
}

bool
promtext_valid_label_name(const char *name)
{
    return valid_name(name, false) && strncmp(name, "__", 2);
}

/* Appends 's' with each character of 'special' as a backslash and that
 * character, and a newline as "\n". */
static void
put_escaped(struct ds *out, const char *s, const char *special)
{
    for (; *s; s++) {
        if (*s == '\n') {
            ds_put_cstr(out, "\\n");
        } else {
            if (strchr(special, *s)) {
                ds_put_char(out, '\\');
            }
            ds_put_char(out, *s);
        }
    }
}

static const char *
type_name(enum promtext_type type)
{
    switch (type) {
    case PROMTEXT_COUNTER: return "counter";
    case PROMTEXT_GAUGE: return "gauge";
    case PROMTEXT_HISTOGRAM: return "histogram";
    case PROMTEXT_UNTYPED: return "untyped";
    }
    OVS_NOT_REACHED();
}

void
promtext_family(struct ds *out, const char *name, enum promtext_type type,
                const char *help)
{
    ovs_assert(promtext_valid_metric_name(name));
    ovs_assert(help);
    ds_put_format(out, "# HELP %s ", name);
    put_escaped(out, help, "\\");
    ds_put_format(out, "\n# TYPE %s %s\n", name, type_name(type));
}

static void
put_label(struct ds *out, bool first, const char *name, const char *value)
{
    ovs_assert(promtext_valid_label_name(name));
    ds_put_format(out, "%s%s=\"", first ? "{" : ",", name);
    put_escaped(out, value, "\\\"");
    ds_put_char(out, '"');
}

/* Writes "name{labels}" and the space before the value; 'le', if
 * nonnull, is a last label's value. */
static void
put_series(struct ds *out, const char *name, const char *suffix,
           const struct promtext_label *labels, size_t n_labels,
           const char *le)
{
    ovs_assert(promtext_valid_metric_name(name));
    ds_put_format(out, "%s%s", name, suffix);
    for (size_t i = 0; i < n_labels; i++) {
        put_label(out, !i, labels[i].name, labels[i].value);
    }
    if (le) {
        put_label(out, !n_labels, "le", le);
    }
    ds_put_cstr(out, n_labels || le ? "} " : " ");
}

void
promtext_sample_uint(struct ds *out, const char *name,
                     const struct promtext_label *labels, size_t n_labels,
                     uint64_t value)
{
    put_series(out, name, "", labels, n_labels, NULL);
    ds_put_format(out, "%"PRIu64"\n", value);
}

void
promtext_sample_double(struct ds *out, const char *name,
                       const struct promtext_label *labels, size_t n_labels,
                       double value)
{
    put_series(out, name, "", labels, n_labels, NULL);
    promtext_put_double(out, value);
    ds_put_char(out, '\n');
}

/* %.17g always round trips but writes 0.1 as 0.10000000000000001: the
 * shortest of 15, 16 and 17 digits that reads back equal is kept. */
void
promtext_put_double(struct ds *out, double value)
{
    char buf[32];

    if (isnan(value)) {
        ds_put_cstr(out, "NaN");
        return;
    } else if (isinf(value)) {
        ds_put_cstr(out, value > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, value);
        if (strtod(buf, NULL) == value) {
            break;
        }
    }
    ds_put_cstr(out, buf);
}

void
promtext_buckets(struct ds *out, const char *name,
                 const struct promtext_label *labels, size_t n_labels,
                 const double *bounds, const uint64_t *counts,
                 size_t n_bounds, double sum)
{
    struct ds le = DS_EMPTY_INITIALIZER;
    uint64_t cumulative = 0;

    for (size_t i = 0; i < n_labels; i++) {
        ovs_assert(strcmp(labels[i].name, "le"));
    }
    for (size_t i = 0; i <= n_bounds; i++) {
        ds_clear(&le);
        promtext_put_double(&le, i < n_bounds ? bounds[i] : INFINITY);
        cumulative += counts[i];
        put_series(out, name, "_bucket", labels, n_labels, ds_cstr(&le));
        ds_put_format(out, "%"PRIu64"\n", cumulative);
    }
    ds_destroy(&le);

    put_series(out, name, "_sum", labels, n_labels, NULL);
    promtext_put_double(out, sum);
    ds_put_char(out, '\n');
    put_series(out, name, "_count", labels, n_labels, NULL);
    ds_put_format(out, "%"PRIu64"\n", cumulative);
}

void
promtext_histogram_init(struct promtext_histogram *h, const double *bounds,
                        size_t n_bounds)
{
    for (size_t i = 0; i < n_bounds; i++) {
        ovs_assert(isfinite(bounds[i]));
        ovs_assert(!i || bounds[i - 1] < bounds[i]);
    }
    h->bounds = n_bounds ? xmemdup(bounds, n_bounds * sizeof *bounds) : NULL;
    h->counts = xcalloc(n_bounds + 1, sizeof *h->counts);
    h->n_bounds = n_bounds;
    h->sum = 0;
    h->count = 0;
}

void
promtext_histogram_destroy(struct promtext_histogram *h)
{
    if (h) {
        free(h->bounds);
        free(h->counts);
    }
}

void
promtext_histogram_observe(struct promtext_histogram *h, double value)
{
    size_t lo = 0, hi = h->n_bounds;

    /* The first bound >= value; NaN compares false with every bound and
     * so lands in the last bucket. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->bounds[mid] >= value) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    h->counts[lo]++;
    h->sum += value;
    h->count++;
}

void
promtext_histogram_write(struct ds *out, const char *name,
                         const struct promtext_label *labels,
                         size_t n_labels, const struct promtext_histogram *h)
{
    promtext_buckets(out, name, labels, n_labels, h->bounds, h->counts,
                     h->n_bounds, h->sum);
}
