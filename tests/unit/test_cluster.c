/* The cluster model: apply, replace, delete, lookups and change records. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <arpa/inet.h>

#include "agent/model/cluster.h"
#include "agent/model/epslice.h"
#include "agent/model/service.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static int
apply_text(struct cluster *c, const char *text, char **err)
{
    struct json_object *obj = json_tokener_parse(text);
    int error;

    assert_non_null(obj);
    error = cluster_apply(c, obj, err);
    json_object_put(obj);
    return error;
}

static void
apply_ok(struct cluster *c, const char *text)
{
    char *err = NULL;
    int error = apply_text(c, text, &err);
    if (error) {
        fail_msg("apply failed: %s", err ? err : "(no message)");
    }
    assert_null(err);
}

/* Takes the pending changes and checks their count; returns them for
 * closer inspection (caller frees). */
static struct cluster_change *
take(struct cluster *c, size_t expected)
{
    struct cluster_change *changes;
    size_t n;

    cluster_take_changes(c, &changes, &n);
    assert_int_equal(n, expected);
    return changes;
}

static void
drop_changes(struct cluster *c, size_t expected)
{
    cluster_changes_free(take(c, expected), expected);
}

static const char pod_web[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
    " \"metadata\":{\"name\":\"web\",\"namespace\":\"shop\",\"uid\":\"u-1\","
    "   \"labels\":{\"app\":\"web\",\"tier\":\"front\"},"
    "   \"annotations\":{\"seine.io/interface-type\":\"vhostuser\"}},"
    " \"spec\":{\"nodeName\":\"node-a\",\"containers\":[]}}";

static void
test_pod_fields(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_pod *pod;

    apply_ok(c, pod_web);
    pod = cluster_find_pod(c, "shop", "web");
    assert_non_null(pod);
    assert_string_equal(pod->namespace, "shop");
    assert_string_equal(pod->name, "web");
    assert_string_equal(pod->uid, "u-1");
    assert_string_equal(pod->node_name, "node-a");
    assert_int_equal(pod->labels.n, 2);
    assert_string_equal(cluster_labels_get(&pod->labels, "app"), "web");
    assert_string_equal(cluster_labels_get(&pod->labels, "tier"), "front");
    assert_null(cluster_labels_get(&pod->labels, "missing"));
    assert_string_equal(cluster_labels_get(&pod->annotations,
                                           "seine.io/interface-type"),
                        "vhostuser");
    assert_null(cluster_find_pod(c, "default", "web"));
    assert_int_equal(cluster_count(c, CLUSTER_POD), 1);
    assert_int_equal(cluster_count(c, CLUSTER_NODE), 0);
    drop_changes(c, 1);
    cluster_destroy(c);
}

static void
test_pod_default_namespace(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_pod *pod;

    apply_ok(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}");
    pod = cluster_find_pod(c, "default", "p");
    assert_non_null(pod);
    assert_string_equal(pod->namespace, "default");
    assert_null(pod->uid);
    assert_null(pod->node_name);
    assert_int_equal(pod->labels.n, 0);
    assert_ptr_equal(cluster_find_pod(c, NULL, "p"), pod);
    assert_int_equal(cluster_delete(c, CLUSTER_POD, NULL, "p"), 0);
    assert_null(cluster_find_pod(c, "default", "p"));
    cluster_destroy(c);
}

static void
test_labels_many_sorted_lookup(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_namespace *ns;

    apply_ok(c, "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"n\","
                "\"labels\":{\"z\":\"26\",\"a\":\"1\",\"m\":\"13\",\"c\":\"3\","
                "\"num\":7,\"flag\":true,\"empty\":null}}}");
    ns = cluster_find_namespace(c, "n");
    assert_non_null(ns);
    assert_int_equal(ns->labels.n, 7);
    for (size_t i = 1; i < ns->labels.n; i++) {
        assert_true(strcmp(ns->labels.keys[i - 1], ns->labels.keys[i]) < 0);
    }
    assert_string_equal(cluster_labels_get(&ns->labels, "a"), "1");
    assert_string_equal(cluster_labels_get(&ns->labels, "c"), "3");
    assert_string_equal(cluster_labels_get(&ns->labels, "m"), "13");
    assert_string_equal(cluster_labels_get(&ns->labels, "z"), "26");
    assert_string_equal(cluster_labels_get(&ns->labels, "num"), "7");
    assert_string_equal(cluster_labels_get(&ns->labels, "flag"), "true");
    assert_string_equal(cluster_labels_get(&ns->labels, "empty"), "");
    assert_null(cluster_labels_get(&ns->labels, "b"));
    assert_null(cluster_labels_get(&ns->labels, "zz"));
    cluster_destroy(c);
}

static void
test_node_fields(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_node *node;

    apply_ok(c, "{\"apiVersion\":\"v1\",\"kind\":\"Node\","
                "\"metadata\":{\"name\":\"node-a\","
                "  \"labels\":{\"kubernetes.io/os\":\"linux\"}},"
                "\"spec\":{\"podCIDR\":\"10.244.1.0/24\"},"
                "\"status\":{\"addresses\":["
                "  {\"type\":\"Hostname\",\"address\":\"node-a\"},"
                "  {\"type\":\"InternalIP\",\"address\":\"192.168.1.10\"}]}}");
    node = cluster_find_node(c, "node-a");
    assert_non_null(node);
    assert_string_equal(node->pod_cidr, "10.244.1.0/24");
    assert_string_equal(node->internal_ip, "192.168.1.10");
    assert_string_equal(cluster_labels_get(&node->labels, "kubernetes.io/os"),
                        "linux");

    /* Only the podCIDRs list: its first entry. */
    apply_ok(c, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-b\"},"
                "\"spec\":{\"podCIDRs\":[\"10.244.2.0/24\",\"fd00::/64\"]}}");
    node = cluster_find_node(c, "node-b");
    assert_non_null(node);
    assert_string_equal(node->pod_cidr, "10.244.2.0/24");
    assert_string_equal(node->pod_cidr6, "fd00::/64");
    assert_null(node->internal_ip);

    /* IPv6 first (an IPv6-primary dual-stack cluster), and IPv6 only. */
    apply_ok(c, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-d\"},"
                "\"spec\":{\"podCIDR\":\"fd00:1::/64\","
                "\"podCIDRs\":[\"fd00:1::/64\",\"10.244.4.0/24\"]}}");
    node = cluster_find_node(c, "node-d");
    assert_string_equal(node->pod_cidr, "10.244.4.0/24");
    assert_string_equal(node->pod_cidr6, "fd00:1::/64");
    apply_ok(c, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-e\"},"
                "\"spec\":{\"podCIDR\":\"fd00:2::/64\"}}");
    node = cluster_find_node(c, "node-e");
    assert_null(node->pod_cidr);
    assert_string_equal(node->pod_cidr6, "fd00:2::/64");

    apply_ok(c, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-c\"}}");
    node = cluster_find_node(c, "node-c");
    assert_non_null(node);
    assert_null(node->pod_cidr);
    assert_null(node->pod_cidr6);
    assert_int_equal(cluster_count(c, CLUSTER_NODE), 5);
    cluster_destroy(c);
}

static void
test_replace_and_delete(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct cluster_change *changes;
    uint64_t seqno;

    assert_int_equal(cluster_seqno(c), 0);
    apply_ok(c, pod_web);
    changes = take(c, 1);
    assert_int_equal(changes[0].kind, CLUSTER_POD);
    assert_string_equal(changes[0].namespace, "shop");
    assert_string_equal(changes[0].name, "web");
    assert_false(changes[0].deleted);
    cluster_changes_free(changes, 1);
    seqno = cluster_seqno(c);
    assert_true(seqno > 0);

    /* The same object again, and with fields the model does not keep
     * changed: nothing to recompute. */
    apply_ok(c, pod_web);
    apply_ok(c, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                " \"metadata\":{\"name\":\"web\",\"namespace\":\"shop\","
                "   \"uid\":\"u-1\",\"resourceVersion\":\"99\","
                "   \"labels\":{\"tier\":\"front\",\"app\":\"web\"},"
                "   \"annotations\":"
                "     {\"seine.io/interface-type\":\"vhostuser\"}},"
                " \"spec\":{\"nodeName\":\"node-a\"},"
                " \"status\":{\"phase\":\"Running\"}}");
    drop_changes(c, 0);
    assert_int_equal(cluster_seqno(c), seqno);

    /* A label change replaces the object. */
    apply_ok(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
                "\"namespace\":\"shop\",\"uid\":\"u-1\","
                "\"labels\":{\"app\":\"web\",\"tier\":\"back\"}},"
                "\"spec\":{\"nodeName\":\"node-a\"}}");
    changes = take(c, 1);
    assert_false(changes[0].deleted);
    cluster_changes_free(changes, 1);
    assert_true(cluster_seqno(c) > seqno);
    assert_string_equal(
        cluster_labels_get(&cluster_find_pod(c, "shop", "web")->labels,
                           "tier"), "back");
    assert_null(cluster_labels_get(
        &cluster_find_pod(c, "shop", "web")->annotations,
        "seine.io/interface-type"));
    assert_int_equal(cluster_count(c, CLUSTER_POD), 1);

    assert_int_equal(cluster_delete(c, CLUSTER_POD, "shop", "web"), 0);
    changes = take(c, 1);
    assert_int_equal(changes[0].kind, CLUSTER_POD);
    assert_string_equal(changes[0].namespace, "shop");
    assert_string_equal(changes[0].name, "web");
    assert_true(changes[0].deleted);
    cluster_changes_free(changes, 1);
    assert_null(cluster_find_pod(c, "shop", "web"));
    assert_int_equal(cluster_count(c, CLUSTER_POD), 0);

    assert_int_equal(cluster_delete(c, CLUSTER_POD, "shop", "web"), -ENOENT);
    drop_changes(c, 0);
    cluster_destroy(c);
}

static void
test_change_order_and_scope(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct cluster_change *changes;

    apply_ok(c, "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}");
    apply_ok(c, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"}}");
    apply_ok(c, pod_web);
    assert_int_equal(cluster_delete(c, CLUSTER_NAMESPACE, NULL, "shop"), 0);
    changes = take(c, 4);
    assert_int_equal(changes[0].kind, CLUSTER_NAMESPACE);
    assert_null(changes[0].namespace);
    assert_string_equal(changes[0].name, "shop");
    assert_int_equal(changes[1].kind, CLUSTER_NODE);
    assert_null(changes[1].namespace);
    assert_int_equal(changes[2].kind, CLUSTER_POD);
    assert_int_equal(changes[3].kind, CLUSTER_NAMESPACE);
    assert_true(changes[3].deleted);
    cluster_changes_free(changes, 4);
    assert_int_equal(cluster_seqno(c), 4);
    cluster_destroy(c);
}

static void
test_unknown_kinds_ignored(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    char *err = NULL;

    assert_int_equal(apply_text(c, "{\"apiVersion\":\"v1\","
                                   "\"kind\":\"Endpoints\","
                                   "\"metadata\":{\"name\":\"s\"}}", &err), 0);
    /* EndpointSlices of the beta API are not read. */
    assert_int_equal(apply_text(c, "{\"apiVersion\":"
                                   "\"discovery.k8s.io/v1beta1\","
                                   "\"kind\":\"EndpointSlice\","
                                   "\"metadata\":{\"name\":\"s\"}}", &err),
                     0);
    assert_int_equal(apply_text(c, "{\"apiVersion\":\"apps/v1\","
                                   "\"kind\":\"Deployment\"}", &err), 0);
    /* A Pod kind from another API group is not a core Pod. */
    assert_int_equal(apply_text(c, "{\"apiVersion\":\"example.com/v1\","
                                   "\"kind\":\"Pod\","
                                   "\"metadata\":{\"name\":\"x\"}}", &err), 0);
    assert_int_equal(apply_text(c, "{\"metadata\":{\"name\":\"x\"}}", &err),
                     0);
    assert_int_equal(apply_text(c, "[1,2]", &err), 0);
    assert_null(err);
    for (int k = 0; k < CLUSTER_N_KINDS; k++) {
        assert_int_equal(cluster_count(c, k), 0);
    }
    drop_changes(c, 0);
    cluster_destroy(c);
}

static void
test_missing_name(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    char *err = NULL;

    assert_int_equal(apply_text(c, "{\"kind\":\"Pod\",\"metadata\":"
                                   "{\"namespace\":\"shop\"}}", &err),
                     -EINVAL);
    assert_non_null(err);
    assert_non_null(strstr(err, "Pod"));
    assert_non_null(strstr(err, "metadata.name"));
    free(err);
    err = NULL;

    assert_int_equal(apply_text(c, "{\"kind\":\"Node\"}", &err), -EINVAL);
    assert_non_null(strstr(err, "Node"));
    free(err);
    err = NULL;

    assert_int_equal(apply_text(c, "{\"kind\":\"Namespace\",\"metadata\":"
                                   "{\"name\":\"\"}}", &err), -EINVAL);
    assert_non_null(err);
    free(err);
    drop_changes(c, 0);
    cluster_destroy(c);
}

static void
test_bad_labels(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    char *err = NULL;

    assert_int_equal(apply_text(c, "{\"kind\":\"Pod\",\"metadata\":"
                                   "{\"name\":\"p\",\"labels\":"
                                   "{\"app\":{\"nested\":1}}}}", &err),
                     -EINVAL);
    assert_non_null(strstr(err, "Pod default/p"));
    assert_non_null(strstr(err, "metadata.labels.app"));
    free(err);
    err = NULL;

    assert_int_equal(apply_text(c, "{\"kind\":\"Namespace\",\"metadata\":"
                                   "{\"name\":\"n\",\"labels\":[1]}}", &err),
                     -EINVAL);
    assert_non_null(strstr(err, "metadata.labels"));
    free(err);
    assert_int_equal(cluster_count(c, CLUSTER_POD), 0);
    assert_int_equal(cluster_count(c, CLUSTER_NAMESPACE), 0);
    drop_changes(c, 0);
    cluster_destroy(c);
}

static void
test_identify(void **state OVS_UNUSED)
{
    struct json_object *obj = json_tokener_parse(
        "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}");
    enum cluster_kind kind;
    const char *ns, *name;
    char *err = NULL;

    assert_int_equal(cluster_identify(obj, &kind, &ns, &name, &err), 0);
    assert_int_equal(kind, CLUSTER_POD);
    assert_string_equal(ns, "default");
    assert_string_equal(name, "p");
    json_object_put(obj);

    obj = json_tokener_parse("{\"kind\":\"Node\",\"metadata\":"
                             "{\"name\":\"n\",\"namespace\":\"x\"}}");
    assert_int_equal(cluster_identify(obj, &kind, &ns, &name, &err), 0);
    assert_int_equal(kind, CLUSTER_NODE);
    assert_null(ns);
    json_object_put(obj);
    assert_string_equal(cluster_kind_name(CLUSTER_NAMESPACE), "Namespace");
}

/* EndpointSlices and their index by service. */

/* apply_ok() of JSON written with single quotes. */
static void
apply_q(struct cluster *c, const char *text)
{
    char *copy = xstrdup(text);

    for (char *p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    apply_ok(c, copy);
    free(copy);
}

/* Applies EndpointSlice NS/NAME labelled for service 'svc' (NULL: no
 * label) with one endpoint at 'ip'. */
static void
apply_slice(struct cluster *c, const char *ns, const char *name,
            const char *svc, const char *ip)
{
    char *label = (svc ? xasprintf("'kubernetes.io/service-name':'%s'", svc)
                   : xstrdup(""));
    char *text = xasprintf("{'apiVersion':'discovery.k8s.io/v1',"
                           "'kind':'EndpointSlice','metadata':{'name':'%s',"
                           "'namespace':'%s','labels':{%s}},"
                           "'addressType':'IPv4','endpoints':"
                           "[{'addresses':['%s']}],'ports':[{'port':80}]}",
                           name, ns, label, ip);
    apply_q(c, text);
    free(text);
    free(label);
}

static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;
    return strcmp(*a, *b);
}

/* The slices of NS/SVC are exactly 'expected' (names, comma-separated,
 * sorted; "" for none), and each is the model's current object. */
static void
assert_service_slices(const struct cluster *c, const char *ns,
                      const char *svc, const char *expected)
{
    const struct epslice *const *slices;
    struct ds names = DS_EMPTY_INITIALIZER;
    const char **sorted;
    size_t n;

    slices = cluster_service_slices(c, ns, svc, &n);
    assert_true(n ? slices != NULL : slices == NULL);
    sorted = xmalloc((n + 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(cluster_find_epslice(c, ns, slices[i]->name),
                         slices[i]);
        assert_string_equal(slices[i]->service, svc);
        sorted[i] = slices[i]->name;
    }
    qsort(sorted, n, sizeof *sorted, compare_strings);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&names, "%s%s", i ? "," : "", sorted[i]);
    }
    if (strcmp(ds_cstr(&names), expected)) {
        fail_msg("slices of %s/%s: expected \"%s\", got \"%s\"", ns, svc,
                 expected, ds_cstr(&names));
    }
    ds_destroy(&names);
    free(sorted);
}

