#include <config.h>
#include "dataplane/pipeline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/tables.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(pipeline);

#define MAC_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define MAC_ARGS(M) (M)[0], (M)[1], (M)[2], (M)[3], (M)[4], (M)[5]
#define MAC_HEX_FMT "0x%02x%02x%02x%02x%02x%02x"

/* Builds match and actions with printf formats and adds the flow; stops at
 * the first error so that callers can chain calls with '||'. */
struct flow_builder {
    struct flowtab *ft;
    uint64_t owner;
    int error;
};

static int __attribute__((format(printf, 4, 0)))
add_flowv(struct flow_builder *b, uint8_t table, uint16_t priority,
          const char *fmt, va_list args)
{
    if (b->error) {
        return b->error;
    }
    struct ds text = DS_EMPTY_INITIALIZER;
    ds_put_format_valist(&text, fmt, args);

    /* "[MATCH ]actions=ACTIONS" */
    char *actions = strstr(ds_cstr(&text), "actions=");
    if (!actions) {
        b->error = -EINVAL;
    } else {
        char *match = ds_cstr(&text);
        char *end = actions;
        while (end > match && end[-1] == ' ') {
            end--;
        }
        *end = '\0';
        b->error = flowtab_add_flow(b->ft, b->owner, table, priority, match,
                                    actions + strlen("actions="));
    }
    ds_destroy(&text);
    return b->error;
}

static int __attribute__((format(printf, 4, 5)))
add_flow(struct flow_builder *b, uint8_t table, uint16_t priority,
         const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int error = add_flowv(b, table, priority, fmt, args);
    va_end(args);
    return error;
}

uint64_t
pipeline_node_owner(void)
{
    return cookie_owner(COOKIE_KIND_NODE, 1);
}

static const char *
ip_str(struct in_addr ip, char buf[INET_ADDRSTRLEN])
{
    return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

/* Stages with nothing to do yet pass packets on to the next one, so the
 * pipeline's shape is fixed and policy and services only add flows.  A
 * policy stage's pass-through is what happens to traffic no rule of it
 * decided: on to the next tier (Admin, NetworkPolicy, Baseline) and after
 * the last, accepted. */
/* What a packet leaving ConntrackCommit does first when connections are
 * counted: visits ConnectionStats, whose flows only count. */
static_assert(TABLE_CONN_STATS == 85, "conn_stats_resubmit() names it");

static const char *
conn_stats_resubmit(const struct pipeline_node *node)
{
    return node->conn_stats ? "resubmit(,85)," : "";
}

static void
add_pass_through(struct flow_builder *b, const struct pipeline_node *node)
{
    const char *conn_stats = conn_stats_resubmit(node);
    static const uint8_t stages[][2] = {
        { TABLE_SERVICE_LB, TABLE_ENDPOINT_DNAT },
        { TABLE_ENDPOINT_DNAT, TABLE_EGRESS_ADMIN },
        { TABLE_EGRESS_ADMIN, TABLE_EGRESS_RULE },
        { TABLE_EGRESS_RULE, TABLE_EGRESS_DEFAULT },
        { TABLE_EGRESS_DEFAULT, TABLE_EGRESS_BASELINE },
        { TABLE_EGRESS_BASELINE, TABLE_L3_FORWARDING },
        { TABLE_L3_FORWARDING, TABLE_L2_FORWARDING },
        { TABLE_INGRESS_ADMIN, TABLE_INGRESS_RULE },
        { TABLE_INGRESS_RULE, TABLE_INGRESS_DEFAULT },
        { TABLE_INGRESS_DEFAULT, TABLE_INGRESS_BASELINE },
        { TABLE_INGRESS_BASELINE, TABLE_CT_COMMIT },
        { TABLE_CT_COMMIT, TABLE_OUTPUT },
    };
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        add_flow(b, stages[i][0], 0, "actions=%sgoto_table:%d",
                 stages[i][0] == TABLE_CT_COMMIT ? conn_stats : "",
                 stages[i][1]);
    }
}

/* Tables whose default is to drop: anything not explicitly allowed. */
static void
add_default_drops(struct flow_builder *b)
{
    static const uint8_t tables[] = {
        TABLE_CLASSIFIER, TABLE_SPOOF_GUARD, TABLE_ARP_RESPONDER,
        TABLE_CT_ZONE, TABLE_L2_FORWARDING,
    };
    for (size_t i = 0; i < sizeof tables; i++) {
        add_flow(b, tables[i], 0, "actions="DROP_ACTIONS_FMT,
                 DROP_ACTIONS_ARGS(tables[i]));
    }
    add_flow(b, TABLE_DROP, 0, "actions=drop");
}

