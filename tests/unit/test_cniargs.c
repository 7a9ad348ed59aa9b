/* The plugin's input validation: every CNI error code it can give before
 * talking to the agent, and what a valid input turns into. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cni/cniargs.h"
#include "seine-config.h"

#define CFG(VERSION, EXTRA) \
    "{\"cniVersion\": \"" VERSION "\", \"name\": \"pods\", " \
    "\"type\": \"seine\"" EXTRA "}"

#define ADD_ENV "CNI_COMMAND=ADD", "CNI_CONTAINERID=abc123", \
    "CNI_NETNS=/run/netns/pod1", "CNI_IFNAME=eth0"

struct error_case {
    const char *env[8];
    const char *cfg;
    int code;
    const char *msg;            /* a part of the expected msg */
};

static int
parse(char **env, const char *cfg, struct cniargs *args,
      struct cniproto_response *err)
{
    memset(err, 0, sizeof *err);
    return cniargs_parse(env, cfg, cfg ? strlen(cfg) : 0, args, err);
}

static void
check_error_cases(const struct error_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cniargs args;
        struct cniproto_response err;
        int error = parse((char **) cases[i].env, cases[i].cfg, &args, &err);

        if (error != -EINVAL || err.code != cases[i].code
            || !err.msg || !strstr(err.msg, cases[i].msg)) {
            fail_msg("case %zu (%s): got %d, code %d, msg \"%s\"", i,
                     cases[i].msg, error, err.code, err.msg);
        }
        assert_false(err.ok);
        cniargs_destroy(&args);
        cniproto_response_destroy(&err);
    }
}

#define CHECK_CASES(CASES) \
    check_error_cases(CASES, sizeof CASES / sizeof CASES[0])

static void
test_version_needs_no_config(void **state CNIPROTO_UNUSED)
{
    char *env[] = { "CNI_COMMAND=VERSION", NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_false(cniargs_needs_input(env));
    assert_int_equal(parse(env, NULL, &args, &err), 0);
    assert_int_equal(args.cmd, CNIARGS_VERSION);
    cniargs_destroy(&args);
}

static void
test_needs_input(void **state CNIPROTO_UNUSED)
{
    char *add[] = { "CNI_COMMAND=ADD", NULL };
    char *gc[] = { "CNI_COMMAND=GC", NULL };
    char *bad[] = { "CNI_COMMAND=add", NULL };
    char *none[] = { "CNI_COMMANDX=ADD", NULL };

    assert_true(cniargs_needs_input(add));
    assert_true(cniargs_needs_input(gc));
    assert_false(cniargs_needs_input(bad));
    assert_false(cniargs_needs_input(none));
}

static void
test_add_full(void **state CNIPROTO_UNUSED)
{
    char *env[] = {
        "PATH=/usr/bin", ADD_ENV, "CNI_PATH=/opt/cni/bin",
        "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=web;K8S_POD_NAME=fe-0;"
        "K8S_POD_INFRA_CONTAINER_ID=abc123;K8S_POD_UID=u-1;", NULL,
    };
    const char *cfg = CFG("0.4.0", ", \"interfaceType\": \"vhostuser\", "
                          "\"mtu\": 9000, \"agentSocket\": \"/tmp/a.sock\", "
                          "\"vhostSocketDir\": \"/run/v\", \"ipam\": {}, "
                          "\"prevResult\": {\"ips\": []}");
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, cfg, &args, &err), 0);
    assert_int_equal(args.cmd, CNIARGS_ADD);
    assert_int_equal(args.spec, CNIARGS_SPEC_0_4_0);
    assert_int_equal(args.req.cmd, CNIPROTO_ADD);
    assert_string_equal(args.req.cni_version, "0.4.0");
    assert_string_equal(args.req.container_id, "abc123");
    assert_string_equal(args.req.netns, "/run/netns/pod1");
    assert_string_equal(args.req.ifname, "eth0");
    assert_string_equal(args.req.pod_namespace, "web");
    assert_string_equal(args.req.pod_name, "fe-0");
    assert_string_equal(args.req.pod_uid, "u-1");
    assert_string_equal(args.req.network_name, "pods");
    assert_string_equal(args.req.interface_type, "vhostuser");
    assert_int_equal(args.req.mtu, 9000);
    assert_string_equal(args.req.vhost_socket_dir, "/run/v");
    assert_string_equal(args.agent_socket, "/tmp/a.sock");
    assert_string_equal(args.cni_path, "/opt/cni/bin");
    assert_null(args.req.valid);
    cniargs_destroy(&args);
}