static void
test_service_slices_index(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct epslice *slice;
    struct cluster_change *changes;

    apply_slice(c, "shop", "web-1", "web", "10.244.1.1");
    apply_slice(c, "shop", "web-2", "web", "10.244.1.2");
    apply_slice(c, "shop", "api-1", "api", "10.244.1.3");
    apply_slice(c, "shop", "manual", NULL, "10.244.1.4");
    apply_slice(c, "other", "web-1", "web", "10.244.2.1");
    drop_changes(c, 5);
    assert_service_slices(c, "shop", "web", "web-1,web-2");
    assert_service_slices(c, "shop", "api", "api-1");
    assert_service_slices(c, "other", "web", "web-1");
    assert_service_slices(c, "shop", "missing", "");
    assert_service_slices(c, "default", "web", "");
    assert_null(cluster_find_epslice(c, "shop", "manual")->service);
    assert_int_equal(cluster_count(c, CLUSTER_ENDPOINT_SLICE), 5);

    /* The same slice again: no change, the index keeps the object. */
    slice = cluster_find_epslice(c, "shop", "web-1");
    apply_slice(c, "shop", "web-1", "web", "10.244.1.1");
    drop_changes(c, 0);
    assert_ptr_equal(cluster_find_epslice(c, "shop", "web-1"), slice);

    /* A new endpoint replaces the object; the index points to the new
     * one (assert_service_slices checks that). */
    apply_slice(c, "shop", "web-1", "web", "10.244.1.9");
    changes = take(c, 1);
    assert_int_equal(changes[0].kind, CLUSTER_ENDPOINT_SLICE);
    assert_string_equal(changes[0].namespace, "shop");
    assert_string_equal(changes[0].name, "web-1");
    assert_false(changes[0].deleted);
    cluster_changes_free(changes, 1);
    assert_service_slices(c, "shop", "web", "web-1,web-2");
    slice = cluster_find_epslice(c, "shop", "web-1");
    assert_int_equal(slice->endpoints[0].addrs[0].s_addr,
                     htonl(0x0af40109));

    /* Relabelled: moves from one service to the other. */
    apply_slice(c, "shop", "web-2", "api", "10.244.1.2");
    drop_changes(c, 1);
    assert_service_slices(c, "shop", "web", "web-1");
    assert_service_slices(c, "shop", "api", "api-1,web-2");

    /* Label dropped, then added. */
    apply_slice(c, "shop", "api-1", NULL, "10.244.1.3");
    apply_slice(c, "shop", "manual", "web", "10.244.1.4");
    drop_changes(c, 2);
    assert_service_slices(c, "shop", "api", "web-2");
    assert_service_slices(c, "shop", "web", "manual,web-1");

    /* Deletion; the last slice of a service empties its entry. */
    assert_int_equal(cluster_delete(c, CLUSTER_ENDPOINT_SLICE, "shop",
                                    "web-2"), 0);
    changes = take(c, 1);
    assert_true(changes[0].deleted);
    assert_int_equal(changes[0].kind, CLUSTER_ENDPOINT_SLICE);
    cluster_changes_free(changes, 1);
    assert_service_slices(c, "shop", "api", "");
    assert_int_equal(cluster_delete(c, CLUSTER_ENDPOINT_SLICE, "shop",
                                    "api-1"), 0);
    assert_int_equal(cluster_delete(c, CLUSTER_ENDPOINT_SLICE, "shop",
                                    "web-2"), -ENOENT);
    drop_changes(c, 1);
    assert_service_slices(c, "shop", "web", "manual,web-1");
    assert_service_slices(c, "other", "web", "web-1");

    /* The default namespace, by NULL or "". */
    apply_q(c, "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
               "'metadata':{'name':'d','labels':"
               "{'kubernetes.io/service-name':'dns'}},'addressType':'IPv4'}");
    assert_service_slices(c, "default", "dns", "d");
    assert_non_null(cluster_service_slices(c, NULL, "dns", &(size_t) { 0 }));
    assert_int_equal(cluster_delete(c, CLUSTER_ENDPOINT_SLICE, "", "d"), 0);
    assert_service_slices(c, "default", "dns", "");
    cluster_destroy(c);
}

