/*
 * pmdrender: seine-pmd's answers as tables for people (seinectl's
 * table.h layout) — a plan, an apply's changes, the live PMD threads and
 * the drift.  -o json prints the same objects as JSON instead.
 */
#ifndef PMD_CONFIG_PMDRENDER_H
#define PMD_CONFIG_PMDRENDER_H 1

struct ds;
struct json_object;

/* A plan's JSON (pmdplan_to_json()): values, hugepages, mempools, then
 * warnings and refusals as lines. */
void pmdrender_plan(struct json_object *plan, struct ds *);

/* An apply's answer: the keys compared and what changed. */
void pmdrender_apply(struct json_object *answer, struct ds *);

/* A show's answer: the PMD threads and the drift. */
void pmdrender_show(struct json_object *answer, struct ds *);

#endif /* pmd-config/pmdrender.h */
