/*
 * ifflags: bringing a netdev up (IFF_UP through SIOCSIFFLAGS), as `ip
 * link set DEV up` does: a representor must be up before the bridge
 * forwards through it.
 */
#ifndef HWOFFLOAD_IFFLAGS_H
#define HWOFFLOAD_IFFLAGS_H 1

#include <stdbool.h>

/* Brings 'ifname' up, in '*was_upp' whether it already was.  0, or a
 * negative errno with why in '*errp' (-ENODEV: no such netdev in this
 * network namespace). */
int ifflags_up(const char *ifname, bool *was_upp, char **errp);

#endif /* hwoffload/ifflags.h */
