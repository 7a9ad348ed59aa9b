/* ClusterNetworkPolicy: parsing and validation, the cluster model's kind,
 * tiers and the priority mapping, resolution into polflows rules (exact),
 * ids, and the resulting flows next to NetworkPolicy's. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/model/cluster.h"
#include "agent/model/labelsel.h"
#include "agent/policy/cnprules.h"
#include "agent/policy/policy.h"
#include "dataplane/flowtab.h"
#include "dataplane/pipeline.h"
#include "dataplane/tables.h"
#include "tests/unit/cluster-fixture.h"
#include "tests/unit/policy-fixture.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

#define NODE "node-a"

static char *
cnp_text(const char *name, const char *spec)
{
    return xasprintf("{'apiVersion':'policy.networking.k8s.io/v1beta1',"
                     "'kind':'ClusterNetworkPolicy','metadata':{'name':'%s'},"
                     "'spec':%s}", name, spec);
}

static void
add_cnp(struct cluster *c, const char *name, const char *spec)
{
    char *text = cnp_text(name, spec);
    apply(c, text);
    free(text);
}

/* Parses 'spec'; returns the error message (caller frees) or NULL. */
static char *
parse_err(const char *spec)
{
    char *text = cnp_text("p", spec);
    struct json_object *obj = json(text);
    struct cnp *cnp = NULL;
    char *err = NULL;
    int error = cnp_parse(obj, NULL, &cnp, &err);

    assert_true(error ? !cnp && err && error == -EINVAL : cnp && !err);
    cnp_destroy(cnp);
    json_object_put(obj);
    free(text);
    return err;
}

/* Node node-b: InternalIP 192.168.0.2, role=worker. */
static struct cluster *
fixture(void)
{
    struct cluster *c = policy_fixture_cluster(
        "ns shop team=web\n"
        "ns ops team=ops\n"
        "pod shop web1 node-a 10.0.1.1 app=web http:8080\n"
        "pod shop web2 node-a 10.0.1.2 app=web http:8081/UDP\n"
        "pod shop db node-a 10.0.1.3 app=db\n"
        "pod ops mon node-b 10.0.2.2 app=mon http:9100\n");

    apply(c, "{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-b',"
             "'labels':{'role':'worker'}},'status':{'addresses':"
             "[{'type':'InternalIP','address':'192.168.0.2'}]}}");
    policy_fixture_take_changes(c);
    return c;
}

static char *
resolve_text(const struct cluster *c)
{
    return policy_fixture_resolve_text(&cnprules_class,
                                       cnprules_result_format, c, NODE);
}

static void
test_parse_ok(void **state OVS_UNUSED)
{
    struct json_object *obj = json(
        "{'apiVersion':'policy.networking.k8s.io/v1alpha2',"
        "'kind':'ClusterNetworkPolicy','metadata':{'name':'all'},"
        "'spec':{'tier':'Baseline','priority':7,"
        "'subject':{'pods':{'podSelector':{'matchLabels':{'app':'web'}}}},"
        "'ingress':[{'name':'r0','action':'Pass','from':[{'namespaces':{}}],"
        "'protocols':[{'tcp':{'destinationPort':{'number':80}}},"
        "{'udp':{'destinationPort':{'range':{'start':5000,'end':5010}}}},"
        "{'destinationNamedPort':'http'}]}],"
        "'egress':[{'action':'Deny','to':[{'networks':['10.0.0.0/8',"
        "'fd00::/8']},{'nodes':{}},{'pods':{'namespaceSelector':{},"
        "'podSelector':{}}}]},"
        "{'action':'Accept','to':[{'domainNames':['*.example.com']}]}]}}");
    struct cnp *cnp;
    char *err = NULL;

    assert_int_equal(cnp_parse(obj, NULL, &cnp, &err), 0);
    assert_string_equal(cnp->name, "all");
    assert_int_equal(cnp->tier, CNP_TIER_BASELINE);
    assert_int_equal(cnp->priority, 7);
    assert_non_null(cnp->subject_ns_sel);
    assert_true(labelsel_is_empty(cnp->subject_ns_sel));
    assert_non_null(cnp->subject_pod_sel);
    assert_int_equal(cnp->n_rules[POLFLOWS_INGRESS], 1);
    const struct cnp_rule *in = &cnp->rules[POLFLOWS_INGRESS][0];
    assert_string_equal(in->name, "r0");
    assert_int_equal(in->action, CNP_PASS);
    assert_int_equal(in->n_protocols, 3);
    assert_int_equal(in->protocols[0].proto, IPPROTO_TCP);
    assert_int_equal(in->protocols[0].port, 80);
    assert_int_equal(in->protocols[1].proto, IPPROTO_UDP);
    assert_int_equal(in->protocols[1].port, 5000);
    assert_int_equal(in->protocols[1].end_port, 5010);
    assert_string_equal(in->protocols[2].named_port, "http");
    assert_int_equal(cnp->n_rules[POLFLOWS_EGRESS], 2);
    const struct cnp_rule *out = &cnp->rules[POLFLOWS_EGRESS][0];
    assert_int_equal(out->action, CNP_DENY);
    assert_int_equal(out->n_peers, 3);
    assert_int_equal(out->peers[0].kind, CNP_PEER_NETWORKS);
    assert_int_equal(out->peers[0].n_networks, 1);     /* IPv6 left out */
    assert_int_equal(out->peers[0].networks[0].plen, 8);
    assert_int_equal(out->peers[1].kind, CNP_PEER_NODES);
    assert_int_equal(out->peers[2].kind, CNP_PEER_PODS);
    assert_int_equal(cnp->rules[POLFLOWS_EGRESS][1].peers[0].kind,
                     CNP_PEER_DOMAIN_NAMES);
    cnp_destroy(cnp);
    json_object_put(obj);
}