/* sriov's VF: "deviceID" at the top level as Multus injects it, else
 * runtimeConfig's (capability "deviceID"); the top level wins. */
static void
test_sriov_device_id(void **state CNIPROTO_UNUSED)
{
    char *env[] = { ADD_ENV, NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("1.0.0", ", \"interfaceType\": \"sriov\", "
                                    "\"deviceID\": \"0000:03:00.2\", "
                                    "\"pciBusID\": \"0000:03:00.2\", "
                                    "\"runtimeConfig\": {\"deviceID\": "
                                    "\"0000:03:00.5\"}"), &args, &err), 0);
    assert_string_equal(args.req.interface_type, "sriov");
    assert_string_equal(args.req.device_id, "0000:03:00.2");
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.0.0", ", \"runtimeConfig\": "
                                    "{\"deviceID\": \"0000:5e:01.0\"}"),
                           &args, &err), 0);
    assert_string_equal(args.req.device_id, "0000:5e:01.0");
    assert_null(args.req.interface_type);
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.0.0", ""), &args, &err), 0);
    assert_null(args.req.device_id);
    cniargs_destroy(&args);
}

/* sriov-cni's VF settings, passed to the agent as one text. */
static void
test_sriov_vf_config(void **state CNIPROTO_UNUSED)
{
    char *env[] = { ADD_ENV, NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("1.0.0", ", \"interfaceType\": \"sriov\", "
                                    "\"vlan\": 100, \"vlanQoS\": 3, "
                                    "\"spoofchk\": \"off\", \"trust\": \"on\", "
                                    "\"link_state\": \"enable\""), &args, &err), 0);
    assert_string_equal(args.req.vf_config,
                        "vlan=100 qos=3 spoofchk=off trust=on link=enable");
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.0.0", ", \"vlan\": 0"), &args, &err),
                     0);
    assert_string_equal(args.req.vf_config, "vlan=0 qos=0");
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.0.0", ""), &args, &err), 0);
    assert_null(args.req.vf_config);
    cniargs_destroy(&args);
}

static void
test_sriov_vf_config_refused(void **state CNIPROTO_UNUSED)
{
    static const struct error_case cases[] = {
        { { ADD_ENV }, CFG("1.0.0", ", \"vlan\": 4096"), 7,
          "\"vlan\" must be an integer from 0 to 4095" },
        { { ADD_ENV }, CFG("1.0.0", ", \"vlan\": \"100\""), 7,
          "\"vlan\" must be an integer" },
        { { ADD_ENV }, CFG("1.0.0", ", \"vlan\": 1, \"vlanQoS\": 8"), 7,
          "\"vlanQoS\" must be an integer from 0 to 7" },
        { { ADD_ENV }, CFG("1.0.0", ", \"vlanQoS\": 2"), 7,
          "\"vlanQoS\" needs \"vlan\"" },
        { { ADD_ENV }, CFG("1.0.0", ", \"spoofchk\": \"yes\""), 7,
          "\"spoofchk\" must be one of \"on\", \"off\"" },
        { { ADD_ENV }, CFG("1.0.0", ", \"trust\": true"), 7,
          "\"trust\" must be a non-empty string" },
        { { ADD_ENV }, CFG("1.0.0", ", \"link_state\": \"up\""), 7,
          "\"link_state\" must be one of \"auto\", \"enable\", \"disable\"" },
    };

    CHECK_CASES(cases);
}

