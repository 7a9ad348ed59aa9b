/* The agent's configuration file: defaults, a full file, every error. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/core/agentconf.h"
#include "util.h"

struct scratch {
    char dir[64];
    char *path;
};

static int
scratch_setup(void **state)
{
    struct scratch *s = xzalloc(sizeof *s);

    snprintf(s->dir, sizeof s->dir, "/tmp/seine-agentconf-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    s->path = xasprintf("%s/agent.yaml", s->dir);
    *state = s;
    return 0;
}

static int
scratch_teardown(void **state)
{
    struct scratch *s = *state;

    unlink(s->path);
    rmdir(s->dir);
    free(s->path);
    free(s);
    return 0;
}

static int
load_text(const struct scratch *s, const char *text, struct agentconf *conf,
          char **err)
{
    FILE *f = fopen(s->path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return agentconf_load(s->path, conf, err);
}

/* Loads 'text', expects -EINVAL and an error that says "PATH:LINE:" and
 * contains 'needle'. */
static void
expect_error(const struct scratch *s, const char *text, int line,
             const char *needle)
{
    struct agentconf conf;
    char *err = NULL;
    char *where = xasprintf("%s:%d:", s->path, line);

    assert_int_equal(load_text(s, text, &conf, &err), -EINVAL);
    assert_non_null(err);
    if (strncmp(err, where, strlen(where)) || !strstr(err, needle)) {
        fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, where, needle);
    }
    /* Nothing is left allocated after an error. */
    assert_null(conf.bridge);
    assert_null(conf.node_name);
    agentconf_destroy(&conf);
    free(where);
    free(err);
}

static void
assert_defaults(const struct agentconf *conf)
{
    assert_string_equal(conf->ovsdb_socket, "unix:/run/openvswitch/db.sock");
    assert_string_equal(conf->ovs_rundir, "/run/openvswitch");
    assert_string_equal(conf->bridge, "br-int");
    assert_string_equal(conf->gateway_port, "seine-gw0");
    assert_null(conf->pod_cidr);
    assert_string_equal(conf->default_interface_type, "afxdp");
    assert_int_equal(conf->mtu, 1500);
    assert_string_equal(conf->cni_socket, "/run/seine/cni.sock");
    assert_string_equal(conf->state_dir, "/var/lib/seine");
    assert_string_equal(conf->vhost_socket_dir, "/run/seine/vhost");
    assert_int_equal(conf->source, AGENTCONF_SOURCE_MANIFESTS);
    assert_string_equal(conf->manifest_dir, "/etc/seine/manifests");
    assert_string_equal(conf->log_level, "info");
}

static void
test_defaults(void **state OVS_UNUSED)
{
    struct agentconf conf;
    char host[256] = "";

    agentconf_defaults(&conf);
    assert_defaults(&conf);
    assert_int_equal(gethostname(host, sizeof host - 1), 0);
    for (char *p = host; *p; p++) {
        *p = tolower((unsigned char) *p);
    }
    assert_string_equal(conf.node_name, host);
    assert_null(conf.uplink);
    assert_string_equal(conf.uplink_type, "afxdp");
    assert_null(conf.uplink_devargs);
    assert_int_equal(conf.uplink_rxqs, 0);
    assert_int_equal(conf.uplink_mtu, 0);
    assert_null(conf.node_ip);
    assert_string_equal(conf.tunnel_type, "geneve");
    agentconf_destroy(&conf);
    assert_null(conf.bridge);
}

static void
test_empty_and_comment_only(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf;
    char *err = NULL;

    assert_int_equal(load_text(s, "", &conf, &err), 0);
    assert_null(err);
    assert_defaults(&conf);
    agentconf_destroy(&conf);

    assert_int_equal(load_text(s, "# all defaults\n---\n", &conf, &err), 0);
    assert_defaults(&conf);
    agentconf_destroy(&conf);

    /* A partial file changes only what it names. */
    assert_int_equal(load_text(s, "mtu: 9000\n", &conf, &err), 0);
    assert_int_equal(conf.mtu, 9000);
    assert_string_equal(conf.bridge, "br-int");
    agentconf_destroy(&conf);
}

