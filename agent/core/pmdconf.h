/*
 * pmdconf: the agent's side of pmd-config (docs/pmd-config.md).  At
 * start-up, when the configuration's pmd.apply asks for it, the PMD
 * threads are planned from this host and pmd.intent / pmd.intentFile and
 * the plan is applied through OVSDB, as "seine-pmd apply" does; a
 * refused plan is logged and nothing is applied, and ovs-vswitchd is
 * never restarted (the keys that need it are logged).  Whoever applied
 * the plan, the scrape exports its drift from what the database and the
 * switch have: seine_pmd_config_drift{key}, 1 for a key that drifts.
 */
#ifndef PMDCONF_H
#define PMDCONF_H 1

struct agentconf;
struct ds;
struct json_object;
struct ovsbridge;

/* Plans and applies.  0, or -errno (already logged). */
int pmdconf_apply(const struct agentconf *, struct ovsbridge *);

/* Appends the drift family; 'threads' are dpstats.h's PMD threads (an
 * empty array before the switch first answered: then the PMD cores are
 * not compared). */
void pmdconf_metrics(struct ovsbridge *, struct json_object *threads,
                     struct ds *);

#endif /* pmdconf.h */
