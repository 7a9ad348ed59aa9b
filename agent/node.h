/*
 * node: one seine-agent instance — its configuration, its connections to
 * OVS (OVSDB and OpenFlow), the node's pod subnet and gateway, the IP
 * allocator, the pod attachments and the cluster model.
 *
 * Start-up is in two steps.  node_open() connects to OVS, creates or repairs
 * the bridge and loads the pod records.  The subnet may not be known yet
 * (it can come from the Node object, which the state source may deliver
 * later), so node_run() finishes the start once it is: it sets the gateway
 * address, allocates nothing, rebuilds the desired flows of the node and of
 * every recorded pod, reads what the switch has installed, and commits the
 * difference.  Until then the node is not ready and CNI requests are told
 * to try again.
 */
#ifndef NODE_H
#define NODE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h"
#include "podstore.h"
#include "source.h"
#include "openvswitch/vlog.h"

struct agentconf;
struct cluster;
struct flowtab;
struct ipam;
struct ofconn;
struct ovsbridge;
struct policy;
struct svclb;
struct underlay;
struct nodeport_port;

struct node {
    const struct agentconf *conf;
    struct ovsbridge *br;
    struct ofconn *of;
    struct flowtab *ft;
    struct ipam *ipam;              /* NULL until the subnet is known */
    struct podstore store;
    struct cluster *cluster;
    struct source source;
    struct policy *policy;          /* NetworkPolicy rules in force */
    struct svclb *svclb;            /* service load balancers in force */
    struct underlay *underlay;      /* NULL: one node, no uplink */
    char *snat_script;              /* the egress SNAT table in force */
    struct nodeport_port *node_ports;   /* in the node's nftables */
    size_t n_node_ports;
    struct pipeline_node pnode;     /* valid once 'ipam' is set */
    uint16_t round;
    uint8_t port_seq;               /* the next pod port's sequence number
                                     * (attach.c) */
    char *not_ready;                /* why the node is not ready, or NULL */
    long long int next_liveness;    /* when to check ovs-vswitchd next */
    unsigned long long n_commits;   /* flow table commits the switch took */
    long long int last_commit_wall; /* when the last one completed (ms) */
    struct vlog_rate_limit rl;
};

int node_open(const struct agentconf *, struct node **);
void node_close(struct node *);

void node_run(struct node *);
void node_wait(struct node *);

/* Sends the flow table's pending changes to the switch.  A lost OpenFlow
 * connection is reopened and the whole datapath reinstalled (a restarted
 * ovs-vswitchd starts with no flows).  0 or -errno. */
int node_commit(struct node *);

/* Tells the cluster model that the pod of 'rec' has (or, with 'present'
 * false, no longer has) the record's address, for policy.  Only the
 * attachment carrying the pod's default route is the pod's address. */
void node_set_pod_ip(struct node *, const struct podrec *, bool present);

/* Brings the flow table in line with what changed in the cluster model
 * (NetworkPolicy, pod labels and addresses), without committing.  Nothing
 * happens before the datapath is installed: the start resolves all. */
void node_update_policy(struct node *);

/* True once the subnet is known and the flows are installed; otherwise
 * 'node->not_ready' says why. */
bool node_is_ready(const struct node *);

/* The MTU of pod interfaces and the gateway: the configured 'mtu', or with
 * an uplink, the uplink's MTU minus the tunnel overhead (underlay.h). */
int node_pod_mtu(const struct node *);

#endif /* node.h */
