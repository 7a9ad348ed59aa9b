/*
 * labelsel: a Kubernetes label selector (metav1.LabelSelector) — the
 * requirements of matchLabels and matchExpressions, all of which must hold.
 *
 * A selector with no requirement matches every label set; "no selector" (a
 * field left out) is the caller's business and is never a struct labelsel.
 * matchLabels {k: v} is read as the requirement "k In (v)", so both forms
 * share one representation.  Requirements are kept sorted (key, operator,
 * values), so two selectors that say the same thing compare equal whatever
 * order the manifest wrote them in.
 */
#ifndef LABELSEL_H
#define LABELSEL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct cluster_labels;

enum labelsel_op {
    LABELSEL_IN,                /* key present, value one of 'values' */
    LABELSEL_NOT_IN,            /* key absent, or value none of 'values' */
    LABELSEL_EXISTS,            /* key present */
    LABELSEL_DOES_NOT_EXIST,    /* key absent */
};

struct labelsel_req {
    char *key;
    enum labelsel_op op;
    char **values;              /* sorted, no duplicates; In/NotIn only */
    size_t n_values;
};

struct labelsel {
    struct labelsel_req *reqs;  /* sorted by key, then op, then values */
    size_t n_reqs;
};

/* Parses a LabelSelector object ('obj' NULL or JSON null: the empty
 * selector) and validates it as the API server does: keys are qualified
 * names, values label values, In and NotIn need at least one value, Exists
 * and DoesNotExist take none.  'path' names the field in messages
 * ("spec.podSelector").  0, or -EINVAL with '*err' (caller frees). */
int labelsel_parse(struct json_object *obj, const char *path,
                   struct labelsel **selp, char **err);
void labelsel_destroy(struct labelsel *);

bool labelsel_matches(const struct labelsel *, const struct cluster_labels *);
/* True if 'sel' has no requirement, i.e. matches everything. */
bool labelsel_is_empty(const struct labelsel *);
/* NULL (no selector) equals only NULL. */
bool labelsel_equal(const struct labelsel *, const struct labelsel *);

/* Whether 's' is a valid label key (an optional DNS subdomain prefix and
 * '/', then a name of at most 63 characters) or label value. */
bool labelsel_is_valid_key(const char *s);
bool labelsel_is_valid_value(const char *s);

#endif /* labelsel.h */
