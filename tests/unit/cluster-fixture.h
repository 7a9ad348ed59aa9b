/* Cluster objects for policy unit tests, written as JSON with single
 * quotes for legibility.  Included by one test program each. */
#ifndef CLUSTER_FIXTURE_H
#define CLUSTER_FIXTURE_H 1

#include <string.h>
#include <json-c/json.h>
#include "agent/model/cluster.h"
#include "util.h"

/* JSON written with single quotes, for legibility. */
static struct json_object *
json(const char *text)
{
    char *copy = xstrdup(text);
    struct json_object *obj;

    for (char *p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    obj = json_tokener_parse(copy);
    if (!obj) {
        fail_msg("bad test JSON: %s", copy);
    }
    free(copy);
    return obj;
}

static void
apply(struct cluster *c, const char *text)
{
    struct json_object *obj = json(text);
    char *err = NULL;

    if (cluster_apply(c, obj, &err)) {
        fail_msg("apply failed: %s", err);
    }
    json_object_put(obj);
}

static void
add_ns(struct cluster *c, const char *name, const char *labels)
{
    char *text = xasprintf("{'apiVersion':'v1','kind':'Namespace',"
                           "'metadata':{'name':'%s','labels':{%s}}}",
                           name, labels);
    apply(c, text);
    free(text);
}
/* A NetworkPolicy whose spec is written as JSON (single quotes). */
static void OVS_UNUSED
add_policy(struct cluster *c, const char *ns, const char *name,
           const char *spec)
{
    char *text = xasprintf("{'apiVersion':'networking.k8s.io/v1',"
                           "'kind':'NetworkPolicy','metadata':{'name':'%s',"
                           "'namespace':'%s'},'spec':%s}", name, ns, spec);
    apply(c, text);
    free(text);
}

/* A Pod on 'node' with address 'ip' ("A", or "A,B" for a dual-stack pod:
 * status.podIP A, status.podIPs both), labels and container ports written
 * as JSON members (single quotes). */
static void OVS_UNUSED
add_pod(struct cluster *c, const char *ns, const char *name,
        const char *node, const char *ip, const char *labels,
        const char *ports)
{
    const char *comma = strchr(ip, ',');
    char *status = (comma
                    ? xasprintf("'podIP':'%.*s','podIPs':[{'ip':'%.*s'},"
                                "{'ip':'%s'}]", (int) (comma - ip), ip,
                                (int) (comma - ip), ip, comma + 1)
                    : xasprintf("'podIP':'%s'", ip));
    char *text = xasprintf(
        "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s',"
        "'namespace':'%s','labels':{%s}},'spec':{'nodeName':'%s',"
        "'containers':[{'name':'c','ports':[%s]}]},"
        "'status':{%s}}", name, ns, labels, node, ports, status);
    apply(c, text);
    free(text);
    free(status);
}

#endif /* cluster-fixture.h */