/* A Service change is recorded only for fields the model keeps; services
 * do not touch the slice index. */
static void
test_service_changes(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    struct cluster_change *changes;
    const struct service *svc;

    apply_q(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
               "'namespace':'shop','resourceVersion':'1'},'spec':"
               "{'clusterIP':'10.96.0.5','selector':{'app':'web'},"
               "'ports':[{'name':'http','port':80,'targetPort':'http'}]}}");
    changes = take(c, 1);
    assert_int_equal(changes[0].kind, CLUSTER_SERVICE);
    assert_string_equal(changes[0].namespace, "shop");
    assert_string_equal(changes[0].name, "web");
    cluster_changes_free(changes, 1);
    svc = cluster_find_service(c, "shop", "web");
    assert_string_equal(svc->ports[0].target_port_name, "http");
    assert_service_slices(c, "shop", "web", "");

    /* resourceVersion, labels, other status: nothing kept changed. */
    apply_q(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
               "'namespace':'shop','resourceVersion':'7','labels':{'a':'b'}},"
               "'spec':{'clusterIP':'10.96.0.5','clusterIPs':['10.96.0.5'],"
               "'selector':{'app':'web'},'ports':[{'name':'http','port':80,"
               "'targetPort':'http','protocol':'TCP'}]},"
               "'status':{'conditions':[]}}");
    drop_changes(c, 0);
    assert_ptr_equal(cluster_find_service(c, "shop", "web"), svc);

    /* The selector going away matters (slices become hand-written). */
    apply_q(c, "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
               "'namespace':'shop'},'spec':{'clusterIP':'10.96.0.5',"
               "'ports':[{'name':'http','port':80,'targetPort':'http'}]}}");
    drop_changes(c, 1);
    assert_false(cluster_find_service(c, "shop", "web")->has_selector);

    assert_int_equal(cluster_delete(c, CLUSTER_SERVICE, NULL, "web"),
                     -ENOENT);
    assert_int_equal(cluster_delete(c, CLUSTER_SERVICE, "shop", "web"), 0);
    changes = take(c, 1);
    assert_true(changes[0].deleted);
    cluster_changes_free(changes, 1);
    assert_null(cluster_find_service(c, "shop", "web"));
    cluster_destroy(c);
}

