/*
 * pmdmem: the DPDK memory of a PMD plan — the mempools OVS will create,
 * dpdk-socket-mem and dpdk-socket-limit per NUMA node, and the hugepages
 * each node must have reserved for them.
 *
 * The arithmetic is OVS's own (Documentation/topics/dpdk/memory.rst and
 * lib/netdev-dpdk.c, OVS 3.1):
 *
 *   mbuf bytes  = ROUND_UP(MTU + 26, 1024) + 128 + 832
 *                 (frame with two VLAN headers and CRC, aligned to 1 kB,
 *                 DPDK's headroom, then the dp_packet and mempool object
 *                 around it: 1500 -> 3008, 6000 -> 7104, 9000 -> 10176
 *                 as memory.rst has them)
 *   shared model: one mempool per node and MTU, of 262144 mbufs (16384
 *                 below MTU 1500)
 *   per-port:     one per port, rxqs * 2048 + (PMDs + 1) * 2048
 *                 + min(128, rxqs) * 32 + 16384 mbufs
 *
 * and dpdk-socket-mem follows Red Hat's sizing for OVS-DPDK: a node's
 * mempools plus 512 MB of headroom, rounded up to a multiple of 1024 MB;
 * 0 on a node with no DPDK port.
 */
#ifndef PMD_CONFIG_PMDMEM_H
#define PMD_CONFIG_PMDMEM_H 1

#include <stdint.h>

struct pmdintent;
struct pmdplan;
struct pmdtopo;

/* Bytes of one mbuf for 'mtu', and mbufs of a per-port mempool. */
int pmdmem_mbuf_bytes(int mtu);
uint64_t pmdmem_port_mbufs(int n_rxq, int n_pmds);

/* Adds per-port-memory, dpdk-socket-mem and dpdk-socket-limit, the
 * mempools and the hugepages to 'plan' (which has its PMDs and the NICs'
 * rx queues), with a refusal for a node whose hugepages cannot give its
 * memory. */
void pmdmem_plan(const struct pmdtopo *, const struct pmdintent *,
                 struct pmdplan *);

#endif /* pmd-config/pmdmem.h */
