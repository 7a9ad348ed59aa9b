/*
 * flowtab: the desired OpenFlow flows and groups of one bridge, the set the
 * switch has installed, and the difference between the two.
 *
 * Generators (dataplane/pipeline.c, later policy and services) only *add
 * desired flows* under an owner (cookie kind + id, see cookie.h).  A flow is
 * identified by (table, priority, match); its value is (actions, owner).
 * Conjunction clause flows are the exception: several owners contribute
 * one conjunction() action each to the same flow (flowtab_add_conj()).
 * flowtab_commit() compares desired with installed and sends the difference
 * as one ORDERED|ATOMIC OpenFlow bundle through an ofconn, so the switch
 * never sees a half-applied change; an empty difference sends nothing.
 *
 * Flows are written in ovs-ofctl syntax ("ip,nw_src=10.0.0.1",
 * "goto_table:10"), parsed with libopenvswitch's ofputil parser, and kept
 * in the canonical text form that OVS itself prints, so desired flows can
 * be compared with flows dumped from the switch, and unit tests can compare
 * exact strings.
 *
 * Agent restart: flowtab_sync_installed() reads the flows whose cookie kind
 * is one of ours from the switch.  The first commit after it re-adds every
 * desired flow with the new round (an OpenFlow add of an identical flow
 * replaces it in place: no gap) and deletes, in the same bundle, every
 * installed flow that is not desired.  Nothing is flushed.
 */
#ifndef FLOWTAB_H
#define FLOWTAB_H 1

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct ofconn;
struct flowtab;
struct ds;

/* An OpenFlow message's length is 16 bits, and every flow or group goes
 * to the switch inside a bundle add message (16 bytes of its own): a flow
 * or group whose message is longer than this is refused when it is added
 * (-EINVAL for a flow, -E2BIG for a group), not sent broken. */
#define FLOWTAB_MAX_MSG (65535 - 16)

/* The most conjunction() actions one clause flow takes: each is 16 bytes
 * (NXAST_CONJUNCTION), and the flow_mod header, the largest match a clause
 * flow has (a masked address, a protocol and a masked port) and the
 * apply-actions instruction take well under 1,024 bytes of the message. */
#define FLOWTAB_MAX_CONJS 4000
_Static_assert(FLOWTAB_MAX_CONJS * 16 + 1024 <= FLOWTAB_MAX_MSG,
               "FLOWTAB_MAX_CONJS clause flows fit in one message");

struct flowtab *flowtab_create(uint16_t round);
void flowtab_destroy(struct flowtab *);
uint16_t flowtab_round(const struct flowtab *);

/* Adds a desired flow owned by 'owner' (cookie_owner(); the round is added
 * by flowtab).  'match' and 'actions' are in ovs-ofctl syntax, without
 * table/priority/cookie.  Returns 0, -EINVAL if they do not parse (and
 * logs why), or -EEXIST if an identical (table, priority, match) flow with
 * a different owner or different actions is already desired. */
int flowtab_add_flow(struct flowtab *, uint64_t owner, uint8_t table,
                     uint16_t priority, const char *match,
                     const char *actions);

/* Adds owner's conjunction(CONJ_ID,CLAUSE/N_CLAUSES) action to the clause
 * flow (table, priority, match).  Several owners may contribute to one
 * clause flow: its actions are all contributions, sorted by conjunction
 * id, exactly as OVS prints them ("conjunction(7,1/3),conjunction(9,1/2)"),
 * and its cookie owner is flowtab_conj_owner(owner), not any contributor.
 * 'clause' counts from 1 (1 <= clause <= n_clauses, 2 <= n_clauses <= 64).
 * Adding the same contribution again is a no-op.  Returns 0, -EINVAL if
 * the flow does not parse, -E2BIG if the flow has FLOWTAB_MAX_CONJS
 * contributions already, or -EEXIST if the key is taken by a normal
 * flow (flowtab_add_flow()), by contributions of another cookie kind, or
 * by another contribution with the same conjunction id.
 *
 * For the owner-based functions below, an owner "has" every shared flow it
 * contributes to: flowtab_count_owner() counts it, flowtab_format_desired()
 * prints it (with all contributions), flowtab_verify_owner() checks it on
 * the switch (with all contributions and the shared cookie), and
 * flowtab_remove_owner() removes only the owner's contributions, and the
 * flow with the last one.  flowtab_count() counts a shared flow once. */
int flowtab_add_conj(struct flowtab *, uint64_t owner, uint8_t table,
                     uint16_t priority, const char *match, uint32_t conj_id,
                     uint8_t clause, uint8_t n_clauses);

/* The cookie owner of shared clause flows contributed by owners of the
 * cookie kind of 'owner': that kind with every id bit set. */
uint64_t flowtab_conj_owner(uint64_t owner);

/* Adds a desired group, 'spec' in ovs-ofctl add-group syntax without
 * group_id ("type=select,bucket=...").  Returns 0 or -EINVAL/-EEXIST, or
 * -E2BIG if it does not fit in one message (FLOWTAB_MAX_MSG). */
int flowtab_add_group(struct flowtab *, uint64_t owner, uint32_t group_id,
                      const char *spec);

/* Declares that the switch's learn actions write flows with 'cookie' (kind
 * COOKIE_KIND_LEARNED, an owner id of the caller's choice, no round) into
 * 'table' while 'owner' wants them.  Once no owner declares the set, the
 * next commit deletes its flows by cookie (any round), in the same bundle
 * as the other changes; a set found on the switch that nobody declares
 * (after a restart) goes the same way.  0, -EINVAL for another cookie
 * kind, -EEXIST if the set is declared for another table. */
int flowtab_add_learned(struct flowtab *, uint64_t owner, uint8_t table,
                        uint64_t cookie);