/* Only the annotations the agent reads are kept; the rest are still
 * validated. */
static void
test_annotations_kept(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_pod *pod;
    char *err = NULL;

    apply_ok(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\","
                "\"annotations\":{\"seine.io/interface-type.net1\":\"tap\","
                "\"k8s.v1.cni.cncf.io/networks\":\"n\",\"other\":\"x\"}}}");
    pod = cluster_find_pod(c, "default", "a");
    assert_int_equal(pod->annotations.n, 2);
    assert_string_equal(cluster_labels_get(&pod->annotations,
                                           "seine.io/interface-type.net1"),
                        "tap");
    assert_string_equal(cluster_labels_get(&pod->annotations,
                                           "k8s.v1.cni.cncf.io/networks"),
                        "n");
    assert_null(cluster_labels_get(&pod->annotations, "other"));
    assert_int_equal(apply_text(c, "{\"kind\":\"Pod\",\"metadata\":"
                                "{\"name\":\"b\",\"annotations\":"
                                "{\"other\":[1]}}}", &err), -EINVAL);
    assert_non_null(strstr(err, "metadata.annotations.other"));
    free(err);
    cluster_destroy(c);
}

static void OVS_PRINTF_FORMAT(2, 3)
apply_format(struct cluster *c, const char *format, ...)
{
    va_list args;
    char *text;

    va_start(args, format);
    text = xvasprintf(format, args);
    va_end(args);
    apply_ok(c, text);
    free(text);
}

