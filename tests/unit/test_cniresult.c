/* What the plugin prints: the ADD result in each spec version, the error
 * object and the VERSION answer, field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cni/cniresult.h"

/* A vhost-user pod with an IPv4 and an IPv6 address. */
static void
result_fixture(struct cniproto_result *res)
{
    memset(res, 0, sizeof *res);
    res->ifaces[0] = (struct cniproto_iface) {
        .name = strdup("eth0"), .mac = strdup("0a:58:0a:f4:01:05"),
        .sandbox = strdup("/run/netns/pod1"),
        .socket_path = strdup("/run/seine/vhost/abc-eth0/vhost.sock"),
        .mtu = 1500,
    };
    res->n_ifaces = 1;
    res->ips[0] = (struct cniproto_ip) {
        .address = strdup("10.244.1.5/24"), .gateway = strdup("10.244.1.1"),
        .interface = 0,
    };
    res->ips[1] = (struct cniproto_ip) {
        .address = strdup("fd00::5/64"), .gateway = NULL, .interface = -1,
    };
    res->n_ips = 2;
    res->routes[0] = (struct cniproto_route) {
        .dst = strdup("0.0.0.0/0"), .gw = strdup("10.244.1.1"),
    };
    res->n_routes = 1;
    res->dns_nameservers[0] = strdup("10.96.0.10");
    res->n_dns_nameservers = 1;
}

static struct json_object *
field(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;

    json_object_object_get_ex(obj, key, &v);
    return v;
}

static struct json_object *
item(struct json_object *obj, const char *key, size_t i)
{
    return json_object_array_get_idx(field(obj, key), i);
}

static const char *
str(struct json_object *obj, const char *key)
{
    struct json_object *v = field(obj, key);

    return v ? json_object_get_string(v) : NULL;
}

static struct json_object *
encode(enum cniargs_spec spec)
{
    struct cniproto_result res;

    result_fixture(&res);
    struct json_object *obj = cniresult_to_json(&res, spec);
    cniproto_result_destroy(&res);
    return obj;
}

/* What every version has. */
static void
check_common(struct json_object *obj, const char *version)
{
    struct json_object *iface = item(obj, "interfaces", 0);
    struct json_object *ip0 = item(obj, "ips", 0);
    struct json_object *route = item(obj, "routes", 0);

    assert_string_equal(str(obj, "cniVersion"), version);
    assert_int_equal(json_object_array_length(field(obj, "interfaces")), 1);
    assert_string_equal(str(iface, "name"), "eth0");
    assert_string_equal(str(iface, "mac"), "0a:58:0a:f4:01:05");
    assert_string_equal(str(iface, "sandbox"), "/run/netns/pod1");
    assert_int_equal(json_object_array_length(field(obj, "ips")), 2);
    assert_string_equal(str(ip0, "address"), "10.244.1.5/24");
    assert_string_equal(str(ip0, "gateway"), "10.244.1.1");
    assert_int_equal(json_object_get_int(field(ip0, "interface")), 0);
    assert_null(field(item(obj, "ips", 1), "interface"));
    assert_null(field(item(obj, "ips", 1), "gateway"));
    assert_string_equal(str(route, "dst"), "0.0.0.0/0");
    assert_string_equal(str(route, "gw"), "10.244.1.1");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(
                            field(field(obj, "dns"), "nameservers"), 0)),
                        "10.96.0.10");
}

static void
test_result_1_1_0(void **state CNIPROTO_UNUSED)
{
    struct json_object *obj = encode(CNIARGS_SPEC_1_1_0);
    struct json_object *iface = item(obj, "interfaces", 0);

    check_common(obj, "1.1.0");
    assert_string_equal(str(iface, "socketPath"),
                        "/run/seine/vhost/abc-eth0/vhost.sock");
    assert_int_equal(json_object_get_int(field(iface, "mtu")), 1500);
    assert_null(field(item(obj, "ips", 0), "version"));
    json_object_put(obj);
}