#define SUBJ "'subject':{'namespaces':{}}"
#define HEAD "{'tier':'Admin','priority':1," SUBJ

static void
test_parse_errors(void **state OVS_UNUSED)
{
    static const struct {
        const char *spec;
        const char *err;
    } cases[] = {
        { "{'priority':1," SUBJ "}", "spec.tier: Required value" },
        { "{'tier':'Developer','priority':1," SUBJ "}",
          "spec.tier: Unsupported value: \"Developer\": supported values: "
          "\"Admin\", \"Baseline\"" },
        { "{'tier':'Admin'," SUBJ "}", "spec.priority: Required value" },
        { "{'tier':'Admin','priority':1001," SUBJ "}",
          "spec.priority: must be between 0 and 1000, inclusive" },
        { "{'tier':'Admin','priority':-1," SUBJ "}",
          "spec.priority: must be between 0 and 1000, inclusive" },
        { "{'tier':'Admin','priority':1}", "spec.subject: Required value" },
        { "{'tier':'Admin','priority':1,'subject':{}}",
          "spec.subject: must specify exactly one of namespaces, pods" },
        { "{'tier':'Admin','priority':1,'subject':{'namespaces':{},"
          "'pods':{'podSelector':{}}}}",
          "spec.subject: must specify exactly one of namespaces, pods" },
        { "{'tier':'Admin','priority':1,'subject':{'pods':"
          "{'namespaceSelector':{}}}}",
          "spec.subject.pods.podSelector: Required value" },
        { HEAD ",'ingress':[{'from':[{'namespaces':{}}]}]}",
          "spec.ingress[0].action: Required value" },
        { HEAD ",'ingress':[{'action':'Allow','from':[{'namespaces':{}}]}]}",
          "spec.ingress[0].action: Unsupported value: \"Allow\": supported "
          "values: \"Accept\", \"Deny\", \"Pass\"" },
        { HEAD ",'ingress':[{'action':'Deny'}]}",
          "spec.ingress[0].from: Required value" },
        { HEAD ",'egress':[{'action':'Deny','to':[]}]}",
          "spec.egress[0].to: must have at least 1 items" },
        { HEAD ",'ingress':[{'action':'Deny','from':[{}]}]}",
          "spec.ingress[0].from[0]: must specify exactly one of namespaces, "
          "pods" },
        /* networks is an egress peer only */
        { HEAD ",'ingress':[{'action':'Deny','from':[{'namespaces':{},"
          "'networks':['10.0.0.0/8']}]}]}", NULL },
        { HEAD ",'egress':[{'action':'Deny','to':[{'namespaces':{},"
          "'networks':['10.0.0.0/8']}]}]}",
          "spec.egress[0].to[0]: must specify exactly one of namespaces, "
          "pods, nodes, networks, domainNames" },
        { HEAD ",'egress':[{'action':'Deny','to':[{'networks':"
          "['10.0.0.1/8']}]}]}",
          "spec.egress[0].to[0].networks[0]: Invalid CIDR format provided" },
        { HEAD ",'egress':[{'action':'Deny','to':[{'networks':"
          "['10.0.0.0/33']}]}]}",
          "spec.egress[0].to[0].networks[0]: Invalid CIDR format provided" },
        { HEAD ",'egress':[{'action':'Deny','to':[{'networks':"
          "['10.0.0.0/8','10.0.0.0/8']}]}]}",
          "spec.egress[0].to[0].networks[1]: Duplicate value" },
        { HEAD ",'egress':[{'action':'Deny','to':[{'networks':[]}]}]}",
          "spec.egress[0].to[0].networks: must have at least 1 items" },
        { HEAD ",'egress':[{'action':'Deny','to':[{'domainNames':"
          "['example.com']}]}]}",
          "spec.egress[0].to[0].domainNames: only supported in Accept "
          "rules" },
        { HEAD ",'egress':[{'action':'Accept','to':[{'domainNames':"
          "['exa*mple.com']}]}]}",
          "spec.egress[0].to[0].domainNames[0]: 'exa*mple.com' is not a "
          "domain name" },
        { HEAD ",'egress':[{'action':'Accept','to':[{'networks':"
          "['10.0.0.0/8']}],'protocols':[{'destinationNamedPort':'http'}]}]}",
          "spec.egress[0]: networks/nodes/domainNames peer cannot be set "
          "with namedPorts since there are no namedPorts for "
          "networks/nodes/domainNames" },
        { HEAD ",'ingress':[{'action':'Deny','from':[{'namespaces':{}}],"
          "'protocols':[]}]}",
          "spec.ingress[0].protocols: must have at least 1 items" },
        { HEAD ",'ingress':[{'action':'Deny','from':[{'namespaces':{}}],"
          "'protocols':[{'tcp':{}}]}]}",
          "spec.ingress[0].protocols[0].tcp.destinationPort: Required "
          "value" },
        { HEAD ",'ingress':[{'action':'Deny','from':[{'namespaces':{}}],"
          "'protocols':[{'tcp':{'destinationPort':{'number':0}}}]}]}",
          "spec.ingress[0].protocols[0].tcp.destinationPort.number: must be "
          "between 1 and 65535, inclusive" },
        { HEAD ",'ingress':[{'action':'Deny','from':[{'namespaces':{}}],"
          "'protocols':[{'udp':{'destinationPort':{'range':{'start':90,"
          "'end':90}}}}]}]}",
          "spec.ingress[0].protocols[0].udp.destinationPort.range: Start "
          "port must be less than End port" },
        { HEAD ",'ingress':[{'action':'Deny','from':[{'namespaces':{}}],"
          "'protocols':[{'tcp':{'destinationPort':{'number':80}},"
          "'udp':{'destinationPort':{'number':80}}}]}]}",
          "spec.ingress[0].protocols[0]: must specify exactly one of tcp, "
          "udp, sctp, destinationNamedPort" },
        { HEAD ",'ingress':[{'name':'" /* 101 characters */
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
          "','action':'Deny','from':[{'namespaces':{}}]}]}",
          "spec.ingress[0].name: may not be more than 100 characters" },
        { HEAD ",'ingress':[{'action':'Deny','from':[{'namespaces':"
          "{'matchLabels':{'bad key!':'x'}}}]}]}", "" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *err = parse_err(cases[i].spec);
        if (!cases[i].err) {
            assert_null(err);
        } else if (!cases[i].err[0]) {
            /* labelsel's own message */
            assert_non_null(err);
            assert_non_null(strstr(err, "spec.ingress[0].from[0].namespaces"));
        } else if (!err || strcmp(err, cases[i].err)) {
            fail_msg("case %zu: got '%s', want '%s'", i, err ? err : "(ok)",
                     cases[i].err);
        }
        free(err);
    }
}

static void
test_rule_count_limit(void **state OVS_UNUSED)
{
    struct ds spec = DS_EMPTY_INITIALIZER;
    char *err;

    ds_put_cstr(&spec, HEAD ",'egress':[");
    for (int i = 0; i < CNP_MAX_RULES; i++) {
        ds_put_format(&spec, "%s{'action':'Deny','to':[{'namespaces':{}}]}",
                      i ? "," : "");
    }
    ds_put_cstr(&spec, "]}");
    assert_null(parse_err(ds_cstr(&spec)));
    ds_chomp(&spec, '}');
    ds_chomp(&spec, ']');
    ds_put_cstr(&spec, ",{'action':'Deny','to':[{'namespaces':{}}]}]}");
    err = parse_err(ds_cstr(&spec));
    assert_string_equal(err, "spec.egress: must have at most 25 items");
    free(err);
    ds_destroy(&spec);
}

/* Higher precedence, higher OpenFlow priority: lower policy priority
 * first, then rule order; every slot distinct and inside the band. */
static void
test_priority_mapping(void **state OVS_UNUSED)
{
    assert_int_equal(cnprules_of_priority(0, 0), CNPRULES_OF_PRIORITY_MAX);
    assert_int_equal(cnprules_of_priority(0, 0), 25124);
    assert_int_equal(cnprules_of_priority(CNP_MAX_PRIORITY, CNP_MAX_RULES - 1),
                     CNPRULES_OF_PRIORITY_BASE);
    assert_int_equal(cnprules_of_priority(10, 0), 24874);
    assert_true(cnprules_of_priority(5, 0) > cnprules_of_priority(5, 1));
    assert_true(cnprules_of_priority(5, 24) > cnprules_of_priority(6, 0));
    assert_int_equal(cnprules_of_priority(5, 24), cnprules_of_priority(6, 0) + 1);
    assert_int_equal(cnprules_of_priority(-1, 0), -1);
    assert_int_equal(cnprules_of_priority(1001, 0), -1);
    assert_int_equal(cnprules_of_priority(0, 25), -1);
    assert_true(CNPRULES_OF_PRIORITY_MAX < POLICY_BYPASS_PRIORITY);
}

/* Admin, NetworkPolicy, Baseline in pipeline order; Accept leaves the
 * policy stages, Pass goes to the next tier. */
static void
test_tiers(void **state OVS_UNUSED)
{
    assert_int_equal(cnprules_table(CNP_TIER_ADMIN, POLFLOWS_EGRESS), 35);
    assert_int_equal(cnprules_table(CNP_TIER_BASELINE, POLFLOWS_EGRESS), 42);
    assert_int_equal(cnprules_table(CNP_TIER_ADMIN, POLFLOWS_INGRESS), 65);
    assert_int_equal(cnprules_table(CNP_TIER_BASELINE, POLFLOWS_INGRESS), 72);
    assert_int_equal(cnprules_accept_table(POLFLOWS_EGRESS), TABLE_L3_FORWARDING);
    assert_int_equal(cnprules_accept_table(POLFLOWS_INGRESS), TABLE_CT_COMMIT);
    assert_int_equal(cnprules_pass_table(CNP_TIER_ADMIN, POLFLOWS_EGRESS),
                     TABLE_EGRESS_RULE);
    assert_int_equal(cnprules_pass_table(CNP_TIER_ADMIN, POLFLOWS_INGRESS),
                     TABLE_INGRESS_RULE);
    assert_int_equal(cnprules_pass_table(CNP_TIER_BASELINE, POLFLOWS_EGRESS),
                     TABLE_L3_FORWARDING);
    assert_int_equal(cnprules_pass_table(CNP_TIER_BASELINE, POLFLOWS_INGRESS),
                     TABLE_CT_COMMIT);
}

static void
test_cluster_kind(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct cluster_change *changes;
    size_t n;

    add_cnp(c, "a", HEAD "}");
    apply(c, "{'apiVersion':'policy.networking.k8s.io/v1alpha2',"
             "'kind':'ClusterNetworkPolicy','metadata':{'name':'b'},"
             "'spec':" HEAD "}}");
    /* another version of the API group is not this kind */
    apply(c, "{'apiVersion':'policy.networking.k8s.io/v1alpha1',"
             "'kind':'ClusterNetworkPolicy','metadata':{'name':'c'}}");
    assert_int_equal(cluster_count(c, CLUSTER_CLUSTER_NETWORK_POLICY), 2);
    assert_non_null(cluster_find_cnp(c, "a"));
    assert_int_equal(cluster_find_cnp(c, "b")->tier, CNP_TIER_ADMIN);
    assert_null(cluster_find_cnp(c, "c"));
    assert_string_equal(cluster_kind_name(CLUSTER_CLUSTER_NETWORK_POLICY),
                        "ClusterNetworkPolicy");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, 2);
    assert_int_equal(changes[0].kind, CLUSTER_CLUSTER_NETWORK_POLICY);
    assert_null(changes[0].namespace);
    assert_string_equal(changes[0].name, "a");
    cluster_changes_free(changes, n);

    add_cnp(c, "a", HEAD "}");              /* the same: no change */
    add_cnp(c, "b", "{'tier':'Baseline','priority':1," SUBJ "}");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, 1);
    assert_string_equal(changes[0].name, "b");
    cluster_changes_free(changes, n);

    policy_fixture_refused(c, "{'apiVersion':'policy.networking.k8s.io/"
                           "v1beta1','kind':'ClusterNetworkPolicy',"
                           "'metadata':{'name':'bad'},"
                           "'spec':{'tier':'Admin'}}",
                           "ClusterNetworkPolicy bad: spec.priority: "
                           "Required value");

    assert_int_equal(cluster_delete(c, CLUSTER_CLUSTER_NETWORK_POLICY, NULL,
                                    "a"), 0);
    assert_null(cluster_find_cnp(c, "a"));
    cluster_destroy(c);
}

