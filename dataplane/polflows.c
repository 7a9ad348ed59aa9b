#include <config.h>
#include "dataplane/polflows.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(polflows);

const char *
polflows_dir_name(enum polflows_dir dir)
{
    return dir == POLFLOWS_INGRESS ? "ingress" : "egress";
}

/*
 * A rule owns, under cookie_owner(COOKIE_KIND_POLICY, id), only the flows
 * nobody else can want: its conj_id flow.  Its clause flows are contributions to flows that
 * flowtab shares between rules (flowtab_add_conj()), so setting or
 * removing one rule never disturbs another's conjunction.
 *
 * Clause numbers follow the dimensions the rule has, in the order pods,
 * peers, ports: a rule with any peer has pods 1/2 and ports 2/2.
 */

struct rule_builder {
    struct flowtab *ft;
    const struct polflows_rule *rule;
    uint64_t owner;
    uint8_t n_clauses;
    int error;
};

/* The match on one address of either family as a packet's source or
 * destination, "ip,nw_src=A" or "ipv6,ipv6_src=A", with "/PLEN" for a
 * prefix ('plen' >= 0): every flow text naming an address comes from here,
 * so the two families' flows are twins. */
static char *
addr_match(int family, const void *addr, int plen, bool src)
{
    bool v6 = family == AF_INET6;
    const char *field = (v6 ? (src ? "ipv6_src" : "ipv6_dst")
                         : (src ? "nw_src" : "nw_dst"));
    char buf[INET6_ADDRSTRLEN];
    struct ds s = DS_EMPTY_INITIALIZER;

    inet_ntop(family, addr, buf, sizeof buf);
    ds_put_format(&s, "%s,%s=%s", v6 ? "ipv6" : "ip", field, buf);
    if (plen >= 0) {
        ds_put_format(&s, "/%d", plen);
    }
    return ds_steal_cstr(&s);
}

/* The 'i'th address of 'pods', IPv4 ones first, and its family. */
static const void *
pods_addr(const struct polflows_pods *pods, size_t i, int *family)
{
    *family = i < pods->n_v4 ? AF_INET : AF_INET6;
    return (i < pods->n_v4 ? (const void *) &pods->v4[i]
            : (const void *) &pods->v6[i - pods->n_v4]);
}

static size_t
pods_count(const struct polflows_pods *pods)
{
    return pods->n_v4 + pods->n_v6;
}

/* Adds one clause flow; stops at the first error. */
static void __attribute__((format(printf, 3, 4)))
add_clause(struct rule_builder *b, uint8_t clause, const char *fmt, ...)
{
    const struct polflows_rule *r = b->rule;
    va_list args;

    if (b->error) {
        return;
    }
    va_start(args, fmt);
    char *match = xvasprintf(fmt, args);
    va_end(args);
    b->error = flowtab_add_conj(b->ft, b->owner, r->table, r->priority,
                                match, r->id, clause, b->n_clauses);
    free(match);
}

/* The register naming the rule a packet's direction took (tables.h). */
static const char *
rule_reg(enum polflows_dir dir)
{
    return dir == POLFLOWS_EGRESS ? REG_EGRESS_RULE : REG_INGRESS_RULE;
}

static char *
deny_actions(uint32_t id, enum polflows_dir dir, uint8_t table)
{
    return xasprintf("load:%"PRIu32"->%s,"DROP_ACTIONS_FMT, id,
                     rule_reg(dir), DROP_ACTIONS_ARGS(table));
}

/* Every rule's action first records the rule in its direction's register,
 * so Traceflow, the Drop table and the conntrack label know who decided;
 * a deny goes to the Drop table rather than dropping on the spot. */
static char *
rule_actions(const struct polflows_rule *r)
{
    switch (r->action) {
    case POLFLOWS_ALLOW:
        return xasprintf("load:%"PRIu32"->%s,goto_table:%u", r->id,
                         rule_reg(r->dir), r->next_table);
    case POLFLOWS_PASS:
        return xasprintf("load:%"PRIu32"->%s,goto_table:%u", r->id,
                         rule_reg(r->dir), r->pass_table);
    case POLFLOWS_DENY:
    default:
        return deny_actions(r->id, r->dir, r->table);
    }
}

/* The pod side of a packet is its source on egress, its destination on
 * ingress; the peer is the other side. */
static bool
pod_is_src(enum polflows_dir dir)
{
    return dir == POLFLOWS_EGRESS;
}

static const char *
proto_name(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    case IPPROTO_SCTP:
        return "sctp";
    default:
        return NULL;
    }
}

