/*
 * ipam: the built-in address allocator for one node's pod subnet of one
 * family (IPv4 or IPv6; a dual-stack node opens one of each),
 * persisted to disk so that an address is never handed out twice, even
 * across agent restarts, and is released on DEL.
 *
 * State lives in a folder (STATE_DIR/ipam/SUBNET_PREFIXLEN/, e.g.
 * ipam/10.244.1.0_24/): one file per allocated address, named by the
 * address and created with O_EXCL, holding the owner key
 * ("containerID/ifname").  'last' records the most recent allocation so
 * addresses are reused as late as possible.  Files are written and synced
 * ('last' through write + fsync + rename) before the address is returned.
 *
 * The network address, the gateway (first host address) and the broadcast
 * address are never allocated.  An IPv6 subnet (ipam/fd00:10:244:1::_64/)
 * follows the same rules: its first address (the subnet-router anycast
 * address) and its last are never allocated, the second is the gateway,
 * and a subnet wider than /96 allocates from its first 2^32 addresses.
 *
 * Functions for one family return -EAFNOSUPPORT (lookups -ENOENT) on an
 * allocator of the other.
 */
#ifndef IPAM_H
#define IPAM_H 1

#include <stddef.h>
#include <netinet/in.h>

struct ipam;

/* Opens (creating if needed) the allocator for 'subnet'/'prefix_len' under
 * 'state_dir'.  0 or -errno (-EINVAL for a bad subnet, prefix > 30). */
int ipam_open(const char *state_dir, struct in_addr subnet, int prefix_len,
              struct ipam **ipamp);
void ipam_close(struct ipam *);

/* Same for an IPv6 subnet (-EINVAL for host bits set or prefix > 126). */
int ipam_open6(const char *state_dir, struct in6_addr subnet, int prefix_len,
               struct ipam **ipamp);

/* AF_INET or AF_INET6. */
int ipam_family(const struct ipam *);

/* The gateway address of the subnet (first host address). */
struct in_addr ipam_gateway(const struct ipam *);
struct in6_addr ipam_gateway6(const struct ipam *);
int ipam_prefix_len(const struct ipam *);

/* Allocates an address for 'owner'.  If 'owner' already holds one, returns
 * that one (ADD retried by the runtime).  -EADDRNOTAVAIL when the subnet is
 * full (any other error is the folder's: -EROFS, -ENOSPC, -EIO, ...),
 * -EINVAL for an empty owner, one with a newline or longer than 512. */
int ipam_allocate(struct ipam *, const char *owner, struct in_addr *ipp);
int ipam_allocate6(struct ipam *, const char *owner, struct in6_addr *ipp);

/* Allocates 'ip' itself for 'owner' (a static address the runtime asked
 * for), releasing any other address 'owner' holds.  0, also when 'owner'
 * holds 'ip' already; -EDOM when 'ip' is not an allocatable address of
 * the subnet (outside it, or its network, gateway or broadcast address);
 * -EADDRINUSE when another owner holds it; -EINVAL for a bad owner. */
int ipam_allocate_at(struct ipam *, const char *owner, struct in_addr ip);
int ipam_allocate_at6(struct ipam *, const char *owner, struct in6_addr ip);

/* Releases the address held by 'owner'; 0 also when it holds none. */
int ipam_release(struct ipam *, const char *owner);

/* Finds the address of 'owner': 0, or -ENOENT. */
int ipam_lookup(const struct ipam *, const char *owner, struct in_addr *ipp);
int ipam_lookup6(const struct ipam *, const char *owner,
                 struct in6_addr *ipp);

/* Adds every owner that holds an address to 'owners' (addresses whose
 * owner could not be read are not listed: they stay reserved). */
struct sset;
void ipam_owners(const struct ipam *, struct sset *owners);

/* The allocator's folder, for messages. */
const char *ipam_dir(const struct ipam *);

/* Number of allocated addresses. */
size_t ipam_count(const struct ipam *);

#endif /* ipam.h */
