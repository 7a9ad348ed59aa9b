#include <config.h>
#include "dataplane/flowtab.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/cookie.h"
#include "dataplane/ofconn.h"
#include "nx-match.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "hash.h"
#include "hmapx.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(flowtab);

/*
 * Four tables, all keyed the same way:
 *
 *                 desired                         installed
 *   flows   (table, priority, match) ->   (table, priority, match) ->
 *           actions, owner                actions, cookie (owner + round)
 *   groups  group_id -> spec, owner       group_id -> spec
 *
 * 'match', 'actions' and 'spec' are canonical text: the flow or group is
 * parsed, encoded as OpenFlow 1.5 and decoded again, and then printed with
 * OVS's own formatters.  A flow dumped from the switch goes through the
 * same round trip, so a flow the switch holds and the same flow desired
 * print identically whatever quirks the wire encoding has (a "load:" may
 * come back as "set_field:", for example).  Each entry also keeps the
 * decoded match and actions, which is what gets encoded at commit.
 *
 * The difference desired - installed is computed from the four tables for
 * the keys that changed since the last confirmed commit: every change of a
 * desired flow or group records its key ('dirty_flows', 'dirty_groups'),
 * so a commit, and the question whether there is one, costs what changed,
 * not what the table holds.  After a dump of the switch, or when the
 * desired tables were cleared, every key counts ('full').  The installed
 * tables are the only record of what the switch has, and they change only
 * when the switch confirmed a bundle, or on a dump.
 *
 * Installed flows are those whose cookie kind is one of cookie.h's: flows
 * with other cookies belong to someone else and are never touched.  Groups
 * have no cookie, so every group on the bridge counts as installed by us:
 * the bridge is Seine's.
 *
 * Conjunction clause flows are the one kind of desired flow with several
 * owners.  Two policy rules that both name a pod need the same clause flow
 * ("ip,nw_src=POD" at the same table and priority), and OpenFlow allows
 * only one flow per key, so the flow carries one conjunction() action per
 * rule:
 *
 *   (table, priority, match) -> conjs: [ {owner A, id 7, 1/3},
 *                                        {owner B, id 9, 1/2} ]
 *                               actions "conjunction(7,1/3),conjunction(9,1/2)"
 *                               cookie  conj owner (kind, all-ones id)
 *
 * The contributions are kept sorted by conjunction id, and the actions are
 * rebuilt from them on every change, so the text is canonical and equal to
 * what the switch reports for the flow.  A contribution is removed with its
 * owner; the flow goes with its last contribution.  No single owner can
 * claim the flow's cookie, so it is flowtab_conj_owner() of the kind of the
 * contributors: the id with all bits set, which a policy rule's 32-bit id
 * never reaches.  A shared flow behaves like any other at commit: any
 * change of its contributions is a modify (an add of the whole flow), and
 * after a restart it is re-added with the new round or, no longer desired,
 * deleted by its exact cookie.  Installed flows carry no contributions:
 * the switch has only the actions.
 *
 * Rebuilding a clause flow's actions costs as much as it has
 * contributions, and a clause every rule shares (the catch-all "ip") has
 * one per rule, so the actions are not rebuilt on each change: a change
 * marks the flow stale and the actions are rebuilt once, before anything
 * reads them (refresh_conj_actions()).
 *
 * Parsing a flow is most of what adding one costs, and every rule that
 * names a pod adds a contribution to that pod's clause flow, with the same
 * match text each time.  So clause flows are also indexed by the text they
 * were first added with ('conj_by_text'), and a contribution whose text is
 * found there skips the parse.
 *
 * Flows the switch learns (an OpenFlow learn action's result) are not
 * desired one by one: an owner declares a learned set (a cookie of kind
 * LEARNED, and the table the learn action writes) that it wants while it
 * exists.  'installed_learned' holds every set the switch may have flows
 * of: those ever desired since the last dump, and those a dump found.  A
 * commit deletes, by cookie, each installed set that is no longer
 * desired, in the same bundle as the owner's own flows go.
 *
 * A learned flow can come back after that delete: a datapath flow cached
 * with the old learn action still pushes its statistics until the
 * revalidators translate it again, and OVS re-adds a learned flow that
 * such a refresh finds removed.  So a set that went is deleted again,
 * 'resweeps' times 'resweep_ms' apart, before it is forgotten.  These
 * repeats are upkeep, not a difference between desired and installed:
 * flowtab_count_changes() leaves them out.
 *
 * 'owners' indexes the desired flows and groups by owner (an owned flow
 * under its owner, a clause flow under each contributor), so that removing
 * one owner's flows costs what it has, not what the table has.
 */

/* One owner's conjunction() action on a shared clause flow. */
struct ft_conj {
    uint64_t owner;             /* kind + id of the contributor */
    uint32_t id;                /* conjunction id */
    uint8_t clause;             /* 1..n_clauses, as in "conjunction(ID,K/N)" */
    uint8_t n_clauses;
};

struct ft_flow {
    struct hmap_node node;
    uint8_t table;
    uint16_t priority;
    char *match_s;
    char *actions_s;
    uint64_t cookie;            /* desired: owner; installed: full cookie */
    struct minimatch match;
    struct ofpact *ofpacts;
    size_t ofpacts_len;
    struct ft_conj *conjs;      /* desired clause flows only, by id */
    size_t n_conjs, allocated_conjs;
    bool stale;                 /* actions not yet rebuilt from 'conjs' */
    struct hmap_node text_node; /* in 'conj_by_text', if 'text' */
    char *text;                 /* clause flows: match as first added */
};

struct ft_group {
    struct hmap_node node;
    uint32_t id;
    uint64_t owner;             /* desired only */
    char *spec_s;               /* canonical, without group_id */
};

/* The key of a desired flow that changed since the last commit. */
struct ft_key {
    struct hmap_node node;      /* by ft_flow_hash() */
    uint8_t table;
    uint16_t priority;
    char *match_s;
};

/* The id of a desired group that changed since the last commit. */
struct ft_gkey {
    struct hmap_node node;      /* by hash_int(id, 0) */
    uint32_t id;
};

/* A set of flows the switch learns, under one cookie, in one table. */
struct ft_learned {
    struct hmap_node node;      /* by hash of 'cookie' */
    uint64_t cookie;            /* kind LEARNED + id, without round */
    uint8_t table;
    /* Installed and no longer desired, once deleted: how many deletes are
     * still to come, and when the next one is due. */
    int resweeps;
    long long int resweep_at;
};

/* What one owner has in the desired tables. */
struct ft_owner {
    struct hmap_node node;      /* in 'owners', by hash of 'owner' */
    uint64_t owner;
    struct hmapx flows;         /* struct ft_flow *: owned or contributed to */
    struct hmapx groups;        /* struct ft_group * */
    struct hmapx learned;       /* struct ft_learned * */
};

struct flowtab {
    uint16_t round;
    struct hmap desired_flows;
    struct hmap installed_flows;
    struct hmap desired_groups;
    struct hmap installed_groups;
    struct hmap desired_learned;    /* struct ft_learned */
    struct hmap installed_learned;  /* struct ft_learned */
    struct hmap owners;         /* struct ft_owner */
    struct hmap conj_by_text;   /* desired clause flows, by 'text' */
    struct hmap dirty_flows;    /* struct ft_key */
    struct hmap dirty_groups;   /* struct ft_gkey */
    bool full;                  /* every key is dirty */
    struct ft_commit *commit;   /* sent, not yet answered; or NULL */
    struct ft_sync *sync;       /* dumps outstanding; or NULL */
    bool conj_stale;            /* some desired flow is 'stale' */
    bool last_restamp_only;     /* of the last commit applied */
    int learned_resweeps;       /* see "learned flow can come back" */
    int learned_resweep_ms;
};

/* The operations that turn the installed set into the desired one, in the
 * order the bundle applies them: groups exist before flows refer to them,
 * and are deleted only after the flows that used them. */
enum ft_op_type {
    FT_GROUP_ADD,
    FT_GROUP_MODIFY,
    FT_FLOW_ADD,
    FT_FLOW_MODIFY,             /* sent as an add: it keeps the counters */
    FT_FLOW_DELETE,
    FT_LEARNED_DELETE,
    FT_GROUP_DELETE,
};

struct ft_op {
    enum ft_op_type type;
    const struct ft_flow *flow;     /* desired; installed for deletes */
    const struct ft_group *group;   /* likewise */
    const struct ft_learned *learned;   /* installed */
};

