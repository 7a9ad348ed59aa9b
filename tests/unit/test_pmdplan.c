/* Plans of the fixture trees in pmd-fixtures/ (one host each: README
 * there), every value with its reason, the hugepages, the mempools, the
 * warnings and the refusals, exactly. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pmd-config/pmdintent.h"
#include "pmd-config/pmdmem.h"
#include "pmd-config/pmdplan.h"
#include "util.h"

struct expect_value {
    const char *name, *value, *reason;
};

/* One plan: the fixture tree, the intent's settings ("NAME=VALUE"), and
 * what the plan must be (a NULL list: none). */
struct plan_case {
    const char *name;
    const char *fixture;
    const char *const *settings;
    const struct expect_value *values;
    const char *const *hugepages;
    const char *const *mempools;
    const char *const *warnings;
    const char *const *refusals;
};

/* The fixture trees' folder, from the command line. */
struct plan_test {
    const char *dir;
    const struct plan_case *c;
};

static struct pmdplan *
plan_fixture(const char *dir, const char *fixture,
             const char *const *settings)
{
    struct pmdintent in;
    struct pmdplan *plan;
    char *err = NULL;

    pmdintent_init(&in);
    for (size_t i = 0; settings[i]; i++) {
        char *name = xstrdup(settings[i]), *eq = strchr(name, '=');
        *eq = '\0';
        if (pmdintent_set(&in, name, eq + 1, &err)) {
            fail_msg("%s", err);
        }
        free(name);
    }
    char *root = xasprintf("%s/%s", dir, fixture);
    pmdintent_set(&in, "root", root, &err);
    free(root);
    plan = pmdplan_for_host(&in, &err);
    if (!plan) {
        fail_msg("%s", err);
    }
    pmdintent_destroy(&in);
    return plan;
}

static void
check_lines(const char *what, char **got, size_t n, const char *const *want)
{
    static const char *const none[] = { NULL };
    size_t i;

    want = want ? want : none;
    for (i = 0; i < n && want[i]; i++) {
        if (strcmp(got[i], want[i])) {
            fail_msg("%s %zu:\n got: %s\nwant: %s", what, i, got[i], want[i]);
        }
    }
    if (i < n || want[i]) {
        fail_msg("%s: %zu, want %zu more or fewer (next: %s)", what, n,
                 i, i < n ? got[i] : want[i]);
    }
}

static void
check_values(const struct pmdplan *plan, const struct expect_value *values)
{
    size_t n;

    for (n = 0; values[n].name; n++) {
        continue;
    }
    for (size_t i = 0; i < MIN(n, plan->n_values); i++) {
        assert_string_equal(plan->values[i].name, values[i].name);
        assert_string_equal(plan->values[i].value, values[i].value);
        assert_string_equal(plan->values[i].reason, values[i].reason);
    }
    assert_int_equal(plan->n_values, n);
}

static void
check_hugepages(const struct pmdplan *plan, const char *const *want)
{
    char **lines = xcalloc(MAX(plan->n_hugepages, 1), sizeof *lines);

    for (size_t i = 0; i < plan->n_hugepages; i++) {
        const struct pmdplan_hugepages *h = &plan->hugepages[i];
        lines[i] = xasprintf("node %d: %d x %dkB (%d free): %s", h->node,
                             h->pages, h->size_kb, h->free, h->reason);
    }
    check_lines("hugepages", lines, plan->n_hugepages, want);
    for (size_t i = 0; i < plan->n_hugepages; i++) {
        free(lines[i]);
    }
    free(lines);
}

static void
check_mempools(const struct pmdplan *plan, const char *const *want)
{
    char **lines = xcalloc(MAX(plan->n_mempools, 1), sizeof *lines);

    for (size_t i = 0; i < plan->n_mempools; i++) {
        const struct pmdplan_mempool *m = &plan->mempools[i];
        lines[i] = xasprintf("node %d MTU %d %s: %llu x %d = %llu", m->node,
                             m->mtu, m->ports, (unsigned long long) m->mbufs,
                             m->mbuf_bytes, (unsigned long long) m->bytes);
    }
    check_lines("mempools", lines, plan->n_mempools, want);
    for (size_t i = 0; i < plan->n_mempools; i++) {
        free(lines[i]);
    }
    free(lines);
}

