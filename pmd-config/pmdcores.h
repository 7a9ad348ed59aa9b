/*
 * pmdcores: the CPUs of a PMD plan — which CPUs run PMD threads
 * (pmd-cpu-mask) and which one DPDK's own threads (dpdk-lcore-mask) —
 * and what they cost: a NIC whose NUMA node has no PMD, SMT siblings
 * split between a PMD and other work.
 *
 * dedicated: PMDs on whole physical cores of each datapath NIC's node
 * whose every SMT sibling is online, isolated (isolcpus=, nohz_full=, the
 * sysfs isolated list), in this process's CPU set and no pod's (kubelet's
 * cpu_manager_state) — and within kubelet's reservedSystemCPUs when they
 * are given, since kubelet may give any other CPU to a pod.  Lowest cores
 * first, as many PMD threads as the node's NIC queues (or pmdsPerNode);
 * siblings=idle takes one thread per core and leaves the others idle.
 * shared: one PMD on the last usable CPU of the first NIC's node; it
 * sleeps when idle (pmdplan.c).  The housekeeping CPU is the lowest
 * usable CPU that is not isolated and not a PMD, preferably a reserved
 * one of the first NIC's node.
 */
#ifndef PMD_CONFIG_PMDCORES_H
#define PMD_CONFIG_PMDCORES_H 1

struct pmdintent;
struct pmdplan;
struct pmdtopo;

/* Sets plan->pmds, plan->lcore and plan->nic_nodes, and adds
 * pmd-cpu-mask and (with DPDK) dpdk-lcore-mask, with their warnings and
 * refusals. */
void pmdcores_plan(const struct pmdtopo *, const struct pmdintent *,
                   struct pmdplan *);

#endif /* pmd-config/pmdcores.h */
