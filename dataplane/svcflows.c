#include <config.h>
#include "dataplane/svcflows.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/tables.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(svcflows);

/* Priorities in ServiceLB and EndpointDNAT; the affinity hit and the
 * tables' pass-through are the pipeline's (pipeline.c). */
#define SVCFLOWS_FRONTEND_PRIORITY 200
#define SVCFLOWS_DNAT_PRIORITY 200
#define SVCFLOWS_RECHOOSE_PRIORITY 100
#define SVCFLOWS_LEARNED_PRIORITY 100

/* The words of a load balancer's flows in its address family. */
struct lb_family {
    const char *tcp, *udp, *sctp;
    const char *src, *dst;
    const char *icmp;
    const char *ep_reg;             /* the chosen endpoint's address */
    const char *ep_match;           /* ... as a match field */
};

static const struct lb_family family4 = {
    "tcp", "udp", "sctp", "nw_src", "nw_dst", "icmp", REG_EP_IP, "reg3",
};
static const struct lb_family family6 = {
    "tcp6", "udp6", "sctp6", "ipv6_src", "ipv6_dst", "icmp6", REG_EP_IP6,
    "xxreg2",
};

static const struct lb_family *
lb_family(const struct svcflows_lb *lb)
{
    return lb->ipv6 ? &family6 : &family4;
}

/* The OpenFlow match name of a protocol ("tcp", "tcp6"), or NULL. */
static const char *
proto_match(const struct svcflows_lb *lb)
{
    const struct lb_family *fam = lb_family(lb);

    switch (lb->proto) {
    case IPPROTO_TCP:
        return fam->tcp;
    case IPPROTO_UDP:
        return fam->udp;
    case IPPROTO_SCTP:
        return fam->sctp;
    default:
        return NULL;
    }
}

uint64_t
svcflows_owner(uint16_t id)
{
    return cookie_owner(COOKIE_KIND_SERVICE, id);
}

/* The address of 'a' in load balancer 'lb', for a match. */
static const char *
ip_str(const struct svcflows_lb *lb, const struct svcflows_addr *a,
       char buf[INET6_ADDRSTRLEN])
{
    return (lb->ipv6
            ? inet_ntop(AF_INET6, &a->addr6, buf, INET6_ADDRSTRLEN)
            : inet_ntop(AF_INET, &a->addr, buf, INET6_ADDRSTRLEN));
}

/* The address of 'a' as the hexadecimal value of its register: 8 digits
 * for IPv4 (without leading zeros), 32 for IPv6. */
static void
put_reg_value(struct ds *s, const struct svcflows_lb *lb,
              const struct svcflows_addr *a)
{
    if (!lb->ipv6) {
        ds_put_format(s, "0x%"PRIx32, ntohl(a->addr.s_addr));
        return;
    }
    ds_put_cstr(s, "0x");
    for (size_t i = 0; i < sizeof a->addr6.s6_addr; i++) {
        ds_put_format(s, "%02x", a->addr6.s6_addr[i]);
    }
}

/* The address of 'a' as a ct(nat) destination: "EP:PORT", "[EP]:PORT". */
static void
put_nat_dst(struct ds *s, const struct svcflows_lb *lb,
            const struct svcflows_addr *a)
{
    char ip[INET6_ADDRSTRLEN];

    ds_put_format(s, lb->ipv6 ? "[%s]:%u" : "%s:%u", ip_str(lb, a, ip),
                  a->port);
}

/* The value of reg4 for endpoint port 'port' of load balancer 'id'. */
static uint32_t
reg4_value(uint16_t id, uint16_t port)
{
    return ((uint32_t) id << 16) | port;
}

/* What an affinity flow learned for 'lb' holds to: the load balancer's
 * incarnation, protocol, frontends and timeout.  Never 0. */
static uint32_t
affinity_version(const struct svcflows_lb *lb)
{
    uint32_t h = hash_int(lb->affinity_salt, lb->id);

    h = hash_int(lb->proto, h);
    h = hash_int(lb->affinity_timeout, h);
    for (size_t i = 0; i < lb->n_frontends; i++) {
        h = hash_int(lb->frontends[i].addr.s_addr, h);
        h = hash_int(lb->frontends[i].port, h);
    }
    h &= SVCFLOWS_VERSION_MASK;
    return h ? h : 1;
}

uint64_t
svcflows_learned_cookie(uint16_t id, uint32_t version)
{
    return cookie_owner(COOKIE_KIND_LEARNED,
                        ((uint64_t) id << SVCFLOWS_VERSION_BITS)
                        | (version & SVCFLOWS_VERSION_MASK));
}