static void
put_ns(struct cluster *c, const char *name, const char *team)
{
    apply_format(c, "{\"kind\":\"Namespace\",\"metadata\":"
                 "{\"name\":\"%s\",\"labels\":{\"team\":\"%s\"}}}",
                 name, team);
}

static size_t
n_labelled(const struct cluster *c, const char *key, const char *value)
{
    size_t n;
    cluster_labelled_namespaces(c, key, value, &n);
    return n;
}

static void
test_namespace_label_index(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_namespace *const *nss;
    size_t n;

    put_ns(c, "a", "red");
    put_ns(c, "b", "red");
    put_ns(c, "c", "blue");
    nss = cluster_labelled_namespaces(c, "team", "blue", &n);
    assert_int_equal(n, 1);
    assert_string_equal(nss[0]->name, "c");
    assert_int_equal(n_labelled(c, "team", "red"), 2);
    assert_null(cluster_labelled_namespaces(c, "team", "green", &n));
    assert_int_equal(n, 0);

    put_ns(c, "b", "blue");             /* moves */
    assert_int_equal(n_labelled(c, "team", "red"), 1);
    assert_int_equal(n_labelled(c, "team", "blue"), 2);
    assert_int_equal(cluster_delete(c, CLUSTER_NAMESPACE, NULL, "c"), 0);
    nss = cluster_labelled_namespaces(c, "team", "blue", &n);
    assert_int_equal(n, 1);
    assert_ptr_equal(nss[0], cluster_find_namespace(c, "b"));
    cluster_destroy(c);
}