static void
test_add_defaults(void **state CNIPROTO_UNUSED)
{
    char *env[] = { ADD_ENV, NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("1.1.0", ""), &args, &err), 0);
    assert_string_equal(args.agent_socket, SEINE_DEFAULT_CNI_SOCKET);
    assert_null(args.req.interface_type);
    assert_null(args.req.vhost_socket_dir);
    assert_null(args.req.pod_name);
    assert_null(args.cni_path);
    assert_int_equal(args.req.mtu, 0);
    cniargs_destroy(&args);
}

static void
test_del_without_netns(void **state CNIPROTO_UNUSED)
{
    char *env[] = { "CNI_COMMAND=DEL", "CNI_CONTAINERID=c1", "CNI_NETNS=",
                    "CNI_IFNAME=net1", NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("0.3.1", "") "\n", &args, &err), 0);
    assert_int_equal(args.req.cmd, CNIPROTO_DEL);
    assert_null(args.req.netns);
    assert_string_equal(args.req.ifname, "net1");
    cniargs_destroy(&args);
}

static void
test_status_ignores_container_env(void **state CNIPROTO_UNUSED)
{
    char *env[] = { "CNI_COMMAND=STATUS", "CNI_IFNAME=bad/name", NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("1.1.0", ""), &args, &err), 0);
    assert_int_equal(args.req.cmd, CNIPROTO_STATUS);
    assert_null(args.req.ifname);
    cniargs_destroy(&args);
}

static void
test_gc_attachments(void **state CNIPROTO_UNUSED)
{
    char *env[] = { "CNI_COMMAND=GC", NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("1.1.0", ", \"cni.dev/valid-attachments\""
                                    ": [{\"containerID\": \"a\", \"ifname\": "
                                    "\"eth0\"}, {\"containerID\": \"b\", "
                                    "\"ifname\": \"net1\"}]"),
                           &args, &err), 0);
    assert_int_equal(args.req.cmd, CNIPROTO_GC);
    assert_int_equal(args.req.n_valid, 2);
    assert_string_equal(args.req.valid[1].container_id, "b");
    assert_string_equal(args.req.valid[1].ifname, "net1");
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.1.0", ", \"cni.dev/valid-attachments\""
                                    ": []"), &args, &err), 0);
    assert_int_equal(args.req.n_valid, 0);
    assert_non_null(args.req.valid);
    cniargs_destroy(&args);
}

/* A static address and MAC: CNI_ARGS IP= and MAC= (podman's --ip,
 * --mac-address and network reload), overridden by runtimeConfig "ips" and
 * "mac" (the capabilities); only ADD carries them. */
static void
test_static_ip_and_mac(void **state CNIPROTO_UNUSED)
{
    char *env[] = { ADD_ENV, "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=c1;"
                    "IP=10.244.1.200;MAC=02:aa:bb:cc:dd:ee", NULL };
    char *del[] = { "CNI_COMMAND=DEL", "CNI_CONTAINERID=abc123",
                    "CNI_IFNAME=eth0", "CNI_ARGS=IP=10.244.1.200;MAC=bad",
                    NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("1.0.0", ""), &args, &err), 0);
    assert_string_equal(args.req.static_ip, "10.244.1.200");
    assert_string_equal(args.req.static_mac, "02:aa:bb:cc:dd:ee");
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.0.0", ", \"runtimeConfig\": {\"ips\": "
                                    "[\"10.244.1.201/24\"], \"mac\": "
                                    "\"02:00:00:00:00:01\"}"), &args, &err), 0);
    assert_string_equal(args.req.static_ip, "10.244.1.201/24");
    assert_string_equal(args.req.static_mac, "02:00:00:00:00:01");
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.0.0", ", \"runtimeConfig\": {\"ips\": "
                                    "[\"10.244.1.202\", \"10.244.1.202/24\"]}"),
                           &args, &err), 0);
    assert_string_equal(args.req.static_ip, "10.244.1.202");
    cniargs_destroy(&args);

    assert_int_equal(parse(env, CFG("1.0.0", ", \"runtimeConfig\": {\"ips\": "
                                    "[]}"), &args, &err), 0);
    assert_string_equal(args.req.static_ip, "10.244.1.200");
    cniargs_destroy(&args);

    assert_int_equal(parse(del, CFG("1.0.0", ""), &args, &err), 0);
    assert_null(args.req.static_ip);
    assert_null(args.req.static_mac);
    cniargs_destroy(&args);
}

