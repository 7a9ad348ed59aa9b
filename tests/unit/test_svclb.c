/* Services and EndpointSlices into load balancers: which frontends and
 * endpoints each Service type and traffic policy gives, how endpoint and
 * Service changes rewrite them, and what headless and ExternalName
 * Services get (nothing). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/hostnet/nodeport.h"
#include "agent/model/cluster.h"
#include "agent/services/svclb.h"
#include "dataplane/flowtab.h"
#include "dataplane/svcflows.h"
#include "tests/unit/cluster-fixture.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"

#define NODE "node-a"

/* An EndpointSlice of addressType TYPE of Service SVC (namespace
 * default) with one TCP port "http" 8080 and the endpoints in ENDPOINTS
 * (JSON, single quotes). */
static void
add_family_slice(struct cluster *c, const char *type, const char *name,
                 const char *svc, const char *endpoints)
{
    char *text = xasprintf(
        "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
        "'metadata':{'name':'%s','namespace':'default','labels':"
        "{'kubernetes.io/service-name':'%s'}},'addressType':'%s',"
        "'ports':[{'name':'http','protocol':'TCP','port':8080}],"
        "'endpoints':[%s]}", name, svc, type, endpoints);
    apply(c, text);
    free(text);
}

static void
add_slice(struct cluster *c, const char *name, const char *svc,
          const char *endpoints)
{
    add_family_slice(c, "IPv4", name, svc, endpoints);
}

/* Service NAME (namespace default) on 'cluster_ip' with one TCP port
 * "http" 80; 'extra' more spec fields, with a leading comma, or "". */
static void
add_service(struct cluster *c, const char *name, const char *cluster_ip,
            const char *extra)
{
    char *text = xasprintf(
        "{'apiVersion':'v1','kind':'Service','metadata':{'name':'%s',"
        "'namespace':'default'},'spec':{'clusterIP':'%s'%s,"
        "'ports':[{'name':'http','port':80}]}}", name, cluster_ip, extra);
    apply(c, text);
    free(text);
}

static const char two_endpoints[] =
    "{'addresses':['10.244.1.2'],'nodeName':'node-a',"
    "'conditions':{'ready':true}},"
    "{'addresses':['10.244.2.2'],'nodeName':'node-b',"
    "'conditions':{'ready':true}},"
    "{'addresses':['10.244.2.9'],'nodeName':'node-b',"
    "'conditions':{'ready':false,'serving':true,'terminating':true}}";

static char *
format(const struct svclb *lb)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    svclb_format(lb, &s);
    return ds_steal_cstr(&s);
}

/* Drops the " id=N" of each line: ids are hashes, the rest is the
 * contract. */
static char *
without_ids(char *text)
{
    char *out = xzalloc(strlen(text) + 1), *o = out;

    for (const char *p = text; *p; ) {
        if (!strncmp(p, " id=", 4)) {
            p += 4;
            while (*p >= '0' && *p <= '9') {
                p++;
            }
            continue;
        }
        *o++ = *p++;
    }
    free(text);
    return out;
}

static void
assert_lbs(const struct svclb *lb, const char *want)
{
    char *got = without_ids(format(lb));
    assert_string_equal(got, want);
    free(got);
}

/* Every type: ClusterIP, NodePort (a NODEPORT_IP frontend), LoadBalancer
 * with an external IP and an ingress IP, with ready endpoints only;
 * ExternalName and headless get nothing. */
static void
test_types(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct svclb *lb = svclb_create(NODE);
    struct flowtab *ft = flowtab_create(1);
    struct ipproto_port *ports;
    size_t n;

    add_ns(c, "default", "'team':'web'");
    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'lb',"
          "'namespace':'default'},'spec':{'type':'LoadBalancer',"
          "'clusterIP':'10.96.0.3','externalIPs':['192.0.2.10'],"
          "'selector':{'app':'a'},'ports':[{'name':'http','port':80,"
          "'targetPort':'http','nodePort':30080}]},'status':"
          "{'loadBalancer':{'ingress':[{'ip':'192.0.2.11'}]}}}");
    add_slice(c, "lb-1", "lb", two_endpoints);
    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'cip',"
          "'namespace':'default'},'spec':{'clusterIP':'10.96.0.2',"
          "'ports':[{'name':'http','port':80,'targetPort':8080}]}}");
    add_slice(c, "cip-1", "cip", two_endpoints);
    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'hl',"
          "'namespace':'default'},'spec':{'clusterIP':'None',"
          "'ports':[{'name':'http','port':80}]}}");
    add_slice(c, "hl-1", "hl", two_endpoints);
    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'ext',"
          "'namespace':'default'},'spec':{'type':'ExternalName',"
          "'externalName':'db.example.org'}}");

    svclb_sync_all(lb, c, ft);
    assert_lbs(lb,
        "default/cip/http/tcp frontends=10.96.0.2:80"
        " endpoints=10.244.1.2:8080,10.244.2.2:8080 affinity=0\n"
        "default/lb/http/tcp frontends=10.96.0.3:80,169.254.169.253:30080,"
        "192.0.2.10:80,192.0.2.11:80"
        " endpoints=10.244.1.2:8080,10.244.2.2:8080 affinity=0\n");
    /* one group per load balancer, and its frontends in ServiceLB */
    assert_int_equal(flowtab_count_groups(ft), 2);
    svclb_node_ports(lb, &ports, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ports[0].port, 30080);
    free(ports);

    svclb_destroy(lb);
    flowtab_destroy(ft);
    cluster_destroy(c);
}

