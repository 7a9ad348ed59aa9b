/* promtext: the exact text of every shape, and promtool's verdict on it. */
#include <config.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/lib/promtext.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define PROMTOOL "/usr/bin/promtool"

static void
test_names(void **state OVS_UNUSED)
{
    assert_true(promtext_valid_metric_name("seine_cni_add_total"));
    assert_true(promtext_valid_metric_name("_x:y:z9"));
    assert_true(promtext_valid_metric_name("A"));
    assert_false(promtext_valid_metric_name(""));
    assert_false(promtext_valid_metric_name(NULL));
    assert_false(promtext_valid_metric_name("9lives"));
    assert_false(promtext_valid_metric_name("a-b"));
    assert_false(promtext_valid_metric_name("a b"));
    assert_false(promtext_valid_metric_name("é"));

    assert_true(promtext_valid_label_name("pod"));
    assert_true(promtext_valid_label_name("_x9"));
    assert_false(promtext_valid_label_name("__name__"));
    assert_false(promtext_valid_label_name("__x"));
    assert_false(promtext_valid_label_name("a:b"));
    assert_false(promtext_valid_label_name("1a"));
    assert_false(promtext_valid_label_name(""));
}

static char *
double_text(double value)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    promtext_put_double(&s, value);
    return ds_steal_cstr(&s);
}

static void
check_double(double value, const char *expected)
{
    char *text = double_text(value);

    assert_string_equal(text, expected);
    if (!isnan(value)) {
        assert_true(strtod(text, NULL) == value);
    }
    free(text);
}

static void
test_values(void **state OVS_UNUSED)
{
    check_double(0, "0");
    check_double(-0.0, "-0");
    check_double(1, "1");
    check_double(0.1, "0.1");
    check_double(0.005, "0.005");
    check_double(1.0 / 3, "0.3333333333333333");
    check_double(0.1 + 0.2, "0.30000000000000004");
    check_double(2.5e-7, "2.5e-07");
    check_double(1e21, "1e+21");
    check_double(123456789012345.0, "123456789012345");
    check_double(INFINITY, "+Inf");
    check_double(-INFINITY, "-Inf");
    check_double(NAN, "NaN");

    struct ds s = DS_EMPTY_INITIALIZER;
    promtext_sample_uint(&s, "a_total", NULL, 0, UINT64_MAX);
    promtext_sample_double(&s, "b", NULL, 0, -(double) (1LL << 53));
    promtext_sample_double(&s, "c", NULL, 0, 9007199254740993.0);
    assert_string_equal(ds_cstr(&s),
                        "a_total 18446744073709551615\n"
                        "b -9007199254740992\n"
                        "c 9007199254740992\n");
    ds_destroy(&s);
}

static void
test_escaping(void **state OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    const struct promtext_label labels[] = {
        { "namespace", "a\\b\"c\nd" },
        { "pod", "" },
    };

    promtext_family(&s, "x_total", PROMTEXT_COUNTER,
                    "Back\\slash, \"quote\" and\nnewline.");
    promtext_sample_uint(&s, "x_total", labels, 2, 7);
    assert_string_equal(ds_cstr(&s),
        "# HELP x_total Back\\\\slash, \"quote\" and\\nnewline.\n"
        "# TYPE x_total counter\n"
        "x_total{namespace=\"a\\\\b\\\"c\\nd\",pod=\"\"} 7\n");
    ds_destroy(&s);
}

static const double latency_bounds[] = { 0.001, 0.01, 0.1, 1 };

static void
test_histogram(void **state OVS_UNUSED)
{
    const struct promtext_label labels[] = { { "kind", "add" } };
    struct promtext_histogram h;
    struct ds s = DS_EMPTY_INITIALIZER;

    promtext_histogram_init(&h, latency_bounds, ARRAY_SIZE(latency_bounds));
    promtext_histogram_observe(&h, 0.001);   /* on a bound: that bucket */
    promtext_histogram_observe(&h, 0.0005);
    promtext_histogram_observe(&h, 0.05);
    promtext_histogram_observe(&h, 2);
    promtext_histogram_observe(&h, 1);
    assert_int_equal(h.count, 5);

    promtext_family(&s, "cni_seconds", PROMTEXT_HISTOGRAM, "CNI latency.");
    promtext_histogram_write(&s, "cni_seconds", labels, 1, &h);
    promtext_histogram_write(&s, "cni_seconds", NULL, 0, &h);
    assert_string_equal(ds_cstr(&s),
        "# HELP cni_seconds CNI latency.\n"
        "# TYPE cni_seconds histogram\n"
        "cni_seconds_bucket{kind=\"add\",le=\"0.001\"} 2\n"
        "cni_seconds_bucket{kind=\"add\",le=\"0.01\"} 2\n"
        "cni_seconds_bucket{kind=\"add\",le=\"0.1\"} 3\n"
        "cni_seconds_bucket{kind=\"add\",le=\"1\"} 4\n"
        "cni_seconds_bucket{kind=\"add\",le=\"+Inf\"} 5\n"
        "cni_seconds_sum{kind=\"add\"} 3.0515\n"
        "cni_seconds_count{kind=\"add\"} 5\n"
        "cni_seconds_bucket{le=\"0.001\"} 2\n"
        "cni_seconds_bucket{le=\"0.01\"} 2\n"
        "cni_seconds_bucket{le=\"0.1\"} 3\n"
        "cni_seconds_bucket{le=\"1\"} 4\n"
        "cni_seconds_bucket{le=\"+Inf\"} 5\n"
        "cni_seconds_sum 3.0515\n"
        "cni_seconds_count 5\n");
    ds_destroy(&s);

    promtext_histogram_observe(&h, NAN);
    assert_int_equal(h.counts[ARRAY_SIZE(latency_bounds)], 2);
    promtext_histogram_destroy(&h);
}