/* Removes every desired flow, group and learned set of 'owner' (kind +
 * id). */
void flowtab_remove_owner(struct flowtab *, uint64_t owner);

/* Number of desired flows (all owners, or one owner). */
size_t flowtab_count(const struct flowtab *);
/* Desired flows per table: 'counts' has 256 entries. */
void flowtab_count_by_table(const struct flowtab *, size_t counts[256]);
/* Operations in the bundle in flight (0 when none). */
size_t flowtab_commit_size(const struct flowtab *);
/* Number of desired groups. */
size_t flowtab_count_groups(const struct flowtab *);
size_t flowtab_count_owner(const struct flowtab *, uint64_t owner);

/* Appends the desired flows, one per line, sorted by table, descending
 * priority, then match, as
 *   "table=T,priority=P,MATCH actions=ACTIONS\n"
 * (canonical OVS text, no cookie).  With 'owner' != 0, only that owner's.
 * This is what unit tests compare against. */
void flowtab_format_desired(const struct flowtab *, uint64_t owner,
                            struct ds *);

/* Replaces the installed set with what the switch has now (flows with one
 * of our cookie kinds, groups).  Blocking; returns 0 or -errno. */
int flowtab_sync_installed(struct flowtab *, struct ofconn *);

/* The same in two steps: _start() sends the dumps, _finish() says
 * -EINPROGRESS until both have ended, then 0 (the installed set replaced)
 * or -errno (unchanged). */
int flowtab_sync_start(struct flowtab *, struct ofconn *);
int flowtab_sync_finish(struct flowtab *, struct ofconn *);

/* Sends desired − installed as one bundle and waits for the switch to
 * confirm it.  Returns 0 (installed set updated) or -errno (installed set
 * unchanged; the bundle was discarded by the switch). */
int flowtab_commit(struct flowtab *, struct ofconn *);

/* The same in two steps, one bundle in flight at a time.
 * flowtab_commit_start() sends the difference (nothing when there is none:
 * then no commit is in flight), and the desired set may change at once:
 * what changes from then on is the next commit's.  flowtab_commit_finish()
 * says -EINPROGRESS while the switch has not answered, then 0 (installed
 * set updated with what was sent) or -errno (the next commit compares
 * everything again).  -EBUSY from _start() while one is in flight. */
int flowtab_commit_start(struct flowtab *, struct ofconn *);
int flowtab_commit_finish(struct flowtab *, struct ofconn *);
bool flowtab_commit_in_flight(const struct flowtab *);
/* Whether the last commit the switch confirmed only re-stamped flows with
 * this round's cookie (the first commit after a restart, when nothing
 * else changed): no match, action or group the datapath acts on. */
bool flowtab_last_commit_restamped(const struct flowtab *);
/* Forgets the commit in flight (its connection is gone): whether the switch
 * applied it is unknown, so the next commit compares everything. */
void flowtab_commit_abandon(struct flowtab *);

/* Reads the switch's flows and compares those of 'owner' with the desired
 * ones: 0 when they are the same, else -errno with the first difference in
 * '*whyp' (caller frees).  For CNI CHECK. */
int flowtab_verify_owner(const struct flowtab *, struct ofconn *,
                         uint64_t owner, char **whyp);

/* True if the desired set differs from the installed set. */
bool flowtab_has_changes(const struct flowtab *);

/* How many operations the next flowtab_commit() would send, leaving out
 * the repeated deletes of learned sets that went (flowtab.c). */
size_t flowtab_count_changes(const struct flowtab *);

/* Wakes the poll loop when a repeated delete of a learned set is due. */
void flowtab_wait(const struct flowtab *);

/* A learned set that went is deleted again 'n' times, 'interval_ms'
 * apart (by default FLOWTAB_LEARNED_RESWEEPS and _RESWEEP_MS): the
 * revalidators may re-add its flows from datapath flows cached before. */
#define FLOWTAB_LEARNED_RESWEEPS 3
#define FLOWTAB_LEARNED_RESWEEP_MS 1000
void flowtab_set_learned_resweeps(struct flowtab *, int n, int interval_ms);

/* Forgets every desired flow, group and learned set (the installed set
 * stays): the generators then add everything again from scratch. */
void flowtab_clear_desired(struct flowtab *);

/* Records a flow as installed on the switch with the full 'cookie' (owner
 * and round), as flowtab_sync_installed() would from a dump.  For tests
 * and tools that know the switch's state.  0 or -EINVAL. */
int flowtab_add_installed_flow(struct flowtab *, uint64_t cookie,
                               uint8_t table, uint16_t priority,
                               const char *match, const char *actions);
int flowtab_add_installed_group(struct flowtab *, uint32_t group_id,
                                const char *spec);

/* Takes the pending difference as applied, as a commit the switch
 * confirmed would: the installed set becomes the desired one. */
void flowtab_assume_committed(struct flowtab *);

/* Appends what the next flowtab_commit() would send, one operation per
 * line in bundle order:
 *   "add-group group_id=G,SPEC"
 *   "modify-group group_id=G,SPEC"
 *   "add table=T,priority=P[,MATCH] cookie=0xC actions=ACTIONS"
 *   "modify table=T,priority=P[,MATCH] cookie=0xC actions=ACTIONS"
 *   "delete table=T,priority=P[,MATCH] cookie=0xC"
 *   "delete-learned table=T,cookie=0xC/0xMASK"
 *   "delete-group group_id=G"
 * Within each kind, flows sort as in flowtab_format_desired() and groups
 * by id.  "modify" is sent as an OpenFlow add, which replaces the flow in
 * place and keeps its counters; "delete" matches the installed cookie. */
void flowtab_format_diff(const struct flowtab *, struct ds *);

#endif /* flowtab.h */