static void
test_plan(void **state)
{
    const struct plan_test *t = *state;
    const struct plan_case *c = t->c;
    struct pmdplan *plan = plan_fixture(t->dir, c->fixture, c->settings);

    check_values(plan, c->values);
    check_hugepages(plan, c->hugepages);
    check_mempools(plan, c->mempools);
    check_lines("warnings", plan->warnings, plan->n_warnings, c->warnings);
    check_lines("refusals", plan->refusals, plan->n_refusals, c->refusals);
    pmdplan_destroy(plan);
}

/* memory.rst's examples. */
static void
test_mbuf_arithmetic(void **state OVS_UNUSED)
{
    assert_int_equal(pmdmem_mbuf_bytes(1500), 3008);
    assert_int_equal(pmdmem_mbuf_bytes(1800), 3008);
    assert_int_equal(pmdmem_mbuf_bytes(6000), 7104);
    assert_int_equal(pmdmem_mbuf_bytes(9000), 10176);
    assert_int_equal(pmdmem_port_mbufs(1, 1), 22560);
    assert_int_equal(pmdmem_port_mbufs(1, 2), 24608);
    /* memory.rst's third example has 1 * 32 where lib/netdev-dpdk.c
     * takes min(RTE_MAX_LCORE, rxqs) * 32, 64 for two queues. */
    assert_int_equal(pmdmem_port_mbufs(2, 2), 26688);
}

