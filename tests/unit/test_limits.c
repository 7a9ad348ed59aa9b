/* Objects at the Kubernetes API's limits: names and labels of the longest
 * lengths the API server accepts are kept whole and matched; selectors one
 * character over are refused with a message and the rest of the model
 * stays; objects the API server would refuse (a longer name or label) are
 * kept as given, never cut.  Then sizes: a NetworkPolicy with 10,000
 * rules, peers or ports and a Service with 1,000 ports are compiled into
 * flows, and what cannot go to the switch in one OpenFlow message (a clause
 * flow shared by more than FLOWTAB_MAX_CONJS rules, a group of 1,000
 * endpoints) is refused for itself while everything else is applied. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/model/cluster.h"
#include "agent/policy/netpolrules.h"
#include "agent/policy/policy.h"
#include "agent/services/svclb.h"
#include "dataplane/flowtab.h"
#include "dataplane/tables.h"
#include "tests/unit/cluster-fixture.h"
#include "tests/unit/policy-fixture.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"

#define NODE "node-a"

/* 'n' copies of 'c'. */
static char *
repeat(char c, size_t n)
{
    char *s = xmalloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* A DNS subdomain of exactly 'n' characters: labels of at most 63
 * characters joined by dots. */
static char *
subdomain(size_t n)
{
    char *s = repeat('d', n);
    for (size_t i = 63; i < n - 1; i += 64) {
        s[i] = '.';
    }
    return s;
}

/* The longest names and labels Kubernetes allows. */
struct long_names {
    char *ns;           /* 63 */
    char *pod;          /* 253 */
    char *policy;       /* 253 */
    char *key;          /* prefix of 253 + '/' + name of 63 */
    char *value;        /* 63 */
};

static void
long_names_init(struct long_names *ln)
{
    char *prefix = subdomain(253);
    char *name = repeat('k', 63);

    ln->ns = repeat('n', 63);
    ln->pod = subdomain(253);
    ln->policy = repeat('p', 253);
    ln->key = xasprintf("%s/%s", prefix, name);
    ln->value = repeat('v', 63);
    free(prefix);
    free(name);
}

static void
long_names_destroy(struct long_names *ln)
{
    free(ln->ns);
    free(ln->pod);
    free(ln->policy);
    free(ln->key);
    free(ln->value);
}

/* Names at their limits: the model keeps them whole, a policy of the
 * longest name selects by the longest label and namespace, and its rule
 * reaches the flow table. */
static void
test_names_at_limit(void **state OVS_UNUSED)
{
    struct long_names ln;
    long_names_init(&ln);

    assert_int_equal(strlen(ln.key), 253 + 1 + 63);
    char *table = xasprintf("ns %s %s=%s\n"
                            "ns other team=x\n"
                            "pod %s %s node-a 10.0.1.1 %s=%s\n"
                            "pod other client node-a 10.0.1.2 %s=%s\n",
                            ln.ns, ln.key, ln.value, ln.ns, ln.pod, ln.key,
                            ln.value, ln.key, ln.value);
    struct cluster *c = policy_fixture_cluster(table);
    free(table);

    const struct cluster_pod *pod = cluster_find_pod(c, ln.ns, ln.pod);
    assert_non_null(pod);
    assert_string_equal(cluster_labels_get(&pod->labels, ln.key), ln.value);

    /* Selected by the long label, peers: the pods of namespaces with the
     * long label (the pod itself, not 'client'). */
    char *spec = xasprintf(
        "{'podSelector':{'matchLabels':{'%s':'%s'}},"
        "'ingress':[{'from':[{'namespaceSelector':{'matchExpressions':"
        "[{'key':'%s','operator':'In','values':['%s']}]}}],"
        "'ports':[{'port':80}]}]}", ln.key, ln.value, ln.key, ln.value);
    add_policy(c, ln.ns, ln.policy, spec);
    free(spec);
    assert_non_null(cluster_find_netpol(c, ln.ns, ln.policy));

    struct rulebook_result r;
    rulebook_resolve(&netpolrules_class, c, NODE, NULL, 0, &r);
    assert_int_equal(r.n_rules, 1);
    char *key = xasprintf("%s/%s/ingress/0", ln.ns, ln.policy);
    const struct rulebook_compiled *rule = rulebook_result_find_key(&r, key);
    assert_non_null(rule);
    assert_int_equal(rule->rule.n_pods, 1);
    assert_int_equal(rule->rule.pods[0].s_addr, inet_addr("10.0.1.1"));
    assert_int_equal(rule->rule.n_peers, 1);
    assert_int_equal(rule->rule.peers[0].addr.s_addr, inet_addr("10.0.1.1"));
    assert_int_equal(rule->rule.peers[0].plen, 32);
    free(key);
    rulebook_result_destroy(&r);

    struct policy *p = policy_create(NODE);
    struct flowtab *ft = flowtab_create(1);
    policy_sync_all(p, c, ft);
    assert_int_equal(policy_count_rules(p), 1);
    struct ds s = DS_EMPTY_INITIALIZER;
    flowtab_format_desired(ft, 0, &s);
    assert_non_null(strstr(ds_cstr(&s), "nw_src=10.0.1.1 actions=conj"));
    assert_null(strstr(ds_cstr(&s), "10.0.1.2"));
    ds_destroy(&s);
    flowtab_destroy(ft);
    policy_destroy(p);
    cluster_destroy(c);
    long_names_destroy(&ln);
}

/* A selector one character over a limit is refused, with the field and
 * the value named; the policies already in the model stay, and the next
 * valid one is applied. */
static void
test_selector_over_limit(void **state OVS_UNUSED)
{
    struct cluster *c = policy_fixture_cluster("ns shop team=web\n");
    char *name64 = repeat('k', 64), *prefix254 = subdomain(254);
    char *value64 = repeat('v', 64);
    struct {
        char *key, *value;
    } bad[] = {
        { xstrdup(name64), xstrdup("x") },
        { xasprintf("%s/k", prefix254), xstrdup("x") },
        { xstrdup("app"), xstrdup(value64) },
    };

    add_policy(c, "shop", "good", "{'podSelector':{}}");
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *text = xasprintf(
            "{'apiVersion':'networking.k8s.io/v1','kind':'NetworkPolicy',"
            "'metadata':{'name':'bad','namespace':'shop'},'spec':"
            "{'podSelector':{'matchLabels':{'%s':'%s'}}}}",
            bad[i].key, bad[i].value);
        char *want = xasprintf(
            "NetworkPolicy shop/bad: spec.podSelector.matchLabels%s: %s '%s'",
            i < 2 ? "" : ".app",
            i < 2 ? "invalid label key" : "invalid label value",
            i < 2 ? bad[i].key : bad[i].value);
        struct json_object *obj = json(text);
        char *err = NULL;

        assert_int_equal(cluster_apply(c, obj, &err), -EINVAL);
        assert_non_null(err);
        if (strncmp(err, want, strlen(want))) {
            fail_msg("refused with \"%s\", expected \"%s...\"", err, want);
        }
        free(err);
        json_object_put(obj);
        free(text);
        free(want);
        free(bad[i].key);
        free(bad[i].value);
    }
    assert_null(cluster_find_netpol(c, "shop", "bad"));
    assert_non_null(cluster_find_netpol(c, "shop", "good"));
    add_policy(c, "shop", "next", "{'podSelector':{}}");
    assert_int_equal(cluster_count(c, CLUSTER_NETWORK_POLICY), 2);
    free(name64);
    free(prefix254);
    free(value64);
    cluster_destroy(c);
}

