/*
 * agent: one seine-agent instance — its configuration, its connections to
 * OVS (OVSDB and OpenFlow), the node's pod subnet and gateway, the IP
 * allocator, the pod attachments and the cluster model.  (The Kubernetes
 * Node it serves is a cluster_node; the pipeline's view of it a
 * pipeline_node.)
 *
 * Start-up is in two steps.  agent_open() connects to OVS, creates or repairs
 * the bridge and loads the pod records.  The subnet may not be known yet
 * (it can come from the Node object, which the state source may deliver
 * later), so agent_run() finishes the start once it is: it sets the gateway
 * address, allocates nothing, rebuilds the desired flows of the node and of
 * every recorded pod, reads what the switch has installed, and commits the
 * difference.  Until then the node is not ready and CNI requests are told
 * to try again.
 */
#ifndef AGENT_H
#define AGENT_H 1

#include <stdbool.h>
#include <stdint.h>

#include "agent/pods/podstore.h"
#include "agent/sources/source.h"
#include "dataplane/pipeline.h"
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
struct ipproto_port;

/* The OpenFlow connection, which is reopened in the background when the
 * switch stops answering. */
enum agent_of_state {
    AGENT_OF_DOWN,              /* none; the next try at 'next_reconnect' */
    AGENT_OF_CONNECTING,        /* waiting for the switch's hello */
    AGENT_OF_SYNCING,           /* reading what the switch has installed */
    AGENT_OF_UP,
};

struct attach_job;
struct agentmetrics;
struct dpstats;
struct metricsrv;
struct restorewait;

/* A condition of the agent's status object (SeineAgentInfo). */
struct agent_condition {
    bool status;
    long long int since;        /* wall clock, ms; 0: never reported */
};

enum { AGENT_COND_OVS, AGENT_COND_API, AGENT_COND_READY, AGENT_N_CONDS };

struct agent {
    const struct agentconf *conf;
    struct ovsbridge *br;
    struct ofconn *of;
    struct flowtab *ft;
    struct ipam *ipam;              /* NULL until the subnet is known */
    struct ipam *ipam6;             /* a dual-stack node's, else NULL */
    struct podstore store;
    struct cluster *cluster;
    struct source source;
    struct policy *policy;          /* NetworkPolicy rules in force */
    struct svclb *svclb;            /* service load balancers in force */
    struct underlay *underlay;      /* NULL: one node, no uplink */
    char *snat_script;              /* the egress SNAT table in force */
    struct ipproto_port *node_ports;   /* in the node's nftables */
    size_t n_node_ports;
    struct pipeline_node pnode;     /* valid once 'ipam' is set */
    uint16_t round;
    uint8_t port_seq;               /* the next pod port's sequence number
                                     * (attach.c) */
    char *not_ready;                /* why the node is not ready, or NULL */
    struct attach_job *attach_job;  /* the CNI request being served */
    enum agent_of_state of_state;
    unsigned int of_epoch;          /* times the connection came up: a
                                     * switch restarted in between numbers
                                     * its ports anew */
    long long int next_reconnect;
    long long int next_liveness;    /* when to check ovs-vswitchd next */
    unsigned int echo_id;           /* the liveness echo unanswered, or 0 */
    uint64_t commits_sent;          /* the last bundle sent, counting from 1 */
    uint64_t commits_done;          /* the last one the switch confirmed */
    uint64_t commit_refused;        /* the last one it refused */
    int commit_error;               /* and why */
    struct agent_condition conds[AGENT_N_CONDS];
    long long int next_info;        /* when to write SeineAgentInfo next */
    struct agentmetrics *metrics;
    struct dpstats *dpstats;        /* ovs-vswitchd's PMD and conntrack
                                     * counters, asked every few seconds */
    struct metricsrv *metricsrv;    /* NULL: no endpoint (metrics.port 0) */
    struct traceflow *traceflow;    /* the Traceflows running */
    struct restorewait *restorewait; /* flow-restore-wait's removal */
    struct flowexport *flowexport;  /* NULL: no flow export */
    long long int commit_sent_at;   /* the bundle in flight's, for metrics */
    size_t commit_sent_n;
    unsigned long long n_commits;   /* flow table commits the switch took */
    long long int last_commit_wall; /* when the last one completed (ms) */
    struct vlog_rate_limit rl;
};

int agent_open(const struct agentconf *, struct agent **);
void agent_close(struct agent *);

void agent_run(struct agent *);
void agent_wait(struct agent *);

/* Drops every incremental state (policy and service resolution, the
 * routes to other nodes, the desired flow table) and computes every
 * desired flow again from the model and the pod records, then commits
 * what differs from the switch.  '*n_changesp' is how many changes that
 * was: 0 when incremental computation had given the same flows.  0,
 * -EAGAIN before the node is ready, -EBUSY while a CNI request is being
 * served, or a commit's -errno. */
int agent_recompute(struct agent *, size_t *n_changesp);

/* Sends the flow table's pending changes to the switch and waits for the
 * answer.  0, -ENOTCONN while the OpenFlow connection is down, or why the
 * switch refused them.  (agent_run() commits without waiting; a lost
 * connection is reopened in the background and the whole datapath
 * reinstalled: a restarted ovs-vswitchd starts with no flows.) */
int agent_commit(struct agent *);

/* Flows the caller just made desired reach the switch in a bundle that
 * agent_run() sends and confirms without blocking: this returns that
 * bundle's number, for agent_commit_result() to say -EINPROGRESS until it
 * is confirmed, then 0, or why the switch refused it. */
uint64_t agent_request_commit(struct agent *);
int agent_commit_result(const struct agent *, uint64_t commit);

/* Tells the cluster model that the pod of 'rec' has (or, with 'present'
 * false, no longer has) the record's address, for policy.  Only the
 * attachment carrying the pod's default route is the pod's address. */
void agent_set_pod_ip(struct agent *, const struct podrec *, bool present);

/* Brings the flow table in line with what changed in the cluster model,
 * without committing: each consumer of model changes (agent.c's table:
 * remote nodes and SNAT, policy, services) gets the changes of the kinds
 * it reads.  Nothing happens before the datapath is installed: the start
 * computes all. */
void agent_apply_changes(struct agent *);

/* True once the subnet is known and the flows are installed; otherwise
 * 'agent->not_ready' says why. */
bool agent_is_ready(const struct agent *);

/* The MTU of pod interfaces and the gateway: the configured 'mtu', or with
 * an uplink, the uplink's MTU minus the tunnel overhead (underlay.h). */
int agent_pod_mtu(const struct agent *);

#endif /* node.h */
