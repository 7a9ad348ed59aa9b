/* Services and EndpointSlices: parsing with the API's defaults, validation
 * with the field's path in the error, equality, and both kinds in the
 * cluster model. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/model/cluster.h"
#include "agent/model/epslice.h"
#include "agent/model/service.h"
#include "tests/unit/cluster-fixture.h"
#include "util.h"

static void
assert_addr(struct in_addr addr, const char *expected)
{
    char buf[INET_ADDRSTRLEN];

    assert_non_null(inet_ntop(AF_INET, &addr, buf, sizeof buf));
    assert_string_equal(buf, expected);
}

static void
assert_addr6(struct in6_addr addr, const char *expected)
{
    char buf[INET6_ADDRSTRLEN];

    assert_non_null(inet_ntop(AF_INET6, &addr, buf, sizeof buf));
    assert_string_equal(buf, expected);
}

/* A Service shop/web with 'spec' and 'status' as the inside of those
 * mappings. */
static char *
svc_text(const char *spec, const char *status)
{
    return xasprintf("{'apiVersion':'v1','kind':'Service','metadata':"
                     "{'name':'web','namespace':'shop'},'spec':{%s},"
                     "'status':{%s}}", spec, status);
}

static struct service *
parse_svc_full(const char *spec, const char *status)
{
    char *text = svc_text(spec, status);
    struct json_object *obj = json(text);
    struct service *svc = NULL;
    char *err = NULL;

    if (service_parse(obj, NULL, NULL, &svc, &err)) {
        fail_msg("service_parse failed: %s", err);
    }
    assert_null(err);
    json_object_put(obj);
    free(text);
    return svc;
}

static struct service *
parse_svc(const char *spec)
{
    return parse_svc_full(spec, "");
}

/* Parsing 'spec' (and 'status') fails with exactly 'expected'. */
static void
assert_svc_error(const char *spec, const char *status, const char *expected)
{
    char *text = svc_text(spec, status);
    struct json_object *obj = json(text);
    struct service *svc = NULL;
    char *err = NULL;

    assert_int_equal(service_parse(obj, NULL, NULL, &svc, &err), -EINVAL);
    assert_null(svc);
    if (!err || strcmp(err, expected)) {
        fail_msg("for spec {%s}: expected \"%s\", got \"%s\"", spec, expected,
                 err ? err : "(none)");
    }
    free(err);
    json_object_put(obj);
    free(text);
}

static void
test_service_defaults(void **state OVS_UNUSED)
{
    struct service *svc = parse_svc("'clusterIP':'10.96.0.10',"
                                    "'selector':{'app':'web'},"
                                    "'ports':[{'port':80}]");

    assert_string_equal(svc->namespace, "shop");
    assert_string_equal(svc->name, "web");
    assert_string_equal(svc->key, "shop/web");
    assert_int_equal(svc->type, SERVICE_CLUSTER_IP);
    assert_false(svc->headless);
    assert_int_equal(svc->n_cluster_ips, 1);
    assert_addr(svc->cluster_ips[0], "10.96.0.10");
    assert_int_equal(svc->n_external_ips, 0);
    assert_int_equal(svc->n_lb_ips, 0);
    assert_int_equal(svc->n_ports, 1);
    assert_null(svc->ports[0].name);
    assert_int_equal(svc->ports[0].proto, IPPROTO_TCP);
    assert_int_equal(svc->ports[0].port, 80);
    assert_int_equal(svc->ports[0].node_port, 0);
    assert_int_equal(svc->ports[0].target_port, 80);
    assert_null(svc->ports[0].target_port_name);
    assert_false(svc->affinity);
    assert_int_equal(svc->affinity_timeout, 10800);
    assert_false(svc->external_local);
    assert_false(svc->internal_local);
    assert_true(svc->has_selector);
    service_destroy(svc);

    /* No clusterIP yet (a manifest), empty selector. */
    svc = parse_svc("'type':'ClusterIP','clusterIP':'','selector':{},"
                    "'ports':[{'port':53,'protocol':'UDP'}]");
    assert_int_equal(svc->n_cluster_ips, 0);
    assert_false(svc->headless);
    assert_false(svc->has_selector);
    assert_int_equal(svc->ports[0].proto, IPPROTO_UDP);
    service_destroy(svc);
}

static void
test_service_explicit_names(void **state OVS_UNUSED)
{
    struct json_object *obj = json("{'kind':'Service','metadata':"
                                   "{'name':'ignored'},"
                                   "'spec':{'ports':[{'port':1}]}}");
    struct service *svc;
    char *err = NULL;

    assert_int_equal(service_parse(obj, "ns", "given", &svc, &err), 0);
    assert_string_equal(svc->key, "ns/given");
    service_destroy(svc);
    assert_int_equal(service_parse(obj, NULL, NULL, &svc, &err), 0);
    assert_string_equal(svc->key, "default/ignored");
    service_destroy(svc);
    json_object_put(obj);
}

