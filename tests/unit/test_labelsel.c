/* Label selectors: parsing, validation and matching. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/model/cluster.h"
#include "agent/model/labelsel.h"

static struct labelsel *
parse_ok(const char *text)
{
    struct json_object *obj = json_tokener_parse(text);
    struct labelsel *sel = NULL;
    char *err = NULL;

    assert_non_null(obj);
    if (labelsel_parse(obj, "sel", &sel, &err)) {
        fail_msg("'%s' refused: %s", text, err);
    }
    json_object_put(obj);
    assert_null(err);
    return sel;
}

/* Checks that 'text' is refused with a message containing 'expected'. */
static void
parse_bad(const char *text, const char *expected)
{
    struct json_object *obj = json_tokener_parse(text);
    struct labelsel *sel = NULL;
    char *err = NULL;

    assert_non_null(obj);
    assert_int_equal(labelsel_parse(obj, "sel", &sel, &err), -EINVAL);
    assert_null(sel);
    assert_non_null(err);
    if (!strstr(err, expected)) {
        fail_msg("'%s': message '%s' lacks '%s'", text, err, expected);
    }
    free(err);
    json_object_put(obj);
}

/* Labels from "k=v,k2=v2" (sorted as the cluster model keeps them). */
struct test_labels {
    struct cluster_labels l;
    char *buf;
};

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
labels_make(struct test_labels *t, const char *spec)
{
    char *pairs[16];
    size_t n = 0;

    memset(t, 0, sizeof *t);
    t->buf = strdup(spec);
    for (char *tok = strtok(t->buf, ","); tok && n < 16;
         tok = strtok(NULL, ",")) {
        pairs[n++] = tok;
    }
    qsort(pairs, n, sizeof *pairs, cmp_str);
    t->l.keys = calloc(n + 1, sizeof *t->l.keys);
    t->l.values = calloc(n + 1, sizeof *t->l.values);
    for (size_t i = 0; i < n; i++) {
        char *eq = strchr(pairs[i], '=');
        *eq = '\0';
        t->l.keys[i] = pairs[i];
        t->l.values[i] = eq + 1;
    }
    t->l.n = n;
}

static void
labels_free(struct test_labels *t)
{
    free(t->l.keys);
    free(t->l.values);
    free(t->buf);
}

static bool
matches(const char *sel_text, const char *labels)
{
    struct labelsel *sel = parse_ok(sel_text);
    struct test_labels t;
    bool m;

    labels_make(&t, labels);
    m = labelsel_matches(sel, &t.l);
    labels_free(&t);
    labelsel_destroy(sel);
    return m;
}

static void
test_empty_matches_all(void **state)
{
    struct labelsel *sel = parse_ok("{}");
    struct test_labels t;

    (void) state;
    assert_true(labelsel_is_empty(sel));
    labels_make(&t, "");
    assert_true(labelsel_matches(sel, &t.l));
    labels_free(&t);
    labels_make(&t, "app=web");
    assert_true(labelsel_matches(sel, &t.l));
    labels_free(&t);
    labelsel_destroy(sel);

    /* Both lists empty is the empty selector too, and so is JSON null. */
    assert_true(matches("{\"matchLabels\":{},\"matchExpressions\":[]}",
                        "x=y"));
    sel = NULL;
    char *err = NULL;
    assert_int_equal(labelsel_parse(NULL, "sel", &sel, &err), 0);
    assert_true(labelsel_is_empty(sel));
    labelsel_destroy(sel);
}

static void
test_match_labels(void **state)
{
    (void) state;
    assert_true(matches("{\"matchLabels\":{\"app\":\"web\"}}",
                        "app=web,tier=front"));
    assert_false(matches("{\"matchLabels\":{\"app\":\"web\"}}", "app=db"));
    assert_false(matches("{\"matchLabels\":{\"app\":\"web\"}}", "tier=web"));
    /* Every pair must hold. */
    assert_true(matches("{\"matchLabels\":{\"app\":\"web\",\"tier\":\"f\"}}",
                        "app=web,tier=f"));
    assert_false(matches("{\"matchLabels\":{\"app\":\"web\",\"tier\":\"f\"}}",
                         "app=web"));
    /* An empty value is a value: it needs the key with an empty value. */
    assert_true(matches("{\"matchLabels\":{\"app\":\"\"}}", "app="));
    assert_false(matches("{\"matchLabels\":{\"app\":\"\"}}", "x=y"));
}

