/* NetworkPolicy: parsing and validation, the cluster model's policies, pod
 * IPs and container ports, resolution into polflows rules (peers, ports,
 * named ports, ipBlocks, policyTypes, union), rule id stability, and
 * incremental recomputation against a full one. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/model/cluster.h"
#include "agent/policy/netpolrules.h"
#include "agent/policy/policy.h"
#include "dataplane/flowtab.h"
#include "tests/unit/cluster-fixture.h"
#include "tests/unit/policy-fixture.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "util.h"

#define NODE "node-a"

/* Namespace dev has no Namespace object. */
static struct cluster *
fixture(void)
{
    return policy_fixture_cluster(
        "ns shop team=web\n"
        "ns ops team=ops,env=prod\n"
        "pod shop web1 node-a 10.0.1.1 app=web http:8080\n"
        "pod shop web2 node-a 10.0.1.2 app=web http:8081/TCP\n"
        "pod shop db node-a 10.0.1.3 app=db sql:5432\n"
        "pod shop web3 node-b 10.0.2.1 app=web http:8080\n"
        "pod ops mon node-b 10.0.2.2 app=mon metrics:9100\n"
        "pod ops web node-b 10.0.2.3 app=web\n"
        "pod dev tool node-b 10.0.2.4 app=tool\n");
}

static int
compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The result, one line per rule without its id, lines sorted, then the
 * isolated pods. */
static char *
result_text(const struct rulebook_result *r)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ds out = DS_EMPTY_INITIALIZER;
    char *lines[256], *save = NULL;
    size_t n = 0;

    netpolrules_result_format(r, &s);
    for (char *line = strtok_r(ds_cstr(&s), "\n", &save); line && n < 256;
         line = strtok_r(NULL, "\n", &save)) {
        char *id = strstr(line, " id=");
        if (id) {
            memmove(id, strchr(id + 1, ' '), strlen(strchr(id + 1, ' ')) + 1);
        }
        lines[n++] = line;
    }
    qsort(lines, n, sizeof *lines, compare_lines);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&out, "%s\n", lines[i]);
    }
    ds_destroy(&s);
    return ds_steal_cstr(&out);
}

static void
check(const struct cluster *c, const char *expected)
{
    struct rulebook_result r;
    char *text;

    rulebook_resolve(&netpolrules_class, c, NODE, NULL, 0, &r);
    text = result_text(&r);
    if (strcmp(text, expected)) {
        fail_msg("resolved:\n%s\nexpected:\n%s", text, expected);
    }
    free(text);
    rulebook_result_destroy(&r);
}

#define NO_ISOLATION "isolated egress: \nisolated ingress: \n"

/* Parsing and validation. */

static void
parse_bad(const char *spec, const char *expected)
{
    char *text = xasprintf("{'kind':'NetworkPolicy','metadata':{'name':'p',"
                           "'namespace':'shop'},'spec':%s}", spec);
    struct json_object *obj = json(text);
    struct netpol *np = NULL;
    char *err = NULL;

    assert_int_equal(netpol_parse(obj, NULL, NULL, &np, &err), -EINVAL);
    assert_null(np);
    if (!err || !strstr(err, expected)) {
        fail_msg("%s: message '%s' lacks '%s'", spec, err, expected);
    }
    free(err);
    free(text);
    json_object_put(obj);
}

static struct netpol *
parse_ok(const char *spec)
{
    char *text = xasprintf("{'kind':'NetworkPolicy','metadata':{'name':'p'},"
                           "'spec':%s}", spec);
    struct json_object *obj = json(text);
    struct netpol *np = NULL;
    char *err = NULL;

    if (netpol_parse(obj, NULL, NULL, &np, &err)) {
        fail_msg("%s refused: %s", spec, err);
    }
    free(text);
    json_object_put(obj);
    return np;
}

static void
test_validation(void **state)
{
    (void) state;
    parse_bad("{'ingress':[{'from':[{}]}]}",
              "spec.ingress[0].from[0]: must specify a peer");
    parse_bad("{'egress':[{'to':[{'ipBlock':{'cidr':'10.0.0.0/8'},"
              "'podSelector':{}}]}]}",
              "spec.egress[0].to[0]: may not specify both ipBlock and "
              "another peer");
    parse_bad("{'ingress':[{'from':[{'ipBlock':{'cidr':'10.0.0.0/24',"
              "'except':['10.1.0.0/25']}}]}]}",
              "spec.ingress[0].from[0].ipBlock.except[0]: '10.1.0.0/25' "
              "must be a strict subset of `cidr`");
    parse_bad("{'ingress':[{'ports':[{'port':'http','endPort':90}]}]}",
              "spec.ingress[0].ports[0].endPort: may not be specified when "
              "`port` is non-numeric");
    parse_bad("{'ingress':[{'ports':[{'endPort':90}]}]}",
              "endPort: may not be specified when `port` is not specified");
    parse_bad("{'ingress':[{'ports':[{'port':100,'endPort':90}]}]}",
              "endPort: must be greater than or equal to `port`");
    parse_bad("{'ingress':[{'ports':[{'port':0}]}]}",
              "ports[0].port: must be between 1 and 65535");
    parse_bad("{'ingress':[{'ports':[{'port':80,'endPort':70000}]}]}",
              "endPort: must be between 1 and 65535");
    parse_bad("{'ingress':[{'ports':[{'port':'80'}]}]}",
              "'80' is neither a port number nor a port name");
    parse_bad("{'ingress':[{'ports':[{'port':'my--port'}]}]}",
              "is neither a port number nor a port name");
    parse_bad("{'ingress':[{'ports':[{'protocol':'ICMP'}]}]}",
              "ports[0].protocol: unsupported value 'ICMP'");
    parse_bad("{'policyTypes':['Ingress','Bogus']}",
              "spec.policyTypes[1]: unsupported value 'Bogus'");
    parse_bad("{'policyTypes':['Ingress','Egress','Ingress']}",
              "may not specify more than two policyTypes");
    parse_bad("{'podSelector':{'matchExpressions':[{'key':'a',"
              "'operator':'In'}]}}",
              "spec.podSelector.matchExpressions[0].values: must be "
              "specified");
    parse_bad("{'egress':[{'to':[{'namespaceSelector':{'matchExpressions':"
              "[{'key':'a','operator':'Exists','values':['x']}]}}]}]}",
              "spec.egress[0].to[0].namespaceSelector.matchExpressions[0]."
              "values: may not be specified");
    parse_bad("{'ingress':{}}", "spec.ingress: not a list");
}

