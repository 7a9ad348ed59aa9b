/*
 * dpoffload: which datapath flows a NIC runs, from ovs-vswitchd's
 * "dpctl/dump-flows -m" (OVS 3.1 lib/dpctl.c format_dpif_flow()).
 *
 * With other_config:hw-offload=true the userspace datapath hands flows to
 * the NIC through rte_flow: a flow the NIC runs whole says "offloaded:yes"
 * and the layer that runs it ("dp:dpdk"); one the NIC only marks for the
 * PMD (partial offload, MARK + RSS) says "offloaded:partial, dp:ovs"; a
 * flow that is not offloaded says no "offloaded:" at all.  Each line with
 * a "ufid:" or a match and "actions:" is one flow; anything else is
 * skipped.  Each flow becomes
 *
 *   {"ufid": "…" or null, "match": "in_port(2),…", "offloaded": "yes" |
 *    "partial" | "no", "dp": "ovs" | "dpdk" | "tc" | null,
 *    "packets": 12, "actions": "3"}
 */
#ifndef DPOFFLOAD_H
#define DPOFFLOAD_H 1

#include <stddef.h>
#include <json-c/json.h>

enum dpoffload_state {
    DPOFFLOAD_NO,
    DPOFFLOAD_PARTIAL,
    DPOFFLOAD_YES,
    DPOFFLOAD_N_STATES,
};

/* The flows of 'text', as a new JSON array. */
struct json_object *dpoffload_parse(const char *text);

/* How many flows of 'flows' (dpoffload_parse()'s) are in each state. */
void dpoffload_count(struct json_object *flows,
                     size_t counts[DPOFFLOAD_N_STATES]);

const char *dpoffload_state_name(enum dpoffload_state);

#endif /* dpoffload.h */
