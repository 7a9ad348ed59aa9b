/*
 * hostguard: what the node's pods may not reach of the node itself.
 *
 * A pod's traffic to any address of the node (the gateway's, the node IP,
 * another interface's) leaves br-int through the gateway port and is
 * delivered by the node's stack to whatever listens there.  Most of that
 * is wanted (a node-local DNS cache, the node's own services, as
 * NetworkPolicy allows), but the agent's metrics endpoint names every pod,
 * namespace and policy of the node and answers Traceflow's peers: bound
 * to a node address for Prometheus or the other agents, it would be open
 * to every pod on the node.  An nftables table in the node's network
 * namespace drops it:
 *
 *   table inet seine-guard {
 *       chain input { type filter hook input priority 0; policy accept;
 *           iifname GATEWAY tcp dport METRICS_PORT counter drop }
 *   }
 *
 * The input hook sees only what the node delivers to itself, so a pod's
 * connections to port METRICS_PORT elsewhere (out of the cluster, or to
 * another pod) are untouched.  Other nodes' pods reach this node through
 * their tunnel and then the gateway port too; with noEncap they arrive on
 * the underlay like the other nodes' agents, and are not told apart.  The
 * table is replaced whole in one transaction, and removed when there is no
 * endpoint or pods are allowed to it (metrics.allowPods).
 */
#ifndef HOSTGUARD_H
#define HOSTGUARD_H 1

/* The nftables commands that drop TCP to 'metrics_port' arriving on
 * 'gateway', or remove the table when 'metrics_port' is 0, as one
 * transaction; the caller frees them. */
char *hostguard_script(const char *gateway, int metrics_port);

/* Runs hostguard_script() in the current network namespace.  0, or -EIO
 * with the nftables error in '*errp' (caller frees). */
int hostguard_apply(const char *gateway, int metrics_port, char **errp);

#endif /* hostguard.h */