static void
test_result_1_0_0(void **state CNIPROTO_UNUSED)
{
    struct json_object *obj = encode(CNIARGS_SPEC_1_0_0);
    struct json_object *iface = item(obj, "interfaces", 0);

    check_common(obj, "1.0.0");
    assert_null(field(iface, "socketPath"));
    assert_null(field(iface, "mtu"));
    assert_null(field(item(obj, "ips", 0), "version"));
    assert_int_equal(json_object_object_length(iface), 3);
    json_object_put(obj);
}

static void
check_pre_1_0(enum cniargs_spec spec, const char *version)
{
    struct json_object *obj = encode(spec);
    struct json_object *iface = item(obj, "interfaces", 0);

    check_common(obj, version);
    assert_null(field(iface, "socketPath"));
    assert_null(field(iface, "mtu"));
    assert_string_equal(str(item(obj, "ips", 0), "version"), "4");
    assert_string_equal(str(item(obj, "ips", 1), "version"), "6");
    json_object_put(obj);
}

static void
test_result_0_4_0(void **state CNIPROTO_UNUSED)
{
    check_pre_1_0(CNIARGS_SPEC_0_4_0, "0.4.0");
}

static void
test_result_0_3_1(void **state CNIPROTO_UNUSED)
{
    check_pre_1_0(CNIARGS_SPEC_0_3_1, "0.3.1");
}

static void
test_result_without_dns(void **state CNIPROTO_UNUSED)
{
    struct cniproto_result res;

    memset(&res, 0, sizeof res);
    struct json_object *obj = cniresult_to_json(&res, CNIARGS_SPEC_1_1_0);
    assert_non_null(field(obj, "dns"));
    assert_null(field(field(obj, "dns"), "nameservers"));
    assert_int_equal(json_object_array_length(field(obj, "interfaces")), 0);
    json_object_put(obj);
}

static void
test_error_object(void **state CNIPROTO_UNUSED)
{
    struct cniproto_response resp;

    memset(&resp, 0, sizeof resp);
    cniproto_response_error(&resp, CNI_ERR_TRY_AGAIN, "No such file",
                            "seine-agent is not reachable at %s", "/x.sock");
    struct json_object *obj = cniresult_error_to_json(&resp,
                                                      CNIARGS_SPEC_0_4_0);
    assert_string_equal(json_object_to_json_string_ext(
                            obj, JSON_C_TO_STRING_PLAIN
                            | JSON_C_TO_STRING_NOSLASHESCAPE),
                        "{\"cniVersion\":\"0.4.0\",\"code\":11,\"msg\":"
                        "\"seine-agent is not reachable at /x.sock\","
                        "\"details\":\"No such file\"}");
    json_object_put(obj);

    cniproto_response_error(&resp, CNI_ERR_INVALID_CONFIG, NULL, "bad");
    obj = cniresult_error_to_json(&resp, CNIARGS_SPEC_1_1_0);
    assert_null(field(obj, "details"));
    assert_int_equal(json_object_get_int(field(obj, "code")), 7);
    json_object_put(obj);
    cniproto_response_destroy(&resp);
}

static void
test_version_object(void **state CNIPROTO_UNUSED)
{
    struct json_object *obj = cniresult_version_to_json();

    assert_string_equal(json_object_to_json_string_ext(
                            obj, JSON_C_TO_STRING_PLAIN),
                        "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":"
                        "[\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}");
    json_object_put(obj);
}

static void
test_print(void **state CNIPROTO_UNUSED)
{
    struct json_object *obj = cniresult_version_to_json();
    char *buf = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&buf, &size);

    assert_int_equal(cniresult_print(stream, obj), 0);
    fclose(stream);
    assert_true(size > 0 && buf[size - 1] == '\n');
    struct json_object *back = json_tokener_parse(buf);
    assert_true(json_object_equal(obj, back));
    json_object_put(back);
    json_object_put(obj);
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_1_1_0),
        cmocka_unit_test(test_result_1_0_0),
        cmocka_unit_test(test_result_0_4_0),
        cmocka_unit_test(test_result_0_3_1),
        cmocka_unit_test(test_result_without_dns),
        cmocka_unit_test(test_error_object),
        cmocka_unit_test(test_version_object),
        cmocka_unit_test(test_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
