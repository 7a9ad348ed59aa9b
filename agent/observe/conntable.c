#include <config.h>
#include "agent/observe/conntable.h"

#include <string.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"

/* Zone, protocol and original tuple, packed so that memcmp() and a hash
 * of the bytes compare keys. */
struct conn_key {
    struct in6_addr src, dst;
    uint16_t zone;
    uint16_t src_port, dst_port;
    uint16_t icmp_id;
    uint8_t proto;
    uint8_t icmp_type, icmp_code;
    uint8_t pad;
};

struct conn {
    struct hmap_node node;      /* in conntable's 'conns', by key hash */
    struct conn_key key;
    struct ctdump_entry ct;     /* as last seen */
    long long int start_ms;
    long long int active_ms;    /* last seen active */
    long long int export_ms;    /* its last record, or its start */
    long long int expiry_ms;    /* T + timeout of the last poll; -1 */
    struct ctdump_counters orig_at_export, reply_at_export;
    unsigned int seen;          /* the update that last saw it */
    bool ended;                 /* its final record went out */
};

struct conntable {
    struct hmap conns;
    long long int active_ms, idle_ms;
    conntable_export_func *export;
    void *aux;
    unsigned int update;        /* counts conntable_update() calls */
};

struct conntable *
conntable_create(const struct conntable_options *options,
                 conntable_export_func *export, void *aux)
{
    struct conntable *t = xzalloc(sizeof *t);
    int active_s = options->active_timeout_s > 0
                   ? options->active_timeout_s
                   : CONNTABLE_DEFAULT_ACTIVE_TIMEOUT_S;
    int idle_s = options->idle_timeout_s > 0
                 ? options->idle_timeout_s : CONNTABLE_DEFAULT_IDLE_TIMEOUT_S;

    hmap_init(&t->conns);
    t->active_ms = active_s * 1000LL;
    t->idle_ms = idle_s * 1000LL;
    t->export = export;
    t->aux = aux;
    return t;
}

static void
conn_remove(struct conntable *t, struct conn *c)
{
    hmap_remove(&t->conns, &c->node);
    free(c);
}

void
conntable_destroy(struct conntable *t)
{
    if (t) {
        struct conn *c;

        HMAP_FOR_EACH_SAFE (c, node, &t->conns) {
            conn_remove(t, c);
        }
        hmap_destroy(&t->conns);
        free(t);
    }
}

size_t
conntable_count(const struct conntable *t)
{
    return hmap_count(&t->conns);
}

static void
conn_key_init(struct conn_key *k, const struct ctdump_entry *e)
{
    memset(k, 0, sizeof *k);
    k->src = e->orig.src;
    k->dst = e->orig.dst;
    k->zone = e->zone;
    k->src_port = e->orig.src_port;
    k->dst_port = e->orig.dst_port;
    k->icmp_id = e->orig.icmp_id;
    k->proto = e->proto;
    k->icmp_type = e->orig.icmp_type;
    k->icmp_code = e->orig.icmp_code;
}

static struct conn *
conn_find(const struct conntable *t, const struct conn_key *k, uint32_t hash)
{
    struct conn *c;

    HMAP_FOR_EACH_WITH_HASH (c, node, hash, &t->conns) {
        if (!memcmp(&c->key, k, sizeof *k)) {
            return c;
        }
    }
    return NULL;
}

static long long int
entry_expiry(const struct ctdump_entry *e, long long int now)
{
    return e->timeout >= 0 ? now + e->timeout * 1000 : -1;
}

static struct ctdump_counters
counters_minus(struct ctdump_counters a, struct ctdump_counters b)
{
    return (struct ctdump_counters) {
        .packets = a.packets >= b.packets ? a.packets - b.packets : 0,
        .bytes = a.bytes >= b.bytes ? a.bytes - b.bytes : 0,
    };
}

static bool
counters_equal(struct ctdump_counters a, struct ctdump_counters b)
{
    return a.packets == b.packets && a.bytes == b.bytes;
}

