#include <config.h>
#include "agent/core/connstats.h"

#include <errno.h>
#include <string.h>

#include "agent/observe/ctdump.h"
#include "dataplane/ofconn.h"
#include "dataplane/pipeline.h"
#include "dataplane/tables.h"
#include "hash.h"
#include "openvswitch/hmap.h"
#include "byte-order.h"
#include "openvswitch/ofp-flow.h"
#include "util.h"

/* One direction of a connection as ConnectionStats counts it. */
struct cs_key {
    ovs_be32 src, dst;
    uint16_t sport, dport;      /* host order; 0 for ICMP */
    uint8_t proto;
    uint8_t pad[3];
};

struct cs_count {
    struct hmap_node node;
    struct cs_key key;
    uint64_t packets, bytes;
};

struct connstats {
    struct hmap counts, pending;
    struct ofconn *conn;
    unsigned int dump_id;       /* 0: none running */
};

struct connstats *
connstats_create(void)
{
    struct connstats *cs = xzalloc(sizeof *cs);

    hmap_init(&cs->counts);
    hmap_init(&cs->pending);
    return cs;
}

static void
counts_clear(struct hmap *counts)
{
    struct cs_count *c;

    HMAP_FOR_EACH_POP (c, node, counts) {
        free(c);
    }
}

void
connstats_destroy(struct connstats *cs)
{
    if (cs) {
        if (cs->dump_id) {
            ofconn_cancel(cs->conn, cs->dump_id);
        }
        counts_clear(&cs->counts);
        counts_clear(&cs->pending);
        hmap_destroy(&cs->counts);
        hmap_destroy(&cs->pending);
        free(cs);
    }
}

static uint32_t
key_hash(const struct cs_key *k)
{
    return hash_bytes(k, sizeof *k, 0);
}

static struct cs_key
make_key(uint8_t proto, ovs_be32 src, ovs_be32 dst, uint16_t sport,
         uint16_t dport)
{
    struct cs_key k;

    memset(&k, 0, sizeof k);
    k.proto = proto;
    k.src = src;
    k.dst = dst;
    if (proto != IPPROTO_ICMP) {
        k.sport = sport;
        k.dport = dport;
    }
    return k;
}

static const struct cs_count *
count_find(const struct hmap *counts, const struct cs_key *k)
{
    const struct cs_count *c;

    HMAP_FOR_EACH_WITH_HASH (c, node, key_hash(k), counts) {
        if (!memcmp(&c->key, k, sizeof *k)) {
            return c;
        }
    }
    return NULL;
}

static void
dump_cb(const void *fs_, void *cs_)
{
    const struct ofputil_flow_stats *fs = fs_;
    const struct flow *f = &fs->match.flow;
    struct connstats *cs = cs_;

    if (ntohll(fs->cookie) != pipeline_conn_stats_cookie()) {
        return;                 /* the flows that learn, not learned ones */
    }
    struct cs_count *c = xzalloc(sizeof *c);
    c->key = make_key(f->nw_proto, f->nw_src, f->nw_dst, ntohs(f->tp_src),
                      ntohs(f->tp_dst));
    c->packets = fs->packet_count;
    c->bytes = fs->byte_count;
    hmap_insert(&cs->pending, &c->node, key_hash(&c->key));
}

int
connstats_start(struct connstats *cs, struct ofconn *conn)
{
    if (cs->dump_id) {
        return -EBUSY;
    }
    int error = ofconn_dump_flows_start(conn, TABLE_CONN_STATS, 0, 0,
                                        &cs->dump_id);
    if (error) {
        cs->dump_id = 0;
    } else {
        cs->conn = conn;
    }
    return error;
}

int
connstats_finish(struct connstats *cs)
{
    if (!cs->dump_id) {
        return 0;
    }
    int error = ofconn_dump_flows_finish(cs->conn, cs->dump_id, dump_cb, cs);
    if (error == -EINPROGRESS) {
        return error;
    }
    cs->dump_id = 0;
    if (!error) {
        hmap_swap(&cs->counts, &cs->pending);
    }
    counts_clear(&cs->pending);
    return error;
}

bool
connstats_running(const struct connstats *cs)
{
    return cs->dump_id != 0;
}

static void
set_counters(const struct connstats *cs, const struct cs_key *k,
             struct ctdump_counters *out)
{
    const struct cs_count *c = count_find(&cs->counts, k);

    out->packets = c ? c->packets : 0;
    out->bytes = c ? c->bytes : 0;
}

void
connstats_apply(const struct connstats *cs, struct ctdump_entry *e)
{
    ovs_be32 client = ctdump_ipv4(&e->orig.src);
    ovs_be32 frontend = ctdump_ipv4(&e->orig.dst);
    ovs_be32 backend = ctdump_ipv4(&e->reply.src);
    struct cs_key orig = make_key(e->proto, client, backend,
                                  e->orig.src_port, e->reply.src_port);
    struct cs_key reply = make_key(e->proto, frontend, client,
                                   e->orig.dst_port, e->orig.src_port);

    set_counters(cs, &orig, &e->orig.counters);
    set_counters(cs, &reply, &e->reply.counters);
    e->has_counters = true;
}

size_t
connstats_count(const struct connstats *cs)
{
    return hmap_count(&cs->counts);
}
