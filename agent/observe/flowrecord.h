/*
 * flowrecord: the record Seine exports for a connection, and the one
 * IPFIX template it is sent with.  The exporter fills a struct
 * flowrecord and hands it to flowrecord_encode(); which element carries
 * which member, and in which order, is one table in flowrecord.c.
 *
 * The template (FLOWRECORD_TEMPLATE_ID) has, in this order:
 *
 *   IANA (RFC 7012)                    id  type
 *   flowStartMilliseconds             152  dateTimeMilliseconds
 *   flowEndMilliseconds               153  dateTimeMilliseconds
 *   flowEndReason                     136  unsigned8 (FLOWRECORD_END_*)
 *   sourceIPv4Address                   8  ipv4Address
 *   destinationIPv4Address             12  ipv4Address
 *   sourceTransportPort                 7  unsigned16
 *   destinationTransportPort           11  unsigned16
 *   protocolIdentifier                  4  unsigned8
 *   packetDeltaCount                    2  unsigned64
 *   octetDeltaCount                     1  unsigned64
 *   packetTotalCount                   86  unsigned64
 *   octetTotalCount                    85  unsigned64
 *   the same four counters for the reply direction, under RFC 5103's
 *   IPFIX_PEN_REVERSE (reversePacketDeltaCount, ...)
 *   postNATDestinationIPv4Address     226  ipv4Address
 *   postNAPTDestinationTransportPort  228  unsigned16
 *
 *   Seine's, under IPFIX_PEN_SEINE     id  type
 *   sourcePodNamespace                  1  string
 *   sourcePodName                       2  string
 *   sourceNodeName                      3  string
 *   destinationPodNamespace             4  string
 *   destinationPodName                  5  string
 *   destinationNodeName                 6  string
 *   destinationServiceNamespace         7  string
 *   destinationServiceName              8  string
 *   destinationServicePort              9  unsigned16
 *   egressPolicyKind                   10  string ("NetworkPolicy",
 *                                          "ClusterNetworkPolicy" or "")
 *   egressPolicyNamespace              11  string
 *   egressPolicyName                   12  string
 *   egressPolicyRule                   13  string ("egress rule 2", or a
 *                                          ClusterNetworkPolicy rule's name)
 *   egressPolicyAction                 14  unsigned8 (FLOWRECORD_ACTION_*)
 *   ingressPolicyKind .. Action     15-19  as egress
 *   flowType                           20  unsigned8 (FLOWRECORD_TYPE_*)
 *   tcpState                           21  string (conntrack's name:
 *                                          "ESTABLISHED", "TIME_WAIT"...)
 *   denied                             22  unsigned8 (1: the policy dropped
 *                                          the connection)
 *
 * For ICMP the ports are 0 and destinationTransportPort carries type * 256
 * + code, as NetFlow collectors expect.  The post-NAT fields are the
 * endpoint a Service's DNAT chose (0 when none did).
 */
#ifndef FLOWRECORD_H
#define FLOWRECORD_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct ipfix;

#define FLOWRECORD_TEMPLATE_ID 256

/* Seine's information elements, under IPFIX_PEN_SEINE. */
enum flowrecord_seine_ie {
    FLOWRECORD_IE_SOURCE_POD_NAMESPACE = 1,
    FLOWRECORD_IE_SOURCE_POD_NAME = 2,
    FLOWRECORD_IE_SOURCE_NODE_NAME = 3,
    FLOWRECORD_IE_DESTINATION_POD_NAMESPACE = 4,
    FLOWRECORD_IE_DESTINATION_POD_NAME = 5,
    FLOWRECORD_IE_DESTINATION_NODE_NAME = 6,
    FLOWRECORD_IE_DESTINATION_SERVICE_NAMESPACE = 7,
    FLOWRECORD_IE_DESTINATION_SERVICE_NAME = 8,
    FLOWRECORD_IE_DESTINATION_SERVICE_PORT = 9,
    FLOWRECORD_IE_EGRESS_POLICY_KIND = 10,
    FLOWRECORD_IE_EGRESS_POLICY_NAMESPACE = 11,
    FLOWRECORD_IE_EGRESS_POLICY_NAME = 12,
    FLOWRECORD_IE_EGRESS_POLICY_RULE = 13,
    FLOWRECORD_IE_EGRESS_POLICY_ACTION = 14,
    FLOWRECORD_IE_INGRESS_POLICY_KIND = 15,
    FLOWRECORD_IE_INGRESS_POLICY_NAMESPACE = 16,
    FLOWRECORD_IE_INGRESS_POLICY_NAME = 17,
    FLOWRECORD_IE_INGRESS_POLICY_RULE = 18,
    FLOWRECORD_IE_INGRESS_POLICY_ACTION = 19,
    FLOWRECORD_IE_FLOW_TYPE = 20,
    FLOWRECORD_IE_TCP_STATE = 21,
    FLOWRECORD_IE_DENIED = 22,
};