static void
test_resolve_exact(void **state OVS_UNUSED)
{
    struct cluster *c = fixture();
    char *text;

    add_cnp(c, "guard", "{'tier':'Admin','priority':10,'subject':{'pods':"
            "{'namespaceSelector':{'matchLabels':{'team':'web'}},"
            "'podSelector':{'matchLabels':{'app':'db'}}}},"
            "'ingress':["
            "{'action':'Pass','from':[{'namespaces':{'matchLabels':"
            "{'kubernetes.io/metadata.name':'shop'}}}]},"
            "{'action':'Deny','from':[{'namespaces':{}}],"
            "'protocols':[{'tcp':{'destinationPort':{'range':"
            "{'start':1000,'end':2000}}}}]}],"
            "'egress':[{'action':'Accept','to':[{'nodes':{'matchLabels':"
            "{'role':'worker'}}},{'networks':['8.8.8.0/24','::/0']}],"
            "'protocols':[{'udp':{'destinationPort':{'number':53}}}]}]}");
    add_cnp(c, "base", "{'tier':'Baseline','priority':0,'subject':"
            "{'namespaces':{'matchLabels':{'team':'web'}}},"
            "'ingress':[{'action':'Accept','from':[{'pods':{'podSelector':"
            "{'matchLabels':{'app':'mon'}}}}],'protocols':["
            "{'destinationNamedPort':'http'},"
            "{'tcp':{'destinationPort':{'number':443}}}]}],"
            "'egress':[{'action':'Pass','to':[{'pods':{'namespaceSelector':"
            "{},'podSelector':{'matchLabels':{'app':'mon'}}}}],"
            "'protocols':[{'destinationNamedPort':'http'}]},"
            "{'action':'Deny','to':[{'namespaces':{}}]}]}");
    /* a policy selecting no pod of this node has no rules */
    add_cnp(c, "elsewhere", "{'tier':'Admin','priority':0,'subject':"
            "{'namespaces':{'matchLabels':{'team':'ops'}}},"
            "'ingress':[{'action':'Deny','from':[{'namespaces':{}}]}]}");

    text = resolve_text(c);
    assert_string_equal(text,
        "cnp/base/egress/0/tcp:9100 table=42 priority=25124 pass:50 "
        "pods=10.0.1.1,10.0.1.2,10.0.1.3 peers=10.0.2.2/32 ports=tcp:9100\n"
        "cnp/base/egress/1 table=42 priority=25123 deny "
        "pods=10.0.1.1,10.0.1.2,10.0.1.3 "
        "peers=10.0.1.1/32,10.0.1.2/32,10.0.1.3/32,10.0.2.2/32 ports=any\n"
        "cnp/base/ingress/0 table=72 priority=25124 allow:80 "
        "pods=10.0.1.1,10.0.1.2,10.0.1.3 peers=10.0.2.2/32 ports=tcp:443\n"
        "cnp/base/ingress/0/tcp:8080 table=72 priority=25124 allow:80 "
        "pods=10.0.1.1 peers=10.0.2.2/32 ports=tcp:8080\n"
        "cnp/base/ingress/0/udp:8081 table=72 priority=25124 allow:80 "
        "pods=10.0.1.2 peers=10.0.2.2/32 ports=udp:8081\n"
        "cnp/guard/egress/0 table=35 priority=24874 allow:50 "
        "pods=10.0.1.3 peers=8.8.8.0/24,192.168.0.2/32 ports=udp:53\n"
        "cnp/guard/ingress/0 table=65 priority=24874 pass:70 "
        "pods=10.0.1.3 peers=10.0.1.1/32,10.0.1.2/32,10.0.1.3/32 ports=any\n"
        "cnp/guard/ingress/1 table=65 priority=24873 deny "
        "pods=10.0.1.3 peers=10.0.1.1/32,10.0.1.2/32,10.0.1.3/32,"
        "10.0.2.2/32 ports=tcp:1000-2000\n");
    free(text);
    cluster_destroy(c);
}

