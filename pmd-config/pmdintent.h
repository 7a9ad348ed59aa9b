/*
 * pmdintent: what the operator wants of the PMD threads, before it is
 * planned against the host (pmdplan.h): the mode, the datapath NICs, how
 * many PMDs, the ports and their MTU, the memory model, and explicit
 * values of any planned key.
 *
 * Every setting has one name, used alike in a JSON intent file
 * ({"intent": "dedicated", "nics": ["ens1f0=dpdk0"], "set":
 * {"pmd-rxq-assign": "cycles"}}), by seine-pmd's flags (--intent, --nic,
 * --set KEY=VALUE) and by the agent's pmd configuration.  Values are
 * checked when they are set, so an intent that exists is a valid one.
 */
#ifndef PMD_CONFIG_PMDINTENT_H
#define PMD_CONFIG_PMDINTENT_H 1

#include <stdbool.h>
#include <stddef.h>

#include "pmd-config/cpuset.h"
#include "smap.h"

enum pmdintent_mode {
    PMDINTENT_SHARED,           /* one PMD that sleeps when idle */
    PMDINTENT_DEDICATED,        /* PMDs on isolated whole cores */
};

enum pmdintent_siblings {
    PMDINTENT_SIBLINGS_PMD,     /* every SMT sibling of a core is a PMD */
    PMDINTENT_SIBLINGS_IDLE,    /* one PMD per core, the siblings idle */
};

enum pmdintent_memory {
    PMDINTENT_MEMORY_SHARED,    /* OVS's default: mempools by MTU and node */
    PMDINTENT_MEMORY_PER_PORT,  /* other_config:per-port-memory=true */
};

struct pmdintent_nic {
    char *name;                 /* interface name or PCI address */
    char *port;                 /* its OVS interface ("dpdk0"); = name */
};

struct pmdintent {
    enum pmdintent_mode mode;           /* intent: shared */
    struct pmdintent_nic *nics;         /* nics: NAME[=PORT], ... */
    size_t n_nics;
    int pmds_per_node;                  /* pmdsPerNode: 0, enough for the
                                         * queues of the node's NICs */
    enum pmdintent_siblings siblings;   /* siblings: pmd */
    int rxqs;                           /* rxqs: 0, one per local PMD */
    int mtu;                            /* mtu: 1500 */
    int vhost_ports;                    /* vhostPorts: 0 (DPDK pods) */
    int afxdp_ports;                    /* afxdpPorts: 0 (kernel pods) */
    enum pmdintent_memory memory;       /* memoryModel: shared */
    int hugepage_kb;                    /* hugepageSize: 0, the largest
                                         * size with enough free pages */
    int dpdk;                           /* dpdk: -1 auto, 0, 1 */
    int pin_rxqs;                       /* pinRxqs: -1 (dedicated: yes) */
    int max_sleep_us;                   /* maxSleepUs: 1000 (shared) */
    bool has_reserved;
    struct cpuset reserved;             /* reservedSystemCPUs (kubelet) */
    char *ovs_version;                  /* ovsVersion: NULL, asked */
    char *held_socket_mem;              /* heldSocketMem: what a running
                                         * DPDK switch holds, "1024,0" */
    char *root;                         /* root: "/" */
    struct smap overrides;              /* set: {KEY: VALUE} */
};

void pmdintent_init(struct pmdintent *);
void pmdintent_destroy(struct pmdintent *);

/* Sets 'name' (a setting's name, as above) from the text 'value'; for
 * "nics" a value adds one NIC, for "set" a value is "KEY=VALUE".  0, or
 * -EINVAL with why in '*errp' (the caller frees it). */
int pmdintent_set(struct pmdintent *, const char *name, const char *value,
                  char **errp);

/* Sets what the JSON intent file 'path' says.  0, or -errno with why in
 * '*errp'. */
int pmdintent_load(struct pmdintent *, const char *path, char **errp);

/* The name of setting 'i' (from 0), or NULL past the last: for help
 * texts. */
const char *pmdintent_name(size_t i);

#endif /* pmd-config/pmdintent.h */