/* "defaultRoute": the network says whether its attachment takes the
 * pod's default route; absent, the pod's first kernel attachment does. */
static void
test_default_route(void **state CNIPROTO_UNUSED)
{
    char *env[] = { ADD_ENV, NULL };
    struct cniproto_response err;
    struct cniargs args;

    assert_int_equal(parse(env, CFG("1.0.0", ""), &args, &err), 0);
    assert_int_equal(args.req.default_route, CNIPROTO_ROUTE_AUTO);
    cniargs_destroy(&args);
    assert_int_equal(parse(env, CFG("1.0.0", ", \"defaultRoute\": false"),
                           &args, &err), 0);
    assert_int_equal(args.req.default_route, CNIPROTO_ROUTE_NO);
    cniargs_destroy(&args);
    assert_int_equal(parse(env, CFG("1.0.0", ", \"defaultRoute\": true"),
                           &args, &err), 0);
    assert_int_equal(args.req.default_route, CNIPROTO_ROUTE_YES);
    cniargs_destroy(&args);
}

static void
test_static_ip_and_mac_refused(void **state CNIPROTO_UNUSED)
{
    static const struct error_case cases[] = {
        { { ADD_ENV }, CFG("1.0.0", ", \"defaultRoute\": \"yes\""), 7,
          "\"defaultRoute\" must be true or false" },
        { { ADD_ENV, "CNI_ARGS=IP=10.244.1.300" }, CFG("1.0.0", ""), 4,
          "IP=\"10.244.1.300\" is not an IPv4 address" },
        { { ADD_ENV, "CNI_ARGS=IP=10.244.1.2,10.244.1.3" }, CFG("1.0.0", ""),
          4, "is not an IPv4 address" },
        { { ADD_ENV, "CNI_ARGS=IP=fd00::2" }, CFG("1.0.0", ""), 4,
          "is not an IPv4 address" },
        { { ADD_ENV, "CNI_ARGS=IP=10.244.1.2/33" }, CFG("1.0.0", ""), 4,
          "is not an IPv4 address" },
        { { ADD_ENV, "CNI_ARGS=MAC=01:00:5e:00:00:01" }, CFG("1.0.0", ""), 4,
          "is not a unicast MAC" },
        { { ADD_ENV, "CNI_ARGS=MAC=00:00:00:00:00:00" }, CFG("1.0.0", ""), 4,
          "is not a unicast MAC" },
        { { ADD_ENV, "CNI_ARGS=MAC=02:aa:bb:cc:dd" }, CFG("1.0.0", ""), 4,
          "is not a unicast MAC" },
        { { ADD_ENV, "CNI_ARGS=MAC=02:aa:bb:cc:dd:eeff" }, CFG("1.0.0", ""), 4,
          "is not a unicast MAC" },
        { { ADD_ENV }, CFG("1.0.0", ", \"runtimeConfig\": []"), 7,
          "\"runtimeConfig\" must be an object" },
        { { ADD_ENV }, CFG("1.0.0", ", \"runtimeConfig\": {\"ips\": "
                           "[\"10.0.0.1/24\", \"10.0.0.2/24\"]}"), 7,
          "must hold one IPv4 address" },
        { { ADD_ENV }, CFG("1.0.0", ", \"runtimeConfig\": {\"ips\": "
                           "\"10.0.0.1\"}"), 7, "must hold one IPv4 address" },
        { { ADD_ENV }, CFG("1.0.0", ", \"runtimeConfig\": {\"mac\": "
                           "\"ff:ff:ff:ff:ff:ff\"}"), 7, "is not a unicast MAC" },
    };

    CHECK_CASES(cases);
}

