/*
 * The OpenFlow tables of br-int, in the order a packet walks them, and the
 * registers and conntrack zones the pipeline uses.  docs/pipeline.md
 * describes each table's flows.  Everything that names a table number, a
 * register bit or a zone takes it from here.
 */
#ifndef TABLES_H
#define TABLES_H 1

#include <assert.h>

enum pipeline_table {
    TABLE_CLASSIFIER = 0,       /* by in_port: pod, gateway, tunnel, uplink */
    TABLE_SPOOF_GUARD = 10,     /* pod source MAC/IP, ARP and ND fields */
    TABLE_ARP_RESPONDER = 11,   /* ARP and ND answered in OVS, never flooded */
    TABLE_CT_ZONE = 20,         /* ct() into the pod zone */
    TABLE_CT_STATE = 21,        /* drop invalid; established skip ahead */
    TABLE_SERVICE_AFFINITY = 29, /* learned ClientIP affinity (resubmit) */
    TABLE_SERVICE_LB = 30,      /* services (select groups) */
    TABLE_ENDPOINT_DNAT = 31,   /* ct(nat) to the chosen endpoint */
    TABLE_EGRESS_ADMIN = 35,    /* ClusterNetworkPolicy Admin tier, egress */
    TABLE_EGRESS_RULE = 40,     /* NetworkPolicy egress rules */
    TABLE_EGRESS_DEFAULT = 41,  /* egress default deny of isolated pods */
    TABLE_EGRESS_BASELINE = 42, /* ClusterNetworkPolicy Baseline, egress */
    TABLE_L3_FORWARDING = 50,   /* local pod: rewrite MACs, dec TTL */
    TABLE_L2_FORWARDING = 60,   /* dst MAC -> output port in reg1 */
    TABLE_INGRESS_ADMIN = 65,   /* ClusterNetworkPolicy Admin tier, ingress */
    TABLE_INGRESS_RULE = 70,    /* NetworkPolicy ingress rules */
    TABLE_INGRESS_DEFAULT = 71, /* ingress default deny of isolated pods */
    TABLE_INGRESS_BASELINE = 72, /* ClusterNetworkPolicy Baseline, ingress */
    TABLE_CT_COMMIT = 80,       /* commit new connections */
    TABLE_CONN_STATS = 85,      /* per-connection counters (flow export) */
    TABLE_OUTPUT = 90,          /* output to reg1 */
    TABLE_DROP = 95,            /* every drop: Traceflow and sampling see it */
};

/* reg0[0..3]: where the packet entered (enum port_class). */
#define REG_PORT_CLASS_REG 0
#define REG_PORT_CLASS_OFS 0
#define REG_PORT_CLASS_BITS 4
#define REG_PORT_CLASS "NXM_NX_REG0[0..3]"
#define REG_PORT_CLASS_MASK 0xf

/* reg0[4]: a service endpoint is chosen (by a group bucket or a learned
 * affinity flow), named by reg3 (its IPv4 address) or xxreg2, that is
 * reg8..reg11 (its IPv6 address), reg4[0..15] (its port) and reg4[16..31]
 * (the service's load balancer id, svcflows.h).  No other stage uses
 * reg8..reg11. */
#define REG_EP_CHOSEN "NXM_NX_REG0[4]"
#define REG_EP_CHOSEN_MASK 0x10
#define REG_EP_IP "NXM_NX_REG3[]"
#define REG_EP_IP6 "NXM_NX_XXREG2[]"
#define REG_EP_PORT "NXM_NX_REG4[0..15]"
#define REG_LB_ID "NXM_NX_REG4[16..31]"

/* reg5: the affinity version of the service load balancer a new
 * connection's frontend belongs to (svcflows.h); learned affinity flows
 * match it, so those of an earlier version never choose again. */
#define REG_AFFINITY_VERSION "NXM_NX_REG5[]"

/* reg2[0..7]: the table that dropped the packet, for the Drop table's
 * observers (a trace's packet-in says where it died). */
#define REG_DROP_TABLE "NXM_NX_REG2[0..7]"
/* What a flow that drops does instead of "drop": printf format and
 * arguments for the dropping table's number. */
#define DROP_ACTIONS_FMT "load:%d->"REG_DROP_TABLE",goto_table:%d"
#define DROP_ACTIONS_ARGS(TABLE) (int) (TABLE), TABLE_DROP

/* reg6 and reg7: the id of the policy rule whose action the packet took,
 * egress and ingress (polflows.h; the isolation flows' owner ids 1 and 2
 * for default deny), 0 when no rule applied.  A new connection's pair is
 * committed into its conntrack label (CT_LABEL_*), so the flow exporter
 * tells which rules allowed it. */