static void
test_missing_file(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf;
    char *err = NULL;
    char *path = xasprintf("%s/none.yaml", s->dir);

    assert_int_equal(agentconf_load(path, &conf, &err), -ENOENT);
    assert_non_null(err);
    assert_non_null(strstr(err, path));
    assert_null(conf.bridge);
    free(err);
    free(path);
}

static const char full_file[] =
    "# seine-agent configuration\n"
    "ovsdb: unix:/var/run/ovs/db.sock\n"
    "ovsRunDir: /var/run/ovs\n"
    "bridge: br-seine\n"
    "gatewayPort: seine-gw1\n"
    "nodeName: node-a.example\n"
    "podCIDR: 10.244.1.0/24\n"
    "defaultInterfaceType: vhostuser\n"
    "mtu: 9000\n"
    "cniSocket: /run/seine-t/cni.sock\n"
    "stateDir: /var/lib/seine-t\n"
    "vhostSocketDir: /run/seine-t/vhost\n"
    "stateSource:\n"
    "  type: kubernetes\n"
    "  path: /srv/manifests\n"
    "  kubeconfig: /etc/seine/kubeconfig\n"
    "  context: prod-east\n"
    "  allowInsecure: true\n"
    "logLevel: dbg\n"
    "uplink: eth1\n"
    "tunnelType: vxlan\n";

static void
test_full_file(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf;
    char *err = NULL;

    assert_int_equal(load_text(s, full_file, &conf, &err), 0);
    assert_null(err);
    assert_string_equal(conf.ovsdb_socket, "unix:/var/run/ovs/db.sock");
    assert_string_equal(conf.ovs_rundir, "/var/run/ovs");
    assert_string_equal(conf.bridge, "br-seine");
    assert_string_equal(conf.gateway_port, "seine-gw1");
    assert_string_equal(conf.node_name, "node-a.example");
    assert_string_equal(conf.pod_cidr, "10.244.1.0/24");
    assert_string_equal(conf.default_interface_type, "vhostuser");
    assert_int_equal(conf.mtu, 9000);
    assert_string_equal(conf.cni_socket, "/run/seine-t/cni.sock");
    assert_string_equal(conf.state_dir, "/var/lib/seine-t");
    assert_string_equal(conf.vhost_socket_dir, "/run/seine-t/vhost");
    assert_int_equal(conf.source, AGENTCONF_SOURCE_KUBERNETES);
    assert_string_equal(conf.manifest_dir, "/srv/manifests");
    assert_string_equal(conf.kubeconfig, "/etc/seine/kubeconfig");
    assert_string_equal(conf.kube_context, "prod-east");
    assert_true(conf.kube_allow_insecure);
    assert_string_equal(conf.log_level, "dbg");
    assert_string_equal(conf.uplink, "eth1");
    assert_string_equal(conf.tunnel_type, "vxlan");
    agentconf_destroy(&conf);
}

static void
test_example_file(void **state OVS_UNUSED)
{
    /* __FILE__ is relative to where the compiler ran, the build root,
     * which is also where meson runs the tests. */
    char *dir = xstrdup(__FILE__);
    char *path = xasprintf("%s/../../deploy/agent.yaml.example",
                           dirname(dir));
    struct agentconf conf;
    char *err = NULL;
    int error = agentconf_load(path, &conf, &err);

    if (error) {
        fail_msg("%s: %s", path, err);
    }
    free(path);
    free(dir);
    assert_string_equal(conf.bridge, "br-int");
    assert_int_equal(conf.source, AGENTCONF_SOURCE_MANIFESTS);
    agentconf_destroy(&conf);
}

static void
test_null_keeps_default(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf, defaults;
    char *err = NULL;

    agentconf_defaults(&defaults);
    assert_int_equal(load_text(s, "podCIDR:\nnodeName: ~\n", &conf, &err), 0);
    assert_null(conf.pod_cidr);
    assert_string_equal(conf.node_name, defaults.node_name);
    agentconf_destroy(&conf);
    agentconf_destroy(&defaults);

    expect_error(s, "bridge:\n", 1, "bridge: needs a value");
}

