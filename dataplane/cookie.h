/*
 * Flow cookies name the owner of every flow Seine installs, so that a
 * restarted agent can tell its own flows, and stale ones, apart without
 * flushing the table.
 *
 *   63      60 59                                  16 15           0
 *  +----------+--------------------------------------+--------------+
 *  |   kind   |               owner id               |    round     |
 *  +----------+--------------------------------------+--------------+
 *
 * 'kind' says what owns the flow (node pipeline, pod attachment, policy
 * rule, service, or the switch itself learning for one of them); 'owner
 * id' names the instance; 'round' is the agent's
 * generation, bumped on every agent start.  Kind 0 is never used, so a
 * cookie of 0 is never one of ours.
 */
#ifndef COOKIE_H
#define COOKIE_H 1

#include <stdint.h>

enum cookie_kind {
    COOKIE_KIND_NODE = 1,       /* per-node pipeline flows */
    COOKIE_KIND_POD = 2,        /* one pod attachment (container + ifname) */
    COOKIE_KIND_POLICY = 3,
    COOKIE_KIND_SERVICE = 4,
    COOKIE_KIND_LEARNED = 5,    /* made by the switch's learn actions for
                                 * one of the owners above (flowtab.h) */
    COOKIE_KIND_TRACE = 6,      /* one Traceflow's flows, for its tag
                                 * (traceflows.h) */
};

#define COOKIE_KIND_SHIFT 60
#define COOKIE_ID_SHIFT 16
#define COOKIE_ROUND_MASK UINT64_C(0xffff)
#define COOKIE_ID_MASK (((UINT64_C(1) << 44) - 1) << COOKIE_ID_SHIFT)
#define COOKIE_KIND_MASK (UINT64_C(0xf) << COOKIE_KIND_SHIFT)
#define COOKIE_OWNER_MASK (COOKIE_KIND_MASK | COOKIE_ID_MASK)

static inline uint64_t
cookie_make(enum cookie_kind kind, uint64_t id, uint16_t round)
{
    return ((uint64_t) kind << COOKIE_KIND_SHIFT)
           | ((id << COOKIE_ID_SHIFT) & COOKIE_ID_MASK)
           | round;
}

/* The owner part of a cookie (kind + id), without the round. */
static inline uint64_t
cookie_owner(enum cookie_kind kind, uint64_t id)
{
    return cookie_make(kind, id, 0);
}

static inline enum cookie_kind
cookie_get_kind(uint64_t cookie)
{
    return (enum cookie_kind) (cookie >> COOKIE_KIND_SHIFT);
}

static inline uint16_t
cookie_get_round(uint64_t cookie)
{
    return cookie & COOKIE_ROUND_MASK;
}

#endif /* cookie.h */