/* Objects the API server refuses (a name, namespace or label over its
 * limit) cannot come from it, and a manifest that has them is the
 * operator's: the model keeps them as given, nothing cut, so what it
 * matches is what was written. */
static void
test_objects_over_limit_kept_whole(void **state OVS_UNUSED)
{
    char *ns = repeat('n', 64), *pod = repeat('p', 254);
    char *key = repeat('k', 64), *value = repeat('v', 300);
    char *table = xasprintf("pod %s %s node-a 10.0.1.1 %s=%s\n",
                            ns, pod, key, value);
    struct cluster *c = policy_fixture_cluster(table);
    char *ns_labels = xasprintf("'%s':'%s'", key, value);
    add_ns(c, ns, ns_labels);
    free(ns_labels);

    const struct cluster_namespace *n_obj = cluster_find_namespace(c, ns);
    assert_non_null(n_obj);
    assert_string_equal(cluster_labels_get(&n_obj->labels, key), value);
    const struct cluster_pod *p = cluster_find_pod(c, ns, pod);
    assert_non_null(p);
    assert_string_equal(p->name, pod);
    assert_string_equal(p->namespace, ns);
    assert_string_equal(cluster_labels_get(&p->labels, key), value);
    size_t n;
    cluster_namespace_pods(c, ns, &n);
    assert_int_equal(n, 1);
    free(table);
    free(ns);
    free(pod);
    free(key);
    free(value);
    cluster_destroy(c);
}