struct ft_diff {
    struct ft_op *ops;
    size_t n, allocated;
    size_t n_restamps;          /* modifies of the cookie alone */
    size_t n_resweeps;          /* repeated deletes of learned sets */
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static void sync_abandon(struct flowtab *);

/* Flows and groups are always encoded with this protocol to make their
 * canonical text. */
#define FT_CANON_PROTOCOL OFPUTIL_P_OF15_OXM
#define FT_CANON_VERSION OFP15_VERSION

static uint32_t
ft_flow_hash(uint8_t table, uint16_t priority, const char *match_s)
{
    return hash_string(match_s, hash_int(((uint32_t) table << 16) | priority,
                                         0));
}

static void
flow_free(struct ft_flow *f)
{
    if (f) {
        free(f->match_s);
        free(f->actions_s);
        minimatch_destroy(&f->match);
        free(f->ofpacts);
        free(f->conjs);
        free(f->text);
        free(f);
    }
}

static struct ft_flow *
flow_clone(const struct ft_flow *src)
{
    struct ft_flow *f = xzalloc(sizeof *f);

    f->node.hash = src->node.hash;
    f->table = src->table;
    f->priority = src->priority;
    f->match_s = xstrdup(src->match_s);
    f->actions_s = xstrdup(src->actions_s);
    f->cookie = src->cookie;
    minimatch_clone(&f->match, &src->match);
    f->ofpacts = xmemdup(src->ofpacts, src->ofpacts_len);
    f->ofpacts_len = src->ofpacts_len;
    return f;
}

static struct ft_flow *
flow_find__(const struct hmap *flows, uint32_t hash, uint8_t table,
            uint16_t priority, const char *match_s)
{
    struct ft_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, node, hash, flows) {
        if (f->table == table && f->priority == priority
            && !strcmp(f->match_s, match_s)) {
            return f;
        }
    }
    return NULL;
}

static struct ft_flow *
flow_find(const struct hmap *flows, const struct ft_flow *key)
{
    return flow_find__(flows, key->node.hash, key->table, key->priority,
                       key->match_s);
}

/* Records that the desired flow with the key of 'f' changed. */
static void
mark_flow(struct flowtab *ft, const struct ft_flow *f)
{
    struct ft_key *k;

    HMAP_FOR_EACH_WITH_HASH (k, node, f->node.hash, &ft->dirty_flows) {
        if (k->table == f->table && k->priority == f->priority
            && !strcmp(k->match_s, f->match_s)) {
            return;
        }
    }
    k = xmalloc(sizeof *k);
    k->table = f->table;
    k->priority = f->priority;
    k->match_s = xstrdup(f->match_s);
    hmap_insert(&ft->dirty_flows, &k->node, f->node.hash);
}

static void
mark_group(struct flowtab *ft, uint32_t id)
{
    struct ft_gkey *k;

    HMAP_FOR_EACH_WITH_HASH (k, node, hash_int(id, 0), &ft->dirty_groups) {
        if (k->id == id) {
            return;
        }
    }
    k = xmalloc(sizeof *k);
    k->id = id;
    hmap_insert(&ft->dirty_groups, &k->node, hash_int(id, 0));
}

/* After a commit the switch confirmed: nothing is pending. */
static void
dirty_clear(struct flowtab *ft)
{
    struct ft_key *k;
    struct ft_gkey *g;

    HMAP_FOR_EACH_POP (k, node, &ft->dirty_flows) {
        free(k->match_s);
        free(k);
    }
    HMAP_FOR_EACH_POP (g, node, &ft->dirty_groups) {
        free(g);
    }
    ft->full = false;
}

static void
flows_clear(struct hmap *flows)
{
    struct ft_flow *f;

    HMAP_FOR_EACH_POP (f, node, flows) {
        flow_free(f);
    }
}

/* True if 'owner' owns 'f' or contributes to it. */
static bool
flow_has_owner(const struct ft_flow *f, uint64_t owner)
{
    if (f->cookie == owner) {
        return true;
    }
    for (size_t i = 0; i < f->n_conjs; i++) {
        if (f->conjs[i].owner == owner) {
            return true;
        }
    }
    return false;
}

/* Rebuilds the actions of a shared clause flow from its contributions. */
static void
flow_set_conj_actions(struct ft_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 16 * f->n_conjs);
    for (size_t i = 0; i < f->n_conjs; i++) {
        struct ofpact_conjunction *oc = ofpact_put_CONJUNCTION(&ofpacts);
        oc->id = f->conjs[i].id;
        oc->clause = f->conjs[i].clause - 1;
        oc->n_clauses = f->conjs[i].n_clauses;
    }
    struct ofpact_format_params fp = { .s = &s };
    ofpacts_format(ofpacts.data, ofpacts.size, &fp);
    free(f->actions_s);
    f->actions_s = ds_steal_cstr(&s);
    free(f->ofpacts);
    f->ofpacts = xmemdup(ofpacts.data, ofpacts.size);
    f->ofpacts_len = ofpacts.size;
    ofpbuf_uninit(&ofpacts);
}

/* Adds contribution 'c' to the shared clause flow 'f'.  The same
 * contribution again is a no-op; another one with the same conjunction id
 * is a conflict. */
static int
flow_add_conj(struct ft_flow *f, const struct ft_conj *c)
{
    size_t lo = 0, hi = f->n_conjs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->conjs[mid].id < c->id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < f->n_conjs && f->conjs[lo].id == c->id) {
        const struct ft_conj *o = &f->conjs[lo];
        bool same = o->owner == c->owner && o->clause == c->clause
                    && o->n_clauses == c->n_clauses;
        return same ? 0 : -EEXIST;
    }
    if (f->n_conjs >= f->allocated_conjs) {
        f->conjs = x2nrealloc(f->conjs, &f->allocated_conjs,
                              sizeof *f->conjs);
    }
    memmove(&f->conjs[lo + 1], &f->conjs[lo],
            (f->n_conjs - lo) * sizeof *f->conjs);
    f->conjs[lo] = *c;
    f->n_conjs++;
    f->stale = true;
    return 0;
}

/* Removes the contributions of 'owner' from 'f'.  Returns true if none
 * remain. */
static bool
flow_remove_conj(struct ft_flow *f, uint64_t owner)
{
    size_t n = 0;

    for (size_t i = 0; i < f->n_conjs; i++) {
        if (f->conjs[i].owner != owner) {
            f->conjs[n++] = f->conjs[i];
        }
    }
    if (n != f->n_conjs) {
        f->n_conjs = n;
        f->stale = true;
    }
    return !n;
}

/* The encoder writes a message's length into 16 bits without a check: a
 * larger message would reach the switch with a wrong length and
 * desynchronise the connection. */
static bool
message_fits(const struct ofpbuf *msg, const char *what)
{
    if (msg->size <= FLOWTAB_MAX_MSG) {
        return true;
    }
    VLOG_WARN_RL(&rl, "%s of %"PRIu32" bytes does not fit in one OpenFlow "
                 "message (at most %d)", what, msg->size, FLOWTAB_MAX_MSG);
    return false;
}

/* Builds the canonical entry for 'fm' (match, priority, table, actions)
 * through an OpenFlow 1.5 round trip.  Returns NULL if the switch would
 * not accept it. */
static struct ft_flow *
flow_canonicalize(const struct ofputil_flow_mod *fm_in)
{
    struct ofpbuf *msg = ofputil_encode_flow_mod(fm_in, FT_CANON_PROTOCOL);
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;

    if (!message_fits(msg, "flow")) {
        ofpbuf_delete(msg);
        return NULL;
    }
    ofpbuf_init(&ofpacts, 64);
    enum ofperr err = ofputil_decode_flow_mod(&fm, msg->data,
                                              FT_CANON_PROTOCOL, NULL, NULL,
                                              &ofpacts, OFPP_MAX, 255);
    ofpbuf_delete(msg);
    if (err) {
        VLOG_WARN_RL(&rl, "flow does not survive OpenFlow 1.5 encoding: %s",
                     ofperr_to_string(err));
        ofpbuf_uninit(&ofpacts);
        return NULL;
    }

    struct ft_flow *f = xzalloc(sizeof *f);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct match match;

    f->table = fm.table_id;
    f->priority = fm.priority;
    f->match = fm.match;
    minimatch_expand(&f->match, &match);
    match_format(&match, NULL, &s, OFP_DEFAULT_PRIORITY);
    f->match_s = ds_steal_cstr(&s);

    struct ofpact_format_params fp = { .s = &s };
    ofpacts_format(fm.ofpacts, fm.ofpacts_len, &fp);
    f->actions_s = ds_steal_cstr(&s);
    f->ofpacts = xmemdup(fm.ofpacts, fm.ofpacts_len);
    f->ofpacts_len = fm.ofpacts_len;
    ofpbuf_uninit(&ofpacts);

    f->node.hash = ft_flow_hash(f->table, f->priority, f->match_s);
    return f;
}