static void
test_unknown_keys(void **state)
{
    struct scratch *s = *state;

    expect_error(s, "mtu: 1500\nbrige: br0\n", 2, "unknown key 'brige'");
    expect_error(s, "mtu: 1500\nbrige: br0\n", 2, "did you mean 'bridge'?");
    expect_error(s, "colour: blue\n", 1, "unknown key 'colour'");
    expect_error(s, "stateSource:\n  type: manifests\n  pth: /x\n", 3,
                 "unknown key 'stateSource.pth' (did you mean "
                 "'stateSource.path'?)");
    /* Keys are case-sensitive, as in Kubernetes. */
    expect_error(s, "podCidr: 10.0.0.0/24\n", 1, "did you mean 'podCIDR'?");
}

static void
test_wrong_types(void **state)
{
    struct scratch *s = *state;

    expect_error(s, "bridge: [a, b]\n", 1, "bridge: expected a string");
    expect_error(s, "mtu: {a: 1}\n", 1, "mtu: expected an integer");
    expect_error(s, "mtu: big\n", 1, "mtu: expected an integer");
    expect_error(s, "stateSource: manifests\n", 1,
                 "stateSource: expected a mapping");
    expect_error(s, "- bridge\n- mtu\n", 1, "must be a mapping");
    expect_error(s, "bridge: a\n---\nbridge: b\n", 3, "only one");
    expect_error(s, "bridge: a\nbridge: b\n", 2,
                 "bridge: given twice (first on line 1)");
}

static void
test_bad_values(void **state)
{
    struct scratch *s = *state;

    expect_error(s, "mtu: 67\n", 1, "mtu: expected an integer from 68");
    expect_error(s, "mtu: 65536\n", 1, "mtu:");
    expect_error(s, "\n\ndefaultInterfaceType: macvlan\n", 3,
                 "defaultInterfaceType: expected afxdp, vhostuser, tap or sriov");
    expect_error(s, "logLevel: debug\n", 1, "logLevel: expected off");
    expect_error(s, "tunnelType: gre\n", 1,
                 "tunnelType: expected geneve or vxlan");
    expect_error(s, "uplink: eth/1\n", 1, "uplink:");
    expect_error(s, "stateSource: {type: etcd}\n", 1,
                 "stateSource.type: expected manifests or kubernetes");
    expect_error(s, "stateSource: {path: manifests}\n", 1,
                 "stateSource.path: must be an absolute path");
    expect_error(s, "stateSource: {allowInsecure: yes}\n", 1,
                 "stateSource.allowInsecure: expected true or false");
    expect_error(s, "stateSource: {kubeconfig: kube.yaml}\n", 1,
                 "stateSource.kubeconfig: must be an absolute path");
    expect_error(s, "stateSource: {context: \"two words\"}\n", 1,
                 "stateSource.context: expected a context name without "
                 "spaces");
    expect_error(s, "cniTimeoutMs: 60000\n", 1,
                 "cniTimeoutMs: expected an integer from 100 to 55000");
    expect_error(s, "podCIDR: 10.244.1.0\n", 1, "podCIDR: expected an IPv4");
    expect_error(s, "podCIDR: 10.244.1.5/24\n", 1, "host bits");
    expect_error(s, "podCIDR: 10.244.0.0/31\n", 1, "prefix length");
    expect_error(s, "podCIDR: fd00::/64\n", 1, "podCIDR: expected an IPv4");
    expect_error(s, "bridge: br-int-with-long-name\n", 1, "bridge:");
    expect_error(s, "gatewayPort: gw/0\n", 1, "gatewayPort:");
    expect_error(s, "nodeName: Node_A\n", 1, "nodeName:");
    expect_error(s, "ovsdb: /run/openvswitch/db.sock\n", 1, "ovsdb:");
    expect_error(s, "stateDir: var/lib/seine\n", 1, "stateDir:");
    expect_error(s, "cniSocket: /run/seine/"
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    "/cni.sock\n", 1, "cniSocket: a unix socket path");
}

