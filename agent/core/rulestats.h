/*
 * rulestats: packets and bytes each policy rule allowed, denied or passed,
 * from the switch's counters of the rule's own flows (cookie kind POLICY,
 * id = the rule's conjunction id).  They are read with one asynchronous
 * flow dump every 15 s, and only while the node has at most a configured
 * number of rules (metrics.ruleStatsLimit), so neither a scrape nor the
 * number of series grows with a large policy set.
 */
#ifndef RULESTATS_H
#define RULESTATS_H 1

#include <stdbool.h>
#include <stdint.h>

struct ofconn;
struct rulestats;

struct rulestats *rulestats_create(void);
void rulestats_destroy(struct rulestats *);

/* Whether rulestats_run() would start a dump now. */
bool rulestats_due(const struct rulestats *);

/* Dumps again when its time has come and 'conn' is up (NULL: not now);
 * 'wanted' false skips the dump (too many rules). */
void rulestats_run(struct rulestats *, struct ofconn *conn, bool wanted);
void rulestats_wait(const struct rulestats *);

/* Rule 'id''s counters from the last dump: false when it had none. */
bool rulestats_get(const struct rulestats *, uint32_t id,
                   uint64_t *packets, uint64_t *bytes);

#endif /* rulestats.h */
