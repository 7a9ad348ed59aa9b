/*
 * pmdtopo: what the host is made of, for planning PMD threads — NUMA
 * nodes and their CPUs, SMT siblings, which CPUs are online and
 * isolated, the CPUs this process may run on, the hugepage pools of each
 * node, the datapath NICs (their node, driver, queues, MTU) and the CPUs
 * kubelet's static CPU manager has given to pods.
 *
 * Everything is read from sysfs and procfs below a root folder ("/" on a
 * host), so that tests point it at fixture trees:
 *
 *   sys/devices/system/node/nodeN/cpulist
 *   sys/devices/system/node/nodeN/hugepages/hugepages-SIZEkB/
 *                                          {nr_hugepages,free_hugepages}
 *   sys/devices/system/cpu/cpuN/topology/thread_siblings_list
 *   sys/devices/system/cpu/{online,isolated,nohz_full}
 *   sys/class/net/IF/{mtu,device/numa_node,device/driver,queues/rx-N}
 *   sys/bus/pci/devices/ADDR/{numa_node,driver}  (a NIC bound to vfio-pci
 *                                                  has no netdev)
 *   proc/cmdline (isolcpus=, nohz_full=), proc/self/status
 *   (Cpus_allowed_list), var/lib/kubelet/cpu_manager_state (JSON)
 *
 * A file that is missing means what the kernel means by its absence
 * (no NUMA folder: one node; no online file: every CPU online; no
 * siblings file: a core of its own).
 */
#ifndef PMD_CONFIG_PMDTOPO_H
#define PMD_CONFIG_PMDTOPO_H 1

#include <stdbool.h>
#include <stddef.h>

#include "pmd-config/cpuset.h"

#define PMDTOPO_MAX_POOLS 4

/* One hugepage pool of a node. */
struct pmdtopo_pool {
    int size_kb;                /* 2048, 1048576 */
    int total;                  /* nr_hugepages */
    int free;                   /* free_hugepages */
};

struct pmdtopo_node {
    int id;
    struct cpuset cpus;
    struct pmdtopo_pool pools[PMDTOPO_MAX_POOLS];   /* by size, smallest
                                                     * first */
    size_t n_pools;
};

struct pmdtopo_nic {
    char *name;                 /* an interface name or a PCI address */
    bool found;
    int node;                   /* -1: the device does not say */
    char *driver;               /* NULL: unknown */
    int n_rxq;                  /* 0: unknown (no netdev) */
    int mtu;                    /* 0: unknown */
};

struct pmdtopo {
    struct cpuset present;      /* the cpuN folders */
    struct cpuset online;
    struct cpuset isolated;     /* any of the three below */
    struct cpuset isolated_sysfs, isolcpus, nohz_full;
    struct cpuset allowed;      /* this process's Cpus_allowed_list */
    bool has_kubelet_state;     /* cpu_manager_state was there */
    char *kubelet_policy;       /* its policyName, or NULL */
    struct cpuset kubelet_pods; /* CPUs its entries give to containers */
    int *cpu_node;              /* per present CPU: its node, or -1 */
    struct cpuset *siblings;    /* per present CPU: its SMT siblings */
    int n_cpu_slots;            /* size of the two arrays above */
    struct pmdtopo_node *nodes; /* by id */
    size_t n_nodes;
    struct pmdtopo_nic *nics;   /* as asked, in that order */
    size_t n_nics;
};

/* Reads the host below 'root', and the 'n_nics' NICs named.  0, or
 * -errno with why in '*errp' (the caller frees it) when the tree has no
 * CPU at all or a file is malformed. */
int pmdtopo_read(const char *root, const char *const *nics, size_t n_nics,
                 struct pmdtopo **topop, char **errp);
void pmdtopo_destroy(struct pmdtopo *);

/* The node 'id', or NULL. */
const struct pmdtopo_node *pmdtopo_node(const struct pmdtopo *, int id);
/* CPU 'cpu''s node (-1: none known) and SMT siblings (itself included;
 * just itself for a CPU the tree says nothing of). */
int pmdtopo_cpu_node(const struct pmdtopo *, int cpu);
struct cpuset pmdtopo_siblings(const struct pmdtopo *, int cpu);
/* The lowest CPU of 'cpu''s siblings: the physical core's name. */
int pmdtopo_core(const struct pmdtopo *, int cpu);
/* A hugepage size as people write it: "2MB", "1GB". */
struct ds;
void pmdtopo_format_size(int size_kb, struct ds *);

#endif /* pmd-config/pmdtopo.h */