/* Flows of a table in the desired set. */
static size_t
count_table(const struct flowtab *ft, uint8_t table)
{
    size_t counts[256];
    flowtab_count_by_table(ft, counts);
    return counts[table];
}

/* Occurrences of 'needle' in 's'. */
static size_t
count_substr(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* 'ns' with two pods on this node that every policy there selects. */
static struct cluster *
two_pods(void)
{
    return policy_fixture_cluster(
        "ns big team=x\n"
        "pod big a node-a 10.0.1.1 app=a\n"
        "pod big b node-a 10.0.1.2 app=b\n");
}

/* Compiles every policy of 'c' into a new flow table. */
static struct flowtab *
compile(const struct cluster *c, struct policy **pp)
{
    struct flowtab *ft = flowtab_create(1);
    *pp = policy_create(NODE);
    policy_sync_all(*pp, c, ft);
    return ft;
}

/* One policy with 10,000 ingress rules, each from its own /32: every rule
 * has the same pod, so the two pod clause flows would carry 10,000
 * conjunction actions each, 160 KB, and no OpenFlow message holds that.
 * The first FLOWTAB_MAX_CONJS rules (in id order) get their flows, the
 * others are refused, and another policy's rule is still applied. */
static void
test_policy_10000_rules(void **state OVS_UNUSED)
{
    struct cluster *c = two_pods();
    struct ds spec = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&spec, "{'podSelector':{'matchLabels':{'app':'a'}},"
                "'ingress':[");
    for (int i = 0; i < 10000; i++) {
        ds_put_format(&spec, "%s{'from':[{'ipBlock':{'cidr':'172.16.%d.%d/32'"
                      "}}],'ports':[{'port':80}]}", i ? "," : "",
                      i / 256, i % 256);
    }
    ds_put_cstr(&spec, "]}");
    add_policy(c, "big", "many-rules", ds_cstr(&spec));
    ds_destroy(&spec);
    assert_int_equal(cluster_find_netpol(c, "big", "many-rules")
                     ->n_rules[POLFLOWS_INGRESS], 10000);
    add_policy(c, "big", "one-rule",
               "{'podSelector':{'matchLabels':{'app':'b'}},"
               "'ingress':[{'from':[{'ipBlock':{'cidr':'192.168.0.0/16'}}],"
               "'ports':[{'port':443}]}]}");

    struct policy *p;
    struct flowtab *ft = compile(c, &p);
    struct ds s = DS_EMPTY_INITIALIZER;
    flowtab_format_desired(ft, 0, &s);

    /* Rules with flows: one conj_id flow each; a refused rule has none.
     * The pod clause of 10.0.1.1 is full; one-rule's pod is 10.0.1.2. */
    assert_int_equal(count_substr(ds_cstr(&s), "conj_id="),
                     FLOWTAB_MAX_CONJS + 1);
    const char *a = strstr(ds_cstr(&s), "nw_dst=10.0.1.1 actions=conj");
    assert_non_null(a);
    size_t line = strcspn(a, "\n");
    char *a_line = xmemdup0(a, line);
    assert_int_equal(count_substr(a_line, "conjunction("), FLOWTAB_MAX_CONJS);
    free(a_line);
    assert_non_null(strstr(ds_cstr(&s), "nw_src=192.168.0.0/16"));
    assert_non_null(strstr(ds_cstr(&s), "tp_dst=443"));
    assert_int_equal(policy_count_rules(p), 10001);
    ds_destroy(&s);
    flowtab_destroy(ft);
    policy_destroy(p);
    cluster_destroy(c);
}