/* "learn(...)," when 'lb' has affinity, else "". */
static char *
learn_action(const struct svcflows_lb *lb, uint32_t version)
{
    if (!lb->affinity_timeout) {
        return xstrdup("");
    }
    return xasprintf("learn(table=%d,idle_timeout=%"PRIu32",priority=%d,"
                     "cookie=%#"PRIx64",eth_type=0x800,nw_proto=%u,"
                     "NXM_OF_IP_SRC[],"REG_LB_ID","REG_AFFINITY_VERSION","
                     "load:"REG_EP_IP"->"REG_EP_IP","
                     "load:NXM_NX_REG4[]->NXM_NX_REG4[],"
                     "load:0x1->"REG_EP_CHOSEN"),",
                     TABLE_SERVICE_AFFINITY, lb->affinity_timeout,
                     SVCFLOWS_LEARNED_PRIORITY,
                     svcflows_learned_cookie(lb->id, version), lb->proto);
}

/* "type=select,bucket=...": one bucket per endpoint. */
static char *
group_spec(const struct svcflows_lb *lb)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    /* dp_hash with its default algorithm (L4: the packet's RSS hash, or a
     * 5-tuple hash) spreads UDP by port too; the symmetric hash OVS picks
     * when no method is given leaves UDP ports out.  With affinity the
     * choice hashes the client's address alone: until ovs-vswitchd has
     * revalidated the datapath flows that missed before a client's first
     * connection was learned (up to a main-loop iteration after it), later
     * connections still pass the group, and must choose the same. */
    ds_put_cstr(&s, lb->affinity_timeout
                    ? "type=select,selection_method=hash,fields=ip_src"
                    : "type=select,selection_method=dp_hash");
    for (size_t i = 0; i < lb->n_endpoints; i++) {
        const struct svcflows_addr *ep = &lb->endpoints[i];

        ds_put_cstr(&s, ",bucket=actions=load:");
        put_reg_value(&s, lb, ep);
        ds_put_format(&s, "->%s,load:0x%x->"REG_EP_PORT",load:0x%x->"
                      REG_LB_ID",load:0x1->"REG_EP_CHOSEN",resubmit(,%d)",
                      lb_family(lb)->ep_reg, ep->port, lb->id,
                      TABLE_ENDPOINT_DNAT);
    }
    return ds_steal_cstr(&s);
}

struct builder {
    struct flowtab *ft;
    uint64_t owner;
    int error;
};

static void __attribute__((format(printf, 4, 5)))
add_flow(struct builder *b, uint8_t table, uint16_t priority,
         const char *fmt, ...)
{
    va_list args;
    char *text, *actions;

    if (b->error) {
        return;
    }
    va_start(args, fmt);
    text = xvasprintf(fmt, args);
    va_end(args);
    actions = strstr(text, " actions=");
    *actions = '\0';
    b->error = flowtab_add_flow(b->ft, b->owner, table, priority, text,
                                actions + strlen(" actions="));
    free(text);
}

/* The actions of a frontend: with affinity, the learned flows of this
 * version may choose the endpoint, and EndpointDNAT asks the group when
 * none did. */
static char *
frontend_actions(const struct svcflows_lb *lb, uint32_t version)
{
    if (!lb->n_endpoints) {
        return xstrdup("controller");
    }
    if (!lb->affinity_timeout) {
        return xasprintf("group:%u", lb->id);
    }
    return xasprintf("load:0x%x->"REG_LB_ID",load:0x%"PRIx32"->"
                     REG_AFFINITY_VERSION",resubmit(,%d),goto_table:%d",
                     lb->id, version, TABLE_SERVICE_AFFINITY,
                     TABLE_ENDPOINT_DNAT);
}

static void
add_frontends(struct builder *b, const struct svcflows_lb *lb,
              const char *proto, uint32_t version)
{
    char *actions = frontend_actions(lb, version);
    char ip[INET6_ADDRSTRLEN];

    for (size_t i = 0; i < lb->n_frontends; i++) {
        const struct svcflows_addr *fe = &lb->frontends[i];

        add_flow(b, TABLE_SERVICE_LB, SVCFLOWS_FRONTEND_PRIORITY,
                 "%s,%s=%s,tp_dst=%u actions=%s", proto, lb_family(lb)->dst,
                 ip_str(lb, fe, ip), fe->port, actions);
    }
    free(actions);
}

static void
add_dnat(struct builder *b, const struct svcflows_lb *lb, const char *proto,
         uint32_t version)
{
    char *learn = learn_action(lb, version);
    struct ds ep_reg = DS_EMPTY_INITIALIZER;
    struct ds nat = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < lb->n_endpoints; i++) {
        const struct svcflows_addr *ep = &lb->endpoints[i];

        ds_clear(&ep_reg);
        put_reg_value(&ep_reg, lb, ep);
        ds_clear(&nat);
        put_nat_dst(&nat, lb, ep);
        add_flow(b, TABLE_ENDPOINT_DNAT, SVCFLOWS_DNAT_PRIORITY,
                 "%s,reg0=0x%x/0x%x,%s=%s,reg4=0x%"PRIx32
                 " actions=%sct(commit,table=%d,zone=%d,nat(dst=%s))",
                 proto, REG_EP_CHOSEN_MASK, REG_EP_CHOSEN_MASK,
                 lb_family(lb)->ep_match, ds_cstr(&ep_reg),
                 reg4_value(lb->id, ep->port), learn, TABLE_EGRESS_ADMIN,
                 CT_ZONE_POD, ds_cstr(&nat));
    }
    ds_destroy(&ep_reg);
    ds_destroy(&nat);
    free(learn);
    if (lb->n_endpoints) {
        add_flow(b, TABLE_ENDPOINT_DNAT, SVCFLOWS_RECHOOSE_PRIORITY,
                 "%s,reg4=0x%"PRIx32"/0xffff0000 actions=group:%u", proto,
                 reg4_value(lb->id, 0), lb->id);
    }
}