#define REG_EGRESS_RULE_REG 6
#define REG_INGRESS_RULE_REG 7
#define REG_EGRESS_RULE "NXM_NX_REG6[]"
#define REG_INGRESS_RULE "NXM_NX_REG7[]"
#define CT_LABEL_EGRESS_RULE "NXM_NX_CT_LABEL[0..31]"
#define CT_LABEL_INGRESS_RULE "NXM_NX_CT_LABEL[32..63]"

/* Traceflow's trace packets carry their tag in the IP DSCP field.  Tags
 * are odd DSCP values from 3 up: every standard code point is even
 * (RFC 2474, 2597, 3246, 5865) and 1 is the Lower Effort PHB (RFC 8622).
 * A trace's flows match the tag together with its source address, so
 * live traffic is never taken for a trace. */
#define TRACE_DSCP_FIRST 3
#define TRACE_DSCP_LAST 63
#define TRACE_N_TAGS ((TRACE_DSCP_LAST - TRACE_DSCP_FIRST) / 2 + 1)
/* A trace packet that goes on through the tunnel carries this tunnel key
 * (live traffic carries 0); the receiving node marks it in reg0[5] and
 * reports it to the controller instead of delivering or dropping it. */
#define TRACE_TUN_ID 0x5eeace
#define REG_TRACE_RX "NXM_NX_REG0[5]"
#define REG_TRACE_RX_MASK 0x20

/* reg0[6]: the packet takes no conntrack pass for policy: neither of its
 * local pods is isolated and no service translates it (ConntrackZone, or
 * a service endpoint's packet conntrack knows no connection of).  The
 * policy stages and ConntrackCommit let it through untouched: an
 * untracked packet is never judged as "new" nor committed. */
#define REG_UNTRACKED "NXM_NX_REG0[6]"
#define REG_UNTRACKED_MASK 0x40

/* reg0[7]: the packet is tracked because a local pod of it is isolated or
 * selected by a policy.  Such a pod's connections may have begun while it
 * was not (untracked): ConntrackState drops their TCP packets that
 * conntrack would pick up from the middle. */
#define REG_POLICY_TRACKED "NXM_NX_REG0[7]"
#define REG_POLICY_TRACKED_MASK 0x80

/* reg0[8]: ARPResponder has turned a neighbour solicitation into its
 * advertisement and resubmitted it to itself: the target link-layer
 * address can be written only by a flow that matches an advertisement
 * (OpenFlow's prerequisites are checked against the match). */
#define REG_ND_REPLY "NXM_NX_REG0[8]"
#define REG_ND_REPLY_MASK 0x100

/* ConntrackZone's priorities.  What needs conntrack is tracked at
 * CT_POD_PRIORITY (a local pod some policy isolates or selects, marked
 * REG_POLICY_TRACKED) or CT_FRONTEND_PRIORITY (a service frontend; an
 * isolated pod's packet to a frontend is the pod's); what may be a
 * service's reply (from an endpoint's address and port) at
 * CT_REPLY_PRIORITY, marked REG_UNTRACKED unless conntrack knows its
 * connection; everything else, below, takes no pass.  With conntrack
 * forced for everything (flow export), one flow per family at
 * CT_ALL_PRIORITY tracks every IP packet and hides the others. */
#define CT_ALL_PRIORITY 106
#define CT_POD_PRIORITY 105
#define CT_FRONTEND_PRIORITY 104
#define CT_REPLY_PRIORITY 102
#define CT_BYPASS_PRIORITY 100
/* The action that tracks a packet in the pod zone (with its service NAT
 * applied or undone) and goes on in ConntrackState. */
#define CT_TRACK_ACTIONS_FMT "ct(table=%d,zone=%d,nat)"
#define CT_TRACK_ACTIONS_ARGS (int) TABLE_CT_STATE, CT_ZONE_POD

/* The meter that bounds how many packets a policy dropped go to the agent
 * for flow export (pipeline.h). */
#define METER_DENIED 1

/* reg1: the output port chosen by L2Forwarding. */
#define REG_OUT_PORT_REG 1
#define REG_OUT_PORT "NXM_NX_REG1[]"

enum port_class {
    PORT_CLASS_POD = 1,
    PORT_CLASS_GATEWAY = 2,
    PORT_CLASS_TUNNEL = 3,
    PORT_CLASS_UPLINK = 4,
};

/* Conntrack zone of pod traffic (policy state and service DNAT). */
#define CT_ZONE_POD 65001
/* Conntrack zone of the source NAT of hairpin service traffic (a pod
 * reaching itself through a service): the pod must not see its own
 * address as the source, so the source becomes HAIRPIN_IP. */
#define CT_ZONE_HAIRPIN 65002
#define HAIRPIN_IP "169.254.169.252"
/* Where the node's stack sends connections to a node port (nodeport.h):
 * routed into br-int through the gateway port, load-balanced by
 * ServiceLB. */