static void
test_service_ports(void **state OVS_UNUSED)
{
    struct service *svc = parse_svc(
        "'ports':["
        " {'name':'http','port':80,'targetPort':'web-http'},"
        " {'name':'dns','port':53,'protocol':'UDP','targetPort':5353},"
        " {'name':'dns-tcp','port':53,'protocol':'TCP','targetPort':0},"
        " {'name':'sctp','port':9999,'protocol':'SCTP','targetPort':''}]");

    assert_int_equal(svc->n_ports, 4);
    assert_string_equal(svc->ports[0].name, "http");
    assert_int_equal(svc->ports[0].port, 80);
    assert_int_equal(svc->ports[0].target_port, 0);
    assert_string_equal(svc->ports[0].target_port_name, "web-http");
    assert_int_equal(svc->ports[0].proto, IPPROTO_TCP);

    assert_string_equal(svc->ports[1].name, "dns");
    assert_int_equal(svc->ports[1].proto, IPPROTO_UDP);
    assert_int_equal(svc->ports[1].port, 53);
    assert_int_equal(svc->ports[1].target_port, 5353);
    assert_null(svc->ports[1].target_port_name);

    /* targetPort 0 and "" mean the port itself. */
    assert_int_equal(svc->ports[2].proto, IPPROTO_TCP);
    assert_int_equal(svc->ports[2].target_port, 53);
    assert_int_equal(svc->ports[3].proto, IPPROTO_SCTP);
    assert_int_equal(svc->ports[3].target_port, 9999);
    assert_null(svc->ports[3].target_port_name);
    service_destroy(svc);
}

static void
test_service_cluster_ips(void **state OVS_UNUSED)
{
    struct service *svc;

    /* Dual stack: only the IPv4 entry, whichever family comes first. */
    svc = parse_svc("'clusterIP':'fd00::10',"
                    "'clusterIPs':['fd00::10','10.96.0.11'],"
                    "'ports':[{'port':80}]");
    assert_int_equal(svc->n_cluster_ips, 1);
    assert_addr(svc->cluster_ips[0], "10.96.0.11");
    service_destroy(svc);

    svc = parse_svc("'clusterIPs':['10.96.0.12','fd00::12'],"
                    "'ports':[{'port':80}]");
    assert_int_equal(svc->n_cluster_ips, 1);
    assert_addr(svc->cluster_ips[0], "10.96.0.12");
    service_destroy(svc);

    /* IPv6 only. */
    svc = parse_svc("'clusterIP':'fd00::13','ports':[{'port':80}]");
    assert_int_equal(svc->n_cluster_ips, 0);
    assert_false(svc->headless);
    service_destroy(svc);

    /* Headless, without ports, in both spellings. */
    svc = parse_svc("'clusterIP':'None','selector':{'app':'db'}");
    assert_true(svc->headless);
    assert_int_equal(svc->n_cluster_ips, 0);
    assert_int_equal(svc->n_ports, 0);
    service_destroy(svc);
    svc = parse_svc("'clusterIP':'None','clusterIPs':['None'],"
                    "'ports':[{'port':5432}]");
    assert_true(svc->headless);
    assert_int_equal(svc->n_cluster_ips, 0);
    service_destroy(svc);
}

/* The IPv6 cluster IP is kept apart from the IPv4 one, whichever comes
 * first; IPv6 external and ingress addresses are not kept. */
static void
test_service_cluster_ips6(void **state OVS_UNUSED)
{
    struct service *svc;

    svc = parse_svc("'clusterIP':'fd00::10',"
                    "'clusterIPs':['fd00::10','10.96.0.11'],"
                    "'ipFamilies':['IPv6','IPv4'],"
                    "'ipFamilyPolicy':'RequireDualStack',"
                    "'externalIPs':['2001:db8::9'],'ports':[{'port':80}]");
    assert_int_equal(svc->n_cluster_ips, 1);
    assert_addr(svc->cluster_ips[0], "10.96.0.11");
    assert_int_equal(svc->n_cluster_ips6, 1);
    assert_addr6(svc->cluster_ips6[0], "fd00::10");
    assert_int_equal(svc->n_external_ips, 0);
    service_destroy(svc);

    svc = parse_svc("'clusterIPs':['10.96.0.12','fd00::12'],"
                    "'ipFamilies':['IPv4','IPv6'],'ports':[{'port':80}]");
    assert_int_equal(svc->n_cluster_ips, 1);
    assert_int_equal(svc->n_cluster_ips6, 1);
    assert_addr6(svc->cluster_ips6[0], "fd00::12");
    service_destroy(svc);

    svc = parse_svc("'clusterIP':'fd00::13','ipFamilies':['IPv6'],"
                    "'ports':[{'port':80}]");
    assert_int_equal(svc->n_cluster_ips, 0);
    assert_int_equal(svc->n_cluster_ips6, 1);
    assert_addr6(svc->cluster_ips6[0], "fd00::13");
    service_destroy(svc);

    /* Families not allocated yet name no address. */
    svc = parse_svc("'ipFamilies':['IPv6','IPv4'],'ports':[{'port':80}]");
    assert_int_equal(svc->n_cluster_ips, 0);
    assert_int_equal(svc->n_cluster_ips6, 0);
    service_destroy(svc);
}

