/*
 * ipblock: the ipBlock peer of a NetworkPolicy — a CIDR minus a list of
 * "except" CIDRs — and the arithmetic that turns it into the minimal list
 * of disjoint CIDRs a flow table can match.
 *
 * The dataplane is IPv4 only.  An IPv6 ipBlock is parsed and validated like
 * any other (so a policy the API server accepts is accepted here too) but
 * covers no IPv4 address: it resolves to no CIDR at all, which is exact for
 * IPv4 traffic.
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
/* Whether two blocks have the same IPv4 CIDR and excepts (IPv6 blocks, which
 * cover no address here, are all equal). */
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

/* Whether 'addr' (network byte order) is in 'cidr'; in 'block' after its
 * excepts. */
bool ipblock_cidr_contains(const struct polflows_cidr *, struct in_addr);
bool ipblock_contains(const struct ipblock *, struct in_addr);

#endif /* ipblock.h */
