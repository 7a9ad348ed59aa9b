#include <config.h>
#include "agent/core/rulestats.h"

#include <errno.h>
#include <stdlib.h>

#include "dataplane/cookie.h"
#include "dataplane/ofconn.h"
#include "byte-order.h"
#include "openvswitch/hmap.h"
#include "openflow/openflow.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/poll-loop.h"
#include "hash.h"
#include "timeval.h"
#include "util.h"

#define RULESTATS_INTERVAL_MS 15000

struct rule_count {
    struct hmap_node node;      /* by hash_int(id) */
    uint32_t id;
    uint64_t packets, bytes;
};

struct rulestats {
    struct hmap counts;         /* the last dump's */
    struct hmap pending;        /* the dump in progress */
    struct ofconn *conn;        /* that the dump runs on */
    unsigned int dump_id;       /* 0: none in progress */
    long long int next;
};

struct rulestats *
rulestats_create(void)
{
    struct rulestats *rs = xzalloc(sizeof *rs);

    hmap_init(&rs->counts);
    hmap_init(&rs->pending);
    return rs;
}

static void
counts_clear(struct hmap *counts)
{
    struct rule_count *c;

    HMAP_FOR_EACH_POP (c, node, counts) {
        free(c);
    }
}

void
rulestats_destroy(struct rulestats *rs)
{
    if (rs) {
        counts_clear(&rs->counts);
        counts_clear(&rs->pending);
        hmap_destroy(&rs->counts);
        hmap_destroy(&rs->pending);
        free(rs);
    }
}

static struct rule_count *
count_find(const struct hmap *counts, uint32_t id)
{
    struct rule_count *c;

    HMAP_FOR_EACH_WITH_HASH (c, node, hash_int(id, 0), counts) {
        if (c->id == id) {
            return c;
        }
    }
    return NULL;
}

static void
dump_cb(const void *fs_, void *rs_)
{
    const struct ofputil_flow_stats *fs = fs_;
    struct rulestats *rs = rs_;
    uint64_t cookie = ntohll(fs->cookie);
    uint64_t id = (cookie & COOKIE_ID_MASK) >> COOKIE_ID_SHIFT;

    if (id > UINT32_MAX) {
        return;                 /* a shared clause flow (flowtab.h) */
    }
    struct rule_count *c = count_find(&rs->pending, id);
    if (!c) {
        c = xzalloc(sizeof *c);
        c->id = id;
        hmap_insert(&rs->pending, &c->node, hash_int(id, 0));
    }
    c->packets += fs->packet_count;
    c->bytes += fs->byte_count;
}

static void
finish(struct rulestats *rs)
{
    int error = ofconn_dump_flows_finish(rs->conn, rs->dump_id, dump_cb, rs);

    if (error == -EINPROGRESS) {
        return;
    }
    rs->dump_id = 0;
    if (!error) {
        hmap_swap(&rs->counts, &rs->pending);
    }
    counts_clear(&rs->pending);
}

bool
rulestats_due(const struct rulestats *rs)
{
    return !rs->dump_id && time_msec() >= rs->next;
}

void
rulestats_run(struct rulestats *rs, struct ofconn *conn, bool wanted)
{
    if (rs->dump_id && rs->conn != conn) {
        rs->dump_id = 0;        /* that connection is gone */
        counts_clear(&rs->pending);
    }
    if (rs->dump_id) {
        finish(rs);
    } else if (conn && time_msec() >= rs->next) {
        rs->next = time_msec() + RULESTATS_INTERVAL_MS;
        if (!wanted) {
            counts_clear(&rs->counts);
        } else if (!ofconn_dump_flows_start(conn, OFPTT_ALL,
                                            cookie_owner(COOKIE_KIND_POLICY, 0),
                                            COOKIE_KIND_MASK,
                                            &rs->dump_id)) {
            rs->conn = conn;
        }
    }
}

void
rulestats_wait(const struct rulestats *rs)
{
    if (!rs->dump_id) {
        poll_timer_wait_until(rs->next);
    }
}

bool
rulestats_get(const struct rulestats *rs, uint32_t id, uint64_t *packets,
              uint64_t *bytes)
{
    const struct rule_count *c = count_find(&rs->counts, id);

    *packets = c ? c->packets : 0;
    *bytes = c ? c->bytes : 0;
    return c != NULL;
}
