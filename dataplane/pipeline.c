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

static const char *
ip6_str(const struct in6_addr *ip, char buf[INET6_ADDRSTRLEN])
{
    return inet_ntop(AF_INET6, ip, buf, INET6_ADDRSTRLEN);
}

/* The match words of one address family: a flow that exists for IPv4 and
 * IPv6 is written once, for a family and an address in its text form. */
struct family {
    const char *ip;
    const char *tcp;
    const char *src;
    const char *dst;
};

static const struct family family4 = { "ip", "tcp", "nw_src", "nw_dst" };
static const struct family family6 = {
    "ipv6", "tcp6", "ipv6_src", "ipv6_dst",
};

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

/* ICMPv6 types (RFC 4861). */
enum {
    ND_ROUTER_ADVERT = 134,
    ND_NEIGHBOR_SOLICIT = 135,
    ND_NEIGHBOR_ADVERT = 136,
    ND_REDIRECT = 137,
};

static void
add_gateway_ip(struct flow_builder *b, const struct pipeline_node *node,
               const struct family *fam)
{
    add_flow(b, TABLE_CLASSIFIER, 200, "in_port=%"PRId64",%s"
             " actions=load:%d->"REG_PORT_CLASS",goto_table:%d",
             node->gw_ofport, fam->ip, PORT_CLASS_GATEWAY, TABLE_CT_ZONE);
}

/* The node's stack resolves pods' addresses in ARPResponder.  Its other
 * IPv6 multicast (MLD reports, router solicitations) has no listener on
 * br-int: nothing is flooded. */
static void
add_gateway_nd(struct flow_builder *b, const struct pipeline_node *node)
{
    for (int type = ND_NEIGHBOR_SOLICIT; type <= ND_NEIGHBOR_ADVERT; type++) {
        add_flow(b, TABLE_CLASSIFIER, 210, "in_port=%"PRId64",icmp6,"
                 "icmp_type=%d actions=goto_table:%d", node->gw_ofport,
                 type, TABLE_ARP_RESPONDER);
    }
    add_flow(b, TABLE_CLASSIFIER, 205, "in_port=%"PRId64",ipv6,"
             "ipv6_dst=ff00::/8 actions="DROP_ACTIONS_FMT, node->gw_ofport,
             DROP_ACTIONS_ARGS(TABLE_CLASSIFIER));
    add_gateway_ip(b, node, &family6);
}

static void
add_gateway_flows(struct flow_builder *b, const struct pipeline_node *node)
{
    add_flow(b, TABLE_CLASSIFIER, 210, "in_port=%"PRId64",arp"
             " actions=goto_table:%d", node->gw_ofport, TABLE_ARP_RESPONDER);
    add_gateway_ip(b, node, &family4);
    if (node->has_ip6) {
        add_gateway_nd(b, node);
    }
    add_flow(b, TABLE_L2_FORWARDING, 200, "dl_dst="MAC_FMT
             " actions=load:%"PRId64"->"REG_OUT_PORT",goto_table:%d",
             MAC_ARGS(node->gw_mac), node->gw_ofport, TABLE_INGRESS_ADMIN);
}

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

/* Traffic from other nodes: class tunnel, addressed to this node's gateway
 * MAC as a routed packet (the sender's inner destination is its own
 * gateway's), then conntrack and the rest of the pipeline like a pod's.  A
 * dual-stack node takes the other nodes' IPv6 through the same tunnel. */
static void
add_tunnel_flows(struct flow_builder *b, const struct pipeline_node *node)
{
    const struct family *fams[] = { &family4, &family6 };

    for (size_t i = 0; node->tun_ofport > 0 && i < 1 + node->has_ip6; i++) {
        add_flow(b, TABLE_CLASSIFIER, 200, "in_port=%"PRId64",%s"
                 " actions=load:%d->"REG_PORT_CLASS",mod_dl_dst:"MAC_FMT
                 ",goto_table:%d", node->tun_ofport, fams[i]->ip,
                 PORT_CLASS_TUNNEL, MAC_ARGS(node->gw_mac), TABLE_CT_ZONE);
    }
    if (node->tun_ofport > 0) {
        add_trace_rx_flows(b, node);
    }
}

/* Turns an ARP request around into the reply "'mac' has the address you
 * asked for", sent back out of the port it came in on. */
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

/* The flags of a neighbour advertisement (RFC 4861 4.4), in nd_reserved. */
#define ND_FLAG_ROUTER 0x80000000u
#define ND_FLAG_SOLICITED 0x40000000u
#define ND_FLAG_OVERRIDE 0x20000000u
/* An option's type (RFC 4861 4.6.1). */
#define ND_OPT_TARGET_LLADDR 2

