/*
 * pmdkeys: the OVSDB keys a PMD plan gives values to, in one table: where
 * each lives (Open_vSwitch other_config, or an interface's options or
 * other_config) and whether ovs-vswitchd reads it only when DPDK
 * initialises, so that a change needs a restart.
 *
 * A key of an interface is named "PORT/KEY" in plans, in the record of an
 * applied plan and in the drift metric ("dpdk0/n_rxq").
 */
#ifndef PMD_CONFIG_PMDKEYS_H
#define PMD_CONFIG_PMDKEYS_H 1

#include <stdbool.h>

#include "dataplane/ovsbridge.h"

#define PMDKEY_PMD_CPU_MASK "pmd-cpu-mask"
#define PMDKEY_LCORE_MASK "dpdk-lcore-mask"
#define PMDKEY_SOCKET_MEM "dpdk-socket-mem"
#define PMDKEY_SOCKET_LIMIT "dpdk-socket-limit"
#define PMDKEY_PER_PORT_MEMORY "per-port-memory"
#define PMDKEY_RXQ_ASSIGN "pmd-rxq-assign"
#define PMDKEY_RXQ_ISOLATE "pmd-rxq-isolate"
#define PMDKEY_AUTO_LB "pmd-auto-lb"
#define PMDKEY_AUTO_LB_LOAD "pmd-auto-lb-load-threshold"
#define PMDKEY_AUTO_LB_IMPROVEMENT "pmd-auto-lb-improvement-threshold"
#define PMDKEY_AUTO_LB_INTERVAL "pmd-auto-lb-rebal-interval"
/* The same setting under its OVS 3.1 name and the one OVS 3.2 gave it. */
#define PMDKEY_MAXSLEEP "pmd-maxsleep"
#define PMDKEY_SLEEP_MAX "pmd-sleep-max"
#define PMDKEY_N_RXQ "n_rxq"
#define PMDKEY_RXQ_AFFINITY "pmd-rxq-affinity"

/* Open_vSwitch external_ids key holding the applied plan's values, a JSON
 * object of NAME: VALUE (pmdapply.h). */
#define PMDKEY_RECORD "seine-pmd-plan"

struct pmdkey {
    const char *key;
    bool per_port;
    enum ovsbridge_column column;
    bool restart;               /* read when DPDK initialises */
};

/* The key 'key' ("n_rxq", "pmd-cpu-mask"), or NULL. */
const struct pmdkey *pmdkey_find(const char *key);

/* Splits 'name' ("dpdk0/n_rxq" or "pmd-cpu-mask") into its interface (a
 * new string, or NULL) and its key; NULL when the key is not one of the
 * table's, or an interface key lacks its interface. */
const struct pmdkey *pmdkey_parse(const char *name, char **portp);

#endif /* pmd-config/pmdkeys.h */