static void
test_service_node_port_lb(void **state OVS_UNUSED)
{
    struct service *svc;

    svc = parse_svc("'type':'NodePort','clusterIP':'10.96.1.1',"
                    "'externalTrafficPolicy':'Local',"
                    "'ports':[{'name':'a','port':80,'nodePort':30080},"
                    "         {'name':'b','port':81}]");
    assert_int_equal(svc->type, SERVICE_NODE_PORT);
    assert_int_equal(svc->ports[0].node_port, 30080);
    assert_int_equal(svc->ports[1].node_port, 0);
    assert_true(svc->external_local);
    assert_false(svc->internal_local);
    service_destroy(svc);

    svc = parse_svc_full("'type':'LoadBalancer','clusterIP':'10.96.1.2',"
                         "'externalIPs':['192.0.2.7','2001:db8::7'],"
                         "'externalTrafficPolicy':'Cluster',"
                         "'internalTrafficPolicy':'Local',"
                         "'ports':[{'port':443,'nodePort':31443}]",
                         "'loadBalancer':{'ingress':[{'ip':'203.0.113.5'},"
                         " {'hostname':'lb.example.com'},"
                         " {'ip':'2001:db8::5'},{'ip':'203.0.113.6',"
                         "  'ipMode':'VIP'}]}");
    assert_int_equal(svc->type, SERVICE_LOAD_BALANCER);
    assert_int_equal(svc->n_external_ips, 1);
    assert_addr(svc->external_ips[0], "192.0.2.7");
    assert_int_equal(svc->n_lb_ips, 2);
    assert_addr(svc->lb_ips[0], "203.0.113.5");
    assert_addr(svc->lb_ips[1], "203.0.113.6");
    assert_int_equal(svc->ports[0].node_port, 31443);
    assert_false(svc->external_local);
    assert_true(svc->internal_local);
    service_destroy(svc);

    /* externalIPs make a ClusterIP service externally accessible. */
    svc = parse_svc("'externalIPs':['198.51.100.1'],"
                    "'externalTrafficPolicy':'Local','ports':[{'port':80}]");
    assert_int_equal(svc->n_external_ips, 1);
    assert_true(svc->external_local);
    service_destroy(svc);

    svc = parse_svc("'type':'ExternalName','externalName':'db.example.com.'");
    assert_int_equal(svc->type, SERVICE_EXTERNAL_NAME);
    assert_int_equal(svc->n_ports, 0);
    service_destroy(svc);
}

static void
test_service_affinity(void **state OVS_UNUSED)
{
    struct service *svc;

    svc = parse_svc("'sessionAffinity':'ClientIP','ports':[{'port':80}]");
    assert_true(svc->affinity);
    assert_int_equal(svc->affinity_timeout, 10800);
    service_destroy(svc);

    svc = parse_svc("'sessionAffinity':'ClientIP','sessionAffinityConfig':"
                    "{'clientIP':{'timeoutSeconds':300}},"
                    "'ports':[{'port':80}]");
    assert_true(svc->affinity);
    assert_int_equal(svc->affinity_timeout, 300);
    service_destroy(svc);

    svc = parse_svc("'sessionAffinity':'ClientIP','sessionAffinityConfig':"
                    "{'clientIP':{'timeoutSeconds':86400}},"
                    "'ports':[{'port':80}]");
    assert_int_equal(svc->affinity_timeout, 86400);
    service_destroy(svc);

    svc = parse_svc("'sessionAffinity':'None','ports':[{'port':80}]");
    assert_false(svc->affinity);
    service_destroy(svc);
}

