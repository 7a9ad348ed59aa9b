/*
 * polflows: network policy rules compiled into OpenFlow conjunctive
 * matches.  A rule says: for traffic between the pods it applies to and
 * its peers, on its ports, do its action.  Its flows are
 *
 *   clause 1: the pods it applies to  (egress: nw_src=POD, ingress:
 *             nw_dst=POD)
 *   clause 2: its peers               (egress: nw_dst=CIDR, ingress:
 *             nw_src=CIDR), left out when the rule has any peer
 *   clause 3: its ports               (tcp/udp/sctp tp_dst, port ranges as
 *             bitwise masks), left out when the rule has any port
 *   conj_id=ID -> the action
 *
 * so a rule with A pods, N peers and M ports costs about A+N+M+1 flows,
 * not A*N*M.  A clause flow shared by several rules (the same pod in many
 * rules) is one flow with one conjunction() action per rule; flowtab keeps
 * track of who contributed which (flowtab_add_conj()).  The conj_id flow is
 * the rule's own, so its packet and byte counters are the rule's.
 *
 * A rule with any peer and any port has one dimension, and a conjunction
 * needs two: it gets one direct flow per pod instead ("ip,nw_src=POD
 * actions=ACTION"), owned by the rule.
 *
 * A pod's IPv6 address and an IPv6 peer give the same flows with
 * "ipv6,ipv6_src=" and "ipv6,ipv6_dst=", in the same clauses of the same
 * conjunction; a rule with IPv6 pods also gets "tcp6,tp_dst=" twins of its
 * port clauses (and "ipv6" beside "ip"), since "tcp" means IPv4 TCP.  A
 * packet matches clause flows of its own family only, so an IPv6 pod
 * clause never completes with an IPv4 peer.
 *
 * Canonical flow shapes, for egress (ingress swaps nw_src and nw_dst):
 *
 *   ip,nw_src=POD                    actions=conjunction(ID,1/N)
 *   ip,nw_dst=NET/PLEN               actions=conjunction(ID,2/N)
 *   tcp,tp_dst=PORT                  actions=conjunction(ID,N/N)
 *   tcp,tp_dst=0x3e8/0xfff8          (a block of a port range)
 *   tcp                              (port 0: every TCP port)
 *   conj_id=ID                       actions=load:ID->REG,goto_table:T
 *                                    | load:ID->REG,load:TABLE->reg2[0..7],
 *                                      goto_table:Drop
 *
 * (REG: reg6 on egress, reg7 on ingress, tables.h: the rule a packet
 * took is known downstream) all in the rule's table at the rule's
 * priority, as OVS requires of the
 * flows of one conjunction.  OVS also requires that at one priority of
 * one table a packet complete at most one conjunction: rules that may
 * overlap must either have the same action or different priorities.
 * Two rules whose direct flows, or one rule's direct flow and another's
 * clause flow, have the same match at the same priority cannot both be
 * set (-EEXIST from flowtab).
 */
#ifndef POLFLOWS_H
#define POLFLOWS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct flowtab;
struct ofconn;

enum polflows_dir {
    POLFLOWS_INGRESS,
    POLFLOWS_EGRESS,
};

/* "ingress" or "egress", as Kubernetes spells the directions. */
const char *polflows_dir_name(enum polflows_dir);

enum polflows_action {
    POLFLOWS_ALLOW,         /* goto next_table (skips later rules) */
    POLFLOWS_DENY,          /* to the Drop table */
    POLFLOWS_PASS,          /* goto pass_table (the next tier) */
};

struct polflows_cidr {
    struct in_addr addr;    /* network byte order, host bits zero */
    int plen;               /* 0..32 */
};

struct polflows_cidr6 {
    struct in6_addr addr;   /* host bits zero */
    int plen;               /* 0..128 */
};

struct polflows_port {
    uint8_t proto;          /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
    uint16_t port;          /* 0: every port of 'proto' */
    uint16_t end_port;      /* 0 or == port: one port; else a range */
};

