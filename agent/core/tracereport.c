#include <config.h>
#include "agent/core/tracereport.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/agent.h"
#include "agent/model/cluster.h"
#include "agent/model/netpol.h"
#include "agent/policy/netpolrules.h"
#include "agent/policy/policy.h"
#include "agent/services/svclb.h"
#include "dataplane/pipeline.h"
#include "dataplane/svcflows.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "util.h"

static void
put_str(struct json_object *obj, const char *key, const char *value)
{
    if (value) {
        json_object_object_add(obj, key, json_object_new_string(value));
    }
}

static void
put_ip(struct json_object *obj, const char *key, struct in_addr addr)
{
    char ip[INET_ADDRSTRLEN];
    put_str(obj, key, inet_ntop(AF_INET, &addr, ip, sizeof ip));
}

static struct json_object *
observation(struct json_object *list, const char *component,
            const char *action, uint8_t table)
{
    struct json_object *o = json_object_new_object();

    put_str(o, "component", component);
    put_str(o, "action", action);
    json_object_object_add(o, "table", json_object_new_int(table));
    put_str(o, "tableName", pipeline_table_name(table));
    json_object_array_add(list, o);
    return o;
}

static bool
dropped_in(const struct tracereport_verdict *v, uint8_t first, uint8_t last)
{
    uint8_t table = v->regs[2] & 0xff;
    return v->end == TRACEREPORT_DROPPED && table >= first && table <= last;
}

/* The policy that rule 'ref' belongs to. */
static struct json_object *
policy_json(const struct agent *agent, const struct policy_rule_ref *ref)
{
    struct json_object *p = json_object_new_object();
    struct policy_rule_desc d;

    policy_rule_describe(agent->cluster, ref, &d);
    put_str(p, "kind", d.cnp ? "ClusterNetworkPolicy" : "NetworkPolicy");
    put_str(p, "namespace", d.namespace);
    put_str(p, "name", d.name);
    put_str(p, "direction", d.direction);
    put_str(p, "rule", d.rule);
    put_str(p, "ruleName", d.rule_name);
    json_object_object_add(p, "ruleId", json_object_new_int64(ref->rule->id));
    policy_rule_desc_destroy(&d);
    return p;
}

/* "isolated for ingress by NS/A, NS/B: no rule allows it": the
 * NetworkPolicies of that direction that select the pod at 'addr'. */
static char *
isolation_info(const struct agent *agent, struct in_addr addr,
               enum polflows_dir dir)
{
    const struct cluster_pod *pod = cluster_pod_by_addr(agent->cluster, addr);
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t n = 0;
    const struct netpol **nps = (pod ? policy_isolating(agent->cluster, pod,
                                                        dir, &n)
                                 : NULL);

    ds_put_format(&s, "isolated for %s", polflows_dir_name(dir));
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&s, "%s%s", i ? ", " : " by ", nps[i]->key);
    }
    ds_put_cstr(&s, ": no rule allows it");
    free(nps);
    return ds_steal_cstr(&s);
}

/* The observation of the policy stage of one direction: the rule the
 * packet took (in 'reg'), or default isolation. */
static void
add_policy(const struct agent *agent, const struct tracereport_verdict *v,
           enum polflows_dir dir, struct json_object *list)
{
    bool egress = dir == POLFLOWS_EGRESS;
    uint32_t id = v->regs[egress ? REG_EGRESS_RULE_REG : REG_INGRESS_RULE_REG];
    bool dropped = (egress
                    ? dropped_in(v, TABLE_EGRESS_ADMIN, TABLE_EGRESS_BASELINE)
                    : dropped_in(v, TABLE_INGRESS_ADMIN,
                                 TABLE_INGRESS_BASELINE));
    const char *action = dropped ? "Dropped" : "Forwarded";
    struct policy_rule_ref ref;

    if (!id) {
        return;
    }
    if (id == NETPOLRULES_ISOLATION_ID(dir)) {
        struct json_object *o = observation(list, "NetworkPolicy", action,
                                            egress ? TABLE_EGRESS_DEFAULT
                                            : TABLE_INGRESS_DEFAULT);
        char *info = isolation_info(agent, egress ? v->src : v->dst, dir);
        put_str(o, "componentInfo", info);
        free(info);
        return;
    }
    if (!policy_find_rule(agent->policy, id, &ref)) {
        struct json_object *o = observation(list, "NetworkPolicy", action,
                                            egress ? TABLE_EGRESS_RULE
                                            : TABLE_INGRESS_RULE);
        put_str(o, "componentInfo", "a rule no longer in force");
        return;
    }
    struct json_object *o = observation(list, ref.cnp ? "ClusterNetworkPolicy"
                                        : "NetworkPolicy", action,
                                        ref.rule->table);
    json_object_object_add(o, "policy", policy_json(agent, &ref));
}

static void
add_lb(const struct agent *agent, const struct tracereport_verdict *v,
       struct json_object *list)
{
    bool chosen = v->regs[0] & REG_EP_CHOSEN_MASK;
    bool rejected = v->end == TRACEREPORT_REJECTED;