static void
test_code1_incompatible_version(void **state CNIPROTO_UNUSED)
{
    static const struct error_case cases[] = {
        { { ADD_ENV }, CFG("2.0.0", ""), 1, "2.0.0 is not supported" },
        { { ADD_ENV }, CFG("0.2.0", ""), 1, "0.2.0 is not supported" },
        { { "CNI_COMMAND=CHECK", "CNI_CONTAINERID=a", "CNI_NETNS=/n",
            "CNI_IFNAME=eth0" }, CFG("0.3.1", ""), 1, "CHECK needs CNI "
          "version 0.4.0" },
        { { "CNI_COMMAND=STATUS" }, CFG("1.0.0", ""), 1, "STATUS needs" },
        { { "CNI_COMMAND=GC" }, CFG("0.4.0", ", \"cni.dev/valid-attachments"
                                    "\": []"), 1, "GC needs CNI version "
          "1.1.0" },
    };
    CHECK_CASES(cases);
}

static void
test_error_reports_requested_version(void **state CNIPROTO_UNUSED)
{
    char *check[] = { "CNI_COMMAND=CHECK", NULL };
    char *add[] = { "CNI_COMMAND=ADD", NULL };
    struct cniproto_response err;
    struct cniargs args;

    parse(check, CFG("0.3.1", ""), &args, &err);
    assert_int_equal(args.spec, CNIARGS_SPEC_0_3_1);
    cniargs_destroy(&args);
    cniproto_response_destroy(&err);

    parse(add, CFG("9.9.9", ""), &args, &err);
    assert_int_equal(args.spec, CNIARGS_SPEC_LATEST);
    cniargs_destroy(&args);
    cniproto_response_destroy(&err);
}

static void
test_code4_invalid_env(void **state CNIPROTO_UNUSED)
{
    static const struct error_case cases[] = {
        { { "PATH=/bin" }, CFG("1.1.0", ""), 4, "CNI_COMMAND is required" },
        { { "CNI_COMMAND=" }, CFG("1.1.0", ""), 4, "CNI_COMMAND is" },
        { { "CNI_COMMAND=add" }, CFG("1.1.0", ""), 4, "unknown CNI_COMMAND" },
        { { "CNI_COMMAND=ADD", "CNI_NETNS=/n", "CNI_IFNAME=eth0" },
          CFG("1.1.0", ""), 4, "CNI_CONTAINERID is required for ADD" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_IFNAME=eth0" },
          CFG("1.1.0", ""), 4, "CNI_NETNS is required for ADD" },
        { { "CNI_COMMAND=CHECK", "CNI_CONTAINERID=a", "CNI_NETNS=/n" },
          CFG("1.1.0", ""), 4, "CNI_IFNAME is required for CHECK" },
        { { "CNI_COMMAND=DEL", "CNI_CONTAINERID=a" }, CFG("1.1.0", ""), 4,
          "CNI_IFNAME is required for DEL" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/n",
            "CNI_IFNAME=abcdefghijklmnop" }, CFG("1.1.0", ""), 4,
          "longer than 15" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/n",
            "CNI_IFNAME=eth/0" }, CFG("1.1.0", ""), 4, "cannot contain" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/n",
            "CNI_IFNAME=eth 0" }, CFG("1.1.0", ""), 4, "cannot contain" },
        { { "CNI_COMMAND=DEL", "CNI_CONTAINERID=a", "CNI_IFNAME=.." },
          CFG("1.1.0", ""), 4, "cannot be" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=run/netns/x",
            "CNI_IFNAME=eth0" }, CFG("1.1.0", ""), 4, "absolute path" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=-a", "CNI_NETNS=/n",
            "CNI_IFNAME=eth0" }, CFG("1.1.0", ""), 4, "invalid characters" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a/b", "CNI_NETNS=/n",
            "CNI_IFNAME=eth0" }, CFG("1.1.0", ""), 4, "invalid characters" },
        { { ADD_ENV, "CNI_ARGS=K8S_POD_NAME=x;garbage" }, CFG("1.1.0", ""),
          4, "\"garbage\" is not KEY=VALUE" },
        { { ADD_ENV, "CNI_ARGS==value" }, CFG("1.1.0", ""), 4,
          "is not KEY=VALUE" },
    };
    CHECK_CASES(cases);
}

