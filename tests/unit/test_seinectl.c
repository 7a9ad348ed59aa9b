/* seinectl's logic without an agent: the command line (every exit code 2
 * case, options anywhere, the socket's default), the aligned tables, the
 * table layouts of the agent's answers and the reshaped vlog/list. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "openvswitch/dynamic-string.h"
#include "seinectl/cmdline.h"
#include "seinectl/render.h"
#include "seinectl/request.h"
#include "seinectl/table.h"

#define ARGV(...) (char *[]) { "seinectl", __VA_ARGS__ }, \
    (int) (sizeof (char *[]) { "seinectl", __VA_ARGS__ } / sizeof (char *))

static int
parse(char *argv[], int argc, const char *env, struct ctl_opts *opts)
{
    char *err = NULL;
    int rc = ctl_parse(argc, argv, env, opts, &err);

    assert_true(rc ? err != NULL : err == NULL);
    free(err);
    return rc;
}

static void
test_parse_commands(void **state)
{
    struct ctl_opts o;
    (void) state;

    assert_int_equal(parse(ARGV("get", "pods", "-n", "kube-system"), NULL,
                           &o), 0);
    assert_int_equal(o.command->cmd, CTL_GET_PODS);
    assert_string_equal(o.namespace, "kube-system");
    assert_string_equal(o.socket, CTL_DEFAULT_SOCKET);
    assert_int_equal(o.output, CTL_OUTPUT_TABLE);

    assert_int_equal(parse(ARGV("-o", "json", "get", "flows", "--table=70",
                                "--pod", "default/a", "--socket", "/x.ctl"),
                           "/env.ctl", &o), 0);
    assert_int_equal(o.command->cmd, CTL_GET_FLOWS);
    assert_int_equal(o.output, CTL_OUTPUT_JSON);
    assert_string_equal(o.table, "70");
    assert_string_equal(o.pod, "default/a");
    assert_string_equal(o.socket, "/x.ctl");

    assert_int_equal(parse(ARGV("log-level", "main", "dbg"), "/env.ctl", &o),
                     0);
    assert_string_equal(o.socket, "/env.ctl");
    assert_int_equal(o.n_args, 2);
    assert_string_equal(o.args[0], "main");

    assert_int_equal(parse(ARGV("pmd", "--help"), NULL, &o), 0);
    assert_true(o.help);
    assert_int_equal(o.command->cmd, CTL_PMD);
    assert_int_equal(parse(ARGV("--help"), NULL, &o), 0);
    assert_null(o.command);
    assert_int_equal(parse(ARGV("--version"), NULL, &o), 0);
    assert_true(o.version);
}

/* supportbundle's -o is the file to write, not a format. */
static void
test_parse_supportbundle(void **state)
{
    struct ctl_opts o;
    (void) state;

    assert_int_equal(parse(ARGV("supportbundle"), NULL, &o), 0);
    assert_int_equal(o.command->cmd, CTL_SUPPORTBUNDLE);
    assert_null(o.output_file);
    assert_int_equal(o.lines, CTL_DEFAULT_LOG_LINES);
    assert_int_equal(parse(ARGV("-o", "b.tar.gz", "supportbundle",
                                "--lines=50"), NULL, &o), 0);
    assert_string_equal(o.output_file, "b.tar.gz");
    assert_int_equal(o.output, CTL_OUTPUT_TABLE);
    assert_int_equal(o.lines, 50);
}