    if (!chosen && !rejected) {
        return;
    }
    struct svclb_ref lb;
    bool found = svclb_find(agent->svclb, chosen ? v->regs[4] >> 16 : 0,
                            v->proto, v->dst, v->dport, &lb);
    struct json_object *o = observation(list, "LB", rejected ? "Rejected"
                                        : "Forwarded", rejected
                                        ? TABLE_SERVICE_LB
                                        : TABLE_ENDPOINT_DNAT);
    put_str(o, "service", found ? lb.key : NULL);
    if (chosen) {
        struct in_addr ep = { .s_addr = htonl(v->regs[3]) };
        put_ip(o, "translatedDstIP", ep);
        json_object_object_add(o, "translatedDstPort",
                               json_object_new_int(v->regs[4] & 0xffff));
    } else {
        put_str(o, "componentInfo", "no ready endpoint: the connection is "
                "refused");
    }
}

static const struct podrec *
pod_at_port(const struct agent *agent, int64_t ofport)
{
    const struct podrec *rec;

    HMAP_FOR_EACH (rec, node, &agent->store.recs) {
        if (rec->ofport == ofport) {
            return rec;
        }
    }
    return NULL;
}

static const char *
node_at(const struct agent *agent, struct in_addr ip)
{
    char buf[INET_ADDRSTRLEN];
    const char *name = NULL;
    size_t n;
    const void **nodes = cluster_list(agent->cluster, CLUSTER_NODE, &n);

    inet_ntop(AF_INET, &ip, buf, sizeof buf);
    for (size_t i = 0; i < n && !name; i++) {
        const struct cluster_node *node = nodes[i];
        if (node->internal_ip && !strcmp(node->internal_ip, buf)) {
            name = node->name;
        }
    }
    free(nodes);
    return name;
}

static const char *
add_output(const struct agent *agent, const struct tracereport_verdict *v,
           struct json_object *list)
{
    int64_t port = v->regs[REG_OUT_PORT_REG];
    const struct podrec *pod = pod_at_port(agent, port);
    const char *action = "Forwarded";

    if (pod) {
        action = "Delivered";
    } else if (port == agent->pnode.tun_ofport) {
        action = "ForwardedToTunnel";
    } else if (port == agent->pnode.gw_ofport) {
        action = "ForwardedOutOfNode";
    }
    struct json_object *o = observation(list, "Output", action, TABLE_OUTPUT);
    json_object_object_add(o, "port", json_object_new_int64(port));
    if (pod && pod->pod_name) {
        char *key = xasprintf("%s/%s", pod->pod_namespace
                              ? pod->pod_namespace : "default",
                              pod->pod_name);
        put_str(o, "pod", key);
        free(key);
    }
    if (port == agent->pnode.tun_ofport && v->tun_dst.s_addr) {
        put_ip(o, "tunnelDstIP", v->tun_dst);
        put_str(o, "node", node_at(agent, v->tun_dst));
    }
    if (port == agent->pnode.gw_ofport) {
        put_str(o, "componentInfo", "to the node's own network stack");
    }
    return action;
}

/* A drop no policy stage explains: the spoof guard, conntrack (invalid),
 * or forwarding (no port for the destination MAC). */
static void
add_other_drop(const struct tracereport_verdict *v, struct json_object *list)
{
    uint8_t table = v->regs[2] & 0xff;

    if (v->end != TRACEREPORT_DROPPED
        || (table >= TABLE_EGRESS_ADMIN && table <= TABLE_EGRESS_BASELINE)
        || (table >= TABLE_INGRESS_ADMIN && table <= TABLE_INGRESS_BASELINE)
        || table <= TABLE_ARP_RESPONDER) {
        return;
    }
    struct json_object *o = observation(list, "Forwarding", "Dropped", table);
    put_str(o, "componentInfo",
            table == TABLE_CT_STATE ? "invalid for conntrack"
            : table == TABLE_L2_FORWARDING ? "no port for the destination"
            : NULL);
}

struct json_object *
tracereport_observations(const struct agent *agent,
                         const struct tracereport_verdict *v,
                         const char **result)
{
    struct json_object *list = json_object_new_array();
    uint8_t table = v->regs[2] & 0xff;

    if (v->end == TRACEREPORT_DROPPED && table <= TABLE_ARP_RESPONDER) {
        observation(list, "SpoofGuard", "Dropped", table);
        *result = "Dropped";
        return list;
    }
    if ((v->regs[0] & REG_PORT_CLASS_MASK) == PORT_CLASS_TUNNEL) {
        struct json_object *o = observation(list, "Forwarding", "Received",
                                            TABLE_CLASSIFIER);
        put_str(o, "componentInfo", "from the tunnel");
    } else {
        observation(list, "SpoofGuard", "Forwarded", TABLE_SPOOF_GUARD);
    }
    add_lb(agent, v, list);
    add_policy(agent, v, POLFLOWS_EGRESS, list);
    add_policy(agent, v, POLFLOWS_INGRESS, list);
    add_other_drop(v, list);
    if (v->end == TRACEREPORT_OUTPUT) {
        *result = add_output(agent, v, list);
    } else {
        *result = v->end == TRACEREPORT_REJECTED ? "Rejected" : "Dropped";
    }
    return list;
}
