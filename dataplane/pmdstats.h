/*
 * pmdstats: the PMD threads' counters of ovs-vswitchd's userspace datapath
 * as JSON, for seinectl ("ctl/pmd", docs/observability.md) and seine-pmd
 * show (docs/pmd-config.md).
 *
 * ovs-vswitchd keeps these counters in memory only: no OVSDB column holds
 * them, and the only interface to them is the text of its unixctl
 * commands dpif-netdev/pmd-stats-show, pmd-rxq-show and pmd-perf-show.  This
 * and agent/observe/ctdump (conntrack) are where Seine parses text meant
 * for people; it reads the layout of OVS 3.1's lib/dpif-netdev.c, and a
 * line it does not recognise is skipped rather than failing the whole
 * answer.
 *
 * Each thread becomes one object:
 *
 *   {"thread": "pmd", "numaId": 0, "coreId": 1, "isolated": false,
 *    "stats": {"packetsReceived": 12, "emcHits": 3, ...,
 *              "idleCycles": 99, "idleCyclesPercent": 98.5, ...},
 *    "rxqs": [{"port": "seine-gw0", "queueId": 0, "enabled": true,
 *              "usagePercent": 0}], "overheadPercent": 0,
 *    "perf": {"iterations": 5000, "busyIterationsPercent": 1.5,
 *             "rxPackets": 20, "rxPacketsCyclesPkt": 6000, ...}}
 *
 * A "key: value" line becomes the key in camelCase ("avg. datapath
 * passes per packet" -> "avgDatapathPassesPerPacket") with the value's
 * number; each "NUMBER UNIT" in parentheses after it becomes KEY + the
 * unit in camelCase, a percentage KEY + "Percent" ("Rx packets: 20 (3
 * Kpps, 6000 cycles/pkt)" -> rxPacketsKpps, rxPacketsCyclesPkt).  "NOT
 * AVAIL" becomes null.  A thread's lines are the indented ones after its
 * header: pmd-perf-show's "Time:" lines between threads belong to none.
 */
#ifndef PMDSTATS_H
#define PMDSTATS_H 1

#include <json-c/json.h>

/* The threads of pmd-stats-show's 'text', as a new JSON array. */
struct json_object *pmdstats_parse_stats(const char *text);

/* Adds what pmd-rxq-show's 'text' says of each thread ("isolated",
 * "rxqs", "overheadPercent") to its object in 'threads' (the same numa
 * and core id), or to a new object appended to it. */
void pmdstats_parse_rxqs(const char *text, struct json_object *threads);

/* Adds what pmd-perf-show's 'text' says of each thread, as its "perf"
 * object, to its object in 'threads' (or to a new one appended). */
void pmdstats_parse_perf(const char *text, struct json_object *threads);

/* "avg. datapath passes per packet" -> "avgDatapathPassesPerPacket", in
 * a string the caller frees. */
char *pmdstats_camel_case(const char *words);

#endif /* pmdstats.h */