struct polflows_rule {
    uint32_t id;            /* conjunction id, unique per rule, not 0; also
                             * the cookie owner id (COOKIE_KIND_POLICY) */
    enum polflows_dir dir;
    enum polflows_action action;
    uint8_t table;          /* where the rule's flows go */
    uint16_t priority;      /* within 'table' */
    uint8_t next_table;     /* ALLOW target */
    uint8_t pass_table;     /* PASS target */
    const struct in_addr *pods;     /* the local pods it applies to */
    size_t n_pods;
    const struct in6_addr *pods6;   /* their IPv6 addresses */
    size_t n_pods6;
    bool any_peer;          /* true: no peer clause */
    const struct polflows_cidr *peers;
    size_t n_peers;
    const struct polflows_cidr6 *peers6;
    size_t n_peers6;
    bool any_port;          /* true: no port clause */
    const struct polflows_port *ports;
    size_t n_ports;
};

/* Replaces the flows of rule 'rule->id'.  A rule with no pods (of either
 * family), or with neither any_peer nor a peer, or neither any_port nor a port, matches
 * nothing and has no flows.  0, -EINVAL (id 0, a target table not after
 * 'table', a prefix length out of range, a protocol other than TCP, UDP or
 * SCTP, end_port < port) or -EEXIST (see above); on error the rule has no
 * flows. */
int polflows_set_rule(struct flowtab *, const struct polflows_rule *);
void polflows_remove_rule(struct flowtab *, uint32_t id);

/* Local pods' addresses, of both families. */
struct polflows_pods {
    const struct in_addr *v4;
    size_t n_v4;
    const struct in6_addr *v6;
    size_t n_v6;
};

/* Default deny of isolated pods: in 'table', at 'priority', traffic of
 * each address of 'pods' in direction 'dir' is dropped ("ip,nw_src=POD",
 * "ipv6,ipv6_src=POD" on egress, to the Drop table with 'owner_id' in the
 * direction's rule register).  Replaces the previous set of 'owner_id'
 * (COOKIE_KIND_POLICY, the same id space as rule ids).  0 or -errno; on
 * error no flows. */
int polflows_set_isolation_pods(struct flowtab *, uint32_t owner_id,
                                enum polflows_dir, uint8_t table,
                                uint16_t priority,
                                const struct polflows_pods *);
/* The same for IPv4 addresses only. */
int polflows_set_isolation(struct flowtab *, uint32_t owner_id,
                           enum polflows_dir, uint8_t table,
                           uint16_t priority, const struct in_addr *pods,
                           size_t n_pods);

/* The local pods whose traffic takes a conntrack pass (tables.h,
 * ConntrackZone): every pod a policy isolates or selects, in both
 * directions ("ip,nw_src=POD" and "ip,nw_dst=POD", for an IPv6 address
 * "ipv6,ipv6_src=POD" and "ipv6,ipv6_dst=POD", marked REG_POLICY_TRACKED),
 * so that its new connections meet the policy stages and their replies are
 * established.  Replaces the previous set of 'owner_id'
 * (COOKIE_KIND_POLICY).  0 or -errno; on error no flows. */
int polflows_set_conntrack_pods(struct flowtab *, uint32_t owner_id,
                                const struct polflows_pods *);
/* The same for IPv4 addresses only. */
int polflows_set_conntrack(struct flowtab *, uint32_t owner_id,
                           const struct in_addr *pods, size_t n_pods);

/* The packet and byte counters of rule 'rule->id' in 'rule->table' (its
 * conj_id flow, or the sum of its direct flows), read from the switch.
 * 0 or -errno (-ENOENT: no such rule installed). */
int polflows_rule_stats(struct ofconn *, const struct polflows_rule *,
                        uint64_t *packets, uint64_t *bytes);

#endif /* polflows.h */
