/*
 * ofptrace: the static half of Traceflow.  ovs-vswitchd's "ofproto/trace
 * BRIDGE FLOW" walks a flow (no packet is sent) through the OpenFlow
 * tables and answers in text; this asks for it on the poll loop, through
 * the control socket (vswitchctl.h), and reads the answer into the flows
 * the packet would hit, in order, and what the switch would do with it.
 *
 * The answer has a section for each pass through the datapath.  A ct()
 * with table= recirculates: OVS goes on in a new section as if conntrack
 * had answered (ct_state trk|new unless --ct-next says otherwise, and NAT
 * done by rewriting the addresses), so a trace of Seine's pipeline has at
 * least two, and the packet's fate is in the last one.  A recirculation
 * OVS cannot follow (after a dp_hash select group) ends the trace: the
 * last section's datapath actions then end in recirc().
 *
 * A result owns all it points to; ofptrace_result_destroy() frees it.
 */
#ifndef OFPTRACE_H
#define OFPTRACE_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the packet came to a table. */
enum ofptrace_step_kind {
    OFPTRACE_STEP_LOOKUP,       /* first lookup of a pass through a bridge */
    OFPTRACE_STEP_GOTO,         /* goto_table */
    OFPTRACE_STEP_RESUBMIT,     /* resubmit, e.g. from a group bucket */
    OFPTRACE_STEP_RECIRC,       /* resumed after recirculation (conntrack) */
};

/* One table the packet went through. */
struct ofptrace_step {
    char *bridge;
    size_t section;             /* index into ofptrace_result's sections */
    enum ofptrace_step_kind kind;
    uint8_t table_id;
    bool matched;               /* false: no flow matched (see 'notes') */
    int priority;               /* -1 when not matched */
    uint64_t cookie;            /* 0 when OVS showed none */
    char *match;                /* "ip,in_port=3", "" for a catch-all */
    char *actions;              /* the actions as traced, one a line, a
                                 * group's bucket and its actions too */
    char *notes;                /* what OVS said of them, one a line */
};

/* A field of a flow as OVS prints it: "reg0" "0x1", or a keyword such
 * as "tcp" with the value "". */
struct ofptrace_field {
    char *name;
    char *value;
};

/* One output in the datapath actions. */
struct ofptrace_output {
    uint32_t port;              /* datapath port; of a tunnel, tnl_port */
    bool tunnel;                /* tnl_push: encapsulated to 'tun_dst' */
    struct in6_addr tun_src;    /* IPv4 as a mapped IPv6 address */
    struct in6_addr tun_dst;
};

/* One pass through the datapath. */
struct ofptrace_section {
    char *resume;               /* "recirc(0x1) - resume conntrack with..."
                                 * line; NULL for the first pass */
    char *flow;                 /* the flow the pass starts with */
    struct ofptrace_field *final_flow;  /* at the end of the pass */
    size_t n_final_flow;
    char *megaflow;
    char *dp_actions;           /* "Datapath actions:" as OVS gave them */
    bool dropped;               /* no output, recirculation or userspace
                                 * action ("drop"), or failed */
    struct ofptrace_output *outputs;
    size_t n_outputs;
    bool ct;                    /* a ct() action */
    bool recirc;                /* recirculates, as 'recirc_id' */
    uint32_t recirc_id;
    char *error;                /* "Translation failed (...)..." or NULL */
};

struct ofptrace_result {
    char *text;                 /* the answer as OVS gave it */
    struct ofptrace_step *steps;
    size_t n_steps;
    struct ofptrace_section *sections;  /* at least one */
    size_t n_sections;
};

/* Asks the ovs-vswitchd of 'rundir' to trace 'flow' (ovs-ofctl's flow
 * syntax, e.g. "tcp,in_port=3,nw_dst=10.244.1.4,tp_dst=80") through
 * 'bridge'; NULL when its control socket cannot be opened. */
struct ofptrace *ofptrace_start(const char *rundir, const char *bridge,
                                const char *flow, int timeout_ms);
/* The same, with the conntrack states the recirculations after ct()
 * resume with, in order ("trk,est", as ofproto/trace's --ct-next takes
 * them); the ones after them resume with trk|new. */
struct ofptrace *ofptrace_start_ct(const char *rundir, const char *bridge,
                                   const char *flow,
                                   const char *const ct_next[],
                                   size_t n_ct_next, int timeout_ms);
/* -EINPROGRESS until ovs-vswitchd has answered; then 0 with '*resultp'
 * (the caller destroys it), or -errno: -ETIMEDOUT, -EIO when it refused
 * (no such bridge, a flow it cannot parse: '*errp' is what it said, for
 * the caller to free, or NULL), -EINVAL when the answer is not a trace;
 * the trace is freed. */
int ofptrace_finish(struct ofptrace *, struct ofptrace_result **resultp,
                    char **errp);
void ofptrace_wait(struct ofptrace *);
void ofptrace_abandon(struct ofptrace *);

/* Reads ofproto/trace's answer 'text': 0 and '*resultp', or -EINVAL for
 * anything else (truncated, garbage), with '*resultp' NULL. */
int ofptrace_parse(const char *text, struct ofptrace_result **resultp);
void ofptrace_result_destroy(struct ofptrace_result *);

/* The last section: where the packet ends. */
const struct ofptrace_section *ofptrace_final(const struct ofptrace_result *);
/* The value of field 'name' in the section's final flow, or NULL. */
const char *ofptrace_section_field(const struct ofptrace_section *,
                                   const char *name);
/* Register 'reg' (0..15) in the section's final flow; OVS leaves out a
 * register that is 0. */
uint32_t ofptrace_section_reg(const struct ofptrace_section *, int reg);

#endif /* ofptrace.h */
