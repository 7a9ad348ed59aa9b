/* A flow record with every kind of field set, for the encoder's tests
 * and for the collector check (ipfix_probe): connection 'i' of pod
 * shop/web-1 on node1, TCP 10.244.1.5:(40000 + i) -> Service shop/db at
 * 10.96.0.10:80, DNAT to pod shop/db-0 at 10.244.2.7:8080 on node2,
 * 7 packets and 4242 bytes out, 5 and 3131 back, allowed out by
 * ClusterNetworkPolicy tier0's rule allow-web and in by NetworkPolicy
 * shop/db-in's "ingress rule 0", ended idle at 'now' after 10 s. */
#ifndef FLOWRECORD_FIXTURE_H
#define FLOWRECORD_FIXTURE_H 1

#include <arpa/inet.h>

#include "agent/observe/flowrecord.h"

static inline struct flowrecord
flowrecord_fixture(long long int now, int i)
{
    return (struct flowrecord) {
        .start_ms = now - 10000,
        .end_ms = now,
        .end_reason = FLOWRECORD_END_IDLE,
        .src_ip = htonl(0x0af40105),
        .dst_ip = htonl(0x0a60000a),
        .src_port = 40000 + i,
        .dst_port = 80,
        .proto = 6,
        .delta = { 7, 4242 },
        .total = { 7, 4242 },
        .reverse_delta = { 5, 3131 },
        .reverse_total = { 5, 3131 },
        .post_nat_dst_ip = htonl(0x0af40207),
        .post_nat_dst_port = 8080,
        .src_pod_namespace = "shop",
        .src_pod_name = "web-1",
        .src_node_name = "node1",
        .dst_pod_namespace = "shop",
        .dst_pod_name = "db-0",
        .dst_node_name = "node2",
        .dst_service_namespace = "shop",
        .dst_service_name = "db",
        .dst_service_port = 80,
        .egress = { FLOWRECORD_KIND_CLUSTER_NETWORK_POLICY, NULL, "tier0",
                    "allow-web", FLOWRECORD_ACTION_ALLOW },
        .ingress = { FLOWRECORD_KIND_NETWORK_POLICY, "shop", "db-in",
                     "ingress rule 0", FLOWRECORD_ACTION_ALLOW },
        .flow_type = FLOWRECORD_TYPE_INTER_NODE,
        .tcp_state = "TIME_WAIT",
    };
}

#endif /* flowrecord-fixture.h */
