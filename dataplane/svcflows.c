#include <config.h>
#include "svcflows.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "flowtab.h"
#include "tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(svcflows);

/* Priorities in ServiceLB and EndpointDNAT; the affinity hit and the
 * tables' pass-through are the pipeline's (pipeline.c). */
#define SVCFLOWS_FRONTEND_PRIORITY 200
#define SVCFLOWS_DNAT_PRIORITY 200
#define SVCFLOWS_RECHOOSE_PRIORITY 100
#define SVCFLOWS_LEARNED_PRIORITY 100

/* OpenFlow names of a protocol's match and destination port field. */
struct proto_names {
    const char *match;          /* "tcp" */
    const char *dst_field;      /* the learn spec's field */
};

static const struct proto_names *
proto_names(uint8_t proto)
{
    static const struct proto_names tcp = { "tcp", "NXM_OF_TCP_DST[]" };
    static const struct proto_names udp = { "udp", "NXM_OF_UDP_DST[]" };
    static const struct proto_names sctp = { "sctp", "OXM_OF_SCTP_DST[]" };

    switch (proto) {
    case IPPROTO_TCP:
        return &tcp;
    case IPPROTO_UDP:
        return &udp;
    case IPPROTO_SCTP:
        return &sctp;
    default:
        return NULL;
    }
}

uint64_t
svcflows_owner(uint16_t id)
{
    return cookie_owner(COOKIE_KIND_SERVICE, id);
}

static const char *
ip_str(struct in_addr ip, char buf[INET_ADDRSTRLEN])
{
    return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

/* The value of reg4 for endpoint port 'port' of load balancer 'id'. */
static uint32_t
reg4_value(uint16_t id, uint16_t port)
{
    return ((uint32_t) id << 16) | port;
}

/* "learn(...)," when 'lb' has affinity, else "". */
static char *
learn_action(const struct svcflows_lb *lb, const struct proto_names *names)
{
    if (!lb->affinity_timeout) {
        return xstrdup("");
    }
    return xasprintf("learn(table=%d,idle_timeout=%"PRIu32",priority=%d,"
                  "eth_type=0x800,nw_proto=%u,NXM_OF_IP_SRC[],"
                  "NXM_OF_IP_DST[],%s,load:"REG_EP_IP"->"REG_EP_IP","
                  "load:NXM_NX_REG4[]->NXM_NX_REG4[],"
                  "load:0x1->"REG_EP_CHOSEN"),",
                  TABLE_SERVICE_AFFINITY, lb->affinity_timeout,
                  SVCFLOWS_LEARNED_PRIORITY, lb->proto, names->dst_field);
}

/* "type=select,bucket=...": one bucket per endpoint. */
static char *
group_spec(const struct svcflows_lb *lb)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    /* dp_hash with its default algorithm (L4: the packet's RSS hash, or a
     * 5-tuple hash) spreads UDP by port too; the symmetric hash OVS picks
     * when no method is given leaves UDP ports out. */
    ds_put_cstr(&s, "type=select,selection_method=dp_hash");
    for (size_t i = 0; i < lb->n_endpoints; i++) {
        const struct svcflows_addr *ep = &lb->endpoints[i];

        ds_put_format(&s, ",bucket=actions=load:0x%"PRIx32"->"REG_EP_IP
                      ",load:0x%x->"REG_EP_PORT",load:0x%x->"REG_LB_ID
                      ",load:0x1->"REG_EP_CHOSEN",resubmit(,%d)",
                      ntohl(ep->addr.s_addr), ep->port, lb->id,
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

static void
add_frontends(struct builder *b, const struct svcflows_lb *lb,
              const struct proto_names *names)
{
    char ip[INET_ADDRSTRLEN];

    for (size_t i = 0; i < lb->n_frontends; i++) {
        const struct svcflows_addr *fe = &lb->frontends[i];

        if (lb->n_endpoints) {
            add_flow(b, TABLE_SERVICE_LB, SVCFLOWS_FRONTEND_PRIORITY,
                     "%s,nw_dst=%s,tp_dst=%u actions=group:%u", names->match,
                     ip_str(fe->addr, ip), fe->port, lb->id);
        } else {
            add_flow(b, TABLE_SERVICE_LB, SVCFLOWS_FRONTEND_PRIORITY,
                     "%s,nw_dst=%s,tp_dst=%u actions=controller",
                     names->match, ip_str(fe->addr, ip), fe->port);
        }
    }
}

static void
add_dnat(struct builder *b, const struct svcflows_lb *lb,
         const struct proto_names *names)
{
    char *learn = learn_action(lb, names);
    char ip[INET_ADDRSTRLEN];

    for (size_t i = 0; i < lb->n_endpoints; i++) {
        const struct svcflows_addr *ep = &lb->endpoints[i];

        ip_str(ep->addr, ip);
        add_flow(b, TABLE_ENDPOINT_DNAT, SVCFLOWS_DNAT_PRIORITY,
                 "%s,reg0=0x%x/0x%x,reg3=0x%"PRIx32",reg4=0x%"PRIx32
                 " actions=%sct(commit,table=%d,zone=%d,nat(dst=%s:%u))",
                 names->match, REG_EP_CHOSEN_MASK, REG_EP_CHOSEN_MASK,
                 ntohl(ep->addr.s_addr), reg4_value(lb->id, ep->port),
                 learn, TABLE_EGRESS_ADMIN, CT_ZONE_POD, ip, ep->port);
    }
    free(learn);
    if (lb->n_endpoints) {
        add_flow(b, TABLE_ENDPOINT_DNAT, SVCFLOWS_RECHOOSE_PRIORITY,
                 "%s,reg0=0x%x/0x%x,reg4=0x%"PRIx32"/0xffff0000"
                 " actions=group:%u", names->match, REG_EP_CHOSEN_MASK,
                 REG_EP_CHOSEN_MASK, reg4_value(lb->id, 0), lb->id);
    }
}

int
svcflows_set(struct flowtab *ft, const struct svcflows_lb *lb)
{
    const struct proto_names *names = proto_names(lb->proto);
    struct builder b = { .ft = ft, .owner = svcflows_owner(lb->id) };

    flowtab_remove_owner(ft, b.owner);
    if (!lb->id || !names || !lb->n_frontends) {
        return -EINVAL;
    }
    if (lb->n_endpoints) {
        char *spec = group_spec(lb);
        b.error = flowtab_add_group(ft, b.owner, lb->id, spec);
        free(spec);
    }
    add_frontends(&b, lb, names);
    add_dnat(&b, lb, names);
    if (b.error) {
        VLOG_WARN("service load balancer %u rejected: %s", lb->id,
                  ovs_strerror(-b.error));
        flowtab_remove_owner(ft, b.owner);
    }
    return b.error;
}

void
svcflows_remove(struct flowtab *ft, uint16_t id)
{
    flowtab_remove_owner(ft, svcflows_owner(id));
}