int
svcflows_set(struct flowtab *ft, const struct svcflows_lb *lb)
{
    const char *proto = proto_match(lb);
    struct builder b = { .ft = ft, .owner = svcflows_owner(lb->id) };

    flowtab_remove_owner(ft, b.owner);
    if (!lb->id || !proto || !lb->n_frontends
        || (lb->ipv6 && lb->affinity_timeout)) {
        return -EINVAL;
    }
    uint32_t version = affinity_version(lb);
    if (lb->affinity_timeout && lb->n_endpoints) {
        b.error = flowtab_add_learned(ft, b.owner, TABLE_SERVICE_AFFINITY,
                                      svcflows_learned_cookie(lb->id,
                                                              version));
    }
    if (lb->n_endpoints) {
        char *spec = group_spec(lb);
        b.error = flowtab_add_group(ft, b.owner, lb->id, spec);
        free(spec);
    }
    add_frontends(&b, lb, proto, version);
    add_dnat(&b, lb, proto, version);
    if (b.error) {
        VLOG_WARN("service load balancer %u rejected: %s", lb->id,
                  ovs_strerror(-b.error));
        flowtab_remove_owner(ft, b.owner);
    }
    return b.error;
}

uint64_t
svcflows_conntrack_owner(void)
{
    return svcflows_owner(0);
}

/* Adds the flow 'match' at 'priority' unless an earlier load balancer
 * did. */
static void
add_conntrack_flow(struct builder *b, struct sset *seen, uint16_t priority,
                   char *match, const char *actions)
{
    if (!sset_contains(seen, match)) {
        add_flow(b, TABLE_CT_ZONE, priority, "%s actions=%s", match,
                 actions);
        sset_add(seen, match);
    }
    free(match);
}

static void
add_lb_conntrack(struct builder *b, struct sset *seen,
                 const struct svcflows_lb *lb, const char *track,
                 const char *reply)
{
    const struct lb_family *fam = lb_family(lb);
    const char *proto = proto_match(lb);
    char ip[INET6_ADDRSTRLEN];

    for (size_t i = 0; proto && i < lb->n_frontends; i++) {
        const struct svcflows_addr *fe = &lb->frontends[i];
        add_conntrack_flow(b, seen, CT_FRONTEND_PRIORITY,
                           xasprintf("%s,%s=%s,tp_dst=%u", proto, fam->dst,
                                     ip_str(lb, fe, ip), fe->port),
                           track);
    }
    for (size_t i = 0; proto && i < lb->n_endpoints; i++) {
        const struct svcflows_addr *ep = &lb->endpoints[i];
        ip_str(lb, ep, ip);
        add_conntrack_flow(b, seen, CT_REPLY_PRIORITY,
                           xasprintf("%s,%s=%s,tp_src=%u", proto, fam->src,
                                     ip, ep->port), reply);
        /* ICMP errors about a translated connection come from the
         * endpoint's address. */
        add_conntrack_flow(b, seen, CT_REPLY_PRIORITY,
                           xasprintf("%s,%s=%s", fam->icmp, fam->src, ip),
                           reply);
    }
}

int
svcflows_set_conntrack(struct flowtab *ft, const struct svcflows_lb *lbs,
                       size_t n_lbs)
{
    struct builder b = { .ft = ft, .owner = svcflows_conntrack_owner() };
    struct sset seen = SSET_INITIALIZER(&seen);
    char *track = xasprintf(CT_TRACK_ACTIONS_FMT, CT_TRACK_ACTIONS_ARGS);
    char *reply = xasprintf("load:1->"REG_UNTRACKED","CT_TRACK_ACTIONS_FMT,
                            CT_TRACK_ACTIONS_ARGS);

    flowtab_remove_owner(ft, b.owner);
    for (size_t i = 0; i < n_lbs && !b.error; i++) {
        add_lb_conntrack(&b, &seen, &lbs[i], track, reply);
    }
    if (b.error) {
        VLOG_WARN("service conntrack flows rejected: %s",
                  ovs_strerror(-b.error));
        flowtab_remove_owner(ft, b.owner);
    }
    sset_destroy(&seen);
    free(track);
    free(reply);
    return b.error;
}

void
svcflows_remove(struct flowtab *ft, uint16_t id)
{
    flowtab_remove_owner(ft, svcflows_owner(id));
}