/* One rule with 10,000 peers and one with 10,000 ports: a clause flow per
 * peer or port block, all in one conjunction each. */
static void
test_policy_10000_peers_and_ports(void **state OVS_UNUSED)
{
    struct cluster *c = two_pods();
    struct ds spec = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&spec, "{'podSelector':{'matchLabels':{'app':'a'}},"
                "'ingress':[{'from':[");
    for (int i = 0; i < 10000; i++) {
        ds_put_format(&spec, "%s{'ipBlock':{'cidr':'172.16.%d.%d/32'}}",
                      i ? "," : "", i / 256, i % 256);
    }
    ds_put_cstr(&spec, "],'ports':[{'port':80}]}]}");
    add_policy(c, "big", "many-peers", ds_cstr(&spec));

    /* Odd ports: no two merge into one masked block. */
    ds_clear(&spec);
    ds_put_cstr(&spec, "{'podSelector':{'matchLabels':{'app':'b'}},"
                "'ingress':[{'from':[{'ipBlock':{'cidr':'10.1.0.0/16'}}],"
                "'ports':[");
    for (int i = 0; i < 10000; i++) {
        ds_put_format(&spec, "%s{'port':%d}", i ? "," : "", 2 * i + 1);
    }
    ds_put_cstr(&spec, "]}]}");
    add_policy(c, "big", "many-ports", ds_cstr(&spec));
    ds_destroy(&spec);

    struct policy *p;
    struct flowtab *ft = compile(c, &p);

    /* Each rule: its peers or ports, one pod, the other clause, conj_id;
     * plus the isolation of the two pods (another table). */
    assert_int_equal(policy_count_rules(p), 2);
    assert_int_equal(count_table(ft, TABLE_INGRESS_RULE),
                     (10000 + 1 + 1 + 1) * 2);
    struct ds s = DS_EMPTY_INITIALIZER;
    flowtab_format_desired(ft, 0, &s);
    assert_non_null(strstr(ds_cstr(&s), "nw_src=172.16.39.15 actions=conj"));
    assert_non_null(strstr(ds_cstr(&s), "tp_dst=19999 actions=conj"));
    ds_destroy(&s);
    flowtab_destroy(ft);
    policy_destroy(p);
    cluster_destroy(c);
}

static void
add_service(struct cluster *c, const char *name, const char *ip,
            const char *ports)
{
    char *text = xasprintf(
        "{'apiVersion':'v1','kind':'Service','metadata':{'name':'%s',"
        "'namespace':'default'},'spec':{'clusterIP':'%s','ports':[%s]}}",
        name, ip, ports);
    apply(c, text);
    free(text);
}

static void
add_slice(struct cluster *c, const char *svc, const char *ports,
          const char *endpoints)
{
    char *text = xasprintf(
        "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
        "'metadata':{'name':'%s-1','namespace':'default','labels':"
        "{'kubernetes.io/service-name':'%s'}},'addressType':'IPv4',"
        "'ports':[%s],'endpoints':[%s]}", svc, svc, ports, endpoints);
    apply(c, text);
    free(text);
}