uint64_t
pipeline_conn_stats_cookie(void)
{
    return cookie_owner(COOKIE_KIND_LEARNED, 0);
}

/* A packet no counter flow matches makes the switch learn one for its
 * 5-tuple (addresses only for ICMP), in its direction: the connection's
 * orig and reply directions each get theirs on their first packet. */
static void
add_conn_stats(struct flow_builder *b, const struct pipeline_node *node)
{
    static const struct {
        const char *proto;
        int nw_proto;
        const char *ports;
    } protos[] = {
        { "tcp", 6, ",NXM_OF_TCP_SRC[],NXM_OF_TCP_DST[]" },
        { "udp", 17, ",NXM_OF_UDP_SRC[],NXM_OF_UDP_DST[]" },
        { "icmp", 1, "" },
    };

    if (!node->conn_stats) {
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
        add_flow(b, TABLE_CONN_STATS, 10, "%s actions=learn(table=%d,"
                 "priority=100,idle_timeout=%u,cookie=0x%"PRIx64","
                 "eth_type=0x800,nw_proto=%d,NXM_OF_IP_SRC[],"
                 "NXM_OF_IP_DST[]%s)", protos[i].proto, TABLE_CONN_STATS,
                 node->conn_stats_idle_s, pipeline_conn_stats_cookie(),
                 protos[i].nw_proto, protos[i].ports);
    }
    if (!b->error) {
        b->error = flowtab_add_learned(b->ft, b->owner, TABLE_CONN_STATS,
                                       pipeline_conn_stats_cookie());
    }
}

/* In Drop, what a policy table dropped is also sampled for the agent. */
static void
add_denied_sampling(struct flow_builder *b, const struct pipeline_node *node)
{
    static const uint8_t tables[] = {
        TABLE_EGRESS_ADMIN, TABLE_EGRESS_RULE, TABLE_EGRESS_DEFAULT,
        TABLE_EGRESS_BASELINE, TABLE_INGRESS_ADMIN, TABLE_INGRESS_RULE,
        TABLE_INGRESS_DEFAULT, TABLE_INGRESS_BASELINE,
    };

    for (size_t i = 0; node->denied_to_controller && i < sizeof tables; i++) {
        add_flow(b, TABLE_DROP, 100, "ip,reg2=%d/0xff actions=meter:%d,"
                 "controller(max_len=128)", tables[i], METER_DENIED);
    }
}

static void
add_gateway_flows(struct flow_builder *b, const struct pipeline_node *node)
{
    add_flow(b, TABLE_CLASSIFIER, 210, "in_port=%"PRId64",arp"
             " actions=goto_table:%d", node->gw_ofport, TABLE_ARP_RESPONDER);
    add_flow(b, TABLE_CLASSIFIER, 200, "in_port=%"PRId64",ip"
             " actions=load:%d->"REG_PORT_CLASS",goto_table:%d",
             node->gw_ofport, PORT_CLASS_GATEWAY, TABLE_CT_ZONE);
    add_flow(b, TABLE_L2_FORWARDING, 200, "dl_dst="MAC_FMT
             " actions=load:%"PRId64"->"REG_OUT_PORT",goto_table:%d",
             MAC_ARGS(node->gw_mac), node->gw_ofport, TABLE_INGRESS_ADMIN);
}

/* Turns an ARP request around into the reply "'mac' has the address you
 * asked for", sent back out of the port it came in on. */
/* Traffic from other nodes: class tunnel, addressed to this node's gateway
 * MAC as a routed packet (the sender's inner destination is its own
 * gateway's), then conntrack and the rest of the pipeline like a pod's. */
/* Another node's trace packet (traceflows.h) walks this node's pipeline
 * like any packet from the tunnel, marked, and comes to the agent where
 * it would have been delivered or dropped; it commits no connection. */