/* Turns a neighbour solicitation around into the advertisement "'mac' has
 * the address you asked for" with 'flags', sent back out of the port it
 * came in on.  The solicitation's source link-layer option becomes the
 * target link-layer option; its address is written by the second half,
 * add_nd_reply_tll(), as only a flow matching an advertisement may.  The
 * switch fixes the ICMPv6 checksum for every field set. */
static char *
nd_reply_actions(const uint8_t mac[6], uint32_t flags)
{
    return xasprintf("move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                     "mod_dl_src:"MAC_FMT","
                     "move:NXM_NX_IPV6_SRC[]->NXM_NX_IPV6_DST[],"
                     "move:NXM_NX_ND_TARGET[]->NXM_NX_IPV6_SRC[],"
                     "set_field:%d->icmpv6_type,"
                     "set_field:%#"PRIx32"->nd_reserved,"
                     "set_field:%d->nd_options_type,"
                     "load:1->"REG_ND_REPLY",resubmit(,%d)",
                     MAC_ARGS(mac), ND_NEIGHBOR_ADVERT, flags,
                     ND_OPT_TARGET_LLADDR, TABLE_ARP_RESPONDER);
}

/* The advertisement's target link-layer address is its Ethernet source,
 * the MAC nd_reply_actions() answered with. */
static void
add_nd_reply_tll(struct flow_builder *b)
{
    add_flow(b, TABLE_ARP_RESPONDER, 230, "icmp6,icmp_type=%d,reg0=%#x/%#x"
             " actions=move:NXM_OF_ETH_SRC[]->NXM_NX_ND_TLL[],IN_PORT",
             ND_NEIGHBOR_ADVERT, REG_ND_REPLY_MASK, REG_ND_REPLY_MASK);
}

/* ARP's proxy for IPv6: a pod's neighbour solicitation, for any target, is
 * answered with the gateway's MAC as a router's.  A solicitation from the
 * unspecified address is duplicate address detection (it carries no
 * link-layer address to answer to): it must see no answer.  Nobody
 * listens to advertisements on br-int: they go no further, and nothing
 * floods. */
static void
add_nd_proxy(struct flow_builder *b, const struct pipeline_node *node)
{
    char *reply = nd_reply_actions(node->gw_mac, ND_FLAG_ROUTER
                                   | ND_FLAG_SOLICITED | ND_FLAG_OVERRIDE);

    add_nd_reply_tll(b);
    add_flow(b, TABLE_ARP_RESPONDER, 220, "icmp6,icmp_type=%d,ipv6_src=::"
             " actions=drop", ND_NEIGHBOR_SOLICIT);
    add_flow(b, TABLE_ARP_RESPONDER, 200, "icmp6,icmp_type=%d,reg0=%#x/%#x"
             " actions=%s", ND_NEIGHBOR_SOLICIT, PORT_CLASS_POD,
             REG_PORT_CLASS_MASK, reply);
    add_flow(b, TABLE_ARP_RESPONDER, 100, "icmp6,icmp_type=%d actions=drop",
             ND_NEIGHBOR_ADVERT);
    free(reply);
}

/* A pod is no router: its router advertisements and redirects are
 * dropped, and so is any neighbour discovery its own flows
 * (add_pod_nd_guard()) do not allow, which would otherwise pass as its
 * IPv6 traffic. */
static void
add_pod_nd_filter(struct flow_builder *b)
{
    for (int type = ND_ROUTER_ADVERT; type <= ND_REDIRECT; type++) {
        add_flow(b, TABLE_SPOOF_GUARD, 205, "icmp6,icmp_type=%d,reg0=%#x/%#x"
                 " actions="DROP_ACTIONS_FMT, type, PORT_CLASS_POD,
                 REG_PORT_CLASS_MASK, DROP_ACTIONS_ARGS(TABLE_SPOOF_GUARD));
    }
}

/* Flow export needs every connection in conntrack, as conntrackAll asks. */
static bool
tracks_everything(const struct pipeline_node *node)
{
    return node->conntrack_all || node->conn_stats;
}

/* The conntrack flows of one family ('gw_ip' the gateway's address in
 * it): IPv6 takes the same stages as IPv4, though only IPv4 has services
 * and policies yet. */
