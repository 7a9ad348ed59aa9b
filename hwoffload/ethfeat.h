/*
 * ethfeat: a netdev's ethtool features by name ("hw-tc-offload", what
 * `ethtool -K DEV hw-tc-offload on` changes), through the SIOCETHTOOL
 * ioctl: the feature's bit is found among the kernel's feature strings
 * (ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS), read with ETHTOOL_GFEATURES and
 * changed with ETHTOOL_SFEATURES.
 */
#ifndef HWOFFLOAD_ETHFEAT_H
#define HWOFFLOAD_ETHFEAT_H 1

#include <stdbool.h>

struct ethfeat_state {
    bool active;                /* on now */
    bool changeable;            /* the driver lets it change */
};

/* Feature 'feature' of netdev 'ifname' into '*state'.  0, or a negative
 * errno with why in '*errp' (-ENODEV: no such netdev here, -ENOENT: no
 * such feature in this kernel). */
int ethfeat_get(const char *ifname, const char *feature,
                struct ethfeat_state *state, char **errp);

/* Turns 'feature' of 'ifname' on or off.  0 (also when it already was),
 * or a negative errno with why in '*errp': -EOPNOTSUPP when the driver
 * does not let it change ("[fixed]" in ethtool -k) or did not take it. */
int ethfeat_set(const char *ifname, const char *feature, bool on,
                char **errp);

#endif /* hwoffload/ethfeat.h */
