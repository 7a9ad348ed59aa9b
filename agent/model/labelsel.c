/*
 * Label selectors.
 *
 * A selector is a flat, sorted array of requirements; each In/NotIn
 * requirement holds a sorted array of values, so matching one label set is
 * one binary search per requirement (labels are sorted too, see cluster.c)
 * plus one per value list.  Validation follows the API server's
 * (ValidateLabelSelector), so a selector the cluster would refuse is refused
 * here with the same reason, and one it accepts is accepted.
 */
#include <config.h>
#include "agent/model/labelsel.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/model/cluster.h"
#include "util.h"

static const char *const op_names[] = {
    [LABELSEL_IN] = "In",
    [LABELSEL_NOT_IN] = "NotIn",
    [LABELSEL_EXISTS] = "Exists",
    [LABELSEL_DOES_NOT_EXIST] = "DoesNotExist",
};

/* Validation of names, as k8s.io/apimachinery/pkg/util/validation. */

static bool
is_alnum(char c)
{
    return isascii((unsigned char) c) && isalnum((unsigned char) c);
}

/* [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63 characters. */
static bool
is_label_name(const char *s, size_t len)
{
    if (!len || len > 63 || !is_alnum(s[0]) || !is_alnum(s[len - 1])) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.') {
            return false;
        }
    }
    return true;
}

/* A DNS-1123 subdomain: dot-separated lower-case labels of [a-z0-9-] that
 * start and end alphanumeric, at most 253 characters. */
static bool
is_dns_subdomain(const char *s, size_t len)
{
    size_t start = 0;

    if (!len || len > 253) {
        return false;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (i == start || s[start] == '-' || s[i - 1] == '-') {
                return false;
            }
            start = i + 1;
        } else if (!(islower((unsigned char) s[i])
                     || isdigit((unsigned char) s[i]) || s[i] == '-')) {
            return false;
        }
    }
    return true;
}

bool
labelsel_is_valid_key(const char *s)
{
    const char *slash = strchr(s, '/');

    if (!slash) {
        return is_label_name(s, strlen(s));
    }
    return (is_dns_subdomain(s, slash - s)
            && is_label_name(slash + 1, strlen(slash + 1)));
}

bool
labelsel_is_valid_value(const char *s)
{
    return !s[0] || is_label_name(s, strlen(s));
}

/* Requirements. */

static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;
    return strcmp(*a, *b);
}

static void
req_destroy(struct labelsel_req *req)
{
    free(req->key);
    for (size_t i = 0; i < req->n_values; i++) {
        free(req->values[i]);
    }
    free(req->values);
}

static int
req_compare(const void *a_, const void *b_)
{
    const struct labelsel_req *a = a_, *b = b_;
    int cmp = strcmp(a->key, b->key);

    if (cmp) {
        return cmp;
    }
    if (a->op != b->op) {
        return a->op < b->op ? -1 : 1;
    }
    for (size_t i = 0; i < a->n_values && i < b->n_values; i++) {
        cmp = strcmp(a->values[i], b->values[i]);
        if (cmp) {
            return cmp;
        }
    }
    return (a->n_values > b->n_values) - (a->n_values < b->n_values);
}

/* Sorts the values and drops duplicates: "In (a, a)" is "In (a)". */
static void
req_normalize(struct labelsel_req *req)
{
    size_t n = 0;

    if (req->n_values) {
        qsort(req->values, req->n_values, sizeof *req->values, compare_strings);
    }
    for (size_t i = 0; i < req->n_values; i++) {
        if (n && !strcmp(req->values[n - 1], req->values[i])) {
            free(req->values[i]);
        } else {
            req->values[n++] = req->values[i];
        }
    }
    req->n_values = n;
}