static void
test_code6_decode(void **state CNIPROTO_UNUSED)
{
    static const struct error_case cases[] = {
        { { ADD_ENV }, "cniVersion: 1.1.0", 6, "not valid JSON" },
        { { ADD_ENV }, "{\"cniVersion\": \"1.1.0\"", 6, "not valid JSON" },
        { { ADD_ENV }, CFG("1.1.0", "") "{}", 6, "not valid JSON" },
        { { ADD_ENV }, "[1, 2]", 6, "not a JSON object" },
        { { ADD_ENV }, "\"seine\"", 6, "not a JSON object" },
        { { ADD_ENV }, "", 6, "no network configuration" },
        { { ADD_ENV }, NULL, 6, "no network configuration" },
    };
    CHECK_CASES(cases);
}

static void
test_code7_invalid_config(void **state CNIPROTO_UNUSED)
{
    static const struct error_case cases[] = {
        { { ADD_ENV }, "{\"name\": \"n\", \"type\": \"seine\"}", 7,
          "\"cniVersion\" is required" },
        { { ADD_ENV }, "{\"cniVersion\": 1, \"name\": \"n\"}", 7,
          "\"cniVersion\" must be a non-empty string" },
        { { ADD_ENV }, "{\"cniVersion\": \"1.1.0\", \"type\": \"seine\"}", 7,
          "\"name\" is required" },
        { { ADD_ENV }, "{\"cniVersion\": \"1.1.0\", \"name\": 5, \"type\": "
          "\"seine\"}", 7, "\"name\" must be" },
        { { ADD_ENV }, "{\"cniVersion\": \"1.1.0\", \"name\": \"n\"}", 7,
          "\"type\" is required" },
        { { ADD_ENV }, "{\"cniVersion\": \"1.1.0\", \"name\": \"n\", "
          "\"type\": \"bridge\"}", 7, "this plugin is \"seine\"" },
        { { ADD_ENV }, CFG("1.1.0", ", \"interfaceType\": \"veth\""), 7,
          "unknown \"interfaceType\" \"veth\"" },
        { { ADD_ENV }, CFG("1.1.0", ", \"interfaceType\": [\"tap\"]"), 7,
          "\"interfaceType\" must be" },
        { { ADD_ENV }, CFG("1.1.0", ", \"deviceID\": \"03:00.2\""), 7,
          "\"deviceID\" \"03:00.2\" is not a PCI address" },
        { { ADD_ENV }, CFG("1.1.0", ", \"deviceID\": \"0000:03:00.g\""), 7,
          "is not a PCI address" },
        { { ADD_ENV }, CFG("1.1.0", ", \"deviceID\": 3"), 7,
          "\"deviceID\" must be a non-empty string" },
        { { ADD_ENV }, CFG("1.1.0", ", \"runtimeConfig\": {\"deviceID\": "
                           "\"eth0\"}"), 7, "is not a PCI address" },
        { { ADD_ENV }, CFG("1.1.0", ", \"mtu\": 67"), 7, "\"mtu\"" },
        { { ADD_ENV }, CFG("1.1.0", ", \"mtu\": 65536"), 7, "\"mtu\"" },
        { { ADD_ENV }, CFG("1.1.0", ", \"mtu\": \"1500\""), 7, "\"mtu\"" },
        { { ADD_ENV }, CFG("1.1.0", ", \"mtu\": 1500.5"), 7, "\"mtu\"" },
        { { ADD_ENV }, CFG("1.1.0", ", \"agentSocket\": \"cni.sock\""), 7,
          "\"agentSocket\" must be an absolute path" },
        { { ADD_ENV }, CFG("1.1.0", ", \"agentSocket\": \"/"
                           "123456789012345678901234567890123456789012345678"
                           "901234567890123456789012345678901234567890123456"
                           "78901234567890\""), 7, "longer than 107" },
        { { ADD_ENV }, CFG("1.1.0", ", \"vhostSocketDir\": \"\""), 7,
          "\"vhostSocketDir\" must be a non-empty string" },
        { { ADD_ENV }, CFG("1.1.0", ", \"vhostSocketDir\": \"run/v\""), 7,
          "\"vhostSocketDir\" must be an absolute path" },
        { { "CNI_COMMAND=GC" }, CFG("1.1.0", ""), 7,
          "cni.dev/valid-attachments" },
        { { "CNI_COMMAND=GC" }, CFG("1.1.0", ", \"cni.dev/valid-attachments"
                                    "\": {}"), 7,
          "cni.dev/valid-attachments" },
        { { "CNI_COMMAND=GC" }, CFG("1.1.0", ", \"cni.dev/valid-attachments"
                                    "\": [{\"containerID\": \"a\"}]"), 7,
          "\"ifname\" is required" },
        { { "CNI_COMMAND=GC" }, CFG("1.1.0", ", \"cni.dev/valid-attachments"
                                    "\": [\"a/eth0\"]"), 7,
          "must be objects" },
    };
    CHECK_CASES(cases);
}