/* OpenFlow cannot carry a field whose prerequisite is missing ("nw_src"
 * without "ip"): the encoder drops it, and the switch would install a
 * broader flow than the one written.  Such a flow is refused instead. */
static bool
match_survived(const struct minimatch *parsed, const char *canonical)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct match match;

    minimatch_expand(parsed, &match);
    match_format(&match, NULL, &s, OFP_DEFAULT_PRIORITY);
    bool same = !strcmp(ds_cstr(&s), canonical);
    ds_destroy(&s);
    return same;
}

/* Parses a flow given as separate match and actions text.  Anything but
 * match and actions (timeouts, flags, a cookie, another table) would be
 * lost in the canonical form, so it is refused. */
static int
flow_parse(uint8_t table, uint16_t priority, const char *match,
           const char *actions, struct ft_flow **flowp)
{
    enum ofputil_protocol usable;
    struct ofputil_flow_mod fm;
    int error = 0;

    *flowp = NULL;
    if (table == OFPTT_ALL) {
        VLOG_WARN_RL(&rl, "table %u is not a flow table", table);
        return -EINVAL;
    }

    char *text = xasprintf("table=%u,priority=%u%s%s,actions=%s",
                           table, priority, *match ? "," : "", match,
                           actions);
    char *msg = parse_ofp_str(&fm, OFPFC_ADD, text, NULL, NULL, &usable);
    if (msg) {
        VLOG_WARN_RL(&rl, "bad flow \"%s\": %s", text, msg);
        free(msg);
        free(text);
        return -EINVAL;
    }

    if (!(usable & FT_CANON_PROTOCOL)) {
        VLOG_WARN_RL(&rl, "flow \"%s\" cannot be sent with OpenFlow 1.5",
                     text);
        error = -EINVAL;
    } else if (fm.table_id != table || fm.priority != priority
               || fm.new_cookie || fm.idle_timeout || fm.hard_timeout
               || fm.flags || fm.importance) {
        VLOG_WARN_RL(&rl, "flow \"%s\": only match and actions may be "
                     "given", text);
        error = -EINVAL;
    } else {
        *flowp = flow_canonicalize(&fm);
        error = *flowp ? 0 : -EINVAL;
    }
    if (!error && !match_survived(&fm.match, (*flowp)->match_s)) {
        VLOG_WARN_RL(&rl, "flow \"%s\": match field without its "
                     "prerequisite (\"ip\", \"tcp\", ...)", text);
        flow_free(*flowp);
        *flowp = NULL;
        error = -EINVAL;
    }
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    free(text);
    return error;
}

static void
group_free(struct ft_group *g)
{
    if (g) {
        free(g->spec_s);
        free(g);
    }
}

static struct ft_group *
group_clone(const struct ft_group *src)
{
    struct ft_group *g = xzalloc(sizeof *g);

    g->node.hash = src->node.hash;
    g->id = src->id;
    g->owner = src->owner;
    g->spec_s = xstrdup(src->spec_s);
    return g;
}

static struct ft_group *
group_find(const struct hmap *groups, uint32_t id)
{
    struct ft_group *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, hash_int(id, 0), groups) {
        if (g->id == id) {
            return g;
        }
    }
    return NULL;
}

static void
groups_clear(struct hmap *groups)
{
    struct ft_group *g;

    HMAP_FOR_EACH_POP (g, node, groups) {
        group_free(g);
    }
}

/* Prints a group the way "ovs-ofctl add-group" reads it, without group_id
 * and bucket ids: the switch numbers buckets itself. */
static char *
group_format(uint8_t type, const struct ovs_list *buckets,
             const struct ofputil_group_props *props)
{
    static const char *const types[] = { "all", "select", "indirect", "ff" };
    struct ds s = DS_EMPTY_INITIALIZER;
    const struct ofputil_bucket *bucket;

    ds_put_format(&s, "type=%s", type < ARRAY_SIZE(types) ? types[type]
                                                         : "unknown");
    if (props->selection_method[0]) {
        ds_put_format(&s, ",selection_method=%s", props->selection_method);
        if (props->selection_method_param) {
            ds_put_format(&s, ",selection_method_param=%"PRIu64,
                          props->selection_method_param);
        }
        size_t n = bitmap_count1(props->fields.used.bm, MFF_N_IDS);
        if (n) {
            ds_put_cstr(&s, n == 1 ? ",fields=" : ",fields(");
            oxm_format_field_array(&s, &props->fields);
            if (n > 1) {
                ds_put_char(&s, ')');
            }
        }
    }
    LIST_FOR_EACH (bucket, list_node, buckets) {
        ds_put_cstr(&s, ",bucket=");
        if (bucket->weight != (type == OFPGT11_SELECT ? 1 : 0)) {
            ds_put_format(&s, "weight:%"PRIu16",", bucket->weight);
        }
        if (bucket->watch_port != OFPP_NONE
            && bucket->watch_port != OFPP_ANY) {
            ds_put_cstr(&s, "watch_port:");
            ofputil_format_port(bucket->watch_port, NULL, &s);
            ds_put_char(&s, ',');
        }
        if (bucket->watch_group != OFPG_ANY) {
            ds_put_format(&s, "watch_group:%"PRIu32",", bucket->watch_group);
        }
        ds_put_cstr(&s, "actions=");
        struct ofpact_format_params fp = { .s = &s };
        ofpacts_format(bucket->ofpacts, bucket->ofpacts_len, &fp);
    }
    return ds_steal_cstr(&s);
}

/* Parses "group_id=ID,SPEC" for 'command' into '*gm'. */
static int
group_parse_mod(uint32_t id, const char *spec, int command,
                struct ofputil_group_mod *gm)
{
    enum ofputil_protocol usable;
    char *text = xasprintf("group_id=%"PRIu32"%s%s", id, *spec ? "," : "",
                           spec);
    char *msg = parse_ofp_group_mod_str(gm, command, text, NULL, NULL,
                                        &usable);
    int error = 0;

    if (msg) {
        VLOG_WARN_RL(&rl, "bad group \"%s\": %s", text, msg);
        free(msg);
        error = -EINVAL;
    } else if (gm->group_id != id || !(usable & FT_CANON_PROTOCOL)) {
        VLOG_WARN_RL(&rl, "group \"%s\": group_id is given separately and "
                     "the group must suit OpenFlow 1.5", text);
        ofputil_uninit_group_mod(gm);
        error = -EINVAL;
    }
    free(text);
    return error;
}

/* Builds the canonical entry for a group from its spec, through an
 * OpenFlow 1.5 round trip. */
static int
group_parse(uint32_t id, const char *spec, struct ft_group **groupp)
{
    struct ofputil_group_mod gm, gm2;

    *groupp = NULL;
    if (id > OFPG_MAX) {
        VLOG_WARN_RL(&rl, "group_id %"PRIu32" is reserved", id);
        return -EINVAL;
    }
    int error = group_parse_mod(id, spec, OFPGC11_ADD, &gm);
    if (error) {
        return error;
    }

    struct ofpbuf *msg = ofputil_encode_group_mod(FT_CANON_VERSION, &gm,
                                                  NULL, -1);
    ofputil_uninit_group_mod(&gm);
    char what[32];
    snprintf(what, sizeof what, "group %"PRIu32, id);
    if (!message_fits(msg, what)) {
        ofpbuf_delete(msg);
        return -E2BIG;
    }
    enum ofperr err = ofputil_decode_group_mod(msg->data, &gm2);
    ofpbuf_delete(msg);
    if (err) {
        VLOG_WARN_RL(&rl, "group %"PRIu32" does not survive OpenFlow 1.5 "
                     "encoding: %s", id, ofperr_to_string(err));
        return -EINVAL;
    }

    struct ft_group *g = xzalloc(sizeof *g);
    g->node.hash = hash_int(id, 0);
    g->id = id;
    g->spec_s = group_format(gm2.type, &gm2.buckets, &gm2.props);
    ofputil_uninit_group_mod(&gm2);
    *groupp = g;
    return 0;
}

/* The owner index. */

static struct ft_owner *
owner_find(const struct flowtab *ft, uint64_t owner)
{
    struct ft_owner *o;

    HMAP_FOR_EACH_WITH_HASH (o, node, hash_uint64(owner), &ft->owners) {
        if (o->owner == owner) {
            return o;
        }
    }
    return NULL;
}

static struct ft_owner *
owner_get(struct flowtab *ft, uint64_t owner)
{
    struct ft_owner *o = owner_find(ft, owner);

    if (!o) {
        o = xmalloc(sizeof *o);
        o->owner = owner;
        hmapx_init(&o->flows);
        hmapx_init(&o->groups);
        hmapx_init(&o->learned);
        hmap_insert(&ft->owners, &o->node, hash_uint64(owner));
    }
    return o;
}