static void
test_parse_usage_errors(void **state)
{
    struct ctl_opts o;
    (void) state;

    assert_int_equal(parse(ARGV("bogus"), NULL, &o), CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("get"), NULL, &o), CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("get", "pods", "extra"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("ports", "--pod", "a/b"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("get", "pods", "-o", "yaml"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("get", "pods", "--frob"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("get", "pods", "-n"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("log-level", "a", "b", "c"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("supportbundle", "--lines", "0"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("supportbundle", "--lines", "x"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("get", "pods", "--lines", "5"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse(ARGV("get", "pods", "-o", "b.tar.gz"), NULL, &o),
                     CTL_EXIT_USAGE);
    assert_int_equal(parse((char *[]) { "seinectl" }, 1, NULL, &o),
                     CTL_EXIT_USAGE);
}

static void
test_table_format(void **state)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct table t;
    (void) state;

    table_init(&t, (const char *const[]) { "NAME", "IP", "FLOWS" }, 3);
    table_add_row(&t, (const char *const[]) { "web-1", "10.244.1.2", "9" });
    table_add_row(&t, (const char *const[]) { "a", NULL, "" });
    table_format(&t, &s);
    assert_string_equal(ds_cstr(&s),
                        "NAME    IP           FLOWS\n"
                        "web-1   10.244.1.2   9\n"
                        "a       -            -\n");
    table_destroy(&t);
    ds_destroy(&s);
}

static void
test_table_empty(void **state)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct table t;
    (void) state;

    table_init(&t, (const char *const[]) { "A", "LONGER" }, 2);
    table_format(&t, &s);
    assert_string_equal(ds_cstr(&s), "A   LONGER\n");
    table_destroy(&t);
    ds_destroy(&s);
}

static void
check_render(const char *json, const char *want)
{
    struct json_object *reply = json_tokener_parse(json);
    struct ds s = DS_EMPTY_INITIALIZER;

    assert_non_null(reply);
    assert_int_equal(render_table(reply, &s), 0);
    assert_string_equal(ds_cstr(&s), want);
    ds_destroy(&s);
    json_object_put(reply);
}

static void
test_render(void **state)
{
    (void) state;
    check_render("{\"apiVersion\": \"seinectl/v1\", \"kind\": \"NodeList\","
                 " \"items\": [{\"name\": \"node1\", \"podCIDR\": "
                 "\"10.244.1.0/24\", \"internalIP\": null, \"local\": true,"
                 " \"routed\": false, \"transport\": null, \"uplink\": "
                 "\"dpdk0\", \"uplinkType\": \"dpdk\"}]}",
                 "NAME    POD-CIDR        INTERNAL-IP   LOCAL   ROUTED   "
                 "TRANSPORT   UPLINK   UPLINK-TYPE\n"
                 "node1   10.244.1.0/24   -             true    false    "
                 "-           dpdk0    dpdk\n");
    check_render("{\"kind\": \"ServiceList\", \"items\": [{\"namespace\": "
                 "\"default\", \"name\": \"web\", \"port\": \"http\", "
                 "\"protocol\": \"tcp\", \"external\": false, \"groupId\": 7,"
                 " \"frontends\": [{\"ip\": \"10.96.0.10\", \"port\": 80}],"
                 " \"endpoints\": [], \"flows\": 3}]}",
                 "SERVICE       PORT   PROTOCOL   EXT   GROUP   FRONTENDS"
                 "       ENDPOINTS   FLOWS\n"
                 "default/web   http   tcp        -     7       "
                 "10.96.0.10:80   -           3\n");
    check_render("{\"kind\": \"FlowList\", \"items\": [{\"table\": 70, "
                 "\"tableName\": \"IngressRule\", \"priority\": 100, "
                 "\"match\": \"\", \"actions\": \"drop\"}]}",
                 "TABLE             PRIORITY   MATCH   ACTIONS\n"
                 "70(IngressRule)   100        -       drop\n");

    struct json_object *other = json_tokener_parse("{\"kind\": \"Nope\", "
                                                   "\"items\": []}");
    struct ds s = DS_EMPTY_INITIALIZER;
    assert_int_equal(render_table(other, &s), -EINVAL);
    json_object_put(other);
    ds_destroy(&s);
}

static const char vlog_list[] =
    "                 console    syslog    file\n"
    "                 -------    ------    ------\n"
    "agent               OFF       ERR      INFO\n"
    "ctlapi              OFF       ERR       DBG\n";

static void
test_loglevels(void **state)
{
    struct json_object *all = request_parse_loglevels(vlog_list, NULL);
    struct json_object *one = request_parse_loglevels(vlog_list, "ctlapi");
    (void) state;

    assert_string_equal(json_object_to_json_string_ext(
                            one, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                        "{\"apiVersion\":\"seinectl/v1\",\"kind\":"
                        "\"LogLevelList\",\"items\":[{\"module\":\"ctlapi\","
                        "\"console\":\"off\",\"syslog\":\"err\",\"file\":"
                        "\"dbg\"}]}");
    assert_int_equal(json_object_array_length(
                         json_object_object_get(all, "items")), 2);
    json_object_put(all);
    json_object_put(one);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_commands),
        cmocka_unit_test(test_parse_usage_errors),
        cmocka_unit_test(test_parse_supportbundle),
        cmocka_unit_test(test_table_format),
        cmocka_unit_test(test_table_empty),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_loglevels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