static bool
counters_zero(const struct ctdump_entry *e)
{
    return (!e->orig.counters.packets && !e->orig.counters.bytes
            && !e->reply.counters.packets && !e->reply.counters.bytes);
}

static bool
counters_less(struct ctdump_counters a, struct ctdump_counters b)
{
    return a.packets < b.packets || a.bytes < b.bytes;
}

/* Sends 'c''s record for 'reason', ending at 'end_ms', and starts its
 * next delta from here. */
static void
conn_export(struct conntable *t, struct conn *c,
            enum flowrecord_end_reason reason, long long int end_ms,
            long long int now)
{
    struct conntable_flow flow = {
        .ct = &c->ct,
        .start_ms = c->start_ms,
        .end_ms = end_ms,
        .end_reason = reason,
        .total = c->ct.orig.counters,
        .reverse_total = c->ct.reply.counters,
        .delta = counters_minus(c->ct.orig.counters, c->orig_at_export),
        .reverse_delta = counters_minus(c->ct.reply.counters,
                                        c->reply_at_export),
    };

    t->export(&flow, t->aux);
    c->orig_at_export = c->ct.orig.counters;
    c->reply_at_export = c->ct.reply.counters;
    c->export_ms = now;
    c->ended = reason != FLOWRECORD_END_ACTIVE;
}

/* Gives 'c' a fresh start at 'now' as 'e': a new flow. */
static void
conn_start(struct conn *c, const struct ctdump_entry *e, long long int now)
{
    c->ct = *e;
    c->start_ms = c->active_ms = c->export_ms = now;
    c->expiry_ms = entry_expiry(e, now);
    c->ended = false;
}

static struct conn *
conn_create(struct conntable *t, const struct conn_key *k, uint32_t hash,
            const struct ctdump_entry *e, long long int now)
{
    struct conn *c = xzalloc(sizeof *c);

    c->key = *k;
    conn_start(c, e, now);
    hmap_insert(&t->conns, &c->node, hash);
    return c;
}

/* Whether 'e', the entry 'c' is now, shows packets since the last poll. */
static bool
conn_active(const struct conn *c, const struct ctdump_entry *e,
            long long int now)
{
    long long int expiry = entry_expiry(e, now);

    return (!counters_equal(e->orig.counters, c->ct.orig.counters)
            || !counters_equal(e->reply.counters, c->ct.reply.counters)
            || ctdump_tcp_state(e) != ctdump_tcp_state(&c->ct)
            || (expiry >= 0 && c->expiry_ms >= 0
                && expiry > c->expiry_ms + CONNTABLE_EXPIRY_SLACK_MS));
}

/* The final record of a connection conntrack no longer has. */
static void
conn_gone(struct conntable *t, struct conn *c, long long int now)
{
    if (!c->ended) {
        enum ctdump_tcp_state s = ctdump_tcp_state(&c->ct);
        bool closing = c->ct.proto == IPPROTO_TCP
                       && s > CTDUMP_TCP_ESTABLISHED && s != CTDUMP_TCP_NONE;

        conn_export(t, c, closing ? FLOWRECORD_END_OF_FLOW
                                  : FLOWRECORD_END_IDLE,
                    c->active_ms, now);
    }
    conn_remove(t, c);
}

/* The records due for 'c' at 'now', in the order conntable.h gives. */
static void
conn_check(struct conntable *t, struct conn *c, long long int now)
{
    if (c->ended) {
        return;
    }
    if (c->ct.proto == IPPROTO_TCP && ctdump_tcp_closed(&c->ct)) {
        conn_export(t, c, FLOWRECORD_END_OF_FLOW, now, now);
    } else if (now - c->active_ms >= t->idle_ms) {
        conn_export(t, c, FLOWRECORD_END_IDLE, c->active_ms, now);
    } else if (now - c->export_ms >= t->active_ms) {
        conn_export(t, c, FLOWRECORD_END_ACTIVE, now, now);
    }
}