static void
add_trace_rx_flows(struct flow_builder *b, const struct pipeline_node *node)
{
    add_flow(b, TABLE_CLASSIFIER, 210, "in_port=%"PRId64",ip,tun_id=%#x"
             " actions=load:%d->"REG_PORT_CLASS",load:1->"REG_TRACE_RX","
             "mod_dl_dst:"MAC_FMT",goto_table:%d", node->tun_ofport,
             TRACE_TUN_ID, PORT_CLASS_TUNNEL, MAC_ARGS(node->gw_mac),
             TABLE_CT_ZONE);
    add_flow(b, TABLE_CT_COMMIT, 300, "ip,reg0=%#x/%#x actions=goto_table:%d",
             REG_TRACE_RX_MASK, REG_TRACE_RX_MASK, TABLE_OUTPUT);
    add_flow(b, TABLE_OUTPUT, 300, "ip,reg0=%#x/%#x actions=controller",
             REG_TRACE_RX_MASK, REG_TRACE_RX_MASK);
    add_flow(b, TABLE_DROP, 200, "ip,reg0=%#x/%#x actions=controller",
             REG_TRACE_RX_MASK, REG_TRACE_RX_MASK);
}

static void
add_tunnel_flows(struct flow_builder *b, const struct pipeline_node *node)
{
    if (node->tun_ofport > 0) {
        add_flow(b, TABLE_CLASSIFIER, 200, "in_port=%"PRId64",ip"
                 " actions=load:%d->"REG_PORT_CLASS",mod_dl_dst:"MAC_FMT
                 ",goto_table:%d", node->tun_ofport, PORT_CLASS_TUNNEL,
                 MAC_ARGS(node->gw_mac), TABLE_CT_ZONE);
        add_trace_rx_flows(b, node);
    }
}

static char *
arp_reply_actions(const uint8_t mac[6])
{
    return xasprintf("move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                     "mod_dl_src:"MAC_FMT","
                     "load:0x2->NXM_OF_ARP_OP[],"
                     "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                     "load:"MAC_HEX_FMT"->NXM_NX_ARP_SHA[],"
                     "push:NXM_OF_ARP_TPA[],"
                     "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
                     "pop:NXM_OF_ARP_SPA[],"
                     "in_port", MAC_ARGS(mac), MAC_ARGS(mac));
}

/* A pod's ARP request, whatever address it asks for, is answered with the
 * gateway's MAC: pods route everything through the gateway, and OVS
 * delivers to local pods in L3Forwarding. */
static void
add_arp_proxy(struct flow_builder *b, const struct pipeline_node *node)
{
    char *reply = arp_reply_actions(node->gw_mac);

    add_flow(b, TABLE_ARP_RESPONDER, 200,
             "arp,reg0=0x%x/0x%x,arp_op=1 actions=%s",
             PORT_CLASS_POD, REG_PORT_CLASS_MASK, reply);
    free(reply);
}

/* Flow export needs every connection in conntrack, as conntrackAll asks. */
static bool
tracks_everything(const struct pipeline_node *node)
{
    return node->conntrack_all || node->conn_stats;
}

