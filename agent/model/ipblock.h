/*
 * ipblock: the ipBlock peer of a NetworkPolicy — a CIDR minus a list of
 * "except" CIDRs — and the arithmetic that turns it into the minimal list
 * of disjoint CIDRs a flow table can match.
 *
 * A block is of one family: an IPv4 one keeps its CIDRs in 'cidr',
 * 'except' and 'ranges', an IPv6 one in 'cidr6', 'except6' and 'ranges6'
 * (the others empty), and covers no address of the other family.
 */
#ifndef IPBLOCK_H
#define IPBLOCK_H 1

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <json-c/json.h>

#include "dataplane/polflows.h"

struct ipblock {
    bool ipv6;                      /* an IPv6 block: 'ranges' is empty */
    struct polflows_cidr cidr;      /* IPv4 only */
    struct polflows_cidr *except;   /* IPv4 only, as given */
    size_t n_except;
    struct polflows_cidr *ranges;   /* cidr minus except: minimal, sorted */
    size_t n_ranges;
    struct polflows_cidr6 cidr6;    /* the same for an IPv6 block */
    struct polflows_cidr6 *except6;
    size_t n_except6;
    struct polflows_cidr6 *ranges6;
    size_t n_ranges6;
};

/* Parses an IPBlock object ({cidr, except}) and validates it as the API
 * server does: 'cidr' is required; every 'except' entry is a CIDR of the
 * same family and a strict subset of 'cidr' (so an except equal to or
 * outside the cidr is refused).  Host bits set in a CIDR are cleared, as
 * the API server's parser does.  'path' names the field in messages.  0, or
 * -EINVAL with '*err' (caller frees). */
int ipblock_parse(struct json_object *obj, const char *path,
                  struct ipblock **blockp, char **err);
void ipblock_destroy(struct ipblock *);
/* Whether two blocks have the same CIDR and excepts. */
bool ipblock_equal(const struct ipblock *, const struct ipblock *);

/* Parses "A.B.C.D/N" (IPv4) or an IPv6 CIDR into 'family' (AF_INET,
 * AF_INET6), the address in network byte order in 'addr' (4 or 16 bytes
 * used) with host bits cleared, and the prefix length.  0 or -EINVAL with
 * '*err'. */
int ipblock_parse_cidr(const char *s, int *family, unsigned char addr[16],
                       int *plen, char **err);

/* 'cidr' minus every CIDR in 'except': the minimal list of disjoint CIDRs
 * covering exactly those addresses, sorted by address.  Excepts outside
 * 'cidr' remove nothing; an except covering it removes everything.  The
 * caller frees '*outp'. */
void ipblock_subtract(const struct polflows_cidr *cidr,
                      const struct polflows_cidr *except, size_t n_except,
                      struct polflows_cidr **outp, size_t *n_outp);
void ipblock_subtract6(const struct polflows_cidr6 *cidr,
                       const struct polflows_cidr6 *except, size_t n_except,
                       struct polflows_cidr6 **outp, size_t *n_outp);

/* Whether 'addr' (network byte order) is in 'cidr'; in 'block' after its
 * excepts. */
bool ipblock_cidr_contains(const struct polflows_cidr *, struct in_addr);
bool ipblock_contains(const struct ipblock *, struct in_addr);
bool ipblock_cidr6_contains(const struct polflows_cidr6 *,
                            const struct in6_addr *);
bool ipblock_contains6(const struct ipblock *, const struct in6_addr *);

#endif /* ipblock.h */