static void
put_pod(struct cluster *c, const char *name, const char *ip)
{
    apply_format(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
                 "\"status\":{\"podIP\":\"%s\"}}", name, ip);
}

static size_t
n_net_pods(const struct cluster *c, uint16_t net)
{
    size_t n;
    cluster_net_pods(c, net, &n);
    return n;
}

static void
test_pod_net_index(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    uint16_t *nets;
    size_t n;

    put_pod(c, "a", "10.1.0.5");
    put_pod(c, "b", "10.1.255.9");
    put_pod(c, "c", "10.2.0.1");
    apply_ok(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"d\"}}");
    assert_int_equal(n_net_pods(c, 10 << 8 | 1), 2);
    assert_int_equal(n_net_pods(c, 10 << 8 | 2), 1);
    nets = cluster_pod_nets(c, &n);
    assert_int_equal(n, 2);
    free(nets);

    /* The agent's IP for a pod moves it, and back. */
    assert_int_equal(cluster_set_pod_ip(c, "default", "c", "10.1.3.3"), 0);
    assert_int_equal(n_net_pods(c, 10 << 8 | 1), 3);
    assert_int_equal(n_net_pods(c, 10 << 8 | 2), 0);
    assert_int_equal(cluster_set_pod_ip(c, "default", "d", "10.3.0.1"), 0);
    assert_int_equal(n_net_pods(c, 10 << 8 | 3), 1);
    assert_int_equal(cluster_set_pod_ip(c, "default", "c", NULL), 0);
    assert_int_equal(n_net_pods(c, 10 << 8 | 2), 1);

    put_pod(c, "a", "10.2.0.7");        /* replaced */
    assert_int_equal(n_net_pods(c, 10 << 8 | 1), 1);
    assert_int_equal(cluster_delete(c, CLUSTER_POD, "default", "b"), 0);
    assert_int_equal(n_net_pods(c, 10 << 8 | 1), 0);
    assert_int_equal(n_net_pods(c, 10 << 8 | 2), 2);
    cluster_destroy(c);
}

