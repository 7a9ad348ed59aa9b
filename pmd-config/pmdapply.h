/*
 * pmdapply: a plan written to OVSDB through dataplane/ovsbridge, and
 * compared with what the database holds.
 *
 * Applying writes only the keys whose value differs, in one transaction
 * that ovs-vswitchd confirms, so applying the same plan twice changes
 * nothing the second time.  The values applied are recorded in the
 * Open_vSwitch record (external_ids:seine-pmd-plan, a JSON object of
 * NAME: VALUE): a later plan removes the keys the last one set and it
 * does not, and drift (pmdshow.h, the agent's metric) is the record
 * against the database, whoever applied it.  Nothing restarts
 * ovs-vswitchd: keys it reads only when DPDK initialises are reported as
 * needing a restart when DPDK already is.
 */
#ifndef PMD_CONFIG_PMDAPPLY_H
#define PMD_CONFIG_PMDAPPLY_H 1

#include <stdbool.h>
#include <stddef.h>

#include "smap.h"

struct json_object;
struct ovsbridge;
struct pmdplan;

/* One key: what is wanted against what the database has. */
struct pmdapply_item {
    char *name;                 /* "pmd-cpu-mask", "dpdk0/n_rxq" */
    char *want;                 /* NULL: to be removed */
    char *live;                 /* NULL: the database has none */
    bool restart;               /* read when DPDK initialises */
};

struct pmdapply_diff {
    struct pmdapply_item *items;    /* by name */
    size_t n;
};

bool pmdapply_item_differs(const struct pmdapply_item *);
void pmdapply_diff_destroy(struct pmdapply_diff *);

/* The plan's values as NAME -> VALUE. */
void pmdapply_plan_values(const struct pmdplan *, struct smap *values);

/* The values recorded by the last apply (empty when none).  0, or -EINVAL
 * when the record is not a JSON object of strings. */
int pmdapply_read_record(struct ovsbridge *, struct smap *record);

/* 'want' against the database, and the keys of 'previous' that 'want'
 * lacks as to be removed ('previous' may be NULL). */
void pmdapply_compare(struct ovsbridge *, const struct smap *want,
                      const struct smap *previous, struct pmdapply_diff *);

/* Writes what differs between 'plan' and the database, and the record.
 * 0 (also when nothing differed), -EPERM for a refused plan, -ENODEV when
 * a port of the plan is not in the database, or the transaction's
 * -errno.  '*diff' is what was compared (before the write); '*restartp'
 * whether a key changed that needs ovs-vswitchd restarted. */
int pmdapply_apply(struct ovsbridge *, const struct pmdplan *,
                   struct pmdapply_diff *diff, bool *restartp);

/* '*diff' as [{"name", "want", "live", "changed", "restart"}]. */
struct json_object *pmdapply_diff_to_json(const struct pmdapply_diff *);

#endif /* pmd-config/pmdapply.h */