/* 'n' ready endpoints 10.244.X.Y. */
static char *
endpoints(int n)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (int i = 0; i < n; i++) {
        ds_put_format(&s, "%s{'addresses':['10.244.%d.%d'],"
                      "'conditions':{'ready':true}}", i ? "," : "",
                      1 + i / 250, 1 + i % 250);
    }
    return ds_steal_cstr(&s);
}

/* A Service with 1,000 ports: 1,000 load balancers, each its group and
 * flows. */
static void
test_service_1000_ports(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct ds svc_ports = DS_EMPTY_INITIALIZER;
    struct ds slice_ports = DS_EMPTY_INITIALIZER;

    for (int i = 0; i < 1000; i++) {
        ds_put_format(&svc_ports, "%s{'name':'p%d','port':%d,"
                      "'targetPort':%d}", i ? "," : "", i, 1000 + i,
                      20000 + i);
        ds_put_format(&slice_ports, "%s{'name':'p%d','protocol':'TCP',"
                      "'port':%d}", i ? "," : "", i, 20000 + i);
    }
    add_service(c, "wide", "10.96.0.10", ds_cstr(&svc_ports));
    char *eps = endpoints(2);
    add_slice(c, "wide", ds_cstr(&slice_ports), eps);
    free(eps);
    ds_destroy(&svc_ports);
    ds_destroy(&slice_ports);

    struct svclb *lb = svclb_create(NODE);
    struct flowtab *ft = flowtab_create(1);
    svclb_sync_all(lb, c, ft);
    size_t n;
    free(svclb_list(lb, &n));
    assert_int_equal(n, 1000);
    assert_int_equal(flowtab_count_groups(ft), 1000);
    struct ds s = DS_EMPTY_INITIALIZER;
    flowtab_format_desired(ft, 0, &s);
    assert_non_null(strstr(ds_cstr(&s), "nw_dst=10.96.0.10,tp_dst=1999 "));
    ds_destroy(&s);
    flowtab_destroy(ft);
    svclb_destroy(lb);
    cluster_destroy(c);
}

/* A slice of 1,000 endpoints (the most a slice has) makes a select group
 * larger than one OpenFlow message: that Service is refused, the next one
 * applied, and one of 100 endpoints fits. */
static void
test_service_1000_endpoints(void **state OVS_UNUSED)
{
    static const char port[] = "{'name':'http','port':80,'targetPort':8080}";
    static const char slice_port[] =
        "{'name':'http','protocol':'TCP','port':8080}";
    struct cluster *c = cluster_create();
    char *many = endpoints(1000), *some = endpoints(100);

    add_service(c, "huge", "10.96.0.10", port);
    add_slice(c, "huge", slice_port, many);
    add_service(c, "large", "10.96.0.11", port);
    add_slice(c, "large", slice_port, some);

    struct svclb *lb = svclb_create(NODE);
    struct flowtab *ft = flowtab_create(1);
    svclb_sync_all(lb, c, ft);
    assert_int_equal(flowtab_count_groups(ft), 1);
    struct ds s = DS_EMPTY_INITIALIZER;
    flowtab_format_desired(ft, 0, &s);
    assert_null(strstr(ds_cstr(&s), "nw_dst=10.96.0.10,"));
    assert_non_null(strstr(ds_cstr(&s), "nw_dst=10.96.0.11,"));
    ds_destroy(&s);
    free(many);
    free(some);
    flowtab_destroy(ft);
    svclb_destroy(lb);
    cluster_destroy(c);
}

int
main(void)
{
    /* The refusals log warnings; the tests check them through results. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_at_limit),
        cmocka_unit_test(test_selector_over_limit),
        cmocka_unit_test(test_objects_over_limit_kept_whole),
        cmocka_unit_test(test_policy_10000_rules),
        cmocka_unit_test(test_policy_10000_peers_and_ports),
        cmocka_unit_test(test_service_1000_ports),
        cmocka_unit_test(test_service_1000_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
