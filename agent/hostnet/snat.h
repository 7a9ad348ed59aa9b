/*
 * snat: traffic from the node's pods to outside the cluster leaves with the
 * node's address.
 *
 * Such traffic has no flow of its own in br-int: L2Forwarding sends what is
 * addressed to the gateway's MAC and routed nowhere else to the gateway
 * port, and the node's stack routes it out of whatever interface leads
 * there (the underlay, br-phy, or another).  There, an nftables table
 * masquerades it:
 *
 *   table ip seine-snat {
 *       set podnets { type ipv4_addr; flags interval; elements = { every pod subnet } }
 *       chain postrouting { type nat hook postrouting priority 100;
 *           ip saddr THIS_NODE_PODS ip daddr != @podnets oifname != GATEWAY masquerade }
 *   }
 *
 * so pod-to-pod traffic (the node's own pods or another node's) keeps its
 * source, and replies find the pod through the node's conntrack.  The
 * host's stack is where the packet is anyway, and its conntrack picks a
 * free source port per connection and handles ICMP errors for the NATed
 * flows; the same in OVS would need a second SNAT zone and port range
 * management for a path that leaves the userspace datapath regardless.
 * The table is replaced whole, in one transaction, when the pod subnets
 * change.
 */
#ifndef SNAT_H
#define SNAT_H 1

#include <stddef.h>
#include <netinet/in.h>

struct snat_subnet {
    struct in_addr addr;
    int prefix_len;
};

/* The nftables commands for pods of 'local' on gateway port 'gateway',
 * 'all' being every pod subnet of the cluster ('local' among them); the
 * caller frees them. */
char *snat_script(const struct snat_subnet *local, const char *gateway,
                  const struct snat_subnet *all, size_t n_all);

/* Runs 'script' (from snat_script()) in the current network namespace,
 * and enables IPv4 forwarding there.  0, or -errno with what failed in
 * '*errp' (caller frees). */
int snat_apply(const char *script, char **errp);

#endif /* snat.h */