static void
add_conntrack_family(struct flow_builder *b, const struct pipeline_node *node,
                     const struct family *fam, const char *gw_ip)
{
    if (tracks_everything(node)) {
        add_flow(b, TABLE_CT_ZONE, CT_ALL_PRIORITY,
                 "%s actions="CT_TRACK_ACTIONS_FMT, fam->ip,
                 CT_TRACK_ACTIONS_ARGS);
    }
    /* Traffic between pods no policy isolates, that no service translates,
     * needs no connection state: one datapath pass, straight to the
     * forwarding stages. */
    add_flow(b, TABLE_CT_ZONE, CT_BYPASS_PRIORITY, "%s actions=load:1->"
             REG_UNTRACKED",goto_table:%d", fam->ip, TABLE_L3_FORWARDING);
    /* What may have been a service's reply and is not (conntrack knows no
     * connection of it: new, or invalid such as a SYN-ACK whose SYN went
     * untracked) is untracked traffic, not a new connection, and never
     * dropped as invalid. */
    add_flow(b, TABLE_CT_STATE, 210, "%s,reg0=%#x/%#x actions=goto_table:%d",
             fam->ip, REG_UNTRACKED_MASK, REG_UNTRACKED_MASK,
             TABLE_L3_FORWARDING);
    add_flow(b, TABLE_CT_STATE, 200, "ct_state=+inv+trk,%s"
             " actions="DROP_ACTIONS_FMT, fam->ip,
             DROP_ACTIONS_ARGS(TABLE_CT_STATE));
    /* Established and related traffic was allowed when its connection
     * started: it skips every egress policy tier here and every ingress
     * tier below, and hits one cached datapath flow. */
    add_flow(b, TABLE_CT_STATE, 190, "ct_state=-new+trk,%s"
             " actions=goto_table:%d", fam->ip, TABLE_L3_FORWARDING);
    /* A policed pod's TCP connection tracked from its middle was
     * untracked when it began (the pod was not isolated then): its policy
     * was never asked, and whichever side speaks first would become its
     * originator.  It is dropped; the pod's policy applies to the
     * connection it opens again.  With everything tracked, only a switch
     * restart (conntrack lost) makes one, and it is picked up as before. */
    if (!tracks_everything(node)) {
        add_flow(b, TABLE_CT_STATE, 195, "ct_state=+new+trk,%s,reg0=%#x/%#x,"
                 "tcp_flags=-syn actions="DROP_ACTIONS_FMT, fam->tcp,
                 REG_POLICY_TRACKED_MASK, REG_POLICY_TRACKED_MASK,
                 DROP_ACTIONS_ARGS(TABLE_CT_STATE));
    }
    add_flow(b, TABLE_INGRESS_ADMIN, POLICY_BYPASS_PRIORITY + 20,
             "%s,reg0=%#x/%#x actions=goto_table:%d", fam->ip,
             REG_UNTRACKED_MASK, REG_UNTRACKED_MASK, TABLE_CT_COMMIT);
    add_flow(b, TABLE_INGRESS_ADMIN, POLICY_BYPASS_PRIORITY + 10,
             "ct_state=-new+trk,%s actions=goto_table:%d", fam->ip,
             TABLE_CT_COMMIT);
    /* Kubernetes lets a pod's own node reach it whatever its ingress
     * policies say, cluster-wide ones included (kubelet's probes come from
     * there): what the node's stack sends from its gateway address.  Other
     * traffic through the gateway (routed from another node, or from
     * outside) meets the policies. */
    add_flow(b, TABLE_INGRESS_ADMIN, POLICY_BYPASS_PRIORITY,
             "%s,reg0=0x%x/0x%x,%s=%s actions=goto_table:%d", fam->ip,
             PORT_CLASS_GATEWAY, REG_PORT_CLASS_MASK, fam->src, gw_ip,
             TABLE_CT_COMMIT);
    add_flow(b, TABLE_CT_COMMIT, 220, "%s,reg0=%#x/%#x actions=goto_table:%d",
             fam->ip, REG_UNTRACKED_MASK, REG_UNTRACKED_MASK, TABLE_OUTPUT);
    add_flow(b, TABLE_CT_COMMIT, 200, "ct_state=+new+trk,%s"
             " actions=ct(commit,zone=%d,exec(move:"REG_EGRESS_RULE"->"
             CT_LABEL_EGRESS_RULE",move:"REG_INGRESS_RULE"->"
             CT_LABEL_INGRESS_RULE")),%sgoto_table:%d", fam->ip,
             CT_ZONE_POD, conn_stats_resubmit(node), TABLE_OUTPUT);
}

