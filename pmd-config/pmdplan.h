/*
 * pmdplan: a plan of the PMD threads for one host — the OVSDB values
 * (pmdkeys.h) that place them, size DPDK's memory and spread the NICs'
 * rx queues, the hugepages to reserve, and the mempools the memory was
 * sized from — each value with a one-line reason.
 *
 * A plan is computed from the host (pmdtopo.h) and an intent
 * (pmdintent.h) in three parts: cores (pmdcores.h: PMD and housekeeping
 * CPUs, SMT, NUMA), memory (pmdmem.h: mempools, socket-mem, hugepages),
 * then the rest here (rx queues, their assignment, auto load balancing,
 * sleep).  Explicit values of the intent ("set") replace planned ones and
 * are checked like them.  What makes a plan unsafe to apply is a refusal
 * (a PMD on a CPU a pod has, memory the node's hugepages cannot give, a
 * CPU the host does not have); what merely costs performance is a
 * warning that says what it costs.  A refused plan is still whole, so
 * that an operator sees everything at once.
 */
#ifndef PMD_CONFIG_PMDPLAN_H
#define PMD_CONFIG_PMDPLAN_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/compiler.h"
#include "pmd-config/cpuset.h"

struct json_object;
struct pmdintent;
struct pmdkey;
struct pmdtopo;

struct pmdplan_value {
    char *name;                 /* "pmd-cpu-mask", "dpdk0/n_rxq" */
    const struct pmdkey *key;
    char *port;                 /* the interface, or NULL */
    char *value;
    char *reason;
    bool given;                 /* an explicit value of the intent */
};

struct pmdplan_hugepages {
    int node;
    int size_kb;
    int pages;                  /* to have reserved for DPDK */
    int free;                   /* free now (and what the switch holds) */
    char *reason;
};

struct pmdplan_mempool {
    int node;
    int mtu;
    char *ports;                /* the ports that use it, "dpdk0,vhost" */
    uint64_t mbufs;
    int mbuf_bytes;
    uint64_t bytes;
};

struct pmdplan {
    struct pmdplan_value *values;
    size_t n_values, allocated_values;
    struct pmdplan_hugepages *hugepages;
    size_t n_hugepages;
    struct pmdplan_mempool *mempools;
    size_t n_mempools;
    char **warnings;
    size_t n_warnings;
    char **refusals;
    size_t n_refusals;

    /* What the parts hand each other. */
    bool dpdk;                  /* DPDK ports: memory and lcore planned */
    struct cpuset pmds;
    int lcore;                  /* -1: none */
    int *nic_nodes;             /* per intent NIC: its node as planned */
    int *nic_rxqs;              /* per intent NIC: its rx queues */
};

/* Plans 'intent' on 'topo'.  Always a whole plan: see refusals. */
struct pmdplan *pmdplan_compute(const struct pmdtopo *,
                                const struct pmdintent *);
/* Reads the host below intent->root (pmdtopo.h), with the intent's NICs,
 * and plans 'intent' on it; NULL with why in '*errp' (the caller frees
 * it) when the tree cannot be read. */
struct pmdplan *pmdplan_for_host(const struct pmdintent *, char **errp);
void pmdplan_destroy(struct pmdplan *);

static inline bool
pmdplan_refused(const struct pmdplan *plan)
{
    return plan->n_refusals > 0;
}

/* The value of 'name' ("pmd-cpu-mask", "dpdk0/n_rxq"), or NULL. */
const struct pmdplan_value *pmdplan_find(const struct pmdplan *,
                                         const char *name);

/* For the parts: adds value 'key' (of interface 'port', or NULL) with
 * the reason printf'd from 'fmt'; a warning; a refusal. */
struct pmdplan_value *pmdplan_add(struct pmdplan *, const char *port,
                                  const char *key, const char *value,
                                  const char *fmt, ...)
    OVS_PRINTF_FORMAT(5, 6);
void pmdplan_warn(struct pmdplan *, const char *fmt, ...)
    OVS_PRINTF_FORMAT(2, 3);
void pmdplan_refuse(struct pmdplan *, const char *fmt, ...)
    OVS_PRINTF_FORMAT(2, 3);

/* The plan as JSON: {"values": [{"name", "port", "key", "value",
 * "reason", "restart", "given"}], "hugepages": [...], "mempools": [...],
 * "warnings": [...], "refusals": [...]} (a new object). */
struct json_object *pmdplan_to_json(const struct pmdplan *);

#endif /* pmd-config/pmdplan.h */