static void
test_parse_fields(void **state)
{
    struct netpol *np = parse_ok(
        "{'podSelector':{'matchLabels':{'app':'web'}},"
        " 'ingress':[{'from':[{'podSelector':{}},"
        "                     {'namespaceSelector':{},'podSelector':null},"
        "                     {'ipBlock':{'cidr':'10.0.0.0/8'}}],"
        "             'ports':[{'port':'http'},{'protocol':'UDP','port':53},"
        "                      {'port':1000,'endPort':2000},"
        "                      {'protocol':'SCTP'}]}]}");

    (void) state;
    assert_string_equal(np->namespace, "default");
    assert_string_equal(np->name, "p");
    assert_int_equal(np->n_rules[POLFLOWS_INGRESS], 1);
    const struct netpol_rule *r = &np->rules[POLFLOWS_INGRESS][0];
    assert_int_equal(r->n_peers, 3);
    assert_non_null(r->peers[0].pod_sel);
    assert_null(r->peers[0].ns_sel);
    assert_null(r->peers[1].pod_sel);     /* null is "not given" */
    assert_non_null(r->peers[1].ns_sel);
    assert_non_null(r->peers[2].ipblock);
    assert_int_equal(r->n_ports, 4);
    assert_int_equal(r->ports[0].proto, IPPROTO_TCP);   /* the default */
    assert_string_equal(r->ports[0].name, "http");
    assert_int_equal(r->ports[1].proto, IPPROTO_UDP);
    assert_int_equal(r->ports[1].port, 53);
    assert_int_equal(r->ports[2].port, 1000);
    assert_int_equal(r->ports[2].end_port, 2000);
    assert_int_equal(r->ports[3].proto, IPPROTO_SCTP);
    assert_int_equal(r->ports[3].port, 0);
    netpol_destroy(np);
}

static void
test_policy_types(void **state)
{
    struct netpol *np;

    (void) state;
    /* Left out: Ingress, plus Egress when there are egress rules. */
    np = parse_ok("{}");
    assert_true(np->applies[POLFLOWS_INGRESS]);
    assert_false(np->applies[POLFLOWS_EGRESS]);
    netpol_destroy(np);

    np = parse_ok("{'egress':[{}]}");
    assert_true(np->applies[POLFLOWS_INGRESS]);
    assert_true(np->applies[POLFLOWS_EGRESS]);
    netpol_destroy(np);

    /* An empty egress list is no egress rule: Ingress only. */
    np = parse_ok("{'egress':[],'policyTypes':[]}");
    assert_true(np->applies[POLFLOWS_INGRESS]);
    assert_false(np->applies[POLFLOWS_EGRESS]);
    netpol_destroy(np);

    /* Explicit: rules of an unlisted type are ignored. */
    np = parse_ok("{'policyTypes':['Egress'],'ingress':[{}]}");
    assert_false(np->applies[POLFLOWS_INGRESS]);
    assert_true(np->applies[POLFLOWS_EGRESS]);
    assert_int_equal(np->n_rules[POLFLOWS_INGRESS], 0);
    netpol_destroy(np);

    /* The same through resolution. */
    struct cluster *c = fixture();
    add_policy(c, "shop", "implied", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'egress':[{}]}");
    check(c, "isolated egress: 10.0.1.3\n"
             "isolated ingress: 10.0.1.3\n"
             "shop/implied/egress/0 pods=10.0.1.3 peers=any ports=any\n");
    cluster_delete(c, CLUSTER_NETWORK_POLICY, "shop", "implied");

    add_policy(c, "shop", "egress-only", "{'podSelector':{},"
               "'policyTypes':['Egress'],'ingress':[{}]}");
    check(c, "isolated egress: 10.0.1.1,10.0.1.2,10.0.1.3\n"
             "isolated ingress: \n");
    cluster_delete(c, CLUSTER_NETWORK_POLICY, "shop", "egress-only");

    add_policy(c, "shop", "empty-egress", "{'podSelector':{},"
               "'egress':[]}");
    check(c, "isolated egress: \n"
             "isolated ingress: 10.0.1.1,10.0.1.2,10.0.1.3\n");
    cluster_destroy(c);
}

/* Resolution. */