static void
owner_destroy(struct flowtab *ft, struct ft_owner *o)
{
    hmap_remove(&ft->owners, &o->node);
    hmapx_destroy(&o->flows);
    hmapx_destroy(&o->groups);
    hmapx_destroy(&o->learned);
    free(o);
}

static struct ft_learned *
learned_find(const struct hmap *sets, uint64_t cookie)
{
    struct ft_learned *l;

    HMAP_FOR_EACH_WITH_HASH (l, node, hash_uint64(cookie), sets) {
        if (l->cookie == cookie) {
            return l;
        }
    }
    return NULL;
}

static struct ft_learned *
learned_insert(struct hmap *sets, uint64_t cookie, uint8_t table)
{
    struct ft_learned *l = learned_find(sets, cookie);

    if (!l) {
        l = xzalloc(sizeof *l);
        l->cookie = cookie;
        l->table = table;
        hmap_insert(sets, &l->node, hash_uint64(cookie));
    }
    return l;
}

/* 'l' is desired again: no more deletes are due. */
static void
learned_revive(struct ft_learned *l)
{
    l->resweeps = 0;
    l->resweep_at = 0;
}

/* True if the delete of installed set 'l' repeats one already applied. */
static bool
learned_is_resweep(const struct ft_learned *l)
{
    return l->resweep_at != 0;
}

/* True if installed set 'l', no longer desired, has a delete due now. */
static bool
learned_delete_due(const struct ft_learned *l)
{
    return !learned_is_resweep(l) || l->resweep_at <= time_msec();
}

static void
learned_clear(struct hmap *sets)
{
    struct ft_learned *l;

    HMAP_FOR_EACH_POP (l, node, sets) {
        free(l);
    }
}

/* Every desired learned set may have flows on the switch from now on. */
static void
learned_mark_installed(struct flowtab *ft)
{
    const struct ft_learned *l;

    HMAP_FOR_EACH (l, node, &ft->desired_learned) {
        learned_revive(learned_insert(&ft->installed_learned, l->cookie,
                                      l->table));
    }
}

/* Rebuilds the actions of the clause flows whose contributions changed
 * (every one of them has a dirty key). */
static void
refresh_conj_actions(const struct flowtab *ft_)
{
    /* The actions of a clause flow are a cache of its contributions:
     * bringing them up to date changes nothing a caller can observe. */
    struct flowtab *ft = CONST_CAST(struct flowtab *, ft_);
    const struct ft_key *k;

    if (!ft->conj_stale) {
        return;
    }
    HMAP_FOR_EACH (k, node, &ft->dirty_flows) {
        struct ft_flow *f = flow_find__(&ft->desired_flows, k->node.hash,
                                        k->table, k->priority, k->match_s);
        if (f && f->stale) {
            flow_set_conj_actions(f);
            f->stale = false;
        }
    }
    ft->conj_stale = false;
}

struct flowtab *
flowtab_create(uint16_t round)
{
    struct flowtab *ft = xzalloc(sizeof *ft);

    ft->round = round;
    ft->learned_resweeps = FLOWTAB_LEARNED_RESWEEPS;
    ft->learned_resweep_ms = FLOWTAB_LEARNED_RESWEEP_MS;
    hmap_init(&ft->desired_flows);
    hmap_init(&ft->installed_flows);
    hmap_init(&ft->desired_groups);
    hmap_init(&ft->installed_groups);
    hmap_init(&ft->desired_learned);
    hmap_init(&ft->installed_learned);
    hmap_init(&ft->owners);
    hmap_init(&ft->conj_by_text);
    hmap_init(&ft->dirty_flows);
    hmap_init(&ft->dirty_groups);
    return ft;
}

void
flowtab_destroy(struct flowtab *ft)
{
    if (ft) {
        struct ft_owner *o;

        HMAP_FOR_EACH_SAFE (o, node, &ft->owners) {
            owner_destroy(ft, o);
        }
        hmap_destroy(&ft->owners);
        hmap_destroy(&ft->conj_by_text);
        flowtab_commit_abandon(ft);
        sync_abandon(ft);
        dirty_clear(ft);
        hmap_destroy(&ft->dirty_flows);
        hmap_destroy(&ft->dirty_groups);
        flows_clear(&ft->desired_flows);
        flows_clear(&ft->installed_flows);
        groups_clear(&ft->desired_groups);
        groups_clear(&ft->installed_groups);
        learned_clear(&ft->desired_learned);
        learned_clear(&ft->installed_learned);
        hmap_destroy(&ft->desired_learned);
        hmap_destroy(&ft->installed_learned);
        hmap_destroy(&ft->desired_flows);
        hmap_destroy(&ft->installed_flows);
        hmap_destroy(&ft->desired_groups);
        hmap_destroy(&ft->installed_groups);
        free(ft);
    }
}

uint16_t
flowtab_round(const struct flowtab *ft)
{
    return ft->round;
}

int
flowtab_add_flow(struct flowtab *ft, uint64_t owner, uint8_t table,
                 uint16_t priority, const char *match, const char *actions)
{
    struct ft_flow *f;
    int error = flow_parse(table, priority, match, actions, &f);

    if (error) {
        return error;
    }
    f->cookie = owner & COOKIE_OWNER_MASK;

    struct ft_flow *old = flow_find(&ft->desired_flows, f);
    if (old) {
        bool same = !old->n_conjs && old->cookie == f->cookie
                    && !strcmp(old->actions_s, f->actions_s);
        if (!same) {
            VLOG_WARN_RL(&rl, "flow table=%u,priority=%u,%s of owner "
                         "%#"PRIx64" conflicts with owner %#"PRIx64,
                         table, priority, f->match_s, f->cookie, old->cookie);
        }
        flow_free(f);
        return same ? 0 : -EEXIST;
    }
    hmap_insert(&ft->desired_flows, &f->node, f->node.hash);
    hmapx_add(&owner_get(ft, f->cookie)->flows, f);
    mark_flow(ft, f);
    return 0;
}

uint64_t
flowtab_conj_owner(uint64_t owner)
{
    return (owner & COOKIE_KIND_MASK) | COOKIE_ID_MASK;
}

static uint32_t
conj_text_hash(uint8_t table, uint16_t priority, const char *match)
{
    return hash_string(match, hash_int(((uint32_t) table << 16) | priority,
                                       1));
}

static struct ft_flow *
conj_find_text(const struct flowtab *ft, uint8_t table, uint16_t priority,
               const char *match)
{
    struct ft_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, text_node,
                             conj_text_hash(table, priority, match),
                             &ft->conj_by_text) {
        if (f->table == table && f->priority == priority
            && !strcmp(f->text, match)) {
            return f;
        }
    }
    return NULL;
}

/* Adds 'c' to the clause flow 'f', already desired. */
static int
conj_contribute(struct flowtab *ft, struct ft_flow *f, const struct ft_conj *c)
{
    if (f->n_conjs >= FLOWTAB_MAX_CONJS) {
        VLOG_WARN_RL(&rl, "clause flow \"%s\" already has %d conjunctions, "
                     "the most one OpenFlow message holds: conjunction %"
                     PRIu32" refused", f->text, FLOWTAB_MAX_CONJS, c->id);
        return -E2BIG;
    }
    int error = flow_add_conj(f, c);

    if (!error) {
        hmapx_add(&owner_get(ft, c->owner)->flows, f);
        ft->conj_stale |= f->stale;
        mark_flow(ft, f);
    }
    return error;
}

int
flowtab_add_conj(struct flowtab *ft, uint64_t owner, uint8_t table,
                 uint16_t priority, const char *match, uint32_t conj_id,
                 uint8_t clause, uint8_t n_clauses)
{
    struct ft_conj c = {
        .owner = owner & COOKIE_OWNER_MASK,
        .id = conj_id,
        .clause = clause,
        .n_clauses = n_clauses,
    };
    char actions[64];
    struct ft_flow *f;

    /* The clause numbers the parser would accept. */
    if (clause >= 1 && clause <= n_clauses && n_clauses >= 2
        && n_clauses <= 64) {
        f = conj_find_text(ft, table, priority, match);
        if (f && f->cookie == flowtab_conj_owner(owner)) {
            int error = conj_contribute(ft, f, &c);
            if (error != -EEXIST) {
                return error;
            }
        }
    }

    /* The parser checks the clause numbers as the switch would. */
    snprintf(actions, sizeof actions, "conjunction(%"PRIu32",%u/%u)",
             conj_id, clause, n_clauses);
    int error = flow_parse(table, priority, match, actions, &f);
    if (error) {
        return error;
    }
    f->cookie = flowtab_conj_owner(owner);

    struct ft_flow *old = flow_find(&ft->desired_flows, f);
    if (!old) {
        f->conjs = xmemdup(&c, sizeof c);
        f->n_conjs = f->allocated_conjs = 1;
        f->text = xstrdup(match);
        hmap_insert(&ft->desired_flows, &f->node, f->node.hash);
        hmap_insert(&ft->conj_by_text, &f->text_node,
                    conj_text_hash(table, priority, match));
        hmapx_add(&owner_get(ft, c.owner)->flows, f);
        mark_flow(ft, f);
        return 0;
    }
    error = (old->n_conjs && old->cookie == f->cookie
             ? conj_contribute(ft, old, &c) : -EEXIST);
    if (error == -EEXIST) {
        VLOG_WARN_RL(&rl, "flow table=%u,priority=%u,%s actions=%s of owner "
                     "%#"PRIx64" conflicts with actions=%s", table, priority,
                     f->match_s, f->actions_s, c.owner, old->actions_s);
    }
    flow_free(f);
    return error;
}