/* podCIDRs: one subnet per family, in either order. */
static void
test_pod_cidrs(void **state OVS_UNUSED)
{
    static const char dual[] = "podCIDRs: [fd00:10:244:1::/64, 10.244.1.0/24]\n";
    static const char v6[] = "podCIDRs:\n  - fd00:1::/120\n";
    struct agentconf conf;
    char *err = NULL;

    assert_int_equal(agentconf_parse("t.yaml", dual, strlen(dual), &conf,
                                     &err), 0);
    assert_string_equal(conf.pod_cidr, "10.244.1.0/24");
    assert_string_equal(conf.pod_cidr6, "fd00:10:244:1::/64");
    agentconf_destroy(&conf);

    assert_int_equal(agentconf_parse("t.yaml", v6, strlen(v6), &conf, &err),
                     0);
    assert_null(conf.pod_cidr);
    assert_string_equal(conf.pod_cidr6, "fd00:1::/120");
    agentconf_destroy(&conf);

    /* The IPv4-only key is unchanged. */
    static const char v4[] = "podCIDR: 10.244.2.0/24\n";
    assert_int_equal(agentconf_parse("t.yaml", v4, strlen(v4), &conf, &err),
                     0);
    assert_string_equal(conf.pod_cidr, "10.244.2.0/24");
    assert_null(conf.pod_cidr6);
    agentconf_destroy(&conf);
}

static void
test_bad_pod_cidrs(void **state)
{
    struct scratch *s = *state;

    expect_error(s, "podCIDRs: 10.244.1.0/24\n", 1,
                 "podCIDRs: expected a list");
    expect_error(s, "podCIDRs: []\n", 1, "podCIDRs: expected a list");
    expect_error(s, "podCIDRs: [10.0.0.0/24, fd00::/64, 10.1.0.0/24]\n", 1,
                 "podCIDRs: expected a list");
    expect_error(s, "podCIDRs: [10.0.0.0/24, 10.1.0.0/24]\n", 1,
                 "two subnets of one family");
    expect_error(s, "podCIDRs: [fd00::/64, fd01::/64]\n", 1,
                 "two subnets of one family");
    expect_error(s, "podCIDRs: [fd00::1/64]\n", 1, "host bits");
    expect_error(s, "podCIDRs: [fd00::/127]\n", 1, "from 1 to 126");
    expect_error(s, "podCIDRs: [\"fd00::\"]\n", 1,
                 "expected an IPv6 subnet");
    expect_error(s, "podCIDRs: [[fd00::/64]]\n", 1,
                 "podCIDRs: expected a list");
    expect_error(s, "podCIDR: 10.0.0.0/24\npodCIDRs: [fd00::/64]\n", 2,
                 "podCIDRs: give podCIDR or podCIDRs, not both");
}

/* Text read elsewhere reads as the same text in a file does, and errors
 * call it by the name given. */
static void
test_parse_text(void **state OVS_UNUSED)
{
    static const char half[] = "mtu: 9000\nbridge: br-x\n";
    static const char two[] = "mtu: 1\n---\nmtu: 2\n";
    struct agentconf conf;
    char *err = NULL;

    assert_int_equal(agentconf_parse("inline.yaml", full_file,
                                     strlen(full_file), &conf, &err), 0);
    assert_null(err);
    assert_string_equal(conf.bridge, "br-seine");
    assert_string_equal(conf.kube_context, "prod-east");
    assert_int_equal(conf.mtu, 9000);
    agentconf_destroy(&conf);

    /* Only 'len' bytes are read. */
    assert_int_equal(agentconf_parse("inline.yaml", half, strcspn(half, "b"),
                                     &conf, &err), 0);
    assert_string_equal(conf.bridge, "br-int");
    agentconf_destroy(&conf);

    assert_int_equal(agentconf_parse("inline.yaml", two, strlen(two), &conf,
                                     &err), -EINVAL);
    assert_non_null(strstr(err, "inline.yaml:3: only one YAML document"));
    assert_null(conf.bridge);
    free(err);
}