static void
add_conntrack(struct flow_builder *b, const struct pipeline_node *node)
{
    char gw_ip[INET_ADDRSTRLEN];

    /* 'nat' applies a connection's service DNAT (and undoes it on
     * replies).  A reply to hairpin service traffic is addressed to
     * HAIRPIN_IP: its source NAT is undone first, in its own zone, and the
     * packet comes back to this table with its real destination. */
    add_flow(b, TABLE_CT_ZONE, 110, "ip,nw_dst="HAIRPIN_IP
             " actions=ct(table=%d,zone=%d,nat)", TABLE_CT_ZONE,
             CT_ZONE_HAIRPIN);
    if (tracks_everything(node)) {
        add_flow(b, TABLE_CT_ZONE, CT_ALL_PRIORITY,
                 "ip actions="CT_TRACK_ACTIONS_FMT, CT_TRACK_ACTIONS_ARGS);
    }
    /* Traffic between pods no policy isolates, that no service translates,
     * needs no connection state: one datapath pass, straight to the
     * forwarding stages. */
    add_flow(b, TABLE_CT_ZONE, CT_BYPASS_PRIORITY, "ip actions=load:1->"
             REG_UNTRACKED",goto_table:%d", TABLE_L3_FORWARDING);
    /* What may have been a service's reply and is not (conntrack knows no
     * connection of it: new, or invalid such as a SYN-ACK whose SYN went
     * untracked) is untracked traffic, not a new connection, and never
     * dropped as invalid. */
    add_flow(b, TABLE_CT_STATE, 210, "ip,reg0=%#x/%#x actions=goto_table:%d",
             REG_UNTRACKED_MASK, REG_UNTRACKED_MASK, TABLE_L3_FORWARDING);
    add_flow(b, TABLE_CT_STATE, 200, "ct_state=+inv+trk,ip"
             " actions="DROP_ACTIONS_FMT, DROP_ACTIONS_ARGS(TABLE_CT_STATE));
    /* Established and related traffic was allowed when its connection
     * started: it skips every egress policy tier here and every ingress
     * tier below, and hits one cached datapath flow. */
    add_flow(b, TABLE_CT_STATE, 190, "ct_state=-new+trk,ip"
             " actions=goto_table:%d", TABLE_L3_FORWARDING);
    /* A new connection meets the services; a frontend with ClientIP
     * affinity consults the learned affinity flows (svcflows.h), and a miss
     * there chooses nothing. */
    add_flow(b, TABLE_CT_STATE, 0, "actions=goto_table:%d", TABLE_SERVICE_LB);
    add_flow(b, TABLE_SERVICE_AFFINITY, 0, "actions=drop");
    /* A policed pod's TCP connection tracked from its middle was
     * untracked when it began (the pod was not isolated then): its policy
     * was never asked, and whichever side speaks first would become its
     * originator.  It is dropped; the pod's policy applies to the
     * connection it opens again.  With everything tracked, only a switch
     * restart (conntrack lost) makes one, and it is picked up as before. */
    if (!tracks_everything(node)) {
        add_flow(b, TABLE_CT_STATE, 195, "ct_state=+new+trk,tcp,reg0=%#x/%#x,"
                 "tcp_flags=-syn actions="DROP_ACTIONS_FMT,
                 REG_POLICY_TRACKED_MASK, REG_POLICY_TRACKED_MASK,
                 DROP_ACTIONS_ARGS(TABLE_CT_STATE));
    }
    add_flow(b, TABLE_INGRESS_ADMIN, POLICY_BYPASS_PRIORITY + 20,
             "ip,reg0=%#x/%#x actions=goto_table:%d", REG_UNTRACKED_MASK,
             REG_UNTRACKED_MASK, TABLE_CT_COMMIT);
    add_flow(b, TABLE_INGRESS_ADMIN, POLICY_BYPASS_PRIORITY + 10,
             "ct_state=-new+trk,ip actions=goto_table:%d", TABLE_CT_COMMIT);
    /* Kubernetes lets a pod's own node reach it whatever its ingress
     * policies say, cluster-wide ones included (kubelet's probes come from
     * there): what the node's stack sends from its gateway address.  Other
     * traffic through the gateway (routed from another node, or from
     * outside) meets the policies. */
    add_flow(b, TABLE_INGRESS_ADMIN, POLICY_BYPASS_PRIORITY,
             "ip,reg0=0x%x/0x%x,nw_src=%s actions=goto_table:%d",
             PORT_CLASS_GATEWAY, REG_PORT_CLASS_MASK,
             ip_str(node->gw_ip, gw_ip), TABLE_CT_COMMIT);
    add_flow(b, TABLE_CT_COMMIT, 220, "ip,reg0=%#x/%#x actions=goto_table:%d",
             REG_UNTRACKED_MASK, REG_UNTRACKED_MASK, TABLE_OUTPUT);
    add_flow(b, TABLE_CT_COMMIT, 200, "ct_state=+new+trk,ip"
             " actions=ct(commit,zone=%d,exec(move:"REG_EGRESS_RULE"->"
             CT_LABEL_EGRESS_RULE",move:"REG_INGRESS_RULE"->"
             CT_LABEL_INGRESS_RULE")),%sgoto_table:%d",
             CT_ZONE_POD, conn_stats_resubmit(node), TABLE_OUTPUT);
    add_flow(b, TABLE_OUTPUT, 200, "actions=output:"REG_OUT_PORT);
}

int
pipeline_set_node(struct flowtab *ft, const struct pipeline_node *node)
{
    struct flow_builder b = { .ft = ft, .owner = pipeline_node_owner() };

    flowtab_remove_owner(ft, b.owner);
    add_default_drops(&b);
    add_pass_through(&b, node);
    add_conn_stats(&b, node);
    add_denied_sampling(&b, node);
    add_gateway_flows(&b, node);
    add_tunnel_flows(&b, node);
    add_arp_proxy(&b, node);
    add_conntrack(&b, node);
    if (b.error) {
        VLOG_ERR("node flows rejected: %s", ovs_strerror(-b.error));
        flowtab_remove_owner(ft, b.owner);
    }
    return b.error;
}