int
flowtab_add_group(struct flowtab *ft, uint64_t owner, uint32_t group_id,
                  const char *spec)
{
    struct ft_group *g;
    int error = group_parse(group_id, spec, &g);

    if (error) {
        return error;
    }
    g->owner = owner & COOKIE_OWNER_MASK;

    struct ft_group *old = group_find(&ft->desired_groups, group_id);
    if (old) {
        bool same = old->owner == g->owner && !strcmp(old->spec_s, g->spec_s);
        if (!same) {
            VLOG_WARN_RL(&rl, "group %"PRIu32" of owner %#"PRIx64" conflicts "
                         "with owner %#"PRIx64, group_id, g->owner,
                         old->owner);
        }
        group_free(g);
        return same ? 0 : -EEXIST;
    }
    hmap_insert(&ft->desired_groups, &g->node, g->node.hash);
    hmapx_add(&owner_get(ft, g->owner)->groups, g);
    mark_group(ft, g->id);
    return 0;
}

int
flowtab_add_installed_flow(struct flowtab *ft, uint64_t cookie,
                           uint8_t table, uint16_t priority,
                           const char *match, const char *actions)
{
    struct ft_flow *f;
    int error = flow_parse(table, priority, match, actions, &f);

    if (error) {
        return error;
    }
    if (cookie_get_kind(cookie) == COOKIE_KIND_LEARNED) {
        learned_insert(&ft->installed_learned, cookie & COOKIE_OWNER_MASK,
                       table);
        flow_free(f);
        return 0;
    }
    f->cookie = cookie;

    struct ft_flow *old = flow_find(&ft->installed_flows, f);
    if (old) {
        hmap_remove(&ft->installed_flows, &old->node);
        flow_free(old);
    }
    hmap_insert(&ft->installed_flows, &f->node, f->node.hash);
    ft->full = true;
    return 0;
}

int
flowtab_add_installed_group(struct flowtab *ft, uint32_t group_id,
                            const char *spec)
{
    struct ft_group *g;
    int error = group_parse(group_id, spec, &g);

    if (error) {
        return error;
    }
    struct ft_group *old = group_find(&ft->installed_groups, group_id);
    if (old) {
        hmap_remove(&ft->installed_groups, &old->node);
        group_free(old);
    }
    hmap_insert(&ft->installed_groups, &g->node, g->node.hash);
    ft->full = true;
    return 0;
}

int
flowtab_add_learned(struct flowtab *ft, uint64_t owner, uint8_t table,
                    uint64_t cookie)
{
    cookie &= COOKIE_OWNER_MASK;
    if (cookie_get_kind(cookie) != COOKIE_KIND_LEARNED) {
        return -EINVAL;
    }
    struct ft_learned *l = learned_find(&ft->desired_learned, cookie);
    if (l) {
        return l->table == table ? 0 : -EEXIST;
    }
    l = learned_insert(&ft->desired_learned, cookie, table);
    hmapx_add(&owner_get(ft, owner & COOKIE_OWNER_MASK)->learned, l);
    learned_revive(learned_insert(&ft->installed_learned, cookie, table));
    return 0;
}

void
flowtab_remove_owner(struct flowtab *ft, uint64_t owner)
{
    struct ft_owner *o = owner_find(ft, owner & COOKIE_OWNER_MASK);
    struct hmapx_node *node;

    if (!o) {
        return;
    }
    HMAPX_FOR_EACH (node, &o->flows) {
        struct ft_flow *f = node->data;

        mark_flow(ft, f);
        if (f->cookie == o->owner
            || (f->n_conjs && flow_remove_conj(f, o->owner))) {
            hmap_remove(&ft->desired_flows, &f->node);
            if (f->text) {
                hmap_remove(&ft->conj_by_text, &f->text_node);
            }
            flow_free(f);
        } else {
            ft->conj_stale |= f->stale;
        }
    }
    HMAPX_FOR_EACH (node, &o->groups) {
        struct ft_group *g = node->data;

        mark_group(ft, g->id);
        hmap_remove(&ft->desired_groups, &g->node);
        group_free(g);
    }
    HMAPX_FOR_EACH (node, &o->learned) {
        struct ft_learned *l = node->data;

        hmap_remove(&ft->desired_learned, &l->node);
        free(l);
    }
    owner_destroy(ft, o);
}

size_t
flowtab_count(const struct flowtab *ft)
{
    return hmap_count(&ft->desired_flows);
}

size_t
flowtab_count_groups(const struct flowtab *ft)
{
    return hmap_count(&ft->desired_groups);
}

size_t
flowtab_count_owner(const struct flowtab *ft, uint64_t owner)
{
    const struct ft_owner *o;
    const struct ft_flow *f;
    size_t n = 0;

    owner &= COOKIE_OWNER_MASK;
    if (owner != flowtab_conj_owner(owner)) {
        o = owner_find(ft, owner);
        return o ? hmapx_count(&o->flows) : 0;
    }
    /* Clause flows are indexed by their contributors only. */
    HMAP_FOR_EACH (f, node, &ft->desired_flows) {
        n += f->cookie == owner;
    }
    return n;
}

/* Table ascending, priority descending, then match: the order in which a
 * reader expects a pipeline. */
static int
flow_compare(const void *a_, const void *b_)
{
    const struct ft_flow *a = *(const struct ft_flow *const *) a_;
    const struct ft_flow *b = *(const struct ft_flow *const *) b_;

    if (a->table != b->table) {
        return a->table < b->table ? -1 : 1;
    }
    if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;
    }
    return strcmp(a->match_s, b->match_s);
}

static void
format_flow(struct ds *s, const struct ft_flow *f)
{
    ds_put_format(s, "table=%u,priority=%u%s%s", f->table, f->priority,
                  *f->match_s ? "," : "", f->match_s);
}

void
flowtab_format_desired(const struct flowtab *ft, uint64_t owner,
                       struct ds *s)
{
    size_t n = hmap_count(&ft->desired_flows);
    const struct ft_flow **flows = xmalloc((n ? n : 1) * sizeof *flows);
    const struct ft_flow *f;
    size_t k = 0;

    refresh_conj_actions(ft);
    owner &= COOKIE_OWNER_MASK;
    HMAP_FOR_EACH (f, node, &ft->desired_flows) {
        if (!owner || flow_has_owner(f, owner)) {
            flows[k++] = f;
        }
    }
    qsort(flows, k, sizeof *flows, flow_compare);
    for (size_t i = 0; i < k; i++) {
        format_flow(s, flows[i]);
        ds_put_format(s, " actions=%s\n", flows[i]->actions_s);
    }
    free(flows);
}

static void
diff_push(struct ft_diff *d, enum ft_op_type type,
          const struct ft_flow *flow, const struct ft_group *group)
{
    if (d->n >= d->allocated) {
        d->ops = x2nrealloc(d->ops, &d->allocated, sizeof *d->ops);
    }
    d->ops[d->n++] = (struct ft_op) { type, flow, group, NULL };
}

static int
op_compare(const void *a_, const void *b_)
{
    const struct ft_op *a = a_;
    const struct ft_op *b = b_;

    if (a->type != b->type) {
        return a->type < b->type ? -1 : 1;
    }
    if (a->flow) {
        return flow_compare(&a->flow, &b->flow);
    }
    if (a->learned) {
        return (a->learned->cookie < b->learned->cookie ? -1
                : a->learned->cookie > b->learned->cookie);
    }
    return a->group->id < b->group->id ? -1 : a->group->id > b->group->id;
}

/* The operation that brings 'old' (installed, or NULL) to 'g' (desired,
 * or NULL). */
