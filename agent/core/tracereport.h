/*
 * tracereport: what a Traceflow saw, told in the pipeline's stages.  A
 * trace ends where its packet would have been delivered, dropped or
 * rejected; the registers the pipeline set on the way (tables.h) say what
 * each stage decided:
 *
 *   reg0[4], reg3, reg4   the service endpoint ServiceLB chose
 *   reg6, reg7            the egress and ingress rule the packet took
 *   reg2[0..7]            the table that dropped it
 *   reg1, tun_dst         the port it was sent to, the tunnel's far end
 *
 * The observations, in pipeline order, are a JSON array of objects with
 * stable field names: component (SpoofGuard, LB, NetworkPolicy,
 * ClusterNetworkPolicy, Forwarding, Output), action (Received, Forwarded,
 * Dropped, Rejected, Delivered, ForwardedToTunnel, ForwardedOutOfNode,
 * Unknown), table and
 * tableName, and as the component has them: policy {kind, namespace, name,
 * direction, rule}, service, endpoint, pod, node, tunnelDstIP.
 */
#ifndef TRACEREPORT_H
#define TRACEREPORT_H 1

#include <stdint.h>
#include <netinet/in.h>

struct agent;
struct json_object;

enum tracereport_end {
    TRACEREPORT_OUTPUT,     /* reached Output: to reg1 */
    TRACEREPORT_DROPPED,    /* reached Drop: from the table in reg2 */
    TRACEREPORT_REJECTED,   /* ServiceLB had no endpoint: the agent rejects */
};

struct tracereport_verdict {
    enum tracereport_end end;
    uint32_t regs[8];
    struct in_addr tun_dst;     /* 0 when none was set */
    struct in_addr src, dst;    /* the packet's addresses, as sent */
    uint16_t dport;
    uint8_t proto;
};

/* The observations of 'v' on this node, as a new JSON array; '*result'
 * says how the trace ended ("Delivered", "Dropped", "Rejected",
 * "ForwardedToTunnel", "ForwardedOutOfNode"). */
struct json_object *tracereport_observations(const struct agent *,
                                             const struct tracereport_verdict *,
                                             const char **result);

#endif /* tracereport.h */
