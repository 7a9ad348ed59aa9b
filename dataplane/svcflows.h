/*
 * svcflows: a service load balancer compiled into an OpenFlow select group
 * and flows.  A load balancer is one protocol, a set of frontends
 * (address:port a client connects to: a cluster IP, an external IP, a load
 * balancer IP) and a set of endpoints (address:port of a ready backend).
 * Its id (1..65535) is its group id, its cookie owner id and the tag the
 * pipeline carries in reg4[16..31] while an endpoint is being chosen.
 *
 * Flows, for load balancer ID over TCP (tables.h):
 *
 *   ConntrackZone  tcp,nw_dst=FRONTEND,tp_dst=FPORT
 *                      actions=ct(table=ConntrackState,zone=POD,nat)
 *                  tcp,nw_src=EP,tp_src=EPORT  (and icmp,nw_src=EP)
 *                      actions=load:1->reg0[6],ct(...)
 *                  (svcflows_set_conntrack(), for all load balancers)
 *   ServiceLB      tcp,nw_dst=FRONTEND,tp_dst=FPORT  actions=group:ID
 *                  (with no endpoint: actions=controller, and the agent
 *                  answers the packet with a TCP RST or an ICMP port
 *                  unreachable; with affinity:
 *                  load:ID->reg4[16..31],load:VERSION->reg5,
 *                  resubmit(,ServiceAffinity),goto_table:EndpointDNAT)
 *   group ID       type=select, one bucket per endpoint:
 *                  load:EP->reg3,load:EPORT->reg4[0..15],load:ID->reg4[16..31],
 *                  load:1->reg0[4],[learn(...)],resubmit(,EndpointDNAT)
 *   EndpointDNAT   tcp,reg0[4]=1,reg3=EP,reg4=ID:EPORT
 *                      actions=ct(commit,table=EgressAdmin,zone=POD,
 *                                 nat(dst=EP:EPORT))
 *                  tcp,reg4[16..31]=ID  actions=group:ID
 *                  (no learned affinity flow chose, or the endpoint it
 *                  named is gone: choose)
 *
 * An IPv6 load balancer ('ipv6') has the same flows in the IPv6 words:
 * tcp6 (udp6, sctp6), ipv6_dst and ipv6_src, icmp6 for the errors; its
 * buckets load the endpoint's address into xxreg2 (REG_EP_IP6) and its
 * DNAT flows match xxreg2 and translate to [EP]:EPORT.  It has no
 * affinity (-EINVAL): a learned flow would match the client's IPv4
 * address.
 *
 * The group has no selection method: OVS then hashes the 5-tuple in the
 * datapath (dp_hash), so each new connection picks a bucket and its
 * packets after the first never see the group again: they are established
 * and skip the service tables (tables.h, CtState).  The DNAT is committed
 * at once, before the policy stages; a connection they drop gets no reply
 * and so stays "new" in conntrack, and every later packet of it meets the
 * policy again.
 *
 * ClientIP session affinity: each endpoint's DNAT flow also learns, into
 * ServiceAffinity, a flow matching the client address, the load balancer
 * id and its affinity version (reg5) that loads the same endpoint, with an
 * idle timeout of the affinity timeout.  A new connection to a frontend
 * of the load balancer meets those flows first; a hit skips the group.
 *
 * The affinity version is a hash of what a learned flow holds to: the
 * load balancer's id, protocol, frontends, timeout and 'affinity_salt'
 * (the caller's name for this incarnation of the Service).  The learned
 * flows carry cookie svcflows_learned_cookie(ID, VERSION), declared to the
 * flow table as a learned set (flowtab_add_learned()): once the load
 * balancer is gone, has no affinity or another version, the commit that
 * says so also deletes them.  The version in the match is what makes that
 * safe: ovs-vswitchd re-creates a deleted learned flow when a cached
 * datapath flow that learned it pushes its statistics, and such a revenant
 * never matches a frontend of another version.  An endpoint that leaves
 * needs neither: its DNAT flow is gone, so a learned flow naming it falls
 * through to the group, whose choice the DNAT flow learns anew.
 */
#ifndef SVCFLOWS_H
#define SVCFLOWS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct flowtab;

#define SVCFLOWS_MAX_ID 0xffff

/* An address and a port, in host byte order for the port: 'addr' in an
 * IPv4 load balancer, 'addr6' in an IPv6 one. */
struct svcflows_addr {
    struct in_addr addr;
    uint16_t port;
    struct in6_addr addr6;
};

struct svcflows_lb {
    uint16_t id;                            /* 1..SVCFLOWS_MAX_ID */
    uint8_t proto;                          /* IPPROTO_TCP, _UDP, _SCTP */
    const struct svcflows_addr *frontends;
    size_t n_frontends;
    const struct svcflows_addr *endpoints;  /* none: reject */
    size_t n_endpoints;
    uint32_t affinity_timeout;              /* seconds; 0: no affinity */
    uint32_t affinity_salt;                 /* the Service's incarnation */
    bool ipv6;                              /* addresses are 'addr6' */
};

/* The affinity version: 28 bits, beside the id in a learned cookie. */
#define SVCFLOWS_VERSION_BITS 28
#define SVCFLOWS_VERSION_MASK ((UINT32_C(1) << SVCFLOWS_VERSION_BITS) - 1)

/* The cookie (kind LEARNED, no round) of the affinity flows that load
 * balancer 'id' learns at affinity version 'version'. */
uint64_t svcflows_learned_cookie(uint16_t id, uint32_t version);

/* The cookie owner of load balancer 'id'. */
uint64_t svcflows_owner(uint16_t id);

/* Replaces the flows and group of 'lb->id' with those of 'lb'.  0, or
 * -errno (-EINVAL for a bad id, protocol, an empty frontend list or
 * affinity on IPv6; the flow table's errors) with nothing of 'lb' left in
 * the table. */
int svcflows_set(struct flowtab *, const struct svcflows_lb *lb);

/* The cookie owner of the load balancers' conntrack flows (id 0, which
 * no load balancer has). */
uint64_t svcflows_conntrack_owner(void);

/* Replaces the ConntrackZone flows (tables.h) of all load balancers
 * 'lbs': a packet to a frontend takes a conntrack pass, and so does one
 * from an endpoint's address and port (or ICMP from its address), which
 * may be the reply of a translated connection; if conntrack knows none,
 * it goes on untracked (REG_UNTRACKED).  Load balancers may share
 * endpoints: each flow is added once.  0 or -errno (nothing left). */
int svcflows_set_conntrack(struct flowtab *, const struct svcflows_lb *lbs,
                           size_t n_lbs);

/* Removes the flows and group of load balancer 'id'. */
void svcflows_remove(struct flowtab *, uint16_t id);

#endif /* svcflows.h */