static void
test_syntax_error(void **state)
{
    struct scratch *s = *state;

    expect_error(s, "bridge: br-int\nmtu: [1500\n\n", 4, "");
    expect_error(s, "bridge: br-int\n  mtu: 1500\n", 2, "");
}

/* The uplink as a DPDK port: its keys, and the ones that make no sense
 * without each other. */
static void
test_dpdk_uplink(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf;
    char *err = NULL;

    assert_int_equal(load_text(s, "uplink: dpdk0\n"
                               "uplinkType: dpdk\n"
                               "uplinkDevargs: 0000:03:00.1\n"
                               "uplinkRxqs: 4\n"
                               "uplinkMtu: 9000\n"
                               "nodeIP: 192.168.100.1/24\n"
                               "encapMode: noEncap\n", &conf, &err), 0);
    assert_null(err);
    assert_string_equal(conf.uplink, "dpdk0");
    assert_string_equal(conf.uplink_type, "dpdk");
    assert_string_equal(conf.uplink_devargs, "0000:03:00.1");
    assert_int_equal(conf.uplink_rxqs, 4);
    assert_int_equal(conf.uplink_mtu, 9000);
    assert_string_equal(conf.node_ip, "192.168.100.1/24");
    agentconf_destroy(&conf);

    /* A virtual device, its node IP from the kernel interface it uses. */
    assert_int_equal(load_text(s, "uplink: u0\nuplinkType: dpdk\n"
                               "uplinkDevargs: net_af_xdp0,iface=u0\n",
                               &conf, &err), 0);
    assert_string_equal(conf.uplink_devargs, "net_af_xdp0,iface=u0");
    assert_null(conf.node_ip);
    agentconf_destroy(&conf);

    /* AF_XDP takes the same queue and MTU keys. */
    assert_int_equal(load_text(s, "uplink: eth1\nuplinkType: afxdp\n"
                               "uplinkRxqs: 2\n", &conf, &err), 0);
    assert_string_equal(conf.uplink_type, "afxdp");
    assert_int_equal(conf.uplink_rxqs, 2);
    agentconf_destroy(&conf);

    expect_error(s, "uplink: eth1\nuplinkType: sriov\n", 2,
                 "uplinkType: expected afxdp or dpdk");
    expect_error(s, "uplink: dpdk0\n\nuplinkType: dpdk\n", 3,
                 "uplinkType: dpdk needs uplinkDevargs");
    expect_error(s, "uplink: dpdk0\nuplinkType: dpdk\nuplinkDevargs: ~\n", 2,
                 "uplinkType: dpdk needs uplinkDevargs");
    expect_error(s, "uplinkType: dpdk\nuplinkDevargs: 0000:03:00.1\n", 1,
                 "uplinkType: dpdk needs uplink");
    expect_error(s, "uplink: eth1\nuplinkDevargs: 0000:03:00.1\n", 2,
                 "uplinkDevargs: only for uplinkType: dpdk");
    expect_error(s, "uplink: dpdk0\nuplinkType: dpdk\n"
                    "uplinkDevargs: \"net_af_xdp0, iface=u0\"\n", 3,
                 "uplinkDevargs: expected a PCI address");
    expect_error(s, "uplinkRxqs: 0\n", 1,
                 "uplinkRxqs: expected an integer from 1 to 1024");
    expect_error(s, "uplinkMtu: 60\n", 1,
                 "uplinkMtu: expected an integer from 68 to 65535");
    expect_error(s, "uplink: dpdk0\nnodeIP: 192.168.100.1\n", 2,
                 "nodeIP: expected an IPv4 address with its prefix length");
    expect_error(s, "uplink: dpdk0\nnodeIP: 192.168.100.1/33\n", 2,
                 "nodeIP: expected an IPv4");
    expect_error(s, "uplink: dpdk0\nnodeIP: fd00::1/64\n", 2,
                 "nodeIP: expected an IPv4");
    expect_error(s, "mtu: 1500\nnodeIP: 192.168.100.1/24\n", 2,
                 "nodeIP: needs uplink");
    expect_error(s, "uplinkDevargs: x\nuplinkDevargs: y\n", 2,
                 "uplinkDevargs: given twice");
}