static void
add_conntrack(struct flow_builder *b, const struct pipeline_node *node)
{
    char gw_ip[INET_ADDRSTRLEN], gw_ip6[INET6_ADDRSTRLEN];

    /* 'nat' applies a connection's service DNAT (and undoes it on
     * replies).  A reply to hairpin service traffic is addressed to
     * HAIRPIN_IP: its source NAT is undone first, in its own zone, and the
     * packet comes back to this table with its real destination. */
    add_flow(b, TABLE_CT_ZONE, 110, "ip,nw_dst="HAIRPIN_IP
             " actions=ct(table=%d,zone=%d,nat)", TABLE_CT_ZONE,
             CT_ZONE_HAIRPIN);
    add_conntrack_family(b, node, &family4, ip_str(node->gw_ip, gw_ip));
    if (node->has_ip6) {
        add_conntrack_family(b, node, &family6,
                             ip6_str(&node->gw_ip6, gw_ip6));
    }
    /* A new connection meets the services; a frontend with ClientIP
     * affinity consults the learned affinity flows (svcflows.h), and a miss
     * there chooses nothing. */
    add_flow(b, TABLE_CT_STATE, 0, "actions=goto_table:%d", TABLE_SERVICE_LB);
    add_flow(b, TABLE_SERVICE_AFFINITY, 0, "actions=drop");
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
    if (node->has_ip6) {
        add_nd_proxy(&b, node);
        add_pod_nd_filter(&b);
    }
    add_conntrack(&b, node);
    if (b.error) {
        VLOG_ERR("node flows rejected: %s", ovs_strerror(-b.error));
        flowtab_remove_owner(ft, b.owner);
    }
    return b.error;
}

/* A pod's traffic of one family, with its own MAC and address 'ip'. */
static void
add_pod_ip_guard(struct flow_builder *b, const struct pipeline_pod *pod,
                 const struct family *fam, const char *ip)
{
    add_flow(b, TABLE_SPOOF_GUARD, 200, "%s,in_port=%"PRId64",dl_src="MAC_FMT
             ",%s=%s actions=goto_table:%d", fam->ip, pod->ofport,
             MAC_ARGS(pod->mac), fam->src, ip, TABLE_CT_ZONE);
}

static void
add_pod_guard(struct flow_builder *b, const struct pipeline_pod *pod,
              const char *ip)
{
    add_flow(b, TABLE_CLASSIFIER, 190, "in_port=%"PRId64
             " actions=load:%d->"REG_PORT_CLASS",goto_table:%d",
             pod->ofport, PORT_CLASS_POD, TABLE_SPOOF_GUARD);
    add_pod_ip_guard(b, pod, &family4, ip);
    add_flow(b, TABLE_SPOOF_GUARD, 200, "arp,in_port=%"PRId64",dl_src="MAC_FMT
             ",arp_spa=%s,arp_sha="MAC_FMT" actions=goto_table:%d",
             pod->ofport, MAC_ARGS(pod->mac), ip, MAC_ARGS(pod->mac),
             TABLE_ARP_RESPONDER);
}

/* A pod's neighbour discovery, above add_pod_nd_filter()'s drops: its
 * solicitations with its own MAC, from its address, from a link-local one
 * (which the pod chooses), or from none without a link-layer address
 * (duplicate address detection, RFC 4861 7.1.1), go to ARPResponder;
 * its advertisements only for its own address, with its own MAC or none. */
static void
add_pod_nd_guard(struct flow_builder *b, const struct pipeline_pod *pod,
                 const char *ip6)
{
    static const char zero_mac[] = "00:00:00:00:00:00";
    char mac[sizeof zero_mac];
    const struct {
        int type;
        const char *field;
        const char *value;
        const char *lladdr;
    } allowed[] = {
        { ND_NEIGHBOR_SOLICIT, "ipv6_src", ip6, mac },
        { ND_NEIGHBOR_SOLICIT, "ipv6_src", "fe80::/10", mac },
        { ND_NEIGHBOR_SOLICIT, "ipv6_src", "::", zero_mac },
        { ND_NEIGHBOR_ADVERT, "nd_target", ip6, mac },
        { ND_NEIGHBOR_ADVERT, "nd_target", ip6, zero_mac },
    };

    snprintf(mac, sizeof mac, MAC_FMT, MAC_ARGS(pod->mac));
    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
        add_flow(b, TABLE_SPOOF_GUARD, 210, "icmp6,icmp_type=%d,in_port=%"
                 PRId64",dl_src=%s,%s=%s,%s=%s actions=goto_table:%d",
                 allowed[i].type, pod->ofport, mac, allowed[i].field,
                 allowed[i].value,
                 allowed[i].type == ND_NEIGHBOR_SOLICIT ? "nd_sll" : "nd_tll",
                 allowed[i].lladdr, TABLE_ARP_RESPONDER);
    }
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