static void
conn_update(struct conn *c, const struct ctdump_entry *e, long long int now)
{
    bool active = conn_active(c, e, now);

    if (c->ended && active && !ctdump_tcp_closed(e)) {
        conn_start(c, e, now);
        return;
    }
    c->ct = *e;
    c->expiry_ms = entry_expiry(e, now);
    if (active) {
        c->active_ms = now;
    }
}

static void
update_entry(struct conntable *t, const struct ctdump_entry *e,
             long long int now)
{
    struct conn_key k;
    uint32_t hash;
    struct conn *c;

    conn_key_init(&k, e);
    hash = hash_bytes(&k, sizeof k, 0);
    c = conn_find(t, &k, hash);
    if (c && (counters_less(e->orig.counters, c->ct.orig.counters)
              || counters_less(e->reply.counters, c->ct.reply.counters))) {
        if (c->ended && (ctdump_tcp_closed(e) || counters_zero(e))) {
            /* The counts of a flow already reported went back with no
             * packet since (the switch's counter flows went idle,
             * connstats.h): nothing to report, and its next counts are
             * measured from here. */
            c->ct = *e;
            c->orig_at_export = e->orig.counters;
            c->reply_at_export = e->reply.counters;
            c->seen = t->update;
            return;
        }
        /* Counts that went back: conntrack let the connection go between
         * two polls and has a new one with the same tuple. */
        conn_gone(t, c, now);
        c = NULL;
    }
    if (!c) {
        c = conn_create(t, &k, hash, e, now);
    } else {
        conn_update(c, e, now);
    }
    c->seen = t->update;
}

void
conntable_update(struct conntable *t, const struct ctdump_entry entries[],
                 size_t n, long long int now)
{
    struct conn *c;

    t->update++;
    for (size_t i = 0; i < n; i++) {
        update_entry(t, &entries[i], now);
    }
    HMAP_FOR_EACH_SAFE (c, node, &t->conns) {
        if (c->seen != t->update) {
            conn_gone(t, c, now);
        } else {
            conn_check(t, c, now);
        }
    }
}

void
conntable_flush(struct conntable *t, long long int now)
{
    struct conn *c;

    HMAP_FOR_EACH_SAFE (c, node, &t->conns) {
        if (!c->ended) {
            conn_export(t, c, FLOWRECORD_END_FORCED, c->active_ms, now);
        }
        conn_remove(t, c);
    }
}

static struct flowrecord_counts
record_counts(struct ctdump_counters c)
{
    return (struct flowrecord_counts) { c.packets, c.bytes };
}

bool
conntable_to_flowrecord(const struct conntable_flow *flow,
                        struct flowrecord *rec)
{
    const struct ctdump_entry *ct = flow->ct;
    bool icmp = ct->proto == IPPROTO_ICMP;

    memset(rec, 0, sizeof *rec);
    if (!ctdump_tuple_is_ipv4(&ct->orig) || !ctdump_tuple_is_ipv4(&ct->reply)) {
        return false;
    }
    rec->start_ms = flow->start_ms;
    rec->end_ms = flow->end_ms;
    rec->end_reason = flow->end_reason;
    rec->src_ip = ctdump_ipv4(&ct->orig.src);
    rec->dst_ip = ctdump_ipv4(&ct->orig.dst);
    rec->src_port = icmp ? 0 : ct->orig.src_port;
    rec->dst_port = (icmp ? ct->orig.icmp_type * 256 + ct->orig.icmp_code
                     : ct->orig.dst_port);
    rec->proto = ct->proto;
    rec->delta = record_counts(flow->delta);
    rec->total = record_counts(flow->total);
    rec->reverse_delta = record_counts(flow->reverse_delta);
    rec->reverse_total = record_counts(flow->reverse_total);
    if (!ipv6_addr_equals(&ct->reply.src, &ct->orig.dst)
        || ct->reply.src_port != ct->orig.dst_port) {
        rec->post_nat_dst_ip = ctdump_ipv4(&ct->reply.src);
        rec->post_nat_dst_port = ct->reply.src_port;
    }
    rec->tcp_state = ctdump_tcp_state_name(ctdump_tcp_state(ct));
    return true;
}
