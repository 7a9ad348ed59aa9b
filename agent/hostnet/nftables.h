/*
 * nftables: runs nftables commands (libnftables) in the agent's network
 * namespace, one buffer as one transaction.
 */
#ifndef NFTABLES_H
#define NFTABLES_H 1

/* Runs 'script'.  0, or -EIO (-ENOMEM) with nftables' error in '*errp'
 * (caller frees). */
int nftables_run(const char *script, char **errp);

#endif /* nftables.h */