/* A peer written for a newer API (no field this version knows) fails
 * closed. */
static void
test_fail_closed(void **state OVS_UNUSED)
{
    struct cluster *c = fixture();
    char *text;

    add_cnp(c, "future", "{'tier':'Admin','priority':3,'subject':{'pods':"
            "{'podSelector':{'matchLabels':{'app':'db'}}}},"
            "'ingress':[{'action':'Accept','from':[{'services':{}}]},"
            "{'action':'Pass','from':[{'services':{}}]}]}");
    text = resolve_text(c);
    assert_string_equal(text,
        "cnp/future/ingress/1 table=65 priority=25048 deny pods=10.0.1.3 "
        "peers=any ports=any\n");
    free(text);
    cluster_destroy(c);
}

/* Ids: the key's hash in the upper half, clear of the ids given as taken,
 * the same for the same keys. */
static void
test_ids(void **state OVS_UNUSED)
{
    struct cluster *c = fixture();
    struct rulebook_result a, b;
    uint32_t taken;

    add_cnp(c, "p", "{'tier':'Admin','priority':3," SUBJ ",'ingress':["
            "{'action':'Deny','from':[{'namespaces':{}}]}]}");
    rulebook_resolve(&cnprules_class, c, NODE, NULL, 0, &a);
    assert_int_equal(a.n_rules, 1);
    assert_true(a.rules[0].rule.id & CNPRULES_ID_BIT);
    taken = a.rules[0].rule.id;
    rulebook_resolve(&cnprules_class, c, NODE, &taken, 1, &b);
    assert_int_equal(b.n_rules, 1);
    assert_int_not_equal(b.rules[0].rule.id, taken);
    assert_true(b.rules[0].rule.id & CNPRULES_ID_BIT);
    rulebook_result_destroy(&b);
    rulebook_resolve(&cnprules_class, c, NODE, NULL, 0, &b);
    assert_int_equal(b.rules[0].rule.id, taken);
    rulebook_result_destroy(&a);
    rulebook_result_destroy(&b);
    cluster_destroy(c);
}