static void
test_selection_and_isolation(void **state)
{
    struct cluster *c = fixture();

    (void) state;
    check(c, NO_ISOLATION);

    /* Empty podSelector: every pod of the policy's namespace on this node;
     * no ingress rule: isolation only. */
    add_policy(c, "shop", "deny", "{'podSelector':{}}");
    check(c, "isolated egress: \n"
             "isolated ingress: 10.0.1.1,10.0.1.2,10.0.1.3\n");
    cluster_delete(c, CLUSTER_NETWORK_POLICY, "shop", "deny");

    add_policy(c, "shop", "deny-web", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'policyTypes':['Ingress','Egress'],"
               "'ingress':[]}");
    check(c, "isolated egress: 10.0.1.1,10.0.1.2\n"
             "isolated ingress: 10.0.1.1,10.0.1.2\n");

    /* A policy in another namespace selects nothing here. */
    add_policy(c, "ops", "deny-ops", "{'podSelector':{}}");
    check(c, "isolated egress: 10.0.1.1,10.0.1.2\n"
             "isolated ingress: 10.0.1.1,10.0.1.2\n");

    /* No rule for a pod without an address, or on the host network. */
    add_pod(c, "shop", "noip", NODE, "", "'app':'web'", "");
    apply(c, "{'kind':'Pod','metadata':{'name':'hostnet','namespace':'shop',"
             "'labels':{'app':'web'}},'spec':{'nodeName':'node-a',"
             "'hostNetwork':true},'status':{'podIP':'192.168.56.10'}}");
    check(c, "isolated egress: 10.0.1.1,10.0.1.2\n"
             "isolated ingress: 10.0.1.1,10.0.1.2\n");
    cluster_destroy(c);
}

static void
test_any_peer_any_port(void **state)
{
    struct cluster *c = fixture();

    (void) state;
    add_policy(c, "shop", "allow-all", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'ingress':[{}],"
               "'egress':[{'to':[],'ports':[]}]}");
    check(c, "isolated egress: 10.0.1.3\n"
             "isolated ingress: 10.0.1.3\n"
             "shop/allow-all/egress/0 pods=10.0.1.3 peers=any ports=any\n"
             "shop/allow-all/ingress/0 pods=10.0.1.3 peers=any ports=any\n");
    cluster_destroy(c);
}

static void
check_peer(const char *peer, const char *expected_peers)
{
    struct cluster *c = fixture();
    char *spec = xasprintf("{'podSelector':{'matchLabels':{'app':'db'}},"
                           "'ingress':[{'from':[%s]}]}", peer);
    char *expected = xasprintf("isolated egress: \n"
                               "isolated ingress: 10.0.1.3\n"
                               "shop/p/ingress/0 pods=10.0.1.3 peers=%s "
                               "ports=any\n", expected_peers);

    add_policy(c, "shop", "p", spec);
    check(c, expected);
    free(spec);
    free(expected);
    cluster_destroy(c);
}