static const struct plan_case cases[] = {
    /* A 2-CPU VM, shared: one PMD on CPU 1, the lcore left to CPU 0, no
     * DPDK (virtio_net is AF_XDP), the OVS 3.1 sleep key. */
    {
        "vm_shared", "vm-1s2c",
        .settings = (const char *const[]) {
            "nics=eth0", "ovsVersion=3.1.0", "afxdpPorts=2", NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x2",
              "shared: one PMD on CPU 1, the last usable CPU of node 0, "
              "away from CPU 0 and the host's housekeeping there; it "
              "sleeps when idle" },
            { "eth0/n_rxq", "1",
              "AF_XDP polls only the queues it binds: all of them "
              "(virtio_net, numa_node -1, 1 queue; 1 PMD on node 0)" },
            { "pmd-rxq-assign", "cycles",
              "one PMD polls every queue: OVS's default" },
            { "pmd-auto-lb", "false",
              "off: it needs at least two non-isolated PMDs (1 PMD, 3 "
              "queues)" },
            { "pmd-maxsleep", "1000",
              "an idle PMD sleeps up to 1000 us per iteration, so the "
              "host keeps the core (OVS 3.1.0 names it pmd-maxsleep: "
              "pmd-maxsleep in 3.1, pmd-sleep-max from 3.2)" },
            { NULL, NULL, NULL },
        },
    },
    /* OVS 3.2 names PMD sleep pmd-sleep-max. */
    {
        "vm_shared_ovs32", "vm-1s2c",
        .settings = (const char *const[]) {
            "ovsVersion=3.2.0", NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x2",
              "shared: one PMD on CPU 1, the last usable CPU of node 0, "
              "away from CPU 0 and the host's housekeeping there; it "
              "sleeps when idle" },
            { "pmd-rxq-assign", "cycles",
              "one PMD polls every queue: OVS's default" },
            { "pmd-auto-lb", "false",
              "off: it needs at least two non-isolated PMDs (1 PMD, 0 "
              "queues)" },
            { "pmd-sleep-max", "1000",
              "an idle PMD sleeps up to 1000 us per iteration, so the "
              "host keeps the core (OVS 3.2.0 names it pmd-sleep-max: "
              "pmd-maxsleep in 3.1, pmd-sleep-max from 3.2)" },
            { NULL, NULL, NULL },
        },
    },
    /* Nothing is isolated on the VM: dedicated PMDs are refused. */
    {
        "vm_dedicated_refused", "vm-1s2c",
        .settings = (const char *const[]) {
            "nics=eth0", "ovsVersion=3.1.0", "intent=dedicated", NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .refusals = (const char *const[]) {
            "dedicated: no whole core for a PMD: its CPUs must be "
            "online, isolated (isolcpus=, nohz_full=), allowed to this "
            "process, no pod's (isolated here: none); or plan --intent "
            "shared",
            NULL,
        },
    },
    /* Without the OVS version the sleep key cannot be named. */
    {
        "vm_version_refused", "vm-1s2c",
        .settings = (const char *const[]) {
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x2",
              "shared: one PMD on CPU 1, the last usable CPU of node 0, "
              "away from CPU 0 and the host's housekeeping there; it "
              "sleeps when idle" },
            { "pmd-rxq-assign", "cycles",
              "one PMD polls every queue: OVS's default" },
            { "pmd-auto-lb", "false",
              "off: it needs at least two non-isolated PMDs (1 PMD, 0 "
              "queues)" },
            { NULL, NULL, NULL },
        },
        .refusals = (const char *const[]) {
            "the OVS version is unknown: PMD sleep is pmd-maxsleep in "
            "OVS 3.1 and pmd-sleep-max from 3.2 (give ovsVersion)",
            NULL,
        },
    },
    /* 16 CPUs with SMT: 4 queues on two whole cores, siblings both PMDs;
     * DPDK for the vfio-pci NIC and 4 vhost-user ports; auto load
     * balancing, since 8 queues share 4 PMDs. */
    {
        "smt16_dedicated", "1s16c-smt",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "rxqs=4",
            "vhostPorts=4",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0xc0c",
              "dedicated, node 0: 4 PMD threads on CPUs 2-3,10-11 (cores "
              "2-3, every SMT sibling a PMD)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "4",
              "rxqs of the intent" },
            { "dpdk0/pmd-rxq-affinity", "0:2,1:3,2:10,3:11",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "2048",
              "node 0: 752 MB of mempools + 512 MB headroom, rounded up "
              "to 1024 MB (OVS's mempool arithmetic, Red Hat's sizing)" },
            { "dpdk-socket-limit", "2048",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "true",
              "4 PMDs share 8 queues: OVS moves queues off a PMD that is "
              "overloaded" },
            { "pmd-auto-lb-load-threshold", "95",
              "OVS's default: rebalance when a PMD is 95% busy" },
            { "pmd-auto-lb-improvement-threshold", "25",
              "OVS's default: only for a 25% better spread" },
            { "pmd-auto-lb-rebal-interval", "1",
              "OVS's default: at most once a minute" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 1024 x 2048kB (2048 free): 1024 x 2MB = 2048 MB "
            "for dpdk-socket-mem on node 0; 2048 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0,4 vhost-user: 262144 x 3008 = "
            "788529152",
            NULL,
        },
    },
    /* siblings=idle: one PMD per core, the siblings left idle. */
    {
        "smt16_siblings_idle", "1s16c-smt",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "rxqs=4",
            "siblings=idle",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x3c",
              "dedicated, node 0: 4 PMD threads on CPUs 2-5 (cores 2-5, "
              "SMT siblings 10-13 left idle)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "4",
              "rxqs of the intent" },
            { "dpdk0/pmd-rxq-affinity", "0:2,1:3,2:4,3:5",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "2048",
              "node 0: 752 MB of mempools + 512 MB headroom, rounded up "
              "to 1024 MB (OVS's mempool arithmetic, Red Hat's sizing)" },
            { "dpdk-socket-limit", "2048",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (4 PMDs, 4 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 1024 x 2048kB (2048 free): 1024 x 2MB = 2048 MB "
            "for dpdk-socket-mem on node 0; 2048 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0: 262144 x 3008 = 788529152",
            NULL,
        },
    },
    /* The per-port memory model: one mempool sized from the port's queues
     * and the PMDs. */
    {
        "smt16_per_port", "1s16c-smt",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "rxqs=2",
            "memoryModel=per-port",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x404",
              "dedicated, node 0: 2 PMD threads on CPUs 2,10 (core 2, "
              "every SMT sibling a PMD)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "2",
              "rxqs of the intent" },
            { "dpdk0/pmd-rxq-affinity", "0:2,1:10",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "true",
              "a mempool per port: no port can exhaust another's buffers, "
              "at the cost of more memory" },
            { "dpdk-socket-mem", "1024",
              "node 0: 77 MB of mempools + 512 MB headroom, rounded up to "
              "1024 MB (OVS's mempool arithmetic, Red Hat's sizing)" },
            { "dpdk-socket-limit", "1024",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (2 PMDs, 2 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 512 x 2048kB (2048 free): 512 x 2MB = 1024 MB for "
            "dpdk-socket-mem on node 0; 2048 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0: 26688 x 3008 = 80277504",
            NULL,
        },
    },
    /* A given PMD on the offline CPU 15 is refused. */
    {
        "smt16_offline_refused", "1s16c-smt",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "set=pmd-cpu-mask=0x8000",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { "pmd-cpu-mask", "0x8000",
              "given" },
            { NULL, NULL, NULL },
        },
        .refusals = (const char *const[]) {
            "pmd-cpu-mask 0x8000: CPU 15 is offline",
            NULL,
        },
    },
    /* A given mask naming CPU 16, which no node of the host has, is
     * refused. */
    {
        "smt16_outside_refused", "1s16c-smt",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "set=pmd-cpu-mask=0x10000",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { "pmd-cpu-mask", "0x10000",
              "given" },
            { NULL, NULL, NULL },
        },
        .refusals = (const char *const[]) {
            "pmd-cpu-mask 0x10000: CPU 16 is on no NUMA node of this "
            "host",
            NULL,
        },
    },
    /* A given PMD on CPU 8, the SMT sibling of the housekeeping CPU 0 and
     * not isolated, is warned about. */
    {
        "smt16_split_warned", "1s16c-smt",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "set=pmd-cpu-mask=0x104",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x104",
              "given: CPUs 2,8" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "2",
              "one queue per PMD of the NIC's node (vfio-pci, queues "
              "unknown; 2 PMDs on node 0)" },
            { "dpdk0/pmd-rxq-affinity", "0:2,1:8",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "2048",
              "node 0: 752 MB of mempools + 512 MB headroom, rounded up "
              "to 1024 MB (OVS's mempool arithmetic, Red Hat's sizing)" },
            { "dpdk-socket-limit", "2048",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (2 PMDs, 2 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 1024 x 2048kB (2048 free): 1024 x 2MB = 2048 MB "
            "for dpdk-socket-mem on node 0; 2048 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0: 262144 x 3008 = 788529152",
            NULL,
        },
        .warnings = (const char *const[]) {
            "CPU 8 (PMD) is not isolated: the scheduler runs other "
            "tasks on it, and the PMD loses the cycles they take",
            "CPU 8 (PMD) and CPU 0 (DPDK's housekeeping CPU) are SMT "
            "siblings of core 0: a busy sibling takes up to half the "
            "core's cycles from the PMD",
            NULL,
        },
    },
    /* 2 sockets of 14 cores with SMT, isolcpus= on the command line: two
     * PMDs on a whole core of each NIC's node, 1 GB pages on both nodes. */
    {
        "twosocket", "2s28c-smt-isolcpus",
        .settings = (const char *const[]) {
            "nics=0000:18:00.0=dpdk0",
            "nics=0000:86:00.0=dpdk1",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "pmdsPerNode=2",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x100040010004",
              "dedicated, node 0: 2 PMD threads on CPUs 2,30 (core 2, "
              "every SMT sibling a PMD); node 1: 2 PMD threads on CPUs "
              "16,44 (core 16, every SMT sibling a PMD)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "2",
              "one queue per PMD of the NIC's node (vfio-pci, queues "
              "unknown; 2 PMDs on node 0)" },
            { "dpdk1/n_rxq", "2",
              "one queue per PMD of the NIC's node (vfio-pci, queues "
              "unknown; 2 PMDs on node 1)" },
            { "dpdk0/pmd-rxq-affinity", "0:2,1:30",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "dpdk1/pmd-rxq-affinity", "0:16,1:44",
              "each queue on a PMD of node 1, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "2048,2048",
              "node 0: 752 MB of mempools + 512 MB headroom, rounded up "
              "to 1024 MB; node 1: 752 MB of mempools + 512 MB headroom, "
              "rounded up to 1024 MB (OVS's mempool arithmetic, Red Hat's "
              "sizing)" },
            { "dpdk-socket-limit", "2048,2048",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (4 PMDs, 4 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 2 x 1048576kB (8 free): 2 x 1GB = 2048 MB for "
            "dpdk-socket-mem on node 0; 8 free",
            "node 1: 2 x 1048576kB (8 free): 2 x 1GB = 2048 MB for "
            "dpdk-socket-mem on node 1; 8 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0: 262144 x 3008 = 788529152",
            "node 1 MTU 1500 dpdk1: 262144 x 3008 = 788529152",
            NULL,
        },
    },
    /* The NIC is on node 1 of 2: its PMDs are there; AF_XDP polls all 4 of
     * its queues; no DPDK. */
    {
        "numa1", "nic-numa1",
        .settings = (const char *const[]) {
            "nics=ens2",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "afxdpPorts=4",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x3c00",
              "dedicated, node 1: 4 PMD threads on CPUs 10-13 (cores "
              "10-13)" },
            { "ens2/n_rxq", "4",
              "AF_XDP polls only the queues it binds: all of them (i40e, "
              "4 queues; 4 PMDs on node 1)" },
            { "ens2/pmd-rxq-affinity", "0:10,1:11,2:12,3:13",
              "each queue on a PMD of node 1, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "true",
              "4 PMDs share 8 queues: OVS moves queues off a PMD that is "
              "overloaded" },
            { "pmd-auto-lb-load-threshold", "95",
              "OVS's default: rebalance when a PMD is 95% busy" },
            { "pmd-auto-lb-improvement-threshold", "25",
              "OVS's default: only for a 25% better spread" },
            { "pmd-auto-lb-rebal-interval", "1",
              "OVS's default: at most once a minute" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
    },
    /* PMDs given on node 0 only: the NIC on node 1 is polled across NUMA. */
    {
        "numa1_remote_warned", "nic-numa1",
        .settings = (const char *const[]) {
            "nics=ens2",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "set=pmd-cpu-mask=0xc",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0xc",
              "given: CPUs 2-3" },
            { "ens2/n_rxq", "4",
              "AF_XDP polls only the queues it binds: all of them (i40e, "
              "4 queues; 0 PMDs on node 1)" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-auto-lb", "true",
              "2 PMDs share 4 queues: OVS moves queues off a PMD that is "
              "overloaded" },
            { "pmd-auto-lb-load-threshold", "95",
              "OVS's default: rebalance when a PMD is 95% busy" },
            { "pmd-auto-lb-improvement-threshold", "25",
              "OVS's default: only for a 25% better spread" },
            { "pmd-auto-lb-rebal-interval", "1",
              "OVS's default: at most once a minute" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .warnings = (const char *const[]) {
            "NIC ens2 is on NUMA node 1, which has no PMD: PMDs of "
            "another node poll it, and every packet's descriptors and "
            "buffers cross the interconnect (cross-NUMA polling can "
            "halve throughput)",
            NULL,
        },
    },
    /* 1 GB pages only, MTU 9000: 3 pages for the 10176-byte mbufs. */
    {
        "hugepages_1g", "hugepages-1g",
        .settings = (const char *const[]) {
            "nics=0000:01:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "mtu=9000",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x44",
              "dedicated, node 0: 2 PMD threads on CPUs 2,6 (core 2, "
              "every SMT sibling a PMD)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "2",
              "one queue per PMD of the NIC's node (vfio-pci, queues "
              "unknown; 2 PMDs on node 0)" },
            { "dpdk0/pmd-rxq-affinity", "0:2,1:6",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "3072",
              "node 0: 2544 MB of mempools + 512 MB headroom, rounded up "
              "to 1024 MB (OVS's mempool arithmetic, Red Hat's sizing)" },
            { "dpdk-socket-limit", "3072",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (2 PMDs, 2 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 3 x 1048576kB (4 free): 3 x 1GB = 3072 MB for "
            "dpdk-socket-mem on node 0; 4 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 9000 dpdk0: 262144 x 10176 = 2667577344",
            NULL,
        },
    },
    /* Given socket-mem above the node's free 1 GB pages is refused. */
    {
        "hugepages_short_refused", "hugepages-1g",
        .settings = (const char *const[]) {
            "nics=0000:01:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "set=dpdk-socket-mem=8192",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x44",
              "dedicated, node 0: 2 PMD threads on CPUs 2,6 (core 2, "
              "every SMT sibling a PMD)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "2",
              "one queue per PMD of the NIC's node (vfio-pci, queues "
              "unknown; 2 PMDs on node 0)" },
            { "dpdk0/pmd-rxq-affinity", "0:2,1:6",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "8192",
              "given (the plan had 2048: node 0: 752 MB of mempools + 512 "
              "MB headroom, rounded up to 1024 MB (OVS's mempool "
              "arithmetic, Red Hat's sizing))" },
            { "dpdk-socket-limit", "8192",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (2 PMDs, 2 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 8 x 1048576kB (4 free): 8 x 1GB = 8192 MB for "
            "dpdk-socket-mem on node 0; 4 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0: 262144 x 3008 = 788529152",
            NULL,
        },
        .refusals = (const char *const[]) {
            "node 0: dpdk-socket-mem 8192 MB needs 8 1GB hugepages and "
            "4 are free: reserve 4 more "
            "(sys/devices/system/node/node0/hugepages/"
            "hugepages-1048576kB/nr_hugepages)",
            NULL,
        },
    },
    /* kubelet's static CPU manager holds cores 2 and 3 for a pod: the PMDs
     * take core 4, with a warning that kubelet may give it away. */
    {
        "kubelet", "kubelet-static",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x1010",
              "dedicated, node 0: 2 PMD threads on CPUs 4,12 (core 4, "
              "every SMT sibling a PMD)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest CPU of the first "
              "NIC's node that is not isolated and not a PMD" },
            { "dpdk0/n_rxq", "2",
              "one queue per PMD of the NIC's node (vfio-pci, queues "
              "unknown; 2 PMDs on node 0)" },
            { "dpdk0/pmd-rxq-affinity", "0:4,1:12",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "2048",
              "node 0: 752 MB of mempools + 512 MB headroom, rounded up "
              "to 1024 MB (OVS's mempool arithmetic, Red Hat's sizing)" },
            { "dpdk-socket-limit", "2048",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (2 PMDs, 2 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 1024 x 2048kB (1024 free): 1024 x 2MB = 2048 MB "
            "for dpdk-socket-mem on node 0; 1024 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0: 262144 x 3008 = 788529152",
            NULL,
        },
        .warnings = (const char *const[]) {
            "kubelet's static CPU manager may give CPUs 4,12 (the PMDs) "
            "to a pod it admits later: give kubelet's "
            "reservedSystemCPUs, which keep them from pods, and plan "
            "within them",
            NULL,
        },
    },
    /* A given PMD on a pod's CPUs is refused. */
    {
        "kubelet_pod_refused", "kubelet-static",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "set=pmd-cpu-mask=0xc0c",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { "pmd-cpu-mask", "0xc0c",
              "given" },
            { NULL, NULL, NULL },
        },
        .refusals = (const char *const[]) {
            "pmd-cpu-mask 0xc0c: CPU 2-3,10-11 is given to a pod by "
            "kubelet (cpu_manager_state)",
            NULL,
        },
    },
    /* With reservedSystemCPUs the PMDs stay within them, and the lcore
     * takes a reserved housekeeping CPU. */
    {
        "kubelet_reserved", "kubelet-static",
        .settings = (const char *const[]) {
            "nics=0000:3b:00.0=dpdk0",
            "ovsVersion=3.1.0",
            "intent=dedicated",
            "reservedSystemCPUs=0-1,6-9,14-15",
            NULL,
        },
        .values = (const struct expect_value[]) {
            { "pmd-cpu-mask", "0x4040",
              "dedicated, node 0: 2 PMD threads on CPUs 6,14 (core 6, "
              "every SMT sibling a PMD)" },
            { "dpdk-lcore-mask", "0x1",
              "CPU 0 for DPDK's own threads: the lowest reserved "
              "(reservedSystemCPUs) CPU of the first NIC's node that is "
              "not isolated and not a PMD" },
            { "dpdk0/n_rxq", "2",
              "one queue per PMD of the NIC's node (vfio-pci, queues "
              "unknown; 2 PMDs on node 0)" },
            { "dpdk0/pmd-rxq-affinity", "0:6,1:14",
              "each queue on a PMD of node 0, the NIC's own (local "
              "memory), spread with the node's other NICs" },
            { "per-port-memory", "false",
              "ports of one node and MTU share a mempool (OVS's default): "
              "the least memory" },
            { "dpdk-socket-mem", "2048",
              "node 0: 752 MB of mempools + 512 MB headroom, rounded up "
              "to 1024 MB (OVS's mempool arithmetic, Red Hat's sizing)" },
            { "dpdk-socket-limit", "2048",
              "DPDK takes more than socket-mem on demand: the limit keeps "
              "each node to its plan" },
            { "pmd-rxq-assign", "group",
              "queues not pinned go to the least loaded PMD by their "
              "measured cycles (OVS 2.16 on)" },
            { "pmd-rxq-isolate", "false",
              "PMDs with pinned NIC queues also poll the pods' queues "
              "(only with group): with true they would poll their pins "
              "alone" },
            { "pmd-auto-lb", "false",
              "off: no PMD polls more than one queue (2 PMDs, 2 queues)" },
            { "pmd-maxsleep", "0",
              "dedicated PMDs never sleep: a wake-up would add latency "
              "(pmd-maxsleep in OVS 3.1.0)" },
            { NULL, NULL, NULL },
        },
        .hugepages = (const char *const[]) {
            "node 0: 1024 x 2048kB (1024 free): 1024 x 2MB = 2048 MB "
            "for dpdk-socket-mem on node 0; 1024 free",
            NULL,
        },
        .mempools = (const char *const[]) {
            "node 0 MTU 1500 dpdk0: 262144 x 3008 = 788529152",
            NULL,
        },
    },
};

int
main(int argc, char *argv[])
{
    const char *dir = argc > 1 ? argv[1] : "pmd-fixtures";
    struct CMUnitTest tests[ARRAY_SIZE(cases) + 1];
    struct plan_test t[ARRAY_SIZE(cases)];

    tests[0] = (struct CMUnitTest) cmocka_unit_test(test_mbuf_arithmetic);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        t[i] = (struct plan_test) { dir, &cases[i] };
        tests[i + 1] = (struct CMUnitTest) {
            cases[i].name, test_plan, NULL, NULL, &t[i],
        };
    }
    return _cmocka_run_group_tests("pmdplan", tests, ARRAY_SIZE(tests),
                                   NULL, NULL);
}