static uint32_t
cnp_rule_id(const struct cluster *c, const char *key)
{
    struct rulebook_result r;
    uint32_t id;

    rulebook_resolve(&cnprules_class, c, NODE, NULL, 0, &r);
    assert_non_null(rulebook_result_find_key(&r, key));
    id = rulebook_result_find_key(&r, key)->rule.id;
    rulebook_result_destroy(&r);
    return id;
}

/* A NetworkPolicy allows db -> web1:80; an Admin Deny of the same traffic
 * sits in table 65, which L2Forwarding goes to before NetworkPolicy's 70:
 * the deny wins.  Turned into Pass, the traffic goes on to table 70, where
 * the NetworkPolicy decides.  Removing the CNP removes its flows only. */
static void
test_admin_deny_over_netpol_flows(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct pipeline_node node = {
        .prefix_len = 24, .gw_mac = { 0x0a, 0x58, 10, 0, 1, 254 },
        .gw_ofport = 1,
    };
    struct cluster *c = fixture();
    struct policy *p = policy_create(NODE);
    struct cluster_change *changes;
    char *flows, *want;
    unsigned int id;
    size_t n;

    inet_pton(AF_INET, "10.0.1.0", &node.subnet);
    inet_pton(AF_INET, "10.0.1.254", &node.gw_ip);
    assert_int_equal(pipeline_set_node(ft, &node), 0);
    apply(c, "{'apiVersion':'networking.k8s.io/v1','kind':'NetworkPolicy',"
             "'metadata':{'name':'web','namespace':'shop'},'spec':{"
             "'podSelector':{'matchLabels':{'app':'web'}},'ingress':[{"
             "'from':[{'podSelector':{'matchLabels':{'app':'db'}}}],"
             "'ports':[{'port':80}]}]}}");
    add_cnp(c, "guard", "{'tier':'Admin','priority':10,'subject':{'pods':"
            "{'podSelector':{'matchLabels':{'app':'web'}}}},"
            "'ingress':[{'action':'Deny','from':[{'pods':{'podSelector':"
            "{'matchLabels':{'app':'db'}}}}]}]}");
    policy_sync_all(p, c, ft);
    cluster_take_changes(c, &changes, &n);
    cluster_changes_free(changes, n);
    flows = policy_fixture_flows(ft);
    /* the path: L2Forwarding -> Admin (65) -> NetworkPolicy (70) */
    policy_fixture_assert_has(flows, "table=60,priority=200,dl_dst=0a:58:0a:00:01:fe "
               "actions=set_field:0x1->reg1,goto_table:65\n");
    policy_fixture_assert_has(flows, "table=65,priority=0 actions=goto_table:70\n");
    /* the NetworkPolicy's allow, in 70 */
    policy_fixture_assert_has(flows, "table=70,priority=100,tcp,tp_dst=80");
    /* the Admin Deny, in 65, above the pass-through */
    id = cnp_rule_id(c, "cnp/guard/ingress/0");
    want = xasprintf("table=65,priority=24874,conj_id=%u actions=set_field:"
                     "%#x->reg7,set_field:0x41/0xff->reg2,goto_table:95\n",
                     id, id);
    policy_fixture_assert_has(flows, want);
    free(want);
    policy_fixture_assert_has(flows, "table=65,priority=24874,ip,nw_dst=10.0.1.1 "
               "actions=conjunction(");
    policy_fixture_assert_has(flows, "table=65,priority=24874,ip,nw_src=10.0.1.3 "
               "actions=conjunction(");
    /* established traffic and the node's own bypass every tier */
    policy_fixture_assert_has(flows, "table=65,priority=40010,ct_state=-new+trk,ip "
               "actions=goto_table:80\n");
    /* the isolated subject takes the conntrack pass both ways; its peer,
     * which nothing isolates or selects, none */
    policy_fixture_assert_has(flows, "table=20,priority=105,ip,nw_dst=10.0.1.1 actions="
               "set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n");
    policy_fixture_assert_has(flows, "table=20,priority=105,ip,nw_src=10.0.1.1 actions="
               "set_field:0x80/0x80->reg0,ct(table=21,zone=65001,nat)\n");
    assert_null(strstr(flows, "table=20,priority=105,ip,nw_src=10.0.1.3 "));
    policy_fixture_assert_has(flows, "table=20,priority=100,ip actions="
               "set_field:0x40/0x40->reg0,goto_table:50\n");
    free(flows);

    add_cnp(c, "guard", "{'tier':'Admin','priority':10,'subject':{'pods':"
            "{'podSelector':{'matchLabels':{'app':'web'}}}},"
            "'ingress':[{'action':'Pass','from':[{'pods':{'podSelector':"
            "{'matchLabels':{'app':'db'}}}}]}]}");
    cluster_take_changes(c, &changes, &n);
    assert_int_equal(policy_handle_changes(p, c, changes, n, ft), 1);
    cluster_changes_free(changes, n);
    flows = policy_fixture_flows(ft);
    id = cnp_rule_id(c, "cnp/guard/ingress/0");
    want = xasprintf("table=65,priority=24874,conj_id=%u "
                     "actions=set_field:%#x->reg7,goto_table:70\n", id, id);
    policy_fixture_assert_has(flows, want);
    free(want);
    free(flows);

    size_t before = flowtab_count(ft);
    assert_int_equal(cluster_delete(c, CLUSTER_CLUSTER_NETWORK_POLICY, NULL,
                                    "guard"), 0);
    cluster_take_changes(c, &changes, &n);
    policy_handle_changes(p, c, changes, n, ft);
    cluster_changes_free(changes, n);
    flows = policy_fixture_flows(ft);
    assert_null(strstr(flows, "table=65,priority=24874"));
    policy_fixture_assert_has(flows, "table=70,priority=100,tcp,tp_dst=80");
    /* the conj_id flow and the clause flows of web1, web2 and db */
    assert_int_equal(flowtab_count(ft), before - 4);
    free(flows);

    policy_destroy(p);
    cluster_destroy(c);
    flowtab_destroy(ft);
}

