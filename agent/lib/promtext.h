/*
 * promtext: the Prometheus text exposition format, version 0.0.4, written
 * into a struct ds, and a histogram the agent can keep and later write.
 *
 * The writers hold no state: a caller writes a family's header, then its
 * samples, then the next family.  Metric and label names come from the
 * agent's code, never from the cluster, so a bad one is a programming
 * error and fails an assertion (promtext_valid_*() say beforehand);
 * label values and HELP texts may be anything and are escaped.
 *
 * Values are written so that Prometheus reads back exactly what was
 * written: integers in full, doubles with the fewest digits that round
 * trip, "+Inf", "-Inf" and "NaN".
 */
#ifndef PROMTEXT_H
#define PROMTEXT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;

enum promtext_type {
    PROMTEXT_COUNTER,
    PROMTEXT_GAUGE,
    PROMTEXT_HISTOGRAM,
    PROMTEXT_UNTYPED,
};

struct promtext_label {
    const char *name;
    const char *value;
};

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
bool promtext_valid_metric_name(const char *);
/* [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by
 * Prometheus). */
bool promtext_valid_label_name(const char *);

/* "# HELP name help" and "# TYPE name type". */
void promtext_family(struct ds *, const char *name, enum promtext_type,
                     const char *help);

/* One sample line: 'name' is the whole sample name (a counter's ends in
 * "_total"), 'labels' its 'n_labels' labels in the order given.  A
 * double holds any gauge's integer up to 2**53 exactly. */
void promtext_sample_uint(struct ds *, const char *name,
                          const struct promtext_label *labels,
                          size_t n_labels, uint64_t value);
void promtext_sample_double(struct ds *, const char *name,
                            const struct promtext_label *labels,
                            size_t n_labels, double value);

/* Appends 'value' as Prometheus expects a float. */
void promtext_put_double(struct ds *, double value);

/* A histogram's samples: name_bucket{...,le="B"} for each of the
 * 'n_bounds' ascending finite 'bounds' and for le="+Inf", cumulative,
 * then name_sum and name_count.  'counts' holds n_bounds + 1 counts of
 * their own bucket (not cumulative), the last above every bound.  No
 * label may be named "le". */
void promtext_buckets(struct ds *, const char *name,
                      const struct promtext_label *labels, size_t n_labels,
                      const double *bounds, const uint64_t *counts,
                      size_t n_bounds, double sum);

/* Observations against fixed upper bounds, e.g. the latency of each CNI
 * ADD: a value falls in the first bucket whose bound is >= it, as "le"
 * means; one above every bound (or NaN) in the last. */
struct promtext_histogram {
    double *bounds;             /* n_bounds, ascending, finite */
    uint64_t *counts;           /* n_bounds + 1 */
    size_t n_bounds;
    double sum;
    uint64_t count;
};

/* Copies the 'n_bounds' 'bounds', which must be strictly ascending and
 * finite. */
void promtext_histogram_init(struct promtext_histogram *,
                             const double *bounds, size_t n_bounds);
void promtext_histogram_destroy(struct promtext_histogram *);
void promtext_histogram_observe(struct promtext_histogram *, double value);

/* promtext_buckets() of 'h'. */
void promtext_histogram_write(struct ds *, const char *name,
                              const struct promtext_label *labels,
                              size_t n_labels,
                              const struct promtext_histogram *h);

#endif /* promtext.h */
