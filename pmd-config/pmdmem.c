#include <config.h>
#include "pmd-config/pmdmem.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "pmd-config/pmdintent.h"
#include "pmd-config/pmdkeys.h"
#include "pmd-config/pmdplan.h"
#include "pmd-config/pmdtopo.h"
#include "util.h"

/* lib/netdev-dpdk.c. */
#define MAX_NB_MBUF (4096 * 64)
#define MIN_NB_MBUF (4096 * 4)
#define QUEUE_SIZE 2048             /* NIC_PORT_DEFAULT_{RX,TX}Q_SIZE */
#define MAX_BURST 32                /* NETDEV_MAX_BURST */
#define MAX_LCORE 128               /* RTE_MAX_LCORE */
#define FRAME_OVERHEAD 26           /* Ethernet header, CRC, 2 VLANs */
#define MBUF_ALIGN 1024
#define HEADROOM 128                /* RTE_PKTMBUF_HEADROOM */
/* What memory.rst's examples add around the data room (the dp_packet
 * and the mempool's object header). */
#define OBJECT_OVERHEAD 832

/* Red Hat's sizing. */
#define HEADROOM_MB 512
#define ROUND_MB 1024

#define MB (1024 * 1024)

int
pmdmem_mbuf_bytes(int mtu)
{
    return ROUND_UP(mtu + FRAME_OVERHEAD, MBUF_ALIGN) + HEADROOM
           + OBJECT_OVERHEAD;
}

uint64_t
pmdmem_port_mbufs(int n_rxq, int n_pmds)
{
    return (uint64_t) n_rxq * QUEUE_SIZE + (uint64_t) (n_pmds + 1) * QUEUE_SIZE
           + MIN(MAX_LCORE, n_rxq) * MAX_BURST + MIN_NB_MBUF;
}

/* One port that takes DPDK memory. */
struct port {
    const char *name;
    int node;
    int n_rxq;
};

static void
add_mempool(struct pmdplan *plan, int node, int mtu, const char *ports,
            uint64_t mbufs)
{
    struct pmdplan_mempool *m;

    plan->mempools = xrealloc(plan->mempools, (plan->n_mempools + 1)
                              * sizeof *plan->mempools);
    m = &plan->mempools[plan->n_mempools++];
    m->node = node;
    m->mtu = mtu;
    m->ports = xstrdup(ports);
    m->mbufs = mbufs;
    m->mbuf_bytes = pmdmem_mbuf_bytes(mtu);
    m->bytes = mbufs * m->mbuf_bytes;
}

/* The DPDK ports: the NICs, and the vhost-user ports on the first NIC's
 * node (they are polled there). */
static size_t
list_ports(const struct pmdtopo *t, const struct pmdintent *in,
           const struct pmdplan *plan, struct port *ports)
{
    size_t n = 0;

    for (size_t i = 0; i < t->n_nics; i++) {
        ports[n++] = (struct port) { in->nics[i].port, plan->nic_nodes[i],
                                     plan->nic_rxqs[i] };
    }
    for (int i = 0; i < in->vhost_ports; i++) {
        ports[n++] = (struct port) { "vhost", t->n_nics ? plan->nic_nodes[0]
                                              : t->nodes[0].id, 1 };
    }
    return n;
}

/* The shared model: a mempool per node with ports, all of one MTU. */
static void
shared_mempools(const struct pmdtopo *t, const struct pmdintent *in,
                struct pmdplan *plan, const struct port *ports, size_t n)
{
    uint64_t mbufs = in->mtu >= 1500 ? MAX_NB_MBUF : MIN_NB_MBUF;

    for (size_t k = 0; k < t->n_nodes; k++) {
        struct ds names = DS_EMPTY_INITIALIZER;
        int vhost = 0;
        for (size_t i = 0; i < n; i++) {
            if (ports[i].node == t->nodes[k].id) {
                if (!strcmp(ports[i].name, "vhost")) {
                    vhost++;
                } else {
                    ds_put_format(&names, "%s%s", names.length ? "," : "",
                                  ports[i].name);
                }
            }
        }
        if (vhost) {
            ds_put_format(&names, "%s%d vhost-user", names.length ? "," : "",
                          vhost);
        }
        if (names.length) {
            add_mempool(plan, t->nodes[k].id, in->mtu, ds_cstr(&names),
                        mbufs);
        }
        ds_destroy(&names);
    }
}