/* Local traffic policies: the internal frontends keep the cluster's
 * endpoints, the external ones (and node port) this node's only, in a
 * load balancer of their own; ClientIP affinity carries its timeout. */
static void
test_traffic_policies(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct svclb *lb = svclb_create(NODE);
    struct flowtab *ft = flowtab_create(1);

    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'np',"
          "'namespace':'default'},'spec':{'type':'NodePort',"
          "'clusterIP':'10.96.0.4','externalTrafficPolicy':'Local',"
          "'sessionAffinity':'ClientIP','sessionAffinityConfig':"
          "{'clientIP':{'timeoutSeconds':60}},"
          "'ports':[{'name':'http','port':80,'targetPort':8080,"
          "'nodePort':30081}]}}");
    add_slice(c, "np-1", "np", two_endpoints);
    svclb_sync_all(lb, c, ft);
    assert_lbs(lb,
        "default/np/http/tcp frontends=10.96.0.4:80"
        " endpoints=10.244.1.2:8080,10.244.2.2:8080 affinity=60\n"
        "default/np/http/tcp/ext frontends=169.254.169.253:30081"
        " endpoints=10.244.1.2:8080 affinity=60\n");

    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'np',"
          "'namespace':'default'},'spec':{'type':'NodePort',"
          "'clusterIP':'10.96.0.4','internalTrafficPolicy':'Local',"
          "'ports':[{'name':'http','port':80,'targetPort':8080,"
          "'nodePort':30081}]}}");
    svclb_sync_all(lb, c, ft);
    assert_lbs(lb,
        "default/np/http/tcp frontends=10.96.0.4:80"
        " endpoints=10.244.1.2:8080 affinity=0\n"
        "default/np/http/tcp/ext frontends=169.254.169.253:30081"
        " endpoints=10.244.1.2:8080,10.244.2.2:8080 affinity=0\n");

    svclb_destroy(lb);
    flowtab_destroy(ft);
    cluster_destroy(c);
}

/* A dual-stack Service: the IPv4 cluster IP to the IPv4 slice's ready
 * endpoints, the IPv6 one, in a load balancer of its own ("/v6", no
 * affinity), to the IPv6 slice's; external IPs and the node port stay
 * IPv4.  An IPv6 endpoint leaving rewrites the IPv6 load balancer only. */
static void
test_dual_stack(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct svclb *lb = svclb_create(NODE);
    struct flowtab *ft = flowtab_create(1);
    struct cluster_change *changes;
    struct ipproto_port *ports;
    size_t n;

    apply(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'ds',"
          "'namespace':'default'},'spec':{'type':'NodePort',"
          "'clusterIP':'10.96.0.5','clusterIPs':['10.96.0.5','fd00:96::5'],"
          "'ipFamilies':['IPv4','IPv6'],'externalIPs':['2001:db8::5'],"
          "'sessionAffinity':'ClientIP','ports':[{'name':'http','port':80,"
          "'targetPort':8080,'nodePort':30082}]}}");
    add_slice(c, "ds-4", "ds", two_endpoints);
    add_family_slice(c, "IPv6", "ds-6", "ds",
                     "{'addresses':['fd00:244:1::2'],'nodeName':'node-a'},"
                     "{'addresses':['fd00:244:2::2'],'nodeName':'node-b'},"
                     "{'addresses':['fd00:244:2::9'],'conditions':"
                     "{'ready':false}}");
    cluster_take_changes(c, &changes, &n);
    cluster_changes_free(changes, n);
    svclb_sync_all(lb, c, ft);
    assert_lbs(lb,
        "default/ds/http/tcp frontends=10.96.0.5:80,169.254.169.253:30082"
        " endpoints=10.244.1.2:8080,10.244.2.2:8080 affinity=10800\n"
        "default/ds/http/tcp/v6 frontends=[fd00:96::5]:80"
        " endpoints=[fd00:244:1::2]:8080,[fd00:244:2::2]:8080"
        " affinity=0\n");
    assert_int_equal(flowtab_count_groups(ft), 2);
    svclb_node_ports(lb, &ports, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ports[0].port, 30082);
    free(ports);

    add_family_slice(c, "IPv6", "ds-6", "ds",
                     "{'addresses':['fd00:244:2::2'],'nodeName':'node-b'}");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(svclb_handle_changes(lb, c, changes, n, ft), 1);
    cluster_changes_free(changes, n);
    assert_lbs(lb,
        "default/ds/http/tcp frontends=10.96.0.5:80,169.254.169.253:30082"
        " endpoints=10.244.1.2:8080,10.244.2.2:8080 affinity=10800\n"
        "default/ds/http/tcp/v6 frontends=[fd00:96::5]:80"
        " endpoints=[fd00:244:2::2]:8080 affinity=0\n");

    svclb_destroy(lb);
    flowtab_destroy(ft);
    cluster_destroy(c);
}