static void
test_no_bounds(void **state OVS_UNUSED)
{
    struct promtext_histogram h;
    struct ds s = DS_EMPTY_INITIALIZER;

    promtext_histogram_init(&h, NULL, 0);
    promtext_histogram_observe(&h, 0.5);
    promtext_histogram_write(&s, "h", NULL, 0, &h);
    assert_string_equal(ds_cstr(&s),
                        "h_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n");
    ds_destroy(&s);
    promtext_histogram_destroy(&h);
}

/* One family of each type, with labels, escapes and special values, as
 * the agent's families will look. */
static void
put_sample_of_every_shape(struct ds *s)
{
    const struct promtext_label pod[] = {
        { "namespace", "kube-system" }, { "pod", "dns \"a\"\\\n" },
    };
    const struct promtext_label add[] = { { "command", "ADD" } };
    const uint64_t counts[] = { 1, 0, 3, 2, 0 };
    struct promtext_histogram h;

    promtext_family(s, "seine_cni_requests_total", PROMTEXT_COUNTER,
                    "CNI requests answered, by command.\nEscapes \\ too.");
    promtext_sample_uint(s, "seine_cni_requests_total", add, 1, 12);
    promtext_sample_uint(s, "seine_cni_requests_total",
                         (struct promtext_label[]) { { "command", "DEL" } },
                         1, 0);

    promtext_family(s, "seine_pod_ports", PROMTEXT_GAUGE, "Pod ports.");
    promtext_sample_uint(s, "seine_pod_ports", pod, 2, 3);
    promtext_family(s, "seine_load_ratio", PROMTEXT_GAUGE, "A ratio.");
    promtext_sample_double(s, "seine_load_ratio", NULL, 0, 0.1);
    promtext_family(s, "seine_inf", PROMTEXT_GAUGE, "Special values.");
    promtext_sample_double(s, "seine_inf",
                           (struct promtext_label[]) { { "v", "p" } }, 1,
                           INFINITY);
    promtext_sample_double(s, "seine_inf",
                           (struct promtext_label[]) { { "v", "m" } }, 1,
                           -INFINITY);
    promtext_sample_double(s, "seine_inf",
                           (struct promtext_label[]) { { "v", "n" } }, 1,
                           NAN);

    promtext_family(s, "seine_build_info", PROMTEXT_UNTYPED, "Build.");
    promtext_sample_uint(s, "seine_build_info",
                         (struct promtext_label[]) { { "version", "0.1" } },
                         1, 1);

    promtext_family(s, "seine_commit_seconds", PROMTEXT_HISTOGRAM,
                    "Bundle commit latency.");
    promtext_buckets(s, "seine_commit_seconds", NULL, 0, latency_bounds,
                     counts, ARRAY_SIZE(latency_bounds), 4.25);
    promtext_family(s, "seine_cni_seconds", PROMTEXT_HISTOGRAM,
                    "CNI latency.");
    promtext_histogram_init(&h, latency_bounds, ARRAY_SIZE(latency_bounds));
    promtext_histogram_observe(&h, 0.02);
    promtext_histogram_write(s, "seine_cni_seconds", add, 1, &h);
    promtext_histogram_destroy(&h);
}

/* Runs promtool on 'text'; returns its exit status, its output in '*out'. */
static int
run_promtool(const char *text, struct ds *out)
{
    char dir[] = "/tmp/test-promtext.XXXXXX";
    char *in, *res, *cmd;
    char buf[4096];
    FILE *f;
    int status;

    assert_non_null(mkdtemp(dir));
    in = xasprintf("%s/in", dir);
    res = xasprintf("%s/out", dir);
    f = fopen(in, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);

    cmd = xasprintf(PROMTOOL " check metrics <%s >%s 2>&1", in, res);
    status = system(cmd);
    f = fopen(res, "r");
    assert_non_null(f);
    ds_clear(out);
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0; ) {
        ds_put_buffer(out, buf, n);
    }
    fclose(f);

    unlink(in);
    unlink(res);
    rmdir(dir);
    free(cmd);
    free(res);
    free(in);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_promtool(void **state OVS_UNUSED)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    struct ds out = DS_EMPTY_INITIALIZER;

    if (access(PROMTOOL, X_OK)) {
        skip();
    }
    put_sample_of_every_shape(&text);
    int status = run_promtool(ds_cstr(&text), &out);
    if (status || out.length) {
        fprintf(stderr, "%s---\npromtool (exit %d): %s\n", ds_cstr(&text),
                status, ds_cstr(&out));
    }
    assert_int_equal(status, 0);
    assert_int_equal(out.length, 0);

    /* The check does catch what it should: a counter without "_total". */
    ds_clear(&text);
    promtext_family(&text, "seine_bad", PROMTEXT_COUNTER, "Bad.");
    promtext_sample_uint(&text, "seine_bad", NULL, 0, 1);
    assert_int_not_equal(run_promtool(ds_cstr(&text), &out), 0);

    ds_destroy(&out);
    ds_destroy(&text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_no_bounds),
        cmocka_unit_test(test_promtool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