static void
per_port_mempools(const struct pmdintent *in, struct pmdplan *plan,
                  const struct port *ports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        add_mempool(plan, ports[i].node, in->mtu, ports[i].name,
                    pmdmem_port_mbufs(ports[i].n_rxq,
                                      cpuset_count(&plan->pmds)));
    }
}

/* The MB of mempools on 'node', rounded up. */
static uint64_t
node_mempool_mb(const struct pmdplan *plan, int node)
{
    uint64_t bytes = 0;

    for (size_t i = 0; i < plan->n_mempools; i++) {
        if (plan->mempools[i].node == node) {
            bytes += plan->mempools[i].bytes;
        }
    }
    return DIV_ROUND_UP(bytes, MB);
}

/* "1024,0" into MB per node of 't' (by position); -1 when malformed or
 * longer than the host's nodes. */
static int
parse_socket_list(const struct pmdtopo *t, const char *s, int *mb)
{
    char *copy = xstrdup(s), *save = NULL;
    size_t n = 0;
    int error = 0;

    memset(mb, 0, t->n_nodes * sizeof *mb);
    for (char *w = strtok_r(copy, ",", &save); w && !error;
         w = strtok_r(NULL, ",", &save)) {
        error = n >= t->n_nodes || !str_to_int(w, 10, &mb[n]) || mb[n] < 0;
        n++;
    }
    free(copy);
    return error ? -1 : 0;
}

static char *
format_socket_list(const struct pmdtopo *t, const int *mb)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t k = 0; k < t->n_nodes; k++) {
        ds_put_format(&s, "%s%d", k ? "," : "", mb[k]);
    }
    return ds_steal_cstr(&s);
}

/* Each node's socket-mem by Red Hat's sizing, and its reason. */
static void
size_nodes(const struct pmdtopo *t, const struct pmdplan *plan, int *mb,
           struct ds *why)
{
    for (size_t k = 0; k < t->n_nodes; k++) {
        uint64_t pools = node_mempool_mb(plan, t->nodes[k].id);
        mb[k] = pools ? ROUND_UP(pools + HEADROOM_MB, ROUND_MB) : 0;
        ds_put_format(why, "%snode %d: ", k ? "; " : "", t->nodes[k].id);
        if (pools) {
            ds_put_format(why, "%"PRIu64" MB of mempools + %d MB headroom, "
                          "rounded up to %d MB", pools, HEADROOM_MB, ROUND_MB);
        } else {
            ds_put_cstr(why, "no DPDK port");
        }
    }
    ds_put_cstr(why, " (OVS's mempool arithmetic, Red Hat's sizing)");
}

/* The pool to take 'mb' from on 'node'; NULL when the node has none. */
static const struct pmdtopo_pool *
choose_pool(const struct pmdtopo_node *node, const struct pmdintent *in,
            int mb, int held_mb)
{
    const struct pmdtopo_pool *best = NULL;

    for (size_t i = 0; i < node->n_pools; i++) {
        const struct pmdtopo_pool *p = &node->pools[i];
        uint64_t avail = (uint64_t) p->free * p->size_kb / 1024 + held_mb;
        if (in->hugepage_kb ? p->size_kb == in->hugepage_kb
            : avail >= (uint64_t) mb || (p->total && !best)) {
            best = p;
        }
    }
    return best;
}

static void
add_hugepages(struct pmdplan *plan, int node, int size_kb, int pages,
              int free_pages, const char *fmt, ...)
    OVS_PRINTF_FORMAT(6, 7);

static void
add_hugepages(struct pmdplan *plan, int node, int size_kb, int pages,
              int free_pages, const char *fmt, ...)
{
    struct pmdplan_hugepages *h;
    va_list args;

    plan->hugepages = xrealloc(plan->hugepages, (plan->n_hugepages + 1)
                               * sizeof *plan->hugepages);
    h = &plan->hugepages[plan->n_hugepages++];
    *h = (struct pmdplan_hugepages) { node, size_kb, pages, free_pages,
                                      NULL };
    va_start(args, fmt);
    h->reason = xvasprintf(fmt, args);
    va_end(args);
}

/* The hugepages node 'node' needs for 'mb' of socket-mem, refused when
 * fewer are free (besides those a running switch holds). */