/* Both families from status.podIPs, whichever the primary is. */
static void
test_pod_ipv6_fields(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_pod *pod;
    char buf[INET6_ADDRSTRLEN];

    apply_ok(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},"
             "\"status\":{\"podIP\":\"10.0.0.5\",\"podIPs\":["
             "{\"ip\":\"10.0.0.5\"},{\"ip\":\"fd00::5\"}]}}");
    pod = cluster_find_pod(c, "default", "a");
    assert_string_equal(pod->ip, "10.0.0.5");
    assert_string_equal(pod->ip6, "fd00::5");
    assert_string_equal(pod->status_ip6, "fd00::5");
    assert_true(pod->has_addr6);
    assert_string_equal(inet_ntop(AF_INET6, &pod->addr6, buf, sizeof buf),
                        "fd00::5");

    /* IPv6 primary: status.podIP is the IPv6 address. */
    apply_ok(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"},"
             "\"status\":{\"podIP\":\"fd00::6\",\"podIPs\":["
             "{\"ip\":\"fd00::6\"},{\"ip\":\"10.0.0.6\"}]}}");
    pod = cluster_find_pod(c, "default", "b");
    assert_string_equal(pod->ip, "10.0.0.6");
    assert_string_equal(pod->ip6, "fd00::6");

    /* IPv4 only: no IPv6 address. */
    put_pod(c, "c", "10.0.0.7");
    pod = cluster_find_pod(c, "default", "c");
    assert_null(pod->ip6);
    assert_null(pod->status_ip6);
    assert_false(pod->has_addr6);

    /* IPv6 only. */
    put_pod(c, "d", "fd00::8");
    pod = cluster_find_pod(c, "default", "d");
    assert_null(pod->ip);
    assert_false(pod->has_addr);
    assert_string_equal(pod->ip6, "fd00::8");
    drop_changes(c, 4);

    /* A status change of the IPv6 address alone is a change. */
    apply_ok(c, "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},"
             "\"status\":{\"podIP\":\"10.0.0.5\",\"podIPs\":["
             "{\"ip\":\"10.0.0.5\"},{\"ip\":\"fd00::55\"}]}}");
    drop_changes(c, 1);

    struct ds s = DS_EMPTY_INITIALIZER;
    cluster_format(c, &s);
    assert_string_equal(ds_cstr(&s),
                        "Pod default/a 10.0.0.5,fd00::55\n"
                        "Pod default/b 10.0.0.6,fd00::6\n"
                        "Pod default/c 10.0.0.7\n"
                        "Pod default/d -,fd00::8\n");
    ds_destroy(&s);
    cluster_destroy(c);
}