static void
add_pod_guard(struct flow_builder *b, const struct pipeline_pod *pod,
              const char *ip)
{
    add_flow(b, TABLE_CLASSIFIER, 190, "in_port=%"PRId64
             " actions=load:%d->"REG_PORT_CLASS",goto_table:%d",
             pod->ofport, PORT_CLASS_POD, TABLE_SPOOF_GUARD);
    add_flow(b, TABLE_SPOOF_GUARD, 200, "ip,in_port=%"PRId64",dl_src="MAC_FMT
             ",nw_src=%s actions=goto_table:%d", pod->ofport,
             MAC_ARGS(pod->mac), ip, TABLE_CT_ZONE);
    add_flow(b, TABLE_SPOOF_GUARD, 200, "arp,in_port=%"PRId64",dl_src="MAC_FMT
             ",arp_spa=%s,arp_sha="MAC_FMT" actions=goto_table:%d",
             pod->ofport, MAC_ARGS(pod->mac), ip, MAC_ARGS(pod->mac),
             TABLE_ARP_RESPONDER);
}

static void
add_pod_arp(struct flow_builder *b, const struct pipeline_node *node,
            const struct pipeline_pod *pod, const char *ip)
{
    /* A gratuitous or self-directed ARP must not be answered with the
     * gateway's MAC: the pod would see its own address in conflict. */
    add_flow(b, TABLE_ARP_RESPONDER, 210, "arp,in_port=%"PRId64",arp_tpa=%s"
             " actions=drop", pod->ofport, ip);
    /* The gateway (the node's own stack) asks for pods by address. */
    char *reply = arp_reply_actions(pod->mac);
    add_flow(b, TABLE_ARP_RESPONDER, 200, "arp,in_port=%"PRId64",arp_op=1"
             ",arp_tpa=%s actions=%s", node->gw_ofport, ip, reply);
    free(reply);
}

static void
add_pod_forwarding(struct flow_builder *b, const struct pipeline_node *node,
                   const struct pipeline_pod *pod, const char *ip)
{
    /* Routed to the pod: from a pod, or from the node's stack for a node
     * port (nodeport.h), both addressed to the gateway's MAC. */
    add_flow(b, TABLE_L3_FORWARDING, 200, "ip,dl_dst="MAC_FMT
             ",nw_dst=%s actions=mod_dl_src:"MAC_FMT",mod_dl_dst:"MAC_FMT
             ",dec_ttl,goto_table:%d",
             MAC_ARGS(node->gw_mac), ip, MAC_ARGS(node->gw_mac),
             MAC_ARGS(pod->mac), TABLE_L2_FORWARDING);
    add_flow(b, TABLE_L2_FORWARDING, 200, "dl_dst="MAC_FMT
             " actions=load:%"PRId64"->"REG_OUT_PORT",goto_table:%d",
             MAC_ARGS(pod->mac), pod->ofport, TABLE_INGRESS_ADMIN);
}

/* A pod reaching itself through a service (hairpin): after the DNAT its
 * packets go from its address to its address.  They get HAIRPIN_IP as
 * their source (the pod would drop a packet from its own address) and
 * leave through the port they came in on, which OpenFlow does only when
 * told so explicitly. */
static void
add_pod_hairpin(struct flow_builder *b, const struct pipeline_pod *pod,
                const char *ip)
{
    add_flow(b, TABLE_CT_COMMIT, 210, "ip,nw_src=%s,nw_dst=%s"
             " actions=ct(commit,table=%d,zone=%d,nat(src="HAIRPIN_IP"))",
             ip, ip, TABLE_OUTPUT, CT_ZONE_HAIRPIN);
    add_flow(b, TABLE_OUTPUT, 210, "in_port=%"PRId64",reg1=%"PRId64
             " actions=IN_PORT", pod->ofport, pod->ofport);
}