static void
diff_group(struct ft_diff *d, const struct ft_group *g,
           const struct ft_group *old)
{
    if (g && !old) {
        diff_push(d, FT_GROUP_ADD, NULL, g);
    } else if (g && strcmp(old->spec_s, g->spec_s)) {
        diff_push(d, FT_GROUP_MODIFY, NULL, g);
    } else if (!g && old) {
        diff_push(d, FT_GROUP_DELETE, NULL, old);
    }
}

/* Likewise for flows.  A desired flow is up to date only if the switch has
 * it with the same actions and with this round's cookie: after a restart,
 * every flow is re-added once so that its cookie names the new round. */
static void
diff_flow(const struct flowtab *ft, struct ft_diff *d, const struct ft_flow *f,
          const struct ft_flow *old)
{
    if (f && !old) {
        diff_push(d, FT_FLOW_ADD, f, NULL);
    } else if (f && strcmp(old->actions_s, f->actions_s)) {
        diff_push(d, FT_FLOW_MODIFY, f, NULL);
    } else if (f && old->cookie != (f->cookie | ft->round)) {
        diff_push(d, FT_FLOW_MODIFY, f, NULL);
        d->n_restamps++;
    } else if (!f && old) {
        diff_push(d, FT_FLOW_DELETE, old, NULL);
    }
}

/* The difference at the keys that changed since the last commit. */
static void
diff_compute_dirty(const struct flowtab *ft, struct ft_diff *d)
{
    const struct ft_key *k;
    const struct ft_gkey *gk;

    HMAP_FOR_EACH (gk, node, &ft->dirty_groups) {
        diff_group(d, group_find(&ft->desired_groups, gk->id),
                   group_find(&ft->installed_groups, gk->id));
    }
    HMAP_FOR_EACH (k, node, &ft->dirty_flows) {
        uint32_t hash = k->node.hash;

        diff_flow(ft, d, flow_find__(&ft->desired_flows, hash, k->table,
                                     k->priority, k->match_s),
                  flow_find__(&ft->installed_flows, hash, k->table,
                              k->priority, k->match_s));
    }
}

static void
diff_compute_groups(const struct flowtab *ft, struct ft_diff *d)
{
    const struct ft_group *g;

    HMAP_FOR_EACH (g, node, &ft->desired_groups) {
        diff_group(d, g, group_find(&ft->installed_groups, g->id));
    }
    HMAP_FOR_EACH (g, node, &ft->installed_groups) {
        if (!group_find(&ft->desired_groups, g->id)) {
            diff_group(d, NULL, g);
        }
    }
}

static void
diff_compute_flows(const struct flowtab *ft, struct ft_diff *d)
{
    const struct ft_flow *f;

    HMAP_FOR_EACH (f, node, &ft->desired_flows) {
        diff_flow(ft, d, f, flow_find(&ft->installed_flows, f));
    }
    HMAP_FOR_EACH (f, node, &ft->installed_flows) {
        if (!flow_find(&ft->desired_flows, f)) {
            diff_flow(ft, d, NULL, f);
        }
    }
}

static void
diff_compute_learned(const struct flowtab *ft, struct ft_diff *d)
{
    const struct ft_learned *l;

    HMAP_FOR_EACH (l, node, &ft->installed_learned) {
        if (!learned_find(&ft->desired_learned, l->cookie)
            && learned_delete_due(l)) {
            diff_push(d, FT_LEARNED_DELETE, NULL, NULL);
            d->ops[d->n - 1].learned = l;
            d->n_resweeps += learned_is_resweep(l);
        }
    }
}

static void
diff_compute(const struct flowtab *ft, struct ft_diff *d)
{
    *d = (struct ft_diff) { .ops = NULL };
    refresh_conj_actions(ft);
    if (ft->full) {
        diff_compute_groups(ft, d);
        diff_compute_flows(ft, d);
    } else {
        diff_compute_dirty(ft, d);
    }
    diff_compute_learned(ft, d);
    if (d->n) {
        qsort(d->ops, d->n, sizeof *d->ops, op_compare);
    }
}

static void
diff_destroy(struct ft_diff *d)
{
    free(d->ops);
}

size_t
flowtab_count_changes(const struct flowtab *ft)
{
    struct ft_diff d;

    diff_compute(ft, &d);
    size_t n = d.n - d.n_resweeps;
    diff_destroy(&d);
    return n;
}

bool
flowtab_has_changes(const struct flowtab *ft)
{
    /* An idle loop asks this on every wake-up: nothing to look at unless
     * a key changed (learned sets to delete are few, and counted). */
    if (!ft->full && hmap_is_empty(&ft->dirty_flows)
        && hmap_is_empty(&ft->dirty_groups)
        && hmap_count(&ft->installed_learned)
           <= hmap_count(&ft->desired_learned)) {
        return false;
    }
    struct ft_diff d;

    diff_compute(ft, &d);
    bool changes = d.n > 0;
    diff_destroy(&d);
    return changes;
}

void
flowtab_wait(const struct flowtab *ft)
{
    const struct ft_learned *l;

    HMAP_FOR_EACH (l, node, &ft->installed_learned) {
        if (learned_is_resweep(l)
            && !learned_find(&ft->desired_learned, l->cookie)) {
            poll_timer_wait_until(l->resweep_at);
        }
    }
}

void
flowtab_set_learned_resweeps(struct flowtab *ft, int n, int interval_ms)
{
    ft->learned_resweeps = n;
    ft->learned_resweep_ms = interval_ms;
}

void
flowtab_clear_desired(struct flowtab *ft)
{
    struct ft_owner *o;

    HMAP_FOR_EACH_SAFE (o, node, &ft->owners) {
        owner_destroy(ft, o);
    }
    hmap_clear(&ft->conj_by_text);
    flows_clear(&ft->desired_flows);
    groups_clear(&ft->desired_groups);
    learned_clear(&ft->desired_learned);
    ft->conj_stale = false;
    ft->full = true;
}

void
flowtab_format_diff(const struct flowtab *ft, struct ds *s)
{
    static const char *const names[] = {
        [FT_GROUP_ADD] = "add-group",
        [FT_GROUP_MODIFY] = "modify-group",
        [FT_FLOW_ADD] = "add",
        [FT_FLOW_MODIFY] = "modify",
        [FT_FLOW_DELETE] = "delete",
        [FT_LEARNED_DELETE] = "delete-learned",
        [FT_GROUP_DELETE] = "delete-group",
    };
    struct ft_diff d;

    diff_compute(ft, &d);
    for (size_t i = 0; i < d.n; i++) {
        const struct ft_op *op = &d.ops[i];

        ds_put_format(s, "%s ", names[op->type]);
        if (op->learned) {
            ds_put_format(s, "table=%"PRIu8",cookie=%#"PRIx64"/%#"PRIx64,
                          op->learned->table, op->learned->cookie,
                          COOKIE_OWNER_MASK);
        } else if (op->group) {
            ds_put_format(s, "group_id=%"PRIu32, op->group->id);
            if (op->type != FT_GROUP_DELETE) {
                ds_put_format(s, ",%s", op->group->spec_s);
            }
        } else if (op->type == FT_FLOW_DELETE) {
            format_flow(s, op->flow);
            ds_put_format(s, " cookie=%#"PRIx64, op->flow->cookie);
        } else {
            format_flow(s, op->flow);
            ds_put_format(s, " cookie=%#"PRIx64" actions=%s",
                          op->flow->cookie | ft->round, op->flow->actions_s);
        }
        ds_put_char(s, '\n');
    }
    diff_destroy(&d);
}

static struct ofpbuf *
encode_flow_op(const struct flowtab *ft, const struct ft_op *op,
               enum ofputil_protocol protocol)
{
    const struct ft_flow *f = op->flow;
    struct ofputil_flow_mod fm = {
        .match = f->match,
        .priority = f->priority,
        .table_id = f->table,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };

    if (op->type == FT_FLOW_DELETE) {
        /* Matching the exact cookie leaves alone a flow that someone else
         * put in its place since the last dump. */
        fm.command = OFPFC_DELETE_STRICT;
        fm.cookie = htonll(f->cookie);
        fm.cookie_mask = OVS_BE64_MAX;
        fm.new_cookie = OVS_BE64_MAX;
    } else {
        fm.command = OFPFC_ADD;
        fm.new_cookie = htonll(f->cookie | ft->round);
        fm.ofpacts = f->ofpacts;
        fm.ofpacts_len = f->ofpacts_len;
    }
    return ofputil_encode_flow_mod(&fm, protocol);
}

/* Every flow of the set, whatever round its learn action was written in. */
static struct ofpbuf *
encode_learned_op(const struct ft_op *op, enum ofputil_protocol protocol)
{
    struct ofputil_flow_mod fm = {
        .command = OFPFC_DELETE,
        .table_id = op->learned->table,
        .cookie = htonll(op->learned->cookie),
        .cookie_mask = htonll(COOKIE_OWNER_MASK),
        .new_cookie = OVS_BE64_MAX,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };

    minimatch_init_catchall(&fm.match);
    struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, protocol);
    minimatch_destroy(&fm.match);
    return msg;
}