/* The agent's IPv6 address of a pod, as its IPv4 one: kept before the
 * Pod, wins over status, cleared back to status, goes with the Pod. */
static void
test_set_pod_ip6(void **state OVS_UNUSED)
{
    struct cluster *c = cluster_create();
    const struct cluster_pod *pod;

    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_INET6,
                                               "fd00::9"), 0);
    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_INET6,
                                               "10.0.0.9"), -EINVAL);
    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_INET,
                                               "fd00::9"), -EINVAL);
    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_UNIX,
                                               NULL), -EINVAL);
    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_INET,
                                               "10.0.0.9"), 0);
    drop_changes(c, 0);
    put_pod(c, "a", "fd00::7");
    pod = cluster_find_pod(c, "default", "a");
    assert_string_equal(pod->ip6, "fd00::9");
    assert_string_equal(pod->status_ip6, "fd00::7");
    assert_string_equal(pod->ip, "10.0.0.9");
    assert_true(pod->has_addr6);
    drop_changes(c, 1);

    /* The same again: no change; cleared: status again, IPv4 kept. */
    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_INET6,
                                               "fd00::9"), 0);
    drop_changes(c, 0);
    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_INET6,
                                               NULL), 0);
    drop_changes(c, 1);
    pod = cluster_find_pod(c, "default", "a");
    assert_string_equal(pod->ip6, "fd00::7");
    assert_string_equal(pod->ip, "10.0.0.9");

    assert_int_equal(cluster_set_pod_ip_family(c, "default", "a", AF_INET6,
                                               "fd00::9"), 0);
    assert_int_equal(cluster_delete(c, CLUSTER_POD, "default", "a"), 0);
    put_pod(c, "a", "fd00::7");
    pod = cluster_find_pod(c, "default", "a");
    assert_string_equal(pod->ip6, "fd00::7");
    assert_null(pod->ip);
    cluster_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_fields),
        cmocka_unit_test(test_pod_default_namespace),
        cmocka_unit_test(test_labels_many_sorted_lookup),
        cmocka_unit_test(test_node_fields),
        cmocka_unit_test(test_replace_and_delete),
        cmocka_unit_test(test_change_order_and_scope),
        cmocka_unit_test(test_unknown_kinds_ignored),
        cmocka_unit_test(test_missing_name),
        cmocka_unit_test(test_bad_labels),
        cmocka_unit_test(test_identify),
        cmocka_unit_test(test_service_slices_index),
        cmocka_unit_test(test_service_changes),
        cmocka_unit_test(test_annotations_kept),
        cmocka_unit_test(test_namespace_label_index),
        cmocka_unit_test(test_pod_net_index),
        cmocka_unit_test(test_pod_ipv6_fields),
        cmocka_unit_test(test_set_pod_ip6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