/* The PMD plan at start-up: off, unless asked. */
static void
test_pmd(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf;
    char *err = NULL;

    agentconf_defaults(&conf);
    assert_false(conf.pmd_apply);
    assert_null(conf.pmd_intent);
    assert_null(conf.pmd_intent_file);
    agentconf_destroy(&conf);
    assert_int_equal(load_text(s, "pmd: {apply: true, intent: dedicated, "
                               "intentFile: /etc/seine/pmd.json}\n", &conf,
                               &err), 0);
    assert_true(conf.pmd_apply);
    assert_string_equal(conf.pmd_intent, "dedicated");
    assert_string_equal(conf.pmd_intent_file, "/etc/seine/pmd.json");
    agentconf_destroy(&conf);
    expect_error(s, "pmd: {intent: fast}\n", 1,
                 "pmd.intent: expected shared or dedicated");
    expect_error(s, "pmd: {intentFile: pmd.json}\n", 1,
                 "pmd.intentFile: must be an absolute path");
    expect_error(s, "pmd: true\n", 1,
                 "pmd: expected a mapping with 'apply' and 'intent'");
}

/* Conntrack only where it is needed unless told to track everything. */
static void
test_conntrack_all(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf;
    char *err = NULL;

    agentconf_defaults(&conf);
    assert_false(conf.conntrack_all);
    agentconf_destroy(&conf);
    assert_int_equal(load_text(s, "conntrackAll: true\n", &conf, &err), 0);
    assert_true(conf.conntrack_all);
    agentconf_destroy(&conf);
    expect_error(s, "conntrackAll: 1\n", 1,
                 "conntrackAll: expected true or false");
}

/* The metrics endpoint: loopback and closed to pods unless asked. */
static void
test_metrics(void **state)
{
    struct scratch *s = *state;
    struct agentconf conf;
    char *err = NULL;

    agentconf_defaults(&conf);
    assert_string_equal(conf.metrics_address, "127.0.0.1");
    assert_int_equal(conf.metrics_port, 9464);
    assert_false(conf.metrics_allow_pods);
    assert_false(conf.metrics_insecure);
    assert_null(conf.metrics_token_file);
    agentconf_destroy(&conf);
    assert_int_equal(load_text(s, "metrics:\n  address: 0.0.0.0\n"
                               "  port: 9100\n  allowPods: true\n"
                               "  tokenFile: /etc/seine/token\n", &conf,
                               &err), 0);
    assert_null(err);
    assert_string_equal(conf.metrics_address, "0.0.0.0");
    assert_int_equal(conf.metrics_port, 9100);
    assert_true(conf.metrics_allow_pods);
    assert_string_equal(conf.metrics_token_file, "/etc/seine/token");
    agentconf_destroy(&conf);
    assert_int_equal(load_text(s, "metrics: {allowPods: false}\n", &conf,
                               &err), 0);
    assert_false(conf.metrics_allow_pods);
    agentconf_destroy(&conf);
    expect_error(s, "metrics:\n  allowPods: yes\n", 2,
                 "metrics.allowPods: expected true or false");
    expect_error(s, "metrics: {allowpods: true}\n", 1,
                 "did you mean 'metrics.allowPods'?");
    expect_error(s, "metrics: {port: 70000}\n", 1, "metrics.port:");
    expect_error(s, "metrics: {address: localhost}\n", 1,
                 "metrics.address:");
}

int
main(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, scratch_setup, \
                                                scratch_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        T(test_empty_and_comment_only),
        T(test_missing_file),
        T(test_full_file),
        cmocka_unit_test(test_example_file),
        T(test_null_keeps_default),
        T(test_unknown_keys),
        T(test_wrong_types),
        T(test_bad_values),
        T(test_syntax_error),
        T(test_pmd),
        T(test_conntrack_all),
        T(test_metrics),
        T(test_dpdk_uplink),
        cmocka_unit_test(test_parse_text),
        cmocka_unit_test(test_pod_cidrs),
        T(test_bad_pod_cidrs),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