static int
file_with(const char *data, size_t len)
{
    FILE *f = tmpfile();

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static void
test_read_input(void **state CNIPROTO_UNUSED)
{
    const char *cfg = CFG("1.1.0", "");
    struct cniproto_response err = { .ok = false };
    int fd = file_with(cfg, strlen(cfg));
    char *data;
    size_t len;

    assert_int_equal(cniargs_read_input(fd, &data, &len, &err), 0);
    assert_int_equal(len, strlen(cfg));
    assert_string_equal(data, cfg);
    free(data);
    close(fd);
}

static void
test_read_input_too_big(void **state CNIPROTO_UNUSED)
{
    size_t size = CNIARGS_MAX_INPUT + 1;
    char *big = malloc(size);
    struct cniproto_response err = { .ok = false };
    char *data = NULL;
    size_t len;

    memset(big, ' ', size);
    int fd = file_with(big, size);
    assert_int_equal(cniargs_read_input(fd, &data, &len, &err), -EINVAL);
    assert_int_equal(err.code, CNI_ERR_DECODE);
    assert_null(data);
    cniproto_response_destroy(&err);
    close(fd);
    free(big);
}

static void
test_read_input_io_error(void **state CNIPROTO_UNUSED)
{
    struct cniproto_response err = { .ok = false };
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    char *data = NULL;
    size_t len;

    assert_int_equal(cniargs_read_input(fd, &data, &len, &err), -EINVAL);
    assert_int_equal(err.code, CNI_ERR_IO);
    assert_string_equal(err.details, strerror(EISDIR));
    cniproto_response_destroy(&err);
    close(fd);
}

static void
test_spec_names(void **state CNIPROTO_UNUSED)
{
    enum cniargs_spec spec;

    for (int i = 0; i < CNIARGS_N_SPECS; i++) {
        assert_int_equal(cniargs_spec_from_name(cniargs_spec_name(i), &spec),
                         0);
        assert_int_equal(spec, i);
    }
    assert_int_equal(cniargs_spec_from_name("1.1", &spec), -EINVAL);
    assert_string_equal(cniargs_spec_name(CNIARGS_SPEC_LATEST), "1.1.0");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_needs_no_config),
        cmocka_unit_test(test_needs_input),
        cmocka_unit_test(test_add_full),
        cmocka_unit_test(test_add_defaults),
        cmocka_unit_test(test_sriov_device_id),
        cmocka_unit_test(test_del_without_netns),
        cmocka_unit_test(test_status_ignores_container_env),
        cmocka_unit_test(test_gc_attachments),
        cmocka_unit_test(test_code1_incompatible_version),
        cmocka_unit_test(test_error_reports_requested_version),
        cmocka_unit_test(test_code4_invalid_env),
        cmocka_unit_test(test_code6_decode),
        cmocka_unit_test(test_code7_invalid_config),
        cmocka_unit_test(test_static_ip_and_mac),
        cmocka_unit_test(test_default_route),
        cmocka_unit_test(test_static_ip_and_mac_refused),
        cmocka_unit_test(test_sriov_vf_config),
        cmocka_unit_test(test_sriov_vf_config_refused),
        cmocka_unit_test(test_read_input),
        cmocka_unit_test(test_read_input_too_big),
        cmocka_unit_test(test_read_input_io_error),
        cmocka_unit_test(test_spec_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