static bool
req_matches(const struct labelsel_req *req,
            const struct cluster_labels *labels)
{
    const char *value = cluster_labels_get(labels, req->key);
    bool in = (value && req->n_values
               && bsearch(&value, req->values, req->n_values,
                          sizeof *req->values, compare_strings));

    switch (req->op) {
    case LABELSEL_IN:
        return in;
    case LABELSEL_NOT_IN:
        return !in;
    case LABELSEL_EXISTS:
        return value != NULL;
    case LABELSEL_DOES_NOT_EXIST:
        return value == NULL;
    default:
        return false;
    }
}

/* Parsing. */

static struct json_object *
json_child(struct json_object *obj, const char *key)
{
    struct json_object *v;
    return (json_object_object_get_ex(obj, key, &v)
            && !json_object_is_type(v, json_type_null) ? v : NULL);
}

static struct labelsel_req *
sel_add(struct labelsel *sel, size_t *allocated)
{
    if (sel->n_reqs >= *allocated) {
        sel->reqs = x2nrealloc(sel->reqs, allocated, sizeof *sel->reqs);
    }
    struct labelsel_req *req = &sel->reqs[sel->n_reqs++];
    memset(req, 0, sizeof *req);
    return req;
}

static int
parse_match_labels(struct json_object *map, const char *path,
                   struct labelsel *sel, size_t *allocated, char **err)
{
    if (!json_object_is_type(map, json_type_object)) {
        *err = xasprintf("%s.matchLabels: not a mapping", path);
        return -EINVAL;
    }
    json_object_object_foreach (map, key, v) {
        const char *value;

        if (!json_object_is_type(v, json_type_string)) {
            *err = xasprintf("%s.matchLabels.%s: value is not a string",
                             path, key);
            return -EINVAL;
        }
        value = json_object_get_string(v);
        if (!labelsel_is_valid_key(key)) {
            *err = xasprintf("%s.matchLabels: invalid label key '%s'",
                             path, key);
            return -EINVAL;
        }
        if (!labelsel_is_valid_value(value)) {
            *err = xasprintf("%s.matchLabels.%s: invalid label value '%s'",
                             path, key, value);
            return -EINVAL;
        }
        struct labelsel_req *req = sel_add(sel, allocated);
        req->key = xstrdup(key);
        req->op = LABELSEL_IN;
        req->values = xmalloc(sizeof *req->values);
        req->values[0] = xstrdup(value);
        req->n_values = 1;
    }
    return 0;
}

static int
parse_op(struct json_object *obj, const char *path, enum labelsel_op *opp,
         char **err)
{
    struct json_object *v = json_child(obj, "operator");
    const char *name = (json_object_is_type(v, json_type_string)
                        ? json_object_get_string(v) : NULL);

    for (size_t i = 0; name && i < ARRAY_SIZE(op_names); i++) {
        if (!strcmp(name, op_names[i])) {
            *opp = i;
            return 0;
        }
    }
    *err = (name
            ? xasprintf("%s.operator: '%s' is not a valid selector operator "
                        "(In, NotIn, Exists, DoesNotExist)", path, name)
            : xasprintf("%s.operator: required", path));
    return -EINVAL;
}

static int
parse_values(struct json_object *list, const char *path,
             struct labelsel_req *req, char **err)
{
    size_t n;

    if (list && !json_object_is_type(list, json_type_array)) {
        *err = xasprintf("%s.values: not a list", path);
        return -EINVAL;
    }
    n = list ? json_object_array_length(list) : 0;
    if ((req->op == LABELSEL_IN || req->op == LABELSEL_NOT_IN) && !n) {
        *err = xasprintf("%s.values: must be specified when `operator` is "
                         "'In' or 'NotIn'", path);
        return -EINVAL;
    }
    if ((req->op == LABELSEL_EXISTS || req->op == LABELSEL_DOES_NOT_EXIST)
        && n) {
        *err = xasprintf("%s.values: may not be specified when `operator` "
                         "is 'Exists' or 'DoesNotExist'", path);
        return -EINVAL;
    }
    req->values = xcalloc(n + 1, sizeof *req->values);
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(list, i);
        const char *value = json_object_get_string(v);