static int
validate_rule(const struct polflows_rule *r)
{
    if (!r->id) {
        return -EINVAL;
    }
    if (r->action == POLFLOWS_ALLOW && r->next_table <= r->table) {
        return -EINVAL;
    }
    if (r->action == POLFLOWS_PASS && r->pass_table <= r->table) {
        return -EINVAL;
    }
    if (r->action != POLFLOWS_ALLOW && r->action != POLFLOWS_DENY
        && r->action != POLFLOWS_PASS) {
        return -EINVAL;
    }
    for (size_t i = 0; !r->any_peer && i < r->n_peers; i++) {
        if (r->peers[i].plen < 0 || r->peers[i].plen > 32) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; !r->any_peer && i < r->n_peers6; i++) {
        if (r->peers6[i].plen < 0 || r->peers6[i].plen > 128) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; !r->any_port && i < r->n_ports; i++) {
        const struct polflows_port *p = &r->ports[i];
        if (!proto_name(p->proto)
            || (p->end_port && p->end_port < p->port)) {
            return -EINVAL;
        }
    }
    return 0;
}

static void
add_addr_clause(struct rule_builder *b, uint8_t clause, int family,
                const void *addr, int plen, bool src)
{
    char *match = addr_match(family, addr, plen, src);
    add_clause(b, clause, "%s", match);
    free(match);
}

static void
add_pod_clauses(struct rule_builder *b)
{
    const struct polflows_rule *r = b->rule;
    bool src = pod_is_src(r->dir);

    for (size_t i = 0; i < r->n_pods; i++) {
        add_addr_clause(b, 1, AF_INET, &r->pods[i], -1, src);
    }
    for (size_t i = 0; i < r->n_pods6; i++) {
        add_addr_clause(b, 1, AF_INET6, &r->pods6[i], -1, src);
    }
}

static void
add_peer_clauses(struct rule_builder *b, uint8_t clause)
{
    const struct polflows_rule *r = b->rule;
    bool src = !pod_is_src(r->dir);

    for (size_t i = 0; i < r->n_peers; i++) {
        add_addr_clause(b, clause, AF_INET, &r->peers[i].addr,
                        r->peers[i].plen, src);
    }
    for (size_t i = 0; i < r->n_peers6; i++) {
        add_addr_clause(b, clause, AF_INET6, &r->peers6[i].addr,
                        r->peers6[i].plen, src);
    }
}

/* Covers [lo, hi] (lo > 0) with the fewest value/mask matches: each is
 * the largest power-of-two block that starts at a multiple of its size and
 * ends within the range, i.e. a prefix of the port's bits. */
static void
add_port_range(struct rule_builder *b, uint8_t clause, const char *proto,
               uint32_t lo, uint32_t hi)
{
    while (lo <= hi && !b->error) {
        uint32_t size = lo & -lo;
        while (lo + size - 1 > hi) {
            size >>= 1;
        }
        if (size == 1) {
            add_clause(b, clause, "%s,tp_dst=%"PRIu32, proto, lo);
        } else {
            add_clause(b, clause, "%s,tp_dst=%"PRIu32"/%#"PRIx32, proto,
                       lo, 0xffff & ~(size - 1));
        }
        lo += size;
    }
}

/* "tcp" is IPv4's TCP: a rule with IPv6 pods needs "tcp6" twins of its
 * port flows for their packets to complete its conjunction. */
static void
add_port_clauses(struct rule_builder *b, uint8_t clause)
{
    const struct polflows_rule *r = b->rule;

    for (int v6 = 0; v6 <= (r->n_pods6 > 0); v6++) {
        for (size_t i = 0; i < r->n_ports; i++) {
            const struct polflows_port *p = &r->ports[i];
            char *proto = xasprintf("%s%s", proto_name(p->proto),
                                    v6 ? "6" : "");

            if (!p->port) {
                add_clause(b, clause, "%s", proto);
            } else {
                add_port_range(b, clause, proto, p->port,
                               p->end_port ? p->end_port : p->port);
            }
            free(proto);
        }
    }
}

static void
add_conjunction(struct rule_builder *b, const char *actions)
{
    const struct polflows_rule *r = b->rule;
    uint8_t clause = 2;

    add_pod_clauses(b);
    if (!r->any_peer) {
        add_peer_clauses(b, clause++);
    }
    if (!r->any_port) {
        add_port_clauses(b, clause);
    }
    if (r->any_peer && r->any_port) {
        /* A conjunction needs two clauses.  A direct flow per pod would
         * collide with other rules' clause flows on the same pod, so the
         * second clause is "any IPv4" (and "any IPv6" for IPv6 pods),
         * shared by every such rule. */
        add_clause(b, 2, "ip");
        if (r->n_pods6) {
            add_clause(b, 2, "ipv6");
        }
    }
    if (!b->error) {
        char *match = xasprintf("conj_id=%"PRIu32, r->id);
        b->error = flowtab_add_flow(b->ft, b->owner, r->table, r->priority,
                                    match, actions);
        free(match);
    }
}

static bool
rule_matches_nothing(const struct polflows_rule *r)
{
    return (!r->n_pods && !r->n_pods6)
           || (!r->any_peer && !r->n_peers && !r->n_peers6)
           || (!r->any_port && !r->n_ports);
}

static uint64_t
rule_owner(uint32_t id)
{
    return cookie_owner(COOKIE_KIND_POLICY, id);
}

