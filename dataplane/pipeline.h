/*
 * pipeline: the flows of br-int's pipeline (tables.h), generated into a
 * flowtab.  The node's flows (every table's default, the gateway) belong to
 * one owner; each pod attachment's flows belong to the attachment, so that
 * removing a pod is flowtab_remove_owner() and nothing else.
 *
 * Pods are routed, not bridged: OVS answers every ARP request from a pod
 * with the gateway's MAC, so a pod sends all IPv4 traffic to the gateway
 * MAC, and L3Forwarding rewrites the MACs and decrements the TTL for pods on
 * this node.  On a dual-stack node IPv6 goes the same way: OVS answers every
 * neighbour solicitation from a pod with the gateway's MAC.  Nothing is ever
 * flooded.
 */
#ifndef PIPELINE_H
#define PIPELINE_H 1

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct flowtab;

struct pipeline_node {
    struct in_addr subnet;          /* the node's pod subnet */
    int prefix_len;
    struct in_addr gw_ip;           /* the gateway port's address */
    uint8_t gw_mac[6];
    /* A dual-stack node's IPv6 pod subnet and the gateway's address in
     * it; without one ('has_ip6' false) the pipeline drops IPv6. */
    bool has_ip6;
    struct in6_addr subnet6;
    int prefix_len6;
    struct in6_addr gw_ip6;
    int64_t gw_ofport;
    int64_t tun_ofport;             /* the tunnel port; 0: one node, none */
    /* Per-connection packet and byte counters (for flow export: the
     * userspace conntrack keeps none): every packet leaving
     * ConntrackCommit is counted in ConnectionStats by a flow the switch
     * learns for its 5-tuple (ICMP: addresses) on the first packet of
     * each direction, idle for 'conn_stats_idle_s' seconds before it goes.
     * This makes the datapath cache one flow per connection direction. */
    bool conn_stats;
    unsigned int conn_stats_idle_s;
    /* Every IPv4 packet takes a conntrack pass, as every connection is
     * then seen (flow export, or the agent's conntrackAll).  Otherwise
     * only what needs one does (ConntrackZone, docs/pipeline.md): a local
     * pod that a policy isolates or selects (polflows_set_conntrack()), a
     * service's frontends and replies (svcflows_set_conntrack()). */
    bool conntrack_all;
    /* With flow export, packets a policy dropped go to the agent too,
     * through meter METER_DENIED (tables.h; the agent sets its rate), so
     * that denied connections are reported. */
    bool denied_to_controller;
};

/* Another node of the cluster: its pod subnet is reached through the
 * tunnel, addressed to its node IP. */
struct pipeline_remote {
    const char *name;               /* the Node's name */
    struct in_addr subnet;          /* its pod subnet */
    int prefix_len;
    bool has_ip6;                   /* a dual-stack node's IPv6 subnet */
    struct in6_addr subnet6;
    int prefix_len6;
    struct in_addr ip;              /* its node IP (InternalIP) */
};

struct pipeline_pod {
    uint64_t owner;                 /* cookie_owner(COOKIE_KIND_POD, id) */
    int64_t ofport;
    uint8_t mac[6];
    struct in_addr ip;
    bool has_ip6;                   /* a dual-stack pod's IPv6 address */
    struct in6_addr ip6;
};

/* The cookie of the switch's per-connection counter flows
 * (COOKIE_KIND_LEARNED, id 0: no load balancer's). */
uint64_t pipeline_conn_stats_cookie(void);

/* The owner of the node flows. */
uint64_t pipeline_node_owner(void);

/* Replaces the node flows.  0 or -errno from flowtab. */
int pipeline_set_node(struct flowtab *, const struct pipeline_node *);

/* Replaces the flows of one pod attachment.  0 or -errno (on error the
 * pod has no flows). */
int pipeline_set_pod(struct flowtab *, const struct pipeline_node *,
                     const struct pipeline_pod *);

/* The cookie owner of the flows for remote node 'name'. */
uint64_t pipeline_remote_owner(const char *name);

/* Replaces the flows that route to remote node 'remote': in L3Forwarding,
 * IPv4 to its pod subnet (from a pod or the node, to the gateway MAC) gets
 * the gateway's MAC as source, its TTL decremented, the remote node IP as
 * tunnel destination, and goes out of the tunnel port (through
 * ConntrackCommit; its ingress policy is the remote node's).  When both
 * nodes are dual-stack, IPv6 to its IPv6 subnet goes the same way, inside
 * the same IPv4 tunnel.  0, or -errno
 * (-EINVAL without a tunnel port). */
int pipeline_set_remote(struct flowtab *, const struct pipeline_node *,
                        const struct pipeline_remote *);
void pipeline_remove_remote(struct flowtab *, const char *name);

/* The name docs/pipeline.md gives table 'table' ("SpoofGuard"), or NULL
 * for a table the pipeline does not use. */
const char *pipeline_table_name(uint8_t table);
/* The table called 'name' (any case) or numbered 'name': 0 and
 * '*tablep' set, or -EINVAL. */
int pipeline_table_parse(const char *name, uint8_t *tablep);

#endif /* pipeline.h */