/* ARP's rules for neighbour discovery: a pod's solicitation for its own
 * address (duplicate address detection) sees no answer; the gateway's for
 * it is answered with the pod's MAC, as no router's. */
static void
add_pod_nd(struct flow_builder *b, const struct pipeline_node *node,
           const struct pipeline_pod *pod, const char *ip6)
{
    add_flow(b, TABLE_ARP_RESPONDER, 210, "icmp6,icmp_type=%d,in_port=%"PRId64
             ",nd_target=%s actions=drop", ND_NEIGHBOR_SOLICIT, pod->ofport,
             ip6);
    char *reply = nd_reply_actions(pod->mac,
                                   ND_FLAG_SOLICITED | ND_FLAG_OVERRIDE);
    add_flow(b, TABLE_ARP_RESPONDER, 200, "icmp6,icmp_type=%d,in_port=%"PRId64
             ",nd_target=%s actions=%s", ND_NEIGHBOR_SOLICIT, node->gw_ofport,
             ip6, reply);
    free(reply);
}

/* Routed to the pod: from a pod, or from the node's stack for a node port
 * (nodeport.h), both addressed to the gateway's MAC. */
static void
add_pod_route(struct flow_builder *b, const struct pipeline_node *node,
              const struct pipeline_pod *pod, const struct family *fam,
              const char *ip)
{
    add_flow(b, TABLE_L3_FORWARDING, 200, "%s,dl_dst="MAC_FMT
             ",%s=%s actions=mod_dl_src:"MAC_FMT",mod_dl_dst:"MAC_FMT
             ",dec_ttl,goto_table:%d", fam->ip, MAC_ARGS(node->gw_mac),
             fam->dst, ip, MAC_ARGS(node->gw_mac), MAC_ARGS(pod->mac),
             TABLE_L2_FORWARDING);
}

static void
add_pod_forwarding(struct flow_builder *b, const struct pipeline_node *node,
                   const struct pipeline_pod *pod, const char *ip)
{
    add_pod_route(b, node, pod, &family4, ip);
    add_flow(b, TABLE_L2_FORWARDING, 200, "dl_dst="MAC_FMT
             " actions=load:%"PRId64"->"REG_OUT_PORT",goto_table:%d",
             MAC_ARGS(pod->mac), pod->ofport, TABLE_INGRESS_ADMIN);
}

/* A dual-stack pod's IPv6 on a dual-stack node: the same guard and route
 * as its IPv4, with neighbour discovery in place of ARP. */
static void
add_pod_ip6(struct flow_builder *b, const struct pipeline_node *node,
            const struct pipeline_pod *pod)
{
    char ip6[INET6_ADDRSTRLEN];

    if (!pod->has_ip6 || !node->has_ip6) {
        return;
    }
    ip6_str(&pod->ip6, ip6);
    add_pod_ip_guard(b, pod, &family6, ip6);
    add_pod_nd_guard(b, pod, ip6);
    add_pod_nd(b, node, pod, ip6);
    add_pod_route(b, node, pod, &family6, ip6);
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
    add_pod_ip6(&b, node, pod);
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

/* In L3Forwarding, 'fam' to 'subnet/prefix_len' out of the tunnel to
 * 'node_ip'. */
static void
add_remote_route(struct flow_builder *b, const struct pipeline_node *node,
                 const struct family *fam, const char *subnet, int prefix_len,
                 const char *node_ip)
{
    add_flow(b, TABLE_L3_FORWARDING, 190, "%s,dl_dst="MAC_FMT",%s=%s/%d"
             " actions=mod_dl_src:"MAC_FMT",dec_ttl,set_field:%s->tun_dst,"
             "load:%"PRId64"->"REG_OUT_PORT",goto_table:%d", fam->ip,
             MAC_ARGS(node->gw_mac), fam->dst, subnet, prefix_len,
             MAC_ARGS(node->gw_mac), node_ip, node->tun_ofport,
             TABLE_CT_COMMIT);
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
    add_remote_route(&b, node, &family4, ip_str(remote->subnet, subnet),
                     remote->prefix_len, ip_str(remote->ip, ip));
    if (node->has_ip6 && remote->has_ip6) {
        char subnet6[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET6, &remote->subnet6, subnet6, sizeof subnet6);
        add_remote_route(&b, node, &family6, subnet6, remote->prefix_len6, ip);
    }
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