static void
plan_node_pages(const struct pmdtopo_node *node, const struct pmdintent *in,
                struct pmdplan *plan, int mb, int held_mb)
{
    const struct pmdtopo_pool *pool = choose_pool(node, in, mb, held_mb);
    int size_kb = pool ? pool->size_kb : in->hugepage_kb ? in->hugepage_kb
                                                         : 2048;
    int pages = DIV_ROUND_UP((uint64_t) mb * 1024, size_kb);
    int held = (uint64_t) held_mb * 1024 / size_kb;
    int free_pages = (pool ? pool->free : 0) + held;
    struct ds size = DS_EMPTY_INITIALIZER;

    pmdtopo_format_size(size_kb, &size);
    add_hugepages(plan, node->id, size_kb, pages, free_pages,
                  "%d x %s = %d MB for dpdk-socket-mem on node %d; %d free%s",
                  pages, ds_cstr(&size), mb, node->id, free_pages,
                  held ? " with those the running switch holds" : "");
    if (free_pages < pages) {
        pmdplan_refuse(plan, "node %d: dpdk-socket-mem %d MB needs %d %s "
                       "hugepages and %d are free: reserve %d more (sys/"
                       "devices/system/node/node%d/hugepages/hugepages-%dkB/"
                       "nr_hugepages)", node->id, mb, pages, ds_cstr(&size),
                       free_pages, pages - free_pages, node->id, size_kb);
    }
    ds_destroy(&size);
}

static void
plan_hugepages(const struct pmdtopo *t, const struct pmdintent *in,
               struct pmdplan *plan, const int *mb)
{
    int *held = xcalloc(t->n_nodes, sizeof *held);

    if (in->held_socket_mem && parse_socket_list(t, in->held_socket_mem,
                                                 held)) {
        memset(held, 0, t->n_nodes * sizeof *held);
    }
    for (size_t k = 0; k < t->n_nodes; k++) {
        if (mb[k]) {
            plan_node_pages(&t->nodes[k], in, plan, mb[k], held[k]);
        }
    }
    free(held);
}

static void
plan_socket_mem(const struct pmdtopo *t, const struct pmdintent *in,
                struct pmdplan *plan)
{
    const char *given = smap_get(&in->overrides, PMDKEY_SOCKET_MEM);
    int *mb = xcalloc(t->n_nodes, sizeof *mb);
    struct ds why = DS_EMPTY_INITIALIZER;
    char *value;

    size_nodes(t, plan, mb, &why);
    value = format_socket_list(t, mb);
    pmdplan_add(plan, NULL, PMDKEY_SOCKET_MEM, value, "%s", ds_cstr(&why));
    free(value);
    /* pmdplan.c puts a given value in place of the planned one; the limit
     * and the hugepages follow it. */
    if (given && parse_socket_list(t, given, mb)) {
        pmdplan_refuse(plan, "%s %s: expected MB per NUMA node, at most %zu "
                       "numbers", PMDKEY_SOCKET_MEM, given, t->n_nodes);
    }
    value = format_socket_list(t, mb);
    pmdplan_add(plan, NULL, PMDKEY_SOCKET_LIMIT, value, "DPDK takes more "
                "than socket-mem on demand: the limit keeps each node to its "
                "plan%s", strstr(value, ",0") || !strncmp(value, "0", 1)
                ? " (0 on a node without DPDK port: there OVS sets no limit)"
                : "");
    free(value);
    plan_hugepages(t, in, plan, mb);
    ds_destroy(&why);
    free(mb);
}

void
pmdmem_plan(const struct pmdtopo *t, const struct pmdintent *in,
            struct pmdplan *plan)
{
    size_t max = t->n_nics + in->vhost_ports;
    struct port *ports = xcalloc(MAX(max, 1), sizeof *ports);
    size_t n = list_ports(t, in, plan, ports);
    bool per_port = in->memory == PMDINTENT_MEMORY_PER_PORT;

    pmdplan_add(plan, NULL, PMDKEY_PER_PORT_MEMORY,
                per_port ? "true" : "false", "%s",
                per_port ? "a mempool per port: no port can exhaust another's "
                           "buffers, at the cost of more memory"
                         : "ports of one node and MTU share a mempool (OVS's "
                           "default): the least memory");
    if (per_port) {
        per_port_mempools(in, plan, ports, n);
    } else {
        shared_mempools(t, in, plan, ports, n);
    }
    free(ports);
    plan_socket_mem(t, in, plan);
}