static void
test_service_errors(void **state OVS_UNUSED)
{
    static const struct {
        const char *spec;
        const char *status;
        const char *err;
    } cases[] = {
        { "'ports':[{'port':0}]", "",
          "spec.ports[0].port: must be between 1 and 65535, inclusive" },
        { "'ports':[{'name':'a','port':1},{'name':'b','port':65536}]", "",
          "spec.ports[1].port: must be between 1 and 65535, inclusive" },
        { "'ports':[{'targetPort':80}]", "",
          "spec.ports[0].port: must be between 1 and 65535, inclusive" },
        { "'ports':[{'port':'80'}]", "",
          "spec.ports[0].port: must be between 1 and 65535, inclusive" },
        { "'ports':[{'port':80,'protocol':'ICMP'}]", "",
          "spec.ports[0].protocol: unsupported value 'ICMP' (TCP, UDP or "
          "SCTP)" },
        { "'ports':[{'port':80,'nodePort':30080}]", "",
          "spec.ports[0].nodePort: may not be used when `type` is "
          "'ClusterIP'" },
        { "'type':'NodePort','ports':[{'port':80,'nodePort':70000}]", "",
          "spec.ports[0].nodePort: must be between 1 and 65535, inclusive" },
        { "'ports':[{'port':80,'targetPort':'8080'}]", "",
          "spec.ports[0].targetPort: '8080' is neither a port number nor a "
          "port name (1-15 of a-z, 0-9 and '-', with a letter)" },
        { "'ports':[{'port':80,'targetPort':'http--alt'}]", "",
          "spec.ports[0].targetPort: 'http--alt' is neither a port number "
          "nor a port name (1-15 of a-z, 0-9 and '-', with a letter)" },
        { "'ports':[{'port':80,'targetPort':-1}]", "",
          "spec.ports[0].targetPort: must be between 1 and 65535, "
          "inclusive" },
        { "'ports':[{'name':'a','port':80},{'port':81}]", "",
          "spec.ports[1].name: required when there is more than one port" },
        { "'ports':[{'name':'a','port':80},{'name':'a','port':81}]", "",
          "spec.ports[1].name: duplicate value 'a'" },
        { "'ports':[{'name':'a','port':80},{'name':'b','port':80}]", "",
          "spec.ports[1]: duplicate port 80 of the same protocol" },
        { "'type':'NodePort','ports':[{'name':'a','port':80,'nodePort':30000},"
          "{'name':'b','port':81,'nodePort':30000}]", "",
          "spec.ports[1].nodePort: duplicate value 30000" },
        { "'ports':[{'name':'HTTP','port':80}]", "",
          "spec.ports[0].name: 'HTTP' is not a DNS label (1-63 of a-z, 0-9 "
          "and '-', starting and ending with a letter or digit)" },
        { "'ports':{'port':80}", "", "spec.ports: not a list" },
        { "'ports':[80]", "", "spec.ports[0]: not a mapping" },
        { "'selector':{'app':'web'}", "",
          "spec.ports: required (only headless and ExternalName services "
          "may have none)" },
        { "'type':'Foo','ports':[{'port':80}]", "",
          "spec.type: unsupported value 'Foo' (ClusterIP, NodePort, "
          "LoadBalancer or ExternalName)" },
        { "'clusterIP':'10.96.0.300','ports':[{'port':80}]", "",
          "spec.clusterIP: '10.96.0.300' is not a valid IP address (or "
          "\"None\", or empty)" },
        { "'clusterIP':'10.96.0.1','clusterIPs':['10.96.0.2'],"
          "'ports':[{'port':80}]", "",
          "spec.clusterIPs[0]: '10.96.0.2' must match spec.clusterIP "
          "'10.96.0.1'" },
        { "'clusterIPs':['10.96.0.1','10.96.0.2'],'ports':[{'port':80}]", "",
          "spec.clusterIPs[1]: must be of a different IP family than "
          "spec.clusterIPs[0]" },
        { "'clusterIPs':['10.96.0.1','None'],'ports':[{'port':80}]", "",
          "spec.clusterIPs[1]: 'None' must be the only entry" },
        { "'ipFamilies':['IPv4','IPv6','IPv4'],'ports':[{'port':80}]", "",
          "spec.ipFamilies: may have at most 2 entries" },
        { "'ipFamilies':['IPv7'],'ports':[{'port':80}]", "",
          "spec.ipFamilies[0]: unsupported value (IPv4 or IPv6)" },
        { "'ipFamilies':['IPv6','IPv6'],'ports':[{'port':80}]", "",
          "spec.ipFamilies[1]: duplicate value 'IPv6'" },
        { "'clusterIPs':['10.96.0.1','fd00::1'],'ipFamilies':['IPv6','IPv4'],"
          "'ports':[{'port':80}]", "",
          "spec.ipFamilies[0]: 'IPv6' does not match the family of the "
          "cluster IP '10.96.0.1'" },
        { "'clusterIP':'fd00::1','ipFamilies':['IPv4'],'ports':[{'port':80}]",
          "", "spec.ipFamilies[0]: 'IPv4' does not match the family of the "
          "cluster IP 'fd00::1'" },
        { "'type':'NodePort','clusterIP':'None','ports':[{'port':80}]", "",
          "spec.clusterIP: may not be 'None' for NodePort services" },
        { "'type':'ExternalName','externalName':'x.example.com',"
          "'clusterIP':'10.96.0.1'", "",
          "spec.clusterIP: may not be set for ExternalName services" },
        { "'type':'ExternalName'", "",
          "spec.externalName: required for ExternalName services" },
        { "'type':'ExternalName','externalName':'Bad_Name'", "",
          "spec.externalName: 'Bad_Name' is not a DNS name" },
        { "'sessionAffinity':'Cookie','ports':[{'port':80}]", "",
          "spec.sessionAffinity: unsupported value 'Cookie' (ClientIP or "
          "None)" },
        { "'sessionAffinity':'ClientIP','sessionAffinityConfig':"
          "{'clientIP':{'timeoutSeconds':0}},'ports':[{'port':80}]", "",
          "spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be "
          "between 1 and 86400, inclusive" },
        { "'sessionAffinity':'ClientIP','sessionAffinityConfig':"
          "{'clientIP':{'timeoutSeconds':86401}},'ports':[{'port':80}]", "",
          "spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be "
          "between 1 and 86400, inclusive" },
        { "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':10}},"
          "'ports':[{'port':80}]", "",
          "spec.sessionAffinityConfig: must not be set when sessionAffinity "
          "is None" },
        { "'externalIPs':['192.0.2.300'],'ports':[{'port':80}]", "",
          "spec.externalIPs[0]: '192.0.2.300' is not a valid IP address" },
        { "'externalIPs':['192.0.2.1','127.0.0.1'],'ports':[{'port':80}]",
          "", "spec.externalIPs[1]: '127.0.0.1' may not be unspecified, "
          "loopback or link-local" },
        { "'externalIPs':'192.0.2.1','ports':[{'port':80}]", "",
          "spec.externalIPs: not a list" },
        { "'type':'LoadBalancer','ports':[{'port':80}]",
          "'loadBalancer':{'ingress':[{'ip':'lb'}]}",
          "status.loadBalancer.ingress[0].ip: 'lb' is not a valid IP "
          "address" },
        { "'externalTrafficPolicy':'Local','ports':[{'port':80}]", "",
          "spec.externalTrafficPolicy: may only be set for "
          "externally-accessible services (NodePort, LoadBalancer, or with "
          "externalIPs)" },
        { "'type':'NodePort','externalTrafficPolicy':'Nearby',"
          "'ports':[{'port':80}]", "",
          "spec.externalTrafficPolicy: unsupported value 'Nearby' (Cluster "
          "or Local)" },
        { "'internalTrafficPolicy':'Node','ports':[{'port':80}]", "",
          "spec.internalTrafficPolicy: unsupported value 'Node' (Cluster or "
          "Local)" },
        { "'selector':['app'],'ports':[{'port':80}]", "",
          "spec.selector: not a mapping" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_svc_error(cases[i].spec, cases[i].status, cases[i].err);
    }
}

static void
test_service_equal(void **state OVS_UNUSED)
{
    static const char base_spec[] =
        "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
        "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
        "'ports':[{'name':'http','port':80,'targetPort':'http',"
        "'nodePort':30080}]";
    static const char base_status[] =
        "'loadBalancer':{'ingress':[{'ip':'203.0.113.1'}]}";
    static const struct {
        const char *spec;
        const char *status;
        bool equal;
    } variants[] = {
        /* Fields the model does not keep. */
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web','tier':'front'},"
          "'externalIPs':['192.0.2.9','2001:db8::9'],"
          "'ipFamilies':['IPv4'],'allocateLoadBalancerNodePorts':true,"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080,'appProtocol':'http'}]",
          "'loadBalancer':{'ingress':[{'ip':'203.0.113.1',"
          "'hostname':'x.example.com'}]},'conditions':[]", true },
        /* Fields it keeps. */
        { base_spec, "", false },
        { base_spec, "'loadBalancer':{'ingress':[{'ip':'203.0.113.2'}]}",
          false },
        { "'type':'NodePort','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.2',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'clusterIPs':['10.96.2.1','fd00::2:1'],"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':8080,"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'web',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30081}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'web','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080,'protocol':'UDP'}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080},{'name':'https','port':443}]", base_status,
          false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'sessionAffinity':'ClientIP',"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'externalTrafficPolicy':'Local',"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
        { "'type':'LoadBalancer','clusterIP':'10.96.2.1',"
          "'selector':{'app':'web'},'externalIPs':['192.0.2.9'],"
          "'internalTrafficPolicy':'Local',"
          "'ports':[{'name':'http','port':80,'targetPort':'http',"
          "'nodePort':30080}]", base_status, false },
    };
    struct service *base = parse_svc_full(base_spec, base_status);
    struct service *a, *b;

    assert_true(service_equal(base, base));
    for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
        struct service *v = parse_svc_full(variants[i].spec,
                                           variants[i].status);
        if (service_equal(base, v) != variants[i].equal
            || service_equal(v, base) != variants[i].equal) {
            fail_msg("variant %zu: expected %s", i,
                     variants[i].equal ? "equal" : "different");
        }
        service_destroy(v);
    }
    service_destroy(base);

    a = parse_svc("'sessionAffinity':'ClientIP','sessionAffinityConfig':"
                  "{'clientIP':{'timeoutSeconds':60}},'ports':[{'port':80}]");
    b = parse_svc("'sessionAffinity':'ClientIP','ports':[{'port':80}]");
    assert_false(service_equal(a, b));
    service_destroy(a);
    service_destroy(b);
    a = parse_svc("'clusterIP':'None','ports':[{'port':80}]");
    b = parse_svc("'clusterIP':'','ports':[{'port':80}]");
    assert_false(service_equal(a, b));
    service_destroy(a);
    service_destroy(b);
}