static void
test_operators(void **state)
{
    const char *in = "{\"matchExpressions\":[{\"key\":\"env\","
                     "\"operator\":\"In\",\"values\":[\"prod\",\"stage\"]}]}";
    const char *notin = "{\"matchExpressions\":[{\"key\":\"env\","
                        "\"operator\":\"NotIn\",\"values\":[\"prod\"]}]}";
    const char *exists = "{\"matchExpressions\":[{\"key\":\"env\","
                         "\"operator\":\"Exists\"}]}";
    const char *dne = "{\"matchExpressions\":[{\"key\":\"env\","
                      "\"operator\":\"DoesNotExist\",\"values\":[]}]}";

    (void) state;
    assert_true(matches(in, "env=prod"));
    assert_true(matches(in, "env=stage"));
    assert_false(matches(in, "env=dev"));
    assert_false(matches(in, "app=x"));

    /* NotIn matches a label set without the key at all. */
    assert_false(matches(notin, "env=prod"));
    assert_true(matches(notin, "env=dev"));
    assert_true(matches(notin, "app=x"));

    assert_true(matches(exists, "env="));
    assert_true(matches(exists, "env=prod"));
    assert_false(matches(exists, "app=x"));

    assert_false(matches(dne, "env=prod"));
    assert_true(matches(dne, "app=x"));
    assert_true(matches(dne, ""));

    /* matchLabels and matchExpressions are AND-ed. */
    const char *both = "{\"matchLabels\":{\"app\":\"web\"},"
                       "\"matchExpressions\":[{\"key\":\"env\","
                       "\"operator\":\"NotIn\",\"values\":[\"prod\"]}]}";
    assert_true(matches(both, "app=web,env=dev"));
    assert_false(matches(both, "app=web,env=prod"));
    assert_false(matches(both, "app=db,env=dev"));
}

static void
test_validation(void **state)
{
    (void) state;
    parse_bad("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
              "\"values\":[]}]}",
              "sel.matchExpressions[0].values: must be specified when "
              "`operator` is 'In' or 'NotIn'");
    parse_bad("{\"matchExpressions\":[{\"key\":\"a\","
              "\"operator\":\"NotIn\"}]}", "must be specified");
    parse_bad("{\"matchExpressions\":[{\"key\":\"a\","
              "\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
              "may not be specified when `operator` is 'Exists' or "
              "'DoesNotExist'");
    parse_bad("{\"matchExpressions\":[{\"key\":\"a\","
              "\"operator\":\"DoesNotExist\",\"values\":[\"x\"]}]}",
              "may not be specified");
    parse_bad("{\"matchExpressions\":[{\"key\":\"a\","
              "\"operator\":\"Equals\",\"values\":[\"x\"]}]}",
              "'Equals' is not a valid selector operator");
    parse_bad("{\"matchExpressions\":[{\"key\":\"a\"}]}",
              "matchExpressions[0].operator: required");
    parse_bad("{\"matchExpressions\":[{\"operator\":\"Exists\"}]}",
              "matchExpressions[0].key: required");
    parse_bad("{\"matchLabels\":{\"bad key\":\"x\"}}",
              "invalid label key 'bad key'");
    parse_bad("{\"matchLabels\":{\"a\":\"-x\"}}", "invalid label value");
    parse_bad("{\"matchLabels\":{\"a\":5}}", "value is not a string");
    parse_bad("{\"matchLabels\":[]}", "sel.matchLabels: not a mapping");
    parse_bad("[]", "sel: not a mapping");
    parse_bad("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
              "\"values\":[\"ok\",\"not ok\"]}]}",
              "values[1]: invalid label value 'not ok'");
}

static void
test_keys_and_values(void **state)
{
    (void) state;
    assert_true(labelsel_is_valid_key("app"));
    assert_true(labelsel_is_valid_key("kubernetes.io/metadata.name"));
    assert_true(labelsel_is_valid_key("a.b-c_d"));
    assert_false(labelsel_is_valid_key(""));
    assert_false(labelsel_is_valid_key("/app"));
    assert_false(labelsel_is_valid_key("Example.com/app"));
    assert_false(labelsel_is_valid_key("a/b/c"));
    assert_false(labelsel_is_valid_key("-app"));
    assert_false(labelsel_is_valid_key(
        "a234567890123456789012345678901234567890123456789012345678901234"));
    assert_true(labelsel_is_valid_value(""));
    assert_true(labelsel_is_valid_value("v1.2_3-x"));
    assert_false(labelsel_is_valid_value("x-"));
    assert_false(labelsel_is_valid_value("a b"));
}

static void
test_equal_ignores_order(void **state)
{
    struct labelsel *a = parse_ok(
        "{\"matchLabels\":{\"b\":\"2\",\"a\":\"1\"},\"matchExpressions\":"
        "[{\"key\":\"c\",\"operator\":\"In\",\"values\":[\"y\",\"x\",\"x\"]}]}");
    struct labelsel *b = parse_ok(
        "{\"matchExpressions\":[{\"key\":\"c\",\"operator\":\"In\","
        "\"values\":[\"x\",\"y\"]}],\"matchLabels\":{\"a\":\"1\",\"b\":\"2\"}}");
    struct labelsel *c = parse_ok("{\"matchLabels\":{\"a\":\"1\"}}");

    (void) state;
    assert_true(labelsel_equal(a, b));
    assert_false(labelsel_equal(a, c));
    labelsel_destroy(a);
    labelsel_destroy(b);
    labelsel_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_matches_all),
        cmocka_unit_test(test_match_labels),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_keys_and_values),
        cmocka_unit_test(test_equal_ignores_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