/* Changes: a slice losing its endpoints keeps the frontend (rejecting) and
 * its id; a slice moving to another Service, and a Service going, are
 * followed; each change recomputes only the Services it touches. */
static void
test_changes(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct svclb *lb = svclb_create(NODE);
    struct flowtab *ft = flowtab_create(1);
    struct cluster_change *changes;
    size_t n;
    char *before, *after;

    add_service(c, "s0", "10.96.1.1", "");
    add_service(c, "s1", "10.96.1.2", "");
    add_slice(c, "s0-1", "s0", two_endpoints);
    cluster_take_changes(c, &changes, &n);
    cluster_changes_free(changes, n);
    svclb_sync_all(lb, c, ft);
    before = format(lb);

    add_slice(c, "s0-1", "s0", "");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(svclb_handle_changes(lb, c, changes, n, ft), 1);
    cluster_changes_free(changes, n);
    after = format(lb);
    /* same id, no endpoint: the frontend rejects */
    assert_int_equal(strcspn(before, " "), strcspn(after, " "));
    assert_int_equal(strncmp(before, after, strcspn(before, "f")), 0);
    assert_non_null(strstr(after, "default/s0/http/tcp"));
    assert_non_null(strstr(after, " endpoints= "));
    assert_true(svclb_take_changed(lb));
    free(before);
    free(after);

    add_slice(c, "s0-1", "s1", two_endpoints);
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(svclb_handle_changes(lb, c, changes, n, ft), 2);
    cluster_changes_free(changes, n);
    assert_lbs(lb,
        "default/s0/http/tcp frontends=10.96.1.1:80 endpoints= affinity=0\n"
        "default/s1/http/tcp frontends=10.96.1.2:80"
        " endpoints=10.244.1.2:8080,10.244.2.2:8080 affinity=0\n");

    assert_int_equal(cluster_delete(c, CLUSTER_SERVICE, "default", "s1"), 0);
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(svclb_handle_changes(lb, c, changes, n, ft), 1);
    cluster_changes_free(changes, n);
    assert_lbs(lb, "default/s0/http/tcp frontends=10.96.1.1:80 endpoints="
               " affinity=0\n");
    assert_int_equal(flowtab_count_groups(ft), 0);

    svclb_destroy(lb);
    flowtab_destroy(ft);
    cluster_destroy(c);
}

/* svclb_reset() then a full sync gives every load balancer its id and
 * flows again (what "recompute" proves on the switch): 40 Services with
 * affinity, added one at a time in reverse order, then reset and synced
 * at once in key order. */
static void
test_reset_keeps_ids(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct svclb *lb = svclb_create(NODE);
    struct flowtab *ft = flowtab_create(1);
    struct cluster_change *changes;
    size_t n;

    for (int i = 39; i >= 0; i--) {
        char *ip = xasprintf("10.96.2.%d", i + 1);
        char *slice = xasprintf("s%d-1", i), *svc = xasprintf("s%d", i);

        add_service(c, svc, ip, ",'sessionAffinity':'ClientIP'");
        add_slice(c, slice, svc, two_endpoints);
        cluster_take_changes(c, &changes, &n);
        svclb_handle_changes(lb, c, changes, n, ft);
        cluster_changes_free(changes, n);
        free(ip);
        free(slice);
        free(svc);
    }
    char *before = format(lb);
    flowtab_assume_committed(ft);

    svclb_reset(lb);
    flowtab_clear_desired(ft);
    svclb_sync_all(lb, c, ft);
    char *after = format(lb);
    assert_string_equal(after, before);
    assert_int_equal(flowtab_count_changes(ft), 0);

    free(before);
    free(after);
    svclb_destroy(lb);
    flowtab_destroy(ft);
    cluster_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_traffic_policies),
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_dual_stack),
        cmocka_unit_test(test_reset_keeps_ids),
    };

    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