/* EndpointSlices. */

static char *
slice_text(const char *labels, const char *rest)
{
    return xasprintf("{'apiVersion':'discovery.k8s.io/v1',"
                     "'kind':'EndpointSlice','metadata':{'name':'web-abc',"
                     "'namespace':'shop','labels':{%s}},%s}", labels, rest);
}

static struct epslice *
parse_slice(const char *labels, const char *rest)
{
    char *text = slice_text(labels, rest);
    struct json_object *obj = json(text);
    struct epslice *slice = NULL;
    char *err = NULL;

    if (epslice_parse(obj, NULL, NULL, &slice, &err)) {
        fail_msg("epslice_parse failed: %s", err);
    }
    json_object_put(obj);
    free(text);
    return slice;
}

static void
assert_slice_error(const char *labels, const char *rest, const char *expected)
{
    char *text = slice_text(labels, rest);
    struct json_object *obj = json(text);
    struct epslice *slice = NULL;
    char *err = NULL;

    assert_int_equal(epslice_parse(obj, NULL, NULL, &slice, &err), -EINVAL);
    assert_null(slice);
    if (!err || strcmp(err, expected)) {
        fail_msg("for {%s}: expected \"%s\", got \"%s\"", rest, expected,
                 err ? err : "(none)");
    }
    free(err);
    json_object_put(obj);
    free(text);
}