/* Applies the pending changes incrementally to 'p' and checks that the
 * flows equal a full resolution from scratch; returns how many policies
 * the changes re-resolved. */
static size_t
step(struct policy *p, struct cluster *c, struct flowtab *ft)
{
    struct flowtab *full = flowtab_create(1);
    struct policy *q = policy_create(NODE);
    struct cluster_change *changes;
    size_t n, n_affected;
    char *a, *b;

    cluster_take_changes(c, &changes, &n);
    n_affected = policy_handle_changes(p, c, changes, n, ft);
    cluster_changes_free(changes, n);
    policy_sync_all(q, c, full);
    a = policy_fixture_flows(ft);
    b = policy_fixture_flows(full);
    assert_string_equal(a, b);
    free(a);
    free(b);
    policy_destroy(q);
    flowtab_destroy(full);
    return n_affected;
}

/* Re-resolving only what a change may affect gives the same flows as
 * starting over, after pod, namespace, node and policy changes, and a
 * change no policy can see re-resolves nothing. */
static void
test_incremental_equals_full(void **state OVS_UNUSED)
{
    struct flowtab *ft = flowtab_create(1);
    struct cluster *c = fixture();
    struct policy *p = policy_create(NODE);
    char *flows;

    add_cnp(c, "base", "{'tier':'Baseline','priority':5,'subject':"
            "{'pods':{'podSelector':{'matchLabels':{'app':'web'}}}},"
            "'egress':[{'action':'Deny','to':[{'pods':{'podSelector':"
            "{'matchLabels':{'app':'db'}}}}]}]}");
    add_cnp(c, "ops", "{'tier':'Admin','priority':3,'subject':"
            "{'namespaces':{'matchLabels':{'team':'web'}}},"
            "'ingress':[{'action':'Accept','from':[{'namespaces':"
            "{'matchLabels':{'team':'ops'}}}]}],"
            "'egress':[{'action':'Deny','to':[{'nodes':{'matchLabels':"
            "{'role':'worker'}}}]}]}");
    policy_sync_all(p, c, ft);

    add_pod(c, "shop", "db2", NODE, "10.0.1.9", "'app':'db'", "");
    add_pod(c, "shop", "web3", NODE, "10.0.1.2", "'app':'other'", "");
    assert_int_equal(step(p, c, ft), 2);
    flows = policy_fixture_flows(ft);
    policy_fixture_assert_has(flows, "table=42,priority=");
    policy_fixture_assert_has(flows, "nw_dst=10.0.1.9 ");
    free(flows);

    /* a pod in a namespace no policy selects, matching no peer */
    add_ns(c, "misc", "'team':'misc'");
    add_pod(c, "misc", "x", "node-b", "10.0.3.1", "'app':'x'", "");
    assert_int_equal(step(p, c, ft), 0);

    /* ops's peers follow the namespace label; base is not affected */
    add_ns(c, "misc", "'team':'ops'");
    assert_int_equal(step(p, c, ft), 1);
    flows = policy_fixture_flows(ft);
    policy_fixture_assert_has(flows, "nw_src=10.0.3.1 ");
    free(flows);

    /* a node peer moves */
    apply(c, "{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-b',"
             "'labels':{'role':'worker'}},'status':{'addresses':"
             "[{'type':'InternalIP','address':'192.168.0.7'}]}}");
    assert_int_equal(step(p, c, ft), 1);

    /* a subject pod leaves, a peer goes */
    add_pod(c, "shop", "web1", NODE, "10.0.1.1", "'app':'gone'", "");
    assert_true(step(p, c, ft) >= 1);
    assert_int_equal(cluster_delete(c, CLUSTER_POD, "shop", "db2"), 0);
    assert_true(step(p, c, ft) >= 1);
    assert_int_equal(cluster_delete(c, CLUSTER_CLUSTER_NETWORK_POLICY, NULL,
                                    "ops"), 0);
    assert_int_equal(step(p, c, ft), 1);

    policy_destroy(p);
    cluster_destroy(c);
    flowtab_destroy(ft);
}