int
polflows_set_rule(struct flowtab *ft, const struct polflows_rule *r)
{
    struct rule_builder b = {
        .ft = ft,
        .rule = r,
        .owner = rule_owner(r->id),
        .n_clauses = MAX(2, 1 + !r->any_peer + !r->any_port),
    };

    flowtab_remove_owner(ft, b.owner);
    b.error = validate_rule(r);
    if (b.error || rule_matches_nothing(r)) {
        goto out;
    }
    char *actions = rule_actions(r);
    add_conjunction(&b, actions);
    free(actions);
out:
    if (b.error) {
        VLOG_WARN("flows of policy rule %"PRIu32" rejected: %s", r->id,
                  ovs_strerror(-b.error));
        flowtab_remove_owner(ft, b.owner);
    }
    return b.error;
}

void
polflows_remove_rule(struct flowtab *ft, uint32_t id)
{
    flowtab_remove_owner(ft, rule_owner(id));
}

int
polflows_set_isolation_pods(struct flowtab *ft, uint32_t owner_id,
                            enum polflows_dir dir, uint8_t table,
                            uint16_t priority,
                            const struct polflows_pods *pods)
{
    uint64_t owner = rule_owner(owner_id);
    char *actions = deny_actions(owner_id, dir, table);
    int error = 0;

    flowtab_remove_owner(ft, owner);
    for (size_t i = 0; i < pods_count(pods) && !error; i++) {
        int family;
        const void *addr = pods_addr(pods, i, &family);
        char *match = addr_match(family, addr, -1, pod_is_src(dir));

        error = flowtab_add_flow(ft, owner, table, priority, match, actions);
        free(match);
    }
    free(actions);
    if (error) {
        VLOG_WARN("isolation flows %"PRIu32" rejected: %s", owner_id,
                  ovs_strerror(-error));
        flowtab_remove_owner(ft, owner);
    }
    return error;
}

int
polflows_set_isolation(struct flowtab *ft, uint32_t owner_id,
                       enum polflows_dir dir, uint8_t table,
                       uint16_t priority, const struct in_addr *pods,
                       size_t n_pods)
{
    struct polflows_pods set = { .v4 = pods, .n_v4 = n_pods };
    return polflows_set_isolation_pods(ft, owner_id, dir, table, priority,
                                       &set);
}

int
polflows_set_conntrack_pods(struct flowtab *ft, uint32_t owner_id,
                            const struct polflows_pods *pods)
{
    static const bool srcs[] = { true, false };
    uint64_t owner = rule_owner(owner_id);
    char *actions = xasprintf("load:1->"REG_POLICY_TRACKED","
                              CT_TRACK_ACTIONS_FMT, CT_TRACK_ACTIONS_ARGS);
    int error = 0;

    flowtab_remove_owner(ft, owner);
    for (size_t i = 0; i < pods_count(pods) && !error; i++) {
        int family;
        const void *addr = pods_addr(pods, i, &family);

        for (size_t f = 0; f < ARRAY_SIZE(srcs) && !error; f++) {
            char *match = addr_match(family, addr, -1, srcs[f]);
            error = flowtab_add_flow(ft, owner, TABLE_CT_ZONE,
                                     CT_POD_PRIORITY, match, actions);
            free(match);
        }
    }
    free(actions);
    if (error) {
        VLOG_WARN("conntrack flows %"PRIu32" rejected: %s", owner_id,
                  ovs_strerror(-error));
        flowtab_remove_owner(ft, owner);
    }
    return error;
}

int
polflows_set_conntrack(struct flowtab *ft, uint32_t owner_id,
                       const struct in_addr *pods, size_t n_pods)
{
    struct polflows_pods set = { .v4 = pods, .n_v4 = n_pods };
    return polflows_set_conntrack_pods(ft, owner_id, &set);
}

struct rule_stats {
    uint64_t packets;
    uint64_t bytes;
    size_t n_flows;
};

static void
rule_stats_cb(const void *fs_, void *stats_)
{
    const struct ofputil_flow_stats *fs = fs_;
    struct rule_stats *stats = stats_;

    stats->n_flows++;
    if (fs->packet_count != UINT64_MAX) {
        stats->packets += fs->packet_count;
    }
    if (fs->byte_count != UINT64_MAX) {
        stats->bytes += fs->byte_count;
    }
}

int
polflows_rule_stats(struct ofconn *conn, const struct polflows_rule *r,
                    uint64_t *packets, uint64_t *bytes)
{
    struct rule_stats stats = { 0, 0, 0 };

    *packets = *bytes = 0;
    int error = ofconn_dump_flows_filtered(conn, r->table, rule_owner(r->id),
                                           COOKIE_OWNER_MASK, rule_stats_cb,
                                           &stats);
    if (error) {
        return error;
    }
    if (!stats.n_flows) {
        return -ENOENT;
    }
    *packets = stats.packets;
    *bytes = stats.bytes;
    return 0;
}