static void
test_epslice_fields(void **state OVS_UNUSED)
{
    struct epslice *slice = parse_slice(
        "'kubernetes.io/service-name':'web','app':'x'",
        "'addressType':'IPv4',"
        "'endpoints':["
        " {'addresses':['10.244.1.5'],'nodeName':'node-a',"
        "  'targetRef':{'kind':'Pod','name':'web-1'},'zone':'z1'},"
        " {'addresses':['10.244.2.6','10.244.2.7'],'conditions':"
        "  {'ready':false,'serving':true,'terminating':true}},"
        " {'addresses':['10.244.3.8'],'conditions':{'ready':null}}],"
        "'ports':[{'name':'http','port':8080,'protocol':'TCP'},"
        " {'name':'dns','port':53,'protocol':'UDP'},"
        " {'name':'','protocol':'SCTP'}]");
    const struct epslice_endpoint *ep;

    assert_string_equal(slice->namespace, "shop");
    assert_string_equal(slice->name, "web-abc");
    assert_string_equal(slice->key, "shop/web-abc");
    assert_string_equal(slice->service, "web");
    assert_true(slice->ipv4);
    assert_int_equal(slice->n_endpoints, 3);

    /* Conditions left out: ready and serving, not terminating. */
    ep = &slice->endpoints[0];
    assert_int_equal(ep->n_addrs, 1);
    assert_addr(ep->addrs[0], "10.244.1.5");
    assert_true(ep->ready);
    assert_true(ep->serving);
    assert_false(ep->terminating);
    assert_string_equal(ep->node_name, "node-a");

    ep = &slice->endpoints[1];
    assert_int_equal(ep->n_addrs, 2);
    assert_addr(ep->addrs[0], "10.244.2.6");
    assert_addr(ep->addrs[1], "10.244.2.7");
    assert_false(ep->ready);
    assert_true(ep->serving);
    assert_true(ep->terminating);
    assert_null(ep->node_name);

    ep = &slice->endpoints[2];
    assert_true(ep->ready);
    assert_true(ep->serving);
    assert_false(ep->terminating);

    assert_int_equal(slice->n_ports, 3);
    assert_string_equal(slice->ports[0].name, "http");
    assert_int_equal(slice->ports[0].proto, IPPROTO_TCP);
    assert_int_equal(slice->ports[0].port, 8080);
    assert_string_equal(slice->ports[1].name, "dns");
    assert_int_equal(slice->ports[1].proto, IPPROTO_UDP);
    assert_int_equal(slice->ports[1].port, 53);
    /* Without a number: every port. */
    assert_null(slice->ports[2].name);
    assert_int_equal(slice->ports[2].proto, IPPROTO_SCTP);
    assert_int_equal(slice->ports[2].port, 0);
    epslice_destroy(slice);

    /* No label, no endpoints, a port without name or protocol. */
    slice = parse_slice("", "'addressType':'IPv4','endpoints':null,"
                        "'ports':[{'port':80}]");
    assert_null(slice->service);
    assert_int_equal(slice->n_endpoints, 0);
    assert_null(slice->ports[0].name);
    assert_int_equal(slice->ports[0].proto, IPPROTO_TCP);
    epslice_destroy(slice);
}

/* An IPv6 slice keeps its addresses in addrs6, an IPv4 one in addrs. */
static void
test_epslice_ipv6(void **state OVS_UNUSED)
{
    struct epslice *slice = parse_slice(
        "'kubernetes.io/service-name':'web'",
        "'addressType':'IPv6','endpoints':[{'addresses':['fd00::5'],"
        "'nodeName':'node-a'},{'addresses':['fd00::6','fd00::7'],"
        "'conditions':{'ready':false}}],'ports':[{'port':8080}]");

    assert_true(slice->ipv6);
    assert_false(slice->ipv4);
    assert_int_equal(slice->n_endpoints, 2);
    assert_int_equal(slice->endpoints[0].n_addrs, 0);
    assert_int_equal(slice->endpoints[0].n_addrs6, 1);
    assert_addr6(slice->endpoints[0].addrs6[0], "fd00::5");
    assert_true(slice->endpoints[0].ready);
    assert_int_equal(slice->endpoints[1].n_addrs6, 2);
    assert_addr6(slice->endpoints[1].addrs6[1], "fd00::7");
    assert_false(slice->endpoints[1].ready);

    struct epslice *other = parse_slice(
        "'kubernetes.io/service-name':'web'",
        "'addressType':'IPv6','endpoints':[{'addresses':['fd00::5'],"
        "'nodeName':'node-a'},{'addresses':['fd00::6','fd00::8'],"
        "'conditions':{'ready':false}}],'ports':[{'port':8080}]");
    assert_true(epslice_equal(slice, slice));
    assert_false(epslice_equal(slice, other));
    epslice_destroy(other);
    epslice_destroy(slice);

    slice = parse_slice("", "'addressType':'IPv4','endpoints':"
                        "[{'addresses':['10.244.1.5']}]");
    assert_false(slice->ipv6);
    assert_int_equal(slice->endpoints[0].n_addrs6, 0);
    epslice_destroy(slice);
}

static void
test_epslice_other_families(void **state OVS_UNUSED)
{
    struct epslice *slice = parse_slice(
        "'kubernetes.io/service-name':'web'",
        "'addressType':'IPv6','endpoints':[{'addresses':['fd00::5'],"
        "'conditions':{'ready':false}}],'ports':[{'port':80}]");

    assert_false(slice->ipv4);
    assert_string_equal(slice->service, "web");
    assert_int_equal(slice->n_endpoints, 1);
    assert_int_equal(slice->endpoints[0].n_addrs, 0);
    assert_false(slice->endpoints[0].ready);
    assert_int_equal(slice->n_ports, 1);
    epslice_destroy(slice);

    slice = parse_slice("", "'addressType':'FQDN','endpoints':"
                        "[{'addresses':['db.example.com']}]");
    assert_false(slice->ipv4);
    assert_int_equal(slice->endpoints[0].n_addrs, 0);
    epslice_destroy(slice);
}