static int
setup(void **state OVS_UNUSED)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    return 0;
}

/* A dual-stack subject is the rule's pod by both its addresses, and a
 * dual-stack peer pod its peer by both; towards IPv4 networks only, by
 * its IPv4 address only, and towards IPv6 ones by its IPv6 one. */
static void
test_dual_stack(void **state OVS_UNUSED)
{
    struct cluster *c = policy_fixture_cluster(
        "ns shop team=web\n"
        "pod shop web1 node-a 10.0.1.1,fd00:1::1 app=web\n"
        "pod shop db node-a 10.0.1.3,fd00:1::3 app=db\n"
        "pod shop mon node-b 10.0.2.2,fd00:2::2 app=mon\n");
    char *text;

    add_cnp(c, "guard", "{'tier':'Admin','priority':10,'subject':{'pods':"
            "{'podSelector':{'matchLabels':{'app':'web'}}}},"
            "'ingress':[{'action':'Deny','from':[{'pods':{'podSelector':"
            "{'matchLabels':{'app':'mon'}}}}]}],"
            "'egress':[{'action':'Accept','to':[{'networks':"
            "['8.8.8.0/24']}]},{'action':'Deny','to':[{'networks':"
            "['2001:db8::/32']}]}]}");
    text = resolve_text(c);
    assert_string_equal(text,
        "cnp/guard/egress/0 table=35 priority=24874 allow:50 "
        "pods=10.0.1.1 peers=8.8.8.0/24 ports=any\n"
        "cnp/guard/egress/1 table=35 priority=24873 deny "
        "pods=fd00:1::1 peers=2001:db8::/32 ports=any\n"
        "cnp/guard/ingress/0 table=65 priority=24874 deny "
        "pods=10.0.1.1,fd00:1::1 peers=10.0.2.2/32,fd00:2::2/128 "
        "ports=any\n");
    free(text);
    cluster_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_rule_count_limit),
        cmocka_unit_test(test_priority_mapping),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_cluster_kind),
        cmocka_unit_test(test_resolve_exact),
        cmocka_unit_test(test_fail_closed),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_admin_deny_over_netpol_flows),
        cmocka_unit_test(test_incremental_equals_full),
        cmocka_unit_test(test_dual_stack),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