/* flowEndReason (RFC 7012's IANA registry). */
enum flowrecord_end_reason {
    FLOWRECORD_END_IDLE = 1,
    FLOWRECORD_END_ACTIVE = 2,      /* active timeout: the flow goes on */
    FLOWRECORD_END_OF_FLOW = 3,     /* TCP closed */
    FLOWRECORD_END_FORCED = 4,      /* the exporter stopped */
};

enum flowrecord_action {
    FLOWRECORD_ACTION_NONE = 0,     /* no policy selected the pod */
    FLOWRECORD_ACTION_ALLOW = 1,
    FLOWRECORD_ACTION_DENY = 2,
    FLOWRECORD_ACTION_PASS = 3,     /* a ClusterNetworkPolicy's Pass */
};

enum flowrecord_type {
    FLOWRECORD_TYPE_UNKNOWN = 0,
    FLOWRECORD_TYPE_INTRA_NODE = 1,
    FLOWRECORD_TYPE_INTER_NODE = 2,
    FLOWRECORD_TYPE_TO_EXTERNAL = 3,
    FLOWRECORD_TYPE_FROM_EXTERNAL = 4,
};

#define FLOWRECORD_KIND_NETWORK_POLICY "NetworkPolicy"
#define FLOWRECORD_KIND_CLUSTER_NETWORK_POLICY "ClusterNetworkPolicy"

struct flowrecord_counts {
    uint64_t packets;
    uint64_t octets;
};

/* The policy rule that decided one direction.  Strings: NULL is empty. */
struct flowrecord_policy {
    const char *kind;               /* FLOWRECORD_KIND_*, or NULL */
    const char *namespace;          /* NULL for a ClusterNetworkPolicy */
    const char *name;
    const char *rule;
    uint8_t action;                 /* enum flowrecord_action */
};

/* One exported record.  The strings are the caller's; NULL encodes as
 * an empty string.  Addresses are in network byte order, ports in host
 * byte order. */
struct flowrecord {
    long long int start_ms;         /* wall clock */
    long long int end_ms;
    uint8_t end_reason;             /* enum flowrecord_end_reason */

    ovs_be32 src_ip;
    ovs_be32 dst_ip;
    uint16_t src_port;
    uint16_t dst_port;
    uint8_t proto;

    /* The original direction's counts, and the reply's. */
    struct flowrecord_counts delta, total;
    struct flowrecord_counts reverse_delta, reverse_total;

    ovs_be32 post_nat_dst_ip;
    uint16_t post_nat_dst_port;

    const char *src_pod_namespace;
    const char *src_pod_name;
    const char *src_node_name;
    const char *dst_pod_namespace;
    const char *dst_pod_name;
    const char *dst_node_name;
    const char *dst_service_namespace;
    const char *dst_service_name;
    uint16_t dst_service_port;

    struct flowrecord_policy egress;
    struct flowrecord_policy ingress;

    uint8_t flow_type;              /* enum flowrecord_type */
    const char *tcp_state;
    bool denied;
};

/* Adds the template to 'ipfix', Seine's elements under enterprise number
 * 'pen' (IPFIX_PEN_SEINE by default).  0 or -errno (ipfix_add_template()). */
int flowrecord_add_template(struct ipfix *, uint32_t pen);

/* Adds 'rec' as one data record.  Strings that would make it larger than
 * one message can carry are cut, the longest first, so a record is never
 * lost to its names.  0 or -errno (ipfix_add_record()). */
int flowrecord_encode(struct ipfix *, const struct flowrecord *rec);

#endif /* flowrecord.h */