static void
test_peers(void **state)
{
    (void) state;
    /* podSelector alone: pods of the policy's namespace (any node). */
    check_peer("{'podSelector':{'matchLabels':{'app':'web'}}}",
               "10.0.1.1/32,10.0.1.2/32,10.0.2.1/32");
    check_peer("{'podSelector':{}}",
               "10.0.1.1/32,10.0.1.2/32,10.0.1.3/32,10.0.2.1/32");
    /* namespaceSelector alone: every pod of the matching namespaces. */
    check_peer("{'namespaceSelector':{'matchLabels':{'team':'ops'}}}",
               "10.0.2.2/32,10.0.2.3/32");
    /* Both in one peer: AND. */
    check_peer("{'namespaceSelector':{'matchLabels':{'team':'ops'}},"
               "'podSelector':{'matchLabels':{'app':'web'}}}",
               "10.0.2.3/32");
    /* {} namespaceSelector: every namespace, even one without an object. */
    check_peer("{'namespaceSelector':{}}",
               "10.0.1.1/32,10.0.1.2/32,10.0.1.3/32,10.0.2.1/32,"
               "10.0.2.2/32,10.0.2.3/32,10.0.2.4/32");
    check_peer("{'namespaceSelector':{},'podSelector':{'matchLabels':"
               "{'app':'web'}}}",
               "10.0.1.1/32,10.0.1.2/32,10.0.2.1/32,10.0.2.3/32");
    /* The name label the API server puts on every namespace. */
    check_peer("{'namespaceSelector':{'matchLabels':"
               "{'kubernetes.io/metadata.name':'dev'}}}", "10.0.2.4/32");
    check_peer("{'namespaceSelector':{'matchExpressions':[{'key':"
               "'kubernetes.io/metadata.name','operator':'NotIn',"
               "'values':['shop','dev']}]}}", "10.0.2.2/32,10.0.2.3/32");
    /* Peers are OR-ed; an ipBlock after its excepts. */
    check_peer("{'podSelector':{'matchLabels':{'app':'db'}}},"
               "{'ipBlock':{'cidr':'192.168.0.0/22',"
               "'except':['192.168.1.0/24','192.168.2.128/25']}}",
               "10.0.1.3/32,192.168.0.0/24,192.168.2.0/25,192.168.3.0/24");
    /* An IPv6 block allows no IPv4 peer: the rule matches nothing. */
    struct cluster *c = fixture();
    add_policy(c, "shop", "v6", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'ingress':[{'from':[{'ipBlock':"
               "{'cidr':'2001:db8::/32'}}]}]}");
    check(c, "isolated egress: \nisolated ingress: 10.0.1.3\n");
    cluster_destroy(c);
}

static void
test_ports(void **state)
{
    struct cluster *c = fixture();

    (void) state;
    add_policy(c, "shop", "ports", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'ingress':[{'ports':[{'port':80},"
               "{'protocol':'UDP','port':53},{'protocol':'SCTP'},"
               "{'port':1000,'endPort':2000},{'port':80}]}]}");
    check(c, "isolated egress: \n"
             "isolated ingress: 10.0.1.3\n"
             "shop/ports/ingress/0 pods=10.0.1.3 peers=any "
             "ports=tcp:80,tcp:1000-2000,udp:53,sctp\n");
    cluster_destroy(c);
}

static void
test_named_ports_ingress(void **state)
{
    struct cluster *c = fixture();

    (void) state;
    /* Resolved on each selected pod: two numbers, two rules. */
    add_policy(c, "shop", "http", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'ingress':[{'from':[{'podSelector':"
               "{'matchLabels':{'app':'db'}}}],'ports':[{'port':'http'}]}]}");
    check(c, "isolated egress: \n"
             "isolated ingress: 10.0.1.1,10.0.1.2\n"
             "shop/http/ingress/0/tcp:8080 pods=10.0.1.1 peers=10.0.1.3/32 "
             "ports=tcp:8080\n"
             "shop/http/ingress/0/tcp:8081 pods=10.0.1.2 peers=10.0.1.3/32 "
             "ports=tcp:8081\n");

    /* Numeric ports go in a rule of their own; a name whose protocol
     * differs from the container port's resolves to nothing. */
    add_policy(c, "shop", "http", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'ingress':[{'ports':[{'port':'http'},"
               "{'port':'http','protocol':'UDP'},{'port':'sql'},"
               "{'protocol':'UDP','port':9000,'endPort':9010}]}]}");
    check(c, "isolated egress: \n"
             "isolated ingress: 10.0.1.1,10.0.1.2\n"
             "shop/http/ingress/0 pods=10.0.1.1,10.0.1.2 peers=any "
             "ports=udp:9000-9010\n"
             "shop/http/ingress/0/tcp:8080 pods=10.0.1.1 peers=any "
             "ports=tcp:8080\n"
             "shop/http/ingress/0/tcp:8081 pods=10.0.1.2 peers=any "
             "ports=tcp:8081\n");

    /* Pods resolving to the same number share one rule. */
    add_pod(c, "shop", "web2", NODE, "10.0.1.2", "'app':'web'",
            "{'name':'http','containerPort':8080}");
    check(c, "isolated egress: \n"
             "isolated ingress: 10.0.1.1,10.0.1.2\n"
             "shop/http/ingress/0 pods=10.0.1.1,10.0.1.2 peers=any "
             "ports=udp:9000-9010\n"
             "shop/http/ingress/0/tcp:8080 pods=10.0.1.1,10.0.1.2 peers=any "
             "ports=tcp:8080\n");
    cluster_destroy(c);
}

static void
test_named_ports_egress(void **state)
{
    struct cluster *c = fixture();

    (void) state;
    /* Resolved on each peer pod: peers grouped by number. */
    add_policy(c, "shop", "to-web", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'policyTypes':['Egress'],'egress':[{'to':"
               "[{'podSelector':{'matchLabels':{'app':'web'}}}],"
               "'ports':[{'port':'http'}]}]}");
    check(c, "isolated egress: 10.0.1.3\n"
             "isolated ingress: \n"
             "shop/to-web/egress/0/tcp:8080 pods=10.0.1.3 "
             "peers=10.0.1.1/32,10.0.2.1/32 ports=tcp:8080\n"
             "shop/to-web/egress/0/tcp:8081 pods=10.0.1.3 "
             "peers=10.0.1.2/32 ports=tcp:8081\n");
    cluster_delete(c, CLUSTER_NETWORK_POLICY, "shop", "to-web");

    /* No peers: every pod the name resolves on. */
    add_policy(c, "shop", "metrics", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'policyTypes':['Egress'],'egress':["
               "{'ports':[{'port':'metrics'},{'port':53,'protocol':'UDP'}]}"
               "]}");
    check(c, "isolated egress: 10.0.1.3\n"
             "isolated ingress: \n"
             "shop/metrics/egress/0 pods=10.0.1.3 peers=any ports=udp:53\n"
             "shop/metrics/egress/0/tcp:9100 pods=10.0.1.3 "
             "peers=10.0.2.2/32 ports=tcp:9100\n");
    cluster_delete(c, CLUSTER_NETWORK_POLICY, "shop", "metrics");

    /* ipBlock peers: the pods in the block (after its excepts). */
    add_policy(c, "shop", "block", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'policyTypes':['Egress'],'egress':["
               "{'to':[{'ipBlock':{'cidr':'10.0.0.0/16','except':"
               "['10.0.1.0/24']}}],'ports':[{'port':'http'},"
               "{'port':'metrics'}]}]}");
    check(c, "isolated egress: 10.0.1.3\n"
             "isolated ingress: \n"
             "shop/block/egress/0/tcp:8080 pods=10.0.1.3 "
             "peers=10.0.2.1/32 ports=tcp:8080\n"
             "shop/block/egress/0/tcp:9100 pods=10.0.1.3 "
             "peers=10.0.2.2/32 ports=tcp:9100\n");
    cluster_destroy(c);
}

static void
test_union(void **state)
{
    struct cluster *c = fixture();

    (void) state;
    add_policy(c, "shop", "a", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'ingress':[{'from':[{'podSelector':"
               "{'matchLabels':{'app':'db'}}}],'ports':[{'port':80}]}]}");
    add_policy(c, "shop", "b", "{'podSelector':{},'ingress':[{'from':"
               "[{'namespaceSelector':{'matchLabels':{'team':'ops'}}}],"
               "'ports':[{'port':443}]}]}");
    check(c, "isolated egress: \n"
             "isolated ingress: 10.0.1.1,10.0.1.2,10.0.1.3\n"
             "shop/a/ingress/0 pods=10.0.1.1,10.0.1.2 peers=10.0.1.3/32 "
             "ports=tcp:80\n"
             "shop/b/ingress/0 pods=10.0.1.1,10.0.1.2,10.0.1.3 "
             "peers=10.0.2.2/32,10.0.2.3/32 ports=tcp:443\n");
    cluster_destroy(c);
}

static void
test_rule_fields_and_ids(void **state)
{
    struct cluster *c = fixture();
    struct rulebook_result r1, r2;
    const struct rulebook_compiled *a, *b;

    (void) state;
    add_policy(c, "shop", "http", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'policyTypes':['Ingress','Egress'],"
               "'ingress':[{'ports':[{'port':'http'}]}],"
               "'egress':[{'to':[{'podSelector':{}}]}]}");
    rulebook_resolve(&netpolrules_class, c, NODE, NULL, 0, &r1);
    assert_int_equal(r1.n_rules, 3);
    for (size_t i = 0; i < r1.n_rules; i++) {
        const struct polflows_rule *rule = &r1.rules[i].rule;
        assert_true(rule->id >= NETPOLRULES_FIRST_RULE_ID);
        assert_int_equal(rule->action, POLFLOWS_ALLOW);
        assert_true(!i || r1.rules[i - 1].rule.id < rule->id);
        assert_ptr_equal(rule->pods, r1.rules[i].pods);
    }
    a = rulebook_result_find_key(&r1, "shop/http/egress/0");
    assert_non_null(a);
    assert_int_equal(a->rule.dir, POLFLOWS_EGRESS);
    assert_false(a->rule.any_peer);
    assert_true(a->rule.any_port);
    assert_int_equal(a->rule.n_peers, 4);
    a = rulebook_result_find_key(&r1, "shop/http/ingress/0/tcp:8080");
    assert_non_null(a);
    assert_int_equal(a->rule.dir, POLFLOWS_INGRESS);
    assert_true(a->rule.any_peer);
    assert_int_equal(a->rule.n_ports, 1);
    assert_int_equal(a->rule.ports[0].proto, IPPROTO_TCP);
    assert_int_equal(a->rule.ports[0].port, 8080);

    /* A new pod joins a rule: same key, same id, one more pod; rules it
     * does not touch are identical. */
    add_pod(c, "shop", "web4", NODE, "10.0.1.4", "'app':'web'",
            "{'name':'http','containerPort':8080}");
    rulebook_resolve(&netpolrules_class, c, NODE, NULL, 0, &r2);
    a = rulebook_result_find_key(&r1, "shop/http/ingress/0/tcp:8080");
    b = rulebook_result_find_key(&r2, "shop/http/ingress/0/tcp:8080");
    assert_non_null(b);
    assert_int_equal(a->rule.id, b->rule.id);
    assert_int_equal(b->rule.n_pods, 2);
    assert_true(netpolrules_rule_equal(
        &rulebook_result_find_key(&r1, "shop/http/ingress/0/tcp:8081")->rule,
        &rulebook_result_find_key(&r2, "shop/http/ingress/0/tcp:8081")->rule));
    assert_false(netpolrules_rule_equal(&a->rule, &b->rule));
    rulebook_result_destroy(&r2);

    /* Recomputing an unchanged cluster gives identical rules. */
    rulebook_resolve(&netpolrules_class, c, NODE, NULL, 0, &r2);
    struct rulebook_result r3;
    rulebook_resolve(&netpolrules_class, c, NODE, NULL, 0, &r3);
    assert_int_equal(r2.n_rules, r3.n_rules);
    for (size_t i = 0; i < r2.n_rules; i++) {
        assert_true(netpolrules_rule_equal(&r2.rules[i].rule, &r3.rules[i].rule));
    }
    rulebook_result_destroy(&r1);
    rulebook_result_destroy(&r2);
    rulebook_result_destroy(&r3);
    cluster_destroy(c);
}

/* Incremental recomputation. */

static char *
full_text(const struct cluster *c)
{
    return policy_fixture_resolve_text(&netpolrules_class,
                                       netpolrules_result_format, c, NODE);
}

/* Applies the pending changes incrementally, checks the result against a
 * full recomputation and returns how many policies were recomputed. */
static size_t
step(struct rulebook *st, struct cluster *c)
{
    struct cluster_change *changes;
    struct rulebook_result r;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct sset affected = SSET_INITIALIZER(&affected);
    char *full = full_text(c);
    size_t n, n_affected;

    cluster_take_changes(c, &changes, &n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        rulebook_affected(st, c, &changes[i], &affected);
    }
    rulebook_recompute(st, c, &affected);
    rulebook_result(st, NULL, 0, &r);
    netpolrules_result_format(&r, &s);
    if (strcmp(ds_cstr(&s), full)) {
        fail_msg("incremental:\n%s\nfull:\n%s", ds_cstr(&s), full);
    }
    n_affected = sset_count(&affected);
    rulebook_result_destroy(&r);
    ds_destroy(&s);
    free(full);
    sset_destroy(&affected);
    cluster_changes_free(changes, n);
    return n_affected;
}

static void
test_incremental_equals_full(void **state)
{
    struct cluster *c = fixture();
    struct rulebook *st = rulebook_create(&netpolrules_class, NODE);

    (void) state;
    add_policy(c, "shop", "web-from-db", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'ingress':[{'from':[{'podSelector':"
               "{'matchLabels':{'app':'db'}}}],'ports':[{'port':'http'}]}]}");
    add_policy(c, "shop", "db-from-ops", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'ingress':[{'from':[{'namespaceSelector':"
               "{'matchLabels':{'team':'ops'}}}]}]}");
    add_policy(c, "ops", "mon", "{'podSelector':{'matchLabels':"
               "{'app':'mon'}},'ingress':[{'from':[{'podSelector':{}}]}]}");
    rulebook_recompute_all(st, c);
    policy_fixture_take_changes(c);

    /* A pod no selector can see touches no policy. */
    add_pod(c, "dev", "tool", "node-b", "10.0.2.4", "'app':'other'", "");
    assert_int_equal(step(st, c), 0);

    /* db becomes web: selected by one policy, peer of it, no longer
     * selected by the other. */
    add_pod(c, "shop", "db", NODE, "10.0.1.3", "'app':'web'",
            "{'name':'http','containerPort':8082}");
    assert_int_equal(step(st, c), 2);
    add_pod(c, "shop", "db", NODE, "10.0.1.3", "'app':'db'",
            "{'name':'sql','containerPort':5432}");
    assert_int_equal(step(st, c), 2);

    /* A namespace stops and starts matching a namespaceSelector. */
    add_ns(c, "ops", "'team':'other'");
    assert_int_equal(step(st, c), 1);
    add_ns(c, "dev", "'team':'ops'");
    assert_int_equal(step(st, c), 1);
    add_ns(c, "ops", "'team':'ops'");
    step(st, c);

    /* Policies come and go. */
    add_policy(c, "shop", "egress", "{'podSelector':{},'egress':[{'to':"
               "[{'ipBlock':{'cidr':'10.0.0.0/16'}}],'ports':"
               "[{'port':'http'}]}]}");
    assert_int_equal(step(st, c), 1);
    cluster_delete(c, CLUSTER_NETWORK_POLICY, "shop", "web-from-db");
    assert_int_equal(step(st, c), 1);

    /* Pods: the agent's own IP, a new local pod, a deletion, a remote pod
     * with a named port inside the egress policy's block. */
    add_pod(c, "shop", "web9", NODE, "", "'app':'web'",
            "{'name':'http','containerPort':8080}");
    step(st, c);
    assert_int_equal(cluster_set_pod_ip(c, "shop", "web9", "10.0.1.9"), 0);
    step(st, c);
    cluster_delete(c, CLUSTER_POD, "shop", "web1");
    step(st, c);
    add_pod(c, "ops", "api", "node-b", "10.0.2.9", "'app':'api'",
            "{'name':'http','containerPort':80}");
    step(st, c);
    cluster_delete(c, CLUSTER_NAMESPACE, NULL, "dev");
    step(st, c);

    rulebook_destroy(st);
    cluster_destroy(c);
}

/* Dual-stack pods. */

static struct cluster *
dual_stack_fixture(void)
{
    return policy_fixture_cluster(
        "ns shop team=web\n"
        "pod shop web1 node-a 10.0.1.1,fd00:1::1 app=web http:8080\n"
        "pod shop db node-a 10.0.1.3,fd00:1::3 app=db\n"
        "pod shop cli node-b 10.0.2.1,fd00:2::1 app=cli http:8080\n"
        "pod shop other node-b 10.0.2.2,fd00:2::2 app=other\n"
        "pod shop v6only node-b fd00:2::3 app=cli\n");
}

/* A selected pod is isolated and a rule's subject by both its addresses,
 * a peer pod selected by label is a peer by both, an IPv6-only pod by its
 * one; a pod the rule does not name is in no rule. */
static void
test_dual_stack_rules(void **state)
{
    struct cluster *c = dual_stack_fixture();

    (void) state;
    add_policy(c, "shop", "p", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'ingress':[{'from':[{'podSelector':"
               "{'matchLabels':{'app':'cli'}}}],'ports':[{'port':80}]}],"
               "'egress':[{'to':[{'podSelector':{'matchLabels':"
               "{'app':'cli'}}}],'ports':[{'port':'http'}]}]}");
    check(c, "isolated egress: 10.0.1.1,fd00:1::1\n"
             "isolated ingress: 10.0.1.1,fd00:1::1\n"
             "shop/p/egress/0/tcp:8080 pods=10.0.1.1,fd00:1::1 "
             "peers=10.0.2.1/32,fd00:2::1/128 ports=tcp:8080\n"
             "shop/p/ingress/0 pods=10.0.1.1,fd00:1::1 "
             "peers=10.0.2.1/32,fd00:2::1/128,fd00:2::3/128 "
             "ports=tcp:80\n");
    cluster_destroy(c);

    /* A named port towards an IPv4 ipBlock resolves on the pods inside it,
     * as destinations by their IPv4 address only: the block does not
     * cover their IPv6 one, so the rule is IPv4 only. */
    c = dual_stack_fixture();
    add_policy(c, "shop", "q", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'policyTypes':['Egress'],'egress':[{'to':"
               "[{'ipBlock':{'cidr':'10.0.0.0/16'}}],'ports':"
               "[{'port':'http'}]}]}");
    check(c, "isolated egress: 10.0.1.3,fd00:1::3\n"
             "isolated ingress: \n"
             "shop/q/egress/0/tcp:8080 pods=10.0.1.3 "
             "peers=10.0.1.1/32,10.0.2.1/32 ports=tcp:8080\n");
    cluster_destroy(c);

    /* IPv6 ipBlocks: with except, and with a named port resolved on the
     * pods inside the block by their IPv6 address. */
    c = dual_stack_fixture();
    add_policy(c, "shop", "r", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'ingress':[{'from':[{'ipBlock':{'cidr':"
               "'fd00:2::/126','except':['fd00:2::/127']}}]}],"
               "'egress':[{'to':[{'ipBlock':{'cidr':'fd00:2::/64'}}],"
               "'ports':[{'port':'http'}]}]}");
    check(c, "isolated egress: 10.0.1.3,fd00:1::3\n"
             "isolated ingress: 10.0.1.3,fd00:1::3\n"
             "shop/r/egress/0/tcp:8080 pods=fd00:1::3 "
             "peers=fd00:2::1/128 ports=tcp:8080\n"
             "shop/r/ingress/0 pods=fd00:1::3 peers=fd00:2::2/127 "
             "ports=any\n");
    cluster_destroy(c);
}

/* The flows: the isolated pod's IPv6 traffic is dropped by its isolation
 * flow unless it completes the rule's conjunction, which has its IPv6
 * address, its IPv6 peers and tcp6 ports; it takes the conntrack pass by
 * its IPv6 address too.  The pod the rule does not allow has no flow, so
 * its IPv6 traffic to the isolated pod stays denied.  Setting a local
 * pod's IPv6 address (as the agent does) brings it in incrementally. */
static void
test_dual_stack_flows(void **state)
{
    struct cluster *c = dual_stack_fixture();
    struct flowtab *ft = flowtab_create(1);
    struct flowtab *full = flowtab_create(1);
    struct policy *p = policy_create(NODE);
    struct policy *q = policy_create(NODE);
    struct cluster_change *changes;
    struct policy_rule_ref *refs;
    char *flows, *want, *flows_full;
    uint32_t id;
    size_t n;

    (void) state;
    add_policy(c, "shop", "p", "{'podSelector':{'matchLabels':"
               "{'app':'web'}},'ingress':[{'from':[{'podSelector':"
               "{'matchLabels':{'app':'cli'}}}],'ports':[{'port':80}]}]}");
    policy_sync_all(p, c, ft);
    policy_fixture_take_changes(c);
    flows = policy_fixture_flows(ft);
    refs = policy_list_rules(p, &n);
    assert_int_equal(n, 1);
    id = refs[0].rule->id;
    free(refs);
    want = xasprintf("table=70,priority=%u,ipv6,ipv6_dst=fd00:1::1 "
                     "actions=conjunction(%"PRIu32",1/3)\n",
                     NETPOLRULES_RULE_PRIORITY, id);
    policy_fixture_assert_has(flows, want);
    free(want);
    policy_fixture_assert_has(flows, "ipv6,ipv6_src=fd00:2::1 actions=conjunction(");
    policy_fixture_assert_has(flows, "ipv6,ipv6_src=fd00:2::3 actions=conjunction(");
    policy_fixture_assert_has(flows, "ip,nw_src=10.0.2.1 actions=conjunction(");
    policy_fixture_assert_has(flows, "tcp6,tp_dst=80 actions=conjunction(");
    policy_fixture_assert_has(flows, "tcp,tp_dst=80 actions=conjunction(");
    policy_fixture_assert_has(flows, "table=71,priority=100,ipv6,ipv6_dst=fd00:1::1 "
               "actions=set_field:0x");
    policy_fixture_assert_has(flows, "table=71,priority=100,ip,nw_dst=10.0.1.1 ");
    policy_fixture_assert_has(flows, "table=20,priority=105,ipv6,ipv6_dst=fd00:1::1 "
               "actions=set_field:0x80/0x80->reg0,ct(table=21,zone=65001,"
               "nat)\n");
    policy_fixture_assert_has(flows, "table=20,priority=105,ipv6,ipv6_src=fd00:1::1 ");
    assert_null(strstr(flows, "fd00:2::2"));
    assert_null(strstr(flows, "fd00:1::3"));
    free(flows);

    /* db, selected now, gets its IPv6 address from the agent. */
    add_policy(c, "shop", "db", "{'podSelector':{'matchLabels':"
               "{'app':'db'}},'policyTypes':['Ingress']}");
    assert_int_equal(cluster_set_pod_ip_family(c, "shop", "db", AF_INET6,
                                               "fd00:1::33"), 0);
    cluster_take_changes(c, &changes, &n);
    policy_handle_changes(p, c, changes, n, ft);
    cluster_changes_free(changes, n);
    flows = policy_fixture_flows(ft);
    policy_fixture_assert_has(flows, "table=71,priority=100,ipv6,ipv6_dst=fd00:1::33 ");
    policy_fixture_assert_has(flows, "table=20,priority=105,ipv6,ipv6_src=fd00:1::33 ");
    assert_null(strstr(flows, "fd00:1::3 "));
    policy_sync_all(q, c, full);
    flows_full = policy_fixture_flows(full);
    assert_string_equal(flows, flows_full);
    free(flows);
    free(flows_full);

    policy_destroy(p);
    policy_destroy(q);
    flowtab_destroy(ft);
    flowtab_destroy(full);
    cluster_destroy(c);
}

/* The cluster model's side. */

static void
test_cluster_policies(void **state)
{
    struct cluster *c = cluster_create();
    struct cluster_change *changes;
    struct json_object *obj;
    enum cluster_kind kind;
    const char *ns, *name;
    char *err = NULL;
    size_t n;

    (void) state;
    add_policy(c, "shop", "p", "{'podSelector':{},'ingress':[{'ports':"
               "[{'port':80}]}]}");
    assert_int_equal(cluster_count(c, CLUSTER_NETWORK_POLICY), 1);
    assert_non_null(cluster_find_netpol(c, "shop", "p"));
    assert_string_equal(cluster_kind_name(CLUSTER_NETWORK_POLICY),
                        "NetworkPolicy");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, 1);
    assert_int_equal(changes[0].kind, CLUSTER_NETWORK_POLICY);
    assert_string_equal(changes[0].namespace, "shop");
    cluster_changes_free(changes, n);

    /* The same spec, keys in another order: no change. */
    add_policy(c, "shop", "p", "{'ingress':[{'ports':[{'port':80}]}],"
               "'podSelector':{}}");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, 0);
    cluster_changes_free(changes, n);
    add_policy(c, "shop", "p", "{'ingress':[{'ports':[{'port':81}]}]}");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, 1);
    cluster_changes_free(changes, n);

    /* Another API group's NetworkPolicy is not ours. */
    obj = json("{'apiVersion':'crd.projectcalico.org/v1','kind':"
               "'NetworkPolicy','metadata':{'name':'q','namespace':'shop'},"
               "'spec':{'selector':'all()'}}");
    assert_int_equal(cluster_identify(obj, &kind, &ns, &name, &err), -ENOENT);
    assert_int_equal(cluster_apply(c, obj, &err), 0);
    json_object_put(obj);
    assert_int_equal(cluster_count(c, CLUSTER_NETWORK_POLICY), 1);

    /* An invalid one is refused, naming it and the field. */
    policy_fixture_refused(c, "{'apiVersion':'networking.k8s.io/v1',"
                           "'kind':'NetworkPolicy','metadata':{'name':'bad',"
                           "'namespace':'shop'},'spec':"
                           "{'ingress':[{'from':[{}]}]}}",
                           "NetworkPolicy shop/bad: spec.ingress[0]."
                           "from[0]: must specify a peer");

    assert_int_equal(cluster_delete(c, CLUSTER_NETWORK_POLICY, "shop", "p"),
                     0);
    assert_null(cluster_find_netpol(c, "shop", "p"));
    cluster_destroy(c);
}

static void
test_cluster_pod_fields(void **state)
{
    struct cluster *c = cluster_create();
    const struct cluster_pod *pod;
    struct json_object *obj;
    char *err = NULL;

    (void) state;
    apply(c, "{'kind':'Pod','metadata':{'name':'a'},'spec':{'containers':["
             "{'name':'x','ports':[{'name':'http','containerPort':80},"
             "{'containerPort':53,'protocol':'UDP'}]},"
             "{'name':'y','ports':[{'name':'s','containerPort':9,"
             "'protocol':'SCTP'}]}]},"
             "'status':{'podIP':'fd00::1','podIPs':[{'ip':'fd00::1'},"
             "{'ip':'10.0.0.5'}]}}");
    pod = cluster_find_pod(c, "default", "a");
    assert_non_null(pod);
    assert_string_equal(pod->ip, "10.0.0.5");
    assert_false(pod->host_network);
    assert_int_equal(pod->n_ports, 3);
    assert_string_equal(pod->ports[0].name, "http");
    assert_int_equal(pod->ports[0].port, 80);
    assert_int_equal(pod->ports[0].proto, IPPROTO_TCP);
    assert_null(pod->ports[1].name);
    assert_int_equal(pod->ports[1].proto, IPPROTO_UDP);
    assert_int_equal(pod->ports[2].proto, IPPROTO_SCTP);

    obj = json("{'kind':'Pod','metadata':{'name':'b'},'spec':{'containers':"
               "[{'ports':[{'containerPort':0}]}]}}");
    assert_int_equal(cluster_apply(c, obj, &err), -EINVAL);
    assert_non_null(strstr(err, "spec.containers[0].ports[0].containerPort"));
    free(err);
    json_object_put(obj);
    cluster_destroy(c);
}

static void
test_cluster_pod_ip(void **state)
{
    struct cluster *c = cluster_create();

    (void) state;
    /* Before the Pod object: kept for it. */
    assert_int_equal(cluster_set_pod_ip(c, "shop", "a", "10.0.0.9"), 0);
    assert_int_equal(cluster_set_pod_ip(c, "shop", "a", "bogus"), -EINVAL);
    assert_int_equal(policy_fixture_take_changes(c), 0);
    add_pod(c, "shop", "a", NODE, "", "", "");
    assert_string_equal(cluster_find_pod(c, "shop", "a")->ip, "10.0.0.9");
    assert_int_equal(policy_fixture_take_changes(c), 1);

    /* It wins over status.podIP, across re-applies. */
    add_pod(c, "shop", "a", NODE, "10.0.0.7", "", "");
    assert_string_equal(cluster_find_pod(c, "shop", "a")->ip, "10.0.0.9");
    assert_string_equal(cluster_find_pod(c, "shop", "a")->status_ip,
                        "10.0.0.7");
    policy_fixture_take_changes(c);

    /* Same IP again: no change; cleared: back to status.podIP. */
    assert_int_equal(cluster_set_pod_ip(c, "shop", "a", "10.0.0.9"), 0);
    assert_int_equal(policy_fixture_take_changes(c), 0);
    assert_int_equal(cluster_set_pod_ip(c, "shop", "a", NULL), 0);
    assert_string_equal(cluster_find_pod(c, "shop", "a")->ip, "10.0.0.7");
    assert_int_equal(policy_fixture_take_changes(c), 1);

    /* It goes with the Pod. */
    assert_int_equal(cluster_set_pod_ip(c, "shop", "a", "10.0.0.9"), 0);
    assert_int_equal(cluster_delete(c, CLUSTER_POD, "shop", "a"), 0);
    add_pod(c, "shop", "a", NODE, "10.0.0.7", "", "");
    assert_string_equal(cluster_find_pod(c, "shop", "a")->ip, "10.0.0.7");
    cluster_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_policy_types),
        cmocka_unit_test(test_selection_and_isolation),
        cmocka_unit_test(test_any_peer_any_port),
        cmocka_unit_test(test_peers),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_named_ports_ingress),
        cmocka_unit_test(test_named_ports_egress),
        cmocka_unit_test(test_union),
        cmocka_unit_test(test_rule_fields_and_ids),
        cmocka_unit_test(test_incremental_equals_full),
        cmocka_unit_test(test_cluster_policies),
        cmocka_unit_test(test_cluster_pod_fields),
        cmocka_unit_test(test_cluster_pod_ip),
        cmocka_unit_test(test_dual_stack_rules),
        cmocka_unit_test(test_dual_stack_flows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