static struct ofpbuf *
encode_group_op(const struct ft_op *op, enum ofp_version version)
{
    static const int commands[] = {
        [FT_GROUP_ADD] = OFPGC11_ADD,
        [FT_GROUP_MODIFY] = OFPGC11_MODIFY,
        [FT_GROUP_DELETE] = OFPGC11_DELETE,
    };
    const struct ft_group *g = op->group;
    struct ofputil_group_mod gm;

    if (group_parse_mod(g->id, op->type == FT_GROUP_DELETE ? "" : g->spec_s,
                        commands[op->type], &gm)) {
        return NULL;
    }
    struct ofpbuf *msg = ofputil_encode_group_mod(version, &gm, NULL, -1);
    ofputil_uninit_group_mod(&gm);
    return msg;
}

static int
encode_diff(const struct flowtab *ft, const struct ft_diff *d,
            const struct ofconn *conn, struct ovs_list *msgs)
{
    ovs_list_init(msgs);
    for (size_t i = 0; i < d->n; i++) {
        const struct ft_op *op = &d->ops[i];
        struct ofpbuf *msg = (op->flow
                              ? encode_flow_op(ft, op, ofconn_protocol(conn))
                              : op->learned
                              ? encode_learned_op(op, ofconn_protocol(conn))
                              : encode_group_op(op, ofconn_version(conn)));
        if (!msg) {
            ofpbuf_list_delete(msgs);
            return -EINVAL;
        }
        ovs_list_push_back(msgs, &msg->list_node);
    }
    return 0;
}

/* What a commit sent, kept until the switch has answered: the desired
 * entries may change or go meanwhile. */
struct ft_sent {
    enum ft_op_type type;
    struct ft_flow *flow;       /* a copy; for deletes, of the installed */
    struct ft_group *group;     /* likewise */
    uint64_t learned_cookie;    /* FT_LEARNED_DELETE */
};

struct ft_commit {
    struct ft_sent *ops;
    size_t n;
    unsigned int id;            /* the bundle's request (ofconn.h) */
    bool restamp_only;          /* every op re-stamps a cookie alone */
};

static void
commit_init(struct ft_commit *c, const struct flowtab *ft,
            const struct ft_diff *d)
{
    c->ops = xcalloc(d->n, sizeof *c->ops);
    c->n = d->n;
    c->id = 0;
    c->restamp_only = d->n == d->n_restamps;
    for (size_t i = 0; i < d->n; i++) {
        const struct ft_op *op = &d->ops[i];
        struct ft_sent *sent = &c->ops[i];

        sent->type = op->type;
        if (op->learned) {
            sent->learned_cookie = op->learned->cookie;
        } else if (op->group) {
            sent->group = group_clone(op->group);
        } else {
            sent->flow = flow_clone(op->flow);
            if (op->type != FT_FLOW_DELETE) {
                sent->flow->cookie |= ft->round;
            }
        }
    }
}

static void
commit_destroy(struct ft_commit *c)
{
    for (size_t i = 0; i < c->n; i++) {
        flow_free(c->ops[i].flow);
        group_free(c->ops[i].group);
    }
    free(c->ops);
    memset(c, 0, sizeof *c);
}

static void
installed_replace_flow(struct flowtab *ft, struct ft_flow *f)
{
    struct ft_flow *old = flow_find(&ft->installed_flows, f);

    if (old) {
        hmap_remove(&ft->installed_flows, &old->node);
        flow_free(old);
    }
    if (f) {
        hmap_insert(&ft->installed_flows, &f->node, f->node.hash);
    }
}

static void
installed_replace_group(struct flowtab *ft, uint32_t id, struct ft_group *g)
{
    struct ft_group *old = group_find(&ft->installed_groups, id);

    if (old) {
        hmap_remove(&ft->installed_groups, &old->node);
        group_free(old);
    }
    if (g) {
        hmap_insert(&ft->installed_groups, &g->node, g->node.hash);
    }
}

/* The switch deleted the flows of learned set 'cookie': another delete
 * comes later, or the set is forgotten.  A set desired again meanwhile
 * stays as it is. */
static void
learned_swept(struct flowtab *ft, uint64_t cookie)
{
    struct ft_learned *l = learned_find(&ft->installed_learned, cookie);

    if (!l || learned_find(&ft->desired_learned, cookie)) {
        return;
    }
    if (!learned_is_resweep(l)) {
        l->resweeps = ft->learned_resweeps;
    }
    if (l->resweeps-- > 0) {
        l->resweep_at = time_msec() + ft->learned_resweep_ms;
        l->resweep_at += !l->resweep_at;
    } else {
        hmap_remove(&ft->installed_learned, &l->node);
        free(l);
    }
}

/* Brings the installed tables in line with what the switch has after the
 * bundle of 'c', taking its copies. */
static void
commit_apply(struct flowtab *ft, struct ft_commit *c)
{
    ft->last_restamp_only = c->restamp_only;
    for (size_t i = 0; i < c->n; i++) {
        struct ft_sent *sent = &c->ops[i];

        if (sent->type == FT_LEARNED_DELETE) {
            learned_swept(ft, sent->learned_cookie);
        } else if (sent->group) {
            installed_replace_group(ft, sent->group->id,
                                    sent->type == FT_GROUP_DELETE
                                    ? NULL : sent->group);
            if (sent->type != FT_GROUP_DELETE) {
                sent->group = NULL;
            }
        } else if (sent->type == FT_FLOW_DELETE) {
            struct ft_flow *old = flow_find(&ft->installed_flows, sent->flow);
            if (old) {
                hmap_remove(&ft->installed_flows, &old->node);
                flow_free(old);
            }
        } else {
            installed_replace_flow(ft, sent->flow);
            sent->flow = NULL;
        }
    }
    commit_destroy(c);
}

void
flowtab_assume_committed(struct flowtab *ft)
{
    struct ft_commit c;
    struct ft_diff d;

    diff_compute(ft, &d);
    commit_init(&c, ft, &d);
    diff_destroy(&d);
    commit_apply(ft, &c);
    dirty_clear(ft);
}

bool
flowtab_commit_in_flight(const struct flowtab *ft)
{
    return ft->commit != NULL;
}

int
flowtab_commit_start(struct flowtab *ft, struct ofconn *conn)
{
    struct ovs_list msgs;
    struct ft_diff d;

    if (ft->commit) {
        return -EBUSY;
    }
    diff_compute(ft, &d);
    if (!d.n) {
        dirty_clear(ft);
        diff_destroy(&d);
        return 0;
    }
    int error = encode_diff(ft, &d, conn, &msgs);
    if (!error) {
        ft->commit = xmalloc(sizeof *ft->commit);
        commit_init(ft->commit, ft, &d);
        error = ofconn_bundle_start(conn, &msgs, &ft->commit->id);
    }
    if (error) {
        VLOG_WARN("bundle of %zu changes not sent: %s", d.n,
                  ovs_strerror(-error));
        flowtab_commit_abandon(ft);
    } else {
        /* Changes made from now on are the next commit's. */
        dirty_clear(ft);
    }
    diff_destroy(&d);
    return error;
}

bool
flowtab_last_commit_restamped(const struct flowtab *ft)
{
    return ft->last_restamp_only;
}

int
flowtab_commit_finish(struct flowtab *ft, struct ofconn *conn)
{
    if (!ft->commit) {
        return 0;
    }
    int error = ofconn_finish(conn, ft->commit->id, NULL);
    if (error == -EINPROGRESS) {
        return error;
    }
    if (error) {
        VLOG_WARN("bundle of %zu changes not applied: %s", ft->commit->n,
                  ovs_strerror(-error));
        flowtab_commit_abandon(ft);
    } else {
        VLOG_DBG("bundle of %zu changes applied", ft->commit->n);
        commit_apply(ft, ft->commit);
        free(ft->commit);
        ft->commit = NULL;
    }
    return error;
}

void
flowtab_commit_abandon(struct flowtab *ft)
{
    if (ft->commit) {
        commit_destroy(ft->commit);
        free(ft->commit);
        ft->commit = NULL;
        /* Whether the switch applied it is unknown: the next commit looks
         * at everything. */
        ft->full = true;
    }
}

/* Runs 'conn' alone until 'finish' stops saying -EINPROGRESS. */
static int
wait_finish(struct flowtab *ft, struct ofconn *conn,
            int (*finish)(struct flowtab *, struct ofconn *))
{
    for (;;) {
        ofconn_run(conn);
        int error = finish(ft, conn);
        if (error != -EINPROGRESS) {
            return error;
        }
        ofconn_wait(conn);
        poll_block();
    }
}