static void
test_epslice_errors(void **state OVS_UNUSED)
{
    static const struct {
        const char *labels;
        const char *rest;
        const char *err;
    } cases[] = {
        { "", "'endpoints':[]", "addressType: required" },
        { "", "'addressType':'IP'",
          "addressType: unsupported value 'IP' (IPv4, IPv6 or FQDN)" },
        { "", "'addressType':'IPv4','endpoints':[{'addresses':[]}]",
          "endpoints[0].addresses: must have 1 to 100 addresses" },
        { "", "'addressType':'IPv4','endpoints':[{'conditions':{}}]",
          "endpoints[0].addresses: must have 1 to 100 addresses" },
        { "", "'addressType':'IPv4','endpoints':[{'addresses':['10.0.0.1']},"
          "{'addresses':['10.0.0.1','fd00::1']}]",
          "endpoints[1].addresses[1]: 'fd00::1' is not an IPv4 address" },
        { "", "'addressType':'IPv6','endpoints':[{'addresses':['10.0.0.1']}]",
          "endpoints[0].addresses[0]: '10.0.0.1' is not an IPv6 address" },
        { "", "'addressType':'FQDN','endpoints':[{'addresses':['host']}]",
          "endpoints[0].addresses[0]: 'host' is not a fully qualified "
          "domain name" },
        { "", "'addressType':'IPv4','endpoints':[{'addresses':[5]}]",
          "endpoints[0].addresses[0]: not a string" },
        { "", "'addressType':'IPv4','endpoints':[{'addresses':['10.0.0.1'],"
          "'conditions':{'ready':'yes'}}]",
          "endpoints[0].conditions.ready: not a boolean" },
        { "", "'addressType':'IPv4','endpoints':[{'addresses':['10.0.0.1'],"
          "'conditions':{'terminating':1}}]",
          "endpoints[0].conditions.terminating: not a boolean" },
        { "", "'addressType':'IPv4','endpoints':[{'addresses':['10.0.0.1'],"
          "'nodeName':'Node_A'}]",
          "endpoints[0].nodeName: 'Node_A' is not a valid node name" },
        { "", "'addressType':'IPv4','endpoints':{}",
          "endpoints: not a list" },
        { "", "'addressType':'IPv4','ports':[{'port':0}]",
          "ports[0].port: must be between 1 and 65535, inclusive" },
        { "", "'addressType':'IPv4','ports':[{'port':80,'protocol':'tcp'}]",
          "ports[0].protocol: unsupported value 'tcp' (TCP, UDP or SCTP)" },
        { "", "'addressType':'IPv4','ports':[{'name':'a','port':80},"
          "{'name':'a','port':81}]",
          "ports[1].name: duplicate value 'a'" },
        { "", "'addressType':'IPv4','ports':[{'port':80},{'port':81}]",
          "ports[1].name: duplicate value ''" },
        { "", "'addressType':'IPv4','ports':[{'name':'-a','port':80}]",
          "ports[0].name: '-a' is not a DNS label (1-63 of a-z, 0-9 and '-', "
          "starting and ending with a letter or digit)" },
        { "'kubernetes.io/service-name':{'x':1}", "'addressType':'IPv4'",
          "metadata.labels.kubernetes.io/service-name: not a string" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        assert_slice_error(cases[i].labels, cases[i].rest, cases[i].err);
    }
}

static void
test_epslice_equal(void **state OVS_UNUSED)
{
    static const char base_labels[] = "'kubernetes.io/service-name':'web'";
    static const char base_rest[] =
        "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
        "'nodeName':'node-a'}],'ports':[{'name':'http','port':8080}]";
    static const struct {
        const char *labels;
        const char *rest;
        bool equal;
    } variants[] = {
        { "'kubernetes.io/service-name':'web','endpointslice.kubernetes.io/"
          "managed-by':'x'",
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-a','conditions':{'ready':true},"
          "'hostname':'h','zone':'z'}],"
          "'ports':[{'name':'http','port':8080,'protocol':'TCP',"
          "'appProtocol':'http'}]", true },
        { "'kubernetes.io/service-name':'api'", base_rest, false },
        { "", base_rest, false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.6'],"
          "'nodeName':'node-a'}],'ports':[{'name':'http','port':8080}]",
          false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-b'}],'ports':[{'name':'http','port':8080}]",
          false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-a','conditions':{'serving':false}}],"
          "'ports':[{'name':'http','port':8080}]", false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-a','conditions':{'terminating':true}}],"
          "'ports':[{'name':'http','port':8080}]", false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-a'}],'ports':[{'name':'http','port':8081}]",
          false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-a'}],'ports':[{'name':'http','port':8080,"
          "'protocol':'UDP'}]", false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-a'}],'ports':[{'port':8080}]", false },
        { base_labels,
          "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],"
          "'nodeName':'node-a'},{'addresses':['10.244.1.9']}],"
          "'ports':[{'name':'http','port':8080}]", false },
        { base_labels,
          "'addressType':'IPv6','endpoints':[{'addresses':['fd00::5'],"
          "'nodeName':'node-a'}],'ports':[{'name':'http','port':8080}]",
          false },
    };
    struct epslice *base = parse_slice(base_labels, base_rest);

    assert_true(epslice_equal(base, base));
    for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
        struct epslice *v = parse_slice(variants[i].labels, variants[i].rest);
        if (epslice_equal(base, v) != variants[i].equal
            || epslice_equal(v, base) != variants[i].equal) {
            fail_msg("variant %zu: expected %s", i,
                     variants[i].equal ? "equal" : "different");
        }
        epslice_destroy(v);
    }
    epslice_destroy(base);
}

/* Both kinds in the cluster model. */

static void
test_cluster_kinds(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct cluster_change *changes;
    const struct service *svc;
    const struct epslice *slice;
    struct json_object *obj;
    enum cluster_kind kind;
    const char *ns, *name;
    char *err = NULL;
    size_t n;

    add_ns(c, "shop", "'team':'web'");
    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
             "'namespace':'shop'},'spec':{'ports':[{'port':80}]}}");
    apply(c, "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
             "'metadata':{'name':'web-1','labels':"
             "{'kubernetes.io/service-name':'web'}},'addressType':'IPv4'}");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, 3);
    assert_int_equal(changes[1].kind, CLUSTER_SERVICE);
    assert_string_equal(changes[1].namespace, "shop");
    assert_string_equal(changes[1].name, "web");
    assert_int_equal(changes[2].kind, CLUSTER_ENDPOINT_SLICE);
    assert_string_equal(changes[2].namespace, "default");
    cluster_changes_free(changes, n);

    svc = cluster_find_service(c, "shop", "web");
    assert_non_null(svc);
    assert_int_equal(svc->ports[0].target_port, 80);
    assert_null(cluster_find_service(c, NULL, "web"));
    slice = cluster_find_epslice(c, NULL, "web-1");
    assert_non_null(slice);
    assert_ptr_equal(cluster_find_epslice(c, "default", "web-1"), slice);
    assert_int_equal(cluster_count(c, CLUSTER_SERVICE), 1);
    assert_int_equal(cluster_count(c, CLUSTER_ENDPOINT_SLICE), 1);
    assert_string_equal(cluster_kind_name(CLUSTER_SERVICE), "Service");
    assert_string_equal(cluster_kind_name(CLUSTER_ENDPOINT_SLICE),
                        "EndpointSlice");

    /* Validation errors name the object and the field. */
    obj = json("{'kind':'Service','metadata':{'name':'bad','namespace':"
               "'shop'},'spec':{'ports':[{'port':99999}]}}");
    assert_int_equal(cluster_apply(c, obj, &err), -EINVAL);
    assert_string_equal(err, "Service shop/bad: spec.ports[0].port: must be "
                        "between 1 and 65535, inclusive");
    free(err);
    err = NULL;
    json_object_put(obj);
    obj = json("{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
               "'metadata':{'name':'s'}}");
    assert_int_equal(cluster_apply(c, obj, &err), -EINVAL);
    assert_string_equal(err, "EndpointSlice default/s: addressType: "
                        "required");
    free(err);
    err = NULL;
    json_object_put(obj);
    assert_null(cluster_find_service(c, "shop", "bad"));

    /* Only discovery.k8s.io/v1 slices, and only core Services. */
    obj = json("{'apiVersion':'discovery.k8s.io/v1beta1',"
               "'kind':'EndpointSlice','metadata':{'name':'s'}}");
    assert_int_equal(cluster_identify(obj, &kind, &ns, &name, &err),
                     -ENOENT);
    json_object_put(obj);
    obj = json("{'apiVersion':'serving.knative.dev/v1','kind':'Service',"
               "'metadata':{'name':'s'}}");
    assert_int_equal(cluster_identify(obj, &kind, &ns, &name, &err),
                     -ENOENT);
    json_object_put(obj);
    obj = json("{'kind':'EndpointSlice','metadata':{'name':'s'}}");
    assert_int_equal(cluster_identify(obj, &kind, &ns, &name, &err), 0);
    assert_int_equal(kind, CLUSTER_ENDPOINT_SLICE);
    assert_string_equal(ns, "default");
    json_object_put(obj);
    assert_null(err);

    assert_int_equal(cluster_delete(c, CLUSTER_SERVICE, "shop", "web"), 0);
    assert_null(cluster_find_service(c, "shop", "web"));
    assert_int_equal(cluster_delete(c, CLUSTER_SERVICE, "shop", "web"),
                     -ENOENT);
    cluster_destroy(c);
}