        if (!json_object_is_type(v, json_type_string)
            || !labelsel_is_valid_value(value)) {
            *err = xasprintf("%s.values[%zu]: invalid label value '%s'",
                             path, i, value ? value : "");
            return -EINVAL;
        }
        req->values[req->n_values++] = xstrdup(value);
    }
    req_normalize(req);
    return 0;
}

static int
parse_expression(struct json_object *obj, const char *path,
                 struct labelsel_req *req, char **err)
{
    struct json_object *key = json_child(obj, "key");
    int error;

    if (!json_object_is_type(obj, json_type_object)) {
        *err = xasprintf("%s: not a mapping", path);
        return -EINVAL;
    }
    if (!json_object_is_type(key, json_type_string)
        || !labelsel_is_valid_key(json_object_get_string(key))) {
        *err = (key
                ? xasprintf("%s.key: invalid label key '%s'", path,
                            json_object_get_string(key))
                : xasprintf("%s.key: required", path));
        return -EINVAL;
    }
    req->key = xstrdup(json_object_get_string(key));
    error = parse_op(obj, path, &req->op, err);
    if (!error) {
        error = parse_values(json_child(obj, "values"), path, req, err);
    }
    return error;
}

static int
parse_match_expressions(struct json_object *list, const char *path,
                        struct labelsel *sel, size_t *allocated, char **err)
{
    if (!json_object_is_type(list, json_type_array)) {
        *err = xasprintf("%s.matchExpressions: not a list", path);
        return -EINVAL;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        char *elem_path = xasprintf("%s.matchExpressions[%zu]", path, i);
        int error = parse_expression(json_object_array_get_idx(list, i),
                                     elem_path, sel_add(sel, allocated), err);
        free(elem_path);
        if (error) {
            return error;
        }
    }
    return 0;
}

int
labelsel_parse(struct json_object *obj, const char *path,
               struct labelsel **selp, char **err)
{
    struct labelsel *sel = xzalloc(sizeof *sel);
    struct json_object *labels, *expressions;
    size_t allocated = 0;
    int error = 0;

    *selp = NULL;
    if (obj && !json_object_is_type(obj, json_type_null)) {
        if (!json_object_is_type(obj, json_type_object)) {
            *err = xasprintf("%s: not a mapping", path);
            error = -EINVAL;
            goto out;
        }
        labels = json_child(obj, "matchLabels");
        expressions = json_child(obj, "matchExpressions");
        if (labels) {
            error = parse_match_labels(labels, path, sel, &allocated, err);
        }
        if (!error && expressions) {
            error = parse_match_expressions(expressions, path, sel,
                                            &allocated, err);
        }
    }

out:
    if (error) {
        labelsel_destroy(sel);
        return error;
    }
    if (sel->n_reqs) {
        if (sel->n_reqs) {
            qsort(sel->reqs, sel->n_reqs, sizeof *sel->reqs, req_compare);
        }
    }
    *selp = sel;
    return 0;
}

void
labelsel_destroy(struct labelsel *sel)
{
    if (sel) {
        for (size_t i = 0; i < sel->n_reqs; i++) {
            req_destroy(&sel->reqs[i]);
        }
        free(sel->reqs);
        free(sel);
    }
}

bool
labelsel_matches(const struct labelsel *sel,
                 const struct cluster_labels *labels)
{
    for (size_t i = 0; i < sel->n_reqs; i++) {
        if (!req_matches(&sel->reqs[i], labels)) {
            return false;
        }
    }
    return true;
}

bool
labelsel_is_empty(const struct labelsel *sel)
{
    return !sel->n_reqs;
}

bool
labelsel_equal(const struct labelsel *a, const struct labelsel *b)
{
    if (!a || !b) {
        return !a && !b;
    }
    if (a->n_reqs != b->n_reqs) {
        return false;
    }
    for (size_t i = 0; i < a->n_reqs; i++) {
        if (req_compare(&a->reqs[i], &b->reqs[i])) {
            return false;
        }
    }
    return true;
}