int
flowtab_commit(struct flowtab *ft, struct ofconn *conn)
{
    int error = flowtab_commit_start(ft, conn);

    return error ? error : wait_finish(ft, conn, flowtab_commit_finish);
}

struct sync_ctx {
    struct hmap flows;
    struct hmap groups;
    struct hmap learned;
    int error;
};

static bool
cookie_is_ours(uint64_t cookie)
{
    enum cookie_kind kind = cookie_get_kind(cookie);

    return kind >= COOKIE_KIND_NODE && kind <= COOKIE_KIND_TRACE;
}

static void
sync_flow_cb(const void *fs_, void *ctx_)
{
    const struct ofputil_flow_stats *fs = fs_;
    struct sync_ctx *ctx = ctx_;
    uint64_t cookie = ntohll(fs->cookie);

    if (!cookie_is_ours(cookie) || ctx->error) {
        return;
    }
    if (cookie_get_kind(cookie) == COOKIE_KIND_LEARNED) {
        learned_insert(&ctx->learned, cookie & COOKIE_OWNER_MASK,
                       fs->table_id);
        return;
    }

    struct ofputil_flow_mod fm = {
        .command = OFPFC_ADD,
        .priority = fs->priority,
        .table_id = fs->table_id,
        .new_cookie = fs->cookie,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .ofpacts = CONST_CAST(struct ofpact *, fs->ofpacts),
        .ofpacts_len = fs->ofpacts_len,
    };
    minimatch_init(&fm.match, &fs->match);
    struct ft_flow *f = flow_canonicalize(&fm);
    minimatch_destroy(&fm.match);
    if (!f) {
        ctx->error = -EPROTO;
        return;
    }
    f->cookie = cookie;
    hmap_insert(&ctx->flows, &f->node, f->node.hash);
}

static void
sync_group_cb(const void *gd_, void *ctx_)
{
    const struct ofputil_group_desc *gd = gd_;
    struct sync_ctx *ctx = ctx_;
    struct ft_group *g = xzalloc(sizeof *g);

    g->node.hash = hash_int(gd->group_id, 0);
    g->id = gd->group_id;
    g->spec_s = group_format(gd->type, &gd->buckets, &gd->props);
    hmap_insert(&ctx->groups, &g->node, g->node.hash);
}

/* The two dumps a sync waits for, and what they found so far. */
struct ft_sync {
    struct sync_ctx ctx;
    unsigned int flows_id, groups_id;   /* 0 once taken */
};

static void
sync_ctx_destroy(struct sync_ctx *ctx)
{
    flows_clear(&ctx->flows);
    groups_clear(&ctx->groups);
    learned_clear(&ctx->learned);
    hmap_destroy(&ctx->flows);
    hmap_destroy(&ctx->groups);
    hmap_destroy(&ctx->learned);
}

static void
sync_abandon(struct flowtab *ft)
{
    if (ft->sync) {
        sync_ctx_destroy(&ft->sync->ctx);
        free(ft->sync);
        ft->sync = NULL;
    }
}

int
flowtab_sync_start(struct flowtab *ft, struct ofconn *conn)
{
    sync_abandon(ft);
    ft->sync = xzalloc(sizeof *ft->sync);
    hmap_init(&ft->sync->ctx.flows);
    hmap_init(&ft->sync->ctx.groups);
    hmap_init(&ft->sync->ctx.learned);

    int error = ofconn_dump_flows_start(conn, OFPTT_ALL, 0, 0,
                                        &ft->sync->flows_id);
    if (!error) {
        error = ofconn_dump_groups_start(conn, &ft->sync->groups_id);
    }
    if (error) {
        sync_abandon(ft);
    }
    return error;
}

static void
sync_take(struct flowtab *ft, struct sync_ctx *ctx)
{
    hmap_swap(&ctx->flows, &ft->installed_flows);
    hmap_swap(&ctx->groups, &ft->installed_groups);
    hmap_swap(&ctx->learned, &ft->installed_learned);
    VLOG_INFO("switch has %zu of our flows, %zu groups and flows of %zu "
              "learned sets", hmap_count(&ft->installed_flows),
              hmap_count(&ft->installed_groups),
              hmap_count(&ft->installed_learned));
    learned_mark_installed(ft);
    ft->full = true;
}

/* Takes the outcome of one of the sync's dumps: -EINPROGRESS while it
 * runs, 0 once taken (now or earlier). */
static int
sync_finish_dump(struct ofconn *conn, unsigned int *idp,
                 int (*finish)(struct ofconn *, unsigned int,
                               void (*)(const void *, void *), void *),
                 void (*cb)(const void *, void *), struct sync_ctx *ctx)
{
    if (!*idp) {
        return 0;
    }
    int error = finish(conn, *idp, cb, ctx);
    if (error != -EINPROGRESS) {
        *idp = 0;
    }
    return error ? error : ctx->error;
}

int
flowtab_sync_finish(struct flowtab *ft, struct ofconn *conn)
{
    struct ft_sync *sync = ft->sync;

    if (!sync) {
        return -ENOENT;
    }
    int error = sync_finish_dump(conn, &sync->flows_id,
                                 ofconn_dump_flows_finish, sync_flow_cb,
                                 &sync->ctx);
    if (!error) {
        error = sync_finish_dump(conn, &sync->groups_id,
                                 ofconn_dump_groups_finish, sync_group_cb,
                                 &sync->ctx);
    }
    if (error == -EINPROGRESS) {
        return error;
    }
    if (!error) {
        sync_take(ft, &sync->ctx);
    } else {
        VLOG_WARN("the switch's flows could not be read: %s",
                  ovs_strerror(-error));
        if (sync->flows_id) {
            ofconn_cancel(conn, sync->flows_id);
        }
        if (sync->groups_id) {
            ofconn_cancel(conn, sync->groups_id);
        }
    }
    sync_abandon(ft);
    return error;
}

int
flowtab_sync_installed(struct flowtab *ft, struct ofconn *conn)
{
    int error = flowtab_sync_start(ft, conn);

    return error ? error : wait_finish(ft, conn, flowtab_sync_finish);
}

/* First difference between the desired flows of 'owner' in 'ft' and the
 * flows of that owner in 'installed' (freshly read from the switch), or
 * NULL when they are the same. */
static char *
owner_difference(const struct flowtab *ft, const struct hmap *installed,
                 uint64_t owner)
{
    const struct ft_flow *f;
    struct ds s = DS_EMPTY_INITIALIZER;

    refresh_conj_actions(ft);
    HMAP_FOR_EACH (f, node, &ft->desired_flows) {
        if (!flow_has_owner(f, owner)) {
            continue;
        }
        const struct ft_flow *got = flow_find(installed, f);
        if (!got || (got->cookie & COOKIE_OWNER_MASK) != f->cookie
            || strcmp(got->actions_s, f->actions_s)) {
            ds_put_cstr(&s, got ? "flow differs on the switch: "
                        : "flow missing on the switch: ");
            format_flow(&s, f);
            return ds_steal_cstr(&s);
        }
    }
    HMAP_FOR_EACH (f, node, installed) {
        if ((f->cookie & COOKIE_OWNER_MASK) == owner
            && !flow_find(&ft->desired_flows, f)) {
            ds_put_cstr(&s, "unexpected flow on the switch: ");
            format_flow(&s, f);
            return ds_steal_cstr(&s);
        }
    }
    return NULL;
}

int
flowtab_verify_owner(const struct flowtab *ft, struct ofconn *conn,
                     uint64_t owner, char **whyp)
{
    struct flowtab *now = flowtab_create(ft->round);
    int error = flowtab_sync_installed(now, conn);

    *whyp = NULL;
    if (error) {
        *whyp = xasprintf("flows could not be read from the switch: %s",
                          ovs_strerror(-error));
    } else if (!flowtab_count_owner(ft, owner)) {
        *whyp = xstrdup("no flows are desired for this owner");
        error = -ENOENT;
    } else {
        *whyp = owner_difference(ft, &now->installed_flows,
                                 owner & COOKIE_OWNER_MASK);
        error = *whyp ? -ENOENT : 0;
    }
    flowtab_destroy(now);
    return error;
}

void
flowtab_count_by_table(const struct flowtab *ft, size_t counts[256])
{
    const struct ft_flow *f;

    memset(counts, 0, 256 * sizeof *counts);
    HMAP_FOR_EACH (f, node, &ft->desired_flows) {
        counts[f->table]++;
    }
}

size_t
flowtab_commit_size(const struct flowtab *ft)
{
    return ft->commit ? ft->commit->n : 0;
}