/* A Service's status and metadata changes: only what the model keeps
 * records a change. */
static void
test_cluster_service_changes(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct cluster_change *changes;
    uint64_t seqno;
    size_t n;

    apply(c, "{'kind':'Service','metadata':{'name':'lb','namespace':'shop',"
             "'resourceVersion':'1'},'spec':{'type':'LoadBalancer',"
             "'ports':[{'port':443,'nodePort':31443}]}}");
    cluster_take_changes(c, &changes, &n);
    cluster_changes_free(changes, n);
    seqno = cluster_seqno(c);

    apply(c, "{'kind':'Service','metadata':{'name':'lb','namespace':'shop',"
             "'resourceVersion':'2','annotations':{'a':'b'}},"
             "'spec':{'type':'LoadBalancer','ports':[{'port':443,"
             "'nodePort':31443,'protocol':'TCP','targetPort':443}]},"
             "'status':{'loadBalancer':{}}}");
    assert_int_equal(cluster_seqno(c), seqno);

    apply(c, "{'kind':'Service','metadata':{'name':'lb','namespace':'shop',"
             "'resourceVersion':'3'},'spec':{'type':'LoadBalancer',"
             "'ports':[{'port':443,'nodePort':31443}]},"
             "'status':{'loadBalancer':{'ingress':[{'ip':'203.0.113.9'}]}}}");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, 1);
    assert_int_equal(changes[0].kind, CLUSTER_SERVICE);
    assert_false(changes[0].deleted);
    cluster_changes_free(changes, n);
    assert_int_equal(cluster_find_service(c, "shop", "lb")->n_lb_ips, 1);
    cluster_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_defaults),
        cmocka_unit_test(test_service_explicit_names),
        cmocka_unit_test(test_service_ports),
        cmocka_unit_test(test_service_cluster_ips),
        cmocka_unit_test(test_service_cluster_ips6),
        cmocka_unit_test(test_service_node_port_lb),
        cmocka_unit_test(test_service_affinity),
        cmocka_unit_test(test_service_errors),
        cmocka_unit_test(test_service_equal),
        cmocka_unit_test(test_epslice_fields),
        cmocka_unit_test(test_epslice_ipv6),
        cmocka_unit_test(test_epslice_other_families),
        cmocka_unit_test(test_epslice_errors),
        cmocka_unit_test(test_epslice_equal),
        cmocka_unit_test(test_cluster_kinds),
        cmocka_unit_test(test_cluster_service_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