int
pipeline_set_pod(struct flowtab *ft, const struct pipeline_node *node,
                 const struct pipeline_pod *pod)
{
    struct flow_builder b = { .ft = ft, .owner = pod->owner };
    char ip[INET_ADDRSTRLEN];

    ip_str(pod->ip, ip);
    flowtab_remove_owner(ft, pod->owner);
    add_pod_guard(&b, pod, ip);
    add_pod_arp(&b, node, pod, ip);
    add_pod_forwarding(&b, node, pod, ip);
    add_pod_hairpin(&b, pod, ip);
    if (b.error) {
        VLOG_ERR("flows of pod %s rejected: %s", ip, ovs_strerror(-b.error));
        flowtab_remove_owner(ft, pod->owner);
    }
    return b.error;
}

uint64_t
pipeline_remote_owner(const char *name)
{
    /* Node ids above 32 bits, clear of this node's own (1). */
    return cookie_owner(COOKIE_KIND_NODE,
                        (UINT64_C(1) << 32) | hash_string(name, 0));
}

int
pipeline_set_remote(struct flowtab *ft, const struct pipeline_node *node,
                    const struct pipeline_remote *remote)
{
    struct flow_builder b = { .ft = ft,
                              .owner = pipeline_remote_owner(remote->name) };
    char subnet[INET_ADDRSTRLEN], ip[INET_ADDRSTRLEN];

    flowtab_remove_owner(ft, b.owner);
    if (node->tun_ofport <= 0) {
        return -EINVAL;
    }
    add_flow(&b, TABLE_L3_FORWARDING, 190, "ip,dl_dst="MAC_FMT",nw_dst=%s/%d"
             " actions=mod_dl_src:"MAC_FMT",dec_ttl,set_field:%s->tun_dst,"
             "load:%"PRId64"->"REG_OUT_PORT",goto_table:%d",
             MAC_ARGS(node->gw_mac), ip_str(remote->subnet, subnet),
             remote->prefix_len, MAC_ARGS(node->gw_mac),
             ip_str(remote->ip, ip), node->tun_ofport, TABLE_CT_COMMIT);
    if (b.error) {
        VLOG_ERR("flows to node %s rejected: %s", remote->name,
                 ovs_strerror(-b.error));
        flowtab_remove_owner(ft, b.owner);
    }
    return b.error;
}

void
pipeline_remove_remote(struct flowtab *ft, const char *name)
{
    flowtab_remove_owner(ft, pipeline_remote_owner(name));
}

static const char *const table_names[] = {
    [TABLE_CLASSIFIER] = "Classifier",
    [TABLE_SPOOF_GUARD] = "SpoofGuard",
    [TABLE_ARP_RESPONDER] = "ARPResponder",
    [TABLE_CT_ZONE] = "ConntrackZone",
    [TABLE_CT_STATE] = "ConntrackState",
    [TABLE_SERVICE_AFFINITY] = "ServiceAffinity",
    [TABLE_SERVICE_LB] = "ServiceLB",
    [TABLE_ENDPOINT_DNAT] = "EndpointDNAT",
    [TABLE_EGRESS_ADMIN] = "EgressAdmin",
    [TABLE_EGRESS_RULE] = "EgressRule",
    [TABLE_EGRESS_DEFAULT] = "EgressDefault",
    [TABLE_EGRESS_BASELINE] = "EgressBaseline",
    [TABLE_L3_FORWARDING] = "L3Forwarding",
    [TABLE_L2_FORWARDING] = "L2Forwarding",
    [TABLE_INGRESS_ADMIN] = "IngressAdmin",
    [TABLE_INGRESS_RULE] = "IngressRule",
    [TABLE_INGRESS_DEFAULT] = "IngressDefault",
    [TABLE_INGRESS_BASELINE] = "IngressBaseline",
    [TABLE_CT_COMMIT] = "ConntrackCommit",
    [TABLE_CONN_STATS] = "ConnectionStats",
    [TABLE_OUTPUT] = "Output",
    [TABLE_DROP] = "Drop",
};

const char *
pipeline_table_name(uint8_t table)
{
    return table < ARRAY_SIZE(table_names) ? table_names[table] : NULL;
}

int
pipeline_table_parse(const char *name, uint8_t *tablep)
{
    unsigned int number;

    if (str_to_uint(name, 10, &number) && number <= UINT8_MAX) {
        *tablep = number;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(table_names); i++) {
        if (table_names[i] && !strcasecmp(table_names[i], name)) {
            *tablep = i;
            return 0;
        }
    }
    return -EINVAL;
}