#define NODEPORT_IP "169.254.169.253"

/* In the first policy table of a direction, the flows that let traffic
 * skip every policy tier (established connections, the node's own
 * traffic) sit at and above this priority; policy rules stay below. */
#define POLICY_BYPASS_PRIORITY 40000

static_assert(PORT_CLASS_UPLINK <= REG_PORT_CLASS_MASK,
              "port classes must fit reg0[0..3]");
static_assert(!((REG_UNTRACKED_MASK | REG_POLICY_TRACKED_MASK)
                & (REG_PORT_CLASS_MASK | REG_EP_CHOSEN_MASK
                   | REG_TRACE_RX_MASK))
              && REG_UNTRACKED_MASK != REG_POLICY_TRACKED_MASK
              && !(REG_ND_REPLY_MASK
                   & (REG_PORT_CLASS_MASK | REG_EP_CHOSEN_MASK
                      | REG_TRACE_RX_MASK | REG_UNTRACKED_MASK
                      | REG_POLICY_TRACKED_MASK)),
              "reg0's fields must not overlap");
static_assert(REG_PORT_CLASS_REG != REG_OUT_PORT_REG,
              "the port class and output port registers must not overlap");
/* The table's name in the enum above, lower case without "TABLE_"
 * ("classifier", "spoof_guard"), or NULL for a number not in it: for
 * metrics and tools. */
static inline const char *
table_name(unsigned int table)
{
    switch (table) {
    case TABLE_CLASSIFIER: return "classifier";
    case TABLE_SPOOF_GUARD: return "spoof_guard";
    case TABLE_ARP_RESPONDER: return "arp_responder";
    case TABLE_CT_ZONE: return "ct_zone";
    case TABLE_CT_STATE: return "ct_state";
    case TABLE_SERVICE_AFFINITY: return "service_affinity";
    case TABLE_SERVICE_LB: return "service_lb";
    case TABLE_ENDPOINT_DNAT: return "endpoint_dnat";
    case TABLE_EGRESS_ADMIN: return "egress_admin";
    case TABLE_EGRESS_RULE: return "egress_rule";
    case TABLE_EGRESS_DEFAULT: return "egress_default";
    case TABLE_EGRESS_BASELINE: return "egress_baseline";
    case TABLE_L3_FORWARDING: return "l3_forwarding";
    case TABLE_L2_FORWARDING: return "l2_forwarding";
    case TABLE_INGRESS_ADMIN: return "ingress_admin";
    case TABLE_INGRESS_RULE: return "ingress_rule";
    case TABLE_INGRESS_DEFAULT: return "ingress_default";
    case TABLE_INGRESS_BASELINE: return "ingress_baseline";
    case TABLE_CT_COMMIT: return "ct_commit";
    case TABLE_CONN_STATS: return "conn_stats";
    case TABLE_OUTPUT: return "output";
    case TABLE_DROP: return "drop";
    default: return NULL;
    }
}

static_assert(TABLE_CLASSIFIER < TABLE_SPOOF_GUARD
              && TABLE_SPOOF_GUARD < TABLE_ARP_RESPONDER
              && TABLE_ARP_RESPONDER < TABLE_CT_ZONE
              && TABLE_CT_ZONE < TABLE_CT_STATE
              && TABLE_CT_STATE < TABLE_SERVICE_AFFINITY
              && TABLE_SERVICE_AFFINITY < TABLE_SERVICE_LB
              && TABLE_SERVICE_LB < TABLE_ENDPOINT_DNAT
              && TABLE_ENDPOINT_DNAT < TABLE_EGRESS_ADMIN
              && TABLE_EGRESS_ADMIN < TABLE_EGRESS_RULE
              && TABLE_EGRESS_RULE < TABLE_EGRESS_DEFAULT
              && TABLE_EGRESS_DEFAULT < TABLE_EGRESS_BASELINE
              && TABLE_EGRESS_BASELINE < TABLE_L3_FORWARDING
              && TABLE_L3_FORWARDING < TABLE_L2_FORWARDING
              && TABLE_L2_FORWARDING < TABLE_INGRESS_ADMIN
              && TABLE_INGRESS_ADMIN < TABLE_INGRESS_RULE
              && TABLE_INGRESS_RULE < TABLE_INGRESS_DEFAULT
              && TABLE_INGRESS_DEFAULT < TABLE_INGRESS_BASELINE
              && TABLE_INGRESS_BASELINE < TABLE_CT_COMMIT
              && TABLE_CT_COMMIT < TABLE_CONN_STATS
              && TABLE_CONN_STATS < TABLE_OUTPUT
              && TABLE_OUTPUT < TABLE_DROP,
              "goto_table only moves forward: tables must be in pipeline order");

#endif /* tables.h */
